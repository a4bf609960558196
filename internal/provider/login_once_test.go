package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
)

// stepCommands is how many Terraform commands of a plain (not plan-only)
// test step evaluate the configuration, each in a new provider process
// (providerFactories builds a new provider per command): the plan, the
// apply of the saved plan (which opens the ephemeral resources again), the
// post-apply plan without refresh and the one with refresh. init and the
// `show` commands that read the plan and state load no configuration into
// the provider.
const stepCommands = 4

// TestAccLoginOncePerProcess opens 20 iotauth_token blocks and reads 20
// iotauth_user_profile data sources per platform, all with the provider's
// credentials: each provider process logs in once per platform, however
// many blocks ask at the same time, so the mock sees at most one login per
// Terraform command. Without the cache it would see 40 per command.
func TestAccLoginOncePerProcess(t *testing.T) {
	t.Parallel()
	const n = 20
	srv := startMock(t)
	var body string
	var tokens []string
	for _, p := range mock.Platforms() {
		tokens = append(tokens, fmt.Sprintf("ephemeral.iotauth_token.%s[*].token", p))
		body += fmt.Sprintf(`
ephemeral "iotauth_token" %[1]q {
  count    = %[2]d
  platform = %[1]q
}

data "iotauth_user_profile" %[1]q {
  count    = %[2]d
  platform = %[1]q
}
`, p, n)
	}
	// Every token is handed to a provisioner, so the ephemeral resources
	// are certainly opened during apply too.
	body += fmt.Sprintf(`
resource "terraform_data" "use" {
  provisioner "local-exec" {
    command = "test -n \"$T\""
    environment = {
      T = join(",", concat(%s))
    }
  }
}
`, strings.Join(tokens, ", "))
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(mockProvider(srv) + body),
	})
	for _, p := range mock.Platforms() {
		logins := srv.Count(p, mock.EndpointLogin)
		t.Logf("%s: %d logins for %d token blocks and %d data sources over one test step", p, logins, n, n)
		if logins < 1 || logins > stepCommands {
			t.Errorf("%s: %d logins, want between 1 and %d (one per Terraform command at most)", p, logins, stepCommands)
		}
	}
	// Coiote reads the profile once per login.
	if got, logins := srv.Count(mock.Coiote, mock.EndpointProfile), srv.Count(mock.Coiote, mock.EndpointLogin); got != logins {
		t.Errorf("coiote: %d profile reads for %d logins", got, logins)
	}
}

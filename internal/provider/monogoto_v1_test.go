package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
)

// monogotoV1Provider signs in to the mock's Monogoto v1 API.
func monogotoV1Provider(srv *mock.Server, user, password string) string {
	return fmt.Sprintf(`provider "iotauth" {
  max_retries    = 2
  retry_max_wait = "2s"
  monogoto = {
    api_version = "v1"
    base_url    = %q
    username    = %q
    password    = %q
  }
}
`, srv.BaseURL(mock.Monogoto), user, password)
}

// TestAccToken_MonogotoV1: api_version = "v1" logs in at /v1/auth/token and
// returns the v1 access token (4 h lifetime) and its refresh token, with
// the legacy endpoint untouched.
func TestAccToken_MonogotoV1(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	// A test step runs more Terraform walks than the 5 logins per minute
	// the v1 API allows (one login each); this test is not about the limit.
	srv.SetRateLimit(mock.Monogoto, mock.EndpointV1Login, 100, time.Minute)
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(monogotoV1Provider(srv, mock.SeedMonogotoDemo.UserName, mock.SeedMonogotoDemoPassword) +
			echoToken(`  platform = "monogoto"`)),
		ConfigStateChecks: []statecheck.StateCheck{
			echoed("token", lastToken(srv, mock.Monogoto, "")),
			echoed("authorization_header", lastToken(srv, mock.Monogoto, "Bearer ")),
			echoed("token_type", knownvalue.StringExact("Bearer")),
			echoed("expires_at", expiresIn(4*time.Hour)),
			echoed("refresh_token", issued(srv)),
			echoed("mqtt_password", knownvalue.Null()),
		},
		Check: func(*terraform.State) error {
			if n := srv.Count(mock.Monogoto, mock.EndpointLogin); n != 0 {
				return fmt.Errorf("the legacy /Auth endpoint saw %d logins, want 0", n)
			}
			if n := srv.Count(mock.Monogoto, mock.EndpointV1Login); n == 0 {
				return fmt.Errorf("the v1 token endpoint saw no login")
			}
			return nil
		},
	})
}

// TestAccToken_MonogotoV1BadCredentials: the v1 error envelope becomes the
// same "invalid credentials" diagnostic as the console API's, never retried.
func TestAccToken_MonogotoV1BadCredentials(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(monogotoV1Provider(srv, mock.SeedMonogotoDemo.UserName, "not-the-password") +
			echoToken(`  platform = "monogoto"`)),
		ExpectError: wrapped(`Monogoto v1 login for user "demo@monogoto.io" failed: invalid credentials`),
	})
	if n := srv.Count(mock.Monogoto, mock.EndpointV1Login); n != 1 {
		t.Errorf("the v1 token endpoint saw %d requests, want exactly 1 (a refused login is never retried)", n)
	}
}

// TestAccToken_MonogotoV1RateLimit: 100 token blocks and 20 data sources
// with the same credentials log in once per provider process (walk), so a
// rate limit of one login per walk is never hit.
func TestAccToken_MonogotoV1RateLimit(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	// The step below runs six Terraform walks, each in a provider process
	// of its own (in-process here, one Configure each): the platform's
	// limit of 5 per minute is raised to exactly six, so that a seventh
	// login would be refused.
	srv.SetRateLimit(mock.Monogoto, mock.EndpointV1Login, 6, time.Minute)
	var blocks strings.Builder
	for i := range 100 {
		fmt.Fprintf(&blocks, `
ephemeral "iotauth_token" "t%d" {
  platform = "monogoto"
}
`, i)
	}
	for i := range 20 {
		fmt.Fprintf(&blocks, `
data "iotauth_user_profile" "p%d" {
  platform = "monogoto"
}
`, i)
	}
	blocks.WriteString(`
provider "echo" {
  data = ephemeral.iotauth_token.t99.token_type
}

resource "echo" "t" {}
`)
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(monogotoV1Provider(srv, mock.SeedMonogotoDemo.UserName, mock.SeedMonogotoDemoPassword) + blocks.String()),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("echo.t", tfjsonpath.New("data"), knownvalue.StringExact("Bearer")),
		},
	})
	// Count includes every request the endpoint received, rate-limited
	// ones too. With data sources in the configuration a step runs five
	// Terraform commands that evaluate it (plan, apply, refresh and two
	// post-apply plans); apply is two walks (plan and apply). One login per
	// walk is six requests, none answered 429.
	if logins := srv.Count(mock.Monogoto, mock.EndpointV1Login); logins != 6 {
		t.Errorf("the v1 token endpoint saw %d requests for 120 blocks, want 6 (one per walk)", logins)
	}
}

package provider

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
)

// TestAccToken_CoioteServiceAccountFromEnvironment: a Coiote IAM service
// account configured only through IOTAUTH_COIOTE_CLIENT_ID,
// IOTAUTH_COIOTE_CLIENT_SECRET and IOTAUTH_COIOTE_REALM uses the
// client-credentials grant (numeric expires_in) and never the password
// grant.
func TestAccToken_CoioteServiceAccountFromEnvironment(t *testing.T) {
	clearIotauthEnv(t)
	srv := startMock(t)
	t.Setenv("IOTAUTH_COIOTE_BASE_URL", srv.BaseURL(mock.Coiote))
	t.Setenv("IOTAUTH_COIOTE_CLIENT_ID", mock.SeedCoioteClient.ClientID)
	t.Setenv("IOTAUTH_COIOTE_CLIENT_SECRET", mock.SeedCoioteClient.ClientSecret)
	t.Setenv("IOTAUTH_COIOTE_REALM", mock.SeedCoioteClient.Realm)
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(echoToken(`  platform = "coiote"`)),
		ConfigStateChecks: []statecheck.StateCheck{
			echoed("token", lastToken(srv, mock.Coiote, "")),
			echoed("authorization_header", lastToken(srv, mock.Coiote, "Bearer ")),
			echoed("expires_at", expiresIn(300*time.Second)),
			echoed("refresh_token", knownvalue.Null()),
		},
		Check: func(*terraform.State) error {
			if n := srv.Count(mock.Coiote, mock.EndpointClientCredentials); n == 0 {
				return fmt.Errorf("the IAM token endpoint saw no request")
			}
			if n := srv.Count(mock.Coiote, mock.EndpointLogin); n != 0 {
				return fmt.Errorf("the password grant saw %d requests, want 0", n)
			}
			return nil
		},
	})
}

// TestAccToken_CoioteServiceAccountBadSecret: a wrong client secret is an
// "invalid credentials" diagnostic naming the client ID, sent once.
func TestAccToken_CoioteServiceAccountBadSecret(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(fmt.Sprintf(`
provider "iotauth" {
  coiote = {
    base_url      = %q
    client_id     = %q
    client_secret = "not-the-secret"
  }
}
`, srv.BaseURL(mock.Coiote), mock.SeedCoioteClient.ClientID) + echoToken(`  platform = "coiote"`)),
		// The hint names the client ID and secret, not a user name and
		// password (issue 13).
		ExpectError: wrapped(`(?s)Coiote IoT DM service account login for user "iotauth-ci" failed: invalid credentials.*` +
			`Check the client ID and client secret for this platform \(client_id and client_secret in the provider block`),
	})
	if n := srv.Count(mock.Coiote, mock.EndpointClientCredentials); n != 1 {
		t.Errorf("the IAM token endpoint saw %d requests, want exactly 1 (never retried)", n)
	}
}

// TestAccUserProfile_CoioteServiceAccountFlagsNull: a service account has
// no user record, so its profile's active, staff and super_user flags are
// unknown: null, not false (issue 13).
func TestAccUserProfile_CoioteServiceAccountFlagsNull(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	const addr = "data.iotauth_user_profile.coiote"
	checks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("user_name"), knownvalue.StringExact(mock.SeedCoioteClient.ClientID)),
	}
	for _, flag := range []string{"active", "staff", "super_user", "domain", "login"} {
		checks = append(checks, statecheck.ExpectKnownValue(addr, tfjsonpath.New("coiote").AtMapKey(flag), knownvalue.Null()))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories(),
		Steps: []resource.TestStep{{
			Config: testConfig(fmt.Sprintf(`
provider "iotauth" {
  coiote = {
    base_url      = %q
    client_id     = %q
    client_secret = %q
    realm         = %q
  }
}
`, srv.BaseURL(mock.Coiote), mock.SeedCoioteClient.ClientID, mock.SeedCoioteClient.ClientSecret, mock.SeedCoioteClient.Realm) +
				profileBlock(mock.Coiote)),
			ConfigStateChecks: checks,
		}},
	})
}

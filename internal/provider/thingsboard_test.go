package provider

// ThingsBoard through Terraform, against its mock: its token and headers
// (X-Authorization), its profile (a tenant administrator's null customer),
// its refusals told apart, two-factor authentication, API keys (the
// credential kind without a principal) and a leak scan of its secrets.
// Everything else about ThingsBoard (the schema, the platform argument,
// the faults, the login-once and load tests) comes from the tests that
// loop over every platform.

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// tbKeyBlock is an iotauth_token block that signs in to ThingsBoard with
// the mock's API key.
const tbKeyBlock = `  platform = "thingsboard"
  api_key  = "` + mock.SeedThingsboardAPIKeyValue + `"`

func TestAccToken_Thingsboard(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	tenant, customer := mock.SeedThingsboardTenant, mock.SeedThingsboardCustomer
	key := mock.SeedThingsboardAPIKeyValue
	acceptanceTest(t,
		resource.TestStep{
			Config: testConfig(mockProvider(srv) + echoToken(`  platform = "thingsboard"`)),
			ConfigStateChecks: slices.Concat(
				[]statecheck.StateCheck{
					echoed("token", lastToken(srv, mock.Thingsboard, "")),
					echoed("token_type", knownvalue.StringExact("Bearer")),
					echoed("authorization_header", lastToken(srv, mock.Thingsboard, "Bearer ")),
					// ThingsBoard's header, and no Authorization.
					echoed("headers", knownvalue.MapExact(map[string]knownvalue.Check{
						"X-Authorization": lastToken(srv, mock.Thingsboard, "Bearer "),
					})),
					echoed("expires_at", expiresIn(mock.DefaultThingsboardTokenLifetime)),
					echoed("user_id", knownvalue.StringExact(tenant.UserID)),
					// organization_id is the tenant; a tenant administrator
					// has no customer (the null UUID).
					echoed("organization_id", knownvalue.StringExact(tenant.TenantID)),
					echoed("refresh_token", issued(srv)),
				},
				nullAttrs("customer_id", "mqtt_username", "mqtt_password", "api_key"),
			),
		},
		resource.TestStep{
			// The block's own user: a customer user.
			Config: testConfig(mockProvider(srv) + echoTokenAs("customer", fmt.Sprintf(`  platform = "thingsboard"
  username = %q
  password = %q`, customer.Email, customer.Password))),
			ConfigStateChecks: []statecheck.StateCheck{
				echoedAs("customer", "token", lastToken(srv, mock.Thingsboard, "")),
				echoedAs("customer", "customer_id", knownvalue.StringExact(customer.CustomerID)),
				echoedAs("customer", "user_id", knownvalue.StringExact(customer.UserID)),
			},
		},
		resource.TestStep{
			// The block's API key: no login, the key itself.
			Config: testConfig(mockProvider(srv) + echoTokenAs("key", tbKeyBlock)),
			ConfigStateChecks: []statecheck.StateCheck{
				echoedAs("key", "token", knownvalue.StringExact(key)),
				echoedAs("key", "token_type", knownvalue.StringExact("ApiKey")),
				echoedAs("key", "authorization_header", knownvalue.StringExact("ApiKey "+key)),
				echoedAs("key", "headers", knownvalue.MapExact(map[string]knownvalue.Check{
					"X-Authorization": knownvalue.StringExact("ApiKey " + key),
				})),
				echoedAs("key", "expires_at", knownvalue.Null()),
				echoedAs("key", "refresh_token", knownvalue.Null()),
				echoedAs("key", "user_id", knownvalue.StringExact(tenant.UserID)),
				echoedAs("key", "organization_id", knownvalue.StringExact(tenant.TenantID)),
			},
		},
	)
	// Every request that carried a key or a token used X-Authorization.
	for _, r := range srv.ReceivedRequests(mock.Thingsboard) {
		if r.Header.Get("Authorization") != "" || (r.Endpoint == mock.EndpointProfile && r.Header.Get("X-Authorization") == "") {
			t.Errorf("%s %s: Authorization set %v, X-Authorization set %v", r.Method, r.Path,
				r.Header.Get("Authorization") != "", r.Header.Get("X-Authorization") != "")
		}
	}
}

// expectThingsboard is a ThingsBoard profile as the data source stores it.
func expectThingsboard(a mock.ThingsboardAccount) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{
		"id":               knownvalue.StringExact("thingsboard/" + a.UserID),
		"user_id":          knownvalue.StringExact(a.UserID),
		"user_name":        knownvalue.StringExact(a.Email),
		"email":            knownvalue.StringExact(a.Email),
		"customer_id":      stringOrNullExact(a.CustomerID),
		"organization_id":  knownvalue.StringExact(a.TenantID),
		"organization_ids": stringsExact([]string{a.TenantID}),
		"roles":            stringsExact([]string{a.Authority}),
		"permissions":      knownvalue.MapExact(map[string]knownvalue.Check{}),
		"monogoto":         knownvalue.Null(),
		"coiote":           knownvalue.Null(),
		"bienport":         knownvalue.Null(),
		"thingsboard": knownvalue.ObjectExact(map[string]knownvalue.Check{
			"tenant_id":    knownvalue.StringExact(a.TenantID),
			"authority":    knownvalue.StringExact(a.Authority),
			"first_name":   stringOrNullExact(a.FirstName),
			"last_name":    stringOrNullExact(a.LastName),
			"phone":        stringOrNullExact(a.Phone),
			"created_time": millisExact(a.CreatedTime),
		}),
	}
}

// notInState fails when the state holds any of texts (which are not
// secrets, so a plain search is enough).
type notInState []string

func (n notInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	for _, s := range n {
		if strings.Contains(string(b), s) {
			resp.Error = fmt.Errorf("the state holds %q", s)
		}
	}
}

func TestAccUserProfile_Thingsboard(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	block := `data "iotauth_user_profile" "tb" { platform = "thingsboard" }` + "\n"
	tenant, customer := mock.SeedThingsboardTenant, mock.SeedThingsboardCustomer
	// additionalInfo is free-form: nothing of it reaches the state.
	noAdditionalInfo := notInState{mock.ThingsboardAdditionalInfoMarker, "lastLoginTs", "Fleet automation"}
	acceptanceTest(t,
		resource.TestStep{
			Config:            testConfig(mockProvider(srv) + block),
			ConfigStateChecks: append(profileChecks("data.iotauth_user_profile.tb", "thingsboard", expectThingsboard(tenant)), noAdditionalInfo),
		},
		resource.TestStep{
			Config: testConfig(mockProviderAs(srv, map[platform.Name]mock.Login{
				mock.Thingsboard: {User: customer.Email, Password: customer.Password},
			}) + block),
			ConfigStateChecks: profileChecks("data.iotauth_user_profile.tb", "thingsboard", expectThingsboard(customer)),
		},
		resource.TestStep{
			// The provider's API key alone configures the platform.
			Config: testConfig(fmt.Sprintf(`provider "iotauth" {
  max_retries = 0
  thingsboard = {
    base_url = %q
    api_key  = %q
  }
}
`, srv.BaseURL(mock.Thingsboard), mock.SeedThingsboardAPIKeyValue) + block),
			ConfigStateChecks: append(profileChecks("data.iotauth_user_profile.tb", "thingsboard", expectThingsboard(tenant)), noAdditionalInfo),
		},
	)
}

func TestAccToken_ThingsboardRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		acct mock.ThingsboardAccount
		pass string
		want string
	}{
		{"wrong password", mock.SeedThingsboardTenant, "wrong-password-1234",
			`the platform refused the user name and password \(HTTP 401; ThingsBoard says "Invalid username or password"\).*` +
				`Check the user name and password`},
		{"locked", mock.SeedThingsboardLocked, mock.SeedThingsboardLockedPassword,
			`the account is locked \(HTTP 401; ThingsBoard says "User account is locked due to security policy"\).*` +
				`ThingsBoard locked the account, usually after too many failed logins.*Ask a tenant or system administrator to unlock it`},
		{"disabled", mock.SeedThingsboardDisabled, mock.SeedThingsboardDisabledPassword,
			`the account is not active \(HTTP 401; ThingsBoard says "User account is not active"\).*` +
				`The account exists but is disabled, or was never activated.*the password itself may well be right`},
		{"two-factor", mock.SeedThingsboardTwoFactor, mock.SeedThingsboardTwoFactorPassword,
			`this account uses two-factor authentication, which the provider cannot complete; use an API key.*` +
				`ThingsBoard answered the password with a pre-verification token.*use an API key \(ThingsBoard 4\.3 and later: api_key`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := startMock(t)
			acceptanceTest(t, resource.TestStep{
				Config: testConfig(mockProvider(srv) + echoToken(fmt.Sprintf(`  platform = "thingsboard"
  username = %q
  password = %q`, c.acct.Email, c.pass))),
				ExpectError: wrapped(`(?s)ThingsBoard login failed.*ThingsBoard login for user "` + regexp.QuoteMeta(c.acct.Email) +
					`" failed: invalid credentials: ` + c.want),
			})
			// Sent once, and nothing after it: no profile read, no second
			// login, and no refresh.
			if n, all := srv.Count(mock.Thingsboard, mock.EndpointLogin), srv.Count(mock.Thingsboard, ""); n != 1 || all != 1 {
				t.Errorf("%d login requests and %d in all, want exactly 1", n, all)
			}
		})
	}
}

func TestAccToken_ThingsboardAPIKeyRefused(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(mockProvider(srv) + echoToken(`  platform = "thingsboard"
  api_key  = "mockpw-not-the-key-9Zz"`)),
		ExpectError: wrapped(`(?s)ThingsBoard API key check failed.*ThingsBoard API key check failed: invalid credentials: ` +
			`the platform refused the API key \(HTTP 401\).*Check the API key.*API keys need ThingsBoard 4\.3 or later`),
	})
	if n := srv.Count(mock.Thingsboard, mock.EndpointProfile); n != 1 || srv.Count(mock.Thingsboard, mock.EndpointLogin) != 0 {
		t.Errorf("a refused key was sent %d times (counts %v), want once and no login", n, srv.Counts(mock.Thingsboard))
	}
}

// TestAccToken_ThingsboardEnvironment: base URL and API key from the
// environment alone.
func TestAccToken_ThingsboardEnvironment(t *testing.T) {
	srv := startMock(t)
	clearIotauthEnv(t)
	t.Setenv("IOTAUTH_THINGSBOARD_BASE_URL", srv.BaseURL(mock.Thingsboard))
	t.Setenv("IOTAUTH_THINGSBOARD_API_KEY", mock.SeedThingsboardAPIKeyValue)
	// A user name in the environment too: the API key wins.
	t.Setenv("IOTAUTH_THINGSBOARD_USERNAME", mock.SeedThingsboardCustomer.Email)
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(echoToken(`  platform = "thingsboard"`)),
		ConfigStateChecks: []statecheck.StateCheck{
			echoed("authorization_header", knownvalue.StringExact("ApiKey "+mock.SeedThingsboardAPIKeyValue)),
			echoed("user_id", knownvalue.StringExact(mock.SeedThingsboardTenant.UserID)),
		},
	})
	if n := srv.Count(mock.Thingsboard, mock.EndpointLogin); n != 0 {
		t.Errorf("%d logins with an API key", n)
	}
}

// TestThingsboardAPIKeyConfig: the provider block's api_key, from the
// configuration or the environment, selects the API key over a user name,
// and a block's own credentials of either kind replace the provider's.
func TestThingsboardAPIKeyConfig(t *testing.T) {
	t.Parallel()
	c, d := readTestConfig(t, map[string]string{"IOTAUTH_THINGSBOARD_API_KEY": "env-key"},
		map[string]any{"thingsboard": map[string]any{"username": "u@tb.example", "password": "pw"}})
	a := c.accounts[mock.Thingsboard]
	if d.HasError() || !a.configured() || a.Kind() != platform.APIKey || a.APIKey != "env-key" || a.Username != "" || a.Password != "" {
		t.Fatalf("account %v (%v)", a.Credentials, d)
	}
	if !slices.Contains(c.secrets(), "env-key") {
		t.Error("the API key is not among the secrets to mask")
	}
	// The key alone configures the platform; no missing-password error.
	_, pd := configure(t, &iotauthProvider{}, map[string]string{"IOTAUTH_THINGSBOARD_API_KEY": "env-key"}, nil)
	var diags diag.Diagnostics
	cr, state := pd.credentials(mock.Thingsboard, pathPlatform, nil, &diags)
	if state != credentialsReady || diags.HasError() || cr.APIKey != "env-key" {
		t.Fatalf("state %v, %v", state, diags)
	}
	// A block's user replaces the provider's key, and a block's key the
	// provider's user.
	m := tokenModel{Username: types.StringValue("blk@tb.example"), Password: types.StringValue("blk-pw"),
		APIKey: types.StringNull(), ClientID: types.StringNull(), BaseURL: types.StringNull(), RememberMe: types.BoolNull()}
	cr, _ = pd.credentials(mock.Thingsboard, pathPlatform, m.override, &diags)
	if cr.Kind() != platform.Password || cr.Username != "blk@tb.example" || cr.APIKey != "" {
		t.Errorf("block user over provider key: %v", cr)
	}
	_, pd = configure(t, &iotauthProvider{}, nil, map[string]any{"thingsboard": map[string]any{"username": "u@tb.example", "password": "pw"}})
	m = tokenModel{APIKey: types.StringValue("blk-key"), Username: types.StringNull(), Password: types.StringNull(),
		ClientID: types.StringNull(), BaseURL: types.StringNull(), RememberMe: types.BoolNull()}
	cr, _ = pd.credentials(mock.Thingsboard, pathPlatform, m.override, &diags)
	if cr.Kind() != platform.APIKey || cr.APIKey != "blk-key" || cr.Username != "" || cr.Password != "" || !slices.Contains(m.secrets(), "blk-key") {
		t.Errorf("block key over provider user: %v", cr)
	}
}

// tbSecrets are the ThingsBoard secrets the mock holds or issued: its
// accounts' passwords and API key, its access and refresh tokens and
// pre-verification tokens, and the header values built from them.
func tbSecrets(srv *mock.Server) []string {
	out := []string{mock.SeedThingsboardAPIKeyValue, "ApiKey " + mock.SeedThingsboardAPIKeyValue}
	for _, s := range mockSecrets(srv) {
		out = append(out, s, "Bearer "+s)
	}
	return out
}

// lastRefreshToken is the newest ThingsBoard refresh token the mock issued
// (a JWT whose scopes claim is REFRESH_TOKEN).
func lastRefreshToken(srv *mock.Server) string {
	issued := srv.IssuedSecrets()
	for i := len(issued) - 1; i >= 0; i-- {
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(issued[i], claims); err != nil {
			continue
		}
		if scopes, ok := claims["scopes"].([]any); ok && len(scopes) == 1 && scopes[0] == "REFRESH_TOKEN" && claims["iss"] == "thingsboard.io" {
			return issued[i]
		}
	}
	return ""
}

// TestAccNoLeaks_Thingsboard: a ThingsBoard token from a password login
// (with its refresh token) and one from an API key (an ephemeral variable)
// reach a provisioner, with Terraform and the provider logging at TRACE:
// neither the saved plan, the state nor the log holds a ThingsBoard secret
// or the user's additionalInfo.
func TestAccNoLeaks_Thingsboard(t *testing.T) {
	srv := startMock(t)
	secrets := func() []string { return append(tbSecrets(srv), mock.ThingsboardAdditionalInfoMarker) }
	log := noLeaksTest(t, srv, resource.TestStep{
		ConfigVariables: config.Variables{"tb_key": config.StringVariable(mock.SeedThingsboardAPIKeyValue)},
		Config: testConfig(`
variable "tb_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

ephemeral "iotauth_token" "password" { platform = "thingsboard" }

ephemeral "iotauth_token" "key" {
  platform = "thingsboard"
  api_key  = var.tb_key
}

data "iotauth_user_profile" "tb" { platform = "thingsboard" }

resource "terraform_data" "use" {
  input = data.iotauth_user_profile.tb.id

  provisioner "local-exec" {
    command = "test -n \"$P\" && test -n \"$K\""
    environment = {
      P = jsonencode(ephemeral.iotauth_token.password)
      K = jsonencode(ephemeral.iotauth_token.key)
    }
  }
}
`),
	}, secrets)
	if srv.LastToken(mock.Thingsboard) == "" || lastRefreshToken(srv) == "" || srv.Count(mock.Thingsboard, mock.EndpointProfile) < 2 {
		t.Fatalf("ThingsBoard issued no token or refresh token, or the key was never used (%v): the search would prove nothing",
			srv.Counts(mock.Thingsboard))
	}
	checkTraceLog(t, log, []string{"Opened an iotauth_token", "path=/api/auth/login", "path=/api/auth/user"}, secrets())
}

// TestAccNoLeaks_ThingsboardPositiveControl shows that the search finds
// ThingsBoard's secrets where they are: the echo provider copies a token
// from a password login (with its refresh token) and one from an API key
// into the state on purpose.
func TestAccNoLeaks_ThingsboardPositiveControl(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	echoed := func() []string {
		key := mock.SeedThingsboardAPIKeyValue
		return []string{srv.LastToken(mock.Thingsboard), "Bearer " + srv.LastToken(mock.Thingsboard), lastRefreshToken(srv), key, "ApiKey " + key}
	}
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(mockProvider(srv) + `
ephemeral "iotauth_token" "password" { platform = "thingsboard" }

ephemeral "iotauth_token" "key" {
` + tbKeyBlock + `
}

provider "echo" {
  data = [ephemeral.iotauth_token.password, ephemeral.iotauth_token.key]
}

resource "echo" "t" {}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			secretSearch{what: "state", secrets: echoed, wantFound: true},
		},
	})
	if found := findSecrets("xx"+lastRefreshToken(srv)+"yy", tbSecrets(srv)); len(found) != 1 {
		t.Errorf("findSecrets found %v in a text holding one refresh token", found)
	}
}

package provider

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// echoToken is a configuration that opens one iotauth_token and copies its
// result into the state of echo.t, where the checks can read it.
func echoToken(block string) string { return echoTokenAs("t", block) }

// echoTokenAs is echoToken with another echo resource name. An echo
// resource keeps the data it was created with, so a later step that
// echoes a new token needs a new resource.
func echoTokenAs(name, block string) string {
	return fmt.Sprintf(`ephemeral "iotauth_token" "t" {
%s
}

provider "echo" {
  data = ephemeral.iotauth_token.t
}

resource "echo" %q {}
`, block, name)
}

// echoed checks one attribute of the token echoed by echo.t.
func echoed(attr string, want knownvalue.Check) statecheck.StateCheck {
	return echoedAs("t", attr, want)
}

// echoedAs checks one attribute of the token echoed by echo.<name>.
func echoedAs(name, attr string, want knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue("echo."+name, tfjsonpath.New("data").AtMapKey(attr), want)
}

// lastToken matches the token platform p issued last.
func lastToken(srv *mock.Server, p platform.Name, prefix string) knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error {
		if want := srv.LastToken(p); want == "" || v != prefix+want {
			return fmt.Errorf("not the last %s token the mock issued", p)
		}
		return nil
	})
}

// issued matches any secret the mock issued.
func issued(srv *mock.Server) knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error {
		if !slices.Contains(srv.IssuedSecrets(), v) {
			return fmt.Errorf("not a secret the mock issued")
		}
		return nil
	})
}

// expiresIn matches an RFC 3339 time about d from now.
func expiresIn(d time.Duration) knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error {
		at, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return err
		}
		want := time.Now().Add(d)
		if diff := at.Sub(want); diff < -2*time.Minute || diff > 2*time.Minute {
			return fmt.Errorf("expires at %s, want about %s", v, want.UTC().Format(time.RFC3339))
		}
		return nil
	})
}

// tokenChecks are the checks every platform's token passes: the token is
// the one the mock issued last, and the header values are built from it.
// extraHeaders are the platform's headers besides Authorization.
func tokenChecks(srv *mock.Server, p platform.Name, extraHeaders map[string]knownvalue.Check) []statecheck.StateCheck {
	headers := map[string]knownvalue.Check{"Authorization": lastToken(srv, p, "Bearer ")}
	for k, v := range extraHeaders {
		headers[k] = v
	}
	return []statecheck.StateCheck{
		echoed("platform", knownvalue.StringExact(string(p))),
		echoed("token", lastToken(srv, p, "")),
		echoed("token_type", knownvalue.StringExact("Bearer")),
		echoed("authorization_header", lastToken(srv, p, "Bearer ")),
		echoed("headers", knownvalue.MapExact(headers)),
	}
}

// nullAttrs checks that each attribute is null.
func nullAttrs(names ...string) []statecheck.StateCheck {
	var out []statecheck.StateCheck
	for _, n := range names {
		out = append(out, echoed(n, knownvalue.Null()))
	}
	return out
}

func TestAccToken_Monogoto(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	seed := mock.SeedMonogotoDemo
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(mockProvider(srv) + echoToken(`  platform = "monogoto"`)),
		ConfigStateChecks: slices.Concat(
			tokenChecks(srv, mock.Monogoto, map[string]knownvalue.Check{"apikey": knownvalue.StringExact(seed.CustomerID)}),
			[]statecheck.StateCheck{
				// The mock's console tokens are JWTs whose exp is 4 hours away.
				echoed("expires_at", expiresIn(mock.DefaultMonogotoTokenLifetime)),
				echoed("customer_id", knownvalue.StringExact(seed.CustomerID)),
				echoed("user_id", knownvalue.StringExact(seed.UserID)),
				echoed("organization_id", knownvalue.StringExact(seed.OrganizationID)),
				echoed("refresh_token", issued(srv)),
			},
			nullAttrs("mqtt_username", "mqtt_password", "username", "password"),
		),
	})
}

// TestAccToken_MonogotoOpaque: a console token without a readable expiry
// gives a null expires_at.
func TestAccToken_MonogotoOpaque(t *testing.T) {
	t.Parallel()
	srv := startMock(t, func(c *mock.Config) { c.MonogotoOpaqueTokens = true })
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(mockProvider(srv) + echoToken(`  platform = "monogoto"`)),
		ConfigStateChecks: []statecheck.StateCheck{
			echoed("token", lastToken(srv, mock.Monogoto, "")),
			echoed("expires_at", knownvalue.Null()),
			echoed("customer_id", knownvalue.StringExact(mock.SeedMonogotoDemo.CustomerID)),
		},
	})
}

func TestAccToken_Coiote(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	acceptanceTest(t,
		resource.TestStep{
			Config: testConfig(mockProvider(srv) + echoToken(`  platform = "coiote"`)),
			ConfigStateChecks: slices.Concat(
				tokenChecks(srv, mock.Coiote, nil),
				[]statecheck.StateCheck{
					// expires_in is the string "300".
					echoed("expires_at", expiresIn(mock.DefaultCoioteTokenLifetime)),
					echoed("user_id", knownvalue.StringExact(mock.SeedCoioteOps.UserID)),
				},
				nullAttrs("customer_id", "organization_id", "refresh_token", "mqtt_username", "mqtt_password"),
			),
		},
		resource.TestStep{
			// An IAM service account given in the block replaces the
			// provider's user.
			Config: testConfig(mockProvider(srv) + echoTokenAs("svc", fmt.Sprintf(`  platform      = "coiote"
  client_id     = %q
  client_secret = %q`, mock.SeedCoioteClient.ClientID, mock.SeedCoioteClient.ClientSecret))),
			ConfigStateChecks: []statecheck.StateCheck{
				echoedAs("svc", "token", lastToken(srv, mock.Coiote, "")),
				echoedAs("svc", "expires_at", expiresIn(mock.DefaultCoioteTokenLifetime)),
				echoedAs("svc", "client_id", knownvalue.StringExact(mock.SeedCoioteClient.ClientID)),
				echoedAs("svc", "user_id", knownvalue.Null()),
			},
		},
	)
}

func TestAccToken_Bienport(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	seed := mock.SeedBienportDemo
	org := fmt.Sprint(seed.OrganizationIDs[0])
	acceptanceTest(t,
		resource.TestStep{
			Config: testConfig(mockProvider(srv) + echoToken(`  platform = "bienport"`)),
			ConfigStateChecks: slices.Concat(
				tokenChecks(srv, mock.Bienport, map[string]knownvalue.Check{"OrganizationId": knownvalue.StringExact(org)}),
				[]statecheck.StateCheck{
					// The JWT's exp: 3 hours without remember_me.
					echoed("expires_at", expiresIn(mock.DefaultBienportLifetime)),
					echoed("user_id", knownvalue.StringExact(fmt.Sprint(seed.UserID))),
					echoed("organization_id", knownvalue.StringExact(org)),
					echoed("mqtt_username", knownvalue.StringExact(seed.MQUser)),
					echoed("mqtt_password", issued(srv)),
				},
				nullAttrs("customer_id", "refresh_token"),
			),
		},
		resource.TestStep{
			Config: testConfig(mockProvider(srv) + echoTokenAs("long", `  platform    = "bienport"
  remember_me = true`)),
			ConfigStateChecks: []statecheck.StateCheck{
				echoedAs("long", "token", lastToken(srv, mock.Bienport, "")),
				// remember_me asks for a 3-month token.
				echoedAs("long", "expires_at", expiresIn(mock.DefaultBienportRememberMeLifetime)),
			},
		},
	)
}

// TestAccToken_EnvironmentOnly configures every platform through
// environment variables alone: no provider block at all.
func TestAccToken_EnvironmentOnly(t *testing.T) {
	srv := startMock(t)
	clearIotauthEnv(t)
	for k, v := range map[string]string{
		"IOTAUTH_MONOGOTO_BASE_URL": srv.BaseURL(mock.Monogoto),
		"IOTAUTH_MONOGOTO_USERNAME": mock.SeedMonogotoViewer.UserName,
		"IOTAUTH_MONOGOTO_PASSWORD": mock.SeedMonogotoViewer.Password,
		"IOTAUTH_COIOTE_BASE_URL":   srv.BaseURL(mock.Coiote),
		"IOTAUTH_COIOTE_USERNAME":   mock.SeedCoioteAdmin.Login,
		"IOTAUTH_COIOTE_PASSWORD":   mock.SeedCoioteAdmin.Password,
		"IOTAUTH_BIENPORT_BASE_URL": srv.BaseURL(mock.Bienport),
		"IOTAUTH_BIENPORT_USERNAME": mock.SeedBienportPhone.ScreenName,
		"IOTAUTH_BIENPORT_PASSWORD": mock.SeedBienportPhone.Password,
		"IOTAUTH_MAX_RETRIES":       "0",
		"IOTAUTH_REQUEST_TIMEOUT":   "10s",
	} {
		t.Setenv(k, v)
	}
	at := func(name, attr string) tfjsonpath.Path { return tfjsonpath.New("data").AtMapKey(name).AtMapKey(attr) }
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(`
ephemeral "iotauth_token" "m" { platform = "monogoto" }
ephemeral "iotauth_token" "c" { platform = "coiote" }
ephemeral "iotauth_token" "b" { platform = "bienport" }

provider "echo" {
  data = {
    m = ephemeral.iotauth_token.m
    c = ephemeral.iotauth_token.c
    b = ephemeral.iotauth_token.b
  }
}

resource "echo" "t" {}
`),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("echo.t", at("m", "token"), lastToken(srv, mock.Monogoto, "")),
			statecheck.ExpectKnownValue("echo.t", at("m", "customer_id"), knownvalue.StringExact(mock.SeedMonogotoViewer.CustomerID)),
			statecheck.ExpectKnownValue("echo.t", at("c", "token"), lastToken(srv, mock.Coiote, "")),
			statecheck.ExpectKnownValue("echo.t", at("c", "user_id"), knownvalue.StringExact(mock.SeedCoioteAdmin.UserID)),
			statecheck.ExpectKnownValue("echo.t", at("b", "token"), lastToken(srv, mock.Bienport, "")),
			statecheck.ExpectKnownValue("echo.t", at("b", "user_id"), knownvalue.StringExact(fmt.Sprint(mock.SeedBienportPhone.UserID))),
			// This user's organizations arrive as strings; the first is used.
			statecheck.ExpectKnownValue("echo.t", at("b", "headers").AtMapKey("OrganizationId"),
				knownvalue.StringExact(fmt.Sprint(mock.SeedBienportPhone.OrganizationIDs[0]))),
		},
	})
}

// TestAccToken_ForEachOverrides walks two accounts with for_each, their
// passwords coming from an ephemeral variable: two logins, two different
// tokens, each belonging to its user.
func TestAccToken_ForEachOverrides(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	demo, viewer := mock.SeedMonogotoDemo, mock.SeedMonogotoViewer
	at := func(user, attr string) tfjsonpath.Path { return tfjsonpath.New("data").AtMapKey(user).AtMapKey(attr) }
	var demoToken string
	acceptanceTest(t, resource.TestStep{
		ConfigVariables: config.Variables{
			"passwords": config.MapVariable(map[string]config.Variable{
				demo.UserName:   config.StringVariable(demo.Password),
				viewer.UserName: config.StringVariable(viewer.Password),
			}),
		},
		Config: testConfig(fmt.Sprintf(`
variable "passwords" {
  type      = map(string)
  sensitive = true
  ephemeral = true
}

provider "iotauth" {
  monogoto = { base_url = %q }
}

ephemeral "iotauth_token" "acct" {
  for_each = toset([%q, %q])
  platform = "monogoto"
  username = each.key
  password = var.passwords[each.key]
}

provider "echo" {
  data = ephemeral.iotauth_token.acct
}

resource "echo" "t" {}
`, srv.BaseURL(mock.Monogoto), demo.UserName, viewer.UserName)),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("echo.t", at(demo.UserName, "token"), knownvalue.StringFunc(func(v string) error {
				demoToken = v
				return issued(srv).CheckValue(v)
			})),
			statecheck.ExpectKnownValue("echo.t", at(viewer.UserName, "token"), knownvalue.StringFunc(func(v string) error {
				if v == demoToken {
					return fmt.Errorf("both accounts got the same token")
				}
				return issued(srv).CheckValue(v)
			})),
			statecheck.ExpectKnownValue("echo.t", at(demo.UserName, "user_id"), knownvalue.StringExact(demo.UserID)),
			statecheck.ExpectKnownValue("echo.t", at(demo.UserName, "customer_id"), knownvalue.StringExact(demo.CustomerID)),
			statecheck.ExpectKnownValue("echo.t", at(demo.UserName, "headers").AtMapKey("apikey"), knownvalue.StringExact(demo.CustomerID)),
			statecheck.ExpectKnownValue("echo.t", at(viewer.UserName, "user_id"), knownvalue.StringExact(viewer.UserID)),
			statecheck.ExpectKnownValue("echo.t", at(viewer.UserName, "customer_id"), knownvalue.StringExact(viewer.CustomerID)),
			statecheck.ExpectKnownValue("echo.t", at(viewer.UserName, "headers").AtMapKey("apikey"), knownvalue.StringExact(viewer.CustomerID)),
		},
	})
}

// TestAccToken_BadCredentials: a refused login names the platform and the
// user, says what happened and what to do, and is never retried.
func TestAccToken_BadCredentials(t *testing.T) {
	t.Parallel()
	cases := []struct {
		p    platform.Name
		want string
	}{
		{mock.Monogoto, `(?s)Monogoto login failed.*Monogoto login for user "x" failed: invalid credentials: the platform refused the user name and password \(HTTP 404\).*Check the user name and password`},
		{mock.Coiote, `(?s)Coiote IoT DM login failed.*Coiote IoT DM login for user "x" failed: invalid credentials: the platform refused the user name and password \(HTTP 401\).*Check the user name and password`},
		{mock.Bienport, `(?s)BienPort login failed.*BienPort login for user "x" failed: invalid credentials: the platform refused the user name and password \(HTTP 401\).*Check the user name and password`},
	}
	for _, c := range cases {
		t.Run(string(c.p), func(t *testing.T) {
			t.Parallel()
			srv := startMock(t)
			acceptanceTest(t, resource.TestStep{
				Config: testConfig(mockProvider(srv) + echoToken(fmt.Sprintf(`  platform = %q
  username = "x"
  password = "wrong-password-1234"`, c.p))),
				ExpectError: wrapped(c.want),
			})
			if n := srv.Count(c.p, mock.EndpointLogin); n != 1 {
				t.Errorf("a refused login was sent %d times, want exactly once", n)
			}
		})
	}
}

// wrapped compiles a pattern whose spaces also match Terraform's line
// wrapping.
func wrapped(pattern string) *regexp.Regexp {
	return regexp.MustCompile(regexp.MustCompile(` `).ReplaceAllString(pattern, `\s+`))
}

// TestAccToken_NotConfigured: a platform nobody configured fails with a
// diagnostic naming the provider attributes and environment variables.
func TestAccToken_NotConfigured(t *testing.T) {
	clearIotauthEnv(t)
	for _, c := range []struct {
		p             platform.Name
		title, detail string
	}{
		{mock.Monogoto, "Monogoto", `No credentials for Monogoto: set monogoto.username and monogoto.password in the provider "iotauth" block, ` +
			`or IOTAUTH_MONOGOTO_USERNAME and IOTAUTH_MONOGOTO_PASSWORD, or username/password in this block.`},
		// ThingsBoard's names both credential kinds, the API key's single
		// attribute and variable included.
		{mock.Thingsboard, "ThingsBoard", `No credentials for ThingsBoard: set thingsboard.username and thingsboard.password in the provider "iotauth" block, ` +
			`or IOTAUTH_THINGSBOARD_USERNAME and IOTAUTH_THINGSBOARD_PASSWORD, or username/password in this block. ` +
			`Or use thingsboard.api_key (or IOTAUTH_THINGSBOARD_API_KEY) instead.`},
	} {
		t.Run(string(c.p), func(t *testing.T) {
			acceptanceTest(t, resource.TestStep{
				Config:      testConfig(echoToken(fmt.Sprintf("  platform = %q", c.p))),
				ExpectError: regexp.MustCompile(`(?s)Error: ` + c.title + ` is not configured.*` + exactly(c.detail).String()),
			})
		})
	}
}

// TestAccToken_Unreachable: a base URL where nothing listens.
func TestAccToken_Unreachable(t *testing.T) {
	t.Parallel()
	addr := closedPort(t)
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(fmt.Sprintf(`
provider "iotauth" {
  max_retries = 0
  bienport    = { base_url = "http://%s/api", username = "905554447788", password = "pw-unused-1" }
}
`, addr) + echoToken(`  platform = "bienport"`)),
		ExpectError: wrapped(`(?s)BienPort login failed.*BienPort login for user "905554447788" failed: platform unreachable: ` +
			`the connection was refused or could not be opened.*connection refused.*Check base_url, DNS, proxies`),
	})
}

// TestAccToken_ProviderSettingsUnknownAtPlan: the provider's base URL comes
// from a resource created in the same apply, so it is unknown while
// planning. That is not an error: the token is unknown in the plan and the
// login happens during apply, when the URL is known.
//
// OpenTofu (1.12) requires an ephemeral resource's result to be wholly known
// during plan and rejects the unknown result, so this case works on
// Terraform only; the docs say so (index guide, "Requirements").
func TestAccToken_ProviderSettingsUnknownAtPlan(t *testing.T) {
	t.Parallel()
	if isOpenTofu() {
		t.Skip("OpenTofu rejects unknown ephemeral results during plan; documented limitation")
	}
	srv := startMock(t)
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(fmt.Sprintf(`
resource "terraform_data" "url" {
  input = %q
}

provider "iotauth" {
  max_retries = 0
  bienport = {
    base_url = terraform_data.url.output
    username = %q
    password = %q
  }
}
`, srv.BaseURL(mock.Bienport), mock.SeedBienportDemo.ScreenName, mock.SeedBienportDemo.Password) +
			echoToken(`  platform = "bienport"`)),
		ConfigStateChecks: []statecheck.StateCheck{
			echoed("token", lastToken(srv, mock.Bienport, "")),
			echoed("user_id", knownvalue.StringExact(fmt.Sprint(mock.SeedBienportDemo.UserID))),
		},
	})
}

// TestTokenModelMatchesSchema: Config.Get and Result.Set need tokenModel to
// have exactly the schema's attributes. A platform that declares a new
// per-block setting adds an attribute, and this test names the field to add.
func TestTokenModelMatchesSchema(t *testing.T) {
	var resp ephemeral.SchemaResponse
	newTokenEphemeralResource().Schema(t.Context(), ephemeral.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", resp.Diagnostics)
	}
	tags := map[string]bool{}
	typ := reflect.TypeFor[tokenModel]()
	for i := range typ.NumField() {
		tags[typ.Field(i).Tag.Get("tfsdk")] = true
	}
	for name := range resp.Schema.Attributes {
		if !tags[name] {
			t.Errorf("the schema has %s, tokenModel has no field for it", name)
		}
		delete(tags, name)
	}
	for name := range tags {
		t.Errorf("tokenModel has %s, the schema does not", name)
	}
	m := tokenModel{}
	if got := len(m.perBlockSettings()); got != len(perBlockSettingDocs()) {
		t.Errorf("perBlockSettings has %d entries, the platforms declare %d", got, len(perBlockSettingDocs()))
	}
}

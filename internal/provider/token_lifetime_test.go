package provider

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// tokenWorks reports whether the mock still accepts token on one of
// platform p's authorized endpoints (Monogoto GET /things, Coiote GET
// /api/coiotedm/v3/devices, BienPort's screen-name lookup as the seeded
// demo user): 200 yes, 401 no.
func tokenWorks(t *testing.T, srv *mock.Server, p platform.Name, token string) bool {
	t.Helper()
	base := srv.BaseURL(p)
	u := map[platform.Name]string{
		mock.Monogoto: base + "/things?limit=1&offset=0",
		mock.Coiote:   base + mock.CoioteDevicesPath,
		mock.Bienport: base + "/user/get-screen-name/" + mock.SeedBienportDemo.ScreenName,
	}[p]
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("OrganizationId", fmt.Sprint(mock.SeedBienportDemo.OrganizationIDs[0]))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("probing a %s token: HTTP %d", p, resp.StatusCode)
	}
	return resp.StatusCode == http.StatusOK
}

// TestAccTokenLifetime_ExpiresIn: expires_in is the whole seconds left at
// Open, null when the expiry is unknown.
func TestAccTokenLifetime_ExpiresIn(t *testing.T) {
	t.Parallel()
	srv := startMock(t, func(c *mock.Config) { c.MonogotoOpaqueTokens = true })
	within := func(lo, hi int64) knownvalue.Check {
		return knownvalue.NumberFunc(func(v *big.Float) error {
			n, _ := v.Int64()
			if n < lo || n > hi {
				return fmt.Errorf("expires_in %d, want %d..%d", n, lo, hi)
			}
			return nil
		})
	}
	acceptanceTest(t,
		resource.TestStep{
			Config: testConfig(mockProvider(srv) + echoToken(`  platform = "coiote"`)),
			ConfigStateChecks: []statecheck.StateCheck{
				echoed("expires_in", within(280, 300)),
				echoed("min_validity", knownvalue.Null()),
				echoed("revoke_on_close", knownvalue.Null()),
			},
		},
		resource.TestStep{
			Config:            testConfig(mockProvider(srv) + echoTokenAs("opaque", `  platform = "monogoto"`)),
			ConfigStateChecks: []statecheck.StateCheck{echoedAs("opaque", "expires_in", knownvalue.Null())},
		},
	)
}

// TestAccTokenLifetime_ImpossibleMinValidity: Coiote's 5-minute tokens
// cannot meet min_validity = "10m": the plan fails with the platform's
// token lifetime and what to do, after exactly one login, before the
// provisioner that would use the token runs; two blocks asking the same
// share that one login.
func TestAccTokenLifetime_ImpossibleMinValidity(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	marker := t.TempDir() + "/ran"
	res := planOnly(t, mockProvider(srv)+`
ephemeral "iotauth_token" "a" {
  platform     = "coiote"
  min_validity = "10m"
}

ephemeral "iotauth_token" "b" {
  platform     = "coiote"
  min_validity = "10m"
}

resource "terraform_data" "use" {
  provisioner "local-exec" {
    command     = "touch `+marker+`"
    environment = { A = ephemeral.iotauth_token.a.token, B = ephemeral.iotauth_token.b.token }
  }
}
`, nil)
	expectFailure(t, srv, res,
		wrapped(`Error: Coiote IoT DM token too short-lived for min_validity`),
		wrapped(`Coiote IoT DM token request for user "ops@acme.example" failed: token lifetime too short: a new token lasts 5m0s, and min_validity asks for 10m0s`),
		wrapped(`A new login would not give a longer-lived token, so the provider logged in once and stopped before anything used the token. Lower min_validity below the token lifetime`),
		wrapped(`Coiote tokens last as long as the installation's administrator sets, typically 5 minutes`),
		regexp.MustCompile(`min_validity = "10m"`))
	if n := errorCount(res.errText); n != 2 {
		t.Errorf("%d errors, want one per block:\n%s", n, res.errText)
	}
	if n := srv.Count(mock.Coiote, mock.EndpointLogin); n != 1 {
		t.Errorf("%d logins, want exactly 1", n)
	}
	if fileExists(marker) {
		t.Error("the consumer ran")
	}
}

// TestAccTokenLifetime_UnknownExpiry: a Monogoto console token whose expiry
// is unknown counts as valid for session_max_age after its login.
func TestAccTokenLifetime_UnknownExpiry(t *testing.T) {
	t.Parallel()
	srv := startMock(t, func(c *mock.Config) { c.MonogotoOpaqueTokens = true })
	provider := providerWith(t, srv, "  max_retries = 0\n  session_max_age = \"1h\"\n")
	acceptanceTest(t,
		resource.TestStep{
			Config: testConfig(provider + echoToken(`  platform     = "monogoto"
  min_validity = "59m"`)),
			ConfigStateChecks: []statecheck.StateCheck{echoed("token", lastToken(srv, mock.Monogoto, ""))},
		},
	)
	res := planOnly(t, provider+echoTokenAs("long", `  platform     = "monogoto"
  min_validity = "2h"`), nil)
	expectFailure(t, srv, res, wrapped(`Error: Monogoto token too short-lived for min_validity`),
		wrapped(`the platform does not say when its tokens expire, so a token counts as valid for session_max_age \(1h0m0s\) `+
			`after its login, and min_validity asks for 2h0m0s`),
		wrapped(`raise it if you know they last longer. Monogoto console tokens carry no readable expiry`))
}

// TestAccTokenLifetime_RevokeRejected: revoke_on_close = true where the
// platform cannot revoke the block's tokens is an error before any login:
// at validation where the block says which credentials it uses, at Open
// where the provider's credentials decide. The provider's own
// revoke_on_close is ignored there.
func TestAccTokenLifetime_RevokeRejected(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, block string
		want        *regexp.Regexp
	}{
		{"monogoto", `  platform        = "monogoto"
  revoke_on_close = true`, exactly(`Monogoto documents no way to revoke a token, so its tokens live until they expire. ` +
			`Remove revoke_on_close from this block (the provider's revoke_on_close does not apply to Monogoto).`)},
		{"coiote user in the block", fmt.Sprintf(`  platform        = "coiote"
  username        = %q
  password        = "pw-not-sent-1"
  revoke_on_close = true`, mock.SeedCoioteAdmin.Login), exactly(`Coiote IoT DM can revoke only tokens obtained with client_id and ` +
			`client_secret; this block signs in with username and password, whose tokens have no documented revocation endpoint. ` +
			`Remove revoke_on_close from this block, or sign in with client_id and client_secret.`)},
		{"coiote user of the provider", `  platform        = "coiote"
  revoke_on_close = true`, exactly(`Coiote IoT DM can revoke only tokens obtained with client_id and client_secret; this block ` +
			`signs in with username and password`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := startMock(t)
			res := planOnly(t, mockProvider(srv)+echoToken(c.block), nil)
			expectFailure(t, srv, res, wrapped(`Error: Revocation not supported`), c.want, regexp.MustCompile(`revoke_on_close = true`))
			for _, p := range mock.Platforms() {
				if n := srv.Count(p, ""); n != 0 {
					t.Errorf("%s received %d requests", p, n)
				}
			}
		})
	}
	// The provider's revoke_on_close applies where it can and is ignored
	// elsewhere: Monogoto's token still works after the run.
	srv := startMock(t)
	acceptanceTest(t, resource.TestStep{
		Config:            testConfig(providerWith(t, srv, "  max_retries = 0\n  revoke_on_close = true\n") + echoToken(`  platform = "monogoto"`)),
		ConfigStateChecks: []statecheck.StateCheck{echoed("token", lastToken(srv, mock.Monogoto, ""))},
	})
	if !tokenWorks(t, srv, mock.Monogoto, srv.LastToken(mock.Monogoto)) {
		t.Error("a Monogoto token stopped working")
	}
}

// TestTokenRPCRenewAndClose drives the provider server's RPCs the way
// Terraform does (Open, Renew at RenewAt, Close), because Terraform before
// 1.17 drops Renew's diagnostics (hashicorp/terraform issue 38574): Open
// sets RenewAt at the cache's margin before expiry and private data with
// no secret; Renew warns, naming the platform, user, expiry and remedies,
// asks for no further renewal and retires the session (the next block logs
// in anew); Close of the last block revokes its token.
func TestTokenRPCRenewAndClose(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := startMock(t)
	server, err := providerserver.NewProtocol6WithError(&iotauthProvider{version: "test", lookupEnv: envMap(nil)})()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	dynamic := func(s *tfprotov6.Schema, vals map[string]any) *tfprotov6.DynamicValue {
		t.Helper()
		typ, _ := s.ValueType().(tftypes.Object)
		dv, err := tfprotov6.NewDynamicValue(typ, objectValue(t, typ, vals))
		if err != nil {
			t.Fatal(err)
		}
		return &dv
	}
	cfg, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.11.4",
		Config: dynamic(schemas.Provider, map[string]any{"max_retries": big.NewFloat(0), "coiote": map[string]any{
			"base_url": srv.BaseURL(mock.Coiote), "client_id": mock.SeedCoioteClient.ClientID, "client_secret": mock.SeedCoioteClientSecret,
		}})})
	if err != nil || len(cfg.Diagnostics) > 0 {
		t.Fatalf("ConfigureProvider: %v %v", err, cfg.Diagnostics)
	}
	tokenSchema := schemas.EphemeralResourceSchemas["iotauth_token"]
	open := func() (*tfprotov6.OpenEphemeralResourceResponse, string) {
		t.Helper()
		resp, err := server.OpenEphemeralResource(ctx, &tfprotov6.OpenEphemeralResourceRequest{TypeName: "iotauth_token",
			Config: dynamic(tokenSchema, map[string]any{"platform": "coiote", "revoke_on_close": true})})
		if err != nil || len(resp.Diagnostics) > 0 {
			t.Fatalf("Open: %v %v", err, resp.Diagnostics)
		}
		v, err := resp.Result.Unmarshal(tokenSchema.ValueType())
		if err != nil {
			t.Fatal(err)
		}
		var attrs map[string]tftypes.Value
		var token string
		if err := v.As(&attrs); err != nil || attrs["token"].As(&token) != nil {
			t.Fatal("no token in the result")
		}
		return resp, token
	}
	opened := time.Now()
	first, token := open()
	exp := opened.Add(mock.DefaultCoioteTokenLifetime)
	if d := first.RenewAt.Sub(exp.Add(-time.Minute)); d < -2*time.Second || d > 2*time.Second {
		t.Errorf("RenewAt %s, want 60s before the expiry %s", first.RenewAt, exp)
	}
	// The framework keeps each key's value base64-encoded.
	var keys map[string][]byte
	if err := json.Unmarshal(first.Private, &keys); err != nil {
		t.Fatal(err)
	}
	private := string(first.Private) + string(keys[privateKey])
	secrets := append(mockSecrets(srv), "Bearer "+token)
	if found := findSecrets(private, secrets); len(found) > 0 || !strings.Contains(private, `{"lease":"`) ||
		!strings.Contains(private, `"platform":"coiote","user":"iotauth-ci","expires_at":"`) {
		t.Errorf("private data %q holds secrets %v (or not what Renew and Close need)", private, found)
	}

	renew, err := server.RenewEphemeralResource(ctx, &tfprotov6.RenewEphemeralResourceRequest{TypeName: "iotauth_token", Private: first.Private})
	if err != nil {
		t.Fatal(err)
	}
	if len(renew.Diagnostics) != 1 || renew.Diagnostics[0].Severity != tfprotov6.DiagnosticSeverityWarning || !renew.RenewAt.IsZero() {
		t.Fatalf("Renew: %+v, RenewAt %s", renew.Diagnostics, renew.RenewAt)
	}
	d := renew.Diagnostics[0]
	expAt := regexp.MustCompile(`expires at (\S+),`).FindStringSubmatch(d.Detail)
	wantDetail := `The iotauth_token for Coiote IoT DM user "iotauth-ci" expires at ` + expAt[1] + `, and Terraform is still using it. ` +
		`A token cannot be replaced under a consumer that already has it: whatever uses it after that time is refused by ` +
		`Coiote IoT DM. Blocks opened from now on get a new token. To avoid this, set min_validity on the block (or the ` +
		`provider's min_validity) to at least as long as the work that uses the token, or split the apply so that it ends ` +
		`before the token expires. Coiote tokens last as long as the installation's administrator sets, typically 5 minutes, ` +
		`and cannot be refreshed: ask the administrator for a longer lifetime.`
	if d.Summary != "Coiote IoT DM token expires while still in use" || d.Detail != wantDetail {
		t.Errorf("Renew's warning:\n%s\n%s", d.Summary, d.Detail)
	}
	if at, err := time.Parse(time.RFC3339, expAt[1]); err != nil || at.Sub(exp) < -2*time.Second || at.Sub(exp) > 2*time.Second {
		t.Errorf("the warning names the expiry %s, want about %s", expAt[1], exp)
	}
	if found := findSecrets(d.Summary+d.Detail+string(renew.Private), secrets); len(found) > 0 {
		t.Errorf("Renew's answer holds secrets %v", found)
	}

	// The retired session is not handed to the next block.
	second, token2 := open()
	if token2 == token || srv.Count(mock.Coiote, mock.EndpointClientCredentials) != 2 {
		t.Errorf("after Renew the next block got the same token (%d logins)", srv.Count(mock.Coiote, mock.EndpointClientCredentials))
	}
	for i, o := range []*tfprotov6.OpenEphemeralResourceResponse{first, second} {
		closed, err := server.CloseEphemeralResource(ctx, &tfprotov6.CloseEphemeralResourceRequest{TypeName: "iotauth_token", Private: o.Private})
		if err != nil || len(closed.Diagnostics) > 0 {
			t.Fatalf("Close %d: %v %v", i, err, closed.Diagnostics)
		}
	}
	if tokenWorks(t, srv, mock.Coiote, token) || tokenWorks(t, srv, mock.Coiote, token2) || srv.Count(mock.Coiote, mock.EndpointRevoke) != 2 {
		t.Errorf("the closed blocks' tokens were not both revoked (%d revocations)", srv.Count(mock.Coiote, mock.EndpointRevoke))
	}
}

// fileExists reports whether name exists.
func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

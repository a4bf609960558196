package provider

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock/mocktest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// TestMain defaults the acceptance tests' provider namespace to "iotauth"
// (as `make test` does), so that `go test` alone runs them with the same
// required_providers sources. An explicitly set value, even empty, wins.
func TestMain(m *testing.M) {
	if _, ok := os.LookupEnv("TF_ACC_PROVIDER_NAMESPACE"); !ok {
		if err := os.Setenv("TF_ACC_PROVIDER_NAMESPACE", "iotauth"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// providerFactories serves the provider under test and the echo provider.
// Each Terraform command gets a new provider value, as a real provider
// process would: the session cache lives exactly as long as one command.
func providerFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"iotauth": func() (tfprotov6.ProviderServer, error) {
			return providerserver.NewProtocol6WithError(New("test", "none")())()
		},
		"echo": echoprovider.NewProviderServer(),
	}
}

// ephemeralVersionChecks skips acceptance tests on Terraform versions
// without ephemeral resources.
var ephemeralVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)}

// acceptanceTest runs steps against the provider under test and the echo
// provider, on Terraform versions with ephemeral resources.
func acceptanceTest(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersionChecks,
		ProtoV6ProviderFactories: providerFactories(),
		Steps:                    steps,
	})
}

// isOpenTofu reports whether the acceptance tests run against OpenTofu
// (`make testacc-tofu` sets the harness's provider host to OpenTofu's
// registry).
func isOpenTofu() bool {
	return os.Getenv("TF_ACC_PROVIDER_HOST") == "registry.opentofu.org"
}

// providerNamespace is the namespace the test harness registers the
// in-process providers under.
func providerNamespace() string {
	if ns := os.Getenv("TF_ACC_PROVIDER_NAMESPACE"); ns != "" {
		return ns
	}
	return "hashicorp"
}

// testConfig prefixes a configuration with the required_providers block
// that matches the harness's provider addresses.
func testConfig(body string) string {
	ns := providerNamespace()
	return fmt.Sprintf(`terraform {
  required_providers {
    iotauth = { source = %q }
    echo    = { source = %q }
  }
}

%s`, ns+"/iotauth", ns+"/echo", body)
}

// startMock starts the mock platforms for one test and stops them when it
// ends. Options edit the default configuration (the seeded accounts).
func startMock(t *testing.T, opts ...func(*mock.Config)) *mock.Server {
	t.Helper()
	return mocktest.Start(t, opts...)
}

// mockProvider is a provider block with every platform of srv, each
// signed in as its default seeded account (mock.DemoLogin).
func mockProvider(srv *mock.Server) string {
	return mockProviderAs(srv, nil)
}

// mockProviderAs is a provider block with every platform of srv, signed in
// as the given accounts, and as the default seeded account where as names
// none. It does not retry: the mock answers at once, and a failure should
// show at once.
func mockProviderAs(srv *mock.Server, as map[platform.Name]mock.Login) string {
	var b strings.Builder
	b.WriteString("provider \"iotauth\" {\n  max_retries = 0\n")
	for _, p := range mock.Platforms() {
		l, ok := as[p]
		if !ok {
			l, _ = mock.DemoLogin(p)
		}
		fmt.Fprintf(&b, "  %s = {\n    base_url = %q\n    username = %q\n    password = %q\n  }\n",
			p, srv.BaseURL(p), l.User, l.Password)
	}
	b.WriteString("}\n")
	return b.String()
}

// closedPort returns a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// iotauthEnv lists every environment variable the provider reads.
func iotauthEnv() []string {
	vars := []string{envRequestTimeout, envMaxRetries, envRetryMaxWait, envCACertPEM, envInsecure, envSessionMaxAge, envMinValidity, envRevokeOnClose}
	for _, info := range clients.Platforms() {
		names := []string{"base_url"}
		for _, k := range info.Credentials {
			if ca := credentialAttrs[k]; ca.principal != "" {
				names = append(names, ca.principal)
			}
			names = append(names, credentialAttrs[k].secret)
		}
		for _, st := range info.Settings {
			names = append(names, st.Name)
		}
		for _, n := range names {
			vars = append(vars, envName(info.Name, n))
		}
	}
	return vars
}

// clearIotauthEnv empties every IOTAUTH_* variable for the test (an empty
// variable counts as unset). Tests that call it cannot run in parallel.
func clearIotauthEnv(t *testing.T) {
	t.Helper()
	for _, v := range iotauthEnv() {
		t.Setenv(v, "")
	}
}

// providerSchema returns the provider's schema.
func providerSchema(t *testing.T) schema.Schema {
	t.Helper()
	var resp provider.SchemaResponse
	(&iotauthProvider{}).Schema(t.Context(), provider.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return resp.Schema
}

// rawConfig builds a provider configuration: attributes not in vals are
// null; a map[string]any value for a nested attribute is converted with
// the same rule.
func rawConfig(t *testing.T, s schema.Schema, vals map[string]any) tfsdk.Config {
	t.Helper()
	typ, ok := s.Type().TerraformType(t.Context()).(tftypes.Object)
	if !ok {
		t.Fatal("the provider schema is not an object")
	}
	return tfsdk.Config{Schema: s, Raw: objectValue(t, typ, vals)}
}

func objectValue(t *testing.T, typ tftypes.Object, vals map[string]any) tftypes.Value {
	t.Helper()
	attrs := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, at := range typ.AttributeTypes {
		v, ok := vals[name]
		switch {
		case !ok:
			attrs[name] = tftypes.NewValue(at, nil)
		case v == tftypes.UnknownValue:
			attrs[name] = tftypes.NewValue(at, tftypes.UnknownValue)
		default:
			if nested, isMap := v.(map[string]any); isMap {
				ot, isObj := at.(tftypes.Object)
				if !isObj {
					t.Fatalf("%s is not an object", name)
				}
				attrs[name] = objectValue(t, ot, nested)
				continue
			}
			attrs[name] = tftypes.NewValue(at, v)
		}
	}
	return tftypes.NewValue(typ, attrs)
}

// configure runs the provider's ValidateConfig and Configure on vals with
// the given environment.
func configure(t *testing.T, p *iotauthProvider, env map[string]string, vals map[string]any) (diag.Diagnostics, *providerData) {
	t.Helper()
	p.lookupEnv = envMap(env)
	cfg := rawConfig(t, providerSchema(t), vals)
	var vresp provider.ValidateConfigResponse
	p.ValidateConfig(t.Context(), provider.ValidateConfigRequest{Config: cfg}, &vresp)
	diags := vresp.Diagnostics
	if diags.HasError() {
		return diags, nil
	}
	var cresp provider.ConfigureResponse
	p.Configure(t.Context(), provider.ConfigureRequest{Config: cfg, TerraformVersion: "1.11.4"}, &cresp)
	diags.Append(cresp.Diagnostics...)
	pd, _ := cresp.EphemeralResourceData.(*providerData)
	return diags, pd
}

func TestProviderInsecureWarnings(t *testing.T) {
	t.Parallel()
	p := &iotauthProvider{}
	diags, pd := configure(t, p, nil, map[string]any{"insecure": true})
	if diags.HasError() || diags.WarningsCount() != 1 || pd == nil {
		t.Fatalf("want one warning, got %v", diags)
	}
	w := diags.Warnings()[0]
	if w.Summary() != "TLS certificate verification is off" || !strings.Contains(w.Detail(), "insecure = true turns off TLS certificate verification") {
		t.Fatalf("unexpected warning %q: %q", w.Summary(), w.Detail())
	}
	diags, _ = configure(t, p, map[string]string{envInsecure: "true"}, nil)
	if diags.HasError() || diags.WarningsCount() != 1 || !strings.Contains(diags.Warnings()[0].Detail(), "IOTAUTH_INSECURE=true") {
		t.Fatalf("want one warning naming IOTAUTH_INSECURE, got %v", diags)
	}
	diags, _ = configure(t, p, nil, map[string]any{"insecure": false})
	if len(diags) != 0 {
		t.Fatalf("want no diagnostics, got %v", diags)
	}
}

func TestProviderConfigureUnknownIsNotAnError(t *testing.T) {
	t.Parallel()
	diags, pd := configure(t, &iotauthProvider{}, nil, map[string]any{
		"request_timeout": tftypes.UnknownValue,
		"monogoto":        map[string]any{"username": "u", "password": tftypes.UnknownValue},
		"coiote":          tftypes.UnknownValue,
	})
	if diags.HasError() || pd == nil {
		t.Fatalf("unexpected %v", diags)
	}
	if pd.manager != nil || !pd.accounts[mock.Monogoto].unknown || !pd.accounts[mock.Coiote].unknown {
		t.Fatalf("unknown settings not recorded: %+v", pd)
	}
	_, state := pd.credentials(mock.Monogoto, pathPlatform, nil, &diags)
	if state != credentialsUnknown || diags.HasError() {
		t.Fatalf("state %v, diags %v", state, diags)
	}
}

func TestProviderConfigureEnvErrors(t *testing.T) {
	t.Parallel()
	// A shared setting fails the configuration; a platform's variable
	// fails only the blocks that use that platform.
	diags, pd := configure(t, &iotauthProvider{}, map[string]string{
		"IOTAUTH_MONOGOTO_BASE_URL": "ftp://x", "IOTAUTH_MAX_RETRIES": "99",
	}, nil)
	if diags.ErrorsCount() != 1 || pd != nil {
		t.Fatalf("want one error, got %v", diags)
	}
	d := diags.Errors()[0]
	if d.Summary() != "Invalid environment variable" || !strings.HasPrefix(d.Detail(), "Environment variable IOTAUTH_MAX_RETRIES") {
		t.Errorf("unexpected diagnostic %q: %q", d.Summary(), d.Detail())
	}

	diags, pd = configure(t, &iotauthProvider{}, map[string]string{
		"IOTAUTH_MONOGOTO_BASE_URL": "ftp://x", "IOTAUTH_BIENPORT_USERNAME": "u", "IOTAUTH_BIENPORT_PASSWORD": "pw",
	}, nil)
	if diags.HasError() || pd == nil {
		t.Fatalf("an unused platform's variable failed the configuration: %v", diags)
	}
	if _, state := pd.credentials(mock.Bienport, pathPlatform, nil, &diags); state != credentialsReady || diags.HasError() {
		t.Fatalf("bienport: state %v, %v", state, diags)
	}
	if _, state := pd.credentials(mock.Monogoto, pathPlatform, nil, &diags); state != credentialsInvalid ||
		diags.ErrorsCount() != 1 || !strings.HasPrefix(diags.Errors()[0].Detail(), "Environment variable IOTAUTH_MONOGOTO_BASE_URL") {
		t.Fatalf("monogoto: state %v, %v", state, diags)
	}

	diags, pd = configure(t, &iotauthProvider{}, nil, map[string]any{"coiote": map[string]any{"client_id": "svc"}})
	if diags.HasError() || pd == nil {
		t.Fatalf("unexpected %v", diags)
	}
	if _, state := pd.credentials(mock.Coiote, pathPlatform, nil, &diags); state != credentialsInvalid || diags.ErrorsCount() != 1 ||
		diags.Errors()[0].Detail() != `The Coiote IoT DM client ID "svc" has no client secret: set coiote.client_secret in the provider "iotauth" block or IOTAUTH_COIOTE_CLIENT_SECRET.` {
		t.Fatalf("unexpected %v", diags)
	}
	diags, pd = configure(t, &iotauthProvider{}, map[string]string{"IOTAUTH_COIOTE_CLIENT_SECRET": "s3cret"},
		map[string]any{"coiote": map[string]any{"client_id": "svc"}})
	if diags.HasError() {
		t.Fatalf("client secret from the environment refused: %v", diags)
	}
	if _, state := pd.credentials(mock.Coiote, pathPlatform, nil, &diags); state != credentialsReady {
		t.Fatalf("client secret from the environment refused: %v", diags)
	}
	diags, _ = configure(t, &iotauthProvider{}, nil, map[string]any{"ca_cert_pem": testCertPEM(t) + "-----BEGIN CERTIFICATE-----\n"})
	if diags.HasError() {
		t.Fatalf("a good CA refused: %v", diags)
	}
}

func TestProviderNotConfiguredDiagnostic(t *testing.T) {
	t.Parallel()
	_, pd := configure(t, &iotauthProvider{}, nil, map[string]any{"bienport": map[string]any{"username": "905554447788"}})
	var diags diag.Diagnostics
	override := func(*platform.Credentials) {}
	_, state := pd.credentials(mock.Monogoto, pathPlatform, override, &diags)
	want := `No credentials for Monogoto: set monogoto.username and monogoto.password in the provider "iotauth" block, or IOTAUTH_MONOGOTO_USERNAME and IOTAUTH_MONOGOTO_PASSWORD, or username/password in this block.`
	if state != credentialsInvalid || diags.ErrorsCount() != 1 || diags.Errors()[0].Detail() != want {
		t.Fatalf("got %v", diags)
	}
	diags = nil
	_, state = pd.credentials(mock.Bienport, pathPlatform, nil, &diags)
	if state != credentialsInvalid || diags.ErrorsCount() != 1 ||
		diags.Errors()[0].Detail() != `The BienPort user name "905554447788" has no password: set bienport.password in the provider "iotauth" block or IOTAUTH_BIENPORT_PASSWORD.` {
		t.Fatalf("got %v", diags)
	}
	diags = nil
	_, state = pd.credentials(mock.Coiote, pathPlatform, nil, &diags)
	if state != credentialsInvalid || !strings.Contains(diags.Errors()[0].Detail(), "coiote.client_id and coiote.client_secret (or IOTAUTH_COIOTE_CLIENT_ID and IOTAUTH_COIOTE_CLIENT_SECRET)") ||
		strings.Contains(diags.Errors()[0].Detail(), "in this block") {
		t.Fatalf("got %v", diags)
	}
}

// TestSchemaDescriptions checks that every attribute of every type has a
// description, and that every provider attribute names its environment
// variable.
func TestSchemaDescriptions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ps := providerSchema(t)
	if ps.MarkdownDescription == "" {
		t.Error("provider schema without description")
	}
	for name, a := range ps.Attributes {
		if nested, ok := a.(schema.SingleNestedAttribute); ok {
			for sub, sa := range nested.Attributes {
				want := "`IOTAUTH_" + strings.ToUpper(name) + "_" + strings.ToUpper(sub) + "`"
				if !strings.Contains(sa.GetMarkdownDescription(), want) {
					t.Errorf("%s.%s: description does not name %s", name, sub, want)
				}
				if !strings.Contains(sa.GetMarkdownDescription(), "Default: ") {
					t.Errorf("%s.%s: description does not name its default", name, sub)
				}
			}
			continue
		}
		want := "`IOTAUTH_" + strings.ToUpper(name) + "`"
		if !strings.Contains(a.GetMarkdownDescription(), want) || !strings.Contains(a.GetMarkdownDescription(), "Default: ") {
			t.Errorf("%s: description does not name %s and its default: %q", name, want, a.GetMarkdownDescription())
		}
	}
	for _, v := range iotauthEnv() {
		if envDocumented(ps, v) == 0 {
			t.Errorf("environment variable %s is not documented", v)
		}
	}

	var er ephemeral.SchemaResponse
	newTokenEphemeralResource().Schema(ctx, ephemeral.SchemaRequest{}, &er)
	for name, a := range er.Schema.Attributes {
		if a.GetMarkdownDescription() == "" {
			t.Errorf("iotauth_token.%s has no description", name)
		}
	}
	var dr datasource.SchemaResponse
	newUserProfileDataSource().Schema(ctx, datasource.SchemaRequest{}, &dr)
	checkDataSourceDescriptions(t, "iotauth_user_profile", dr.Schema.Attributes)
}

func envDocumented(s schema.Schema, env string) int {
	n := 0
	for _, a := range s.Attributes {
		if strings.Contains(a.GetMarkdownDescription(), "`"+env+"`") {
			n++
		}
		if nested, ok := a.(schema.SingleNestedAttribute); ok {
			for _, sa := range nested.Attributes {
				if strings.Contains(sa.GetMarkdownDescription(), "`"+env+"`") {
					n++
				}
			}
		}
	}
	return n
}

// checkDataSourceDescriptions walks data source attributes, nested ones
// included.
func checkDataSourceDescriptions(t *testing.T, prefix string, attrs map[string]dsschema.Attribute) {
	t.Helper()
	for name, a := range attrs {
		if a.GetMarkdownDescription() == "" {
			t.Errorf("%s.%s has no description", prefix, name)
		}
		switch n := a.(type) {
		case dsschema.SingleNestedAttribute:
			checkDataSourceDescriptions(t, prefix+"."+name, n.Attributes)
		case dsschema.ListNestedAttribute:
			checkDataSourceDescriptions(t, prefix+"."+name, n.NestedObject.Attributes)
		}
	}
}

// pathPlatform is the platform attribute of a block.
var pathPlatform = path.Root("platform")

package provider

// Bad input at validate and plan time. Two complementary tables:
//
//   - TestReliabilityValidationDiagnostics sends each bad configuration to
//     the provider server's validation RPCs (what Terraform calls during
//     validate and plan) and compares every diagnostic exactly: severity,
//     summary, detail and attribute path.
//   - TestAccReliabilityValidation runs the inputs TestAccValidation does
//     not cover through Terraform and asserts the diagnostic as Terraform
//     prints it: summary, the block it names, the source line it points at
//     and the exact detail, which names the attribute path.

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// badCertPEM is a CERTIFICATE block that is not a certificate.
const badCertPEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"

// keyPEM is a PEM block of another type.
const keyPEM = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"

// wantDiag is one expected diagnostic.
type wantDiag struct {
	warning bool
	summary string
	path    string // dotted attribute path, "" for none
	detail  string
}

func (d wantDiag) String() string {
	sev := "error"
	if d.warning {
		sev = "warning"
	}
	return fmt.Sprintf("%s | %s | %s | %s", sev, d.path, d.summary, d.detail)
}

// attributePath writes a protocol attribute path the way the diagnostics'
// details do: monogoto.base_url.
func attributePath(p *tftypes.AttributePath) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	for _, s := range p.Steps() {
		switch s := s.(type) {
		case tftypes.AttributeName:
			if b.Len() > 0 {
				b.WriteString(".")
			}
			b.WriteString(string(s))
		case tftypes.ElementKeyString:
			fmt.Fprintf(&b, "[%q]", string(s))
		case tftypes.ElementKeyInt:
			fmt.Fprintf(&b, "[%d]", int64(s))
		default:
			fmt.Fprintf(&b, "[%v]", s)
		}
	}
	return b.String()
}

// errDiag and the helpers below shorten the table.
func errDiag(path, summary, detail string) wantDiag {
	return wantDiag{summary: summary, path: path, detail: detail}
}

func badURL(path, detail string) wantDiag { return errDiag(path, "Invalid Base URL", detail) }

func badDuration(path, detail string) wantDiag { return errDiag(path, "Invalid Duration", detail) }

func badValue(path, detail string) wantDiag { return errDiag(path, "Invalid Attribute Value", detail) }

func badMatch(path, detail string) wantDiag {
	return errDiag(path, "Invalid Attribute Value Match", detail)
}

func badCombination(path, detail string) wantDiag {
	return errDiag(path, "Invalid Attribute Combination", detail)
}

func notSupported(path, detail string) wantDiag {
	return errDiag(path, "Attribute not supported by this platform", detail)
}

// validationCase is one configuration and every diagnostic it must give.
type validationCase struct {
	name string
	// block is "provider", "token" (iotauth_token) or "profile"
	// (iotauth_user_profile).
	block string
	vals  map[string]any
	want  []wantDiag
}

func validationCases() []validationCase {
	prov := func(name string, vals map[string]any, want ...wantDiag) validationCase {
		return validationCase{name: name, block: "provider", vals: vals, want: want}
	}
	token := func(name string, vals map[string]any, want ...wantDiag) validationCase {
		return validationCase{name: name, block: "token", vals: vals, want: want}
	}
	nested := func(p string, vals map[string]any) map[string]any { return map[string]any{p: vals} }
	num := func(n int64) map[string]any { return map[string]any{"max_retries": n} }
	return []validationCase{
		prov("empty username", nested("monogoto", map[string]any{"username": "", "password": "x"}),
			badValue("monogoto.username", "Attribute monogoto.username must not be empty.")),
		prov("blank username", nested("bienport", map[string]any{"username": " \t", "password": "x"}),
			badValue("bienport.username", "Attribute bienport.username must not be only white space.")),
		prov("blank password", nested("monogoto", map[string]any{"username": "u", "password": "   "}),
			badValue("monogoto.password", "Attribute monogoto.password must not be only white space.")),
		prov("base_url without scheme", nested("monogoto", map[string]any{"base_url": "console.monogoto.io"}),
			badURL("monogoto.base_url", `Attribute monogoto.base_url must be an absolute URL starting with http:// or https://, got "console.monogoto.io".`)),
		prov("base_url ftp", nested("coiote", map[string]any{"base_url": "ftp://eu.iot.avsystem.cloud"}),
			badURL("coiote.base_url", `Attribute coiote.base_url must be an absolute URL starting with http:// or https://, got "ftp://eu.iot.avsystem.cloud".`)),
		prov("base_url with a space", nested("bienport", map[string]any{"base_url": "https://apigw.bienport.com/my api"}),
			badURL("bienport.base_url", `Attribute bienport.base_url must not contain white space, got "https://apigw.bienport.com/my api".`)),
		prov("base_url with a fragment", nested("monogoto", map[string]any{"base_url": "https://console.monogoto.io/#login"}),
			badURL("monogoto.base_url", `Attribute monogoto.base_url must not contain a fragment ("#..."), got "https://console.monogoto.io/#login".`)),
		prov("base_url with a query", nested("bienport", map[string]any{"base_url": "https://apigw.bienport.com/api?tenant=x"}),
			badURL("bienport.base_url", `Attribute bienport.base_url must not contain a query string ("?..."), got "https://apigw.bienport.com/api?tenant=x".`)),
		prov("base_url with user-info", nested("monogoto", map[string]any{"base_url": "https://me:hunter22@console.monogoto.io"}),
			badURL("monogoto.base_url", `Attribute monogoto.base_url must not contain a user name or password (user-info before "@"); set username and password instead.`)),
		prov("base_url without host", nested("monogoto", map[string]any{"base_url": "http:/console.monogoto.io"}),
			badURL("monogoto.base_url", `Attribute monogoto.base_url must include a host name, got "http:/console.monogoto.io".`)),
		prov("base_url with only a port", nested("coiote", map[string]any{"base_url": "https://:8087"}),
			badURL("coiote.base_url", `Attribute coiote.base_url must include a host name, got "https://:8087".`)),
		prov("base_url with a bad port", nested("coiote", map[string]any{"base_url": "https://eu.iot.avsystem.cloud:port"}),
			badURL("coiote.base_url", `Attribute coiote.base_url must be a valid absolute URL such as "https://api.example.com", got "https://eu.iot.avsystem.cloud:port".`)),
		prov("base_url with a port out of range", nested("coiote", map[string]any{"base_url": "https://eu.iot.avsystem.cloud:99999"}),
			badURL("coiote.base_url", `Attribute coiote.base_url must have a port between 1 and 65535, got "https://eu.iot.avsystem.cloud:99999".`)),
		prov("negative timeout", map[string]any{"request_timeout": "-5s"},
			badDuration("request_timeout", `Attribute request_timeout must be a duration between 1s and 10m, got "-5s".`)),
		prov("absurd timeout", map[string]any{"request_timeout": "999h"},
			badDuration("request_timeout", `Attribute request_timeout must be a duration between 1s and 10m, got "999h".`)),
		prov("tiny timeout", map[string]any{"request_timeout": "500ms"},
			badDuration("request_timeout", `Attribute request_timeout must be a duration between 1s and 10m, got "500ms".`)),
		prov("timeout without unit", map[string]any{"request_timeout": "30"},
			badDuration("request_timeout", `Attribute request_timeout must be a duration with a unit, such as "30s", "2m" or "1h", got "30".`)),
		prov("empty timeout", map[string]any{"request_timeout": ""},
			badDuration("request_timeout", "Attribute request_timeout must not be empty.")),
		prov("absurd retry wait", map[string]any{"retry_max_wait": "2h"},
			badDuration("retry_max_wait", `Attribute retry_max_wait must be a duration between 0s and 1h, got "2h".`)),
		prov("negative retry wait", map[string]any{"retry_max_wait": "-1s"},
			badDuration("retry_max_wait", `Attribute retry_max_wait must be a duration between 0s and 1h, got "-1s".`)),
		prov("retry wait not a duration", map[string]any{"retry_max_wait": "soon"},
			badDuration("retry_max_wait", `Attribute retry_max_wait must be a duration with a unit, such as "30s", "2m" or "1h", got "soon".`)),
		prov("tiny session age", map[string]any{"session_max_age": "10s"},
			badDuration("session_max_age", `Attribute session_max_age must be a duration between 1m and 24h, got "10s".`)),
		prov("absurd session age", map[string]any{"session_max_age": "48h"},
			badDuration("session_max_age", `Attribute session_max_age must be a duration between 1m and 24h, got "48h".`)),
		prov("max_retries 99", num(99),
			badValue("max_retries", "Attribute max_retries must be a whole number between 0 and 10, got 99.")),
		prov("negative max_retries", num(-1),
			badValue("max_retries", "Attribute max_retries must be a whole number between 0 and 10, got -1.")),
		prov("absurd max_retries", num(1000000),
			badValue("max_retries", "Attribute max_retries must be a whole number between 0 and 10, got 1000000.")),
		prov("fractional max_retries", map[string]any{"max_retries": 1.5},
			badValue("max_retries", "Attribute max_retries must be a whole number between 0 and 10, got 1.5.")),
		prov("max_retries beyond 64 bits", map[string]any{"max_retries": big.NewFloat(1e30)},
			badValue("max_retries", "Attribute max_retries must be a whole number between 0 and 10, got 1e+30.")),
		prov("CA not PEM", map[string]any{"ca_cert_pem": "not a certificate"},
			errDiag("ca_cert_pem", "Invalid CA Certificate", `Attribute ca_cert_pem must contain at least one PEM-encoded certificate (a "-----BEGIN CERTIFICATE-----" block).`)),
		prov("CA block that is not a certificate", map[string]any{"ca_cert_pem": badCertPEM},
			errDiag("ca_cert_pem", "Invalid CA Certificate", "Attribute ca_cert_pem holds a CERTIFICATE block that is not a valid X.509 certificate.")),
		prov("CA that is a private key", map[string]any{"ca_cert_pem": keyPEM},
			errDiag("ca_cert_pem", "Invalid CA Certificate", `Attribute ca_cert_pem must contain at least one PEM-encoded certificate (a "-----BEGIN CERTIFICATE-----" block).`)),
		prov("unknown api_version", nested("monogoto", map[string]any{"api_version": "v2"}),
			badMatch("monogoto.api_version", `Attribute monogoto.api_version value must be one of: ["legacy" "v1"], got: "v2"`)),
		prov("empty api_version", nested("monogoto", map[string]any{"api_version": ""}),
			badMatch("monogoto.api_version", `Attribute monogoto.api_version value must be one of: ["legacy" "v1"], got: ""`)),
		prov("blank client_secret", nested("coiote", map[string]any{"client_id": "svc", "client_secret": "  "}),
			badValue("coiote.client_secret", "Attribute coiote.client_secret must not be only white space.")),
		prov("empty realm", nested("coiote", map[string]any{"realm": ""}),
			badValue("coiote.realm", "Attribute coiote.realm must not be empty.")),
		prov("insecure", map[string]any{"insecure": true}, wantDiag{warning: true, summary: "TLS certificate verification is off", path: "insecure",
			detail: "insecure = true turns off TLS certificate verification for every platform: anyone on the network path could read passwords and tokens. Use ca_cert_pem (or IOTAUTH_CA_CERT_PEM) to trust a private CA instead."}),

		token("unknown platform", map[string]any{"platform": "acme"},
			badMatch("platform", platformOneOf(`"acme"`))),
		token("empty platform", map[string]any{"platform": ""},
			badMatch("platform", platformOneOf(`""`))),
		token("platform in capitals", map[string]any{"platform": "Monogoto"},
			badMatch("platform", platformOneOf(`"Monogoto"`))),
		token("empty username in block", map[string]any{"platform": "monogoto", "username": "", "password": "x"},
			badValue("username", "Attribute username must not be empty.")),
		token("blank password in block", map[string]any{"platform": "bienport", "username": "905554447788", "password": "   "},
			badValue("password", "Attribute password must not be only white space.")),
		token("password without username", map[string]any{"platform": "monogoto", "password": "x"},
			errDiag("username", "Missing attribute", "Attribute password is set, so username must be set too.")),
		token("username without password", map[string]any{"platform": "bienport", "username": "905554447788"},
			badCombination("username", `Attribute "password" must be specified when "username" is specified`)),
		token("block base_url without scheme", map[string]any{"platform": "coiote", "base_url": "localhost:8087"},
			badURL("base_url", `Attribute base_url must be an absolute URL starting with http:// or https://, got "localhost:8087".`)),
		token("block base_url ftp", map[string]any{"platform": "monogoto", "base_url": "ftp://console.monogoto.io"},
			badURL("base_url", `Attribute base_url must be an absolute URL starting with http:// or https://, got "ftp://console.monogoto.io".`)),
		token("block base_url with a fragment", map[string]any{"platform": "bienport", "base_url": "https://apigw.bienport.com/api#x"},
			badURL("base_url", `Attribute base_url must not contain a fragment ("#..."), got "https://apigw.bienport.com/api#x".`)),
		token("client_id on monogoto", map[string]any{"platform": "monogoto", "client_id": "svc", "client_secret": "s"},
			notSupported("client_id", `Attribute client_id is not accepted by Monogoto (platform = "monogoto"); it is accepted by Coiote IoT DM.`)),
		token("client_secret without client_id", map[string]any{"platform": "coiote", "client_secret": "s"},
			errDiag("client_id", "Missing attribute", "Attribute client_secret is set, so client_id must be set too.")),
		token("username and client_id", map[string]any{"platform": "coiote", "username": "ops", "password": "p", "client_id": "svc", "client_secret": "s"},
			badCombination("username", `Attribute "client_id" cannot be specified when "username" is specified`)),
		// api_key: a kind without a principal. Its errors go on platform or
		// on the attribute it conflicts with, never on the line holding the
		// key (a blank value is not a secret).
		token("api_key on monogoto", map[string]any{"platform": "monogoto", "api_key": "k-1234"},
			notSupported("platform", `Attribute api_key is not accepted by Monogoto (platform = "monogoto"); it is accepted by ThingsBoard.`)),
		token("username and api_key", map[string]any{"platform": "thingsboard", "username": "u", "password": "p", "api_key": "k-1234"},
			badCombination("username", `Attribute "api_key" cannot be specified when "username" is specified`)),
		token("client_id and api_key", map[string]any{"platform": "coiote", "client_id": "svc", "client_secret": "s", "api_key": "k-1234"},
			badCombination("client_id", `Attribute "api_key" cannot be specified when "client_id" is specified`),
			notSupported("platform", `Attribute api_key is not accepted by Coiote IoT DM (platform = "coiote"); it is accepted by ThingsBoard.`)),
		token("blank api_key", map[string]any{"platform": "thingsboard", "api_key": " "},
			badValue("api_key", "Attribute api_key must not be only white space.")),
		prov("empty api_key", nested("thingsboard", map[string]any{"api_key": ""}),
			badValue("thingsboard.api_key", "Attribute thingsboard.api_key must not be empty.")),
		token("remember_me on coiote", map[string]any{"platform": "coiote", "remember_me": true},
			notSupported("remember_me", `Attribute remember_me is not a setting of Coiote IoT DM (platform = "coiote").`)),
		token("remember_me on monogoto", map[string]any{"platform": "monogoto", "remember_me": false},
			notSupported("remember_me", `Attribute remember_me is not a setting of Monogoto (platform = "monogoto").`)),

		{name: "data source unknown platform", block: "profile", vals: map[string]any{"platform": "acme"},
			want: []wantDiag{badMatch("platform", platformOneOf(`"acme"`))}},
		{name: "data source empty platform", block: "profile", vals: map[string]any{"platform": ""},
			want: []wantDiag{badMatch("platform", platformOneOf(`""`))}},
	}
}

// TestReliabilityValidationDiagnostics: each bad input gives exactly the
// expected diagnostics, with their attribute paths, from the validation RPCs
// Terraform calls before any login. The environment is empty, so nothing
// comes from the test machine's IOTAUTH_* variables.
func TestReliabilityValidationDiagnostics(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	server, err := providerserver.NewProtocol6WithError(&iotauthProvider{version: "test", lookupEnv: envMap(nil)})()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schemas.Diagnostics) > 0 {
		t.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	schemaTypes := map[string]tftypes.Type{
		"provider": schemas.Provider.ValueType(),
		"token":    schemas.EphemeralResourceSchemas["iotauth_token"].ValueType(),
		"profile":  schemas.DataSourceSchemas["iotauth_user_profile"].ValueType(),
	}
	cases := validationCases()
	if len(cases) < 20 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.block+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			typ, ok := schemaTypes[c.block].(tftypes.Object)
			if !ok {
				t.Fatalf("no object type for %s", c.block)
			}
			dv, err := tfprotov6.NewDynamicValue(typ, objectValue(t, typ, c.vals))
			if err != nil {
				t.Fatal(err)
			}
			var diags []*tfprotov6.Diagnostic
			switch c.block {
			case "provider":
				resp, err := server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: &dv})
				if err != nil {
					t.Fatal(err)
				}
				diags = resp.Diagnostics
			case "token":
				resp, err := server.ValidateEphemeralResourceConfig(ctx, &tfprotov6.ValidateEphemeralResourceConfigRequest{TypeName: "iotauth_token", Config: &dv})
				if err != nil {
					t.Fatal(err)
				}
				diags = resp.Diagnostics
			case "profile":
				resp, err := server.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: "iotauth_user_profile", Config: &dv})
				if err != nil {
					t.Fatal(err)
				}
				diags = resp.Diagnostics
			}
			var got, want []string
			for _, d := range diags {
				got = append(got, wantDiag{warning: d.Severity == tfprotov6.DiagnosticSeverityWarning,
					summary: d.Summary, path: attributePath(d.Attribute), detail: d.Detail}.String())
			}
			for _, d := range c.want {
				want = append(want, d.String())
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("diagnostics:\n got %q\nwant %q", got, want)
			}
			if strings.Contains(strings.Join(got, "\n"), "hunter22") {
				t.Error("a diagnostic repeats the password of a URL's user-info")
			}
		})
	}
}

// acceptanceInput is one bad input run through Terraform.
type acceptanceInput struct {
	name   string
	config string
	// summary, with (the object Terraform names, "" for none), in (the
	// block it names) and at (the source line it shows) locate the
	// diagnostic; detail is its exact text.
	summary, with, in, at, detail string
	// errors is how many error diagnostics Terraform prints (default 1).
	errors int
}

// providerAddress matches the provider's address as Terraform or OpenTofu
// print it.
func providerAddress() string {
	return `provider\["registry\.(terraform\.io|opentofu\.org)/` + regexp.QuoteMeta(providerNamespace()) + `/iotauth"\]`
}

// located builds the expected text of one diagnostic in config (the whole
// file, as the test harness writes it).
func (c acceptanceInput) located(t *testing.T, config string) *regexp.Regexp {
	t.Helper()
	line := 0
	for i, l := range strings.Split(config, "\n") {
		if strings.TrimSpace(l) == strings.TrimSpace(c.at) {
			if line != 0 {
				t.Fatalf("%q is on more than one line", c.at)
			}
			line = i + 1
		}
	}
	if line == 0 {
		t.Fatalf("%q is not a line of the configuration", c.at)
	}
	spaced := func(s string) string { return strings.ReplaceAll(regexp.QuoteMeta(s), " ", `\s+`) }
	re := `Error: ` + spaced(c.summary) + `\s+`
	switch c.with {
	case "":
	case "provider":
		re += `with ` + providerAddress() + `,\s+`
	default:
		re += `with ` + regexp.QuoteMeta(c.with) + `,\s+`
	}
	re += fmt.Sprintf(`on terraform_plugin_test\.tf line %d, in %s:\s+%d:\s+%s\s+`, line, spaced(c.in), line, spaced(strings.TrimSpace(c.at)))
	// The detail ends its line: nothing more was said.
	return regexp.MustCompile(`(?m)` + re + exactly(c.detail).String() + `$`)
}

// acceptanceInputs are the bad inputs TestAccValidation does not cover.
func acceptanceInputs() []acceptanceInput {
	const (
		prov    = `provider "iotauth" {`
		inProv  = `provider "iotauth"`
		inToken = `ephemeral "iotauth_token" "t"`
		inData  = `data "iotauth_user_profile" "p"`
		tok     = "ephemeral.iotauth_token.t"
		data    = "data.iotauth_user_profile.p"
	)
	withProvider := func(body string) string {
		return "provider \"iotauth\" {\n" + body + "\n}\n\nephemeral \"iotauth_token\" \"t\" {\n  platform = \"monogoto\"\n}\n"
	}
	block := func(body string) string { return "ephemeral \"iotauth_token\" \"t\" {\n" + body + "\n}\n" }
	return []acceptanceInput{
		{name: "base_url without host", config: withProvider(`  monogoto = { base_url = "http:/console.monogoto.io" }`),
			summary: "Invalid Base URL", with: "provider", in: inProv, at: prov,
			detail: `Attribute monogoto.base_url must include a host name, got "http:/console.monogoto.io".`},
		{name: "base_url with only a port", config: withProvider(`  coiote = { base_url = "https://:8087" }`),
			summary: "Invalid Base URL", with: "provider", in: inProv, at: prov,
			detail: `Attribute coiote.base_url must include a host name, got "https://:8087".`},
		{name: "base_url with a query", config: withProvider(`  bienport = { base_url = "https://apigw.bienport.com/api?tenant=x" }`),
			summary: "Invalid Base URL", with: "provider", in: inProv, at: prov,
			detail: `Attribute bienport.base_url must not contain a query string ("?..."), got "https://apigw.bienport.com/api?tenant=x".`},
		{name: "blank username", config: withProvider(`  bienport = { username = "  ", password = "x" }`),
			summary: "Invalid Attribute Value", with: "provider", in: inProv, at: prov,
			detail: "Attribute bienport.username must not be only white space."},
		{name: "empty realm", config: withProvider(`  coiote = { realm = "" }`),
			summary: "Invalid Attribute Value", with: "provider", in: inProv, at: prov,
			detail: "Attribute coiote.realm must not be empty."},
		{name: "blank client_secret", config: withProvider(`  coiote = { client_id = "svc", client_secret = " " }`),
			summary: "Invalid Attribute Value", with: "provider", in: inProv, at: prov,
			detail: "Attribute coiote.client_secret must not be only white space."},
		{name: "empty api_version", config: withProvider(`  monogoto = { api_version = "" }`),
			summary: "Invalid Attribute Value Match", with: "provider", in: inProv, at: prov,
			detail: `Attribute monogoto.api_version value must be one of: ["legacy" "v1"], got: ""`},
		{name: "empty timeout", config: withProvider(`  request_timeout = ""`),
			summary: "Invalid Duration", with: "provider", in: inProv, at: `request_timeout = ""`,
			detail: "Attribute request_timeout must not be empty."},
		{name: "tiny timeout", config: withProvider(`  request_timeout = "500ms"`),
			summary: "Invalid Duration", with: "provider", in: inProv, at: `request_timeout = "500ms"`,
			detail: `Attribute request_timeout must be a duration between 1s and 10m, got "500ms".`},
		{name: "negative retry wait", config: withProvider(`  retry_max_wait = "-1s"`),
			summary: "Invalid Duration", with: "provider", in: inProv, at: `retry_max_wait = "-1s"`,
			detail: `Attribute retry_max_wait must be a duration between 0s and 1h, got "-1s".`},
		{name: "retry wait not a duration", config: withProvider(`  retry_max_wait = "soon"`),
			summary: "Invalid Duration", with: "provider", in: inProv, at: `retry_max_wait = "soon"`,
			detail: `Attribute retry_max_wait must be a duration with a unit, such as "30s", "2m" or "1h", got "soon".`},
		{name: "absurd session age", config: withProvider(`  session_max_age = "48h"`),
			summary: "Invalid Duration", with: "provider", in: inProv, at: `session_max_age = "48h"`,
			detail: `Attribute session_max_age must be a duration between 1m and 24h, got "48h".`},
		{name: "absurd max_retries", config: withProvider(`  max_retries = 1000000`),
			summary: "Invalid Attribute Value", with: "provider", in: inProv, at: `max_retries = 1000000`,
			detail: "Attribute max_retries must be a whole number between 0 and 10, got 1000000."},
		{name: "fractional max_retries", config: withProvider(`  max_retries = 1.5`),
			summary: "Invalid Attribute Value", with: "provider", in: inProv, at: `max_retries = 1.5`,
			detail: "Attribute max_retries must be a whole number between 0 and 10, got 1.5."},
		{name: "max_retries beyond 64 bits", config: withProvider(`  max_retries = 1e30`),
			summary: "Invalid Attribute Value", with: "provider", in: inProv, at: `max_retries = 1e30`,
			detail: "Attribute max_retries must be a whole number between 0 and 10, got 1e+30."},
		{name: "CA block that is not a certificate", config: withProvider(fmt.Sprintf("  ca_cert_pem = %q", badCertPEM)),
			summary: "Invalid CA Certificate", with: "provider", in: inProv, at: fmt.Sprintf("ca_cert_pem = %q", badCertPEM),
			detail: "Attribute ca_cert_pem holds a CERTIFICATE block that is not a valid X.509 certificate."},
		{name: "CA that is a private key", config: withProvider(fmt.Sprintf("  ca_cert_pem = %q", keyPEM)),
			summary: "Invalid CA Certificate", with: "provider", in: inProv, at: fmt.Sprintf("ca_cert_pem = %q", keyPEM),
			detail: `Attribute ca_cert_pem must contain at least one PEM-encoded certificate (a "-----BEGIN CERTIFICATE-----" block).`},
		{name: "insecure not a boolean", config: withProvider(`  insecure = "yes"`),
			summary: "Incorrect attribute value type", in: inProv, at: `insecure = "yes"`,
			detail: `Inappropriate value for attribute "insecure": a bool is required.`},
		{name: "misspelt nested attribute", config: withProvider(`  monogoto = { usernme = "demo@monogoto.io", password = "x" }`),
			// Terraform drops an unknown attribute of a nested object
			// without a word, so the account is missing when a block
			// needs it.
			summary: "Monogoto is not configured", with: tok, in: inToken, at: `platform = "monogoto"`,
			detail: `No credentials for Monogoto: set monogoto.username and monogoto.password in the provider "iotauth" block, ` +
				`or IOTAUTH_MONOGOTO_USERNAME and IOTAUTH_MONOGOTO_PASSWORD, or username/password in this block.`},
		{name: "empty platform", config: block(`  platform = ""`),
			summary: "Invalid Attribute Value Match", with: tok, in: inToken, at: `platform = ""`,
			detail: platformOneOf(`""`)},
		{name: "platform in capitals", config: block(`  platform = "Monogoto"`),
			summary: "Invalid Attribute Value Match", with: tok, in: inToken, at: `platform = "Monogoto"`,
			detail: platformOneOf(`"Monogoto"`)},
		{name: "blank password in block", config: block("  platform = \"bienport\"\n  username = \"905554447788\"\n  password = \"   \""),
			summary: "Invalid Attribute Value", with: tok, in: inToken, at: `password = "   "`,
			detail: "Attribute password must not be only white space."},
		{name: "block base_url ftp", config: block("  platform = \"monogoto\"\n  base_url = \"ftp://console.monogoto.io\""),
			summary: "Invalid Base URL", with: tok, in: inToken, at: `base_url = "ftp://console.monogoto.io"`,
			detail: `Attribute base_url must be an absolute URL starting with http:// or https://, got "ftp://console.monogoto.io".`},
		{name: "block base_url with a fragment", config: block("  platform = \"bienport\"\n  base_url = \"https://apigw.bienport.com/api#x\""),
			summary: "Invalid Base URL", with: tok, in: inToken, at: `base_url = "https://apigw.bienport.com/api#x"`,
			detail: `Attribute base_url must not contain a fragment ("#..."), got "https://apigw.bienport.com/api#x".`},
		{name: "username and client_id", config: block("  platform      = \"coiote\"\n  username      = \"ops\"\n  password      = \"p\"\n  client_id     = \"svc\"\n  client_secret = \"s\""),
			summary: "Invalid Attribute Combination", with: tok, in: inToken, at: `username      = "ops"`,
			detail: `Attribute "client_id" cannot be specified when "username" is specified`},
		{name: "remember_me on monogoto", config: block("  platform    = \"monogoto\"\n  remember_me = false"),
			summary: "Attribute not supported by this platform", with: tok, in: inToken, at: `remember_me = false`,
			detail: `Attribute remember_me is not a setting of Monogoto (platform = "monogoto").`},
		{name: "client_secret on bienport", config: block("  platform      = \"bienport\"\n  client_id     = \"svc\"\n  client_secret = \"s\""),
			// The error points at client_id, never at the line holding the secret.
			summary: "Attribute not supported by this platform", with: tok, in: inToken, at: `client_id     = "svc"`,
			detail: `Attribute client_id is not accepted by BienPort (platform = "bienport"); it is accepted by Coiote IoT DM.`},
		{name: "data source empty platform", config: `data "iotauth_user_profile" "p" {` + "\n  platform = \"\"\n}\n",
			summary: "Invalid Attribute Value Match", with: data, in: inData, at: `platform = ""`,
			detail: platformOneOf(`""`)},
		{name: "data source takes no remember_me", config: `data "iotauth_user_profile" "p" {` + "\n  platform    = \"bienport\"\n  remember_me = true\n}\n",
			summary: "Unsupported argument", in: inData, at: `remember_me = true`,
			detail: `An argument named "remember_me" is not expected here.`},
	}
}

// TestAccReliabilityValidation: bad inputs that TestAccValidation does not
// cover, refused at validate or plan time, before any login, each with its
// exact diagnostic located where Terraform points.
func TestAccReliabilityValidation(t *testing.T) {
	t.Parallel()
	cases := acceptanceInputs()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(c.config)
			res := planOnly(t, c.config, nil)
			if res.errText == "" {
				t.Fatal("the configuration was accepted")
			}
			if want := c.located(t, cfg); !want.MatchString(res.errText) {
				t.Errorf("no diagnostic matches %s:\n%s", want, res.errText)
			}
			if n, want := errorCount(res.errText), max(c.errors, 1); n != want {
				t.Errorf("%d error diagnostics, want %d:\n%s", n, want, res.errText)
			}
		})
	}
}

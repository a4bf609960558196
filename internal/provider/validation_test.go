package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// exactly matches a diagnostic's text word for word, whatever line breaks
// Terraform wraps it with.
func exactly(msg string) *regexp.Regexp {
	words := strings.Fields(msg)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}

// TestAccValidation is the table of bad inputs: each is refused at plan
// time, before any login, with the exact diagnostic.
func TestAccValidation(t *testing.T) {
	t.Parallel()
	token := func(block string) string {
		return "ephemeral \"iotauth_token\" \"t\" {\n" + block + "\n}\n"
	}
	prov := func(body string) string {
		return "provider \"iotauth\" {\n" + body + "\n}\n" + token(`platform = "monogoto"`)
	}
	cases := []struct {
		name, config, want string
	}{
		// Provider block.
		{"empty username", prov(`monogoto = { username = "", password = "x" }`),
			"Attribute monogoto.username must not be empty."},
		{"blank password", prov(`monogoto = { username = "u", password = "   " }`),
			"Attribute monogoto.password must not be only white space."},
		{"base_url without scheme", prov(`monogoto = { base_url = "console.monogoto.io" }`),
			`Attribute monogoto.base_url must be an absolute URL starting with http:// or https://, got "console.monogoto.io".`},
		{"base_url ftp", prov(`coiote = { base_url = "ftp://eu.iot.avsystem.cloud" }`),
			`Attribute coiote.base_url must be an absolute URL starting with http:// or https://, got "ftp://eu.iot.avsystem.cloud".`},
		{"base_url with a space", prov(`bienport = { base_url = "https://apigw.bienport.com/my api" }`),
			`Attribute bienport.base_url must not contain white space, got "https://apigw.bienport.com/my api".`},
		{"base_url with a fragment", prov(`monogoto = { base_url = "https://console.monogoto.io/#login" }`),
			`Attribute monogoto.base_url must not contain a fragment ("#..."), got "https://console.monogoto.io/#login".`},
		{"base_url with a query", prov(`monogoto = { base_url = "https://console.monogoto.io/?x=1" }`),
			`Attribute monogoto.base_url must not contain a query string ("?..."), got "https://console.monogoto.io/?x=1".`},
		{"base_url with user-info", prov(`monogoto = { base_url = "https://me:hunter22@console.monogoto.io" }`),
			`Attribute monogoto.base_url must not contain a user name or password (user-info before "@"); set username and password instead.`},
		{"negative timeout", prov(`request_timeout = "-5s"`),
			`Attribute request_timeout must be a duration between 1s and 10m, got "-5s".`},
		{"absurd timeout", prov(`request_timeout = "999h"`),
			`Attribute request_timeout must be a duration between 1s and 10m, got "999h".`},
		{"timeout without unit", prov(`request_timeout = "30"`),
			`Attribute request_timeout must be a duration with a unit, such as "30s", "2m" or "1h", got "30".`},
		{"absurd retry wait", prov(`retry_max_wait = "2h"`),
			`Attribute retry_max_wait must be a duration between 0s and 1h, got "2h".`},
		{"tiny session age", prov(`session_max_age = "10s"`),
			`Attribute session_max_age must be a duration between 1m and 24h, got "10s".`},
		{"max_retries 99", prov(`max_retries = 99`),
			"Attribute max_retries must be a whole number between 0 and 10, got 99."},
		{"negative max_retries", prov(`max_retries = -1`),
			"Attribute max_retries must be a whole number between 0 and 10, got -1."},
		{"CA not PEM", prov(`ca_cert_pem = "not a certificate"`),
			`Attribute ca_cert_pem must contain at least one PEM-encoded certificate (a "-----BEGIN CERTIFICATE-----" block).`},
		{"unknown api_version", prov(`monogoto = { api_version = "v2" }`),
			`Attribute monogoto.api_version value must be one of: ["legacy" "v1"], got: "v2"`},
		// Checked when a block uses the platform: the secret may come from
		// the environment.
		{"client_id without client_secret", "provider \"iotauth\" {\n  coiote = { client_id = \"svc\" }\n}\n" + token(`platform = "coiote"`),
			`The Coiote IoT DM client ID "svc" has no client secret: set coiote.client_secret in the provider "iotauth" block or IOTAUTH_COIOTE_CLIENT_SECRET.`},

		// iotauth_token block.
		{"unknown platform", token(`platform = "acme"`),
			platformOneOf(`"acme"`)},
		{"empty username in block", token(`
  platform = "monogoto"
  username = ""
  password = "x"`),
			"Attribute username must not be empty."},
		{"password without username", token(`
  platform = "monogoto"
  password = "x"`),
			`Attribute password is set, so username must be set too.`},
		{"username without password", token(`
  platform = "bienport"
  username = "905554447788"`),
			`Attribute "password" must be specified when "username" is specified`},
		{"block base_url without scheme", token(`
  platform = "coiote"
  base_url = "localhost:8087"`),
			`Attribute base_url must be an absolute URL starting with http:// or https://, got "localhost:8087".`},
		{"client_id on monogoto", token(`
  platform      = "monogoto"
  client_id     = "svc"
  client_secret = "s"`),
			`Attribute client_id is not accepted by Monogoto (platform = "monogoto"); it is accepted by Coiote IoT DM.`},
		{"client_secret without client_id", token(`
  platform      = "coiote"
  client_secret = "s"`),
			`Attribute client_secret is set, so client_id must be set too.`},
		{"remember_me on coiote", token(`
  platform    = "coiote"
  remember_me = true`),
			`Attribute remember_me is not a setting of Coiote IoT DM (platform = "coiote").`},

		// iotauth_user_profile data source.
		{"data source unknown platform", `data "iotauth_user_profile" "p" { platform = "acme" }`,
			platformOneOf(`"acme"`)},
		{"data source takes no password", `data "iotauth_user_profile" "p" {
  platform = "monogoto"
  password = "x"
}`, `An argument named "password" is not expected here.`},
		{"data source takes no username", `data "iotauth_user_profile" "p" {
  platform = "monogoto"
  username = "x"
}`, `An argument named "username" is not expected here.`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			acceptanceTest(t, resource.TestStep{
				Config:      testConfig(c.config),
				PlanOnly:    true,
				ExpectError: exactly(c.want),
			})
		})
	}
}

// platformOneOf is the OneOf validator's message for a platform argument
// that names no platform: every platform's name, then what was given.
func platformOneOf(got string) string {
	return fmt.Sprintf("Attribute platform value must be one of: %q, got: %s", platformNames(), got)
}

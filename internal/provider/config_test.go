package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Attribute types of the provider's nested blocks, for building models in
// tests.
var testPlatformTypes = map[platform.Name]map[string]attr.Type{
	platform.Monogoto: {"base_url": types.StringType, "username": types.StringType, "password": types.StringType, "api_version": types.StringType},
	platform.Coiote: {"base_url": types.StringType, "username": types.StringType, "password": types.StringType,
		"client_id": types.StringType, "client_secret": types.StringType, "realm": types.StringType},
	platform.Bienport: {"base_url": types.StringType, "username": types.StringType, "password": types.StringType, "remember_me": types.BoolType},
}

// testObject builds a nested platform object; attributes not given are null.
func testObject(t *testing.T, p platform.Name, vals map[string]attr.Value) types.Object {
	t.Helper()
	full := map[string]attr.Value{}
	for k, ty := range testPlatformTypes[p] {
		if v, ok := vals[k]; ok {
			full[k] = v
			continue
		}
		if ty == types.BoolType {
			full[k] = types.BoolNull()
		} else {
			full[k] = types.StringNull()
		}
	}
	o, d := types.ObjectValue(testPlatformTypes[p], full)
	if d.HasError() {
		t.Fatal(d)
	}
	return o
}

// nullModel is a provider block with nothing set.
func nullModel() providerModel {
	return providerModel{
		Monogoto:       types.ObjectNull(testPlatformTypes[platform.Monogoto]),
		Coiote:         types.ObjectNull(testPlatformTypes[platform.Coiote]),
		Bienport:       types.ObjectNull(testPlatformTypes[platform.Bienport]),
		RequestTimeout: types.StringNull(),
		MaxRetries:     types.Int64Null(),
		RetryMaxWait:   types.StringNull(),
		CACertPEM:      types.StringNull(),
		Insecure:       types.BoolNull(),
		SessionMaxAge:  types.StringNull(),
	}
}

func envMap(m map[string]string) lookupFunc {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestEnvNames(t *testing.T) {
	t.Parallel()
	e := envNames(platform.Bienport)
	if e.baseURL != "IOTAUTH_BIENPORT_BASE_URL" || e.rememberMe != "IOTAUTH_BIENPORT_REMEMBER_ME" {
		t.Fatalf("unexpected names %+v", e)
	}
	e = envNames(platform.Coiote)
	if e.clientSecret != "IOTAUTH_COIOTE_CLIENT_SECRET" || e.realm != "IOTAUTH_COIOTE_REALM" {
		t.Fatalf("unexpected names %+v", e)
	}
	if got := envNames(platform.Monogoto).apiVersion; got != "IOTAUTH_MONOGOTO_API_VERSION" {
		t.Fatalf("got %s", got)
	}
}

func TestResolveConfigDefaults(t *testing.T) {
	t.Parallel()
	c, d := resolveConfig(nullModel(), envMap(nil))
	if d.HasError() {
		t.Fatal(d)
	}
	want := httpSettings{Timeout: 30 * time.Second, MaxRetries: 3, RetryMaxWait: 30 * time.Second, SessionMaxAge: time.Hour}
	if c.HTTP != want {
		t.Fatalf("HTTP = %+v, want %+v", c.HTTP, want)
	}
	for _, p := range platform.Names() {
		s := c.Platforms[p]
		if s.Configured() || s.Unknown {
			t.Errorf("%s: unexpectedly configured or unknown: %+v", p, s)
		}
		if s.BaseURL != platform.DefaultBaseURL(p) {
			t.Errorf("%s: base URL %q", p, s.BaseURL)
		}
	}
	if c.Platforms[platform.Monogoto].APIVersion != "legacy" || c.Platforms[platform.Coiote].Realm != "coiote-cloud" {
		t.Errorf("defaults: %+v %+v", c.Platforms[platform.Monogoto], c.Platforms[platform.Coiote])
	}
}

// TestResolveConfigPrecedence checks configuration over environment over
// default, for every kind of setting.
func TestResolveConfigPrecedence(t *testing.T) {
	t.Parallel()
	type check func(t *testing.T, c resolvedConfig)
	cases := []struct {
		name  string
		model func(t *testing.T) providerModel
		env   map[string]string
		check check
	}{
		{
			name:  "environment only",
			model: func(*testing.T) providerModel { return nullModel() },
			env: map[string]string{
				"IOTAUTH_MONOGOTO_USERNAME": "env@example.com", "IOTAUTH_MONOGOTO_PASSWORD": "env-pw",
				"IOTAUTH_MONOGOTO_BASE_URL": "http://127.0.0.1:1/", "IOTAUTH_REQUEST_TIMEOUT": "5s",
				"IOTAUTH_MAX_RETRIES": "0", "IOTAUTH_RETRY_MAX_WAIT": "0s", "IOTAUTH_SESSION_MAX_AGE": "2h",
				"IOTAUTH_BIENPORT_REMEMBER_ME": "true", "IOTAUTH_BIENPORT_USERNAME": "905554447788",
				"IOTAUTH_INSECURE": "true",
			},
			check: func(t *testing.T, c resolvedConfig) {
				m := c.Platforms[platform.Monogoto]
				if m.Username != "env@example.com" || m.Password != "env-pw" || m.BaseURL != "http://127.0.0.1:1" {
					t.Errorf("monogoto = %+v", m)
				}
				if !m.Configured() {
					t.Error("monogoto not configured")
				}
				b := c.Platforms[platform.Bienport]
				if !b.RememberMe || b.Username != "905554447788" || b.Password != "" {
					t.Errorf("bienport = %+v", b)
				}
				h := c.HTTP
				if h.Timeout != 5*time.Second || h.MaxRetries != 0 || h.RetryMaxWait != 0 || h.SessionMaxAge != 2*time.Hour || !h.Insecure || !h.InsecureFromEnv {
					t.Errorf("http = %+v", h)
				}
			},
		},
		{
			name: "configuration wins over environment",
			model: func(t *testing.T) providerModel {
				m := nullModel()
				m.Monogoto = testObject(t, platform.Monogoto, map[string]attr.Value{
					"username": types.StringValue("cfg@example.com"), "password": types.StringValue("cfg-pw"),
				})
				m.RequestTimeout = types.StringValue("7s")
				m.MaxRetries = types.Int64Value(5)
				m.Insecure = types.BoolValue(false)
				return m
			},
			env: map[string]string{
				"IOTAUTH_MONOGOTO_USERNAME": "env@example.com", "IOTAUTH_MONOGOTO_PASSWORD": "env-pw",
				"IOTAUTH_REQUEST_TIMEOUT": "5s", "IOTAUTH_MAX_RETRIES": "1", "IOTAUTH_INSECURE": "true",
			},
			check: func(t *testing.T, c resolvedConfig) {
				m := c.Platforms[platform.Monogoto]
				if m.Username != "cfg@example.com" || m.Password != "cfg-pw" {
					t.Errorf("monogoto = %+v", m)
				}
				if c.HTTP.Timeout != 7*time.Second || c.HTTP.MaxRetries != 5 || c.HTTP.Insecure {
					t.Errorf("http = %+v", c.HTTP)
				}
			},
		},
		{
			name: "mixed: user name from configuration, password from environment",
			model: func(t *testing.T) providerModel {
				m := nullModel()
				m.Coiote = testObject(t, platform.Coiote, map[string]attr.Value{"username": types.StringValue("ops")})
				return m
			},
			env: map[string]string{"IOTAUTH_COIOTE_PASSWORD": "env-pw", "IOTAUTH_COIOTE_REALM": "acme"},
			check: func(t *testing.T, c resolvedConfig) {
				s := c.Platforms[platform.Coiote]
				if s.Username != "ops" || s.Password != "env-pw" || s.Realm != "acme" {
					t.Errorf("coiote = %+v", s)
				}
			},
		},
		{
			name: "monogoto v1 changes the default base URL",
			model: func(t *testing.T) providerModel {
				m := nullModel()
				m.Monogoto = testObject(t, platform.Monogoto, map[string]attr.Value{"api_version": types.StringValue("v1")})
				return m
			},
			check: func(t *testing.T, c resolvedConfig) {
				if got := c.Platforms[platform.Monogoto].BaseURL; got != "https://api.monogoto.io" {
					t.Errorf("base URL %q", got)
				}
			},
		},
		{
			name:  "empty environment variables count as unset",
			model: func(*testing.T) providerModel { return nullModel() },
			env:   map[string]string{"IOTAUTH_MONOGOTO_USERNAME": "", "IOTAUTH_REQUEST_TIMEOUT": ""},
			check: func(t *testing.T, c resolvedConfig) {
				if c.Platforms[platform.Monogoto].Configured() || c.HTTP.Timeout != 30*time.Second {
					t.Errorf("got %+v %+v", c.Platforms[platform.Monogoto], c.HTTP)
				}
			},
		},
		{
			name: "unknown values are not errors: they mark their settings unknown",
			model: func(t *testing.T) providerModel {
				m := nullModel()
				m.Bienport = testObject(t, platform.Bienport, map[string]attr.Value{"password": types.StringUnknown()})
				m.Coiote = types.ObjectUnknown(testPlatformTypes[platform.Coiote])
				m.RequestTimeout = types.StringUnknown()
				return m
			},
			check: func(t *testing.T, c resolvedConfig) {
				if !c.Platforms[platform.Bienport].Unknown || !c.Platforms[platform.Coiote].Unknown || !c.HTTP.Unknown {
					t.Errorf("not unknown: %+v", c)
				}
				if c.Platforms[platform.Monogoto].Unknown {
					t.Error("monogoto unknown")
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, d := resolveConfig(c.model(t), envMap(c.env))
			if d.HasError() {
				t.Fatal(d)
			}
			c.check(t, got)
		})
	}
}

// TestResolveConfigEnvErrors checks that environment values are validated
// with the schema's rules, in diagnostics naming the variable and never
// repeating a secret.
func TestResolveConfigEnvErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"IOTAUTH_MONOGOTO_BASE_URL": "console.monogoto.io"},
			`Environment variable IOTAUTH_MONOGOTO_BASE_URL must be an absolute URL starting with http:// or https://, got "console.monogoto.io".`},
		{map[string]string{"IOTAUTH_COIOTE_BASE_URL": "https://eu.iot.avsystem.cloud/#x"},
			`Environment variable IOTAUTH_COIOTE_BASE_URL must not contain a fragment`},
		{map[string]string{"IOTAUTH_BIENPORT_BASE_URL": "https://u:hunter22@x.example"},
			"Environment variable IOTAUTH_BIENPORT_BASE_URL must not contain a user name or password"},
		{map[string]string{"IOTAUTH_REQUEST_TIMEOUT": "-1s"},
			`Environment variable IOTAUTH_REQUEST_TIMEOUT must be a duration between 1s and 10m, got "-1s".`},
		{map[string]string{"IOTAUTH_RETRY_MAX_WAIT": "2h"},
			`Environment variable IOTAUTH_RETRY_MAX_WAIT must be a duration between 0s and 1h, got "2h".`},
		{map[string]string{"IOTAUTH_SESSION_MAX_AGE": "10s"},
			`Environment variable IOTAUTH_SESSION_MAX_AGE must be a duration between 1m and 24h, got "10s".`},
		{map[string]string{"IOTAUTH_MAX_RETRIES": "99"},
			"Environment variable IOTAUTH_MAX_RETRIES must be between 0 and 10, got 99."},
		{map[string]string{"IOTAUTH_INSECURE": "yes"},
			`Environment variable IOTAUTH_INSECURE must be true or false, got "yes".`},
		{map[string]string{"IOTAUTH_BIENPORT_REMEMBER_ME": "maybe"},
			`Environment variable IOTAUTH_BIENPORT_REMEMBER_ME must be true or false, got "maybe".`},
		{map[string]string{"IOTAUTH_CA_CERT_PEM": "not a cert"},
			"Environment variable IOTAUTH_CA_CERT_PEM must contain at least one PEM-encoded certificate"},
		{map[string]string{"IOTAUTH_MONOGOTO_API_VERSION": "v2"},
			`Environment variable IOTAUTH_MONOGOTO_API_VERSION must be "legacy" or "v1", got "v2".`},
		{map[string]string{"IOTAUTH_MONOGOTO_PASSWORD": "   "},
			"Environment variable IOTAUTH_MONOGOTO_PASSWORD must not be only white space."},
		{map[string]string{"IOTAUTH_COIOTE_CLIENT_ID": "svc"},
			"A Coiote client ID is set (coiote.client_id or IOTAUTH_COIOTE_CLIENT_ID) but no client secret: set coiote.client_secret in the provider \"iotauth\" block or IOTAUTH_COIOTE_CLIENT_SECRET."},
	}
	for _, c := range cases {
		_, d := resolveConfig(nullModel(), envMap(c.env))
		if d.ErrorsCount() != 1 {
			t.Errorf("%v: want one error, got %v", c.env, d)
			continue
		}
		got := d.Errors()[0].Detail()
		if !strings.Contains(got, c.want) {
			t.Errorf("%v:\n got %q\nwant %q", c.env, got, c.want)
		}
		if strings.Contains(got, "hunter22") {
			t.Errorf("a secret leaked into %q", got)
		}
	}
}

func TestHTTPConfig(t *testing.T) {
	t.Parallel()
	h := httpSettings{Timeout: time.Second, MaxRetries: 2, RetryMaxWait: 0, CACertPEM: "x", Insecure: true}
	c := h.httpConfig("ua")
	if c.Timeout != time.Second || c.MaxRetries != 2 || c.RetryMaxWait != time.Nanosecond || c.CACertPEM != "x" ||
		!c.Insecure || c.UserAgent != "ua" || c.Log == nil {
		t.Fatalf("httpConfig = %+v", c)
	}
	if got := userAgent("1.2.3", "1.11.4"); got != "terraform-provider-iotauth/1.2.3 (+https://registry.terraform.io/providers/iotauth/iotauth) Terraform/1.11.4" {
		t.Fatalf("userAgent = %q", got)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	if got := redact("a secret1 b secret1 abc", "secret1", "", "abc"); got != "a *** b *** abc" {
		t.Fatalf("redact = %q", got)
	}
}

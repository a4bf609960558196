package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// readTestConfig runs readConfig on a provider configuration (vals, as
// rawConfig takes them) and an environment.
func readTestConfig(t *testing.T, env map[string]string, vals map[string]any) (providerConfig, diag.Diagnostics) {
	t.Helper()
	return readConfig(t.Context(), rawConfig(t, providerSchema(t), vals), envMap(env))
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p    platform.Name
		attr string
		want string
	}{
		{mock.Bienport, "remember_me", "IOTAUTH_BIENPORT_REMEMBER_ME"},
		{mock.Coiote, "client_secret", "IOTAUTH_COIOTE_CLIENT_SECRET"},
		{mock.Monogoto, "api_version", "IOTAUTH_MONOGOTO_API_VERSION"},
	} {
		if got := envName(c.p, c.attr); got != c.want {
			t.Errorf("envName(%s, %s) = %s, want %s", c.p, c.attr, got, c.want)
		}
	}
}

func TestReadConfigDefaults(t *testing.T) {
	t.Parallel()
	c, d := readTestConfig(t, nil, nil)
	if d.HasError() {
		t.Fatal(d)
	}
	s := c.shared
	if s.Timeout != 30*time.Second || s.MaxRetries != 3 || s.RetryMaxWait != 30*time.Second || s.SessionMaxAge != time.Hour ||
		s.Insecure || s.CACertPEM != "" || c.sharedUnknown {
		t.Fatalf("shared = %+v", s)
	}
	for _, info := range clients.Platforms() {
		a := c.accounts[info.Name]
		if a.configured() || a.unknown || a.BaseURL != "" || a.Platform != info.Name {
			t.Errorf("%s: %+v", info.Name, a)
		}
		for _, st := range info.Settings {
			want := st.Default
			if st.Bool && want == "" {
				want = "false"
			}
			if a.Option(st.Name) != want {
				t.Errorf("%s.%s = %q, want the default %q", info.Name, st.Name, a.Option(st.Name), want)
			}
		}
	}
}

// TestReadConfigPrecedence checks configuration over environment over
// default, for every kind of setting.
func TestReadConfigPrecedence(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		vals  map[string]any
		env   map[string]string
		check func(t *testing.T, c providerConfig)
	}{
		{
			name: "environment only",
			env: map[string]string{
				"IOTAUTH_MONOGOTO_USERNAME": "env@example.com", "IOTAUTH_MONOGOTO_PASSWORD": "env-pw",
				"IOTAUTH_MONOGOTO_BASE_URL": "http://127.0.0.1:1/", "IOTAUTH_REQUEST_TIMEOUT": "5s",
				"IOTAUTH_MAX_RETRIES": "0", "IOTAUTH_RETRY_MAX_WAIT": "0s", "IOTAUTH_SESSION_MAX_AGE": "2h",
				"IOTAUTH_BIENPORT_REMEMBER_ME": "true", "IOTAUTH_BIENPORT_USERNAME": "905554447788",
				"IOTAUTH_INSECURE": "true",
			},
			check: func(t *testing.T, c providerConfig) {
				m := c.accounts[mock.Monogoto]
				if m.Username != "env@example.com" || m.Password != "env-pw" || m.BaseURL != "http://127.0.0.1:1" || !m.configured() {
					t.Errorf("monogoto = %+v", m)
				}
				b := c.accounts[mock.Bienport]
				if !b.BoolOption("remember_me") || b.Username != "905554447788" || b.Password != "" {
					t.Errorf("bienport = %+v", b)
				}
				s := c.shared
				if s.Timeout != 5*time.Second || s.MaxRetries != 0 || s.RetryMaxWait != 0 || s.SessionMaxAge != 2*time.Hour ||
					!s.Insecure || !c.insecureFromEnv {
					t.Errorf("shared = %+v", s)
				}
			},
		},
		{
			name: "configuration wins over environment",
			vals: map[string]any{
				"monogoto":        map[string]any{"username": "cfg@example.com", "password": "cfg-pw"},
				"request_timeout": "7s", "max_retries": 5, "insecure": false,
			},
			env: map[string]string{
				"IOTAUTH_MONOGOTO_USERNAME": "env@example.com", "IOTAUTH_MONOGOTO_PASSWORD": "env-pw",
				"IOTAUTH_REQUEST_TIMEOUT": "5s", "IOTAUTH_MAX_RETRIES": "1", "IOTAUTH_INSECURE": "true",
			},
			check: func(t *testing.T, c providerConfig) {
				m := c.accounts[mock.Monogoto]
				if m.Username != "cfg@example.com" || m.Password != "cfg-pw" {
					t.Errorf("monogoto = %+v", m)
				}
				if c.shared.Timeout != 7*time.Second || c.shared.MaxRetries != 5 || c.shared.Insecure || c.insecureFromEnv {
					t.Errorf("shared = %+v", c.shared)
				}
			},
		},
		{
			name: "mixed: user name from configuration, password from environment",
			vals: map[string]any{"coiote": map[string]any{"username": "ops"}},
			env:  map[string]string{"IOTAUTH_COIOTE_PASSWORD": "env-pw", "IOTAUTH_COIOTE_REALM": "acme"},
			check: func(t *testing.T, c providerConfig) {
				s := c.accounts[mock.Coiote]
				if s.Username != "ops" || s.Password != "env-pw" || s.Option("realm") != "acme" {
					t.Errorf("coiote = %+v", s)
				}
			},
		},
		{
			name: "a client ID selects client credentials",
			vals: map[string]any{"coiote": map[string]any{"username": "ops", "password": "pw", "client_id": "svc"}},
			env:  map[string]string{"IOTAUTH_COIOTE_CLIENT_SECRET": "s3cret"},
			check: func(t *testing.T, c providerConfig) {
				s := c.accounts[mock.Coiote]
				if s.Kind() != platform.ClientCredentials || s.ClientSecret != "s3cret" || s.Username != "" || s.Password != "" {
					t.Errorf("coiote = %+v", s)
				}
			},
		},
		{
			name: "empty environment variables count as unset",
			env:  map[string]string{"IOTAUTH_MONOGOTO_USERNAME": "", "IOTAUTH_REQUEST_TIMEOUT": ""},
			check: func(t *testing.T, c providerConfig) {
				if c.accounts[mock.Monogoto].configured() || c.shared.Timeout != 30*time.Second {
					t.Errorf("got %+v %+v", c.accounts[mock.Monogoto], c.shared)
				}
			},
		},
		{
			name: "unknown values are not errors: they mark their settings unknown",
			vals: map[string]any{
				"bienport":        map[string]any{"password": tftypes.UnknownValue},
				"coiote":          tftypes.UnknownValue,
				"request_timeout": tftypes.UnknownValue,
			},
			check: func(t *testing.T, c providerConfig) {
				if !c.accounts[mock.Bienport].unknown || !c.accounts[mock.Coiote].unknown || !c.sharedUnknown {
					t.Errorf("not unknown: %+v", c)
				}
				if c.accounts[mock.Monogoto].unknown {
					t.Error("monogoto unknown")
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, d := readTestConfig(t, c.env, c.vals)
			if d.HasError() {
				t.Fatal(d)
			}
			c.check(t, got)
		})
	}
}

// TestReadConfigEnvErrors checks that environment values are validated
// with the schema's rules, in diagnostics naming the variable and never
// repeating a secret. A shared setting's error fails the configuration; a
// platform's is kept for the blocks that use the platform.
func TestReadConfigEnvErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env      map[string]string
		platform platform.Name // "" for a shared setting
		want     string
	}{
		{map[string]string{"IOTAUTH_MONOGOTO_BASE_URL": "console.monogoto.io"}, mock.Monogoto,
			`Environment variable IOTAUTH_MONOGOTO_BASE_URL must be an absolute URL starting with http:// or https://, got "console.monogoto.io".`},
		{map[string]string{"IOTAUTH_COIOTE_BASE_URL": "https://eu.iot.avsystem.cloud/#x"}, mock.Coiote,
			`Environment variable IOTAUTH_COIOTE_BASE_URL must not contain a fragment`},
		{map[string]string{"IOTAUTH_COIOTE_BASE_URL": "https://eu.iot.avsystem.cloud:99999"}, mock.Coiote,
			`Environment variable IOTAUTH_COIOTE_BASE_URL must have a port between 1 and 65535`},
		{map[string]string{"IOTAUTH_BIENPORT_BASE_URL": "https://u:hunter22@x.example"}, mock.Bienport,
			"Environment variable IOTAUTH_BIENPORT_BASE_URL must not contain a user name or password"},
		{map[string]string{"IOTAUTH_REQUEST_TIMEOUT": "-1s"}, "",
			`Environment variable IOTAUTH_REQUEST_TIMEOUT must be a duration between 1s and 10m, got "-1s".`},
		{map[string]string{"IOTAUTH_RETRY_MAX_WAIT": "2h"}, "",
			`Environment variable IOTAUTH_RETRY_MAX_WAIT must be a duration between 0s and 1h, got "2h".`},
		{map[string]string{"IOTAUTH_SESSION_MAX_AGE": "10s"}, "",
			`Environment variable IOTAUTH_SESSION_MAX_AGE must be a duration between 1m and 24h, got "10s".`},
		{map[string]string{"IOTAUTH_MAX_RETRIES": "99"}, "",
			"Environment variable IOTAUTH_MAX_RETRIES must be between 0 and 10, got 99."},
		{map[string]string{"IOTAUTH_INSECURE": "yes"}, "",
			`Environment variable IOTAUTH_INSECURE must be true or false, got "yes".`},
		{map[string]string{"IOTAUTH_BIENPORT_REMEMBER_ME": "maybe"}, mock.Bienport,
			`Environment variable IOTAUTH_BIENPORT_REMEMBER_ME must be true or false, got "maybe".`},
		{map[string]string{"IOTAUTH_CA_CERT_PEM": "not a cert"}, "",
			"Environment variable IOTAUTH_CA_CERT_PEM must contain at least one PEM-encoded certificate"},
		{map[string]string{"IOTAUTH_MONOGOTO_API_VERSION": "v2"}, mock.Monogoto,
			`Environment variable IOTAUTH_MONOGOTO_API_VERSION must be one of "legacy", "v1", got "v2".`},
		{map[string]string{"IOTAUTH_MONOGOTO_PASSWORD": "   "}, mock.Monogoto,
			"Environment variable IOTAUTH_MONOGOTO_PASSWORD must not be only white space."},
	}
	for _, c := range cases {
		cfg, d := readTestConfig(t, c.env, nil)
		if c.platform != "" {
			if d.HasError() {
				t.Errorf("%v: a platform's variable failed the whole configuration: %v", c.env, d)
				continue
			}
			d = cfg.accounts[c.platform].problems
		}
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

func TestUserAgent(t *testing.T) {
	t.Parallel()
	if got := userAgent("1.2.3", "1.11.4"); got != "terraform-provider-iotauth/1.2.3 (+https://registry.terraform.io/providers/iotauth/iotauth) Terraform/1.11.4" {
		t.Fatalf("userAgent = %q", got)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	if got := redact("a secret1 b secret1 abc", "secret1", "", "abc"); got != "a *** b *** abc" {
		t.Fatalf("redact = %q", got)
	}
	// Any case: a platform may echo a password upper-cased (issue 13).
	if got := redact("A SECRET1 b Secret1", "secret1"); got != "A *** b ***" {
		t.Errorf("redact in capitals = %q", got)
	}
	if got := redact("x.y*z (a+b)", "y*z (a+"); got != "x.***b)" {
		t.Errorf("redact of a secret with regexp characters = %q", got)
	}
}

package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// testCertPEM returns a freshly generated self-signed certificate, PEM-encoded.
func testCertPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "iotauth test CA"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IsCA:         true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// wantProblem checks a check function's answer got: want "" means valid,
// anything else a substring of the problem. call names the call.
func wantProblem(t *testing.T, call, got, want string) {
	t.Helper()
	if want == "" && got != "" {
		t.Errorf("%s = %q, want valid", call, got)
	}
	if want != "" && !strings.Contains(got, want) {
		t.Errorf("%s = %q, want it to contain %q", call, got, want)
	}
}

func TestCheckBaseURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want string // "" = valid; otherwise a substring of the problem
	}{
		{"https://console.monogoto.io", ""},
		{"http://127.0.0.1:8080", ""},
		{"https://apigw.bienport.com/api", ""},
		{"https://apigw.bienport.com/api/", ""},
		{"HTTPS://EXAMPLE.COM", ""},
		{"", "must not be empty"},
		{"   ", "must not be only white space"},
		{"console.monogoto.io", `must be an absolute URL starting with http:// or https://, got "console.monogoto.io"`},
		{"localhost:8080", "must be an absolute URL starting with http:// or https://"},
		{"ftp://example.com", `must be an absolute URL starting with http:// or https://, got "ftp://example.com"`},
		{"https://exa mple.com", `must not contain white space, got "https://exa mple.com"`},
		{" https://example.com", "must not contain white space"},
		{"https://example.com/#frag", `must not contain a fragment ("#..."), got "https://example.com/#frag"`},
		{"https://example.com/#", "must not contain a fragment"},
		{"https://example.com/?a=b", `must not contain a query string ("?..."), got "https://example.com/?a=b"`},
		{"https://example.com/?", "must not contain a query string"},
		{"https://user:secret@example.com", "must not contain a user name or password"},
		{"https:///path", "must include a host name"},
		{"https://", "must include a host name"},
		{"https://example.com:port", "must be a valid absolute URL"},
	}
	for _, c := range cases {
		got := checkBaseURL(c.in)
		wantProblem(t, fmt.Sprintf("checkBaseURL(%q)", c.in), got, c.want)
		if strings.Contains(c.in, "secret") && strings.Contains(got, "secret") {
			t.Errorf("checkBaseURL(%q) repeats the user-info: %q", c.in, got)
		}
	}
}

func TestCheckDuration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in     string
		lo, hi time.Duration
		want   string
	}{
		{"30s", time.Second, 10 * time.Minute, ""},
		{"1s", time.Second, 10 * time.Minute, ""},
		{"10m", time.Second, 10 * time.Minute, ""},
		{"0s", 0, time.Hour, ""},
		{"1h30m", time.Minute, 24 * time.Hour, ""},
		{"-5s", time.Second, 10 * time.Minute, `must be a duration between 1s and 10m, got "-5s"`},
		{"999h", time.Second, 10 * time.Minute, `must be a duration between 1s and 10m, got "999h"`},
		{"500ms", time.Second, 10 * time.Minute, "must be a duration between 1s and 10m"},
		{"30", time.Second, 10 * time.Minute, `must be a duration with a unit, such as "30s", "2m" or "1h", got "30"`},
		{"soon", time.Second, 10 * time.Minute, "must be a duration with a unit"},
		{"", time.Second, 10 * time.Minute, "must not be empty"},
		{"25h", time.Minute, 24 * time.Hour, "must be a duration between 1m and 24h"},
	}
	for _, c := range cases {
		wantProblem(t, fmt.Sprintf("checkDuration(%q)", c.in), checkDuration(c.in, c.lo, c.hi), c.want)
	}
}

func TestCheckPEMCertificate(t *testing.T) {
	t.Parallel()
	good := testCertPEM(t)
	cases := []struct {
		name, in, want string
	}{
		{"one certificate", good, ""},
		{"two certificates with text around", "# my CA\n" + good + "\n" + good, ""},
		{"not PEM", "hello", "must contain at least one PEM-encoded certificate"},
		{"empty", "", "must contain at least one PEM-encoded certificate"},
		{"a key, not a certificate", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "must contain at least one PEM-encoded certificate"},
		{"garbage certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a valid X.509 certificate"},
	}
	for _, c := range cases {
		wantProblem(t, "checkPEMCertificate of "+c.name, checkPEMCertificate(c.in), c.want)
	}
}

func TestCheckNotBlankAndText(t *testing.T) {
	t.Parallel()
	if got := checkNotBlank("x"); got != "" {
		t.Errorf("checkNotBlank(x) = %q", got)
	}
	if got := checkNotBlank("\t\n"); got != "must not be only white space" {
		t.Errorf("checkNotBlank(ws) = %q", got)
	}
	if b, p := parseBoolText(" TRUE "); !b || p != "" {
		t.Errorf("parseBoolText(TRUE) = %v, %q", b, p)
	}
	if _, p := parseBoolText("yes"); p != `must be true or false, got "yes"` {
		t.Errorf("parseBoolText(yes) = %q", p)
	}
	if n, p := parseIntText("7", 0, 10); n != 7 || p != "" {
		t.Errorf("parseIntText(7) = %d, %q", n, p)
	}
	if _, p := parseIntText("99", 0, 10); p != "must be between 0 and 10, got 99" {
		t.Errorf("parseIntText(99) = %q", p)
	}
	if _, p := parseIntText("many", 0, 10); p != `must be a whole number between 0 and 10, got "many"` {
		t.Errorf("parseIntText(many) = %q", p)
	}
	for d, want := range map[time.Duration]string{0: "0s", time.Second: "1s", 10 * time.Minute: "10m", 24 * time.Hour: "24h", 1500 * time.Millisecond: "1.5s"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestStringValidators runs the schema validators as the framework does:
// the message names the attribute path, and null or unknown values pass.
func TestStringValidators(t *testing.T) {
	t.Parallel()
	at := path.Root("monogoto").AtName("base_url")
	cases := []struct {
		name string
		v    validator.String
		in   types.String
		want string
	}{
		{"url ok", baseURL(), types.StringValue("https://x.example"), ""},
		{"url null", baseURL(), types.StringNull(), ""},
		{"url unknown", baseURL(), types.StringUnknown(), ""},
		{"url bad", baseURL(), types.StringValue("ftp://x"), `Attribute monogoto.base_url must be an absolute URL starting with http:// or https://, got "ftp://x".`},
		{"blank", notBlank(), types.StringValue(""), "Attribute monogoto.base_url must not be empty."},
		{"blank unknown", notBlank(), types.StringUnknown(), ""},
		{"duration", durationBetween(time.Second, time.Minute), types.StringValue("2m"), `Attribute monogoto.base_url must be a duration between 1s and 1m, got "2m".`},
		{"pem", pemCertificate(), types.StringValue("nope"), "Attribute monogoto.base_url must contain at least one PEM-encoded certificate"},
		{"pem unknown", pemCertificate(), types.StringUnknown(), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var resp validator.StringResponse
			c.v.ValidateString(t.Context(), validator.StringRequest{Path: at, ConfigValue: c.in}, &resp)
			if c.want == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("unexpected error: %v", resp.Diagnostics)
				}
				return
			}
			if resp.Diagnostics.ErrorsCount() != 1 {
				t.Fatalf("want one error, got %v", resp.Diagnostics)
			}
			if got := resp.Diagnostics.Errors()[0].Detail(); !strings.Contains(got, c.want) {
				t.Fatalf("detail %q does not contain %q", got, c.want)
			}
			if c.v.Description(t.Context()) == "" || c.v.MarkdownDescription(t.Context()) == "" {
				t.Fatal("validator without description")
			}
		})
	}
}

package wire_test

import (
	"strings"
	"testing"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// checkText checks f, which decides how a server's text may be shown,
// against cases: each input and what f must make of it.
func checkText(t *testing.T, name string, f func(string) string, cases map[string]string) {
	t.Helper()
	for in, want := range cases {
		if got := f(in); got != want {
			t.Errorf("%s(%q) = %q, want %q", name, in, got, want)
		}
	}
}

func TestRequestID(t *testing.T) {
	checkText(t, "RequestID", wire.RequestID, map[string]string{
		"":                           "",
		"req-9f8e7d":                 "request ID req-9f8e7d",
		"A.b_C-1":                    "request ID A.b_C-1",
		strings.Repeat("a", 64):      "request ID " + strings.Repeat("a", 64),
		strings.Repeat("a", 65):      wire.RequestIDNotShown,
		"MARKER pw-Q7z9abc":          wire.RequestIDNotShown,
		"abc<script>":                wire.RequestIDNotShown,
		"id\r\nX-Injected: 1":        wire.RequestIDNotShown,
		"ünïcode":                    wire.RequestIDNotShown,
		"MARKER\u00a0pw-Q7z9abc":     wire.RequestIDNotShown,
		"pw-Q7z9abc!":                wire.RequestIDNotShown,
		"pw-Q7z9abc" + "\x00" + "xx": wire.RequestIDNotShown,
	})
}

// TestMediaType: a media type is shown as sent (never lower-cased) when it
// is a plain type/subtype, and not at all otherwise.
func TestMediaType(t *testing.T) {
	checkText(t, "MediaType", wire.MediaType, map[string]string{
		"text/html":                       "text/html",
		"text/html; charset=utf-8":        "text/html",
		"  application/json ; q=1":        "application/json",
		"Text/HTML":                       "Text/HTML",
		"text/Pw-Q7z9abc":                 "text/Pw-Q7z9abc",
		"application/vnd.api+json":        "application/vnd.api+json",
		"":                                "",
		"html":                            "",
		"x-custom/thing":                  "",
		"text/" + strings.Repeat("a", 65): "",
		"text/html; charset=\"Pw Q7\"":    "text/html",
		"text/h tml":                      "",
		"text/html\r\nX: y":               "",
		"MARKER Pw-Q7z9abc":               "",
		"text/(Pw-Q7z9abc)":               "",
	})
}

func TestHost(t *testing.T) {
	cases := []struct{ host, raw, want string }{
		{"other.example:8443", "https://other.example:8443/x", "other.example:8443"},
		{"127.0.0.1:1234", "http://127.0.0.1:1234/", "127.0.0.1:1234"},
		{"[::1]:80", "http://[::1]:80/", "[::1]:80"},
		// url.Parse unescaped it: the header spelt it otherwise.
		{"Pw-Q7z9abc.example", "https://%50w-Q7z9abc.example/", ""},
		{"a b", "http://a b/", ""},
		{"evil.example\r\n", "http://evil.example\r\n/", ""},
		{"user@host", "http://user@host/", ""},
		{"", "", ""},
	}
	for _, c := range cases {
		if got := wire.Host(c.host, c.raw); got != c.want {
			t.Errorf("Host(%q, %q) = %q, want %q", c.host, c.raw, got, c.want)
		}
	}
}

func TestFieldPath(t *testing.T) {
	checkText(t, "FieldPath", wire.FieldPath, map[string]string{
		"token":                   "token",
		"UserProfile.Permissions": "UserProfile.Permissions",
		"a.b c":                   "",
		"Permissions.pw-Q7z9abc":  "",
		"":                        "",
	})
}

// TestDecodeJSONContentTypeNotAltered: a content type that echoes a secret
// reaches the message as sent or not at all, never lower-cased or
// stripped, so that redaction of the final text still finds it (issue 13,
// item 5: it used to appear lower-cased).
func TestDecodeJSONContentTypeNotAltered(t *testing.T) {
	const secret = "Pw-Q7z9ABC"
	for _, ct := range []string{
		"text/" + secret,
		"TEXT/" + secret + "; charset=utf-8",
		"text/plain; marker=" + secret,
		"MARKER " + secret,
		"text/" + secret + "!(",
	} {
		var v map[string]any
		err := wire.DecodeJSON([]byte("<html>"+secret+"</html>"), ct, &v)
		if err == nil {
			t.Fatalf("%q: no error", ct)
		}
		msg := err.Error()
		lower := strings.ToLower(secret)
		if strings.Contains(msg, lower) || strings.Contains(msg, strings.ReplaceAll(secret, "-", "")) {
			t.Errorf("%q: the message holds an altered copy of the secret: %q", ct, msg)
		}
		if strings.Contains(ct, "marker=") && strings.Contains(msg, secret) {
			t.Errorf("%q: a parameter reached the message: %q", ct, msg)
		}
	}
	var v map[string]any
	err := wire.DecodeJSON([]byte("<html>"), "x-weird/thing", &v)
	if err == nil || !strings.Contains(err.Error(), "content type not shown") {
		t.Errorf("%v", err)
	}
}

package platform_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

const (
	testPassword     = "hunter2-Pa55w0rd!"
	testToken        = "tok-eyJhbGciOiJIUzI1NiJ9.secret-body.sig"
	testRefreshToken = "refresh-eyJ0eXAiOiJKV1QifQ.rotating.sig"
	testMQTTPassword = "XFAYdhtDquax/rtofHjqCw=="
	testClientSecret = "client-secret-0f9e8d7c"
	testAPIKey       = "api-key-7c6b5a49"
)

// allKinds lists every declared kind, so that a new kind without a name or a
// hint fails the tests below.
var allKinds = []platform.Kind{
	platform.KindUnknown, platform.KindBadCredentials, platform.KindTokenRejected,
	platform.KindForbidden, platform.KindNotFound, platform.KindRateLimited,
	platform.KindServer, platform.KindTimeout, platform.KindUnreachable,
	platform.KindTLS, platform.KindMalformed, platform.KindTooLarge,
	platform.KindRedirect, platform.KindUnexpectedStatus, platform.KindInvalidConfig,
	platform.KindInterrupted,
}

// titles are the registered platforms' titles, as errors name them.
func titles() []string {
	var out []string
	for _, info := range clients.Platforms() {
		out = append(out, info.Title)
	}
	return out
}

func TestInfoHelpers(t *testing.T) {
	info := platform.Info{
		Credentials: []platform.CredentialKind{platform.Password},
		Settings:    []platform.Setting{{Name: "realm", Default: "r"}},
	}
	if !info.Accepts(platform.Password) || info.Accepts(platform.ClientCredentials) {
		t.Error("Accepts")
	}
	if s, ok := info.Setting("realm"); !ok || s.Default != "r" {
		t.Errorf("Setting(realm) = %+v, %v", s, ok)
	}
	if _, ok := info.Setting("other"); ok {
		t.Error("Setting(other) found")
	}
}

func TestCredentialsKindAndOptions(t *testing.T) {
	pw := platform.Credentials{Username: "u", Password: testPassword, Options: map[string]string{"remember_me": "true", "api_version": "v1"}}
	if pw.Kind() != platform.Password || pw.Option("api_version") != "v1" || !pw.BoolOption("remember_me") {
		t.Errorf("kind %v, options %v", pw.Kind(), pw.Options)
	}
	if pw.Option("missing") != "" || pw.BoolOption("api_version") || (platform.Credentials{}).BoolOption("remember_me") {
		t.Error("a missing or non-boolean option reads as set")
	}
	for _, cc := range []platform.Credentials{{ClientID: "svc"}, {ClientSecret: testClientSecret}} {
		if cc.Kind() != platform.ClientCredentials {
			t.Errorf("%#v: Kind = %v", cc, cc.Kind())
		}
	}
	// An API key wins over whatever else is set (the provider clears the
	// rest); it names no principal.
	for _, cc := range []platform.Credentials{{APIKey: testAPIKey}, {APIKey: testAPIKey, Username: "u", ClientID: "svc"}} {
		if cc.Kind() != platform.APIKey || cc.Principal() != "" {
			t.Errorf("%#v: Kind = %v, Principal = %q", cc, cc.Kind(), cc.Principal())
		}
	}
	got := (platform.Credentials{Password: testPassword, ClientSecret: testClientSecret, APIKey: testAPIKey}).Secrets()
	if !reflect.DeepEqual(got, []string{testPassword, testClientSecret, testAPIKey}) {
		t.Errorf("Secrets() = %d values, want the password, the client secret and the API key", len(got))
	}
}

func TestNormalizeBaseURL(t *testing.T) {
	cases := map[string]string{
		"https://x.example/api/":    "https://x.example/api",
		"  https://x.example//  \n": "https://x.example",
		"https://x.example":         "https://x.example",
		"":                          "",
	}
	for in, want := range cases {
		if got := platform.NormalizeBaseURL(in); got != want {
			t.Errorf("NormalizeBaseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKindString(t *testing.T) {
	seen := map[string]platform.Kind{}
	for _, k := range allKinds {
		s := k.String()
		if s == "" || strings.HasPrefix(s, "kind(") {
			t.Errorf("kind %d has no name: %q", int(k), s)
		}
		if prev, dup := seen[s]; dup {
			t.Errorf("kinds %d and %d share the name %q", int(prev), int(k), s)
		}
		seen[s] = k
	}
	if got := platform.Kind(999).String(); got != "kind(999)" {
		t.Errorf("Kind(999).String() = %q", got)
	}
}

func TestErrorMessageEveryKind(t *testing.T) {
	for _, p := range titles() {
		for _, k := range allKinds {
			e := &platform.Error{
				Kind: k, Platform: p, User: "alice@example.com", Op: "login",
				Status: 401, Attempts: 3, RetryAfter: 90 * time.Second,
				Field: "token", Detail: "something happened",
				Err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused"),
			}
			msg := e.Error()
			for _, want := range []string{p, `"alice@example.com"`, "login", k.String(), "HTTP 401", "after 3 attempts", `field "token"`, "connection refused"} {
				if !strings.Contains(msg, want) {
					t.Errorf("%s/%s: %q lacks %q", p, k, msg, want)
				}
			}
			for _, secret := range []string{testPassword, testToken} {
				if strings.Contains(msg, secret) {
					t.Errorf("%s/%s: message holds a secret: %q", p, k, msg)
				}
			}
			if e.Hint() == "" {
				t.Errorf("%s/%s: empty hint", p, k)
			}
		}
	}
}

func TestErrorMessageShape(t *testing.T) {
	cases := []struct {
		name string
		err  *platform.Error
		want string
	}{
		{
			name: "minimal",
			err:  &platform.Error{Kind: platform.KindServer},
			want: "request failed: server error",
		},
		{
			name: "full",
			err: &platform.Error{Kind: platform.KindBadCredentials, Platform: "BienPort", User: "bienport.demo",
				Op: "login", Status: 401, Attempts: 1, Detail: "the platform refused the user name and password (HTTP 401)"},
			want: `BienPort login for user "bienport.demo" failed: invalid credentials: the platform refused the user name and password (HTTP 401)`,
		},
		{
			name: "status already in detail, single attempt",
			err: &platform.Error{Kind: platform.KindNotFound, Platform: "Monogoto", User: "demo@monogoto.io",
				Op: "login", Status: 404, Attempts: 1, Detail: "the endpoint /Auth was not found (HTTP 404)"},
			want: `Monogoto login for user "demo@monogoto.io" failed: endpoint not found: the endpoint /Auth was not found (HTTP 404)`,
		},
		{
			name: "field in detail is not repeated",
			err:  &platform.Error{Kind: platform.KindMalformed, Platform: "Coiote IoT DM", Field: "access_token", Detail: `the answer has no "access_token"`},
			want: `Coiote IoT DM request failed: malformed response: the answer has no "access_token"`,
		},
		{
			name: "field without detail",
			err:  &platform.Error{Kind: platform.KindMalformed, Field: "expires_in"},
			want: `request failed: malformed response (field "expires_in")`,
		},
		{
			name: "attempts and cause",
			err:  &platform.Error{Kind: platform.KindServer, Op: "profile request", Status: 503, Attempts: 4, Err: io.ErrUnexpectedEOF},
			want: "profile request failed: server error (HTTP 503) after 4 attempts: unexpected EOF",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() =\n  %q\nwant\n  %q", got, tc.want)
			}
		})
	}
}

func TestHint(t *testing.T) {
	rl := &platform.Error{Kind: platform.KindRateLimited, RetryAfter: 90 * time.Second}
	if h := rl.Hint(); !strings.Contains(h, "1m30s") || !strings.Contains(h, "retry_max_wait") {
		t.Errorf("rate-limit hint = %q", h)
	}
	if h := (&platform.Error{Kind: platform.KindRateLimited}).Hint(); !strings.Contains(h, "max_retries") {
		t.Errorf("rate-limit hint without Retry-After = %q", h)
	}
	if h := (&platform.Error{Kind: platform.KindTLS}).Hint(); !strings.Contains(h, "ca_cert_pem") {
		t.Errorf("TLS hint = %q", h)
	}
	if h := (&platform.Error{Kind: platform.KindBadCredentials}).Hint(); !strings.Contains(h, "only once") {
		t.Errorf("bad-credentials hint = %q", h)
	}
	if h := (&platform.Error{Kind: platform.KindUnknown}).Hint(); !strings.Contains(h, "TF_LOG=DEBUG") {
		t.Errorf("default hint = %q", h)
	}
	// A platform's own advice replaces the kind's general hint.
	if h := (&platform.Error{Kind: platform.KindBadCredentials, Advice: "Ask an administrator."}).Hint(); h != "Ask an administrator." {
		t.Errorf("hint with advice = %q", h)
	}
	if h := (&platform.Error{Kind: platform.KindTLS, Advice: "use https://"}).Hint(); h != "use https://" {
		t.Errorf("Advice does not replace the kind's hint: %q", h)
	}
}

// TestHintNamesTheCredentials: a refused service account is told to check
// its client ID and secret, not a user name and password (issue 13).
func TestHintNamesTheCredentials(t *testing.T) {
	pw := (&platform.Error{Kind: platform.KindBadCredentials, Credentials: platform.Password}).Hint()
	if !strings.Contains(pw, "user name and password") || strings.Contains(pw, "client") {
		t.Errorf("password hint = %q", pw)
	}
	cc := (&platform.Error{Kind: platform.KindBadCredentials, Credentials: platform.ClientCredentials}).Hint()
	if !strings.Contains(cc, "client ID and client secret") || !strings.Contains(cc, "client_id") ||
		strings.Contains(cc, "user name") || strings.Contains(cc, "password") {
		t.Errorf("client-credentials hint = %q", cc)
	}
}

// TestInterruptedIsNotAnUnknownError: a cancelled context (Ctrl-C) says
// that the run was interrupted, not "unknown error ... check base_url".
func TestInterruptedIsNotAnUnknownError(t *testing.T) {
	e, _ := platform.AsError(platform.Annotate(fmt.Errorf("waiting: %w", context.Canceled), "BienPort", "u", "login"))
	if e.Kind != platform.KindInterrupted || !strings.Contains(e.Error(), "interrupted") ||
		strings.Contains(e.Hint(), "base_url") || !strings.Contains(e.Hint(), "run the command again") {
		t.Errorf("%v / hint %q", e, e.Hint())
	}
	d, _ := platform.AsError(platform.Annotate(context.DeadlineExceeded, "BienPort", "u", "login"))
	if d.Kind != platform.KindTimeout {
		t.Errorf("deadline: %v", d)
	}
}

// TestLongUserNamesAreCut: a 200 KB user name is not repeated whole in a
// message (issue 13); QuoteName cuts it on a rune boundary and says how
// long it was.
func TestLongUserNamesAreCut(t *testing.T) {
	long := strings.Repeat("é", 100*1024) // 200 KB
	msg := (&platform.Error{Kind: platform.KindBadCredentials, Platform: "BienPort", User: long, Op: "login"}).Error()
	if len(msg) > 400 || !strings.Contains(msg, "(204800 bytes)") || !utf8.ValidString(msg) {
		t.Errorf("message of %d bytes: %.300q", len(msg), msg)
	}
	if got := platform.QuoteName("short"); got != `"short"` {
		t.Errorf("QuoteName(short) = %s", got)
	}
	if got := platform.QuoteName(strings.Repeat("a", 81)); got != `"`+strings.Repeat("a", 80)+`"… (81 bytes)` {
		t.Errorf("QuoteName(81 bytes) = %s", got)
	}
}

func TestAsErrorIsKindUnwrap(t *testing.T) {
	base := &platform.Error{Kind: platform.KindTimeout, Err: context.DeadlineExceeded}
	wrapped := fmt.Errorf("outer: %w", base)

	e, ok := platform.AsError(wrapped)
	if !ok || e != base {
		t.Fatalf("AsError(wrapped) = %v, %v", e, ok)
	}
	if !platform.IsKind(wrapped, platform.KindTimeout) {
		t.Error("IsKind(wrapped, KindTimeout) = false")
	}
	if platform.IsKind(wrapped, platform.KindServer) {
		t.Error("IsKind(wrapped, KindServer) = true")
	}
	if platform.IsKind(errors.New("plain"), platform.KindUnknown) {
		t.Error("IsKind(plain error) = true")
	}
	if platform.IsKind(nil, platform.KindUnknown) {
		t.Error("IsKind(nil) = true")
	}
	if _, ok := platform.AsError(errors.New("plain")); ok {
		t.Error("AsError(plain) = true")
	}
	if !errors.Is(wrapped, context.DeadlineExceeded) {
		t.Error("the cause is not reachable through Unwrap")
	}
}

func TestAnnotate(t *testing.T) {
	if platform.Annotate(nil, "Coiote IoT DM", "u", "login") != nil {
		t.Fatal("Annotate(nil) != nil")
	}

	orig := &platform.Error{Kind: platform.KindServer, Status: 502, Attempts: 2}
	got := platform.Annotate(orig, "Coiote IoT DM", "ops@acme.example", "login")
	e, ok := platform.AsError(got)
	if !ok {
		t.Fatalf("Annotate returned %T", got)
	}
	if e == orig {
		t.Error("Annotate modified the original error instead of copying it")
	}
	if orig.Platform != "" || orig.User != "" || orig.Op != "" {
		t.Errorf("original error was modified: %+v", orig)
	}
	if e.Kind != platform.KindServer || e.Platform != "Coiote IoT DM" || e.User != "ops@acme.example" ||
		e.Op != "login" || e.Status != 502 || e.Attempts != 2 {
		t.Errorf("annotated = %+v", e)
	}

	// Existing values win.
	pre := &platform.Error{Kind: platform.KindTokenRejected, Platform: "BienPort", User: "first", Op: "profile request"}
	e2, _ := platform.AsError(platform.Annotate(pre, "Coiote IoT DM", "second", "login"))
	if e2.Platform != "BienPort" || e2.User != "first" || e2.Op != "profile request" {
		t.Errorf("Annotate overwrote existing values: %+v", e2)
	}

	// A foreign error becomes KindUnknown and stays reachable.
	cause := errors.New("json: unsupported value")
	e3, ok := platform.AsError(platform.Annotate(cause, "Monogoto", "demo", "login"))
	if !ok || e3.Kind != platform.KindUnknown || e3.Platform != "Monogoto" || e3.User != "demo" || e3.Op != "login" {
		t.Fatalf("Annotate(foreign) = %+v", e3)
	}
	if !errors.Is(e3, cause) {
		t.Error("foreign cause not reachable")
	}
}

func TestMalformed(t *testing.T) {
	e := platform.Malformed("token", "the answer has no \"token\" field")
	if e.Kind != platform.KindMalformed || e.Field != "token" || e.Detail != "the answer has no \"token\" field" {
		t.Errorf("Malformed = %+v", e)
	}
}

func TestCredentialsPrincipalAndString(t *testing.T) {
	cr := platform.Credentials{Platform: "coiote", BaseURL: "https://eu.iot.avsystem.cloud",
		Username: "ops@acme.example", Password: testPassword}
	if cr.Principal() != "ops@acme.example" {
		t.Errorf("Principal() = %q", cr.Principal())
	}
	sa := platform.Credentials{Platform: "coiote", BaseURL: "https://eu.iot.avsystem.cloud",
		ClientID: "svc-terraform", ClientSecret: testClientSecret, Username: "ignored", Password: testPassword}
	if sa.Principal() != "svc-terraform" {
		t.Errorf("service account Principal() = %q", sa.Principal())
	}
	if want := `coiote credentials for "ops@acme.example" at https://eu.iot.avsystem.cloud`; cr.String() != want {
		t.Errorf("String() = %q, want %q", cr.String(), want)
	}
	key := platform.Credentials{Platform: "thingsboard", BaseURL: "https://thingsboard.cloud", APIKey: testAPIKey}
	if want := "thingsboard API key credentials at https://thingsboard.cloud"; key.String() != want {
		t.Errorf("API key String() = %q, want %q", key.String(), want)
	}
	for _, c := range []platform.Credentials{cr, sa, key} {
		for _, s := range formatAll(c) {
			if strings.Contains(s, testPassword) || strings.Contains(s, testClientSecret) || strings.Contains(s, testAPIKey) {
				t.Errorf("formatted credentials hold a secret: %q", s)
			}
		}
		for _, s := range formatAll(&c) {
			if strings.Contains(s, testPassword) || strings.Contains(s, testClientSecret) || strings.Contains(s, testAPIKey) {
				t.Errorf("formatted *credentials hold a secret: %q", s)
			}
		}
	}
}

func formatAll(v any) []string {
	return []string{
		fmt.Sprint(v),
		fmt.Sprintf("%v", v),
		fmt.Sprintf("%+v", v),
		fmt.Sprintf("%#v", v),
		fmt.Sprintf("%s", v),
		fmt.Sprintf("%q", v),
		fmt.Sprintf("%v", []any{v}),
		fmt.Sprintf("%+v", struct{ Inner any }{v}),
		fmt.Sprintf("%#v", map[string]any{"k": v}),
	}
}

func secretSession() *platform.Session {
	return &platform.Session{
		Platform:     "bienport",
		BaseURL:      "https://apigw.bienport.com/api",
		Username:     "bienport.demo",
		Token:        testToken,
		TokenType:    "Bearer",
		ExpiresAt:    time.Date(2025, 11, 23, 16, 53, 37, 0, time.UTC),
		ObtainedAt:   time.Date(2025, 8, 25, 16, 53, 37, 0, time.UTC),
		RefreshToken: testRefreshToken,
		MQTTUsername: "mqttuser",
		MQTTPassword: testMQTTPassword,
		Profile:      platform.Profile{UserID: "20641", OrganizationIDs: []string{"20635"}},
	}
}

func TestSessionFormattingHidesSecrets(t *testing.T) {
	s := secretSession()
	want := `bienport session for "bienport.demo" (expires 2025-11-23T16:53:37Z)`
	if s.String() != want {
		t.Errorf("String() = %q, want %q", s.String(), want)
	}
	if s.GoString() != want {
		t.Errorf("GoString() = %q, want %q", s.GoString(), want)
	}
	unknown := &platform.Session{Platform: "monogoto", Username: "demo@monogoto.io", Token: testToken}
	if got := unknown.String(); got != `monogoto session for "demo@monogoto.io" (expires unknown)` {
		t.Errorf("String() without expiry = %q", got)
	}

	check := func(label string, outs []string) {
		t.Helper()
		for _, out := range outs {
			for _, secret := range []string{testToken, testRefreshToken, testMQTTPassword} {
				if strings.Contains(out, secret) {
					t.Errorf("%s: formatted session holds a secret: %q", label, out)
				}
			}
		}
	}
	check("pointer", formatAll(s))
	// A Session value printed by mistake (a dereferenced pointer, or a
	// struct that holds a Session by value) must be just as safe.
	check("value", formatAll(*s))
	check("nested value", []string{fmt.Sprintf("%+v", struct{ S platform.Session }{*s})})
}

func TestAuthorizationHeaderAndSecrets(t *testing.T) {
	s := &platform.Session{Token: "abc"}
	if got := s.AuthorizationHeader(); got != "Bearer abc" {
		t.Errorf("AuthorizationHeader() = %q", got)
	}
	s.TokenType = "JWT"
	if got := s.AuthorizationHeader(); got != "JWT abc" {
		t.Errorf("AuthorizationHeader() with a token type = %q", got)
	}
	key := &platform.Session{Token: testAPIKey, TokenType: "ApiKey"}
	if got := key.AuthorizationHeader(); got != "ApiKey "+testAPIKey || !strings.Contains(strings.Join(key.Secrets(), " "), "ApiKey "+testAPIKey) {
		t.Errorf("an API key session's header %q is not among its secrets", got)
	}
	all := strings.Join(secretSession().Secrets(), " ")
	for _, secret := range []string{testToken, testRefreshToken, testMQTTPassword, "Bearer " + testToken} {
		if !strings.Contains(all, secret) {
			t.Errorf("Secrets() misses %q", secret)
		}
	}
}

func TestProfileHelpers(t *testing.T) {
	p := &platform.Profile{Permissions: map[string][]string{"Users": {"view"}, "API": {"view"}, "Things": nil}}
	if got := p.PermissionNames(); !reflect.DeepEqual(got, []string{"API", "Things", "Users"}) {
		t.Errorf("PermissionNames() = %v", got)
	}
	if got := (&platform.Profile{}).PermissionNames(); len(got) != 0 {
		t.Errorf("empty PermissionNames() = %v", got)
	}
	if got := (&platform.Profile{}).PrimaryOrganizationID(); got != "" {
		t.Errorf("empty PrimaryOrganizationID() = %q", got)
	}
	orgs := &platform.Profile{OrganizationIDs: []string{"20635", "20700"}}
	if got := orgs.PrimaryOrganizationID(); got != "20635" {
		t.Errorf("PrimaryOrganizationID() = %q, want the first", got)
	}
	orgs.OrganizationID = "20700"
	if got := orgs.PrimaryOrganizationID(); got != "20700" {
		t.Errorf("explicit OrganizationID not preferred: %q", got)
	}
}

func TestProfileHoldsNoSecretField(t *testing.T) {
	// The profile lands in Terraform state: neither its own fields nor any
	// platform's extras may have a name that suggests a secret.
	b, err := json.Marshal(platform.Profile{})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{string(b)}
	var walk func([]platform.Field)
	walk = func(fields []platform.Field) {
		for _, f := range fields {
			names = append(names, f.Name)
			walk(f.Fields)
		}
	}
	for _, info := range clients.Platforms() {
		walk(info.ProfileFields)
	}
	for _, name := range names {
		lower := strings.ToLower(name)
		for _, bad := range []string{"password", "token", "secret"} {
			if strings.Contains(lower, bad) {
				t.Errorf("profile field %q suggests a secret", name)
			}
		}
	}
}

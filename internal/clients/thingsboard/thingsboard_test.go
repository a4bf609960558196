package thingsboard

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

const (
	testUser     = "tenant@thingsboard.org"
	testPassword = "ThingsBoard-PW-s3cr3t!"
	testAPIKey   = "tb-api-key-Zx81Qw7Lm2"
	// fixtureAccess and fixtureRefresh are testdata/login.json's pair.
	fixtureAccess  = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ0ZW5hbnRAdGhpbmdzYm9hcmQub3JnIiwidXNlcklkIjoiMmE0ZjVjNjAtOWI2YS0xMWVmLThlNGItM2QxYjRjNWE2ZjcwIiwic2NvcGVzIjpbIlRFTkFOVF9BRE1JTiJdLCJzZXNzaW9uSWQiOiI4YzNiMWYyZS00ZDVhLTRiNmMtOWU3Zi0wYTFiMmMzZDRlNWYiLCJleHAiOjE3NjcyMzQ2MDAsImlzcyI6InRoaW5nc2JvYXJkLmlvIiwiaWF0IjoxNzY3MjI1NjAwLCJmaXJzdE5hbWUiOiJUZW5hbnQiLCJsYXN0TmFtZSI6IkFkbWluIiwiZW5hYmxlZCI6dHJ1ZSwiaXNQdWJsaWMiOmZhbHNlLCJ0ZW5hbnRJZCI6IjFlMGUxYjMwLTliNmEtMTFlZi04ZTRiLTNkMWI0YzVhNmY3MCIsImN1c3RvbWVySWQiOiIxMzgxNDAwMC0xZGQyLTExYjItODA4MC04MDgwODA4MDgwODAifQ.tQSd7V7P70h1OCHuVVja-aCxHM4QYBt4DSD5R4Z6-VC1LxzCrNqCRoiyL--e2YY86sfMR3h6FyZNQ4LbzAE02g"
	fixtureRefresh = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ0ZW5hbnRAdGhpbmdzYm9hcmQub3JnIiwidXNlcklkIjoiMmE0ZjVjNjAtOWI2YS0xMWVmLThlNGItM2QxYjRjNWE2ZjcwIiwic2NvcGVzIjpbIlJFRlJFU0hfVE9LRU4iXSwic2Vzc2lvbklkIjoiOGMzYjFmMmUtNGQ1YS00YjZjLTllN2YtMGExYjJjM2Q0ZTVmIiwiZXhwIjoxNzY3ODMwNDAwLCJpc3MiOiJ0aGluZ3Nib2FyZC5pbyIsImlhdCI6MTc2NzIyNTYwMCwiaXNQdWJsaWMiOmZhbHNlLCJqdGkiOiI1ZjdlNmQ1Yy00YjNhLTQyOTEtOGY3ZS02ZDVjNGIzYTI5MTAifQ.huXVHSCiSgjbVqkRz3gSzOV0GvzfIraZibjlN1atJAzb8cBP2lawxlJn8grQlObZMhESJnVMl4KH_UjrkQwCXQ"
	tenantID       = "1e0e1b30-9b6a-11ef-8e4b-3d1b4c5a6f70"
	userID         = "2a4f5c60-9b6a-11ef-8e4b-3d1b4c5a6f70"
	// additionalInfoMarkers are strings only the fixtures' additionalInfo
	// holds: none may reach a profile.
	additionalInfoMarker = "anything-at-all-7Hq2"
	passwordHistoryHash  = "$2a$10$additionalInfoMustNeverBeSurfaced"
	resetToken           = "rstTok-9QzLx2Wv7Kp4Hs8DfJ3m"
)

// fixtureExpiry is the access token's exp: iat 2026-01-01T00:00:00Z plus
// ThingsBoard's default 2.5 hours.
var fixtureExpiry = time.Date(2026, 1, 1, 2, 30, 0, 0, time.UTC)

func TestDecodePair(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)
	s, pre, err := decodePair(clienttest.ReadFixture(t, "login.json"), "application/json", now)
	if err != nil || pre {
		t.Fatalf("decodePair: %v, pre %v", err, pre)
	}
	if s.Platform != "thingsboard" || s.Token != fixtureAccess || s.TokenType != "Bearer" || s.RefreshToken != fixtureRefresh {
		t.Errorf("session %s, token type %q", s, s.TokenType)
	}
	if !s.ExpiresAt.Equal(fixtureExpiry) || !s.ObtainedAt.Equal(now) {
		t.Errorf("ExpiresAt %v ObtainedAt %v", s.ExpiresAt, s.ObtainedAt)
	}
	want := map[string]string{"X-Authorization": "Bearer " + fixtureAccess}
	if !reflect.DeepEqual(s.Headers, want) {
		t.Errorf("Headers = %v: the token goes in X-Authorization, not Authorization", s.Headers)
	}
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s)} {
		if strings.Contains(out, fixtureAccess) || strings.Contains(out, fixtureRefresh) {
			t.Errorf("a token shows when the session is printed: %s", out)
		}
	}

	// An opaque token (not a JWT) has no known expiry; a null refresh
	// token is none.
	s, _, err = decodePair([]byte(`{"token":" opaque ","refreshToken":null,"scope":null}`), "", now)
	if err != nil || s.Token != "opaque" || !s.ExpiresAt.IsZero() || s.RefreshToken != "" {
		t.Errorf("opaque token: %v, %v", s, err)
	}
}

func TestDecodePairPreVerification(t *testing.T) {
	// The answer's scope, or the token's scopes claim alone, mark a
	// pre-verification token.
	pre2FA := string(clienttest.ReadFixture(t, "login_2fa.json"))
	var withoutScope map[string]any
	if err := json.Unmarshal([]byte(pre2FA), &withoutScope); err != nil {
		t.Fatal(err)
	}
	delete(withoutScope, "scope")
	claimsOnly, _ := json.Marshal(withoutScope)
	for name, body := range map[string]string{
		"fixture":                   pre2FA,
		"scopes claim only":         string(claimsOnly),
		"answer scope only":         `{"token":"opaque","refreshToken":null,"scope":"PRE_VERIFICATION_TOKEN"}`,
		"MFA configuration token":   `{"token":"opaque","scope":"MFA_CONFIGURATION_TOKEN"}`,
		"scope claim, lower case":   `{"token":"` + jwtWith(`{"scope":"pre_verification_token"}`) + `"}`,
		"scopes claim among others": `{"token":"` + jwtWith(`{"scopes":["TENANT_ADMIN","PRE_VERIFICATION_TOKEN"]}`) + `"}`,
	} {
		s, pre, err := decodePair([]byte(body), "application/json", time.Now())
		if err != nil || !pre || s != nil {
			t.Errorf("%s: session %v, pre %v, err %v; want a pre-verification token", name, s, pre, err)
		}
	}
	if _, pre, err := decodePair([]byte(`{"token":"`+jwtWith(`{"scopes":["CUSTOMER_USER"]}`)+`","scope":null}`), "", time.Now()); pre || err != nil {
		t.Errorf("a customer user's token read as pre-verification (%v)", err)
	}
}

// jwtWith is an unsigned JWT with the given claims.
func jwtWith(claims string) string {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	return enc(`{"alg":"none"}`) + "." + enc(claims) + "."
}

func TestDecodePairMalformed(t *testing.T) {
	for body, field := range map[string]string{
		`{}`:                                 "token",
		`{"token":null}`:                     "token",
		`{"token":"  "}`:                     "token",
		`{"token":7}`:                        "token",
		`{"token":"t","refreshToken":false}`: "refreshToken",
		`{"token":"t","scope":["x"]}`:        "scope",
		`<html>Login</html>`:                 "",
		``:                                   "",
	} {
		s, _, err := decodePair([]byte(body), "application/json", time.Now())
		if e := clienttest.Malformed(t, err); s != nil || e.Field != field {
			t.Errorf("%s: got %v, %v (field %q); want field %q", body, s, err, e.Field, field)
		}
	}
}

func TestDecodeUser(t *testing.T) {
	created := func(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
	cases := []struct {
		fixture string
		want    platform.Profile
	}{
		{"user_tenant_admin.json", platform.Profile{
			UserID: userID, UserName: testUser, Email: testUser,
			// A tenant administrator belongs to no customer: the null UUID is null.
			CustomerID: "", OrganizationID: tenantID, OrganizationIDs: []string{tenantID},
			Roles: []string{"TENANT_ADMIN"}, Permissions: map[string][]string{},
			Extras: map[string]any{
				"tenant_id": tenantID, "authority": "TENANT_ADMIN", "first_name": "Tenant", "last_name": "Admin",
				"phone": "+15550100", "created_time": created(1730803200000),
			},
		}},
		{"user_customer_user.json", platform.Profile{
			UserID: "4c6f7e80-9b6a-11ef-8e4b-3d1b4c5a6f70", UserName: "customer@thingsboard.org", Email: "customer@thingsboard.org",
			CustomerID: "3b5e6d70-9b6a-11ef-8e4b-3d1b4c5a6f70", OrganizationID: tenantID, OrganizationIDs: []string{tenantID},
			Roles: []string{"CUSTOMER_USER"}, Permissions: map[string][]string{},
			Extras: map[string]any{
				"tenant_id": tenantID, "authority": "CUSTOMER_USER", "first_name": "", "last_name": "",
				"phone": "", "created_time": created(1730889600000),
			},
		}},
		{"user_sys_admin.json", platform.Profile{
			// The system administrator has neither tenant nor customer.
			UserID: "5d708f90-9b6a-11ef-8e4b-3d1b4c5a6f70", UserName: "sysadmin@thingsboard.org", Email: "sysadmin@thingsboard.org",
			Roles: []string{"SYS_ADMIN"}, Permissions: map[string][]string{},
			Extras: map[string]any{
				"tenant_id": "", "authority": "SYS_ADMIN", "first_name": "", "last_name": "",
				"phone": "", "created_time": created(1730700000000),
			},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			p, err := decodeUser(clienttest.ReadFixture(t, tc.fixture), "application/json")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*p, tc.want) {
				t.Errorf("profile\n  %+v\nwant\n  %+v", *p, tc.want)
			}
			// additionalInfo is free-form: nothing of it reaches the
			// profile, which lands in state.
			pj, _ := json.Marshal(p)
			for _, marker := range []string{additionalInfoMarker, passwordHistoryHash, "Fleet automation", "lastLoginTs"} {
				if strings.Contains(string(pj)+fmt.Sprintf("%#v", p), marker) {
					t.Errorf("the profile holds %q from additionalInfo", marker)
				}
			}
		})
	}
}

func TestDecodeUserMalformed(t *testing.T) {
	for body, field := range map[string]string{
		`{}`:                                    "id",
		`{"id":null}`:                           "id",
		`{"id":{"id":""}}`:                      "id",
		`{"id":"2a4f5c60"}`:                     "id",
		`{"id":{"id":"u"},"createdTime":"x"}`:   "createdTime",
		`{"id":{"id":"u"},"tenantId":{"id":7}}`: "tenantId.id",
		`{"id":{"id":"u"},"email":["a"]}`:       "email",
		`[]`:                                    "(top level)",
	} {
		p, err := decodeUser([]byte(body), "application/json")
		if e := clienttest.Malformed(t, err); p != nil || e.Field != field {
			t.Errorf("%s: got %v, %v (field %q); want field %q", body, p, err, e.Field, field)
		}
	}
}

// fake is a ThingsBoard installation for the tests: fixed answers per
// endpoint, and a record of every request with its headers and body.
type fake struct {
	answers map[string]answer
	clienttest.RequestLog
}

type answer struct {
	status int
	body   string
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.Record(r)
	a, ok := f.answers[r.Method+" "+r.URL.Path]
	if !ok {
		a = answer{http.StatusNotFound, `{"status":404,"message":"Not Found","errorCode":32}`}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func (f *fake) lines() []string {
	var out []string
	for _, r := range f.Requests() {
		out = append(out, r.Line)
	}
	return out
}

// serve starts a fake installation answering login, refresh and user
// with the fixtures unless answers say otherwise.
func serve(t *testing.T, answers map[string]answer) (*fake, string) {
	t.Helper()
	f := &fake{answers: map[string]answer{
		"POST /api/auth/login": {200, string(clienttest.ReadFixture(t, "login.json"))},
		"POST /api/auth/token": {200, string(clienttest.ReadFixture(t, "login.json"))},
		"GET /api/auth/user":   {200, string(clienttest.ReadFixture(t, "user_tenant_admin.json"))},
	}}
	for k, v := range answers {
		f.answers[k] = v
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func creds(base string) platform.Credentials {
	return platform.Credentials{Platform: info.Name, BaseURL: base, Username: testUser, Password: testPassword}
}

// TestLoginRequests: what ThingsBoard's own REST client sends (thingsboard
// rest-client, RestClient.login and getUser): the login JSON with exactly
// username and password, then the user with X-Authorization, never with
// Authorization.
func TestLoginRequests(t *testing.T) {
	f, base := serve(t, nil)
	s, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(base+"/"))
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	got := f.Requests()
	if lines := f.lines(); !reflect.DeepEqual(lines, []string{"POST /api/auth/login", "GET /api/auth/user"}) {
		t.Fatalf("requests %v", lines)
	}
	if ct := got[0].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("login content type %q", ct)
	}
	if want := map[string]any{"username": testUser, "password": testPassword}; !reflect.DeepEqual(got[0].JSON, want) {
		t.Errorf("login body %v, want exactly username and password", got[0].JSON)
	}
	if h := got[1].Header; h.Get("X-Authorization") != "Bearer "+fixtureAccess || h.Get("Authorization") != "" {
		t.Errorf("user request headers: X-Authorization %q, Authorization %q", h.Get("X-Authorization"), h.Get("Authorization"))
	}
	if s.BaseURL != base || s.Username != testUser || s.Token != fixtureAccess || s.RefreshToken != fixtureRefresh ||
		!s.ExpiresAt.Equal(fixtureExpiry) || s.Profile.UserID != userID || s.Profile.OrganizationID != tenantID {
		t.Errorf("session %s at %q, profile %+v", s, s.BaseURL, s.Profile)
	}
	if s.Headers["X-Authorization"] != s.AuthorizationHeader() || len(s.Headers) != 1 {
		t.Errorf("Headers = %v", s.Headers)
	}
}

func TestLoginRefused(t *testing.T) {
	cases := []struct {
		name, body, detail string
		advice             string
	}{
		{"invalid", string(clienttest.ReadFixture(t, "error_401_bad_credentials.json")),
			`the platform refused the user name and password (HTTP 401; ThingsBoard says "Invalid username or password")`, ""},
		{"locked", string(clienttest.ReadFixture(t, "error_401_locked.json")),
			`the account is locked (HTTP 401; ThingsBoard says "User account is locked due to security policy")`, lockedAdvice},
		{"locked, other wording", `{"status":401,"message":"User account is locked until 12:00, call +1 555 0199","errorCode":10}`,
			`the account is locked (HTTP 401; ThingsBoard says "User account is locked…")`, lockedAdvice},
		{"not active", string(clienttest.ReadFixture(t, "error_401_not_active.json")),
			`the account is not active (HTTP 401; ThingsBoard says "User account is not active")`, inactiveAdvice},
		{"password expired", string(clienttest.ReadFixture(t, "error_401_password_expired.json")),
			`the password has expired (HTTP 401; ThingsBoard says "User password expired!")`, expiredAdvice},
		// Messages outside the allow-list are never quoted.
		{"unknown message", `{"status":401,"message":"Invalid password ` + testPassword + ` for you","errorCode":10}`,
			`the platform refused the user name and password (HTTP 401)`, ""},
		{"known message with more", `{"status":401,"message":"Invalid username or password: <script>","errorCode":10}`,
			`the platform refused the user name and password (HTTP 401)`, ""},
		{"not JSON", `Unauthorized`, `the platform refused the user name and password (HTTP 401)`, ""},
		{"message not a string", `{"message":{"text":"Invalid username or password"}}`, `the platform refused the user name and password (HTTP 401)`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, base := serve(t, map[string]answer{"POST /api/auth/login": {401, tc.body}})
			_, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(base))
			e := clienttest.WantError(t, err, platform.KindBadCredentials, 401, 1)
			if e.Detail != tc.detail || e.Advice != tc.advice {
				t.Errorf("Detail %q\n  want %q\nAdvice %q", e.Detail, tc.detail, e.Advice)
			}
			if tc.advice == "" && !strings.Contains(e.Hint(), "Check the user name and password") {
				t.Errorf("hint %q", e.Hint())
			}
			if lines := f.lines(); len(lines) != 1 {
				t.Errorf("requests %v: a refused login is sent once and nothing follows it", lines)
			}
			clienttest.NoSecret(t, err, testPassword, resetToken, "<script>", "12:00", "555 0199")
		})
	}
}

func TestLoginTwoFactor(t *testing.T) {
	body := string(clienttest.ReadFixture(t, "login_2fa.json"))
	f, base := serve(t, map[string]answer{"POST /api/auth/login": {200, body}})
	_, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(base))
	e := clienttest.WantError(t, err, platform.KindBadCredentials, 0, 1)
	if e.Detail != "this account uses two-factor authentication, which the provider cannot complete; use an API key" ||
		e.Advice != twoFactorAdvice || !strings.Contains(e.Hint(), "api_key") {
		t.Errorf("Detail %q, hint %q", e.Detail, e.Hint())
	}
	// Nothing follows: no profile call with the pre-verification token,
	// no second login.
	if lines := f.lines(); !reflect.DeepEqual(lines, []string{"POST /api/auth/login"}) {
		t.Errorf("requests %v", lines)
	}
	var pair struct{ Token string }
	_ = json.Unmarshal([]byte(body), &pair)
	clienttest.NoSecret(t, err, testPassword, pair.Token)
}

func TestLoginFailures(t *testing.T) {
	cases := []struct {
		name             string
		answers          map[string]answer
		kind             platform.Kind
		status, attempts int
		op, detail       string
	}{
		{"login 403", map[string]answer{"POST /api/auth/login": {403, `{"status":403}`}}, platform.KindUnexpectedStatus, 403, 1, "", ""},
		{"login 404", map[string]answer{"POST /api/auth/login": {404, `{}`}}, platform.KindNotFound, 404, 1, "",
			"the endpoint /api/auth/login was not found (HTTP 404); ThingsBoard's base URL is the installation's root, without /api"},
		// A 502 may come after the platform processed the password: it is not
		// sent again (package httpx, "When a request that carries credentials
		// is sent again").
		{"login 502", map[string]answer{"POST /api/auth/login": {502, "bad gateway"}}, platform.KindServer, 502, 1, "", ""},
		{"login html", map[string]answer{"POST /api/auth/login": {200, "<html>maintenance</html>"}}, platform.KindMalformed, 0, 0, "", ""},
		{"login without token", map[string]answer{"POST /api/auth/login": {200, `{"refreshToken":"` + fixtureRefresh + `"}`}},
			platform.KindMalformed, 0, 0, "", `the answer has no "token" field`},
		{"user 401", map[string]answer{"GET /api/auth/user": {401, `{"status":401,"message":"Invalid username or password","errorCode":10}`}},
			platform.KindTokenRejected, 401, 1, "profile request", "the user endpoint refused the new token (HTTP 401)"},
		{"user 403", map[string]answer{"GET /api/auth/user": {403, `{}`}}, platform.KindForbidden, 403, 1, "profile request", ""},
		{"user malformed", map[string]answer{"GET /api/auth/user": {200, `{"email":"x"}`}}, platform.KindMalformed, 0, 0, "profile request", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, base := serve(t, tc.answers)
			_, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(base))
			e := clienttest.WantError(t, err, tc.kind, tc.status, tc.attempts)
			if e.Op != tc.op || (tc.detail != "" && e.Detail != tc.detail) {
				t.Errorf("Op %q Detail %q", e.Op, e.Detail)
			}
			clienttest.NoSecret(t, err, testPassword, fixtureAccess, fixtureRefresh)
		})
	}
}

func TestRefresh(t *testing.T) {
	f, base := serve(t, nil)
	c := clienttest.Client(t)
	prev, err := Platform{}.Login(t.Context(), c, creds(base))
	if err != nil {
		t.Fatal(err)
	}
	prev.RefreshToken = "previous-refresh-token"
	s, err := Platform{}.Refresh(t.Context(), c, creds(base), prev)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	got := f.Requests()
	if len(got) != 3 || got[2].Line != "POST /api/auth/token" {
		t.Fatalf("requests %v: one refresh, no login, no profile read", f.lines())
	}
	if want := map[string]any{"refreshToken": "previous-refresh-token"}; !reflect.DeepEqual(got[2].JSON, want) {
		t.Errorf("refresh body %v", got[2].JSON)
	}
	if s.Token != fixtureAccess || s.RefreshToken != fixtureRefresh || s.Username != testUser || s.BaseURL != base ||
		!reflect.DeepEqual(s.Profile, prev.Profile) || s.Headers["X-Authorization"] != "Bearer "+fixtureAccess {
		t.Errorf("refreshed session %s, profile %+v", s, s.Profile)
	}

	for _, status := range []int{400, 401, 403} {
		f, base := serve(t, map[string]answer{"POST /api/auth/token": {status, `{"status":401,"message":"Token has expired","errorCode":11}`}})
		_, err := Platform{}.Refresh(t.Context(), c, creds(base), prev)
		e := clienttest.WantError(t, err, platform.KindTokenRejected, status, 1)
		if e.Op != "token refresh" || len(f.Requests()) != 1 {
			t.Errorf("HTTP %d: op %q, %d requests", status, e.Op, len(f.Requests()))
		}
		clienttest.NoSecret(t, err, "previous-refresh-token", testPassword)
	}
}

func TestAPIKey(t *testing.T) {
	f, base := serve(t, nil)
	cr := platform.Credentials{Platform: info.Name, BaseURL: base, APIKey: testAPIKey}
	s, err := Platform{}.Login(t.Context(), clienttest.Client(t), cr)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	got := f.Requests()
	if lines := f.lines(); !reflect.DeepEqual(lines, []string{"GET /api/auth/user"}) {
		t.Fatalf("requests %v: no login with an API key", lines)
	}
	if h := got[0].Header; h.Get("X-Authorization") != "ApiKey "+testAPIKey || h.Get("Authorization") != "" {
		t.Errorf("headers %v", h)
	}
	if s.Token != testAPIKey || s.TokenType != "ApiKey" || s.AuthorizationHeader() != "ApiKey "+testAPIKey ||
		!s.ExpiresAt.IsZero() || s.RefreshToken != "" || s.Username != testUser || s.Profile.UserID != userID {
		t.Errorf("session %s (type %q)", s, s.TokenType)
	}
	if want := map[string]string{"X-Authorization": "ApiKey " + testAPIKey}; !reflect.DeepEqual(s.Headers, want) {
		t.Errorf("Headers = %v", s.Headers)
	}

	_, base = serve(t, map[string]answer{"GET /api/auth/user": {401, `{"status":401,"message":"Authentication failed","errorCode":10}`}})
	cr.BaseURL = base
	_, err = Platform{}.Login(t.Context(), clienttest.Client(t), cr)
	e := clienttest.WantError(t, err, platform.KindBadCredentials, 401, 1)
	if e.Op != "API key check" || e.Detail != "the platform refused the API key (HTTP 401)" || e.Advice != apiKeyAdvice {
		t.Errorf("Op %q Detail %q Advice %q", e.Op, e.Detail, e.Advice)
	}
	if !strings.HasPrefix(err.Error(), "API key check failed: invalid credentials: the platform refused the API key") {
		t.Errorf("message %q", err)
	}
	clienttest.NoSecret(t, err, testAPIKey)
}

func TestDeclaration(t *testing.T) {
	if !info.Accepts(platform.Password) || !info.Accepts(platform.APIKey) || info.Accepts(platform.ClientCredentials) {
		t.Errorf("credential kinds %v", info.Credentials)
	}
	for _, doc := range []string{"https://eu.thingsboard.cloud", "https://demo.thingsboard.io", "http://<host>:8080"} {
		if !strings.Contains(info.BaseURLDefaultDoc, doc) {
			t.Errorf("BaseURLDefaultDoc does not name %s", doc)
		}
	}
	if !strings.Contains(info.HeadersDoc, "`X-Authorization`") || !strings.Contains(info.HeadersDoc, "authorization_header") {
		t.Errorf("HeadersDoc %q does not say what X-Authorization holds", info.HeadersDoc)
	}
}

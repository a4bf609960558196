package coiote

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

const (
	testLogin        = "ops@acme.example"
	testPassword     = "Coiote-PW-s3cr3t!"
	profilePassword  = "PROFILE-PASSWORD-must-never-surface-1a2b3c"
	testClientSecret = "iam-client-secret-9z8y7x"
)

// fakeCoiote is a Coiote installation: the password grant, the IAM token
// endpoint and the users endpoint, with knobs for the failure cases.
type fakeCoiote struct {
	t *testing.T

	tokenStatus int    // 0 means 201
	tokenBody   string // "" means a fresh token with expires_in "300"
	userBody    string // "" means testdata/user.json
	profile401  int    // how many profile requests answer 401 first
	profileCode int    // a fixed status for the profile, 0 means normal

	logins, profiles, iam atomic.Int64

	mu          sync.Mutex
	forms       []url.Values
	ctypes      []string
	rawPaths    []string
	authHeaders []string
	iamPaths    []string
}

func (f *fakeCoiote) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/auth/oauth_password",
		r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/iam/realms/"):
		if strings.HasPrefix(r.URL.Path, "/iam/") {
			f.iam.Add(1)
		}
		n := f.logins.Add(1)
		if err := r.ParseForm(); err != nil {
			f.t.Errorf("form: %v", err)
		}
		f.mu.Lock()
		f.forms = append(f.forms, r.PostForm)
		f.ctypes = append(f.ctypes, r.Header.Get("Content-Type"))
		f.iamPaths = append(f.iamPaths, r.URL.EscapedPath())
		f.mu.Unlock()
		status, body := f.tokenStatus, f.tokenBody
		if status == 0 {
			status = http.StatusCreated
		}
		if body == "" {
			body = fmt.Sprintf(`{"access_token":"coiote-token-%d","token_type":"Bearer","expires_in":"300"}`, n)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/coiotedm/v3/users/"):
		n := f.profiles.Add(1)
		f.mu.Lock()
		f.rawPaths = append(f.rawPaths, r.URL.EscapedPath())
		f.authHeaders = append(f.authHeaders, r.Header.Get("Authorization"))
		f.mu.Unlock()
		switch {
		case f.profileCode != 0:
			w.WriteHeader(f.profileCode)
			_, _ = io.WriteString(w, `{"error":"nope"}`)
			return
		case int(n) <= f.profile401:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"Unauthorized"}`)
			return
		}
		body := f.userBody
		if body == "" {
			body = string(clienttest.ReadFixture(f.t, "user.json"))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	}
}

func start(t *testing.T, f *fakeCoiote) *httptest.Server {
	t.Helper()
	f.t = t
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

func creds(base string) platform.Credentials {
	return platform.Credentials{Platform: info.Name, BaseURL: base, Username: testLogin, Password: testPassword}
}

// wantErr checks an error of Login. op is the operation this package
// names ("" for the login itself: the clients package calls it "login"
// when it adds the platform and the user).
func wantErr(t *testing.T, err error, kind platform.Kind, status, attempts int, op string) *platform.Error {
	t.Helper()
	e := clienttest.WantError(t, err, kind, status, attempts)
	if e.Op != op {
		t.Errorf("Op = %q, want %q", e.Op, op)
	}
	clienttest.NoSecret(t, err, testPassword, testClientSecret, profilePassword, "coiote-token-")
	return e
}

func TestLoginPasswordGrantAndProfile(t *testing.T) {
	f := &fakeCoiote{}
	srv := start(t, f)
	before := time.Now()
	s, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL+"/"))
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	// Token request: form-encoded password grant.
	if f.logins.Load() != 1 || f.profiles.Load() != 1 {
		t.Fatalf("logins %d, profiles %d", f.logins.Load(), f.profiles.Load())
	}
	if f.ctypes[0] != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", f.ctypes[0])
	}
	wantForm := url.Values{"grant_type": {"password"}, "username": {testLogin}, "password": {testPassword}}
	if !reflect.DeepEqual(f.forms[0], wantForm) {
		t.Errorf("form = %v, want %v", f.forms[0], wantForm)
	}
	// Profile request: escaped login, bearer token.
	if f.rawPaths[0] != "/api/coiotedm/v3/users/ops%40acme.example" {
		t.Errorf("profile path = %q", f.rawPaths[0])
	}
	if f.authHeaders[0] != "Bearer coiote-token-1" {
		t.Errorf("Authorization = %q", f.authHeaders[0])
	}

	if s.Platform != "coiote" || s.Token != "coiote-token-1" || s.TokenType != "Bearer" || s.Username != testLogin || s.BaseURL != srv.URL {
		t.Errorf("session = %s token %q base %q", s, s.Token, s.BaseURL)
	}
	if d := s.ExpiresAt.Sub(before); d < 299*time.Second || d > 301*time.Second {
		t.Errorf("ExpiresAt - now = %v, want about 300s", d)
	}
	if s.RefreshToken != "" || s.MQTTPassword != "" {
		t.Error("refresh or MQTT fields set")
	}

	p := s.Profile
	if p.UserID != testLogin || p.UserName != testLogin || p.Email != testLogin {
		t.Errorf("UserID %q UserName %q Email %q", p.UserID, p.UserName, p.Email)
	}
	if !reflect.DeepEqual(p.Roles, []string{"devices-admin", "monitoring-viewer"}) {
		t.Errorf("Roles = %v", p.Roles)
	}
	wantPerms := map[string][]string{"GET devices": {}, "POST devices": {}, "GET users/{id}": {}}
	if !reflect.DeepEqual(p.Permissions, wantPerms) {
		t.Errorf("Permissions = %#v", p.Permissions)
	}
	wantEx := map[string]any{
		"login": testLogin, "domain": "/IoT/acme/", "active": true, "super_user": false, "staff": false,
		"full_name": "Ops Team", "expiration_date": "2030-01-01T00:00:00Z", "creation_date": "1700000000000",
		"security_policy_id": "7", "properties": map[string]string{"team": "platform", "region": "eu"},
	}
	if !reflect.DeepEqual(p.Extras, wantEx) {
		t.Errorf("extras = %+v, want %+v", p.Extras, wantEx)
	}
	if !reflect.DeepEqual(s.Headers, map[string]string{"Authorization": "Bearer coiote-token-1"}) {
		t.Errorf("Headers = %v", s.Headers)
	}
}

func TestProfilePasswordNeverSurfaces(t *testing.T) {
	f := &fakeCoiote{}
	srv := start(t, f)
	s, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{
		fmt.Sprintf("%#v", s.Profile), fmt.Sprintf("%+v", s.Profile), fmt.Sprintf("%#v", s.Profile.Extras),
		fmt.Sprintf("%v", s), fmt.Sprintf("%#v", s), string(js),
	} {
		if strings.Contains(out, profilePassword) {
			t.Errorf("the profile's password surfaced: %s", out)
		}
	}
	props, _ := s.Profile.Extras["properties"].(map[string]string)
	for k, v := range props {
		if strings.Contains(k+v, profilePassword) {
			t.Errorf("password in properties")
		}
	}
	// And decodeUser alone.
	p, _, err := decodeUser(clienttest.ReadFixture(t, "user.json"), "application/json")
	if err != nil {
		t.Fatal(err)
	}
	pj, _ := json.Marshal(p)
	if strings.Contains(fmt.Sprintf("%#v %#v", p, p.Extras)+string(pj), profilePassword) {
		t.Error("decodeUser kept the password")
	}
}

func TestProfilePathEscaping(t *testing.T) {
	cases := map[string]string{
		"ops@acme.example": "/api/coiotedm/v3/users/ops%40acme.example",
		"a/b":              "/api/coiotedm/v3/users/a%2Fb",
		"john doe":         "/api/coiotedm/v3/users/john%20doe",
		"50%off":           "/api/coiotedm/v3/users/50%25off",
		"q?x=1#f":          "/api/coiotedm/v3/users/q%3Fx=1%23f",
		"../admin":         "/api/coiotedm/v3/users/..%2Fadmin",
		"plain":            "/api/coiotedm/v3/users/plain",
	}
	for login, want := range cases {
		t.Run(login, func(t *testing.T) {
			f := &fakeCoiote{userBody: `{"login":` + jsonQuote(login) + `}`}
			srv := start(t, f)
			cr := creds(srv.URL)
			cr.Username = login
			s, err := Platform{}.Login(t.Context(), clienttest.Client(t), cr)
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if f.rawPaths[0] != want {
				t.Errorf("path = %q, want %q", f.rawPaths[0], want)
			}
			if s.Profile.UserName != login {
				t.Errorf("UserName = %q", s.Profile.UserName)
			}
		})
	}
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestProfile401OnceLogsInAgain(t *testing.T) {
	f := &fakeCoiote{profile401: 1}
	srv := start(t, f)
	s, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if f.logins.Load() != 2 || f.profiles.Load() != 2 {
		t.Errorf("logins %d, profiles %d; want 2 and 2", f.logins.Load(), f.profiles.Load())
	}
	if s.Token != "coiote-token-2" {
		t.Errorf("Token = %q, want the second login's token", s.Token)
	}
	if f.authHeaders[0] != "Bearer coiote-token-1" || f.authHeaders[1] != "Bearer coiote-token-2" {
		t.Errorf("Authorization headers = %v", f.authHeaders)
	}
	if s.Profile.UserName != testLogin {
		t.Errorf("profile = %+v", s.Profile)
	}
}

func TestProfile401TwiceIsTokenRejected(t *testing.T) {
	f := &fakeCoiote{profile401: 100}
	srv := start(t, f)
	_, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
	e := wantErr(t, err, platform.KindTokenRejected, 401, 1, "profile request")
	if e.Detail != "the users endpoint refused two freshly issued tokens (HTTP 401)" {
		t.Errorf("Detail = %q", e.Detail)
	}
	if f.logins.Load() != 2 || f.profiles.Load() != 2 {
		t.Errorf("logins %d, profiles %d; want exactly 2 and 2", f.logins.Load(), f.profiles.Load())
	}
}

func TestProfileOtherFailures(t *testing.T) {
	cases := []struct {
		code int
		kind platform.Kind
	}{
		{403, platform.KindForbidden},
		{404, platform.KindNotFound},
		{409, platform.KindUnexpectedStatus},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			f := &fakeCoiote{profileCode: tc.code}
			srv := start(t, f)
			_, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
			_ = wantErr(t, err, tc.kind, tc.code, 1, "profile request")
			if f.logins.Load() != 1 || f.profiles.Load() != 1 {
				t.Errorf("logins %d, profiles %d", f.logins.Load(), f.profiles.Load())
			}
		})
	}
	f := &fakeCoiote{userBody: `{"userId":1}`}
	srv := start(t, f)
	_, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
	e := wantErr(t, err, platform.KindMalformed, 0, 0, "profile request")
	if e.Field != "login" {
		t.Errorf("Field = %q", e.Field)
	}
}

func TestLogin4xxIsBadCredentials(t *testing.T) {
	for _, code := range []int{400, 401, 403, 405, 409, 422} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			f := &fakeCoiote{tokenStatus: code, tokenBody: `{"error":"invalid_grant","error_description":"incorrect credentials for ` + testPassword + `"}`}
			srv := start(t, f)
			_, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
			e := wantErr(t, err, platform.KindBadCredentials, code, 1, "")
			if want := fmt.Sprintf("the platform refused the user name and password (HTTP %d)", code); e.Detail != want {
				t.Errorf("Detail = %q, want %q", e.Detail, want)
			}
			if f.logins.Load() != 1 || f.profiles.Load() != 0 {
				t.Errorf("logins %d, profiles %d; want exactly 1 and 0", f.logins.Load(), f.profiles.Load())
			}
		})
	}
}

func TestLoginOtherStatuses(t *testing.T) {
	cases := []struct {
		status, attempts int
		kind             platform.Kind
	}{
		{404, 1, platform.KindNotFound},
		// 500 is no proof that the login was not processed: not repeated.
		{500, 1, platform.KindServer},
		{503, 3, platform.KindServer},
		{429, 3, platform.KindRateLimited},
		{202, 1, platform.KindUnexpectedStatus},
		{501, 1, platform.KindUnexpectedStatus},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			f := &fakeCoiote{tokenStatus: tc.status, tokenBody: "{}"}
			srv := start(t, f)
			_, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
			_ = wantErr(t, err, tc.kind, tc.status, tc.attempts, "")
			if int(f.logins.Load()) != tc.attempts {
				t.Errorf("%d token requests, want %d", f.logins.Load(), tc.attempts)
			}
		})
	}
}

func TestLoginExpiresInForms(t *testing.T) {
	cases := []struct {
		status int
		body   string
	}{
		{201, `{"access_token":"a","token_type":"Bearer","expires_in":"300"}`},
		{200, `{"access_token":"a","token_type":"bearer","expires_in":300}`},
		{201, `{"access_token":"a","expires_in":" 300 "}`},
		{201, `{"access_token":"a","expires_in":3e2}`},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d %s", tc.status, tc.body), func(t *testing.T) {
			f := &fakeCoiote{tokenStatus: tc.status, tokenBody: tc.body}
			srv := start(t, f)
			before := time.Now()
			s, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			if d := s.ExpiresAt.Sub(before); d < 299*time.Second || d > 301*time.Second {
				t.Errorf("ExpiresAt - now = %v, want about 300s", d)
			}
			if s.TokenType != "Bearer" || s.Token != "a" {
				t.Errorf("token %q type %q", s.Token, s.TokenType)
			}
		})
	}
}

func TestClientCredentialsGrant(t *testing.T) {
	f := &fakeCoiote{tokenStatus: 200, tokenBody: `{"access_token":"iam-token","token_type":"Bearer","expires_in":300,"refresh_expires_in":0,"scope":"profile"}`}
	srv := start(t, f)
	cr := platform.Credentials{Platform: info.Name, BaseURL: srv.URL, ClientID: "svc-terraform", ClientSecret: testClientSecret}
	before := time.Now()
	s, err := Platform{}.Login(t.Context(), clienttest.Client(t), cr)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if f.iam.Load() != 1 || f.profiles.Load() != 0 {
		t.Errorf("IAM requests %d, profile requests %d", f.iam.Load(), f.profiles.Load())
	}
	if f.iamPaths[0] != "/iam/realms/coiote-cloud/protocol/openid-connect/token" {
		t.Errorf("path = %q", f.iamPaths[0])
	}
	want := url.Values{"grant_type": {"client_credentials"}, "client_id": {"svc-terraform"}, "client_secret": {testClientSecret}}
	if !reflect.DeepEqual(f.forms[0], want) || f.ctypes[0] != "application/x-www-form-urlencoded" {
		t.Errorf("form = %v (%s)", f.forms[0], f.ctypes[0])
	}
	// No user record: an extras map without keys (every extra is null,
	// active and staff included: they are unknown, not false).
	if s.Token != "iam-token" || s.Username != "svc-terraform" || s.Profile.UserName != "svc-terraform" ||
		s.Profile.Extras == nil || len(s.Profile.Extras) != 0 {
		t.Errorf("session %q %q %+v", s.Token, s.Username, s.Profile)
	}
	if !reflect.DeepEqual(s.Headers, map[string]string{"Authorization": "Bearer iam-token"}) {
		t.Errorf("Headers = %v", s.Headers)
	}
	if d := s.ExpiresAt.Sub(before); d < 299*time.Second || d > 301*time.Second {
		t.Errorf("ExpiresAt - now = %v", d)
	}

	// A custom realm is escaped as one path segment.
	f2 := &fakeCoiote{tokenStatus: 200, tokenBody: `{"access_token":"x","expires_in":60}`}
	srv2 := start(t, f2)
	cr.BaseURL, cr.Options = srv2.URL, map[string]string{"realm": "acme realm/1"}
	if _, err := (Platform{}).Login(t.Context(), clienttest.Client(t), cr); err != nil {
		t.Fatal(err)
	}
	if f2.iamPaths[0] != "/iam/realms/acme%20realm%2F1/protocol/openid-connect/token" {
		t.Errorf("path = %q", f2.iamPaths[0])
	}

	// A refused secret is bad credentials, reported for the client ID.
	f3 := &fakeCoiote{tokenStatus: 401, tokenBody: `{"error":"unauthorized_client"}`}
	srv3 := start(t, f3)
	cr.BaseURL, cr.Options = srv3.URL, nil
	_, err = Platform{}.Login(t.Context(), clienttest.Client(t), cr)
	e := wantErr(t, err, platform.KindBadCredentials, 401, 1, "service account login")
	if e.Detail != "the platform refused the client ID and secret (HTTP 401)" {
		t.Errorf("Detail = %q", e.Detail)
	}
	if f3.iamPaths[0] != "/iam/realms/coiote-cloud/protocol/openid-connect/token" {
		t.Errorf("path without a realm = %q", f3.iamPaths[0])
	}
}

func TestDecodeToken(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	s, err := decodeToken(clienttest.ReadFixture(t, "seed002_token.json"), "application/json", now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Token != "your_access_token" || s.TokenType != "Bearer" || !s.ObtainedAt.Equal(now) || !s.ExpiresAt.Equal(now.Add(300*time.Second)) {
		t.Errorf("session = %q %q %v %v", s.Token, s.TokenType, s.ObtainedAt, s.ExpiresAt)
	}

	// Without expires_in, the JWT exp is used; an opaque token stays unknown.
	jwtTok := "eyJhbGciOiJub25lIn0.eyJleHAiOjE3NjM5MTY4MTd9."
	s, err = decodeToken([]byte(`{"access_token":"`+jwtTok+`","token_type":"MAC"}`), "", now)
	if err != nil {
		t.Fatal(err)
	}
	if s.ExpiresAt.Unix() != 1763916817 || s.TokenType != "MAC" {
		t.Errorf("ExpiresAt = %v, TokenType = %q", s.ExpiresAt, s.TokenType)
	}
	s, err = decodeToken([]byte(`{"access_token":"opaque","expires_in":null}`), "", now)
	if err != nil || !s.ExpiresAt.IsZero() {
		t.Errorf("opaque: %v, %v", s, err)
	}

	// A fractional expires_in is rounded down (issue 13, item 7: it used
	// to fail the login): the token is never taken to live longer than
	// the platform said.
	for body, want := range map[string]time.Duration{
		`{"access_token":"a","expires_in":300.5}`:    300 * time.Second,
		`{"access_token":"a","expires_in":"299.99"}`: 299 * time.Second,
		`{"access_token":"a","expires_in":0.4}`:      0,
		`{"access_token":"a","expires_in":3e2}`:      300 * time.Second,
	} {
		s, err := decodeToken([]byte(body), "", now)
		if err != nil || !s.ExpiresAt.Equal(now.Add(want)) {
			t.Errorf("%s: %v, expires %v; want %v", body, err, s, want)
		}
	}

	bad := []struct{ body, field string }{
		{`{}`, "access_token"},
		{`{"access_token":"a","expires_in":"-0.5"}`, "expires_in"},
		{`{"access_token":"a","expires_in":"NaN"}`, "expires_in"},
		{`{"access_token":"a","expires_in":"Inf"}`, "expires_in"},
		{`{"access_token":""}`, "access_token"},
		{`{"access_token":"a","expires_in":"soon"}`, "expires_in"},
		{`{"access_token":"a","expires_in":"-1"}`, "expires_in"},
		{`{"access_token":"a","expires_in":"999999999999"}`, "expires_in"},
		{`{"access_token":"a","expires_in":true}`, "expires_in"},
		{`{"access_token":42}`, "access_token"},
		{`<html></html>`, ""},
	}
	for _, tc := range bad {
		_, err := decodeToken([]byte(tc.body), "application/json", now)
		if e := clienttest.Malformed(t, err); e.Field != tc.field {
			t.Errorf("%s: err = %v (field %q), want field %q", tc.body, err, e.Field, tc.field)
		}
	}
}

// TestDecodeUserLenientFields: an optional field of the user object in a
// form that cannot be read is null with a warning instead of failing the
// login (issue 13, item 7); absent flags stay false, as they always were.
func TestDecodeUserLenientFields(t *testing.T) {
	p, warnings, err := decodeUser([]byte(`{"login":"x","roles":"admin","superUser":"yes","properties":{"a":1},"userId":["`+testPassword+`"]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, w := range warnings {
		fields = append(fields, w.Field)
	}
	if !reflect.DeepEqual(fields, []string{"userId", "superUser", "roles", "properties"}) {
		t.Errorf("warnings about %v", fields)
	}
	if _, ok := p.Extras["super_user"]; ok || p.Extras["active"] != false || p.Extras["staff"] != false || p.Roles != nil || p.UserID != "" {
		t.Errorf("profile %+v", p)
	}
	if _, ok := p.Extras["properties"]; ok {
		t.Errorf("properties = %v", p.Extras["properties"])
	}
	if strings.Contains(fmt.Sprint(warnings), testPassword) {
		t.Errorf("a warning holds the value: %+v", warnings)
	}
}

func TestDecodeUserVariants(t *testing.T) {
	p, _, err := decodeUser([]byte(`{"login":"svc","email":"svc@acme.example","userId":42,"securityPolicyId":null,"roles":null,"properties":null}`), "application/json")
	if err != nil {
		t.Fatal(err)
	}
	if props, ok := p.Extras["properties"].(map[string]string); p.Email != "svc@acme.example" || p.UserID != "42" || p.Roles != nil ||
		len(p.Permissions) != 0 || !ok || props == nil {
		t.Errorf("profile = %+v", p)
	}
	p, _, err = decodeUser([]byte(`{"login":"nomail"}`), "")
	if err != nil || p.Email != "" {
		t.Errorf("login without @: %+v %v", p, err)
	}
	// A roles field that is not a list used to fail the login; it is now
	// null with a warning (TestDecodeUserLenientFields).
	for _, body := range []string{`{}`, `{"login":""}`, `{"login":5}`, `[]`, ``} {
		_, _, err := decodeUser([]byte(body), "application/json")
		if e, ok := platform.AsError(err); !ok || e.Kind != platform.KindMalformed {
			t.Errorf("%s: err = %v", body, err)
		}
	}
}

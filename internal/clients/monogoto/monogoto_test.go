package monogoto_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/monogoto"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

const (
	testUser     = "demo@monogoto.io"
	testPassword = "Monogoto-PW-s3cr3t!"

	seedToken        = "eyJhb6IkpXVCJ9.eyJSb2xlIjoiVXN4lclByb2ZpbGVJZF9kZGM2MThhNC0wNTI1LTQ2MmUtYWN3NzhhMGQxYmbSI6Im4zgFkbWluIiwiQ3VzdG9tsbCwiVXNlcklkIjoiVklkXzg5Yj5Y2OGEyUtNDQThhLTEzZjA0MzJhZDE3YyINTAzgZmUtZGI51My00ZjRiLTktN2U5Yjc0ZWU1ZThlIiwiaWNzM3MjI5L2MDY3NTE2Mjl9.99aSLzP7kTgK6TZGW-xalrMu0GkW6viunt3XxbNng"
	seedRefreshToken = "eyJhb6IkpXVCJ9.eyJSb2xlIjoiVXN4lclByb2ZpbGVJZF9kZGM2MThhNC0wNTI1LTQ2MmUtYWN3NzhhMGQxYmbSI6Im4zgFkbWluIiwiQ3VzdG9tsbCwiVXN6lcklkjoiVklkXzg5Y2464OGEyUtND8ThhLTEzZjA0MzJhZDE3YyINTAgsretszgZmUtZGI51My00ZjRiLTktN2U5Yjc0ZWU1ZThlIiwiaWNzM3MjI5L2MD5786bzdhfdzhY3NTE2Mjl9.99aSLzP7kTgK6TZGW-xalrMu0GkW6viunt3XxbNng8vz567dfzgzfgEtT789D43dWEEW"
)

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func signedJWT(t *testing.T, exp time.Time) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "UserId_1", "exp": exp.Unix()}).
		SignedString([]byte("monogoto-test-key"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDecodeLoginSeed001(t *testing.T) {
	before := time.Now().UTC()
	s, err := monogoto.DecodeLogin(readFixture(t, "seed001_login.json"), "application/json; charset=utf-8")
	if err != nil {
		t.Fatalf("DecodeLogin: %v", err)
	}
	if s.Platform != platform.Monogoto || s.Username != testUser || s.TokenType != "Bearer" {
		t.Errorf("session = %s %q %q", s.Platform, s.Username, s.TokenType)
	}
	if s.Token != seedToken {
		t.Errorf("Token = %q", s.Token)
	}
	if s.RefreshToken != seedRefreshToken {
		t.Errorf("RefreshToken = %q", s.RefreshToken)
	}
	// The seed token is JWT-shaped but does not decode: expiry unknown.
	if !s.ExpiresAt.IsZero() {
		t.Errorf("ExpiresAt = %v, want zero (unknown)", s.ExpiresAt)
	}
	if s.ObtainedAt.Before(before) || s.ObtainedAt.After(time.Now().UTC()) {
		t.Errorf("ObtainedAt = %v", s.ObtainedAt)
	}
	if s.MQTTPassword != "" || s.MQTTUsername != "" {
		t.Error("MQTT fields set on a Monogoto session")
	}

	p := s.Profile
	if p.CustomerID != "cid_ecs1d3a5-f5e62a1-fe8af468wf" {
		t.Errorf("CustomerID = %q", p.CustomerID)
	}
	if p.UserID != "UserId_a76ty5a5-489a-4b87-9b9u-455f451d99fb" {
		t.Errorf("UserID = %q", p.UserID)
	}
	if p.UserName != testUser || p.Email != testUser {
		t.Errorf("UserName = %q, Email = %q", p.UserName, p.Email)
	}
	const org = "OrganizationId_235348d7d-dd99-4111-ab2b-1ec612d9b11a"
	if p.OrganizationID != org || !reflect.DeepEqual(p.OrganizationIDs, []string{org}) {
		t.Errorf("OrganizationID = %q, OrganizationIDs = %v", p.OrganizationID, p.OrganizationIDs)
	}
	if !reflect.DeepEqual(p.Roles, []string{"Customer Admin"}) {
		t.Errorf("Roles = %v", p.Roles)
	}
	if len(p.Permissions) != 52 {
		t.Errorf("%d permissions, want 52", len(p.Permissions))
	}
	wantPerms := map[string][]string{
		"API":              {"view"},
		"Dashboard":        {"view", "edit", "delete"},
		"Search":           {"view7", "edit", "delete"}, // sic, in the vendor example
		"DownloadPCAPFile": {"view"},
		"Bundle":           {"view", "edit", "delete"},
		"PortalLogin":      {"view"},
	}
	for name, want := range wantPerms {
		if got := p.Permissions[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("Permissions[%q] = %v, want %v", name, got, want)
		}
	}
	names := p.PermissionNames()
	if names[0] != "API" || names[len(names)-1] != "Users" {
		t.Errorf("PermissionNames() = %v...", names[:3])
	}
	if p.Coiote != nil || p.Bienport != nil {
		t.Error("other platforms' extras set")
	}

	ex := p.Monogoto
	if ex == nil {
		t.Fatal("no Monogoto extras")
	}
	if ex.Realm != "customer" || ex.RoleProfileID != "UserProfileId_40e0998a-ef5c-4bbd-a18bc-2864y6100d1" ||
		ex.ProfileName != "Customer Admin" || ex.ProfileType != "USER_PROFILE" {
		t.Errorf("extras = %+v", ex)
	}
	if ex.TwoFactorAuthentication {
		t.Error("TwoFactorAuthentication = true")
	}
	if ex.ThingsGroupIDs == nil || len(ex.ThingsGroupIDs) != 0 {
		t.Errorf("ThingsGroupIDs = %#v, want empty", ex.ThingsGroupIDs)
	}
	if want := time.Date(2019, 2, 17, 9, 37, 52, 390e6, time.UTC); !ex.ProfileCreated.Equal(want) {
		t.Errorf("ProfileCreated = %v, want %v", ex.ProfileCreated, want)
	}
	if want := time.Date(2020, 12, 2, 10, 16, 38, 590e6, time.UTC); !ex.ProfileModified.Equal(want) {
		t.Errorf("ProfileModified = %v, want %v", ex.ProfileModified, want)
	}

	if h := s.Headers(); !reflect.DeepEqual(h, map[string]string{
		"Authorization": "Bearer " + seedToken, "apikey": "cid_ecs1d3a5-f5e62a1-fe8af468wf",
	}) {
		t.Errorf("Headers() = %v", h)
	}
}

func TestDecodeLoginVariants(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tok := signedJWT(t, exp)
	body := fmt.Sprintf(`{"token":"  %s ","CustomerId":12345,"UserId":7,"UserName":"u@x","OrganizationId":null,
		"AccountSettings":{"TwoFactorAuthentication":true},"ThingsGroupIds":["g1",2,null],
		"UserProfile":{"Permissions":{"Things":[]},"DateCreated":"1550396272390","cas":160777788521644,"Name":""}}`, tok)
	s, err := monogoto.DecodeLogin([]byte(body), "application/json")
	if err != nil {
		t.Fatal(err)
	}
	if s.Token != tok {
		t.Errorf("Token not trimmed: %q", s.Token)
	}
	if !s.ExpiresAt.Equal(exp) {
		t.Errorf("ExpiresAt = %v, want %v (from the JWT exp)", s.ExpiresAt, exp)
	}
	p := s.Profile
	if p.CustomerID != "12345" || p.UserID != "7" || p.OrganizationID != "" || p.OrganizationIDs != nil || p.Roles != nil {
		t.Errorf("profile = %+v", p)
	}
	if !p.Monogoto.TwoFactorAuthentication {
		t.Error("TwoFactorAuthentication = false")
	}
	if !reflect.DeepEqual(p.Monogoto.ThingsGroupIDs, []string{"g1", "2"}) {
		t.Errorf("ThingsGroupIDs = %v", p.Monogoto.ThingsGroupIDs)
	}
	if got := p.Permissions["Things"]; got == nil || len(got) != 0 {
		t.Errorf("Permissions[Things] = %#v", got)
	}
	if !p.Monogoto.ProfileCreated.Equal(time.UnixMilli(1550396272390)) || !p.Monogoto.ProfileModified.IsZero() {
		t.Errorf("dates = %v, %v", p.Monogoto.ProfileCreated, p.Monogoto.ProfileModified)
	}
}

func TestDecodeLoginMalformed(t *testing.T) {
	cases := []struct {
		name, body, field string
	}{
		{"html", "<html><body>Sign in</body></html>", ""},
		{"access denied", string(readFixture(t, "seed001_access_denied.txt")), ""},
		{"empty", "", ""},
		{"no token", `{"refreshToken":"r","CustomerId":"c"}`, "token"},
		{"null token", `{"token":null}`, "token"},
		{"empty token", `{"token":""}`, "token"},
		{"blank token", `{"token":"  \t "}`, "token"},
		{"numeric token", `{"token":12345}`, "token"},
		{"permissions not a map", `{"token":"t","UserProfile":{"Permissions":["API"]}}`, "UserProfile.Permissions"},
		{"bad date", `{"token":"t","UserProfile":{"DateCreated":"yesterday"}}`, "UserProfile.DateCreated"},
		{"bad customer id", `{"token":"t","CustomerId":{"id":"SECRET-ID-VALUE-123"}}`, "CustomerId"},
		{"array", `[{"token":"t"}]`, "(top level)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := monogoto.DecodeLogin([]byte(tc.body), "application/json")
			if s != nil {
				t.Errorf("session returned with an error")
			}
			e, ok := platform.AsError(err)
			if !ok || e.Kind != platform.KindMalformed {
				t.Fatalf("err = %v, want KindMalformed", err)
			}
			if e.Field != tc.field {
				t.Errorf("Field = %q, want %q (%v)", e.Field, tc.field, e)
			}
			if strings.Contains(e.Error(), "SECRET-ID-VALUE-123") {
				t.Errorf("message echoes the body: %v", e)
			}
		})
	}
}

// recorder is a fake Monogoto console that records what it receives.
type recorder struct {
	mu      sync.Mutex
	n       atomic.Int64
	paths   []string
	bodies  []map[string]any
	ctypes  []string
	status  int
	body    string
	headers http.Header
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.n.Add(1)
	b, _ := io.ReadAll(req.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	r.mu.Lock()
	r.paths = append(r.paths, req.Method+" "+req.URL.Path)
	r.bodies = append(r.bodies, m)
	r.ctypes = append(r.ctypes, req.Header.Get("Content-Type"))
	r.mu.Unlock()
	for k, v := range r.headers {
		w.Header()[k] = v
	}
	w.WriteHeader(r.status)
	_, _ = io.WriteString(w, r.body)
}

func serve(t *testing.T, status int, body string, headers http.Header) (*recorder, *httptest.Server) {
	t.Helper()
	rec := &recorder{status: status, body: body, headers: headers}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv
}

func client(t *testing.T) *httpx.Client {
	t.Helper()
	c, err := httpx.New(httpx.Config{Timeout: 2 * time.Second, MaxRetries: 2, BackoffMin: time.Millisecond, RetryMaxWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func creds(base string) platform.Credentials {
	return platform.Credentials{Platform: platform.Monogoto, BaseURL: base, Username: testUser, Password: testPassword}
}

func TestLoginSeed(t *testing.T) {
	rec, srv := serve(t, 200, string(readFixture(t, "seed001_login.json")), http.Header{"Content-Type": {"application/json"}})
	s, err := monogoto.Login(t.Context(), client(t), creds(srv.URL+"/"))
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if s.Token != seedToken || s.BaseURL != srv.URL || s.Username != testUser || s.Profile.CustomerID != "cid_ecs1d3a5-f5e62a1-fe8af468wf" {
		t.Errorf("session = %s, base %q", s, s.BaseURL)
	}
	if rec.n.Load() != 1 || rec.paths[0] != "POST /Auth" || rec.ctypes[0] != "application/json" {
		t.Errorf("requests = %v %v", rec.paths, rec.ctypes)
	}
	want := map[string]any{"UserName": testUser, "Password": testPassword}
	if !reflect.DeepEqual(rec.bodies[0], want) {
		t.Errorf("request body = %v, want exactly %v", rec.bodies[0], want)
	}
}

func TestLoginPathPrefixAndUsernameFallback(t *testing.T) {
	rec, srv := serve(t, 200, `{"token":"opaque-token"}`, nil)
	s, err := monogoto.Login(t.Context(), client(t), creds(" "+srv.URL+"/console/ "))
	if err != nil {
		t.Fatal(err)
	}
	if rec.paths[0] != "POST /console/Auth" {
		t.Errorf("path = %q", rec.paths[0])
	}
	if s.Username != testUser || s.BaseURL != srv.URL+"/console" || !s.ExpiresAt.IsZero() {
		t.Errorf("session = %q %q %v", s.Username, s.BaseURL, s.ExpiresAt)
	}
}

func loginErr(t *testing.T, err error, kind platform.Kind, status, attempts int) *platform.Error {
	t.Helper()
	e, ok := platform.AsError(err)
	if !ok {
		t.Fatalf("err = %v (%T), want *platform.Error", err, err)
	}
	if e.Kind != kind || e.Status != status || e.Attempts != attempts {
		t.Fatalf("got Kind=%v Status=%d Attempts=%d (%v); want %v %d %d", e.Kind, e.Status, e.Attempts, e, kind, status, attempts)
	}
	if e.Platform != platform.Monogoto || e.User != testUser {
		t.Errorf("Platform=%q User=%q", e.Platform, e.User)
	}
	if strings.Contains(e.Error(), testPassword) {
		t.Errorf("message holds the password: %v", e)
	}
	return e
}

func TestLoginBadCredentials(t *testing.T) {
	cases := []struct {
		status int
		body   string
	}{
		{404, string(readFixture(t, "seed001_access_denied.txt"))},
		{404, "ACCESS DENIED"},
		{404, `{"message":"Access denied for ` + testPassword + `"}`},
		{401, ""},
		{401, `{"error":"whatever"}`},
		{403, "Forbidden"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d %.20s", tc.status, tc.body), func(t *testing.T) {
			rec, srv := serve(t, tc.status, tc.body, nil)
			_, err := monogoto.Login(t.Context(), client(t), creds(srv.URL))
			e := loginErr(t, err, platform.KindBadCredentials, tc.status, 1)
			if e.Op != "login" {
				t.Errorf("Op = %q", e.Op)
			}
			if rec.n.Load() != 1 {
				t.Errorf("%d requests; a failed login is never retried", rec.n.Load())
			}
		})
	}
}

func TestLoginNotFound(t *testing.T) {
	rec, srv := serve(t, 404, "404 page not found", nil)
	_, err := monogoto.Login(t.Context(), client(t), creds(srv.URL))
	e := loginErr(t, err, platform.KindNotFound, 404, 1)
	if !strings.Contains(e.Detail, "/Auth") {
		t.Errorf("Detail = %q", e.Detail)
	}
	if rec.n.Load() != 1 {
		t.Errorf("%d requests", rec.n.Load())
	}
}

func TestLoginMalformedAnswers(t *testing.T) {
	cases := []struct {
		name, body, ctype, field string
	}{
		{"html", "<!doctype html><html><title>Monogoto</title></html>", "text/html", ""},
		{"no token", `{"refreshToken":"r","CustomerId":"cid"}`, "application/json", "token"},
		{"empty body", "", "application/json", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, srv := serve(t, 200, tc.body, http.Header{"Content-Type": {tc.ctype}})
			_, err := monogoto.Login(t.Context(), client(t), creds(srv.URL))
			e := loginErr(t, err, platform.KindMalformed, 0, 0)
			if e.Field != tc.field || e.Op != "login" {
				t.Errorf("Field = %q, Op = %q", e.Field, e.Op)
			}
			if rec.n.Load() != 1 {
				t.Errorf("%d requests", rec.n.Load())
			}
		})
	}
}

func TestLoginServerErrorsAndOddStatuses(t *testing.T) {
	rec, srv := serve(t, 503, "down", nil)
	_, err := monogoto.Login(t.Context(), client(t), creds(srv.URL))
	_ = loginErr(t, err, platform.KindServer, 503, 3)
	if rec.n.Load() != 3 {
		t.Errorf("%d requests, want 3", rec.n.Load())
	}

	rec2, srv2 := serve(t, 418, "teapot", nil)
	_, err = monogoto.Login(t.Context(), client(t), creds(srv2.URL))
	_ = loginErr(t, err, platform.KindUnexpectedStatus, 418, 1)
	if rec2.n.Load() != 1 {
		t.Errorf("%d requests", rec2.n.Load())
	}

	_, err = monogoto.Login(t.Context(), client(t), creds("console.monogoto.io"))
	_ = loginErr(t, err, platform.KindInvalidConfig, 0, 0)
}

func TestLoginExpiryFromJWT(t *testing.T) {
	exp := time.Now().Add(4 * time.Hour).Truncate(time.Second).UTC()
	tok := signedJWT(t, exp)
	_, srv := serve(t, 200, `{"token":"`+tok+`","UserName":"`+testUser+`"}`, nil)
	s, err := monogoto.Login(t.Context(), client(t), creds(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if !s.ExpiresAt.Equal(exp) {
		t.Errorf("ExpiresAt = %v, want %v", s.ExpiresAt, exp)
	}
}

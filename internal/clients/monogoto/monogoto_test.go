package monogoto

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

const (
	testUser     = "demo@monogoto.io"
	testPassword = "Monogoto-PW-s3cr3t!"

	seedToken        = "eyJhb6IkpXVCJ9.eyJSb2xlIjoiVXN4lclByb2ZpbGVJZF9kZGM2MThhNC0wNTI1LTQ2MmUtYWN3NzhhMGQxYmbSI6Im4zgFkbWluIiwiQ3VzdG9tsbCwiVXNlcklkIjoiVklkXzg5Yj5Y2OGEyUtNDQThhLTEzZjA0MzJhZDE3YyINTAzgZmUtZGI51My00ZjRiLTktN2U5Yjc0ZWU1ZThlIiwiaWNzM3MjI5L2MDY3NTE2Mjl9.99aSLzP7kTgK6TZGW-xalrMu0GkW6viunt3XxbNng"
	seedRefreshToken = "eyJhb6IkpXVCJ9.eyJSb2xlIjoiVXN4lclByb2ZpbGVJZF9kZGM2MThhNC0wNTI1LTQ2MmUtYWN3NzhhMGQxYmbSI6Im4zgFkbWluIiwiQ3VzdG9tsbCwiVXN6lcklkjoiVklkXzg5Y2464OGEyUtND8ThhLTEzZjA0MzJhZDE3YyINTAgsretszgZmUtZGI51My00ZjRiLTktN2U5Yjc0ZWU1ZThlIiwiaWNzM3MjI5L2MD5786bzdhfdzhY3NTE2Mjl9.99aSLzP7kTgK6TZGW-xalrMu0GkW6viunt3XxbNng8vz567dfzgzfgEtT789D43dWEEW"
)

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
	s, err := decodeLogin(clienttest.ReadFixture(t, "seed001_login.json"), "application/json; charset=utf-8", time.Now().UTC())
	if err != nil {
		t.Fatalf("decodeLogin: %v", err)
	}
	if s.Platform != "monogoto" || s.Username != testUser || s.TokenType != "Bearer" {
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
	wantExtras := map[string]any{
		"realm":                     "customer",
		"role_profile_id":           "UserProfileId_40e0998a-ef5c-4bbd-a18bc-2864y6100d1",
		"profile_name":              "Customer Admin",
		"profile_type":              "USER_PROFILE",
		"two_factor_authentication": false,
		"things_group_ids":          []string{},
		"profile_created":           time.Date(2019, 2, 17, 9, 37, 52, 390e6, time.UTC),
		"profile_modified":          time.Date(2020, 12, 2, 10, 16, 38, 590e6, time.UTC),
	}
	if !reflect.DeepEqual(p.Extras, wantExtras) {
		t.Errorf("extras =\n  %#v\nwant\n  %#v", p.Extras, wantExtras)
	}

	if !reflect.DeepEqual(s.Headers, map[string]string{
		"Authorization": "Bearer " + seedToken, "apikey": "cid_ecs1d3a5-f5e62a1-fe8af468wf",
	}) {
		t.Errorf("Headers = %v", s.Headers)
	}
}

func TestDecodeLoginVariants(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tok := signedJWT(t, exp)
	body := fmt.Sprintf(`{"token":"  %s ","CustomerId":12345,"UserId":7,"UserName":"u@x","OrganizationId":null,
		"AccountSettings":{"TwoFactorAuthentication":true},"ThingsGroupIds":["g1",2,null],
		"UserProfile":{"Permissions":{"Things":[]},"DateCreated":"1550396272390","cas":160777788521644,"Name":""}}`, tok)
	s, err := decodeLogin([]byte(body), "application/json", time.Now())
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
	if p.Extras["two_factor_authentication"] != true {
		t.Error("two_factor_authentication is not true")
	}
	if !reflect.DeepEqual(p.Extras["things_group_ids"], []string{"g1", "2"}) {
		t.Errorf("things_group_ids = %v", p.Extras["things_group_ids"])
	}
	if got := p.Permissions["Things"]; got == nil || len(got) != 0 {
		t.Errorf("Permissions[Things] = %#v", got)
	}
	created, _ := p.Extras["profile_created"].(time.Time)
	modified, ok := p.Extras["profile_modified"].(time.Time)
	if !created.Equal(time.UnixMilli(1550396272390)) || !ok || !modified.IsZero() {
		t.Errorf("dates = %v, %v", p.Extras["profile_created"], p.Extras["profile_modified"])
	}
	if s.Headers["apikey"] != "12345" {
		t.Errorf("Headers = %v", s.Headers)
	}
}

// TestDecodeLoginLenientFields: an optional profile field in a form that
// cannot be read is null with a warning, instead of failing the login
// (issue 13, item 7: "permissions not a map" and "bad date" used to be
// malformed answers). The token and the customer ID stay strict.
func TestDecodeLoginLenientFields(t *testing.T) {
	cases := []struct {
		name, body, field string
		null              []string
		check             func(*testing.T, *platform.Session)
	}{
		{"permission list sent as a string", `{"token":"t","UserProfile":{"Name":"Admin","Permissions":{"API":"view"}}}`,
			"UserProfile.Permissions", []string{"permissions"}, func(t *testing.T, s *platform.Session) {
				if s.Profile.Permissions != nil || !reflect.DeepEqual(s.Profile.Roles, []string{"Admin"}) {
					t.Errorf("permissions %v, roles %v", s.Profile.Permissions, s.Profile.Roles)
				}
			}},
		{"permissions not a map", `{"token":"t","UserProfile":{"Permissions":["API"]}}`, "UserProfile.Permissions", []string{"permissions"}, nil},
		{"bad date", `{"token":"t","UserProfile":{"DateCreated":"yesterday"}}`, "UserProfile.DateCreated", []string{"monogoto.profile_created"},
			func(t *testing.T, s *platform.Session) {
				if d, _ := s.Profile.Extras["profile_created"].(time.Time); !d.IsZero() {
					t.Errorf("profile_created = %v", d)
				}
			}},
		{"user ID an object", `{"token":"t","UserId":{"id":"SECRET-ID-VALUE-123"},"CustomerId":"c1"}`, "UserId", []string{"user_id"},
			func(t *testing.T, s *platform.Session) {
				if s.Profile.UserID != "" || s.Headers["apikey"] != "c1" {
					t.Errorf("UserID %q, headers %v", s.Profile.UserID, s.Headers)
				}
			}},
		{"two-factor flag a string", `{"token":"t","AccountSettings":{"TwoFactorAuthentication":"yes"}}`,
			"AccountSettings.TwoFactorAuthentication", []string{"monogoto.two_factor_authentication"},
			func(t *testing.T, s *platform.Session) {
				if _, ok := s.Profile.Extras["two_factor_authentication"]; ok {
					t.Errorf("two_factor_authentication = %v", s.Profile.Extras["two_factor_authentication"])
				}
			}},
		{"things groups a string", `{"token":"t","ThingsGroupIds":"g1"}`, "ThingsGroupIds", []string{"monogoto.things_group_ids"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := decodeLogin([]byte(tc.body), "application/json", time.Now())
			if err != nil {
				t.Fatalf("decodeLogin: %v", err)
			}
			if len(s.Warnings) != 1 || s.Warnings[0].Field != tc.field || !reflect.DeepEqual(s.Warnings[0].Null, tc.null) {
				t.Fatalf("warnings %+v; want one about %s nulling %v", s.Warnings, tc.field, tc.null)
			}
			if strings.Contains(fmt.Sprint(s.Warnings), "SECRET-ID-VALUE-123") {
				t.Errorf("a warning holds the value: %+v", s.Warnings)
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
	// Absent fields are not unreadable: no warning, the same values as
	// always (two-factor false, no groups).
	s, err := decodeLogin([]byte(`{"token":"t"}`), "", time.Now())
	if err != nil || len(s.Warnings) != 0 || s.Profile.Extras["two_factor_authentication"] != false {
		t.Errorf("%v, warnings %+v, extras %v", err, s, s.Profile.Extras)
	}
}

func TestDecodeLoginMalformed(t *testing.T) {
	cases := []struct {
		name, body, field string
	}{
		{"html", "<html><body>Sign in</body></html>", ""},
		{"access denied", string(clienttest.ReadFixture(t, "seed001_access_denied.txt")), ""},
		{"empty", "", ""},
		{"no token", `{"refreshToken":"r","CustomerId":"c"}`, "token"},
		{"null token", `{"token":null}`, "token"},
		{"empty token", `{"token":""}`, "token"},
		{"blank token", `{"token":"  \t "}`, "token"},
		{"numeric token", `{"token":12345}`, "token"},
		{"bad customer id", `{"token":"t","CustomerId":{"id":"SECRET-ID-VALUE-123"}}`, "CustomerId"},
		{"array", `[{"token":"t"}]`, "(top level)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := decodeLogin([]byte(tc.body), "application/json", time.Now())
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

func creds(base string) platform.Credentials {
	return platform.Credentials{Platform: info.Name, BaseURL: base, Username: testUser, Password: testPassword}
}

func TestLoginSeed(t *testing.T) {
	rec, srv := clienttest.Serve(t, 200, string(clienttest.ReadFixture(t, "seed001_login.json")), http.Header{"Content-Type": {"application/json"}})
	s, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL+"/"))
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if s.Token != seedToken || s.BaseURL != srv.URL || s.Username != testUser || s.Profile.CustomerID != "cid_ecs1d3a5-f5e62a1-fe8af468wf" {
		t.Errorf("session = %s, base %q", s, s.BaseURL)
	}
	rec.WantJSONPost(t, "/Auth", map[string]any{"UserName": testUser, "Password": testPassword})
}

func TestLoginPathPrefixAndUsernameFallback(t *testing.T) {
	rec, srv := clienttest.Serve(t, 200, `{"token":"opaque-token"}`, nil)
	s, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(" "+srv.URL+"/console/ "))
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Requests()[0].Line; got != "POST /console/Auth" {
		t.Errorf("path = %q", got)
	}
	if s.Username != testUser || s.BaseURL != srv.URL+"/console" || !s.ExpiresAt.IsZero() {
		t.Errorf("session = %q %q %v", s.Username, s.BaseURL, s.ExpiresAt)
	}
}

// loginErr checks a login error. The platform and the user are filled in
// by the clients package (see its tests), not here. rec, the fake endpoint
// (nil: none), must have received one request per attempt the error
// counts, and one when it counts none (an answer that was not usable):
// only 429 and 5xx answers are retried.
func loginErr(t *testing.T, err error, rec *clienttest.Recorder, kind platform.Kind, status, attempts int) *platform.Error {
	t.Helper()
	e := clienttest.WantError(t, err, kind, status, attempts)
	clienttest.NoSecret(t, err, testPassword)
	if want := max(attempts, 1); rec != nil && rec.Count() != want {
		t.Errorf("%d requests, want %d", rec.Count(), want)
	}
	return e
}

func TestLoginBadCredentials(t *testing.T) {
	cases := []struct {
		status int
		body   string
	}{
		{404, string(clienttest.ReadFixture(t, "seed001_access_denied.txt"))},
		{404, "ACCESS DENIED"},
		{404, `{"message":"Access denied for ` + testPassword + `"}`},
		{401, ""},
		{401, `{"error":"whatever"}`},
		{403, "Forbidden"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d %.20s", tc.status, tc.body), func(t *testing.T) {
			rec, srv := clienttest.Serve(t, tc.status, tc.body, nil)
			_, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
			// One request: a refused login is never retried.
			e := loginErr(t, err, rec, platform.KindBadCredentials, tc.status, 1)
			if want := fmt.Sprintf("the platform refused the user name and password (HTTP %d)", tc.status); e.Detail != want {
				t.Errorf("Detail = %q, want %q", e.Detail, want)
			}
		})
	}
}

func TestLoginNotFound(t *testing.T) {
	rec, srv := clienttest.Serve(t, 404, "404 page not found", nil)
	_, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
	e := loginErr(t, err, rec, platform.KindNotFound, 404, 1)
	if e.Detail != "the endpoint /Auth was not found (HTTP 404)" {
		t.Errorf("Detail = %q", e.Detail)
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
			rec, srv := clienttest.Serve(t, 200, tc.body, http.Header{"Content-Type": {tc.ctype}})
			_, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
			e := loginErr(t, err, rec, platform.KindMalformed, 0, 0)
			if e.Field != tc.field {
				t.Errorf("Field = %q", e.Field)
			}
		})
	}
}

func TestLoginServerErrorsAndOddStatuses(t *testing.T) {
	rec, srv := clienttest.Serve(t, 503, "down", nil)
	_, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
	_ = loginErr(t, err, rec, platform.KindServer, 503, 3)

	rec2, srv2 := clienttest.Serve(t, 418, "teapot", nil)
	_, err = Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv2.URL))
	_ = loginErr(t, err, rec2, platform.KindUnexpectedStatus, 418, 1)

	_, err = Platform{}.Login(t.Context(), clienttest.Client(t), creds("console.monogoto.io"))
	_ = loginErr(t, err, nil, platform.KindInvalidConfig, 0, 0)
}

func TestLoginExpiryFromJWT(t *testing.T) {
	exp := time.Now().Add(4 * time.Hour).Truncate(time.Second).UTC()
	tok := signedJWT(t, exp)
	_, srv := clienttest.Serve(t, 200, `{"token":"`+tok+`","UserName":"`+testUser+`"}`, nil)
	s, err := Platform{}.Login(t.Context(), clienttest.Client(t), creds(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if !s.ExpiresAt.Equal(exp) {
		t.Errorf("ExpiresAt = %v, want %v", s.ExpiresAt, exp)
	}
}

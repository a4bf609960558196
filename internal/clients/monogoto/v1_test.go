package monogoto

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

func v1Creds(base string) platform.Credentials {
	cr := creds(base)
	cr.Options = map[string]string{"api_version": "v1"}
	return cr
}

func TestLoginV1Shape(t *testing.T) {
	rec, srv := clienttest.Serve(t, 200, `{"token_type":"Bearer","access_token":"v1-access-AAA","refresh_token":"v1-refresh-RRR"}`,
		http.Header{"Content-Type": {"application/json"}})
	before := time.Now()
	// Login dispatches to the v1 API on api_version = "v1".
	s, err := Platform{}.Login(t.Context(), clienttest.Client(t), v1Creds(srv.URL+"/"))
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	rec.WantJSONPost(t, "/v1/auth/token", map[string]any{"username": testUser, "password": testPassword})
	if s.Platform != "monogoto" || s.Token != "v1-access-AAA" || s.RefreshToken != "v1-refresh-RRR" || s.TokenType != "Bearer" {
		t.Errorf("session = %+v", s.Profile)
	}
	if s.BaseURL != srv.URL || s.Username != testUser || s.Profile.UserName != testUser {
		t.Errorf("BaseURL %q Username %q Profile.UserName %q", s.BaseURL, s.Username, s.Profile.UserName)
	}
	// No expires_in and an opaque token: the documented 4 hours.
	if d := s.ExpiresAt.Sub(before); d < 4*time.Hour-time.Second || d > 4*time.Hour+5*time.Second {
		t.Errorf("ExpiresAt - now = %v, want about 4h", d)
	}
	// No profile: no customer ID, so no apikey header, and no extras.
	if !reflect.DeepEqual(s.Headers, map[string]string{"Authorization": "Bearer v1-access-AAA"}) || s.Profile.Extras != nil {
		t.Errorf("Headers = %v, Extras = %v", s.Headers, s.Profile.Extras)
	}
}

func TestRefreshV1Shape(t *testing.T) {
	exp := time.Now().Add(90 * time.Minute).Truncate(time.Second).UTC()
	access := signedJWT(t, exp)
	rec, srv := clienttest.Serve(t, 200, `{"token_type":"bearer","access_token":"`+access+`","refresh_token":"rotated-2"}`, nil)
	s, err := Platform{}.Refresh(t.Context(), clienttest.Client(t), v1Creds(srv.URL), &platform.Session{RefreshToken: "rotating-1"})
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	// The refresh token only: no password.
	rec.WantJSONPost(t, "/v1/auth/refresh", map[string]any{"refresh_token": "rotating-1"})
	// The token type is normalised: the scheme is case-insensitive.
	if s.Token != access || s.RefreshToken != "rotated-2" || s.TokenType != "Bearer" || s.Username != testUser {
		t.Errorf("session = %q %q %q %q", s.Token, s.RefreshToken, s.TokenType, s.Username)
	}
	if !s.ExpiresAt.Equal(exp) {
		t.Errorf("ExpiresAt = %v, want %v (from exp)", s.ExpiresAt, exp)
	}
}

func TestV1ErrorEnvelope(t *testing.T) {
	envelope := func(code int, reqID string) string {
		return `{"status_code":` + strconv.Itoa(code) + `,"message":"Invalid credentials for ` + testUser +
			` with password ` + testPassword + `","request_id":"` + reqID + `"}`
	}
	cases := []struct {
		name    string
		refresh bool
		status  int
		body    string
		kind    platform.Kind
		detail  string
		op      string
	}{
		{"login 401", false, 401, envelope(401, "req-9f8e7d"), platform.KindBadCredentials, "the platform refused the user name and password (HTTP 401); request ID req-9f8e7d", "v1 login"},
		{"login 400", false, 400, envelope(400, "req-1"), platform.KindBadCredentials, "the platform refused the user name and password (HTTP 400); request ID req-1", "v1 login"},
		{"login 403 no envelope", false, 403, "forbidden", platform.KindBadCredentials, "the platform refused the user name and password (HTTP 403)", "v1 login"},
		{"refresh 401", true, 401, envelope(401, "req-2"), platform.KindTokenRejected, "the platform refused the refresh token (HTTP 401); request ID req-2", "v1 token refresh"},
		{"refresh 400 no envelope", true, 400, "", platform.KindTokenRejected, "the platform refused the refresh token (HTTP 400)", "v1 token refresh"},
		{"login 404", false, 404, envelope(404, "req-3"), platform.KindNotFound, "the endpoint /v1/auth/token was not found (HTTP 404); request ID req-3", "v1 login"},
		{"refresh 404", true, 404, "", platform.KindNotFound, "the endpoint /v1/auth/refresh was not found (HTTP 404)", "v1 token refresh"},
		{"login 409", false, 409, envelope(409, "req-4"), platform.KindUnexpectedStatus, "request ID req-4", "v1 login"},
		// A request ID that does not look like one is dropped, never
		// altered: "abcscriptdef" (what it used to become) could be a
		// password with its punctuation removed, which redaction would no
		// longer find (issue 13, item 5).
		{"request id with unexpected characters", false, 401, envelope(401, `abc<script>\n\u0000 def`), platform.KindBadCredentials,
			"the platform refused the user name and password (HTTP 401); (request ID not shown: unexpected characters)", "v1 login"},
		{"request id echoing the password", false, 401, envelope(401, "MARKER "+testPassword), platform.KindBadCredentials,
			"the platform refused the user name and password (HTTP 401); (request ID not shown: unexpected characters)", "v1 login"},
		{"request id too long", false, 401, envelope(401, strings.Repeat("a", 65)), platform.KindBadCredentials,
			"the platform refused the user name and password (HTTP 401); (request ID not shown: unexpected characters)", "v1 login"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, srv := clienttest.Serve(t, tc.status, tc.body, nil)
			var err error
			if tc.refresh {
				_, err = Platform{}.Refresh(t.Context(), clienttest.Client(t), v1Creds(srv.URL), &platform.Session{RefreshToken: "old-refresh-token-value"})
			} else {
				_, err = Platform{}.Login(t.Context(), clienttest.Client(t), v1Creds(srv.URL))
			}
			e := loginErr(t, err, rec, tc.kind, tc.status, 1)
			if e.Detail != tc.detail || e.Op != tc.op {
				t.Errorf("Detail = %q, Op = %q; want %q, %q", e.Detail, e.Op, tc.detail, tc.op)
			}
			msg := e.Error()
			if strings.Contains(msg, "Invalid credentials") || strings.Contains(msg, "old-refresh-token-value") {
				t.Errorf("message quotes the server's text or the refresh token: %q", msg)
			}
		})
	}
}

func TestV1RateLimit(t *testing.T) {
	rec, srv := clienttest.Serve(t, 429, `{"status_code":429,"message":"Too many requests","request_id":"r"}`, http.Header{"Retry-After": {"60"}})
	_, err := Platform{}.Login(t.Context(), clienttest.Client(t), v1Creds(srv.URL))
	// One request: a Retry-After over the cap must stop at once.
	e := loginErr(t, err, rec, platform.KindRateLimited, 429, 1)
	if e.RetryAfter != time.Minute {
		t.Errorf("RetryAfter = %v", e.RetryAfter)
	}
}

func TestDecodeV1Token(t *testing.T) {
	now := time.Now().UTC()
	s, err := decodeV1Token([]byte(`{"access_token":"  tok  "}`), "application/json", now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Token != "tok" || s.TokenType != "Bearer" || s.RefreshToken != "" {
		t.Errorf("session = %q %q %q", s.Token, s.TokenType, s.RefreshToken)
	}
	if d := s.ExpiresAt.Sub(now); d < 4*time.Hour-time.Second || d > 4*time.Hour+5*time.Second {
		t.Errorf("ExpiresAt - now = %v", d)
	}
	for _, body := range []string{`{}`, `{"access_token":null}`, `{"access_token":""}`, `{"access_token":" "}`, `{"token":"legacy-shape"}`} {
		_, err := decodeV1Token([]byte(body), "application/json", now)
		e, ok := platform.AsError(err)
		if !ok || e.Kind != platform.KindMalformed || e.Field != "access_token" {
			t.Errorf("%s: err = %v", body, err)
		}
	}
	_, err = decodeV1Token([]byte(`{"access_token":["x"]}`), "application/json", now)
	if e, ok := platform.AsError(err); !ok || e.Kind != platform.KindMalformed || e.Field != "access_token" {
		t.Errorf("array token: err = %v", err)
	}
}

func TestLegacyRefreshLogsInAgain(t *testing.T) {
	// The console API documents no refresh endpoint: its refresh token is
	// never sent, a new login replaces the session.
	rec, srv := clienttest.Serve(t, 200, `{"token":"fresh-legacy-token"}`, nil)
	s, err := Platform{}.Refresh(t.Context(), clienttest.Client(t), creds(srv.URL), &platform.Session{RefreshToken: "console-refresh"})
	if err != nil {
		t.Fatal(err)
	}
	got := rec.Requests()
	if len(got) != 1 || got[0].Line != "POST /Auth" || got[0].JSON["Password"] != testPassword || s.Token != "fresh-legacy-token" {
		t.Errorf("requests %+v, token %q", got, s.Token)
	}
}

func TestDefaultBaseURLs(t *testing.T) {
	if defaultBaseURL != "https://console.monogoto.io" || defaultV1BaseURL != "https://api.monogoto.io" ||
		(Platform{}).Info().DefaultBaseURL != defaultBaseURL {
		t.Error("the public base URLs are not the documented ones")
	}
}

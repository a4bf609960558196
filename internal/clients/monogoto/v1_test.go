package monogoto_test

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/monogoto"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

func v1Creds(base string) platform.Credentials {
	cr := creds(base)
	cr.MonogotoAPI = platform.MonogotoV1
	return cr
}

func TestLoginV1Shape(t *testing.T) {
	rec, srv := serve(t, 200, `{"token_type":"Bearer","access_token":"v1-access-AAA","refresh_token":"v1-refresh-RRR"}`,
		http.Header{"Content-Type": {"application/json"}})
	before := time.Now()
	// Login dispatches to the v1 API on MonogotoAPI = "v1".
	s, err := monogoto.Login(t.Context(), client(t), v1Creds(srv.URL+"/"))
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if rec.n.Load() != 1 || rec.paths[0] != "POST /v1/auth/token" || rec.ctypes[0] != "application/json" {
		t.Errorf("requests = %v %v", rec.paths, rec.ctypes)
	}
	want := map[string]any{"username": testUser, "password": testPassword}
	if !reflect.DeepEqual(rec.bodies[0], want) {
		t.Errorf("request body = %v, want exactly %v", rec.bodies[0], want)
	}
	if s.Platform != platform.Monogoto || s.Token != "v1-access-AAA" || s.RefreshToken != "v1-refresh-RRR" || s.TokenType != "Bearer" {
		t.Errorf("session = %+v", s.Profile)
	}
	if s.BaseURL != srv.URL || s.Username != testUser || s.Profile.UserName != testUser {
		t.Errorf("BaseURL %q Username %q Profile.UserName %q", s.BaseURL, s.Username, s.Profile.UserName)
	}
	// No expires_in and an opaque token: the documented 4 hours.
	if d := s.ExpiresAt.Sub(before); d < 4*time.Hour-time.Second || d > 4*time.Hour+5*time.Second {
		t.Errorf("ExpiresAt - now = %v, want about 4h", d)
	}
}

func TestRefreshV1Shape(t *testing.T) {
	exp := time.Now().Add(90 * time.Minute).Truncate(time.Second).UTC()
	access := signedJWT(t, exp)
	rec, srv := serve(t, 200, `{"token_type":"bearer","access_token":"`+access+`","refresh_token":"rotated-2"}`, nil)
	s, err := monogoto.RefreshV1(t.Context(), client(t), v1Creds(srv.URL), "rotating-1")
	if err != nil {
		t.Fatalf("RefreshV1: %v", err)
	}
	if rec.paths[0] != "POST /v1/auth/refresh" {
		t.Errorf("path = %q", rec.paths[0])
	}
	if want := map[string]any{"refresh_token": "rotating-1"}; !reflect.DeepEqual(rec.bodies[0], want) {
		t.Errorf("request body = %v, want exactly %v (no password)", rec.bodies[0], want)
	}
	if s.Token != access || s.RefreshToken != "rotated-2" || s.TokenType != "bearer" || s.Username != testUser {
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
		{"login 401", false, 401, envelope(401, "req-9f8e7d"), platform.KindBadCredentials, "request ID req-9f8e7d", "v1 login"},
		{"login 400", false, 400, envelope(400, "req-1"), platform.KindBadCredentials, "request ID req-1", "v1 login"},
		{"login 403 no envelope", false, 403, "forbidden", platform.KindBadCredentials, "", "v1 login"},
		{"refresh 401", true, 401, envelope(401, "req-2"), platform.KindTokenRejected, "request ID req-2; the refresh token was refused", "v1 token refresh"},
		{"refresh 400 no envelope", true, 400, "", platform.KindTokenRejected, "the refresh token was refused", "v1 token refresh"},
		{"login 404", false, 404, envelope(404, "req-3"), platform.KindNotFound, "request ID req-3; the endpoint /v1/auth/token was not found", "v1 login"},
		{"refresh 404", true, 404, "", platform.KindNotFound, "the endpoint /v1/auth/refresh was not found", "v1 token refresh"},
		{"login 409", false, 409, envelope(409, "req-4"), platform.KindUnexpectedStatus, "request ID req-4", "v1 login"},
		{"request id sanitized", false, 401, envelope(401, `abc<script>\n\u0000 def`), platform.KindBadCredentials, "request ID abcscriptdef", "v1 login"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, srv := serve(t, tc.status, tc.body, nil)
			var err error
			if tc.refresh {
				_, err = monogoto.RefreshV1(t.Context(), client(t), v1Creds(srv.URL), "old-refresh-token-value")
			} else {
				_, err = monogoto.LoginV1(t.Context(), client(t), v1Creds(srv.URL))
			}
			e := loginErr(t, err, tc.kind, tc.status, 1)
			if e.Detail != tc.detail || e.Op != tc.op {
				t.Errorf("Detail = %q, Op = %q; want %q, %q", e.Detail, e.Op, tc.detail, tc.op)
			}
			if rec.n.Load() != 1 {
				t.Errorf("%d requests", rec.n.Load())
			}
			msg := e.Error()
			if strings.Contains(msg, "Invalid credentials") || strings.Contains(msg, "old-refresh-token-value") {
				t.Errorf("message quotes the server's text or the refresh token: %q", msg)
			}
		})
	}
}

func TestV1RateLimit(t *testing.T) {
	rec, srv := serve(t, 429, `{"status_code":429,"message":"Too many requests","request_id":"r"}`, http.Header{"Retry-After": {"60"}})
	_, err := monogoto.LoginV1(t.Context(), client(t), v1Creds(srv.URL))
	e := loginErr(t, err, platform.KindRateLimited, 429, 1)
	if e.RetryAfter != time.Minute {
		t.Errorf("RetryAfter = %v", e.RetryAfter)
	}
	if rec.n.Load() != 1 {
		t.Errorf("%d requests: a Retry-After over the cap must stop at once", rec.n.Load())
	}
}

func TestDecodeV1Token(t *testing.T) {
	now := time.Now().UTC()
	s, err := monogoto.DecodeV1Token([]byte(`{"access_token":"  tok  "}`), "application/json")
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
		_, err := monogoto.DecodeV1Token([]byte(body), "application/json")
		e, ok := platform.AsError(err)
		if !ok || e.Kind != platform.KindMalformed || e.Field != "access_token" {
			t.Errorf("%s: err = %v", body, err)
		}
	}
	_, err = monogoto.DecodeV1Token([]byte(`{"access_token":["x"]}`), "application/json")
	if e, ok := platform.AsError(err); !ok || e.Kind != platform.KindMalformed || e.Field != "access_token" {
		t.Errorf("array token: err = %v", err)
	}
}

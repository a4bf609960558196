package httpx_test

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

func TestPostJSONPostFormGet(t *testing.T) {
	rec, srv := clienttest.Serve(t, 200, "{}", nil)
	c := newClient(t, fastConfig())
	caller := http.Header{"X-Caller": {"kept"}}
	if _, err := c.PostJSON(t.Context(), srv.URL+"/json", struct {
		A string `json:"a"`
		B bool   `json:"b"`
	}{"x", true}, caller); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PostForm(t.Context(), srv.URL+"/form", url.Values{"k": {"v"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(t.Context(), srv.URL+"/get", nil); err != nil {
		t.Fatal(err)
	}
	got := rec.Requests()
	if len(got) != 3 {
		t.Fatalf("requests = %+v", got)
	}
	if got[0].Line != "POST /json" || got[0].ContentType != "application/json" || !reflect.DeepEqual(got[0].JSON, map[string]any{"a": "x", "b": true}) {
		t.Errorf("PostJSON sent %+v", got[0])
	}
	if got[1].Line != "POST /form" || got[1].ContentType != "application/x-www-form-urlencoded" {
		t.Errorf("PostForm sent %+v", got[1])
	}
	if got[2].Line != "GET /get" || got[2].ContentType != "" {
		t.Errorf("Get sent %+v", got[2])
	}
	if len(caller) != 1 {
		t.Errorf("the caller's header was changed: %v", caller)
	}
	if _, err := c.PostJSON(t.Context(), srv.URL, func() {}, nil); !platform.IsKind(err, platform.KindInvalidConfig) {
		t.Errorf("unencodable body: %v", err)
	}
}

func TestCheck(t *testing.T) {
	refused := func(s int) bool { return s == 401 }
	cases := []struct {
		name   string
		status int
		x      httpx.Expect
		kind   platform.Kind // KindUnknown: no error
		detail string
	}{
		{"200 by default", 200, httpx.Expect{}, platform.KindUnknown, ""},
		{"201 not by default", 201, httpx.Expect{Path: "/p"}, platform.KindUnexpectedStatus, ""},
		{"201 listed", 201, httpx.Expect{OK: []int{201, 200}}, platform.KindUnknown, ""},
		{"refused", 401, httpx.Expect{Refused: refused}, platform.KindBadCredentials, "the platform refused the user name and password (HTTP 401)"},
		{"refused, named", 401, httpx.Expect{Refused: refused, Credentials: "client ID and secret"}, platform.KindBadCredentials,
			"the platform refused the client ID and secret (HTTP 401)"},
		{"401 not refused", 401, httpx.Expect{}, platform.KindUnexpectedStatus, ""},
		{"403 not documented", 403, httpx.Expect{Refused: refused}, platform.KindUnexpectedStatus, ""},
		{"404", 404, httpx.Expect{Path: "/auth/login"}, platform.KindNotFound, "the endpoint /auth/login was not found (HTTP 404)"},
		{"404 with a note", 404, httpx.Expect{Path: "/auth/login", NotFound: "the base URL ends in /api"}, platform.KindNotFound,
			"the endpoint /auth/login was not found (HTTP 404); the base URL ends in /api"},
		{"404 refused", 404, httpx.Expect{Path: "/Auth", Refused: func(int) bool { return true }}, platform.KindBadCredentials,
			"the platform refused the user name and password (HTTP 404)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := (&httpx.Response{Status: tc.status, Attempts: 1}).Check(tc.x)
			if tc.kind == platform.KindUnknown {
				if err != nil {
					t.Fatalf("Check = %v", err)
				}
				return
			}
			e := clienttest.WantError(t, err, tc.kind, tc.status, 1)
			if e.Detail != tc.detail {
				t.Errorf("Detail = %q, want %q", e.Detail, tc.detail)
			}
		})
	}
}

func TestSession(t *testing.T) {
	calls := 0
	decode := func(body []byte, contentType string, now time.Time) (*platform.Session, error) {
		calls++
		if string(body) != "{}" {
			return nil, platform.Malformed("", "not {}")
		}
		return &platform.Session{Token: contentType, ObtainedAt: now}, nil
	}
	answer := func(status int, body string) *httpx.Response {
		return &httpx.Response{Status: status, Attempts: 1, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
	}
	refused := httpx.Expect{Refused: func(int) bool { return true }}

	s, err := answer(200, "{}").Session(refused, "https://p.example", decode)
	if err != nil || s.BaseURL != "https://p.example" || s.Token != "application/json" || time.Since(s.ObtainedAt) > time.Minute || s.ObtainedAt.Location() != time.UTC {
		t.Fatalf("Session = %+v, %v", s, err)
	}
	if _, err := answer(200, "[]").Session(refused, "", decode); !platform.IsKind(err, platform.KindMalformed) {
		t.Errorf("a decoder's error: %v", err)
	}
	if _, err := answer(401, "{}").Session(refused, "", decode); !platform.IsKind(err, platform.KindBadCredentials) || calls != 2 {
		t.Errorf("a refused answer: %v, decoded %d times (want 2: it is not decoded)", err, calls)
	}
}

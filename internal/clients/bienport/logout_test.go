package bienport

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// logoutServer answers the logout with status and body, and records the
// request's path, headers and body.
type logoutServer struct {
	status int
	body   string

	mu     sync.Mutex
	paths  []string
	header http.Header
	json   map[string]any
}

func (f *logoutServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	f.header = r.Header.Clone()
	f.json = nil
	_ = json.Unmarshal(b, &f.json)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

func logoutSession(base string) *platform.Session {
	s := &platform.Session{Platform: info.Name, BaseURL: base, Username: testUser, Token: seedToken, TokenType: "Bearer",
		Profile: platform.Profile{UserID: "20641", OrganizationID: "20635"}}
	s.Headers = map[string]string{"Authorization": s.AuthorizationHeader(), "OrganizationId": "20635"}
	return s
}

// TestRevokeLogout: the logout is POST {base}/user/logout with the
// session's headers and the documented body, appId holding AppID.
func TestRevokeLogout(t *testing.T) {
	f := &logoutServer{status: 200, body: `{"message":"Logged out","success":true}`}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cr := platform.Credentials{Platform: info.Name, Username: testUser, Password: testPassword}
	if err := (Platform{}).Revoke(t.Context(), clienttest.Client(t), cr, logoutSession(srv.URL+"/api")); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if !reflect.DeepEqual(f.paths, []string{"POST /api/user/logout"}) {
		t.Errorf("requests %v", f.paths)
	}
	want := map[string]any{"appId": "terraform-provider-iotauth", "jwtToken": seedToken, "userId": float64(20641)}
	if !reflect.DeepEqual(f.json, want) {
		t.Errorf("body = %v, want %v", f.json, want)
	}
	if f.header.Get("Authorization") != "Bearer "+seedToken || f.header.Get("OrganizationId") != "20635" ||
		f.header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", f.header)
	}
	if !info.CanRevoke(platform.Password) {
		t.Error("Info does not declare password tokens revocable")
	}
}

func TestRevokeFailures(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		kind   platform.Kind
		detail string
	}{
		{"401", 401, `{"statusCode":401}`, platform.KindTokenRejected, "the logout endpoint refused the token (HTTP 401)"},
		{"404", 404, `{}`, platform.KindNotFound, "the endpoint /user/logout was not found (HTTP 404); BienPort's base URL ends in /api"},
		{"success false", 200, `{"message":"token ` + seedToken + `","success":false}`, platform.KindUnexpectedStatus,
			`the logout answered without "success": true`},
		{"no success", 200, `{"message":"ok"}`, platform.KindUnexpectedStatus, `the logout answered without "success": true`},
		{"not JSON", 200, `done`, platform.KindMalformed, "the answer is not JSON (content type application/json)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &logoutServer{status: tc.status, body: tc.body}
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			cr := platform.Credentials{Platform: info.Name, Username: testUser, Password: testPassword}
			err := Platform{}.Revoke(t.Context(), clienttest.Client(t), cr, logoutSession(srv.URL+"/api"))
			e := clienttest.AsError(t, err)
			if e.Kind != tc.kind || e.Detail != tc.detail {
				t.Errorf("got %v (%q), want %v (%q)", e.Kind, e.Detail, tc.kind, tc.detail)
			}
			clienttest.NoSecret(t, err, seedToken, testPassword)
		})
	}
	// Without a numeric user ID nothing is sent.
	f := &logoutServer{status: 200, body: `{"success":true}`}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	s := logoutSession(srv.URL + "/api")
	s.Profile.UserID = ""
	err := Platform{}.Revoke(t.Context(), clienttest.Client(t), platform.Credentials{Platform: info.Name}, s)
	if e := clienttest.Malformed(t, err); e.Field != "userId" || len(f.paths) != 0 {
		t.Errorf("got %v after %d requests", e, len(f.paths))
	}
}

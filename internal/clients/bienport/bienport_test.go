package bienport_test

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

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/bienport"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

const (
	seedToken    = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ7XCJ1c2VyaWRcIjoyMDY0MSxcInNjcmVlbk5hbWVcIjpcImJpZW5wb3J0LmZsZXh5d2F0dFwiLFwicmVtZW1iZXJNZVwiOnRydWV9IiwiaWF0IjoxNzU2MTQwODE3LCJleHAiOjE3NjM5MTY4MTd9.Vg9gAG1dn8v8c8f0J6H08NW2Bomwsyqk8LfDnc7WZFlX2zZrhZMoC-ru3oZL0wg0TuYaqTJ2cr9Hky4ddsGR9A"
	seedMQPass   = "XFAYdhtDquax/rtofHjqCw=="
	testUser     = "905554447788"
	testPassword = "BienPort-PW-s3cr3t!"
)

var seedExpiry = time.Date(2025, 11, 23, 16, 53, 37, 0, time.UTC) // exp 1763916817

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestDecodeLoginSeed003(t *testing.T) {
	now := time.Date(2025, 8, 25, 16, 53, 37, 0, time.UTC)
	s, err := bienport.DecodeLogin(readFixture(t, "seed003_login.json"), "application/json", now)
	if err != nil {
		t.Fatalf("DecodeLogin: %v", err)
	}
	if s.Platform != platform.Bienport || s.Token != seedToken || s.TokenType != "Bearer" {
		t.Errorf("session %s token %q type %q", s.Platform, s.Token, s.TokenType)
	}
	if s.MQTTUsername != "mqttuser" || s.MQTTPassword != seedMQPass {
		t.Errorf("MQTT = %q / %q", s.MQTTUsername, s.MQTTPassword)
	}
	if s.Username != "bienport.demo" || !s.ObtainedAt.Equal(now) || !s.ExpiresAt.Equal(seedExpiry) {
		t.Errorf("Username %q ObtainedAt %v ExpiresAt %v", s.Username, s.ObtainedAt, s.ExpiresAt)
	}
	if s.RefreshToken != "" {
		t.Error("RefreshToken set")
	}

	p := s.Profile
	if p.UserID != "20641" || p.UserName != "bienport.demo" || p.Email != "[email protected]" {
		t.Errorf("UserID %q UserName %q Email %q", p.UserID, p.UserName, p.Email)
	}
	if p.OrganizationID != "20635" || !reflect.DeepEqual(p.OrganizationIDs, []string{"20635"}) {
		t.Errorf("OrganizationID %q OrganizationIDs %v", p.OrganizationID, p.OrganizationIDs)
	}
	if !reflect.DeepEqual(p.Roles, []string{"User"}) {
		t.Errorf("Roles = %v", p.Roles)
	}
	if p.Permissions == nil || len(p.Permissions) != 0 || p.CustomerID != "" {
		t.Errorf("Permissions %v CustomerID %q", p.Permissions, p.CustomerID)
	}
	if p.Monogoto != nil || p.Coiote != nil {
		t.Error("other platforms' extras set")
	}
	want := &platform.BienportExtras{
		ScreenName:    "bienport.demo",
		LocaleID:      "tr_TR",
		Organizations: []platform.BienportOrganization{{ID: "20635", Name: "Bimetri"}},
		RoleDetails:   []platform.BienportRole{{RoleID: 20166, RoleName: "User", Type: 1, Inherited: false, TypePK: 1}},
		Resources: []platform.BienportResource{
			{ResourceID: 17305, NetworkID: "26:AA:E0:23:23:5E", ResourceName: "Bimetri Demo Konsantratör", Enabled: false,
				TreePath: "/17305/", OrgID: 20635, ResourceType: "Gateway", DeviceSubType: "gateway"},
			{ResourceID: 17354, NetworkID: "26:AA:09:0B:6D:FB", ResourceName: "Bimetri Demo Pano", Enabled: true,
				TreePath: "/17354/", OrgID: 20635, ResourceType: "Gateway", DeviceSubType: "gateway"},
		},
	}
	if !reflect.DeepEqual(p.Bienport, want) {
		t.Errorf("extras =\n  %+v\nwant\n  %+v", p.Bienport, want)
	}

	wantHeaders := map[string]string{"Authorization": "Bearer " + seedToken, "OrganizationId": "20635"}
	if h := s.Headers(); !reflect.DeepEqual(h, wantHeaders) {
		t.Errorf("Headers() = %v", h)
	}

	// Neither the token nor the MQTT password shows when printed, and
	// the profile (which may land in state) holds neither.
	pj, _ := json.Marshal(s.Profile)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%+v", *s), string(pj), fmt.Sprintf("%#v", s.Profile)} {
		if strings.Contains(out, seedToken) || strings.Contains(out, seedMQPass) {
			t.Errorf("secret shown: %s", out)
		}
	}
}

func TestDecodeLoginStringOrganizationIDs(t *testing.T) {
	s, err := bienport.DecodeLogin(readFixture(t, "login_string_org_ids.json"), "application/json", time.Now())
	if err != nil {
		t.Fatalf("DecodeLogin: %v", err)
	}
	// The "Bearer " prefix some answers carry is not part of the token.
	if s.Token != seedToken {
		t.Errorf("Token = %q", s.Token)
	}
	p := s.Profile
	// No userId in the answer: taken from the JWT's nested subject.
	if p.UserID != "20641" {
		t.Errorf("UserID = %q, want 20641 from the token's sub claim", p.UserID)
	}
	if p.OrganizationID != "20700" || !reflect.DeepEqual(p.OrganizationIDs, []string{"20700", "20635"}) {
		t.Errorf("OrganizationID %q OrganizationIDs %v", p.OrganizationID, p.OrganizationIDs)
	}
	wantOrgs := []platform.BienportOrganization{{ID: "20700", Name: "Sebeke Takip"}, {ID: "20635", Name: "Bimetri"}}
	if !reflect.DeepEqual(p.Bienport.Organizations, wantOrgs) {
		t.Errorf("Organizations = %+v", p.Bienport.Organizations)
	}
	wantRoles := []platform.BienportRole{
		{RoleID: 20166, RoleName: "User", Type: 1, TypePK: 1},
		{RoleID: 20170, RoleName: "Organization Administrator", Type: 2, Inherited: true, TypePK: 20700, TypeName: "Organization"},
	}
	if !reflect.DeepEqual(p.Bienport.RoleDetails, wantRoles) || !reflect.DeepEqual(p.Roles, []string{"User", "Organization Administrator"}) {
		t.Errorf("roles = %+v / %v", p.Bienport.RoleDetails, p.Roles)
	}
	wantRes := []platform.BienportResource{{ResourceID: 17400, NetworkID: "26:AA:00:00:00:01", ResourceName: "Meter 1", Enabled: true,
		TreePath: "/17305/17400/", OrgID: 20700, ResourceType: "Device", DeviceSubType: "meter"}}
	if !reflect.DeepEqual(p.Bienport.Resources, wantRes) {
		t.Errorf("Resources = %+v", p.Bienport.Resources)
	}
	if s.Headers()["OrganizationId"] != "20700" {
		t.Errorf("Headers() = %v", s.Headers())
	}
	if s.Username != testUser || p.Email != "ops@sebeketakip.example" || p.Bienport.LocaleID != "en_US" {
		t.Errorf("Username %q Email %q", s.Username, p.Email)
	}
}

func TestDecodeLoginOrganizationIDsOrder(t *testing.T) {
	body := `{"token":"opaque","userId":"7","organizationIds":[3,"1",3],"organizations":[{"name":"A","id":1},{"name":"B","id":"2"},{"name":"C","id":null}]}`
	s, err := bienport.DecodeLogin([]byte(body), "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p := s.Profile
	if !reflect.DeepEqual(p.OrganizationIDs, []string{"3", "1", "2"}) || p.OrganizationID != "3" || p.UserID != "7" {
		t.Errorf("OrganizationIDs %v OrganizationID %q UserID %q", p.OrganizationIDs, p.OrganizationID, p.UserID)
	}
	if len(p.Bienport.Organizations) != 3 || p.Bienport.Organizations[2].ID != "" {
		t.Errorf("Organizations = %+v", p.Bienport.Organizations)
	}
	if !s.ExpiresAt.IsZero() {
		t.Errorf("ExpiresAt = %v for an opaque token", s.ExpiresAt)
	}
}

func TestDecodeLoginMalformed(t *testing.T) {
	cases := []struct{ body, field string }{
		{`{}`, "token"},
		{`{"token":null}`, "token"},
		{`{"token":"  "}`, "token"},
		{`{"token":7}`, "token"},
		{`{"token":"t","userId":"x"}`, "userId"},
		{`{"token":"t","organizations":{"id":1}}`, "organizations"},
		{`{"token":"t","organizations":[{"id":true}]}`, "organizations.id"},
		{`{"token":"t","roles":[{"roleId":1.5}]}`, "roles.roleId"},
		{`{"token":"t","resources":[{"orgId":"` + seedMQPass + `"}]}`, "resources.orgId"},
		{`<html>Login</html>`, ""},
		{``, ""},
	}
	for _, tc := range cases {
		t.Run(tc.body, func(t *testing.T) {
			s, err := bienport.DecodeLogin([]byte(tc.body), "application/json", time.Now())
			e, ok := platform.AsError(err)
			if s != nil || !ok || e.Kind != platform.KindMalformed || e.Field != tc.field {
				t.Fatalf("got %v, %v (field %q); want Malformed field %q", s, err, fieldOf(e), tc.field)
			}
			if strings.Contains(e.Error(), seedMQPass) {
				t.Errorf("message echoes the body: %v", e)
			}
		})
	}
}

func fieldOf(e *platform.Error) string {
	if e == nil {
		return ""
	}
	return e.Field
}

// fakeBienport records logins and answers with a fixed status and body.
type fakeBienport struct {
	status int
	body   string
	n      atomic.Int64
	mu     sync.Mutex
	paths  []string
	bodies []map[string]any
	ctypes []string
}

func (f *fakeBienport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.n.Add(1)
	b, _ := io.ReadAll(r.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	f.mu.Lock()
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	f.bodies = append(f.bodies, m)
	f.ctypes = append(f.ctypes, r.Header.Get("Content-Type"))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

func start(t *testing.T, status int, body string) (*fakeBienport, *httptest.Server) {
	t.Helper()
	f := &fakeBienport{status: status, body: body}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
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

func TestLoginRequestShape(t *testing.T) {
	for _, remember := range []bool{true, false} {
		t.Run(fmt.Sprint("rememberMe=", remember), func(t *testing.T) {
			f, srv := start(t, 200, string(readFixture(t, "seed003_login.json")))
			cr := platform.Credentials{Platform: platform.Bienport, BaseURL: srv.URL + "/api/", Username: testUser, Password: testPassword, RememberMe: remember}
			s, err := bienport.Login(t.Context(), client(t), cr)
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if f.n.Load() != 1 || f.paths[0] != "POST /api/auth/login" || f.ctypes[0] != "application/json" {
				t.Errorf("requests %v %v", f.paths, f.ctypes)
			}
			want := map[string]any{"screenName": testUser, "password": testPassword, "rememberMe": remember}
			if !reflect.DeepEqual(f.bodies[0], want) {
				t.Errorf("body = %v, want exactly %v", f.bodies[0], want)
			}
			if s.BaseURL != srv.URL+"/api" || s.Token != seedToken || s.Username != "bienport.demo" || !s.ExpiresAt.Equal(seedExpiry) {
				t.Errorf("session %s base %q", s, s.BaseURL)
			}
		})
	}
}

func TestLoginUsernameFallback(t *testing.T) {
	_, srv := start(t, 200, `{"token":"opaque-token"}`)
	cr := platform.Credentials{Platform: platform.Bienport, BaseURL: srv.URL, Username: testUser, Password: testPassword}
	s, err := bienport.Login(t.Context(), client(t), cr)
	if err != nil {
		t.Fatal(err)
	}
	if s.Username != testUser {
		t.Errorf("Username = %q", s.Username)
	}
}

func TestLoginFailures(t *testing.T) {
	cases := []struct {
		name             string
		status, attempts int
		body             string
		kind             platform.Kind
	}{
		{"401 seed", 401, 1, string(readFixture(t, "seed003_error_401.json")), platform.KindBadCredentials},
		{"403", 403, 1, `{"statusCode":403}`, platform.KindBadCredentials},
		{"404", 404, 1, `{"statusCode":404}`, platform.KindNotFound},
		{"400", 400, 1, `{"statusCode":400,"message":"password ` + testPassword + `"}`, platform.KindUnexpectedStatus},
		{"502", 502, 3, "bad gateway", platform.KindServer},
		{"200 html", 200, 0, "<html>maintenance</html>", platform.KindMalformed},
		{"200 no token", 200, 0, `{"mqUser":"u","mqPassword":"` + seedMQPass + `"}`, platform.KindMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := start(t, tc.status, tc.body)
			cr := platform.Credentials{Platform: platform.Bienport, BaseURL: srv.URL, Username: "bienport.demo", Password: testPassword}
			_, err := bienport.Login(t.Context(), client(t), cr)
			e, ok := platform.AsError(err)
			if !ok {
				t.Fatalf("err = %v", err)
			}
			wantStatus := tc.status
			if tc.kind == platform.KindMalformed {
				wantStatus = 0
			}
			if e.Kind != tc.kind || e.Status != wantStatus || e.Attempts != tc.attempts {
				t.Errorf("Kind=%v Status=%d Attempts=%d (%v)", e.Kind, e.Status, e.Attempts, e)
			}
			if e.Platform != platform.Bienport || e.User != "bienport.demo" || e.Op != "login" {
				t.Errorf("Platform %q User %q Op %q", e.Platform, e.User, e.Op)
			}
			wantRequests := max(tc.attempts, 1)
			if int(f.n.Load()) != wantRequests {
				t.Errorf("%d requests, want %d", f.n.Load(), wantRequests)
			}
			for _, secret := range []string{testPassword, seedMQPass} {
				if strings.Contains(e.Error(), secret) {
					t.Errorf("message holds %q: %v", secret, e)
				}
			}
		})
	}
}

func TestDecodeLoginBearerPrefix(t *testing.T) {
	cases := map[string]string{
		"Bearer abc":     "abc",
		"Bearer  abc ":   "abc",
		"bearer\tabc":    "abc",
		"BEARER abc":     "abc",
		"Bearerabc":      "Bearerabc",
		"abc Bearer def": "abc Bearer def",
	}
	for in, want := range cases {
		s, err := bienport.DecodeLogin([]byte(`{"token":`+jsonQuote(in)+`}`), "", time.Now())
		if err != nil || s.Token != want {
			t.Errorf("token %q: got %v, %v; want %q", in, s, err, want)
		}
	}
	for _, in := range []string{"Bearer", "Bearer ", " bearer \t "} {
		_, err := bienport.DecodeLogin([]byte(`{"token":`+jsonQuote(in)+`}`), "", time.Now())
		if e, ok := platform.AsError(err); !ok || e.Kind != platform.KindMalformed || e.Field != "token" {
			t.Errorf("token %q: err = %v, want Malformed field token", in, err)
		}
	}
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

package clients_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/cache"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// These tests drive every client through the Manager against the mock
// platforms (internal/clients/mock), the same servers the acceptance tests
// and the demo use. The per-package tests use hand-written httptest servers;
// these prove that the clients and the mock agree on every quirk.

func startMockPlatforms(t *testing.T, edit ...func(*mock.Config)) *mock.Server {
	t.Helper()
	cfg := mock.DefaultConfig()
	for _, e := range edit {
		e(&cfg)
	}
	srv, err := mock.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// fastHTTP retries quickly so that fault tests stay short.
func fastHTTP() httpx.Config {
	return httpx.Config{
		Timeout:      time.Second,
		MaxRetries:   2,
		RetryMaxWait: 2 * time.Second,
		MaxElapsed:   10 * time.Second,
		BackoffMin:   5 * time.Millisecond,
	}
}

func newMockManager(t *testing.T, hc httpx.Config, co cache.Options) *clients.Manager {
	t.Helper()
	m, err := clients.New(clients.Config{HTTP: hc, Cache: co})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func seedCreds(srv *mock.Server, p platform.Name) platform.Credentials {
	cr := platform.Credentials{Platform: p, BaseURL: srv.BaseURL(p)}
	switch p {
	case platform.Monogoto:
		cr.Username, cr.Password = mock.SeedMonogotoDemo.UserName, mock.SeedMonogotoDemoPassword
	case platform.Coiote:
		cr.Username, cr.Password = mock.SeedCoioteOps.Login, mock.SeedCoioteOpsPassword
	case platform.Bienport:
		cr.Username, cr.Password = mock.SeedBienportDemo.ScreenName, mock.SeedBienportDemoPassword
	}
	return cr
}

// noSecrets fails when msg holds any password or secret the mock knows.
func noSecrets(t *testing.T, srv *mock.Server, msg string) {
	t.Helper()
	for _, s := range append(srv.Passwords(), srv.IssuedSecrets()...) {
		if s != "" && strings.Contains(msg, s) {
			t.Errorf("the error message holds a secret the mock knows: %q", msg)
		}
	}
	for _, marker := range []string{mock.TokenPrefix, mock.JWTHeaderPrefix, "mockpw-"} {
		if strings.Contains(msg, marker) {
			t.Errorf("the error message holds %q: %q", marker, msg)
		}
	}
}

// expiresNear checks a session's expiry against the expected one.
func expiresNear(t *testing.T, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want); d < -5*time.Second || d > 5*time.Second {
		t.Errorf("ExpiresAt = %s, want about %s", got.UTC().Format(time.RFC3339), want.UTC().Format(time.RFC3339))
	}
}

func TestMockMonogotoSeedFieldForField(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t)
	m := newMockManager(t, fastHTTP(), cache.Options{})
	for _, acct := range []mock.MonogotoAccount{mock.SeedMonogotoDemo, mock.SeedMonogotoViewer} {
		t.Run(acct.UserName, func(t *testing.T) {
			s, err := m.Session(t.Context(), platform.Credentials{Platform: platform.Monogoto,
				BaseURL: srv.BaseURL(platform.Monogoto), Username: acct.UserName, Password: acct.Password})
			if err != nil {
				t.Fatal(err)
			}
			if s.Token != srv.LastToken(platform.Monogoto) || s.TokenType != "Bearer" {
				t.Errorf("token is not the one the mock issued last, or type %q", s.TokenType)
			}
			if !slices.Contains(srv.IssuedSecrets(), s.RefreshToken) {
				t.Error("the refresh token is not one the mock issued")
			}
			expiresNear(t, s.ExpiresAt, time.Now().Add(mock.DefaultMonogotoTokenLifetime))
			p := s.Profile
			want := map[string][2]string{
				"UserID":         {p.UserID, acct.UserID},
				"UserName":       {p.UserName, acct.UserName},
				"Email":          {p.Email, acct.UserName},
				"CustomerID":     {p.CustomerID, acct.CustomerID},
				"OrganizationID": {p.OrganizationID, acct.OrganizationID},
				"Realm":          {p.Monogoto.Realm, acct.Realm},
				"RoleProfileID":  {p.Monogoto.RoleProfileID, acct.Role},
				"ProfileName":    {p.Monogoto.ProfileName, acct.Profile.Name},
				"ProfileType":    {p.Monogoto.ProfileType, acct.Profile.Type},
			}
			for k, v := range want {
				if v[0] != v[1] {
					t.Errorf("%s = %q, want %q", k, v[0], v[1])
				}
			}
			if p.Monogoto.TwoFactorAuthentication != acct.TwoFactorAuthentication {
				t.Errorf("TwoFactorAuthentication = %v", p.Monogoto.TwoFactorAuthentication)
			}
			if !slices.Equal(p.Monogoto.ThingsGroupIDs, acct.ThingsGroupIDs) {
				t.Errorf("ThingsGroupIDs = %v, want %v", p.Monogoto.ThingsGroupIDs, acct.ThingsGroupIDs)
			}
			if !p.Monogoto.ProfileCreated.Equal(time.UnixMilli(acct.Profile.DateCreated)) ||
				!p.Monogoto.ProfileModified.Equal(time.UnixMilli(acct.Profile.DateModified)) {
				t.Errorf("profile dates %s / %s", p.Monogoto.ProfileCreated, p.Monogoto.ProfileModified)
			}
			if len(p.Permissions) != len(acct.Profile.Permissions) {
				t.Fatalf("%d permissions, want %d", len(p.Permissions), len(acct.Profile.Permissions))
			}
			for name, actions := range acct.Profile.Permissions {
				if !slices.Equal(p.Permissions[name], actions) {
					t.Errorf("permission %s = %v, want %v", name, p.Permissions[name], actions)
				}
			}
			h := s.Headers()
			if h["apikey"] != acct.CustomerID || h["Authorization"] != "Bearer "+s.Token {
				t.Error("headers lack the apikey or the Authorization value")
			}
		})
	}
}

func TestMockMonogotoOpaqueTokenHasNoExpiry(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t, func(c *mock.Config) { c.MonogotoOpaqueTokens = true })
	s, err := newMockManager(t, fastHTTP(), cache.Options{}).Session(t.Context(), seedCreds(srv, platform.Monogoto))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Token, mock.TokenPrefix) || !s.ExpiresAt.IsZero() {
		t.Errorf("opaque token: prefix ok=%v, ExpiresAt=%s (want unknown)", strings.HasPrefix(s.Token, mock.TokenPrefix), s.ExpiresAt)
	}
}

func TestMockCoioteSeedFieldForField(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t)
	m := newMockManager(t, fastHTTP(), cache.Options{})
	for _, acct := range []mock.CoioteAccount{mock.SeedCoioteOps, mock.SeedCoioteAdmin} {
		t.Run(acct.Login, func(t *testing.T) {
			s, err := m.Session(t.Context(), platform.Credentials{Platform: platform.Coiote,
				BaseURL: srv.BaseURL(platform.Coiote), Username: acct.Login, Password: acct.Password})
			if err != nil {
				t.Fatal(err)
			}
			if s.Token != srv.LastToken(platform.Coiote) {
				t.Error("token is not the one the mock issued last")
			}
			// 201 Created with expires_in "300" (a string).
			expiresNear(t, s.ExpiresAt, time.Now().Add(300*time.Second))
			p := s.Profile
			ex := p.Coiote
			checks := map[string][2]string{
				"UserID": {p.UserID, acct.UserID}, "UserName": {p.UserName, acct.Login}, "Email": {p.Email, acct.Email},
				"Login": {ex.Login, acct.Login}, "Domain": {ex.Domain, acct.Domain}, "FullName": {ex.FullName, acct.FullName},
				"ExpirationDate": {ex.ExpirationDate, acct.ExpirationDate}, "CreationDate": {ex.CreationDate, acct.CreationDate},
				"SecurityPolicyID": {ex.SecurityPolicyID, acct.SecurityPolicyID},
			}
			for k, v := range checks {
				if v[0] != v[1] {
					t.Errorf("%s = %q, want %q", k, v[0], v[1])
				}
			}
			if ex.Active != acct.Active || ex.SuperUser != acct.SuperUser || ex.Staff != acct.Staff {
				t.Errorf("flags active=%v super=%v staff=%v", ex.Active, ex.SuperUser, ex.Staff)
			}
			if !slices.Equal(p.Roles, acct.Roles) {
				t.Errorf("Roles = %v, want %v", p.Roles, acct.Roles)
			}
			if len(p.Permissions) != len(acct.Permissions) {
				t.Errorf("%d permissions, want %d", len(p.Permissions), len(acct.Permissions))
			}
			for _, perm := range acct.Permissions {
				if _, ok := p.Permissions[perm]; !ok {
					t.Errorf("permission %q missing", perm)
				}
			}
			if len(ex.Properties) != len(acct.Properties) {
				t.Errorf("Properties = %v, want %v", ex.Properties, acct.Properties)
			}
			// The users endpoint returns a password field: it must be
			// nowhere in the session.
			dump := fmt.Sprintf("%#v %+v %+v", *s, s.Profile, *s.Profile.Coiote)
			for _, secret := range srv.IssuedSecrets() {
				if strings.HasPrefix(secret, mock.TokenPrefix+"pwhash") && strings.Contains(dump, secret) {
					t.Error("the user object's password field reached the session")
				}
			}
			if strings.Contains(dump, acct.Password) {
				t.Error("the password reached the session's printed form")
			}
		})
	}
	// The login containing `@` reached the users endpoint path-escaped.
	found := false
	for _, r := range srv.ReceivedRequests(platform.Coiote) {
		if r.Endpoint == mock.EndpointProfile && r.Path == "/api/coiotedm/v3/users/ops%40acme.example" {
			found = true
		}
	}
	if !found {
		t.Error("no users request for ops%40acme.example: the login was not path-escaped")
	}
}

func TestMockCoioteServiceAccount(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t)
	s, err := newMockManager(t, fastHTTP(), cache.Options{}).Session(t.Context(), platform.Credentials{
		Platform: platform.Coiote, BaseURL: srv.BaseURL(platform.Coiote),
		ClientID: mock.SeedCoioteClient.ClientID, ClientSecret: mock.SeedCoioteClient.ClientSecret, Realm: mock.SeedCoioteClient.Realm,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Token != srv.LastToken(platform.Coiote) || s.Username != mock.SeedCoioteClient.ClientID {
		t.Error("service-account session is not the mock's last token or names the wrong principal")
	}
	expiresNear(t, s.ExpiresAt, time.Now().Add(300*time.Second)) // numeric expires_in
	if srv.Count(platform.Coiote, mock.EndpointClientCredentials) != 1 || srv.Count(platform.Coiote, mock.EndpointLogin) != 0 {
		t.Errorf("counts %v", srv.Counts(platform.Coiote))
	}
}

func TestMockBienportSeedFieldForField(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t)
	m := newMockManager(t, fastHTTP(), cache.Options{})
	for _, acct := range []mock.BienportAccount{mock.SeedBienportDemo, mock.SeedBienportPhone} {
		t.Run(acct.ScreenName, func(t *testing.T) {
			s, err := m.Session(t.Context(), platform.Credentials{Platform: platform.Bienport,
				BaseURL: srv.BaseURL(platform.Bienport), Username: acct.ScreenName, Password: acct.Password})
			if err != nil {
				t.Fatal(err)
			}
			if s.Token != srv.LastToken(platform.Bienport) || s.MQTTUsername != acct.MQUser ||
				!slices.Contains(srv.IssuedSecrets(), s.MQTTPassword) {
				t.Error("token or MQTT credentials are not the mock's")
			}
			expiresNear(t, s.ExpiresAt, time.Now().Add(mock.DefaultBienportLifetime))
			p := s.Profile
			var wantOrgs []string
			for _, id := range acct.OrganizationIDs {
				wantOrgs = append(wantOrgs, strconv.FormatInt(id, 10))
			}
			if p.UserID != strconv.FormatInt(acct.UserID, 10) || p.UserName != acct.ScreenName || p.Email != acct.EmailAddress ||
				p.Bienport.LocaleID != acct.LocaleID || p.Bienport.ScreenName != acct.ScreenName {
				t.Errorf("identity fields %+v", p)
			}
			// Organization ids arrive as numbers for one account and as
			// strings for the other; both decode to the same strings.
			if !slices.Equal(p.OrganizationIDs, wantOrgs) || p.OrganizationID != wantOrgs[0] {
				t.Errorf("OrganizationIDs = %v, want %v", p.OrganizationIDs, wantOrgs)
			}
			if len(p.Bienport.Organizations) != len(acct.Organizations) {
				t.Fatalf("organizations %v", p.Bienport.Organizations)
			}
			for i, o := range acct.Organizations {
				got := p.Bienport.Organizations[i]
				if got.ID != strconv.FormatInt(o.ID, 10) || got.Name != o.Name {
					t.Errorf("organization %d = %+v, want %+v", i, got, o)
				}
			}
			if len(p.Bienport.Resources) != len(acct.Resources) {
				t.Fatalf("resources %v", p.Bienport.Resources)
			}
			for i, r := range acct.Resources {
				got := p.Bienport.Resources[i]
				if got.ResourceID != r.ResourceID || got.NetworkID != r.NetworkID || got.ResourceName != r.ResourceName ||
					got.Enabled != r.Enabled || got.TreePath != r.TreePath || got.OrgID != r.OrgID ||
					got.ResourceType != r.ResourceType || got.DeviceSubType != r.DeviceSubType {
					t.Errorf("resource %d = %+v, want %+v", i, got, r)
				}
			}
			if len(p.Bienport.RoleDetails) != len(acct.Roles) {
				t.Fatalf("roles %v", p.Bienport.RoleDetails)
			}
			for i, r := range acct.Roles {
				got := p.Bienport.RoleDetails[i]
				if got.RoleID != r.RoleID || got.RoleName != r.RoleName || got.Type != r.Type || got.Inherited != r.Inherited ||
					got.TypePK != r.TypePK || got.TypeName != r.TypeName {
					t.Errorf("role %d = %+v, want %+v", i, got, r)
				}
			}
			if s.Headers()["OrganizationId"] != wantOrgs[0] {
				t.Errorf("OrganizationId header = %q", s.Headers()["OrganizationId"])
			}
		})
	}
}

func TestMockBienportRememberMe(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t)
	cr := seedCreds(srv, platform.Bienport)
	cr.RememberMe = true
	s, err := newMockManager(t, fastHTTP(), cache.Options{}).Session(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	expiresNear(t, s.ExpiresAt, time.Now().Add(mock.DefaultBienportRememberMeLifetime))
}

// faultCase is one row of the error table: a fault installed on the login
// endpoint and what the client must make of it.
type faultCase struct {
	name  string
	fault mock.Fault
	// wantKind is the error's kind, or KindUnknown for success.
	wantKind platform.Kind
	// wantLogins is how many requests the login endpoint must see.
	wantLogins int64
	check      func(t *testing.T, e *platform.Error)
}

func faultTable(redirectTarget string) []faultCase {
	return []faultCase{
		{name: "503 twice then success", fault: mock.Fault{Status: 503, Times: 2}, wantLogins: 3},
		{name: "502 once then success", fault: mock.Fault{Status: 502, Times: 1}, wantLogins: 2},
		{name: "500 forever", fault: mock.Fault{Status: 500}, wantKind: platform.KindServer, wantLogins: 3,
			check: func(t *testing.T, e *platform.Error) {
				if e.Attempts != 3 || e.Status != 500 {
					t.Errorf("attempts %d status %d, want 3 and 500", e.Attempts, e.Status)
				}
			}},
		{name: "429 Retry-After 1 s then success", fault: mock.Fault{Status: 429, RetryAfter: "1", Times: 1}, wantLogins: 2},
		{name: "429 Retry-After HTTP-date then success",
			fault: mock.Fault{Status: 429, RetryAfter: time.Now().Add(time.Second).UTC().Format(http.TimeFormat), Times: 1}, wantLogins: 2},
		{name: "429 Retry-After over the cap", fault: mock.Fault{Status: 429, RetryAfter: "120"},
			wantKind: platform.KindRateLimited, wantLogins: 1,
			check: func(t *testing.T, e *platform.Error) {
				if e.RetryAfter != 120*time.Second {
					t.Errorf("RetryAfter = %s, want 2m0s", e.RetryAfter)
				}
			}},
		{name: "slower than the timeout", fault: mock.Fault{Latency: 1500 * time.Millisecond}, wantKind: platform.KindTimeout, wantLogins: 3},
		{name: "closed mid-response once", fault: mock.Fault{CloseMidResponse: true, Times: 1}, wantLogins: 2},
		{name: "closed mid-response always", fault: mock.Fault{CloseMidResponse: true}, wantKind: platform.KindUnreachable, wantLogins: 3},
		{name: "malformed JSON", fault: mock.Fault{MalformedJSON: true}, wantKind: platform.KindMalformed, wantLogins: 1},
		{name: "HTML page with 200", fault: mock.Fault{HTML: true, Status: 200}, wantKind: platform.KindMalformed, wantLogins: 1,
			check: func(t *testing.T, e *platform.Error) {
				if !strings.Contains(e.Detail, "not JSON") {
					t.Errorf("detail %q does not say the answer is not JSON", e.Detail)
				}
			}},
		{name: "HTML 502 error page", fault: mock.Fault{HTML: true}, wantKind: platform.KindServer, wantLogins: 3},
		{name: "200 without a token", fault: mock.Fault{NoToken: true}, wantKind: platform.KindMalformed, wantLogins: 1,
			check: func(t *testing.T, e *platform.Error) {
				if e.Field != "token" && e.Field != "access_token" {
					t.Errorf("Field = %q, want the token field", e.Field)
				}
			}},
		{name: "oversized body", fault: mock.Fault{OversizedBytes: 2 << 20}, wantKind: platform.KindTooLarge, wantLogins: 1},
		{name: "redirect to another host", fault: mock.Fault{RedirectTo: redirectTarget}, wantKind: platform.KindRedirect, wantLogins: 1},
	}
}

func TestMockFaultsEveryPlatform(t *testing.T) {
	t.Parallel()
	var stolen atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		stolen.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(other.Close)

	for _, p := range platform.Names() {
		for _, tc := range faultTable(other.URL) {
			t.Run(string(p)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv := startMockPlatforms(t)
				f := tc.fault
				f.Endpoint = mock.EndpointLogin
				srv.SetFault(p, f)
				m := newMockManager(t, fastHTTP(), cache.Options{})
				s, err := m.Session(t.Context(), seedCreds(srv, p))
				if got := srv.Count(p, mock.EndpointLogin); got != tc.wantLogins {
					t.Errorf("the login endpoint saw %d requests, want %d", got, tc.wantLogins)
				}
				if tc.wantKind == platform.KindUnknown {
					if err != nil {
						t.Fatalf("want success, got %v", err)
					}
					if s.Token != srv.LastToken(p) {
						t.Error("the session's token is not the mock's last token")
					}
					return
				}
				if err == nil {
					t.Fatalf("want a %s error, got a session", tc.wantKind)
				}
				e, ok := platform.AsError(err)
				if !ok || e.Kind != tc.wantKind {
					t.Fatalf("error %v (kind %v), want kind %s", err, kindOf(err), tc.wantKind)
				}
				if e.Platform != p || !strings.Contains(err.Error(), p.Title()) || !strings.Contains(err.Error(), seedCreds(srv, p).Username) {
					t.Errorf("message %q does not name the platform and the user", err)
				}
				if e.Hint() == "" {
					t.Error("no hint")
				}
				noSecrets(t, srv, err.Error()+" "+e.Hint())
				if tc.check != nil {
					tc.check(t, e)
				}
			})
		}
	}
	t.Cleanup(func() {
		if n := stolen.Load(); n != 0 {
			t.Errorf("the other host received %d requests: a redirect carried credentials away", n)
		}
	})
}

func kindOf(err error) platform.Kind {
	if e, ok := platform.AsError(err); ok {
		return e.Kind
	}
	return platform.KindUnknown
}

func TestMockBadCredentialsNeverRetried(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t)
	m := newMockManager(t, fastHTTP(), cache.Options{})
	for _, p := range platform.Names() {
		cr := seedCreds(srv, p)
		cr.Password = "wrong-password-for-test"
		_, err := m.Session(t.Context(), cr)
		if !platform.IsKind(err, platform.KindBadCredentials) {
			t.Errorf("%s: %v, want invalid credentials", p, err)
			continue
		}
		if n := srv.Count(p, mock.EndpointLogin); n != 1 {
			t.Errorf("%s: %d login requests, want exactly 1", p, n)
		}
		if strings.Contains(err.Error(), cr.Password) {
			t.Errorf("%s: the message holds the password", p)
		}
		noSecrets(t, srv, err.Error())
		// A failed login is not cached: the next call asks again.
		_, _ = m.Session(t.Context(), cr)
		if n := srv.Count(p, mock.EndpointLogin); n != 2 {
			t.Errorf("%s: %d login requests after a second call, want 2 (failures are not cached)", p, n)
		}
	}
}

func TestMockWrongBaseURL(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t)
	m := newMockManager(t, fastHTTP(), cache.Options{})
	for _, p := range platform.Names() {
		cr := seedCreds(srv, p)
		cr.BaseURL += "/not-the-api"
		_, err := m.Session(t.Context(), cr)
		if !platform.IsKind(err, platform.KindNotFound) {
			t.Errorf("%s: %v (kind %v), want endpoint not found", p, err, kindOf(err))
		}
	}
}

func TestMockCoioteProfile401(t *testing.T) {
	t.Parallel()
	t.Run("once: one fresh login, then success", func(t *testing.T) {
		t.Parallel()
		srv := startMockPlatforms(t)
		srv.SetFault(platform.Coiote, mock.Fault{Endpoint: mock.EndpointProfile, Status: 401, Times: 1})
		s, err := newMockManager(t, fastHTTP(), cache.Options{}).Session(t.Context(), seedCreds(srv, platform.Coiote))
		if err != nil {
			t.Fatal(err)
		}
		if s.Token != srv.LastToken(platform.Coiote) || srv.Count(platform.Coiote, mock.EndpointLogin) != 2 {
			t.Errorf("want the second token and 2 logins, counts %v", srv.Counts(platform.Coiote))
		}
	})
	t.Run("always: a clear error after one fresh login", func(t *testing.T) {
		t.Parallel()
		srv := startMockPlatforms(t)
		srv.SetFault(platform.Coiote, mock.Fault{Endpoint: mock.EndpointProfile, Status: 401})
		_, err := newMockManager(t, fastHTTP(), cache.Options{}).Session(t.Context(), seedCreds(srv, platform.Coiote))
		if !platform.IsKind(err, platform.KindTokenRejected) || !strings.Contains(err.Error(), "two freshly issued tokens") {
			t.Fatalf("%v, want token rejected after two tokens", err)
		}
		if n := srv.Count(platform.Coiote, mock.EndpointLogin); n != 2 {
			t.Errorf("%d logins, want 2", n)
		}
		noSecrets(t, srv, err.Error())
	})
}

func TestMockTLS(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t, func(c *mock.Config) { c.TLS = true })
	for _, p := range platform.Names() {
		_, err := newMockManager(t, fastHTTP(), cache.Options{}).Session(t.Context(), seedCreds(srv, p))
		if !platform.IsKind(err, platform.KindTLS) {
			t.Errorf("%s without the CA: %v, want a TLS error", p, err)
		}
		hc := fastHTTP()
		hc.CACertPEM = srv.CACertPEM()
		if _, err := newMockManager(t, hc, cache.Options{}).Session(t.Context(), seedCreds(srv, p)); err != nil {
			t.Errorf("%s with the CA: %v", p, err)
		}
		hc = fastHTTP()
		hc.Insecure = true
		if _, err := newMockManager(t, hc, cache.Options{}).Session(t.Context(), seedCreds(srv, p)); err != nil {
			t.Errorf("%s with insecure: %v", p, err)
		}
	}
}

func TestMockRateLimitedLogins(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t)
	srv.SetLoginRateLimit(platform.Bienport, 1, time.Minute)
	m := newMockManager(t, fastHTTP(), cache.Options{Disabled: true})
	cr := seedCreds(srv, platform.Bienport)
	if _, err := m.Session(t.Context(), cr); err != nil {
		t.Fatal(err)
	}
	_, err := m.Session(t.Context(), cr)
	e, ok := platform.AsError(err)
	if !ok || e.Kind != platform.KindRateLimited || e.RetryAfter <= 2*time.Second {
		t.Fatalf("%v, want rate limited with a Retry-After over the 2 s cap", err)
	}
	if !strings.Contains(e.Hint(), "wait") {
		t.Errorf("hint %q does not say how long to wait", e.Hint())
	}
}

// TestMockCacheHundredCallers: 100 concurrent callers with the same
// credentials share exactly one login per platform.
func TestMockCacheHundredCallers(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t)
	for _, p := range platform.Names() {
		srv.SetFault(p, mock.Fault{Endpoint: mock.EndpointLogin, Latency: 50 * time.Millisecond})
	}
	m := newMockManager(t, fastHTTP(), cache.Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 300)
	tokens := sync.Map{}
	for _, p := range platform.Names() {
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := m.Session(t.Context(), seedCreds(srv, p))
				if err != nil {
					errs <- err
					return
				}
				tokens.Store(string(p)+"|"+s.Token, true)
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n := 0
	tokens.Range(func(any, any) bool { n++; return true })
	if n != 3 {
		t.Errorf("%d distinct tokens across 300 callers, want 3 (one per platform)", n)
	}
	for _, p := range platform.Names() {
		if c := srv.Count(p, mock.EndpointLogin); c != 1 {
			t.Errorf("%s: %d logins for 100 callers, want exactly 1", p, c)
		}
	}
	if m.Logins() != 3 {
		t.Errorf("Manager.Logins() = %d, want 3", m.Logins())
	}
}

// TestMockCacheRelogsNearExpiry: a Coiote session (300 s) is reused until it
// is within the 60 s margin of its expiry, then replaced by a new login;
// different passwords never share a session.
func TestMockCacheRelogsNearExpiry(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t)
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	m := newMockManager(t, fastHTTP(), cache.Options{Now: now})
	cr := seedCreds(srv, platform.Coiote)
	first, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(200 * time.Second))
	again, err := m.Session(t.Context(), cr)
	if err != nil || again.Token != first.Token {
		t.Fatalf("at +200 s the session was not reused (%v)", err)
	}
	offset.Store(int64(250 * time.Second))
	fresh, err := m.Session(t.Context(), cr)
	if err != nil || fresh.Token == first.Token {
		t.Fatalf("at +250 s (inside the 60 s margin) no new login happened (%v)", err)
	}
	if n := srv.Count(platform.Coiote, mock.EndpointLogin); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
	other := seedCreds(srv, platform.Coiote)
	other.Username, other.Password = mock.SeedCoioteAdmin.Login, mock.SeedCoioteAdminPassword
	s2, err := m.Session(t.Context(), other)
	if err != nil || s2.Token == fresh.Token || s2.Profile.UserName != mock.SeedCoioteAdmin.Login {
		t.Fatalf("different credentials shared a session (%v)", err)
	}
}

// TestMockMonogotoV1RefreshRotation: with the v1 API, a cached session near
// expiry is renewed with its single-use refresh token (not a new login), and
// each refresh rotates the refresh token.
func TestMockMonogotoV1RefreshRotation(t *testing.T) {
	t.Parallel()
	srv := startMockPlatforms(t)
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	m := newMockManager(t, fastHTTP(), cache.Options{Now: now})
	cr := seedCreds(srv, platform.Monogoto)
	cr.MonogotoAPI = platform.MonogotoV1
	s1, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(4*time.Hour - 30*time.Second))
	s2, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(8*time.Hour - 60*time.Second))
	s3, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if s1.Token == s2.Token || s2.Token == s3.Token || s1.RefreshToken == s2.RefreshToken || s2.RefreshToken == s3.RefreshToken {
		t.Error("refresh did not rotate the access and refresh tokens")
	}
	if srv.Count(platform.Monogoto, mock.EndpointV1Login) != 1 || srv.Count(platform.Monogoto, mock.EndpointRefresh) != 2 {
		t.Errorf("counts %v, want 1 v1 login and 2 refreshes", srv.Counts(platform.Monogoto))
	}
}

func TestMockUnreachable(t *testing.T) {
	t.Parallel()
	l := httptest.NewServer(http.NotFoundHandler())
	url := l.URL
	l.Close()
	m := newMockManager(t, fastHTTP(), cache.Options{})
	_, err := m.Session(t.Context(), platform.Credentials{Platform: platform.Bienport, BaseURL: url + "/api", Username: "u", Password: "p-secret"})
	if !platform.IsKind(err, platform.KindUnreachable) || strings.Contains(err.Error(), "p-secret") {
		t.Fatalf("%v, want unreachable without the password", err)
	}
	var e *platform.Error
	if errors.As(err, &e) && e.Attempts != 3 {
		t.Errorf("attempts %d, want 3 (network errors are retried)", e.Attempts)
	}
}

package clients_test

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock/mocktest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// These tests drive every client through the Manager against the mock
// platforms (internal/clients/mock), the same servers the acceptance tests
// and the demo use. The per-package tests use hand-written httptest servers;
// these prove that the clients and the mock agree on every quirk.

// fastSettings keep fault tests short: a 1 s timeout, two retries, and a
// 2 s cap on one wait.
func fastSettings() clients.Settings {
	return clients.Settings{Timeout: time.Second, MaxRetries: 2, RetryMaxWait: 2 * time.Second}
}

func newMockManager(t *testing.T, s clients.Settings) *clients.Manager {
	t.Helper()
	m, err := clients.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newMockClockManager is newMockManager with a session cache that reads
// the clock it returns.
func newMockClockManager(t *testing.T) (*clients.Manager, *offsetClock) {
	t.Helper()
	clk := &offsetClock{}
	m, err := clients.NewWithClock(fastSettings(), clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return m, clk
}

// seedCreds are the credentials of a seeded account of platform p.
func seedCreds(t *testing.T, srv *mock.Server, p platform.Name) platform.Credentials {
	t.Helper()
	l, ok := mock.DemoLogin(p)
	if !ok {
		t.Fatalf("the mock has no platform %s", p)
	}
	return platform.Credentials{Platform: p, BaseURL: srv.BaseURL(p), Username: l.User, Password: l.Password}
}

// extra returns the profile extra called name as a T, failing the test
// when it is missing or of another type.
func extra[T any](t *testing.T, p platform.Profile, name string) T {
	t.Helper()
	v, ok := p.Extras[name].(T)
	if !ok {
		t.Fatalf("extra %q = %#v, want a %T", name, p.Extras[name], v)
	}
	return v
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

// seedSessions starts the mock platforms and, in a subtest per account
// (named by its user name), logs in to platform p as each of accounts,
// checks that the session holds the token the mock issued last, and runs
// check on it. It returns the mock, for checks over all the logins.
func seedSessions[A any](t *testing.T, p platform.Name, accounts []A, creds func(A) (user, password string),
	check func(t *testing.T, srv *mock.Server, s *platform.Session, acct A),
) *mock.Server {
	t.Helper()
	srv := mocktest.Start(t)
	m := newMockManager(t, fastSettings())
	for _, acct := range accounts {
		user, password := creds(acct)
		t.Run(user, func(t *testing.T) {
			check(t, srv, seedSession(t, m, srv, p, user, password), acct)
		})
	}
	return srv
}

// seedSession logs in to p on srv as user and checks that the session
// holds the token the mock issued last.
func seedSession(t *testing.T, m *clients.Manager, srv *mock.Server, p platform.Name, user, password string) *platform.Session {
	t.Helper()
	s, err := m.Session(t.Context(), platform.Credentials{Platform: p, BaseURL: srv.BaseURL(p), Username: user, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if s.Token != srv.LastToken(p) {
		t.Error("the token is not the one the mock issued last")
	}
	return s
}

// sameStrings reports each name whose pair of got and want differ.
func sameStrings(t *testing.T, pairs map[string][2]string) {
	t.Helper()
	for name, v := range pairs {
		if v[0] != v[1] {
			t.Errorf("%s = %q, want %q", name, v[0], v[1])
		}
	}
}

func TestMockMonogotoSeedFieldForField(t *testing.T) {
	t.Parallel()
	seedSessions(t, "monogoto", []mock.MonogotoAccount{mock.SeedMonogotoDemo, mock.SeedMonogotoViewer},
		func(a mock.MonogotoAccount) (string, string) { return a.UserName, a.Password },
		func(t *testing.T, srv *mock.Server, s *platform.Session, acct mock.MonogotoAccount) {
			if s.TokenType != "Bearer" {
				t.Errorf("token type %q", s.TokenType)
			}
			if !slices.Contains(srv.IssuedSecrets(), s.RefreshToken) {
				t.Error("the refresh token is not one the mock issued")
			}
			expiresNear(t, s.ExpiresAt, time.Now().Add(mock.DefaultMonogotoTokenLifetime))
			p := s.Profile
			want := map[string][2]string{
				"UserID":          {p.UserID, acct.UserID},
				"UserName":        {p.UserName, acct.UserName},
				"Email":           {p.Email, acct.UserName},
				"CustomerID":      {p.CustomerID, acct.CustomerID},
				"OrganizationID":  {p.OrganizationID, acct.OrganizationID},
				"realm":           {extra[string](t, p, "realm"), acct.Realm},
				"role_profile_id": {extra[string](t, p, "role_profile_id"), acct.Role},
				"profile_name":    {extra[string](t, p, "profile_name"), acct.Profile.Name},
				"profile_type":    {extra[string](t, p, "profile_type"), acct.Profile.Type},
			}
			sameStrings(t, want)
			if got := extra[bool](t, p, "two_factor_authentication"); got != acct.TwoFactorAuthentication {
				t.Errorf("two_factor_authentication = %v", got)
			}
			if got := extra[[]string](t, p, "things_group_ids"); !slices.Equal(got, acct.ThingsGroupIDs) {
				t.Errorf("things_group_ids = %v, want %v", got, acct.ThingsGroupIDs)
			}
			created, modified := extra[time.Time](t, p, "profile_created"), extra[time.Time](t, p, "profile_modified")
			if !created.Equal(time.UnixMilli(acct.Profile.DateCreated)) || !modified.Equal(time.UnixMilli(acct.Profile.DateModified)) {
				t.Errorf("profile dates %s / %s", created, modified)
			}
			if len(p.Permissions) != len(acct.Profile.Permissions) {
				t.Fatalf("%d permissions, want %d", len(p.Permissions), len(acct.Profile.Permissions))
			}
			for name, actions := range acct.Profile.Permissions {
				if !slices.Equal(p.Permissions[name], actions) {
					t.Errorf("permission %s = %v, want %v", name, p.Permissions[name], actions)
				}
			}
			h := s.Headers
			if h["apikey"] != acct.CustomerID || h["Authorization"] != "Bearer "+s.Token {
				t.Error("headers lack the apikey or the Authorization value")
			}
		})
}

func TestMockMonogotoOpaqueTokenHasNoExpiry(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t, func(c *mock.Config) { c.MonogotoOpaqueTokens = true })
	s, err := newMockManager(t, fastSettings()).Session(t.Context(), seedCreds(t, srv, "monogoto"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Token, mock.TokenPrefix) || !s.ExpiresAt.IsZero() {
		t.Errorf("opaque token: prefix ok=%v, ExpiresAt=%s (want unknown)", strings.HasPrefix(s.Token, mock.TokenPrefix), s.ExpiresAt)
	}
}

func TestMockCoioteSeedFieldForField(t *testing.T) {
	t.Parallel()
	srv := seedSessions(t, "coiote", []mock.CoioteAccount{mock.SeedCoioteOps, mock.SeedCoioteAdmin},
		func(a mock.CoioteAccount) (string, string) { return a.Login, a.Password },
		func(t *testing.T, srv *mock.Server, s *platform.Session, acct mock.CoioteAccount) {
			// 201 Created with expires_in "300" (a string).
			expiresNear(t, s.ExpiresAt, time.Now().Add(300*time.Second))
			p := s.Profile
			str := func(name string) string { return extra[string](t, p, name) }
			checks := map[string][2]string{
				"UserID": {p.UserID, acct.UserID}, "UserName": {p.UserName, acct.Login}, "Email": {p.Email, acct.Email},
				"login": {str("login"), acct.Login}, "domain": {str("domain"), acct.Domain}, "full_name": {str("full_name"), acct.FullName},
				"expiration_date": {str("expiration_date"), acct.ExpirationDate}, "creation_date": {str("creation_date"), acct.CreationDate},
				"security_policy_id": {str("security_policy_id"), acct.SecurityPolicyID},
			}
			sameStrings(t, checks)
			active, super, staff := extra[bool](t, p, "active"), extra[bool](t, p, "super_user"), extra[bool](t, p, "staff")
			if active != acct.Active || super != acct.SuperUser || staff != acct.Staff {
				t.Errorf("flags active=%v super=%v staff=%v", active, super, staff)
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
			if props := extra[map[string]string](t, p, "properties"); len(props) != len(acct.Properties) {
				t.Errorf("properties = %v, want %v", props, acct.Properties)
			}
			// The users endpoint returns a password field: it must be
			// nowhere in the session.
			dump := fmt.Sprintf("%#v %+v %+v", *s, s.Profile, s.Profile.Extras)
			for _, secret := range srv.IssuedSecrets() {
				if strings.HasPrefix(secret, mock.TokenPrefix+"pwhash") && strings.Contains(dump, secret) {
					t.Error("the user object's password field reached the session")
				}
			}
			if strings.Contains(dump, acct.Password) {
				t.Error("the password reached the session's printed form")
			}
		})
	// The login containing `@` reached the users endpoint path-escaped.
	found := false
	for _, r := range srv.ReceivedRequests("coiote") {
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
	srv := mocktest.Start(t)
	s, err := newMockManager(t, fastSettings()).Session(t.Context(), platform.Credentials{
		Platform: "coiote", BaseURL: srv.BaseURL("coiote"),
		ClientID: mock.SeedCoioteClient.ClientID, ClientSecret: mock.SeedCoioteClient.ClientSecret,
		Options: map[string]string{"realm": mock.SeedCoioteClient.Realm},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Token != srv.LastToken("coiote") || s.Username != mock.SeedCoioteClient.ClientID {
		t.Error("service-account session is not the mock's last token or names the wrong principal")
	}
	expiresNear(t, s.ExpiresAt, time.Now().Add(300*time.Second)) // numeric expires_in
	if srv.Count("coiote", mock.EndpointClientCredentials) != 1 || srv.Count("coiote", mock.EndpointLogin) != 0 {
		t.Errorf("counts %v", srv.Counts("coiote"))
	}
	// No user record: every extra is null (a missing key), the flags
	// included: unknown, not false.
	if s.Profile.Extras == nil || len(s.Profile.Extras) != 0 {
		t.Errorf("extras = %v, want an empty map", s.Profile.Extras)
	}
}

func TestMockBienportSeedFieldForField(t *testing.T) {
	t.Parallel()
	seedSessions(t, "bienport", []mock.BienportAccount{mock.SeedBienportDemo, mock.SeedBienportPhone},
		func(a mock.BienportAccount) (string, string) { return a.ScreenName, a.Password },
		func(t *testing.T, srv *mock.Server, s *platform.Session, acct mock.BienportAccount) {
			if s.MQTTUsername != acct.MQUser || !slices.Contains(srv.IssuedSecrets(), s.MQTTPassword) {
				t.Error("the MQTT credentials are not the mock's")
			}
			expiresNear(t, s.ExpiresAt, time.Now().Add(mock.DefaultBienportLifetime))
			p := s.Profile
			var wantOrgs []string
			for _, id := range acct.OrganizationIDs {
				wantOrgs = append(wantOrgs, strconv.FormatInt(id, 10))
			}
			if p.UserID != strconv.FormatInt(acct.UserID, 10) || p.UserName != acct.ScreenName || p.Email != acct.EmailAddress ||
				extra[string](t, p, "locale_id") != acct.LocaleID || extra[string](t, p, "screen_name") != acct.ScreenName {
				t.Errorf("identity fields %+v", p)
			}
			// Organization ids arrive as numbers for one account and as
			// strings for the other; both decode to the same strings.
			if !slices.Equal(p.OrganizationIDs, wantOrgs) || p.OrganizationID != wantOrgs[0] {
				t.Errorf("OrganizationIDs = %v, want %v", p.OrganizationIDs, wantOrgs)
			}
			orgs := extra[[]map[string]any](t, p, "organizations")
			if len(orgs) != len(acct.Organizations) {
				t.Fatalf("organizations %v", orgs)
			}
			for i, o := range acct.Organizations {
				if want := map[string]any{"id": strconv.FormatInt(o.ID, 10), "name": o.Name}; !reflect.DeepEqual(orgs[i], want) {
					t.Errorf("organization %d = %+v, want %+v", i, orgs[i], want)
				}
			}
			resources := extra[[]map[string]any](t, p, "resources")
			if len(resources) != len(acct.Resources) {
				t.Fatalf("resources %v", resources)
			}
			for i, r := range acct.Resources {
				want := map[string]any{"resource_id": r.ResourceID, "network_id": r.NetworkID, "resource_name": r.ResourceName,
					"enabled": r.Enabled, "tree_path": r.TreePath, "org_id": r.OrgID,
					"resource_type": r.ResourceType, "device_sub_type": r.DeviceSubType}
				if !reflect.DeepEqual(resources[i], want) {
					t.Errorf("resource %d = %+v, want %+v", i, resources[i], want)
				}
			}
			roles := extra[[]map[string]any](t, p, "roles")
			if len(roles) != len(acct.Roles) {
				t.Fatalf("roles %v", roles)
			}
			for i, r := range acct.Roles {
				want := map[string]any{"role_id": r.RoleID, "role_name": r.RoleName, "type": r.Type, "inherited": r.Inherited,
					"type_pk": r.TypePK, "type_name": r.TypeName}
				if !reflect.DeepEqual(roles[i], want) {
					t.Errorf("role %d = %+v, want %+v", i, roles[i], want)
				}
			}
			if s.Headers["OrganizationId"] != wantOrgs[0] {
				t.Errorf("OrganizationId header = %q", s.Headers["OrganizationId"])
			}
		})
}

func TestMockBienportRememberMe(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t)
	cr := seedCreds(t, srv, "bienport")
	cr.Options = map[string]string{"remember_me": "true"}
	s, err := newMockManager(t, fastSettings()).Session(t.Context(), cr)
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
		// A login that may have been processed (500, 502, a timeout or a
		// connection closed after it was sent) is not sent again: see
		// package httpx, "When a request that carries credentials is
		// sent again".
		{name: "502 once", fault: mock.Fault{Status: 502, Times: 1}, wantKind: platform.KindServer, wantLogins: 1,
			check: wantNotSentAgain},
		{name: "500 forever", fault: mock.Fault{Status: 500}, wantKind: platform.KindServer, wantLogins: 1,
			check: func(t *testing.T, e *platform.Error) {
				if e.Attempts != 1 || e.Status != 500 {
					t.Errorf("attempts %d status %d, want 1 and 500", e.Attempts, e.Status)
				}
				wantNotSentAgain(t, e)
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
		{name: "slower than the timeout", fault: mock.Fault{Latency: 1500 * time.Millisecond}, wantKind: platform.KindTimeout, wantLogins: 1,
			check: wantNotSentAgain},
		{name: "closed mid-response once", fault: mock.Fault{CloseMidResponse: true, Times: 1}, wantKind: platform.KindUnreachable, wantLogins: 1,
			check: wantNotSentAgain},
		{name: "closed mid-response always", fault: mock.Fault{CloseMidResponse: true}, wantKind: platform.KindUnreachable, wantLogins: 1,
			check: wantNotSentAgain},
		{name: "malformed JSON", fault: mock.Fault{MalformedJSON: true}, wantKind: platform.KindMalformed, wantLogins: 1},
		{name: "HTML page with 200", fault: mock.Fault{HTML: true, Status: 200}, wantKind: platform.KindMalformed, wantLogins: 1,
			check: func(t *testing.T, e *platform.Error) {
				if !strings.Contains(e.Detail, "not JSON") {
					t.Errorf("detail %q does not say the answer is not JSON", e.Detail)
				}
			}},
		{name: "HTML 502 error page", fault: mock.Fault{HTML: true}, wantKind: platform.KindServer, wantLogins: 1},
		{name: "HTML 503 error page", fault: mock.Fault{HTML: true, Status: 503}, wantKind: platform.KindServer, wantLogins: 3},
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

// wantNotSentAgain checks the error of a login that may have been
// processed: it says that the credentials are not sent again, and so does
// its hint.
func wantNotSentAgain(t *testing.T, e *platform.Error) {
	t.Helper()
	if !strings.Contains(e.Detail, "not sent again in this run") || !strings.Contains(e.Hint(), "does not send the same credentials again") {
		t.Errorf("detail %q / hint %q do not say that the login is not sent again", e.Detail, e.Hint())
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

	for _, info := range clients.Platforms() {
		p := info.Name
		for _, tc := range faultTable(other.URL) {
			t.Run(string(p)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv := mocktest.Start(t)
				f := tc.fault
				f.Endpoint = mock.EndpointLogin
				srv.SetFault(p, f)
				m := newMockManager(t, fastSettings())
				s, err := m.Session(t.Context(), seedCreds(t, srv, p))
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
				if e.Platform != info.Title || !strings.Contains(err.Error(), info.Title) || !strings.Contains(err.Error(), seedCreds(t, srv, p).Username) {
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

// loginEachPlatform logs in to every platform of a fresh mock through one
// Manager, in a subtest per platform, with its seeded credentials changed
// by edit, and passes check what the login returned.
func loginEachPlatform(t *testing.T, edit func(*platform.Credentials),
	check func(t *testing.T, srv *mock.Server, m *clients.Manager, cr platform.Credentials, err error),
) {
	t.Helper()
	srv := mocktest.Start(t)
	m := newMockManager(t, fastSettings())
	for _, info := range clients.Platforms() {
		cr := seedCreds(t, srv, info.Name)
		edit(&cr)
		t.Run(string(info.Name), func(t *testing.T) {
			_, err := m.Session(t.Context(), cr)
			check(t, srv, m, cr, err)
		})
	}
}

func TestMockBadCredentialsNeverRetried(t *testing.T) {
	t.Parallel()
	loginEachPlatform(t, func(cr *platform.Credentials) { cr.Password = "wrong-password-for-test" },
		func(t *testing.T, srv *mock.Server, m *clients.Manager, cr platform.Credentials, err error) {
			p := cr.Platform
			if !platform.IsKind(err, platform.KindBadCredentials) {
				t.Fatalf("%v, want invalid credentials", err)
			}
			if n := srv.Count(p, mock.EndpointLogin); n != 1 {
				t.Errorf("%d login requests, want exactly 1", n)
			}
			if strings.Contains(err.Error(), cr.Password) {
				t.Error("the message holds the password")
			}
			noSecrets(t, srv, err.Error())
			// A refused login is remembered: later calls send nothing and
			// get the same error.
			for range 3 {
				_, again := m.Session(t.Context(), cr)
				if again == nil || again.Error() != err.Error() {
					t.Errorf("a later call got %v, want %v", again, err)
				}
			}
			if n := srv.Count(p, mock.EndpointLogin); n != 1 {
				t.Errorf("%d login requests after more calls, want 1 (a refused login is sent once)", n)
			}
		})
}

func TestMockWrongBaseURL(t *testing.T) {
	t.Parallel()
	loginEachPlatform(t, func(cr *platform.Credentials) { cr.BaseURL += "/not-the-api" },
		func(t *testing.T, _ *mock.Server, _ *clients.Manager, _ platform.Credentials, err error) {
			if !platform.IsKind(err, platform.KindNotFound) {
				t.Errorf("%v (kind %v), want endpoint not found", err, kindOf(err))
			}
		})
}

func TestMockCoioteProfile401(t *testing.T) {
	t.Parallel()
	t.Run("once: one fresh login, then success", func(t *testing.T) {
		t.Parallel()
		srv := mocktest.Start(t)
		srv.SetFault("coiote", mock.Fault{Endpoint: mock.EndpointProfile, Status: 401, Times: 1})
		s, err := newMockManager(t, fastSettings()).Session(t.Context(), seedCreds(t, srv, "coiote"))
		if err != nil {
			t.Fatal(err)
		}
		if s.Token != srv.LastToken("coiote") || srv.Count("coiote", mock.EndpointLogin) != 2 {
			t.Errorf("want the second token and 2 logins, counts %v", srv.Counts("coiote"))
		}
	})
	t.Run("always: a clear error after one fresh login", func(t *testing.T) {
		t.Parallel()
		srv := mocktest.Start(t)
		srv.SetFault("coiote", mock.Fault{Endpoint: mock.EndpointProfile, Status: 401})
		_, err := newMockManager(t, fastSettings()).Session(t.Context(), seedCreds(t, srv, "coiote"))
		if !platform.IsKind(err, platform.KindTokenRejected) || !strings.Contains(err.Error(), "two freshly issued tokens") {
			t.Fatalf("%v, want token rejected after two tokens", err)
		}
		if n := srv.Count("coiote", mock.EndpointLogin); n != 2 {
			t.Errorf("%d logins, want 2", n)
		}
		noSecrets(t, srv, err.Error())
	})
}

func TestMockTLS(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t, func(c *mock.Config) { c.TLS = true })
	for _, info := range clients.Platforms() {
		p := info.Name
		_, err := newMockManager(t, fastSettings()).Session(t.Context(), seedCreds(t, srv, p))
		if !platform.IsKind(err, platform.KindTLS) {
			t.Errorf("%s without the CA: %v, want a TLS error", p, err)
		}
		s := fastSettings()
		s.CACertPEM = srv.CACertPEM()
		if _, err := newMockManager(t, s).Session(t.Context(), seedCreds(t, srv, p)); err != nil {
			t.Errorf("%s with the CA: %v", p, err)
		}
		s = fastSettings()
		s.Insecure = true
		if _, err := newMockManager(t, s).Session(t.Context(), seedCreds(t, srv, p)); err != nil {
			t.Errorf("%s with insecure: %v", p, err)
		}
	}
}

func TestMockRateLimitedLogins(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t)
	srv.SetLoginRateLimit("bienport", 1, time.Minute)
	cr := seedCreds(t, srv, "bienport")
	// Two provider processes (two Managers) log in from the same address.
	if _, err := newMockManager(t, fastSettings()).Session(t.Context(), cr); err != nil {
		t.Fatal(err)
	}
	_, err := newMockManager(t, fastSettings()).Session(t.Context(), cr)
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
	srv := mocktest.Start(t)
	infos := clients.Platforms()
	for _, info := range infos {
		srv.SetFault(info.Name, mock.Fault{Endpoint: mock.EndpointLogin, Latency: 50 * time.Millisecond})
	}
	// A generous timeout: this test is about sharing, and a login that
	// timed out on a loaded machine is not sent again.
	settings := fastSettings()
	settings.Timeout = 30 * time.Second
	m := newMockManager(t, settings)
	var wg sync.WaitGroup
	errs := make(chan error, 100*len(infos))
	tokens := sync.Map{}
	for _, info := range infos {
		p := info.Name
		cr := seedCreds(t, srv, p)
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := m.Session(t.Context(), cr)
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
	if n != len(infos) {
		t.Errorf("%d distinct tokens across %d callers, want %d (one per platform)", n, 100*len(infos), len(infos))
	}
	for _, info := range infos {
		if c := srv.Count(info.Name, mock.EndpointLogin); c != 1 {
			t.Errorf("%s: %d logins for 100 callers, want exactly 1", info.Name, c)
		}
	}
}

// TestMockCacheRelogsNearExpiry: a Coiote session (300 s) is reused until it
// is within the 60 s margin of its expiry, then replaced by a new login;
// different passwords never share a session.
func TestMockCacheRelogsNearExpiry(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t)
	m, clk := newMockClockManager(t)
	cr := seedCreds(t, srv, "coiote")
	first, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(200 * time.Second)
	again, err := m.Session(t.Context(), cr)
	if err != nil || again.Token != first.Token {
		t.Fatalf("at +200 s the session was not reused (%v)", err)
	}
	clk.Advance(50 * time.Second)
	fresh, err := m.Session(t.Context(), cr)
	if err != nil || fresh.Token == first.Token {
		t.Fatalf("at +250 s (inside the 60 s margin) no new login happened (%v)", err)
	}
	if n := srv.Count("coiote", mock.EndpointLogin); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
	other := seedCreds(t, srv, "coiote")
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
	srv := mocktest.Start(t)
	m, clk := newMockClockManager(t)
	cr := seedCreds(t, srv, "monogoto")
	cr.Options = map[string]string{"api_version": "v1"}
	s1, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(4*time.Hour - 30*time.Second)
	s2, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(4*time.Hour - 30*time.Second) // 8 h - 60 s in all
	s3, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if s1.Token == s2.Token || s2.Token == s3.Token || s1.RefreshToken == s2.RefreshToken || s2.RefreshToken == s3.RefreshToken {
		t.Error("refresh did not rotate the access and refresh tokens")
	}
	if srv.Count("monogoto", mock.EndpointV1Login) != 1 || srv.Count("monogoto", mock.EndpointRefresh) != 2 {
		t.Errorf("counts %v, want 1 v1 login and 2 refreshes", srv.Counts("monogoto"))
	}
}

func TestMockUnreachable(t *testing.T) {
	t.Parallel()
	l := httptest.NewServer(http.NotFoundHandler())
	url := l.URL
	l.Close()
	m := newMockManager(t, fastSettings())
	_, err := m.Session(t.Context(), platform.Credentials{Platform: "bienport", BaseURL: url + "/api", Username: "u", Password: "p-secret"})
	if !platform.IsKind(err, platform.KindUnreachable) || strings.Contains(err.Error(), "p-secret") {
		t.Fatalf("%v, want unreachable without the password", err)
	}
	var e *platform.Error
	if errors.As(err, &e) && e.Attempts != 3 {
		t.Errorf("attempts %d, want 3 (network errors are retried)", e.Attempts)
	}
}

// TestMockExtrasMatchDeclaredFields: every platform's profile extras are
// the fields it declares, each with the Go type platform.FieldType
// documents, so that the provider can turn them into its schema's values.
func TestMockExtrasMatchDeclaredFields(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t)
	m := newMockManager(t, fastSettings())
	for _, info := range clients.Platforms() {
		t.Run(string(info.Name), func(t *testing.T) {
			s, err := m.Session(t.Context(), seedCreds(t, srv, info.Name))
			if err != nil {
				t.Fatal(err)
			}
			checkExtras(t, info.ProfileFields, s.Profile.Extras)
			// The authorization header is Authorization on most
			// platforms, another on some (ThingsBoard's X-Authorization).
			if !slices.Contains(slices.Collect(maps.Values(s.Headers)), s.AuthorizationHeader()) {
				t.Errorf("no header holds the authorization header (%d headers)", len(s.Headers))
			}
		})
	}
}

func checkExtras(t *testing.T, fields []platform.Field, extras map[string]any) {
	t.Helper()
	declared := map[string]platform.Field{}
	for _, f := range fields {
		declared[f.Name] = f
	}
	for name, v := range extras {
		f, ok := declared[name]
		if !ok {
			t.Errorf("extra %q is not declared", name)
			continue
		}
		var typeOK bool
		switch f.Type {
		case platform.String:
			_, typeOK = v.(string)
		case platform.Bool:
			_, typeOK = v.(bool)
		case platform.Int:
			_, typeOK = v.(int64)
		case platform.Time:
			_, typeOK = v.(time.Time)
		case platform.StringList:
			_, typeOK = v.([]string)
		case platform.StringMap:
			_, typeOK = v.(map[string]string)
		case platform.ObjectList:
			var list []map[string]any
			if list, typeOK = v.([]map[string]any); typeOK {
				for _, elem := range list {
					checkExtras(t, f.Fields, elem)
				}
			}
		}
		if !typeOK {
			t.Errorf("extra %q is a %T, not what field type %d takes", name, v, f.Type)
		}
	}
}

// TestHeaderInjectionRefused: a value the platform sent with CR LF in it
// (Monogoto's customer ID becomes the apikey header) never reaches a
// session's headers; the login fails as a malformed answer, and the
// message does not repeat the value.
func TestHeaderInjectionRefused(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t, func(c *mock.Config) {
		c.Monogoto[0].CustomerID = "cid_1\r\nX-Injected: yes"
	})
	acct := srv.Config().Monogoto[0]
	m := newMockManager(t, fastSettings())
	s, err := m.Session(t.Context(), platform.Credentials{
		Platform: mock.Monogoto, BaseURL: srv.BaseURL(mock.Monogoto), Username: acct.UserName, Password: acct.Password,
	})
	if s != nil || !platform.IsKind(err, platform.KindMalformed) {
		t.Fatalf("session %v, error %v; want a malformed answer", s, err)
	}
	if !strings.Contains(err.Error(), "apikey header") || strings.Contains(err.Error(), "X-Injected") {
		t.Errorf("message %q", err)
	}
}

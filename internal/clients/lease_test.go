package clients_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock/mocktest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// tokenWorks reports whether the mock still accepts s's token on an
// authorized endpoint: BienPort's screen-name lookup, Coiote's devices.
func tokenWorks(t *testing.T, srv *mock.Server, s *platform.Session) bool {
	t.Helper()
	u := srv.BaseURL(s.Platform) + mock.CoioteDevicesPath
	if s.Platform == mock.Bienport {
		u = srv.BaseURL(s.Platform) + "/user/get-screen-name/" + s.Profile.UserName
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range s.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	}
	t.Fatalf("probe of %s: HTTP %d", s.Platform, resp.StatusCode)
	return false
}

func serviceCreds(srv *mock.Server) platform.Credentials {
	return platform.Credentials{Platform: mock.Coiote, BaseURL: srv.BaseURL(mock.Coiote),
		ClientID: mock.SeedCoioteClient.ClientID, ClientSecret: mock.SeedCoioteClientSecret}
}

// TestMockOpenMinValidity: a cached Coiote session with less left than a
// holder needs is replaced by a new login; a need no Coiote token can meet
// fails after exactly one login, and again without any.
func TestMockOpenMinValidity(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t)
	m, clk := newMockClockManager(t)
	cr := seedCreds(t, srv, mock.Coiote)
	four := platform.Need{MinValidity: 4 * time.Minute}
	first, _, err := m.Open(t.Context(), cr, four, false)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * time.Second) // 4m30s left
	if s, _, err := m.Open(t.Context(), cr, four, false); err != nil || s != first {
		t.Fatalf("4m30s left for a 4m need: not reused (%v)", err)
	}
	clk.Advance(60 * time.Second) // 3m30s left: enough for the data source
	if s, err := m.Session(t.Context(), cr); err != nil || s != first {
		t.Fatalf("3m30s left without a need: not reused (%v)", err)
	}
	second, _, err := m.Open(t.Context(), cr, four, false)
	if err != nil || second == first || srv.Count(mock.Coiote, mock.EndpointLogin) != 2 {
		t.Fatalf("3m30s left for a 4m need: %v, %d logins", err, srv.Count(mock.Coiote, mock.EndpointLogin))
	}

	srv2 := mocktest.Start(t)
	m2 := newMockManager(t, fastSettings())
	cr2 := seedCreds(t, srv2, mock.Coiote)
	ten := platform.Need{MinValidity: 10 * time.Minute}
	for i := range 3 {
		_, id, err := m2.Open(t.Context(), cr2, ten, false)
		const want = `Coiote IoT DM token request for user "ops@acme.example" failed: token lifetime too short: ` +
			`a new token lasts 5m0s, and min_validity asks for 10m0s`
		if err == nil || err.Error() != want || id != "" {
			t.Fatalf("open %d: %v", i, err)
		}
	}
	if n := srv2.Count(mock.Coiote, mock.EndpointLogin); n != 1 {
		t.Errorf("%d logins for an impossible min_validity, want exactly 1", n)
	}
}

// TestMockRevokeOnLastRelease: two holders share one BienPort session; the
// first release revokes nothing, the last one logs the session out (one
// logout), after which the mock refuses the token and the next holder gets
// a new login.
func TestMockRevokeOnLastRelease(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t)
	m := newMockManager(t, fastSettings())
	cr := seedCreds(t, srv, mock.Bienport)
	a, idA, err := m.Open(t.Context(), cr, platform.Need{}, true)
	if err != nil {
		t.Fatal(err)
	}
	b, idB, err := m.Open(t.Context(), cr, platform.Need{}, false)
	if err != nil || b != a || idA == idB || srv.Count(mock.Bienport, mock.EndpointLogin) != 1 {
		t.Fatalf("two holders did not share one login (%v)", err)
	}
	if revoked, err := m.Release(t.Context(), idA); revoked || err != nil || srv.Count(mock.Bienport, mock.EndpointRevoke) != 0 {
		t.Fatalf("first release: revoked %v, %v", revoked, err)
	}
	if !tokenWorks(t, srv, a) {
		t.Fatal("the token stopped working while a holder still had it")
	}
	if revoked, err := m.Release(t.Context(), idB); !revoked || err != nil {
		t.Fatalf("last release: revoked %v, %v", revoked, err)
	}
	if tokenWorks(t, srv, a) {
		t.Error("the mock still accepts the revoked token")
	}
	reqs := srv.ReceivedRequests(mock.Bienport)
	last := reqs[len(reqs)-2] // the logout, before the probe
	if last.Endpoint != mock.EndpointRevoke || string(last.Body) != `{"appId":"terraform-provider-iotauth","jwtToken":"`+a.Token+`","userId":20641}` {
		t.Errorf("logout request %s %s", last.Endpoint, last.Body)
	}
	if revoked, err := m.Release(t.Context(), idB); revoked || err != nil {
		t.Error("a second release of the same lease did something")
	}
	c, idC, err := m.Open(t.Context(), cr, platform.Need{}, false)
	if err != nil || c == a || srv.Count(mock.Bienport, mock.EndpointLogin) != 2 {
		t.Fatalf("the revoked session was handed out again (%v)", err)
	}
	if revoked, _ := m.Release(t.Context(), idC); revoked || srv.Count(mock.Bienport, mock.EndpointRevoke) != 1 || !tokenWorks(t, srv, c) {
		t.Error("a session nobody asked to revoke was revoked")
	}
}

// TestMockRevokeServiceAccount: a Coiote service account's token is revoked
// with RFC 7009; a password-grant token cannot be, and asking for it fails
// before any login.
func TestMockRevokeServiceAccount(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t)
	m := newMockManager(t, fastSettings())
	s, id, err := m.Open(t.Context(), serviceCreds(srv), platform.Need{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if !tokenWorks(t, srv, s) {
		t.Fatal("the new token does not work")
	}
	if revoked, err := m.Release(t.Context(), id); !revoked || err != nil {
		t.Fatalf("release: %v %v", revoked, err)
	}
	if tokenWorks(t, srv, s) || srv.Count(mock.Coiote, mock.EndpointRevoke) != 1 {
		t.Error("the service account's token was not revoked")
	}

	_, _, err = m.Open(t.Context(), seedCreds(t, srv, mock.Coiote), platform.Need{}, true)
	const want = `Coiote IoT DM login for user "ops@acme.example" failed: invalid configuration: this platform cannot revoke tokens of password`
	if err == nil || err.Error() != want || srv.Count(mock.Coiote, mock.EndpointLogin) != 0 {
		t.Errorf("revoke with a password: %v (%d logins)", err, srv.Count(mock.Coiote, mock.EndpointLogin))
	}
}

// TestMockRevokeFailureAndExpiry: a refused revocation is an error for the
// caller to report (the session is dropped all the same); a session that
// has already expired is not revoked; Retire makes the next holder log in.
func TestMockRevokeFailureAndExpiry(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t)
	m := newMockManager(t, fastSettings())
	cr := seedCreds(t, srv, mock.Bienport)
	s, id, err := m.Open(t.Context(), cr, platform.Need{}, true)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFault(mock.Bienport, mock.Fault{Endpoint: mock.EndpointRevoke, Status: http.StatusForbidden, Times: 1})
	revoked, err := m.Release(t.Context(), id)
	const want = `BienPort token revocation for user "bienport.demo" failed: unexpected response (HTTP 403)`
	if revoked || err == nil || err.Error() != want {
		t.Fatalf("refused logout: %v, %v", revoked, err)
	}
	noSecrets(t, srv, err.Error())
	if s2, _, _ := m.Open(t.Context(), cr, platform.Need{}, false); s2 == s {
		t.Error("a session whose revocation failed was handed out again")
	}

	srv2 := mocktest.Start(t, func(c *mock.Config) { c.CoioteTokenLifetime = 2 * time.Second })
	m2 := newMockManager(t, fastSettings())
	_, id2, err := m2.Open(t.Context(), serviceCreds(srv2), platform.Need{}, true)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	if revoked, err := m2.Release(t.Context(), id2); revoked || err != nil || srv2.Count(mock.Coiote, mock.EndpointRevoke) != 0 {
		t.Errorf("an expired token: revoked %v, %v, %d requests", revoked, err, srv2.Count(mock.Coiote, mock.EndpointRevoke))
	}

	first, id3, err := m2.Open(t.Context(), serviceCreds(srv2), platform.Need{}, false)
	if err != nil {
		t.Fatal(err)
	}
	m2.Retire(id3)
	if again, _, err := m2.Open(t.Context(), serviceCreds(srv2), platform.Need{}, false); err != nil || again == first {
		t.Errorf("a retired session was handed out again (%v)", err)
	}
	if at := clients.RenewAt(first); at.IsZero() || first.ExpiresAt.Sub(at) != 500*time.Millisecond {
		t.Errorf("RenewAt %s for a 2s token expiring at %s", at, first.ExpiresAt)
	}
}

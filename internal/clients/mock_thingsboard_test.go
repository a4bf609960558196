package clients_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock/mocktest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// ThingsBoard through the Manager against its mock: the seeded accounts
// field for field, the refusals told apart, two-factor authentication,
// refresh rotation and API keys.

func TestMockThingsboardSeedFieldForField(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t)
	m := newMockManager(t, fastSettings())
	for _, acct := range []mock.ThingsboardAccount{mock.SeedThingsboardTenant, mock.SeedThingsboardCustomer} {
		t.Run(acct.Email, func(t *testing.T) {
			s := seedSession(t, m, srv, mock.Thingsboard, acct.Email, acct.Password)
			expiresNear(t, s.ExpiresAt, time.Now().Add(mock.DefaultThingsboardTokenLifetime))
			if s.RefreshToken == "" || s.Headers["X-Authorization"] != "Bearer "+s.Token || len(s.Headers) != 1 {
				t.Errorf("refresh token set %v, headers %d", s.RefreshToken != "", len(s.Headers))
			}
			p := s.Profile
			sameStrings(t, map[string][2]string{
				"UserID":         {p.UserID, acct.UserID},
				"UserName":       {p.UserName, acct.Email},
				"Email":          {p.Email, acct.Email},
				"CustomerID":     {p.CustomerID, acct.CustomerID}, // "" for the tenant administrator: the null UUID is null
				"OrganizationID": {p.OrganizationID, acct.TenantID},
				"tenant_id":      {extra[string](t, p, "tenant_id"), acct.TenantID},
				"authority":      {extra[string](t, p, "authority"), acct.Authority},
				"first_name":     {extra[string](t, p, "first_name"), acct.FirstName},
				"last_name":      {extra[string](t, p, "last_name"), acct.LastName},
				"phone":          {extra[string](t, p, "phone"), acct.Phone},
			})
			if !extra[time.Time](t, p, "created_time").Equal(time.UnixMilli(acct.CreatedTime)) ||
				len(p.Roles) != 1 || p.Roles[0] != acct.Authority || len(p.OrganizationIDs) != 1 || len(p.Permissions) != 0 {
				t.Errorf("profile %+v", p)
			}
			pj, _ := json.Marshal(p)
			if strings.Contains(string(pj), mock.ThingsboardAdditionalInfoMarker) || strings.Contains(string(pj), "lastLoginTs") {
				t.Error("the profile holds additionalInfo")
			}
		})
	}
}

func TestMockThingsboardRefusals(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t)
	m := newMockManager(t, fastSettings())
	cases := []struct {
		acct   mock.ThingsboardAccount
		pass   string
		detail string
	}{
		{mock.SeedThingsboardTenant, "wrong-password-for-test",
			`the platform refused the user name and password (HTTP 401; ThingsBoard says "Invalid username or password")`},
		{mock.SeedThingsboardLocked, mock.SeedThingsboardLockedPassword,
			`the account is locked (HTTP 401; ThingsBoard says "User account is locked due to security policy")`},
		{mock.SeedThingsboardDisabled, mock.SeedThingsboardDisabledPassword,
			`the account is not active (HTTP 401; ThingsBoard says "User account is not active")`},
		{mock.SeedThingsboardTwoFactor, mock.SeedThingsboardTwoFactorPassword,
			"this account uses two-factor authentication, which the provider cannot complete; use an API key"},
	}
	for _, tc := range cases {
		cr := platform.Credentials{Platform: mock.Thingsboard, BaseURL: srv.BaseURL(mock.Thingsboard), Username: tc.acct.Email, Password: tc.pass}
		before := srv.Count(mock.Thingsboard, "")
		for range 3 {
			_, err := m.Session(t.Context(), cr)
			e, ok := platform.AsError(err)
			if !ok || e.Kind != platform.KindBadCredentials || e.Detail != tc.detail || e.User != tc.acct.Email || e.Platform != "ThingsBoard" {
				t.Fatalf("%s: %v; want invalid credentials: %s", tc.acct.Email, err, tc.detail)
			}
			noSecrets(t, srv, err.Error()+" "+e.Hint())
		}
		// One login request, nothing else, however often it is asked for:
		// the two-factor account's password is not sent again either.
		if n := srv.Count(mock.Thingsboard, "") - before; n != 1 {
			t.Errorf("%s: %d requests, want exactly 1", tc.acct.Email, n)
		}
	}
}

// TestMockThingsboardRefreshRotation: a session near expiry is renewed with
// its refresh token, not a new login, each refresh rotating the pair; a
// refused refresh token falls back to one login.
func TestMockThingsboardRefreshRotation(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t)
	m, clk := newMockClockManager(t)
	cr := seedCreds(t, srv, mock.Thingsboard)
	s1, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(mock.DefaultThingsboardTokenLifetime - 30*time.Second)
	s2, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Token == s1.Token || s2.RefreshToken == s1.RefreshToken || s2.Profile.UserID != s1.Profile.UserID {
		t.Error("the refresh did not rotate the pair, or lost the profile")
	}
	if srv.Count(mock.Thingsboard, mock.EndpointLogin) != 1 || srv.Count(mock.Thingsboard, mock.EndpointRefresh) != 1 ||
		srv.Count(mock.Thingsboard, mock.EndpointProfile) != 1 {
		t.Errorf("counts %v: want 1 login, 1 profile read, 1 refresh", srv.Counts(mock.Thingsboard))
	}
	// The mock forgets every token: the refresh is refused and the
	// Manager logs in once more.
	srv.RevokeTokens(mock.Thingsboard)
	clk.Advance(mock.DefaultThingsboardTokenLifetime) // to twice the lifetime less 30 s
	s3, err := m.Session(t.Context(), cr)
	if err != nil || s3.Token != srv.LastToken(mock.Thingsboard) {
		t.Fatalf("after a refused refresh: %v", err)
	}
	if srv.Count(mock.Thingsboard, mock.EndpointLogin) != 2 || srv.Count(mock.Thingsboard, mock.EndpointRefresh) != 2 {
		t.Errorf("counts %v: want a second login after the refused refresh", srv.Counts(mock.Thingsboard))
	}
}

func TestMockThingsboardAPIKey(t *testing.T) {
	t.Parallel()
	srv := mocktest.Start(t)
	m := newMockManager(t, fastSettings())
	cr := platform.Credentials{Platform: mock.Thingsboard, BaseURL: srv.BaseURL(mock.Thingsboard), APIKey: mock.SeedThingsboardAPIKeyValue}
	for range 3 {
		s, err := m.Session(t.Context(), cr)
		if err != nil {
			t.Fatal(err)
		}
		if s.Token != mock.SeedThingsboardAPIKeyValue || s.TokenType != "ApiKey" || !s.ExpiresAt.IsZero() ||
			s.Headers["X-Authorization"] != "ApiKey "+mock.SeedThingsboardAPIKeyValue || s.Profile.Email != mock.SeedThingsboardAPIKey.User {
			t.Errorf("session %s (type %q)", s, s.TokenType)
		}
	}
	// One profile read for three callers, and no login.
	if srv.Count(mock.Thingsboard, mock.EndpointProfile) != 1 || srv.Count(mock.Thingsboard, mock.EndpointLogin) != 0 {
		t.Errorf("counts %v", srv.Counts(mock.Thingsboard))
	}

	bad := cr
	bad.APIKey = "mockpw-not-a-thingsboard-key"
	for range 2 {
		_, err := m.Session(t.Context(), bad)
		e, ok := platform.AsError(err)
		if !ok || e.Kind != platform.KindBadCredentials || e.Op != "API key check" || e.User != "" ||
			!strings.HasPrefix(err.Error(), "ThingsBoard API key check failed: invalid credentials: the platform refused the API key (HTTP 401)") {
			t.Fatalf("%v", err)
		}
		if strings.Contains(err.Error()+e.Hint(), bad.APIKey) {
			t.Error("the message holds the key")
		}
	}
	if srv.Count(mock.Thingsboard, mock.EndpointProfile) != 2 {
		t.Errorf("a refused key was sent %d times, want once", srv.Count(mock.Thingsboard, mock.EndpointProfile)-1)
	}

	// Other platforms refuse the kind before sending anything.
	_, err := m.Session(t.Context(), platform.Credentials{Platform: mock.Bienport, BaseURL: srv.BaseURL(mock.Bienport), APIKey: "k"})
	if !platform.IsKind(err, platform.KindInvalidConfig) || !strings.Contains(err.Error(), "does not accept API keys") {
		t.Errorf("%v", err)
	}
	// So is a key that would break the header.
	_, err = m.Session(t.Context(), platform.Credentials{Platform: mock.Thingsboard, BaseURL: srv.BaseURL(mock.Thingsboard), APIKey: "k\r\nX-Injected: 1"})
	if !platform.IsKind(err, platform.KindInvalidConfig) || strings.Contains(err.Error(), "X-Injected") {
		t.Errorf("%v", err)
	}
	if srv.Count(mock.Bienport, "") != 0 || srv.Count(mock.Thingsboard, mock.EndpointProfile) != 2 {
		t.Error("a refused kind or key was sent")
	}
}

package mock

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func thingsboardLogin(t *testing.T, s *Server, user, pass string) answer {
	t.Helper()
	return postJSON(t, s.BaseURL(Thingsboard)+"/api/auth/login", map[string]string{"username": user, "password": pass})
}

func thingsboardRefresh(t *testing.T, s *Server, rt string) answer {
	t.Helper()
	return postJSON(t, s.BaseURL(Thingsboard)+"/api/auth/token", map[string]string{"refreshToken": rt})
}

// thingsboardGetUser calls GET /api/auth/user with the given X-Authorization
// value ("" for none).
func thingsboardGetUser(t *testing.T, s *Server, xAuth string, extra map[string]string) answer {
	t.Helper()
	h := map[string]string{}
	if xAuth != "" {
		h["X-Authorization"] = xAuth
	}
	return send(t, nil, http.MethodGet, s.BaseURL(Thingsboard)+"/api/auth/user", headers(h, extra), "")
}

// wantThingsboardError checks ThingsBoard's error envelope.
func wantThingsboardError(t *testing.T, a answer, status, code int, msg string) {
	t.Helper()
	wantStatus(t, a, status)
	var e struct {
		Status    int    `json:"status"`
		Message   string `json:"message"`
		ErrorCode int    `json:"errorCode"`
		Timestamp int64  `json:"timestamp"`
	}
	a.decode(t, &e)
	// The timestamp is on the server's clock, which AdvanceClock moves.
	if e.Status != status || e.ErrorCode != code || e.Message != msg || time.UnixMilli(e.Timestamp).Before(time.Now().Add(-time.Minute)) {
		t.Errorf("error envelope %s, want status %d, code %d, message %q", a.body, status, code, msg)
	}
}

func TestThingsboardLoginAndUser(t *testing.T) {
	s := startT(t, nil)
	a := thingsboardLogin(t, s, SeedThingsboardTenant.Email, SeedThingsboardTenantPassword)
	wantStatus(t, a, http.StatusOK)
	obj := a.obj(t)
	if len(obj) != 3 || obj["scope"] != nil {
		t.Errorf("answer keys %v: token, refreshToken and a null scope", obj)
	}
	tok, rt := a.str(t, "token"), a.str(t, "refreshToken")
	claims := verifyLifetime(t, s, tok, 150*time.Minute)
	want := map[string]any{
		"sub": "tenant@thingsboard.org", "userId": SeedThingsboardTenant.UserID, "scopes": []any{"TENANT_ADMIN"},
		"iss": "thingsboard.io", "firstName": "Tenant", "lastName": "Admin", "enabled": true, "isPublic": false,
		"tenantId": SeedThingsboardTenant.TenantID, "customerId": ThingsboardNullUUID,
	}
	for k, v := range want {
		if !reflect.DeepEqual(claims[k], v) {
			t.Errorf("claim %s = %#v, want %#v", k, claims[k], v)
		}
	}
	rclaims := verifyLifetime(t, s, rt, 7*24*time.Hour)
	if !reflect.DeepEqual(rclaims["scopes"], []any{"REFRESH_TOKEN"}) || rclaims["sessionId"] != claims["sessionId"] || claims["sessionId"] == "" {
		t.Errorf("refresh claims %v", rclaims)
	}
	if s.LastToken(Thingsboard) != tok || !contains(s.IssuedSecrets(), rt) {
		t.Error("the access token is not LastToken, or the refresh token is not an issued secret")
	}

	u := thingsboardGetUser(t, s, "Bearer "+tok, nil)
	wantStatus(t, u, http.StatusOK)
	var user map[string]any
	u.decode(t, &user)
	wantUser := map[string]any{
		"id":          map[string]any{"entityType": "USER", "id": SeedThingsboardTenant.UserID},
		"createdTime": float64(SeedThingsboardTenant.CreatedTime),
		"tenantId":    map[string]any{"entityType": "TENANT", "id": SeedThingsboardTenant.TenantID},
		"customerId":  map[string]any{"entityType": "CUSTOMER", "id": ThingsboardNullUUID},
		"email":       "tenant@thingsboard.org", "authority": "TENANT_ADMIN", "firstName": "Tenant", "lastName": "Admin",
		"phone": "+15550100", "name": "tenant@thingsboard.org", "version": float64(1),
	}
	info, _ := user["additionalInfo"].(map[string]any)
	delete(user, "additionalInfo")
	if !reflect.DeepEqual(user, wantUser) || info["note"] != ThingsboardAdditionalInfoMarker {
		t.Errorf("user %s", u.body)
	}

	// A customer user: its customer, and nulls for what is not set.
	c := thingsboardLogin(t, s, SeedThingsboardCustomer.Email, SeedThingsboardCustomerPassword)
	cu := thingsboardGetUser(t, s, "Bearer "+c.str(t, "token"), nil).obj(t)
	customer, _ := cu["customerId"].(map[string]any)
	if customer["id"] != SeedThingsboardCustomer.CustomerID || cu["authority"] != "CUSTOMER_USER" ||
		cu["firstName"] != nil || cu["phone"] != nil || cu["additionalInfo"] != nil {
		t.Errorf("customer user %v", cu)
	}
	if got := verifyJWT(t, s, c.str(t, "token"))["scopes"]; !reflect.DeepEqual(got, []any{"CUSTOMER_USER"}) {
		t.Errorf("customer scopes %v", got)
	}
	if s.Count(Thingsboard, EndpointLogin) != 2 || s.Count(Thingsboard, EndpointProfile) != 2 {
		t.Errorf("counts %v", s.Counts(Thingsboard))
	}
}

func TestThingsboardLoginRefusals(t *testing.T) {
	s := startT(t, nil)
	cases := []struct {
		name, user, pass string
		code             int
		msg              string
	}{
		{"wrong password", SeedThingsboardTenant.Email, "wrong", 10, ThingsboardBadCredentialsMessage},
		{"unknown user", "nobody@thingsboard.org", SeedThingsboardTenantPassword, 10, ThingsboardBadCredentialsMessage},
		{"user name in other case", "Tenant@ThingsBoard.org", SeedThingsboardTenantPassword, 10, ThingsboardBadCredentialsMessage},
		{"locked", SeedThingsboardLocked.Email, SeedThingsboardLockedPassword, 10, ThingsboardLockedMessage},
		{"locked, wrong password", SeedThingsboardLocked.Email, "wrong", 10, ThingsboardLockedMessage},
		{"disabled", SeedThingsboardDisabled.Email, SeedThingsboardDisabledPassword, 10, ThingsboardNotActiveMessage},
		{"two-factor, wrong password", SeedThingsboardTwoFactor.Email, "wrong", 10, ThingsboardBadCredentialsMessage},
		{"empty password", SeedThingsboardTenant.Email, "", 10, "Authentication failed"},
	}
	for _, tc := range cases {
		wantThingsboardError(t, thingsboardLogin(t, s, tc.user, tc.pass), http.StatusUnauthorized, tc.code, tc.msg)
	}
	base := s.BaseURL(Thingsboard)
	for body, name := range map[string]string{
		`{"userName":"tenant@thingsboard.org","password":"x"}`: "wrong key",
		`{"username":"tenant@thingsboard.org"}`:                "no password",
		`not json`:                                             "not JSON",
	} {
		a := send(t, nil, http.MethodPost, base+"/api/auth/login", map[string]string{"Content-Type": "application/json"}, body)
		if a.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d", name, a.status)
		}
	}
	// No refusal issued a secret.
	if n := len(s.IssuedSecrets()); n != 0 || s.LastToken(Thingsboard) != "" {
		t.Errorf("%d secrets issued by refusals", n)
	}
}

func TestThingsboardTwoFactor(t *testing.T) {
	s := startT(t, nil)
	a := thingsboardLogin(t, s, SeedThingsboardTwoFactor.Email, SeedThingsboardTwoFactorPassword)
	wantStatus(t, a, http.StatusOK)
	obj := a.obj(t)
	if obj["scope"] != "PRE_VERIFICATION_TOKEN" || obj["refreshToken"] != nil {
		t.Errorf("answer %s", a.body)
	}
	tok := a.str(t, "token")
	claims := verifyJWT(t, s, tok)
	if !reflect.DeepEqual(claims["scopes"], []any{"PRE_VERIFICATION_TOKEN"}) || claims["sub"] != SeedThingsboardTwoFactor.Email {
		t.Errorf("claims %v", claims)
	}
	// It is a secret, but no session: the mock accepts it nowhere.
	if !contains(s.IssuedSecrets(), tok) || s.LastToken(Thingsboard) != "" {
		t.Error("the pre-verification token is not an issued secret, or became LastToken")
	}
	wantThingsboardError(t, thingsboardGetUser(t, s, "Bearer "+tok, nil), http.StatusUnauthorized, 10, ThingsboardBadCredentialsMessage)
}

func TestThingsboardUserAuthorization(t *testing.T) {
	s := startT(t, nil)
	a := thingsboardLogin(t, s, SeedThingsboardTenant.Email, SeedThingsboardTenantPassword)
	tok, rt := a.str(t, "token"), a.str(t, "refreshToken")
	for _, tc := range []struct {
		name, xAuth string
		extra       map[string]string
		code        int
		msg         string
	}{
		{"no header", "", nil, 10, "Authentication failed"},
		// ThingsBoard reads X-Authorization, not Authorization.
		{"Authorization instead", "", map[string]string{"Authorization": "Bearer " + tok}, 10, "Authentication failed"},
		{"no scheme", tok, nil, 10, "Authentication failed"},
		{"unknown token", "Bearer " + TokenPrefix + "nope", nil, 10, ThingsboardBadCredentialsMessage},
		{"refresh token as access", "Bearer " + rt, nil, 10, ThingsboardBadCredentialsMessage},
		{"wrong API key", "ApiKey " + SeedThingsboardAPIKeyValue + "x", nil, 10, "Authentication failed"},
		{"password as API key", "ApiKey " + SeedThingsboardTenantPassword, nil, 10, "Authentication failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantThingsboardError(t, thingsboardGetUser(t, s, tc.xAuth, tc.extra), http.StatusUnauthorized, tc.code, tc.msg)
		})
	}
	wantStatus(t, thingsboardGetUser(t, s, "bearer "+tok, nil), http.StatusOK)
	key := thingsboardGetUser(t, s, "ApiKey "+SeedThingsboardAPIKeyValue, nil)
	wantStatus(t, key, http.StatusOK)
	if key.str(t, "email") != SeedThingsboardAPIKey.User {
		t.Errorf("the API key acts as %q", key.str(t, "email"))
	}

	// An expired token says so, with ThingsBoard's own error code.
	s.AdvanceClock(151 * time.Minute)
	wantThingsboardError(t, thingsboardGetUser(t, s, "Bearer "+tok, nil), http.StatusUnauthorized, 11, "Token has expired")
	wantStatus(t, thingsboardGetUser(t, s, "ApiKey "+SeedThingsboardAPIKeyValue, nil), http.StatusOK)
}

func TestThingsboardRefresh(t *testing.T) {
	s := startT(t, nil)
	a := thingsboardLogin(t, s, SeedThingsboardCustomer.Email, SeedThingsboardCustomerPassword)
	tok1, rt1 := a.str(t, "token"), a.str(t, "refreshToken")
	b := thingsboardRefresh(t, s, rt1)
	wantStatus(t, b, http.StatusOK)
	tok2, rt2 := b.str(t, "token"), b.str(t, "refreshToken")
	if tok2 == tok1 || rt2 == rt1 || s.LastToken(Thingsboard) != tok2 {
		t.Error("the refresh did not rotate the pair")
	}
	if verifyJWT(t, s, tok2)["sub"] != SeedThingsboardCustomer.Email {
		t.Error("the new token is for someone else")
	}
	wantStatus(t, thingsboardGetUser(t, s, "Bearer "+tok2, nil), http.StatusOK)
	// A used refresh token is refused; so is an access token.
	wantThingsboardError(t, thingsboardRefresh(t, s, rt1), http.StatusUnauthorized, 10, "Authentication failed")
	wantThingsboardError(t, thingsboardRefresh(t, s, tok2), http.StatusUnauthorized, 10, "Authentication failed")
	wantThingsboardError(t, thingsboardRefresh(t, s, ""), http.StatusUnauthorized, 10, "Authentication failed")
	// An expired one says so.
	s.AdvanceClock(8 * 24 * time.Hour)
	wantThingsboardError(t, thingsboardRefresh(t, s, rt2), http.StatusUnauthorized, 11, "Token has expired")
	// A revoked one is refused.
	rt3 := thingsboardLogin(t, s, SeedThingsboardCustomer.Email, SeedThingsboardCustomerPassword).str(t, "refreshToken")
	s.RevokeTokens(Thingsboard)
	wantThingsboardError(t, thingsboardRefresh(t, s, rt3), http.StatusUnauthorized, 10, "Authentication failed")
	if s.Count(Thingsboard, EndpointRefresh) != 6 {
		t.Errorf("counts %v", s.Counts(Thingsboard))
	}
}

func TestThingsboardRateLimitAndFaults(t *testing.T) {
	s := startT(t, nil)
	s.SetLoginRateLimit(Thingsboard, 1, time.Minute)
	wantStatus(t, thingsboardLogin(t, s, SeedThingsboardTenant.Email, SeedThingsboardTenantPassword), http.StatusOK)
	a := thingsboardLogin(t, s, SeedThingsboardTenant.Email, SeedThingsboardTenantPassword)
	wantThingsboardError(t, a, http.StatusTooManyRequests, 33, "Too many requests for current tenant!")
	if a.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	s.SetLoginRateLimit(Thingsboard, 0, 0)

	// NoToken removes the access token and leaves the refresh token.
	s.SetFault(Thingsboard, Fault{Endpoint: EndpointLogin, NoToken: true, Times: 1})
	obj := thingsboardLogin(t, s, SeedThingsboardTenant.Email, SeedThingsboardTenantPassword).obj(t)
	if _, has := obj["token"]; has || obj["refreshToken"] == nil {
		t.Errorf("NoToken answer %v", obj)
	}
	s.SetFault(Thingsboard, Fault{Endpoint: EndpointProfile, Status: http.StatusServiceUnavailable, Times: 1})
	wantStatus(t, thingsboardGetUser(t, s, "ApiKey "+SeedThingsboardAPIKeyValue, nil), http.StatusServiceUnavailable)
	wantStatus(t, thingsboardGetUser(t, s, "ApiKey "+SeedThingsboardAPIKeyValue, nil), http.StatusOK)
}

// TestReplayThingsboardRestClient sends what ThingsBoard's own Java client
// sends (thingsboard rest-client, org.thingsboard.rest.client.RestClient:
// login posts a HashMap of username and password with Spring's
// RestTemplate, refreshToken posts {"refreshToken": ...} to
// /api/auth/token, and every other call, getUser (GET /api/auth/user)
// included, carries `X-Authorization: Bearer <token>`), headers as
// RestTemplate writes them.
func TestReplayThingsboardRestClient(t *testing.T) {
	s := startT(t, nil)
	base := s.BaseURL(Thingsboard)
	spring := map[string]string{
		"Content-Type": "application/json",
		"Accept":       "application/json, application/*+json",
		"User-Agent":   "Java/17.0.12",
	}
	// A HashMap writes its keys in its own order.
	login := `{"password":"` + SeedThingsboardTenantPassword + `","username":"tenant@thingsboard.org"}`
	a := send(t, nil, http.MethodPost, base+"/api/auth/login", spring, login)
	wantStatus(t, a, http.StatusOK)
	tok, rt := a.str(t, "token"), a.str(t, "refreshToken")

	getUser := headers(spring, map[string]string{"X-Authorization": "Bearer " + tok})
	delete(getUser, "Content-Type")
	u := send(t, nil, http.MethodGet, base+"/api/auth/user", getUser, "")
	wantStatus(t, u, http.StatusOK)
	if u.str(t, "email") != "tenant@thingsboard.org" {
		t.Errorf("getUser %s", u.body)
	}

	b := send(t, nil, http.MethodPost, base+"/api/auth/token", spring, `{"refreshToken":"`+rt+`"}`)
	wantStatus(t, b, http.StatusOK)
	getUser["X-Authorization"] = "Bearer " + b.str(t, "token")
	wantStatus(t, send(t, nil, http.MethodGet, base+"/api/auth/user", getUser, ""), http.StatusOK)

	bad := send(t, nil, http.MethodPost, base+"/api/auth/login", spring, strings.Replace(login, SeedThingsboardTenantPassword, "password", 1))
	wantThingsboardError(t, bad, http.StatusUnauthorized, 10, ThingsboardBadCredentialsMessage)
}

func TestThingsboardConfig(t *testing.T) {
	for name, mut := range map[string]func(*Config){
		"key of nobody":   func(c *Config) { c.ThingsboardAPIKeys[0].User = "nobody@thingsboard.org" },
		"empty key":       func(c *Config) { c.ThingsboardAPIKeys[0].Key = "" },
		"key with spaces": func(c *Config) { c.ThingsboardAPIKeys[0].Key = "a b" },
		"same key twice": func(c *Config) {
			c.ThingsboardAPIKeys = append(c.ThingsboardAPIKeys, ThingsboardAPIKey{Name: "other", Key: SeedThingsboardAPIKeyValue, User: "customer@thingsboard.org"})
		},
		"duplicate user": func(c *Config) { c.Thingsboard = append(c.Thingsboard, c.Thingsboard[0]) },
	} {
		cfg := DefaultConfig()
		mut(&cfg)
		if s, err := Start(cfg); err == nil {
			s.Close()
			t.Errorf("%s: Start accepted it", name)
		}
	}

	path := filepath.Join(t.TempDir(), "tb.json")
	file := `{"thingsboard": [{"email": "ops@tb.example", "password": "ops-pw", "user_id": "u-1", "tenant_id": "t-1",
	  "authority": "TENANT_ADMIN"}],
	  "thingsboard_api_keys": [{"name": "ops", "key": "ops-key-1", "user": "ops@tb.example"}],
	  "thingsboard_token_lifetime": "10m", "thingsboard_refresh_lifetime": 3600}`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Thingsboard) != 1 || cfg.ThingsboardTokenLifetime != 10*time.Minute || cfg.ThingsboardRefreshLifetime != time.Hour ||
		!reflect.DeepEqual(cfg.AccountNames(Thingsboard), []string{"ops@tb.example", "API key ops (ops@tb.example)"}) {
		t.Fatalf("config %+v", cfg.ThingsboardConfig)
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := thingsboardLogin(t, s, "ops@tb.example", "ops-pw")
	verifyLifetime(t, s, a.str(t, "token"), 10*time.Minute)
	if thingsboardGetUser(t, s, "ApiKey ops-key-1", nil).str(t, "email") != "ops@tb.example" {
		t.Error("the configured API key does not act as its user")
	}
}

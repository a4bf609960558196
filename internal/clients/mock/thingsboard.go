package mock

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Thingsboard is the mock ThingsBoard platform (PLATFORMS.md, "ThingsBoard"):
// the login, refresh and current-user endpoints of its REST API, which sits
// under /api at the installation's root, so its base URL is the root.
const Thingsboard platform.Name = "thingsboard"

type thingsboardMock struct{}

func (thingsboardMock) info() platformInfo {
	return platformInfo{name: Thingsboard, title: "ThingsBoard", tokenFields: []string{"token"},
		demo: Login{SeedThingsboardTenant.Email, SeedThingsboardTenant.Password}}
}

func (thingsboardMock) section(c *Config) configSection { return &c.ThingsboardConfig }

func (thingsboardMock) start(s *Server) handlers {
	m := &thingsboardServer{s: s, cfg: &s.cfg.ThingsboardConfig,
		accounts: map[string]*ThingsboardAccount{}, keys: map[string]*ThingsboardAccount{}}
	for i := range m.cfg.Thingsboard {
		a := &m.cfg.Thingsboard[i]
		m.accounts[a.Email] = a
	}
	for _, k := range m.cfg.ThingsboardAPIKeys {
		m.keys[k.Key] = m.accounts[k.User]
	}
	return m
}

// ThingsBoard's default lifetimes (JWT_TOKEN_EXPIRATION_TIME and
// JWT_REFRESH_TOKEN_EXPIRATION_TIME), and the time a pre-verification token
// leaves for the second factor.
const (
	DefaultThingsboardTokenLifetime   = 150 * time.Minute
	DefaultThingsboardRefreshLifetime = 7 * 24 * time.Hour
	thingsboardPreVerificationLife    = time.Hour
)

// ThingsboardConfig is ThingsBoard's part of Config, embedded in it.
type ThingsboardConfig struct {
	// Thingsboard ("thingsboard") are the ThingsBoard users.
	Thingsboard []ThingsboardAccount `json:"thingsboard"`
	// ThingsboardAPIKeys ("thingsboard_api_keys") are API keys, each
	// acting as one of the users.
	ThingsboardAPIKeys []ThingsboardAPIKey `json:"thingsboard_api_keys"`
	// ThingsboardTokenLifetime ("thingsboard_token_lifetime", default
	// "2h30m") and ThingsboardRefreshLifetime
	// ("thingsboard_refresh_lifetime", default "168h") are the access and
	// refresh token lifetimes.
	ThingsboardTokenLifetime   time.Duration `json:"-"`
	ThingsboardRefreshLifetime time.Duration `json:"-"`
}

func (c *ThingsboardConfig) accounts() []accountList {
	return []accountList{
		accounts[ThingsboardAccount]{
			kind: "thingsboard", list: &c.Thingsboard,
			seeds: []ThingsboardAccount{SeedThingsboardTenant, SeedThingsboardCustomer, SeedThingsboardLocked,
				SeedThingsboardDisabled, SeedThingsboardTwoFactor},
			name:   func(a ThingsboardAccount) string { return a.Email },
			secret: func(a ThingsboardAccount) string { return a.Password },
		},
		accounts[ThingsboardAPIKey]{
			kind: "thingsboard API key", list: &c.ThingsboardAPIKeys, seeds: []ThingsboardAPIKey{SeedThingsboardAPIKey},
			name:   func(k ThingsboardAPIKey) string { return "API key " + k.Name + " (" + k.User + ")" },
			secret: func(k ThingsboardAPIKey) string { return k.Key },
			check:  c.checkAPIKey,
		},
	}
}

// checkAPIKey rejects a key without a value, one that acts as no
// configured user, and a value two keys share.
func (c *ThingsboardConfig) checkAPIKey(k ThingsboardAPIKey) error {
	if strings.TrimSpace(k.Key) == "" || strings.ContainsAny(k.Key, " \t\r\n") {
		return fmt.Errorf("mock config: thingsboard API key %q has an empty value or one with white space", k.Name)
	}
	found := false
	for _, a := range c.Thingsboard {
		found = found || a.Email == k.User
	}
	if !found {
		return fmt.Errorf("mock config: thingsboard API key %q acts as %q, who is not a thingsboard user", k.Name, k.User)
	}
	n := 0
	for _, other := range c.ThingsboardAPIKeys {
		if other.Key == k.Key {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("mock config: thingsboard API key %q has the same value as another key", k.Name)
	}
	return nil
}

func (c *ThingsboardConfig) durations() []durationSetting {
	return []durationSetting{
		{"thingsboard_token_lifetime", &c.ThingsboardTokenLifetime, DefaultThingsboardTokenLifetime},
		{"thingsboard_refresh_lifetime", &c.ThingsboardRefreshLifetime, DefaultThingsboardRefreshLifetime},
	}
}

func (c *ThingsboardConfig) setDefaults() {}

// ThingsboardAccount is a ThingsBoard user.
type ThingsboardAccount struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	UserID   string `json:"user_id"`
	// TenantID is "" for the system administrator and CustomerID "" for a
	// user of no customer: the answers write the null UUID for them.
	TenantID   string `json:"tenant_id"`
	CustomerID string `json:"customer_id"`
	// Authority is SYS_ADMIN, TENANT_ADMIN or CUSTOMER_USER.
	Authority string `json:"authority"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Phone     string `json:"phone"`
	// CreatedTime is epoch milliseconds.
	CreatedTime int64 `json:"created_time"`
	// AdditionalInfo is the user's free-form JSON, returned as is.
	AdditionalInfo map[string]any `json:"additional_info"`
	// Locked and Disabled make every login fail with ThingsBoard's
	// "locked" or "not active" message; TwoFactor makes a login with the
	// right password answer a pre-verification token.
	Locked    bool `json:"locked"`
	Disabled  bool `json:"disabled"`
	TwoFactor bool `json:"two_factor"`
}

// ThingsboardAPIKey is an API key (ThingsBoard 4.3 and later), sent as
// `X-Authorization: ApiKey <Key>`; it acts as User (an e-mail address).
type ThingsboardAPIKey struct {
	Name string `json:"name"`
	Key  string `json:"key"`
	User string `json:"user"`
}

// ThingsboardNullUUID is what ThingsBoard writes for "no customer" and "no
// tenant".
const ThingsboardNullUUID = "13814000-1dd2-11b2-8080-808080808080"

// ThingsboardAdditionalInfoMarker is in the seeded tenant administrator's
// additionalInfo, which clients must never surface: tests search for it.
const ThingsboardAdditionalInfoMarker = "mock-additional-info-never-surfaced"

// The seeded ThingsBoard passwords and API key (see the package
// documentation's "Seeded accounts").
const (
	SeedThingsboardTenantPassword    = "mockpw-thingsboard-tenant-5Wm1"
	SeedThingsboardCustomerPassword  = "mockpw-thingsboard-customer-8Kd3"
	SeedThingsboardLockedPassword    = "mockpw-thingsboard-locked-2Vn6"
	SeedThingsboardDisabledPassword  = "mockpw-thingsboard-disabled-4Xc9"
	SeedThingsboardTwoFactorPassword = "mockpw-thingsboard-mfa-7Hs2"
	SeedThingsboardAPIKeyValue       = "mockpw-thingsboard-apikey-3Jp8Tq"
)

// mockTenant is the seeded accounts' tenant.
const mockTenant = "1e0e1b30-9b6a-11ef-8e4b-3d1b4c5a6f70"

// SeedThingsboardTenant is a tenant administrator under the name of
// ThingsBoard's own demo account: no customer, an additionalInfo with
// things no client may surface.
var SeedThingsboardTenant = ThingsboardAccount{
	Email: "tenant@thingsboard.org", Password: SeedThingsboardTenantPassword,
	UserID: "2a4f5c60-9b6a-11ef-8e4b-3d1b4c5a6f70", TenantID: mockTenant, Authority: "TENANT_ADMIN",
	FirstName: "Tenant", LastName: "Admin", Phone: "+15550100", CreatedTime: 1730803200000,
	AdditionalInfo: map[string]any{
		"description": "Fleet automation", "defaultDashboardId": nil, "homeDashboardHideToolbar": true,
		"lastLoginTs": 1767225600000, "failedLoginAttempts": 0, "userCredentialsEnabled": true,
		"note": ThingsboardAdditionalInfoMarker,
	},
}

// SeedThingsboardCustomer is a customer user without name or phone.
var SeedThingsboardCustomer = ThingsboardAccount{
	Email: "customer@thingsboard.org", Password: SeedThingsboardCustomerPassword,
	UserID: "4c6f7e80-9b6a-11ef-8e4b-3d1b4c5a6f70", TenantID: mockTenant,
	CustomerID: "3b5e6d70-9b6a-11ef-8e4b-3d1b4c5a6f70", Authority: "CUSTOMER_USER", CreatedTime: 1730889600000,
}

// SeedThingsboardLocked, SeedThingsboardDisabled and
// SeedThingsboardTwoFactor are tenant users that cannot sign in with a
// password: locked out, not active, and with two-factor authentication on.
var (
	SeedThingsboardLocked = ThingsboardAccount{
		Email: "locked.user@thingsboard.example", Password: SeedThingsboardLockedPassword,
		UserID: "6e81a0a0-9b6a-11ef-8e4b-3d1b4c5a6f70", TenantID: mockTenant, Authority: "TENANT_ADMIN",
		CreatedTime: 1730900000000, Locked: true,
	}
	SeedThingsboardDisabled = ThingsboardAccount{
		Email: "disabled.user@thingsboard.example", Password: SeedThingsboardDisabledPassword,
		UserID: "7f92b1b0-9b6a-11ef-8e4b-3d1b4c5a6f70", TenantID: mockTenant, Authority: "TENANT_ADMIN",
		CreatedTime: 1730900000000, Disabled: true,
	}
	SeedThingsboardTwoFactor = ThingsboardAccount{
		Email: "mfa.user@thingsboard.example", Password: SeedThingsboardTwoFactorPassword,
		UserID: "80a3c2c0-9b6a-11ef-8e4b-3d1b4c5a6f70", TenantID: mockTenant, Authority: "TENANT_ADMIN",
		CreatedTime: 1730900000000, TwoFactor: true,
	}
)

// SeedThingsboardAPIKey acts as the tenant administrator.
var SeedThingsboardAPIKey = ThingsboardAPIKey{Name: "ci-pipeline", Key: SeedThingsboardAPIKeyValue, User: SeedThingsboardTenant.Email}

// ThingsBoard paths, at the installation's root.
const (
	ThingsboardLoginPath   = "/api/auth/login"
	ThingsboardRefreshPath = "/api/auth/token"
	ThingsboardUserPath    = "/api/auth/user"
)

// The messages of ThingsBoard's 401 answers to a login
// (ThingsboardErrorResponseHandler), and of its other refusals.
const (
	ThingsboardBadCredentialsMessage = "Invalid username or password"
	ThingsboardLockedMessage         = "User account is locked due to security policy"
	ThingsboardNotActiveMessage      = "User account is not active"
	thingsboardAuthFailedMessage     = "Authentication failed"
	thingsboardExpiredMessage        = "Token has expired"
)

// ThingsBoard's error codes (ThingsboardErrorCode).
const (
	tbAuthentication  = 10
	tbTokenExpired    = 11
	tbTooManyRequests = 33
)

// thingsboardServer is a started mock ThingsBoard.
type thingsboardServer struct {
	s        *Server
	cfg      *ThingsboardConfig
	accounts map[string]*ThingsboardAccount // by e-mail
	// keys maps an API key's value to the user it acts as.
	keys       map[string]*ThingsboardAccount
	loginLimit rateLimit
}

func (m *thingsboardServer) route(r *http.Request) (Endpoint, http.HandlerFunc) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == ThingsboardLoginPath:
		return EndpointLogin, m.login
	case r.Method == http.MethodPost && r.URL.Path == ThingsboardRefreshPath:
		return EndpointRefresh, m.refresh
	case r.Method == http.MethodGet && r.URL.Path == ThingsboardUserPath:
		return EndpointProfile, m.user
	}
	return EndpointOther, nil
}

func (m *thingsboardServer) rateLimit(ep Endpoint) *rateLimit {
	if ep == EndpointLogin {
		return &m.loginLimit
	}
	return nil
}

// thingsboardError writes ThingsBoard's error envelope.
func (m *thingsboardServer) error(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, struct {
		Status    int    `json:"status"`
		Message   string `json:"message"`
		ErrorCode int    `json:"errorCode"`
		Timestamp int64  `json:"timestamp"`
	}{status, msg, code, m.s.tokens.now().UnixMilli()})
}

// thingsboardPair is ThingsBoard's JwtPair: scope is null but for a
// pre-verification token.
type thingsboardPair struct {
	Token        string  `json:"token"`
	RefreshToken *string `json:"refreshToken"`
	Scope        *string `json:"scope"`
}

// login is POST /api/auth/login: JSON {"username","password"}. The
// account's state is checked before its password, as recent ThingsBoard
// versions do: a locked or inactive account gets its message whatever the
// password.
func (m *thingsboardServer) login(w http.ResponseWriter, r *http.Request) {
	if !m.s.allow(&m.loginLimit, w, r) {
		m.error(w, http.StatusTooManyRequests, tbTooManyRequests, "Too many requests for current tenant!")
		return
	}
	obj, ok := strictObject(r)
	user, okU := stringField(obj, "username")
	pass, okP := stringField(obj, "password")
	if !ok || !okU || !okP || user == "" || pass == "" {
		// ThingsBoard: "Username or Password not provided", answered
		// as a generic authentication failure.
		m.error(w, http.StatusUnauthorized, tbAuthentication, thingsboardAuthFailedMessage)
		return
	}
	a := m.accounts[user]
	switch {
	case a == nil:
		m.error(w, http.StatusUnauthorized, tbAuthentication, ThingsboardBadCredentialsMessage)
	case a.Locked:
		m.error(w, http.StatusUnauthorized, tbAuthentication, ThingsboardLockedMessage)
	case a.Disabled:
		m.error(w, http.StatusUnauthorized, tbAuthentication, ThingsboardNotActiveMessage)
	case !samePassword(a.Password, pass):
		m.error(w, http.StatusUnauthorized, tbAuthentication, ThingsboardBadCredentialsMessage)
	case a.TwoFactor:
		m.preVerification(w, a)
	default:
		m.pair(w, a)
	}
}

// pair answers a new access and refresh token for a.
func (m *thingsboardServer) pair(w http.ResponseWriter, a *ThingsboardAccount) {
	session := uuidLike()
	access, err := m.s.tokens.issueJWT(tokenInfo{platform: Thingsboard, kind: kindAccess, subject: a.Email},
		m.cfg.ThingsboardTokenLifetime, jwt.MapClaims{
			"sub": a.Email, "userId": a.UserID, "scopes": []string{a.Authority}, "sessionId": session,
			"iss": "thingsboard.io", "firstName": a.FirstName, "lastName": a.LastName, "enabled": true,
			"isPublic": false, "tenantId": orNullUUID(a.TenantID), "customerId": orNullUUID(a.CustomerID),
		})
	var refresh string
	if err == nil {
		refresh, err = m.s.tokens.issueJWT(tokenInfo{platform: Thingsboard, kind: kindRefresh, subject: a.Email},
			m.cfg.ThingsboardRefreshLifetime, jwt.MapClaims{
				"sub": a.Email, "userId": a.UserID, "scopes": []string{"REFRESH_TOKEN"}, "sessionId": session,
				"iss": "thingsboard.io", "isPublic": false,
			})
	}
	if err != nil {
		m.error(w, http.StatusInternalServerError, 2, "token signing failed")
		return
	}
	writeJSON(w, http.StatusOK, thingsboardPair{Token: access, RefreshToken: &refresh})
}

// preVerification answers the pre-verification token of an account with
// two-factor authentication. The mock serves none of the /api/auth/2fa
// endpoints that would turn it into a session, and accepts it nowhere.
func (m *thingsboardServer) preVerification(w http.ResponseWriter, a *ThingsboardAccount) {
	now := m.s.tokens.now()
	tok, err := m.s.tokens.signJWT(jwt.MapClaims{
		"sub": a.Email, "userId": a.UserID, "scopes": []string{"PRE_VERIFICATION_TOKEN"}, "iss": "thingsboard.io",
		"tenantId": orNullUUID(a.TenantID), "customerId": orNullUUID(a.CustomerID),
	}, now, now.Add(thingsboardPreVerificationLife))
	if err != nil {
		m.error(w, http.StatusInternalServerError, 2, "token signing failed")
		return
	}
	m.s.tokens.addSecret(tok)
	scope := "PRE_VERIFICATION_TOKEN"
	writeJSON(w, http.StatusOK, thingsboardPair{Token: tok, Scope: &scope})
}

// refresh is POST /api/auth/token: JSON {"refreshToken"}. A refresh token
// works once: the answer is a new pair.
func (m *thingsboardServer) refresh(w http.ResponseWriter, r *http.Request) {
	obj, ok := strictObject(r)
	rt, okR := stringField(obj, "refreshToken")
	if !ok || !okR || rt == "" {
		m.error(w, http.StatusUnauthorized, tbAuthentication, thingsboardAuthFailedMessage)
		return
	}
	info, ok := m.s.tokens.consume(rt, Thingsboard, kindRefresh)
	a := m.accounts[info.subject]
	switch {
	case !ok && m.expired(rt):
		m.error(w, http.StatusUnauthorized, tbTokenExpired, thingsboardExpiredMessage)
	case !ok || a == nil:
		m.error(w, http.StatusUnauthorized, tbAuthentication, thingsboardAuthFailedMessage)
	case a.Locked || a.Disabled:
		m.error(w, http.StatusUnauthorized, tbAuthentication, ThingsboardNotActiveMessage)
	default:
		m.pair(w, a)
	}
}

// user is GET /api/auth/user, the current user.
func (m *thingsboardServer) user(w http.ResponseWriter, r *http.Request) {
	a, ok := m.auth(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, thingsboardUser(a))
}

// auth reads `X-Authorization: Bearer <access token>` or
// `X-Authorization: ApiKey <key>` (ThingsBoard reads no Authorization
// header). On failure it has answered 401 with ThingsBoard's messages:
// "Token has expired" for an expired token, "Invalid username or password"
// for any other bad token (ThingsBoard reports an invalid JWT as bad
// credentials), "Authentication failed" without a usable header or key.
func (m *thingsboardServer) auth(w http.ResponseWriter, r *http.Request) (*ThingsboardAccount, bool) {
	scheme, cred, _ := strings.Cut(strings.TrimSpace(r.Header.Get("X-Authorization")), " ")
	cred = strings.TrimSpace(cred)
	switch {
	case cred == "":
	case strings.EqualFold(scheme, "Bearer"):
		info, ok := m.s.tokens.valid(cred, Thingsboard)
		if a := m.accounts[info.subject]; ok && a != nil {
			return a, true
		}
		if m.expired(cred) {
			m.error(w, http.StatusUnauthorized, tbTokenExpired, thingsboardExpiredMessage)
		} else {
			m.error(w, http.StatusUnauthorized, tbAuthentication, ThingsboardBadCredentialsMessage)
		}
		return nil, false
	case scheme == "ApiKey":
		if a := m.keys[cred]; a != nil && !a.Locked && !a.Disabled {
			return a, true
		}
	}
	m.error(w, http.StatusUnauthorized, tbAuthentication, thingsboardAuthFailedMessage)
	return nil, false
}

// expired reports whether tok is a JWT of this server whose exp has passed
// on the server's clock (the signature is checked, so the message never
// depends on claims a client made up).
func (m *thingsboardServer) expired(tok string) bool {
	_, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return m.s.tokens.key, nil },
		jwt.WithValidMethods([]string{"HS512"}), jwt.WithTimeFunc(m.s.tokens.now))
	return errors.Is(err, jwt.ErrTokenExpired)
}

// thingsboardEntity is ThingsBoard's ID object.
type thingsboardEntity struct {
	EntityType string `json:"entityType"`
	ID         string `json:"id"`
}

// thingsboardUserAnswer is ThingsBoard's User, keys in its order.
type thingsboardUserAnswer struct {
	ID             thingsboardEntity `json:"id"`
	CreatedTime    int64             `json:"createdTime"`
	TenantID       thingsboardEntity `json:"tenantId"`
	CustomerID     thingsboardEntity `json:"customerId"`
	Email          string            `json:"email"`
	Authority      string            `json:"authority"`
	FirstName      *string           `json:"firstName"`
	LastName       *string           `json:"lastName"`
	Phone          *string           `json:"phone"`
	Name           string            `json:"name"`
	AdditionalInfo map[string]any    `json:"additionalInfo"`
	Version        int               `json:"version"`
}

func thingsboardUser(a *ThingsboardAccount) thingsboardUserAnswer {
	return thingsboardUserAnswer{
		ID:          thingsboardEntity{"USER", a.UserID},
		CreatedTime: a.CreatedTime,
		TenantID:    thingsboardEntity{"TENANT", orNullUUID(a.TenantID)},
		CustomerID:  thingsboardEntity{"CUSTOMER", orNullUUID(a.CustomerID)},
		Email:       a.Email, Authority: a.Authority,
		FirstName: orNull(a.FirstName), LastName: orNull(a.LastName), Phone: orNull(a.Phone),
		Name: a.Email, AdditionalInfo: a.AdditionalInfo, Version: 1,
	}
}

// orNullUUID is id, or the null UUID for none.
func orNullUUID(id string) string {
	if id == "" {
		return ThingsboardNullUUID
	}
	return id
}

// orNull is a JSON null for "".
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// uuidLike is a random version-4-shaped UUID, for session IDs.
func uuidLike() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

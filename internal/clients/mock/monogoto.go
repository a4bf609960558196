package mock

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Monogoto is the mock Monogoto platform: the legacy console API (POST /Auth,
// seeds 000 and 001) and the newer v1 API (/v1/auth/...), which share its
// listener (on the real platform they are two hosts).
const Monogoto platform.Name = "monogoto"

type monogotoMock struct{}

func (monogotoMock) info() platformInfo {
	return platformInfo{
		name: Monogoto, title: "Monogoto",
		// Clients configure the v1 API's base URL apart from the console's.
		aliases:     []string{"monogoto_v1"},
		tokenFields: []string{"token", "access_token"},
		demo:        Login{SeedMonogotoDemo.UserName, SeedMonogotoDemo.Password},
	}
}

func (monogotoMock) section(c *Config) configSection { return &c.MonogotoConfig }

func (monogotoMock) start(s *Server) handlers {
	cfg := &s.cfg.MonogotoConfig
	m := &monogotoServer{s: s, cfg: cfg, accounts: byKey(cfg.Monogoto, func(a *MonogotoAccount) string { return a.UserName })}
	m.v1Limit.set(m.cfg.MonogotoV1RateLimit, m.cfg.MonogotoV1RateWindow)
	return m
}

// Monogoto's default lifetimes and v1 rate limit: the documented ones, or
// what clients in the wild assume where nothing is documented.
const (
	DefaultMonogotoTokenLifetime   = 4 * time.Hour
	DefaultMonogotoRefreshLifetime = 24 * time.Hour
	DefaultMonogotoV1RateLimit     = 5
	DefaultMonogotoV1RateWindow    = 60 * time.Second
)

// MonogotoConfig is Monogoto's part of Config, embedded in it.
type MonogotoConfig struct {
	// Monogoto ("monogoto") are the console users; the v1 API accepts the
	// same user names and passwords.
	Monogoto []MonogotoAccount `json:"monogoto"`
	// MonogotoTokenLifetime ("monogoto_token_lifetime", default "4h") is
	// the lifetime of Monogoto access tokens (console and v1). Tokens are
	// JWTs with that `exp` unless MonogotoOpaqueTokens
	// ("monogoto_opaque_tokens") asks for opaque ones, whose expiry a client
	// cannot know. The server enforces the lifetime either way.
	MonogotoTokenLifetime time.Duration `json:"-"`
	MonogotoOpaqueTokens  bool          `json:"monogoto_opaque_tokens"`
	// MonogotoRefreshLifetime ("monogoto_refresh_lifetime", default "24h")
	// is the lifetime of v1 refresh tokens.
	MonogotoRefreshLifetime time.Duration `json:"-"`
	// MonogotoV1RateLimit ("monogoto_v1_rate_limit") is how many v1 login
	// or refresh calls one client IP may make per MonogotoV1RateWindow
	// ("monogoto_v1_rate_window", default "60s"): 0 means the documented 5,
	// a negative value turns the limit off.
	MonogotoV1RateLimit  int           `json:"monogoto_v1_rate_limit"`
	MonogotoV1RateWindow time.Duration `json:"-"`
}

func (c *MonogotoConfig) accounts() []accountList {
	return []accountList{accounts[MonogotoAccount]{
		kind: "monogoto", list: &c.Monogoto, seeds: []MonogotoAccount{SeedMonogotoDemo, SeedMonogotoViewer},
		name:   func(a MonogotoAccount) string { return a.UserName },
		secret: func(a MonogotoAccount) string { return a.Password },
	}}
}

func (c *MonogotoConfig) durations() []durationSetting {
	return []durationSetting{
		{"monogoto_token_lifetime", &c.MonogotoTokenLifetime, DefaultMonogotoTokenLifetime},
		{"monogoto_refresh_lifetime", &c.MonogotoRefreshLifetime, DefaultMonogotoRefreshLifetime},
		{"monogoto_v1_rate_window", &c.MonogotoV1RateWindow, DefaultMonogotoV1RateWindow},
	}
}

func (c *MonogotoConfig) setDefaults() {
	if c.MonogotoV1RateLimit == 0 {
		c.MonogotoV1RateLimit = DefaultMonogotoV1RateLimit
	}
}

// MonogotoAccount is a Monogoto console user. The JSON keys are snake case
// versions of the field names ("user_name", "customer_id", ...).
type MonogotoAccount struct {
	UserName       string `json:"user_name"`
	Password       string `json:"password"`
	CustomerID     string `json:"customer_id"`
	UserID         string `json:"user_id"`
	Role           string `json:"role"`
	Realm          string `json:"realm"`
	OrganizationID string `json:"organization_id"`
	// TwoFactorAuthentication is reported in AccountSettings only.
	TwoFactorAuthentication bool                `json:"two_factor_authentication"`
	ThingsGroupIDs          []string            `json:"things_group_ids"`
	Profile                 MonogotoUserProfile `json:"user_profile"`
}

// MonogotoUserProfile is the UserProfile object of a Monogoto login answer.
type MonogotoUserProfile struct {
	// Permissions maps a permission name to its actions ("view", "edit",
	// "delete").
	Permissions map[string][]string `json:"permissions"`
	// DateCreated and DateModified are epoch milliseconds.
	DateCreated   int64  `json:"date_created"`
	DateModified  int64  `json:"date_modified"`
	Name          string `json:"name"`
	Realm         string `json:"realm"`
	Type          string `json:"type"`
	UserProfileID string `json:"user_profile_id"`
	CAS           string `json:"cas"`
}

// The seeded Monogoto passwords (see the package documentation's "Seeded
// accounts").
const (
	SeedMonogotoDemoPassword   = "mockpw-monogoto-demo-7Qx2"
	SeedMonogotoViewerPassword = "mockpw-monogoto-viewer-3Kd9"
)

// SeedMonogotoDemo is the demo account of Monogoto's login documentation
// (seed 001), field for field, with its full permission set. The vendor
// example's "Search": ["view7", ...] typo is kept on purpose: clients must
// pass unknown actions through.
var SeedMonogotoDemo = MonogotoAccount{
	UserName:                "demo@monogoto.io",
	Password:                SeedMonogotoDemoPassword,
	CustomerID:              "cid_ecs1d3a5-f5e62a1-fe8af468wf",
	UserID:                  "UserId_a76ty5a5-489a-4b87-9b9u-455f451d99fb",
	Role:                    "UserProfileId_40e0998a-ef5c-4bbd-a18bc-2864y6100d1",
	Realm:                   "customer",
	OrganizationID:          "OrganizationId_235348d7d-dd99-4111-ab2b-1ec612d9b11a",
	TwoFactorAuthentication: false,
	ThingsGroupIDs:          []string{},
	Profile: MonogotoUserProfile{
		Permissions: map[string][]string{
			"API":                       {"view"},
			"AlertsTasksSettings":       {"view", "edit", "delete"},
			"ApnAllowedToCustomer":      {"view", "edit", "delete"},
			"AuditLogs":                 {"view"},
			"AuditLogsOwned":            {"view"},
			"BillingReports":            {"view"},
			"CurrencyCodes":             {"view"},
			"Dashboard":                 {"view", "edit", "delete"},
			"ExternalHLR":               {"view"},
			"GlobalSettings":            {"view"},
			"IpPools":                   {"view", "edit", "delete"},
			"MobileSubscriber":          {"view", "edit", "delete"},
			"NetwSecSettings":           {"view", "edit", "delete"},
			"NetworkProvider":           {"view"},
			"NetworkProviderDetails":    {"view", "edit", "delete"},
			"PortalAlertsTasksSettings": {"view"},
			"PortalAuditLogs":           {"view"},
			"PortalBillingReports":      {"view"},
			"PortalDashboard":           {"view"},
			"PortalIpPools":             {"view"},
			"PortalLogin":               {"view"},
			"PortalMobileIdentities":    {"view"},
			"PortalNetwork":             {"view"},
			"PortalPricePlanDetails":    {"view"},
			"PortalRealtimeDashboard":   {"view"},
			"PortalRoamingOwned":        {"view"},
			"PortalSecurity":            {"view"},
			"PortalSettings":            {"view"},
			"PortalThings":              {"view"},
			"PortalThingsGroups":        {"view"},
			"PortalUsers":               {"view"},
			"PricePlanDetails":          {"view", "edit", "delete"},
			"RoamingOwned":              {"view", "edit", "delete"},
			"Settings":                  {"view"},
			"Tags":                      {"view", "edit", "delete"},
			"TagsOwned":                 {"view", "edit", "delete"},
			"Things":                    {"view", "edit", "delete"},
			"ThingsGroup":               {"view", "edit", "delete"},
			"ThingsGroupOwned":          {"view", "edit", "delete"},
			"ThingsSensitiveData":       {"view", "edit", "delete"},
			"UserProfile":               {"view"},
			"Users":                     {"view", "edit", "delete"},
			"PortalReports":             {"view"},
			"ReportTemplate":            {"view", "edit", "delete"},
			"ReportHistory":             {"view", "edit", "delete"},
			"DownloadReportInPdf":       {"view", "edit", "delete"},
			"Scheduler":                 {"view", "edit", "delete"},
			"PortalScheduler":           {"view"},
			"Search":                    {"view7", "edit", "delete"},
			"DownloadPCAPFile":          {"view"},
			"DataLocationService":       {"view"},
			"Bundle":                    {"view", "edit", "delete"},
		},
		DateCreated:   1550396272390,
		DateModified:  1606904198590,
		Name:          "Customer Admin",
		Realm:         "customer",
		Type:          "USER_PROFILE",
		UserProfileID: "UserProfileId_40e0998a-ef5c-4bbd-a18bc-2864y6100d1",
		CAS:           "160777788521644",
	},
}

// SeedMonogotoViewer is a second Monogoto account in another customer: a
// read-only profile, two things groups and two-factor authentication on.
var SeedMonogotoViewer = MonogotoAccount{
	UserName:                "fleet.viewer@example.com",
	Password:                SeedMonogotoViewerPassword,
	CustomerID:              "cid_7b2e41c0-9d3f-4e1a-b8c2-5f6a7d8e9c01",
	UserID:                  "UserId_3f9c2d1e-7a6b-4c5d-8e9f-0a1b2c3d4e5f",
	Role:                    "UserProfileId_8d7c6b5a-4f3e-2d1c-0b9a-8f7e6d5c4b3a",
	Realm:                   "customer",
	OrganizationID:          "OrganizationId_5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
	TwoFactorAuthentication: true,
	ThingsGroupIDs: []string{
		"ThingsGroupId_0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5",
		"ThingsGroupId_9f8e7d6c-5b4a-3f2e-1d0c-b9a8f7e6d5c4",
	},
	Profile: MonogotoUserProfile{
		Permissions: map[string][]string{
			"API":          {"view"},
			"Dashboard":    {"view"},
			"PortalLogin":  {"view"},
			"PortalThings": {"view"},
			"Things":       {"view"},
			"ThingsGroup":  {"view"},
		},
		DateCreated:   1672531200000,
		DateModified:  1704067200000,
		Name:          "Customer Viewer",
		Realm:         "customer",
		Type:          "USER_PROFILE",
		UserProfileID: "UserProfileId_8d7c6b5a-4f3e-2d1c-0b9a-8f7e6d5c4b3a",
		CAS:           "170406720000001",
	},
}

// Monogoto paths. The console API and the v1 API share the mock's Monogoto
// listener (on the real platform they are two hosts).
const (
	MonogotoLoginPath     = "/Auth"
	MonogotoThingsPath    = "/things"
	MonogotoV1TokenPath   = "/v1/auth/token"
	MonogotoV1RefreshPath = "/v1/auth/refresh"
)

// MonogotoAccessDeniedBody is the console API's answer to bad credentials,
// with status 404: it is not JSON, although it looks a little like it. The
// mock labels it application/json: the real content type is not documented,
// and a body that claims to be JSON but is not is the harder case for a
// client.
const MonogotoAccessDeniedBody = "{ Access denied }"

// monogotoServer is a started mock Monogoto.
type monogotoServer struct {
	s        *Server
	cfg      *MonogotoConfig
	accounts map[string]*MonogotoAccount // by user name
	// loginLimit is the console login's (none by default); v1Limit is
	// shared by the v1 login and refresh.
	loginLimit, v1Limit rateLimit
}

func (m *monogotoServer) route(r *http.Request) (Endpoint, http.HandlerFunc) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == MonogotoLoginPath:
		return EndpointLogin, m.login
	case r.Method == http.MethodGet && r.URL.Path == MonogotoThingsPath:
		return EndpointAuthorized, m.things
	case r.Method == http.MethodPost && r.URL.Path == MonogotoV1TokenPath:
		return EndpointV1Login, m.v1Login
	case r.Method == http.MethodPost && r.URL.Path == MonogotoV1RefreshPath:
		return EndpointRefresh, m.v1Refresh
	}
	return EndpointOther, nil
}

func (m *monogotoServer) rateLimit(ep Endpoint) *rateLimit {
	switch ep {
	case EndpointLogin:
		return &m.loginLimit
	case EndpointV1Login, EndpointRefresh:
		return &m.v1Limit
	}
	return nil
}

// monogotoLoginAnswer is seed 001's login answer, keys in its order.
type monogotoLoginAnswer struct {
	Token           string `json:"token"`
	RefreshToken    string `json:"refreshToken"`
	CustomerID      string `json:"CustomerId"`
	UserID          string `json:"UserId"`
	UserName        string `json:"UserName"`
	Role            string `json:"Role"`
	Realm           string `json:"Realm"`
	OrganizationID  string `json:"OrganizationId"`
	AccountSettings struct {
		TwoFactorAuthentication bool `json:"TwoFactorAuthentication"`
	} `json:"AccountSettings"`
	ThingsGroupIDs []string `json:"ThingsGroupIds"`
	UserProfile    struct {
		Permissions   map[string][]string `json:"Permissions"`
		DateCreated   int64               `json:"DateCreated"`
		Name          string              `json:"Name"`
		Realm         string              `json:"Realm"`
		Type          string              `json:"Type"`
		UserProfileID string              `json:"UserProfileId"`
		DateModified  int64               `json:"DateModified"`
		CAS           string              `json:"cas"`
	} `json:"UserProfile"`
}

// login is POST /Auth: JSON {"UserName","Password"} (exact keys).
func (m *monogotoServer) login(w http.ResponseWriter, r *http.Request) {
	if !m.s.allow(&m.loginLimit, w, r) {
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "Too Many Requests"})
		return
	}
	obj, ok := strictObject(r)
	user, okU := stringField(obj, "UserName")
	pass, okP := stringField(obj, "Password")
	if !ok || !okU || !okP {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "UserName and Password are required"})
		return
	}
	a := m.accounts[user]
	if a == nil || !samePassword(a.Password, pass) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(MonogotoAccessDeniedBody))
		return
	}
	token, err := m.accessToken(a)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "token signing failed"})
		return
	}

	var out monogotoLoginAnswer
	out.Token = token
	out.RefreshToken = m.refreshToken(a, kindRefreshLegacy)
	out.CustomerID = a.CustomerID
	out.UserID = a.UserID
	out.UserName = a.UserName
	out.Role = a.Role
	out.Realm = a.Realm
	out.OrganizationID = a.OrganizationID
	out.AccountSettings.TwoFactorAuthentication = a.TwoFactorAuthentication
	out.ThingsGroupIDs = append([]string{}, a.ThingsGroupIDs...)
	p := a.Profile
	out.UserProfile.Permissions = p.Permissions
	if out.UserProfile.Permissions == nil {
		out.UserProfile.Permissions = map[string][]string{}
	}
	out.UserProfile.DateCreated = p.DateCreated
	out.UserProfile.Name = p.Name
	out.UserProfile.Realm = p.Realm
	out.UserProfile.Type = p.Type
	out.UserProfile.UserProfileID = p.UserProfileID
	out.UserProfile.DateModified = p.DateModified
	out.UserProfile.CAS = p.CAS
	writeJSON(w, http.StatusOK, out)
}

// accessToken issues an access token (console or v1): a JWT with `exp`, or
// an opaque token with MonogotoOpaqueTokens.
func (m *monogotoServer) accessToken(a *MonogotoAccount) (string, error) {
	info := tokenInfo{platform: Monogoto, kind: kindAccess, subject: a.UserName}
	if m.cfg.MonogotoOpaqueTokens {
		return m.s.tokens.issueOpaque("mgt", info, m.cfg.MonogotoTokenLifetime), nil
	}
	return m.s.tokens.issueJWT(info, m.cfg.MonogotoTokenLifetime, jwt.MapClaims{
		"sub":        a.UserID,
		"UserName":   a.UserName,
		"CustomerId": a.CustomerID,
		"Role":       a.Role,
		"Realm":      a.Realm,
	})
}

// refreshToken issues an opaque refresh token.
func (m *monogotoServer) refreshToken(a *MonogotoAccount, kind tokenKind) string {
	info := tokenInfo{platform: Monogoto, kind: kind, subject: a.UserName}
	return m.s.tokens.issueOpaque("rt", info, m.cfg.MonogotoRefreshLifetime)
}

// things is GET /things?limit=&offset=, the cheap token check. An apikey
// header (the customer ID, which the real platform wants on some other
// endpoints) is ignored, like any other header.
func (m *monogotoServer) things(w http.ResponseWriter, r *http.Request) {
	info, ok := m.s.authorized(r, Monogoto)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized"})
		return
	}
	limit, okL := queryInt(r, "limit", 25)
	offset, okO := queryInt(r, "offset", 0)
	if !okL || !okO {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "limit and offset must be non-negative integers"})
		return
	}
	things := monogotoThings(m.accounts[info.subject])
	out := []map[string]any{}
	for i := offset; i < len(things) && len(out) < limit; i++ {
		out = append(out, things[i])
	}
	writeJSON(w, http.StatusOK, out)
}

// monogotoThings is an account's (fixed, made-up) list of things.
func monogotoThings(a *MonogotoAccount) []map[string]any {
	if a == nil {
		return nil
	}
	var out []map[string]any
	for i := 1; i <= 3; i++ {
		iccid := fmt.Sprintf("89972%s%04d", digits(a.CustomerID, 10), i)
		out = append(out, map[string]any{
			"ThingId":    "ThingId_ICCID_" + iccid,
			"ThingName":  fmt.Sprintf("mock-thing-%d", i),
			"CustomerId": a.CustomerID,
			"Status":     "Active",
		})
	}
	return out
}

// digits derives n stable decimal digits from s.
func digits(s string, n int) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	out := strconv.FormatUint(h, 10)
	for len(out) < n {
		out = "0" + out
	}
	return out[:n]
}

func queryInt(r *http.Request, key string, def int) (int, bool) {
	v := r.URL.Query().Get(key)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

// monogotoV1Error writes the v1 error envelope.
func monogotoV1Error(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, struct {
		StatusCode int    `json:"status_code"`
		Message    string `json:"message"`
		RequestID  string `json:"request_id"`
	}{status, msg, "req_" + randomHex(8)})
}

// v1Request applies the v1 rate limit and reads the body's required,
// non-empty string fields. On failure it has answered.
func (m *monogotoServer) v1Request(w http.ResponseWriter, r *http.Request, keys ...string) ([]string, bool) {
	if !m.s.allow(&m.v1Limit, w, r) {
		monogotoV1Error(w, http.StatusTooManyRequests, "Too many requests, retry later")
		return nil, false
	}
	obj, ok := strictObject(r)
	vals := make([]string, len(keys))
	for i, k := range keys {
		v, has := stringField(obj, k)
		ok = ok && has && v != ""
		vals[i] = v
	}
	if !ok {
		monogotoV1Error(w, http.StatusBadRequest, strings.Join(keys, " and ")+" required")
		return nil, false
	}
	return vals, true
}

// v1Login is POST /v1/auth/token: JSON {"username","password"}.
func (m *monogotoServer) v1Login(w http.ResponseWriter, r *http.Request) {
	v, ok := m.v1Request(w, r, "username", "password")
	if !ok {
		return
	}
	a := m.accounts[v[0]]
	if a == nil || !samePassword(a.Password, v[1]) {
		monogotoV1Error(w, http.StatusUnauthorized, "Invalid username or password")
		return
	}
	m.v1Tokens(w, a)
}

// v1Refresh is POST /v1/auth/refresh: JSON {"refresh_token"}. Refresh
// tokens are single-use: each use returns a new one.
func (m *monogotoServer) v1Refresh(w http.ResponseWriter, r *http.Request) {
	v, ok := m.v1Request(w, r, "refresh_token")
	if !ok {
		return
	}
	info, ok := m.s.tokens.consume(v[0], Monogoto, kindRefreshV1)
	a := m.accounts[info.subject]
	if !ok || a == nil {
		monogotoV1Error(w, http.StatusUnauthorized, "Invalid or expired refresh token")
		return
	}
	m.v1Tokens(w, a)
}

func (m *monogotoServer) v1Tokens(w http.ResponseWriter, a *MonogotoAccount) {
	token, err := m.accessToken(a)
	if err != nil {
		monogotoV1Error(w, http.StatusInternalServerError, "token signing failed")
		return
	}
	writeJSON(w, http.StatusOK, struct {
		TokenType    string `json:"token_type"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}{"Bearer", token, m.refreshToken(a, kindRefreshV1)})
}

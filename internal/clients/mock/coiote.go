package mock

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Coiote is the mock AVSystem Coiote IoT DM platform: the OAuth password
// grant (seed 002), the v3 users and devices endpoints, and the IAM
// (Keycloak) client-credentials grant of service accounts.
const Coiote platform.Name = "coiote"

type coioteMock struct{}

func (coioteMock) info() platformInfo {
	return platformInfo{name: Coiote, title: "Coiote IoT DM", tokenFields: []string{"access_token"},
		demo: Login{SeedCoioteOps.Login, SeedCoioteOps.Password}}
}

func (coioteMock) section(c *Config) configSection { return &c.CoioteConfig }

func (coioteMock) start(s *Server) handlers {
	cfg := &s.cfg.CoioteConfig
	m := &coioteServer{
		s: s, cfg: cfg,
		accounts: byKey(cfg.Coiote, func(a *CoioteAccount) string { return a.Login }),
		clients:  byKey(cfg.CoioteClients, func(c *CoioteClient) string { return c.Realm + "\x00" + c.ClientID }),
		realms:   map[string]bool{},
	}
	for _, c := range cfg.CoioteClients {
		m.realms[c.Realm] = true
	}
	return m
}

// DefaultCoioteTokenLifetime is the lifetime of Coiote access tokens: set by
// each installation's administrator, typically about 5 minutes.
const DefaultCoioteTokenLifetime = 300 * time.Second

// CoioteConfig is Coiote's part of Config, embedded in it.
type CoioteConfig struct {
	// Coiote ("coiote") are the password-grant users.
	Coiote []CoioteAccount `json:"coiote"`
	// CoioteClients ("coiote_clients") are the IAM service accounts.
	CoioteClients []CoioteClient `json:"coiote_clients"`
	// CoioteTokenLifetime ("coiote_token_lifetime", e.g. "300s") is the
	// lifetime of Coiote access tokens; the login answers it as the string
	// "expires_in" ("300") and the IAM grant as a number (300).
	CoioteTokenLifetime time.Duration `json:"-"`
}

func (c *CoioteConfig) accounts() []accountList {
	return []accountList{
		accounts[CoioteAccount]{
			kind: "coiote", list: &c.Coiote, seeds: []CoioteAccount{SeedCoioteOps, SeedCoioteAdmin},
			name:   func(a CoioteAccount) string { return a.Login },
			secret: func(a CoioteAccount) string { return a.Password },
		},
		accounts[CoioteClient]{
			kind: "coiote client", list: &c.CoioteClients, seeds: []CoioteClient{SeedCoioteClient},
			name:   func(a CoioteClient) string { return "client " + a.ClientID + " (realm " + a.Realm + ")" },
			secret: func(a CoioteClient) string { return a.ClientSecret },
			check: func(a CoioteClient) error {
				if a.ClientID == "" || a.Realm == "" {
					return errors.New("mock config: a coiote client needs client_id and realm")
				}
				return nil
			},
		},
	}
}

func (c *CoioteConfig) durations() []durationSetting {
	return []durationSetting{{"coiote_token_lifetime", &c.CoioteTokenLifetime, DefaultCoioteTokenLifetime}}
}

func (c *CoioteConfig) setDefaults() {}

// CoioteAccount is a Coiote IoT DM user (password grant).
type CoioteAccount struct {
	Login     string `json:"login"`
	Password  string `json:"password"`
	UserID    string `json:"user_id"`
	Active    bool   `json:"active"`
	SuperUser bool   `json:"super_user"`
	Staff     bool   `json:"staff"`
	Domain    string `json:"domain"`
	// ExpirationDate is answered as null when empty.
	ExpirationDate string            `json:"expiration_date"`
	CreationDate   string            `json:"creation_date"`
	Roles          []string          `json:"roles"`
	Permissions    []string          `json:"permissions"`
	FullName       string            `json:"full_name"`
	Email          string            `json:"email"`
	Properties     map[string]string `json:"properties"`
	// AccessSchedule is answered verbatim (null when empty); its real shape
	// is not publicly documented.
	AccessSchedule   json.RawMessage `json:"access_schedule"`
	SecurityPolicyID string          `json:"security_policy_id"`
}

// CoioteClient is a Coiote IAM service account (client-credentials grant).
type CoioteClient struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Realm        string `json:"realm"`
}

// The seeded Coiote passwords and client secret (see the package
// documentation's "Seeded accounts").
const (
	SeedCoioteOpsPassword   = "mockpw-coiote-ops-8Hn4"
	SeedCoioteAdminPassword = "mockpw-coiote-admin-5Vb1"
	SeedCoioteClientSecret  = "mockpw-coiote-client-2Wt6"
)

// SeedCoioteRealm is the realm of the seeded Coiote IAM client (the public
// realm name).
const SeedCoioteRealm = "coiote-cloud"

// SeedCoioteOps is a regular Coiote user whose login contains `@`.
var SeedCoioteOps = CoioteAccount{
	Login:          "ops@acme.example",
	Password:       SeedCoioteOpsPassword,
	UserID:         "5d2f8a64-3b1e-4c7a-9f0d-2e6b8c1a4f73",
	Active:         true,
	SuperUser:      false,
	Staff:          false,
	Domain:         "/IoT/acme/",
	ExpirationDate: "",
	CreationDate:   "2023-03-14T09:26:53Z",
	Roles:          []string{"Developer", "DeviceManager"},
	Permissions: []string{
		"GET devices", "GET devices/{id}", "POST devices", "PUT devices/{id}",
		"GET groups", "GET domains", "GET users/{id}",
	},
	FullName:         "Acme Operations",
	Email:            "ops@acme.example",
	Properties:       map[string]string{"department": "operations", "timezone": "Europe/Warsaw"},
	AccessSchedule:   json.RawMessage(`{"enabled":false,"timeZone":"UTC","entries":[]}`),
	SecurityPolicyID: "default",
}

// SeedCoioteAdmin is a plain-login Coiote super user in a parent domain.
var SeedCoioteAdmin = CoioteAccount{
	Login:            "acmeadmin",
	Password:         SeedCoioteAdminPassword,
	UserID:           "a1c4e7f0-2b5d-4e8a-b1c3-d5e7f9a0b2c4",
	Active:           true,
	SuperUser:        true,
	Staff:            true,
	Domain:           "/IoT/",
	ExpirationDate:   "2030-12-31T23:59:59Z",
	CreationDate:     "2021-06-01T12:00:00Z",
	Roles:            []string{"Administrator"},
	Permissions:      []string{"*"},
	FullName:         "Acme Administrator",
	Email:            "admin@acme.example",
	Properties:       map[string]string{},
	AccessSchedule:   json.RawMessage(`{"enabled":true,"timeZone":"UTC","entries":[{"days":["MON","TUE","WED","THU","FRI"],"from":"06:00","to":"22:00"}]}`),
	SecurityPolicyID: "strict",
}

// SeedCoioteClient is the IAM service account in the public realm.
var SeedCoioteClient = CoioteClient{
	ClientID:     "iotauth-ci",
	ClientSecret: SeedCoioteClientSecret,
	Realm:        SeedCoioteRealm,
}

// Coiote paths.
const (
	CoiotePasswordGrantPath = "/api/auth/oauth_password"
	CoioteUsersPath         = "/api/coiotedm/v3/users/"
	CoioteDevicesPath       = "/api/coiotedm/v3/devices"
	coioteIAMPrefix         = "/iam/realms/"
	coioteIAMSuffix         = "/protocol/openid-connect/token"
	coioteRevokeSuffix      = "/protocol/openid-connect/revoke"
)

// CoioteIAMTokenPath is the IAM client-credentials endpoint of a realm.
func CoioteIAMTokenPath(realm string) string {
	return coioteIAMPrefix + url.PathEscape(realm) + coioteIAMSuffix
}

// CoioteIAMRevokePath is the IAM token revocation endpoint (RFC 7009) of a
// realm.
func CoioteIAMRevokePath(realm string) string {
	return coioteIAMPrefix + url.PathEscape(realm) + coioteRevokeSuffix
}

// coioteServer is a started mock Coiote.
type coioteServer struct {
	s        *Server
	cfg      *CoioteConfig
	accounts map[string]*CoioteAccount // by login
	clients  map[string]*CoioteClient  // by realm + "\x00" + client ID
	realms   map[string]bool
	// loginLimit is shared by the password and client-credentials grants.
	loginLimit rateLimit
}

func (m *coioteServer) route(r *http.Request) (Endpoint, http.HandlerFunc) {
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	// The login is one escaped path segment: `a@b`, `a%40b` and `a%2Fb`
	// (a login holding a slash) all work.
	login, isUser := segment(r, CoioteUsersPath, "")
	realm, isIAM := segment(r, coioteIAMPrefix, coioteIAMSuffix)
	revokeRealm, isRevoke := segment(r, coioteIAMPrefix, coioteRevokeSuffix)
	switch {
	case post && r.URL.Path == CoiotePasswordGrantPath:
		return EndpointLogin, m.passwordGrant
	case get && isUser:
		return EndpointProfile, func(w http.ResponseWriter, r *http.Request) { m.user(w, r, login) }
	case get && r.URL.Path == CoioteDevicesPath:
		return EndpointAuthorized, m.devices
	case post && isIAM:
		return EndpointClientCredentials, func(w http.ResponseWriter, r *http.Request) { m.clientCredentials(w, r, realm) }
	case post && isRevoke:
		return EndpointRevoke, func(w http.ResponseWriter, r *http.Request) { m.revoke(w, r, revokeRealm) }
	}
	return EndpointOther, nil
}

func (m *coioteServer) rateLimit(ep Endpoint) *rateLimit {
	if ep == EndpointLogin || ep == EndpointClientCredentials {
		return &m.loginLimit
	}
	return nil
}

func coioteError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// passwordGrant is POST /api/auth/oauth_password, form-encoded username and
// password, with grant_type=password or without grant_type: AVSystem's own
// Python SDK (python-coiote coiote/auth.py) sends no grant type, and the
// platform takes a missing one as the password grant. Any other grant type,
// an empty one included, is refused. Success is 201 with expires_in as a
// string. Headers the SDK adds (API-Client, API-Auth, the previous bearer
// token on a re-login) are ignored.
func (m *coioteServer) passwordGrant(w http.ResponseWriter, r *http.Request) {
	if !m.s.allow(&m.loginLimit, w, r) {
		coioteError(w, http.StatusTooManyRequests, "too many requests")
		return
	}
	form, ok := postForm(r)
	grant, hasGrant := form["grant_type"]
	switch {
	case !ok:
		coioteError(w, http.StatusBadRequest, "invalid_request")
		return
	case hasGrant && (len(grant) != 1 || grant[0] != "password"):
		coioteError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	case form.Get("username") == "" || !form.Has("password"):
		coioteError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	a := m.accounts[form.Get("username")]
	if a == nil || !a.Active || !samePassword(a.Password, form.Get("password")) {
		coioteError(w, http.StatusUnauthorized, "incorrect credentials")
		return
	}
	token, err := m.token(a.Login, false, jwt.MapClaims{
		"sub": a.Login, "preferred_username": a.Login, "domain": a.Domain,
	})
	if err != nil {
		coioteError(w, http.StatusInternalServerError, "token signing failed")
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   string `json:"expires_in"`
	}{token, "Bearer", strconv.FormatInt(int64(m.cfg.CoioteTokenLifetime/time.Second), 10)})
}

// token issues a Coiote access token (always a JWT with `exp`).
func (m *coioteServer) token(subject string, service bool, claims jwt.MapClaims) (string, error) {
	info := tokenInfo{platform: Coiote, kind: kindAccess, subject: subject, service: service}
	return m.s.tokens.issueJWT(info, m.cfg.CoioteTokenLifetime, claims)
}

// auth checks the bearer token; on failure it has answered 401.
func (m *coioteServer) auth(w http.ResponseWriter, r *http.Request) (tokenInfo, bool) {
	info, ok := m.s.authorized(r, Coiote)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="coiote"`)
		coioteError(w, http.StatusUnauthorized, "Unauthorized")
	}
	return info, ok
}

// coioteUserAnswer is the v3 user object, password field included (the real
// API returns one; clients must drop it).
type coioteUserAnswer struct {
	UserID           string            `json:"userId"`
	Login            string            `json:"login"`
	Active           bool              `json:"active"`
	SuperUser        bool              `json:"superUser"`
	Staff            bool              `json:"staff"`
	Domain           string            `json:"domain"`
	ExpirationDate   *string           `json:"expirationDate"`
	CreationDate     string            `json:"creationDate"`
	Roles            []string          `json:"roles"`
	Permissions      []string          `json:"permissions"`
	FullName         string            `json:"fullName"`
	Email            string            `json:"email"`
	Properties       map[string]string `json:"properties"`
	AccessSchedule   json.RawMessage   `json:"accessSchedule"`
	SecurityPolicyID string            `json:"securityPolicyId"`
	Password         string            `json:"password"`
}

// user is GET /api/coiotedm/v3/users/{login}: a user may read itself; a
// super user may read anyone; others get 403.
func (m *coioteServer) user(w http.ResponseWriter, r *http.Request, login string) {
	info, ok := m.auth(w, r)
	if !ok {
		return
	}
	caller := m.accounts[info.subject]
	if info.service || caller == nil || (login != caller.Login && !caller.SuperUser) {
		coioteError(w, http.StatusForbidden, "Forbidden")
		return
	}
	a := m.accounts[login]
	if a == nil {
		coioteError(w, http.StatusNotFound, "User not found: "+login)
		return
	}
	out := coioteUserAnswer{
		UserID: a.UserID, Login: a.Login, Active: a.Active, SuperUser: a.SuperUser, Staff: a.Staff,
		Domain: a.Domain, CreationDate: a.CreationDate, Roles: nonNil(a.Roles), Permissions: nonNil(a.Permissions),
		FullName: a.FullName, Email: a.Email, Properties: a.Properties, AccessSchedule: a.AccessSchedule,
		SecurityPolicyID: a.SecurityPolicyID, Password: m.passwordHash(a),
	}
	if a.ExpirationDate != "" {
		exp := a.ExpirationDate
		out.ExpirationDate = &exp
	}
	if out.Properties == nil {
		out.Properties = map[string]string{}
	}
	if len(out.AccessSchedule) == 0 {
		out.AccessSchedule = json.RawMessage("null")
	}
	writeJSON(w, http.StatusOK, out)
}

// passwordHash is the users endpoint's "password" value: a recognisable
// fake hash, recorded as an issued secret so that leak tests catch a client
// that surfaces it.
func (m *coioteServer) passwordHash(a *CoioteAccount) string {
	sum := sha256.Sum256([]byte(a.Login + "\x00" + a.Password))
	h := TokenPrefix + "pwhash_" + hex.EncodeToString(sum[:16])
	m.s.tokens.addSecret(h)
	return h
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// devices is GET /api/coiotedm/v3/devices.
func (m *coioteServer) devices(w http.ResponseWriter, r *http.Request) {
	info, ok := m.auth(w, r)
	if !ok {
		return
	}
	domain := "/IoT/"
	if a := m.accounts[info.subject]; a != nil && a.Domain != "" {
		domain = a.Domain
	}
	writeJSON(w, http.StatusOK, []map[string]any{
		{"id": "mock-device-1", "domain": domain, "connectorType": "lwm2m", "online": true},
		{"id": "mock-device-2", "domain": domain, "connectorType": "lwm2m", "online": false},
	})
}

// clientCredentials is Keycloak's token endpoint for a realm, with the
// client authenticated by form fields or HTTP Basic. A bearer token on the
// request (python-coiote sends its previous one on a re-login) is ignored.
func (m *coioteServer) clientCredentials(w http.ResponseWriter, r *http.Request, realm string) {
	if !m.s.allow(&m.loginLimit, w, r) {
		coioteError(w, http.StatusTooManyRequests, "too many requests")
		return
	}
	form, ok := m.iamForm(w, r, realm)
	if !ok {
		return
	}
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"error": "unsupported_grant_type", "error_description": "Unsupported grant_type",
		})
		return
	}
	c, ok := m.iamClient(w, r, realm, form)
	if !ok {
		return
	}
	token, err := m.token(c.ClientID, true, jwt.MapClaims{
		"sub": "service-account-" + c.ClientID, "azp": c.ClientID, "typ": "Bearer",
		"iss": m.s.BaseURL(Coiote) + coioteIAMPrefix + url.PathEscape(realm),
	})
	if err != nil {
		coioteError(w, http.StatusInternalServerError, "server_error")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":       token,
		"expires_in":         int64(m.cfg.CoioteTokenLifetime / time.Second),
		"refresh_expires_in": 0,
		"token_type":         "Bearer",
		"not-before-policy":  0,
		"scope":              "profile email",
	})
}

// iamForm reads the form of a request to realm's IAM endpoints, the token
// and the revocation endpoint alike: 404 for an unknown realm, then 400 for
// a body that is not a form. On failure it has answered.
func (m *coioteServer) iamForm(w http.ResponseWriter, r *http.Request, realm string) (url.Values, bool) {
	if !m.realms[realm] {
		coioteError(w, http.StatusNotFound, "Realm does not exist")
		return nil, false
	}
	form, ok := postForm(r)
	if !ok {
		coioteError(w, http.StatusBadRequest, "invalid_request")
	}
	return form, ok
}

// iamClient authenticates an IAM client of realm by form fields or HTTP
// Basic; on failure it has answered 401 invalid_client.
func (m *coioteServer) iamClient(w http.ResponseWriter, r *http.Request, realm string, form url.Values) (*CoioteClient, bool) {
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	c := m.clients[realm+"\x00"+id]
	if c == nil || !samePassword(c.ClientSecret, secret) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error": "invalid_client", "error_description": "Invalid client or Invalid client credentials",
		})
		return nil, false
	}
	return c, true
}

// revoke is Keycloak's token revocation endpoint (RFC 7009) for a realm:
// the client authenticates as on the token endpoint; "token" is required
// and "token_type_hint", when given, is access_token or refresh_token. A
// token this client obtained is revoked (the users and devices endpoints
// refuse it afterwards); any other token is left alone and still answered
// 200 with no body, as RFC 7009 section 2.2 asks.
func (m *coioteServer) revoke(w http.ResponseWriter, r *http.Request, realm string) {
	form, ok := m.iamForm(w, r, realm)
	if !ok {
		return
	}
	c, ok := m.iamClient(w, r, realm, form)
	if !ok {
		return
	}
	token := form.Get("token")
	if token == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Token not provided"})
		return
	}
	if hint := form.Get("token_type_hint"); hint != "" && hint != "access_token" && hint != "refresh_token" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_token_type", "error_description": "Unsupported token type"})
		return
	}
	if info, valid := m.s.tokens.valid(token, Coiote); valid && info.service && info.subject == c.ClientID {
		m.s.tokens.revokeToken(token)
	}
	w.WriteHeader(http.StatusOK)
}

package mock

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Bienport is the mock BienPort platform (seed 003). Its API sits under
// /api on its listener, as on the real host, so its base URL ends in /api.
const Bienport platform.Name = "bienport"

type bienportMock struct{}

func (bienportMock) info() platformInfo {
	return platformInfo{name: Bienport, title: "BienPort", apiPrefix: bienportAPI, tokenFields: []string{"token"},
		demo: Login{SeedBienportDemo.ScreenName, SeedBienportDemo.Password}}
}

func (bienportMock) section(c *Config) configSection { return &c.BienportConfig }

func (bienportMock) start(s *Server) handlers {
	cfg := &s.cfg.BienportConfig
	return &bienportServer{s: s, cfg: cfg, accounts: byKey(cfg.Bienport, func(a *BienportAccount) string { return a.ScreenName })}
}

// BienPort's token lifetimes: 3 hours, or 90 days with rememberMe (the
// documented sample token's exp - iat).
const (
	DefaultBienportLifetime           = 3 * time.Hour
	DefaultBienportRememberMeLifetime = 90 * 24 * time.Hour
)

// BienportConfig is BienPort's part of Config, embedded in it.
type BienportConfig struct {
	// Bienport ("bienport") are the BienPort users.
	Bienport []BienportAccount `json:"bienport"`
	// BienportLifetime ("bienport_lifetime", default "3h") and
	// BienportRememberMeLifetime ("bienport_remember_me_lifetime", default
	// "2160h", 90 days) are the BienPort token lifetimes.
	BienportLifetime           time.Duration `json:"-"`
	BienportRememberMeLifetime time.Duration `json:"-"`
}

func (c *BienportConfig) accounts() []accountList {
	return []accountList{accounts[BienportAccount]{
		kind: "bienport", list: &c.Bienport, seeds: []BienportAccount{SeedBienportDemo, SeedBienportPhone},
		name:   func(a BienportAccount) string { return a.ScreenName },
		secret: func(a BienportAccount) string { return a.Password },
	}}
}

func (c *BienportConfig) durations() []durationSetting {
	return []durationSetting{
		{"bienport_lifetime", &c.BienportLifetime, DefaultBienportLifetime},
		{"bienport_remember_me_lifetime", &c.BienportRememberMeLifetime, DefaultBienportRememberMeLifetime},
	}
}

func (c *BienportConfig) setDefaults() {}

// BienportAccount is a BienPort user.
type BienportAccount struct {
	ScreenName      string                 `json:"screen_name"`
	Password        string                 `json:"password"`
	UserID          int64                  `json:"user_id"`
	EmailAddress    string                 `json:"email_address"`
	LocaleID        string                 `json:"locale_id"`
	MQUser          string                 `json:"mq_user"`
	Roles           []BienportRole         `json:"roles"`
	Organizations   []BienportOrganization `json:"organizations"`
	OrganizationIDs []int64                `json:"organization_ids"`
	Resources       []BienportResource     `json:"resources"`
}

// BienportRole is one role in a BienPort login answer.
type BienportRole struct {
	RoleID    int64  `json:"roleId"`
	RoleName  string `json:"roleName"`
	Type      int64  `json:"type"`
	Inherited bool   `json:"inherited"`
	TypePK    int64  `json:"typePK"`
	TypeName  string `json:"typeName,omitempty"`
}

// BienportOrganization is one organization of a BienPort user. The answer
// writes its id as a JSON number, or as a string when IDAsString is set
// (the two vendor examples disagree).
type BienportOrganization struct {
	Name       string `json:"name"`
	ID         int64  `json:"id"`
	IDAsString bool   `json:"id_as_string"`
}

// BienportResource is one gateway or device in a BienPort login answer.
type BienportResource struct {
	ResourceID    int64  `json:"resourceId"`
	NetworkID     string `json:"networkId"`
	ResourceName  string `json:"resourceName"`
	Enabled       bool   `json:"enabled"`
	TreePath      string `json:"treePath"`
	OrgID         int64  `json:"orgId"`
	ResourceType  string `json:"resourceType"`
	DeviceSubType string `json:"deviceSubType"`
}

// The seeded BienPort passwords (see the package documentation's "Seeded
// accounts").
const (
	SeedBienportDemoPassword  = "mockpw-bienport-demo-6Jr3"
	SeedBienportPhonePassword = "mockpw-bienport-phone-9Pe5"
)

// SeedBienportDemo is the account of BienPort's login documentation (seed
// 003): its organization (id a number) and its two gateways. The vendor's
// e-mail address is redacted in the seed; the mock uses an example.com one.
var SeedBienportDemo = BienportAccount{
	ScreenName:   "bienport.demo",
	Password:     SeedBienportDemoPassword,
	UserID:       20641,
	EmailAddress: "bienport.demo@example.com",
	LocaleID:     "tr_TR",
	MQUser:       "mqttuser",
	Roles: []BienportRole{
		{RoleID: 20166, RoleName: "User", Type: 1, Inherited: false, TypePK: 1},
	},
	Organizations:   []BienportOrganization{{Name: "Bimetri", ID: 20635}},
	OrganizationIDs: []int64{20635},
	Resources: []BienportResource{
		{
			ResourceID: 17305, NetworkID: "26:AA:E0:23:23:5E", ResourceName: "Bimetri Demo Konsantratör",
			Enabled: false, TreePath: "/17305/", OrgID: 20635, ResourceType: "Gateway", DeviceSubType: "gateway",
		},
		{
			ResourceID: 17354, NetworkID: "26:AA:09:0B:6D:FB", ResourceName: "Bimetri Demo Pano",
			Enabled: true, TreePath: "/17354/", OrgID: 20635, ResourceType: "Gateway", DeviceSubType: "gateway",
		},
	},
}

// SeedBienportPhone is a user whose screen name is a phone number, with two
// organizations whose ids the answer writes as strings.
var SeedBienportPhone = BienportAccount{
	ScreenName:   "905554447788",
	Password:     SeedBienportPhonePassword,
	UserID:       20702,
	EmailAddress: "field.tech@example.com",
	LocaleID:     "tr_TR",
	MQUser:       "mqtt905554447788",
	Roles: []BienportRole{
		{RoleID: 20167, RoleName: "Technician", Type: 2, Inherited: true, TypePK: 20650, TypeName: "Organization"},
		{RoleID: 20166, RoleName: "User", Type: 1, Inherited: false, TypePK: 1},
	},
	Organizations: []BienportOrganization{
		{Name: "Flexywatt", ID: 20650, IDAsString: true},
		{Name: "Bimetri Saha", ID: 20651, IDAsString: true},
	},
	OrganizationIDs: []int64{20650, 20651},
	Resources: []BienportResource{
		{
			ResourceID: 18010, NetworkID: "26:AA:11:4C:7E:02", ResourceName: "Flexywatt Trafo 1",
			Enabled: true, TreePath: "/18010/", OrgID: 20650, ResourceType: "Gateway", DeviceSubType: "gateway",
		},
		{
			ResourceID: 18011, NetworkID: "26:AA:11:4C:7E:03", ResourceName: "Flexywatt Sayaç 1",
			Enabled: true, TreePath: "/18010/18011/", OrgID: 20650, ResourceType: "Device", DeviceSubType: "meter",
		},
	},
}

// bienportAPI is the path BienPort's API sits under, on the real host and
// on the mock's listener.
const bienportAPI = "/api"

// BienPort paths, on the listener (BaseURL ends in the /api prefix).
const (
	BienportLoginPath      = bienportAPI + "/auth/login"
	BienportLogoutPath     = bienportAPI + "/user/logout"
	BienportScreenNamePath = bienportAPI + "/user/get-screen-name/"
	bienportRolePrefix     = bienportAPI + "/role/user/"
	bienportRoleSuffix     = "/privilege-groups"
)

// BienportBadCredentialsMessage is the message of the 401 answer to bad
// credentials; the user name follows it.
const BienportBadCredentialsMessage = "Incorrect username or password. Username: "

// bienportServer is a started mock BienPort.
type bienportServer struct {
	s          *Server
	cfg        *BienportConfig
	accounts   map[string]*BienportAccount // by screen name
	loginLimit rateLimit
}

func (m *bienportServer) route(r *http.Request) (Endpoint, http.HandlerFunc) {
	get := r.Method == http.MethodGet
	name, isScreenName := segment(r, BienportScreenNamePath, "")
	idText, isRole := segment(r, bienportRolePrefix, bienportRoleSuffix)
	id, err := strconv.ParseInt(idText, 10, 64)
	isRole = isRole && err == nil
	switch {
	case r.Method == http.MethodPost && r.URL.Path == BienportLoginPath:
		return EndpointLogin, m.login
	case r.Method == http.MethodPost && r.URL.Path == BienportLogoutPath:
		return EndpointRevoke, m.logout
	case get && isScreenName:
		return EndpointProfile, func(w http.ResponseWriter, r *http.Request) { m.screenName(w, r, name) }
	case get && isRole:
		return EndpointAuthorized, func(w http.ResponseWriter, r *http.Request) { m.privilegeGroups(w, r, id) }
	}
	return EndpointOther, nil
}

func (m *bienportServer) rateLimit(ep Endpoint) *rateLimit {
	if ep == EndpointLogin {
		return &m.loginLimit
	}
	return nil
}

// bienportError writes BienPort's error envelope; path is shown without the
// /api prefix, as the platform does.
func bienportError(w http.ResponseWriter, r *http.Request, status int, kind, msg string) {
	writeJSON(w, status, struct {
		StatusCode int    `json:"statusCode"`
		Error      string `json:"error"`
		Message    string `json:"message"`
		Path       string `json:"path"`
	}{status, kind, msg, strings.TrimPrefix(r.URL.Path, bienportAPI)})
}

// bienportLoginAnswer is seed 003's login answer, keys in its order.
type bienportLoginAnswer struct {
	Token           string             `json:"token"`
	MQUser          string             `json:"mqUser"`
	MQPassword      string             `json:"mqPassword"`
	UserID          int64              `json:"userId"`
	EmailAddress    string             `json:"emailAddress"`
	ScreenName      string             `json:"screenName"`
	LocaleID        string             `json:"localeId"`
	Roles           []BienportRole     `json:"roles"`
	Organizations   []bienportOrgOut   `json:"organizations"`
	OrganizationIDs []int64            `json:"organizationIds"`
	Resources       []BienportResource `json:"resources"`
}

type bienportOrgOut struct {
	Name string `json:"name"`
	// ID is an int64 or a string (BienportOrganization.IDAsString).
	ID any `json:"id"`
}

// bienportSubject is the JSON held, as a string, in the token's `sub`.
type bienportSubject struct {
	UserID     int64  `json:"userid"`
	ScreenName string `json:"screenName"`
	RememberMe bool   `json:"rememberMe"`
}

// login is POST /api/auth/login: JSON {"screenName","password",
// "rememberMe"}; rememberMe is optional (false).
func (m *bienportServer) login(w http.ResponseWriter, r *http.Request) {
	if !m.s.allow(&m.loginLimit, w, r) {
		bienportError(w, r, http.StatusTooManyRequests, "TooManyRequestsException", "Too many login attempts")
		return
	}
	obj, ok := strictObject(r)
	name, okN := stringField(obj, "screenName")
	pass, okP := stringField(obj, "password")
	remember, okR := false, true
	if raw, has := obj["rememberMe"]; has {
		okR = json.Unmarshal(raw, &remember) == nil
	}
	if !ok || !okN || !okP || !okR {
		bienportError(w, r, http.StatusBadRequest, "BadRequestException", "screenName and password are required; rememberMe is a boolean")
		return
	}
	a := m.accounts[name]
	if a == nil || !samePassword(a.Password, pass) {
		bienportError(w, r, http.StatusUnauthorized, "AuthorizationException", BienportBadCredentialsMessage+name)
		return
	}
	sub, err := json.Marshal(bienportSubject{UserID: a.UserID, ScreenName: a.ScreenName, RememberMe: remember})
	life := m.cfg.BienportLifetime
	if remember {
		life = m.cfg.BienportRememberMeLifetime
	}
	var token string
	if err == nil {
		info := tokenInfo{platform: Bienport, kind: kindAccess, subject: a.ScreenName}
		token, err = m.s.tokens.issueJWT(info, life, jwt.MapClaims{"sub": string(sub)})
	}
	if err != nil {
		bienportError(w, r, http.StatusInternalServerError, "InternalServerError", "token signing failed")
		return
	}
	mq := opaque("mq")
	m.s.tokens.addSecret(mq)

	out := bienportLoginAnswer{
		Token: token, MQUser: a.MQUser, MQPassword: mq, UserID: a.UserID, EmailAddress: a.EmailAddress,
		ScreenName: a.ScreenName, LocaleID: a.LocaleID,
		Roles:           append([]BienportRole{}, a.Roles...),
		Organizations:   []bienportOrgOut{},
		OrganizationIDs: append([]int64{}, a.OrganizationIDs...),
		Resources:       append([]BienportResource{}, a.Resources...),
	}
	for _, o := range a.Organizations {
		var id any = o.ID
		if o.IDAsString {
			id = strconv.FormatInt(o.ID, 10)
		}
		out.Organizations = append(out.Organizations, bienportOrgOut{Name: o.Name, ID: id})
	}
	writeJSON(w, http.StatusOK, out)
}

// auth checks the bearer token (401) and the OrganizationId header (400
// when missing, 403 when not one of the user's organizations). On failure
// it has answered.
func (m *bienportServer) auth(w http.ResponseWriter, r *http.Request) (*BienportAccount, bool) {
	info, ok := m.s.authorized(r, Bienport)
	a := m.accounts[info.subject]
	if !ok || a == nil {
		bienportError(w, r, http.StatusUnauthorized, "UnauthorizedException", "Unauthorized")
		return nil, false
	}
	org := strings.TrimSpace(r.Header.Get("OrganizationId"))
	if org == "" {
		bienportError(w, r, http.StatusBadRequest, "BadRequestException", "OrganizationId header is required")
		return nil, false
	}
	if !bienportMember(a, org) {
		bienportError(w, r, http.StatusForbidden, "ForbiddenException", "User is not a member of organization "+org)
		return nil, false
	}
	return a, true
}

func bienportMember(a *BienportAccount, org string) bool {
	id, err := strconv.ParseInt(org, 10, 64)
	if err != nil {
		return false
	}
	for _, o := range a.Organizations {
		if o.ID == id {
			return true
		}
	}
	for _, o := range a.OrganizationIDs {
		if o == id {
			return true
		}
	}
	return false
}

// screenName is GET /api/user/get-screen-name/{screenName}.
func (m *bienportServer) screenName(w http.ResponseWriter, r *http.Request, name string) {
	if _, ok := m.auth(w, r); !ok {
		return
	}
	a := m.accounts[name]
	if a == nil {
		bienportError(w, r, http.StatusNotFound, "NotFoundException", "User not found: "+name)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"userId":       a.UserID,
		"screenName":   a.ScreenName,
		"emailAddress": a.EmailAddress,
		"localeId":     a.LocaleID,
	})
}

// privilegeGroups is GET /api/role/user/{userId}/privilege-groups; a user
// may read only its own.
func (m *bienportServer) privilegeGroups(w http.ResponseWriter, r *http.Request, userID int64) {
	a, ok := m.auth(w, r)
	if !ok {
		return
	}
	if a.UserID != userID {
		bienportError(w, r, http.StatusForbidden, "ForbiddenException", "Access denied")
		return
	}
	out := []map[string]any{}
	for _, role := range a.Roles {
		out = append(out, map[string]any{
			"privilegeGroupId":   role.RoleID,
			"privilegeGroupName": role.RoleName,
			"privileges":         []string{"VIEW_RESOURCES", "VIEW_DASHBOARD"},
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// logout is POST /api/user/logout (User API, "User Logout"): the bearer
// token must be valid (401), the JSON body holds "jwtToken" (a token of the
// same user, 400 otherwise), "userId" (the user's ID, 403 otherwise) and
// "appId" (a string; what it must hold is not documented, so any string is
// accepted, an empty one included). The OrganizationId header is not
// required: the vendor's page lists only Authorization. The token in
// jwtToken is revoked: every authorized endpoint refuses it afterwards.
func (m *bienportServer) logout(w http.ResponseWriter, r *http.Request) {
	info, ok := m.s.authorized(r, Bienport)
	a := m.accounts[info.subject]
	if !ok || a == nil {
		bienportError(w, r, http.StatusUnauthorized, "UnauthorizedException", "Unauthorized")
		return
	}
	obj, ok := strictObject(r)
	jwtToken, okT := stringField(obj, "jwtToken")
	var userID int64
	okU := json.Unmarshal(obj["userId"], &userID) == nil
	okA := true
	if raw, has := obj["appId"]; has {
		var appID string
		okA = json.Unmarshal(raw, &appID) == nil
	}
	if !ok || !okT || !okU || !okA {
		bienportError(w, r, http.StatusBadRequest, "BadRequestException", "jwtToken and userId are required; appId is a string")
		return
	}
	if userID != a.UserID {
		bienportError(w, r, http.StatusForbidden, "ForbiddenException", "Access denied")
		return
	}
	if t, valid := m.s.tokens.valid(jwtToken, Bienport); !valid || t.subject != a.ScreenName {
		bienportError(w, r, http.StatusBadRequest, "BadRequestException", "Invalid jwtToken")
		return
	}
	m.s.tokens.revokeToken(jwtToken)
	writeJSON(w, http.StatusOK, map[string]any{"message": "User logged out", "success": true})
}

package mock

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// BienPort paths, on the listener (BaseURL adds the /api prefix).
const (
	BienportLoginPath      = "/api/auth/login"
	BienportScreenNamePath = "/api/user/get-screen-name/"
	bienportRolePrefix     = "/api/role/user/"
	bienportRoleSuffix     = "/privilege-groups"
)

// BienportBadCredentialsMessage is the message of the 401 answer to bad
// credentials; the user name follows it.
const BienportBadCredentialsMessage = "Incorrect username or password. Username: "

func (s *Server) bienportRoute(r *http.Request) (Endpoint, http.HandlerFunc) {
	get := r.Method == http.MethodGet
	name, isScreenName := segment(r, BienportScreenNamePath, "")
	idText, isRole := segment(r, bienportRolePrefix, bienportRoleSuffix)
	id, err := strconv.ParseInt(idText, 10, 64)
	isRole = isRole && err == nil
	switch {
	case r.Method == http.MethodPost && r.URL.Path == BienportLoginPath:
		return EndpointLogin, s.bienportLogin
	case get && isScreenName:
		return EndpointProfile, func(w http.ResponseWriter, r *http.Request) { s.bienportScreenName(w, r, name) }
	case get && isRole:
		return EndpointAuthorized, func(w http.ResponseWriter, r *http.Request) { s.bienportPrivilegeGroups(w, r, id) }
	}
	return EndpointOther, nil
}

// bienportError writes BienPort's error envelope; path is shown without the
// /api prefix, as the platform does.
func bienportError(w http.ResponseWriter, r *http.Request, status int, kind, msg string) {
	writeJSON(w, status, struct {
		StatusCode int    `json:"statusCode"`
		Error      string `json:"error"`
		Message    string `json:"message"`
		Path       string `json:"path"`
	}{status, kind, msg, strings.TrimPrefix(r.URL.Path, "/api")})
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

// bienportLogin is POST /api/auth/login: JSON {"screenName","password",
// "rememberMe"}; rememberMe is optional (false).
func (s *Server) bienportLogin(w http.ResponseWriter, r *http.Request) {
	if !s.checkLimit(s.loginLimits[platform.Bienport].Load(), w, r) {
		bienportError(w, r, http.StatusTooManyRequests, "TooManyRequestsException", "Too many login attempts")
		return
	}
	m, ok := strictObject(r)
	name, okN := stringField(m, "screenName")
	pass, okP := stringField(m, "password")
	remember, okR := false, true
	if raw, has := m["rememberMe"]; has {
		okR = json.Unmarshal(raw, &remember) == nil
	}
	if !ok || !okN || !okP || !okR {
		bienportError(w, r, http.StatusBadRequest, "BadRequestException", "screenName and password are required; rememberMe is a boolean")
		return
	}
	a := s.bienport[name]
	if a == nil || !samePassword(a.Password, pass) {
		bienportError(w, r, http.StatusUnauthorized, "AuthorizationException", BienportBadCredentialsMessage+name)
		return
	}
	sub, err := json.Marshal(bienportSubject{UserID: a.UserID, ScreenName: a.ScreenName, RememberMe: remember})
	if err != nil {
		bienportError(w, r, http.StatusInternalServerError, "InternalServerError", "token signing failed")
		return
	}
	now := s.tokens.now()
	life := s.cfg.BienportLifetime
	if remember {
		life = s.cfg.BienportRememberMeLifetime
	}
	exp := now.Add(life)
	token, err := s.tokens.signJWT(jwt.MapClaims{"sub": string(sub)}, now, exp)
	if err != nil {
		bienportError(w, r, http.StatusInternalServerError, "InternalServerError", "token signing failed")
		return
	}
	s.tokens.register(token, tokenInfo{platform: platform.Bienport, kind: kindAccess, subject: a.ScreenName, expires: exp})
	mq := opaque("mq")
	s.tokens.addSecret(mq)

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

// bienportAuth checks the bearer token (401) and the OrganizationId header
// (400 when missing, 403 when not one of the user's organizations). On
// failure it has answered.
func (s *Server) bienportAuth(w http.ResponseWriter, r *http.Request) (*BienportAccount, bool) {
	tok, ok := bearer(r)
	var info tokenInfo
	if ok {
		info, ok = s.tokens.valid(tok, platform.Bienport, kindAccess)
	}
	a := s.bienport[info.subject]
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

// bienportScreenName is GET /api/user/get-screen-name/{screenName}.
func (s *Server) bienportScreenName(w http.ResponseWriter, r *http.Request, name string) {
	if _, ok := s.bienportAuth(w, r); !ok {
		return
	}
	a := s.bienport[name]
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

// bienportPrivilegeGroups is GET /api/role/user/{userId}/privilege-groups;
// a user may read only its own.
func (s *Server) bienportPrivilegeGroups(w http.ResponseWriter, r *http.Request, userID int64) {
	a, ok := s.bienportAuth(w, r)
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

package mock

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Coiote paths.
const (
	CoiotePasswordGrantPath = "/api/auth/oauth_password"
	CoioteUsersPath         = "/api/coiotedm/v3/users/"
	CoioteDevicesPath       = "/api/coiotedm/v3/devices"
	coioteIAMPrefix         = "/iam/realms/"
	coioteIAMSuffix         = "/protocol/openid-connect/token"
)

// CoioteIAMTokenPath is the IAM client-credentials endpoint of a realm.
func CoioteIAMTokenPath(realm string) string {
	return coioteIAMPrefix + url.PathEscape(realm) + coioteIAMSuffix
}

func (s *Server) coioteRoute(r *http.Request) (Endpoint, http.HandlerFunc) {
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	// The login is one escaped path segment: `a@b`, `a%40b` and `a%2Fb`
	// (a login holding a slash) all work.
	login, isUser := segment(r, CoioteUsersPath, "")
	realm, isIAM := segment(r, coioteIAMPrefix, coioteIAMSuffix)
	switch {
	case post && r.URL.Path == CoiotePasswordGrantPath:
		return EndpointLogin, s.coiotePasswordGrant
	case get && isUser:
		return EndpointProfile, func(w http.ResponseWriter, r *http.Request) { s.coioteUser(w, r, login) }
	case get && r.URL.Path == CoioteDevicesPath:
		return EndpointAuthorized, s.coioteDevices
	case post && isIAM:
		return EndpointClientCredentials, func(w http.ResponseWriter, r *http.Request) { s.coioteClientCredentials(w, r, realm) }
	}
	return EndpointOther, nil
}

func coioteError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// coiotePasswordGrant is POST /api/auth/oauth_password, form-encoded
// grant_type=password, username, password. Success is 201 with expires_in
// as a string.
func (s *Server) coiotePasswordGrant(w http.ResponseWriter, r *http.Request) {
	if !s.checkLimit(s.loginLimits[platform.Coiote].Load(), w, r) {
		coioteError(w, http.StatusTooManyRequests, "too many requests")
		return
	}
	form, ok := postForm(r)
	switch {
	case !ok:
		coioteError(w, http.StatusBadRequest, "invalid_request")
		return
	case form.Get("grant_type") != "password":
		coioteError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	case form.Get("username") == "" || !form.Has("password"):
		coioteError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	a := s.coiote[form.Get("username")]
	if a == nil || !a.Active || !samePassword(a.Password, form.Get("password")) {
		coioteError(w, http.StatusUnauthorized, "incorrect credentials")
		return
	}
	token, err := s.coioteToken(a.Login, false, jwt.MapClaims{
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
	}{token, "Bearer", strconv.FormatInt(int64(s.cfg.CoioteTokenLifetime/time.Second), 10)})
}

// postForm parses a form-encoded body (only the body: query parameters do
// not count). Another content type yields an empty form.
func postForm(r *http.Request) (url.Values, bool) {
	if err := r.ParseForm(); err != nil {
		return nil, false
	}
	return r.PostForm, true
}

// coioteToken issues a Coiote access token (always a JWT with `exp`).
func (s *Server) coioteToken(subject string, service bool, claims jwt.MapClaims) (string, error) {
	now := s.tokens.now()
	exp := now.Add(s.cfg.CoioteTokenLifetime)
	token, err := s.tokens.signJWT(claims, now, exp)
	if err != nil {
		return "", err
	}
	s.tokens.register(token, tokenInfo{platform: platform.Coiote, kind: kindAccess, subject: subject, service: service, expires: exp})
	return token, nil
}

// coioteAuth checks the bearer token; on failure it has answered 401.
func (s *Server) coioteAuth(w http.ResponseWriter, r *http.Request) (tokenInfo, bool) {
	tok, ok := bearer(r)
	var info tokenInfo
	if ok {
		info, ok = s.tokens.valid(tok, platform.Coiote, kindAccess)
	}
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

// coioteUser is GET /api/coiotedm/v3/users/{login}: a user may read
// itself; a super user may read anyone; others get 403.
func (s *Server) coioteUser(w http.ResponseWriter, r *http.Request, login string) {
	info, ok := s.coioteAuth(w, r)
	if !ok {
		return
	}
	caller := s.coiote[info.subject]
	if info.service || caller == nil || (login != caller.Login && !caller.SuperUser) {
		coioteError(w, http.StatusForbidden, "Forbidden")
		return
	}
	a := s.coiote[login]
	if a == nil {
		coioteError(w, http.StatusNotFound, "User not found: "+login)
		return
	}
	out := coioteUserAnswer{
		UserID: a.UserID, Login: a.Login, Active: a.Active, SuperUser: a.SuperUser, Staff: a.Staff,
		Domain: a.Domain, CreationDate: a.CreationDate, Roles: nonNil(a.Roles), Permissions: nonNil(a.Permissions),
		FullName: a.FullName, Email: a.Email, Properties: a.Properties, AccessSchedule: a.AccessSchedule,
		SecurityPolicyID: a.SecurityPolicyID, Password: s.coiotePasswordHash(a),
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

// coiotePasswordHash is the users endpoint's "password" value: a
// recognisable fake hash, recorded as an issued secret so that leak tests
// catch a client that surfaces it.
func (s *Server) coiotePasswordHash(a *CoioteAccount) string {
	sum := sha256.Sum256([]byte(a.Login + "\x00" + a.Password))
	h := TokenPrefix + "pwhash_" + hex.EncodeToString(sum[:16])
	s.tokens.addSecret(h)
	return h
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// coioteDevices is GET /api/coiotedm/v3/devices.
func (s *Server) coioteDevices(w http.ResponseWriter, r *http.Request) {
	info, ok := s.coioteAuth(w, r)
	if !ok {
		return
	}
	domain := "/IoT/"
	if a := s.coiote[info.subject]; a != nil && a.Domain != "" {
		domain = a.Domain
	}
	writeJSON(w, http.StatusOK, []map[string]any{
		{"id": "mock-device-1", "domain": domain, "connectorType": "lwm2m", "online": true},
		{"id": "mock-device-2", "domain": domain, "connectorType": "lwm2m", "online": false},
	})
}

// coioteClientCredentials is Keycloak's token endpoint for a realm, with
// the client authenticated by form fields or HTTP Basic.
func (s *Server) coioteClientCredentials(w http.ResponseWriter, r *http.Request, realm string) {
	if !s.checkLimit(s.loginLimits[platform.Coiote].Load(), w, r) {
		coioteError(w, http.StatusTooManyRequests, "too many requests")
		return
	}
	if !s.coioteRealms[realm] {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Realm does not exist"})
		return
	}
	form, ok := postForm(r)
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"error": "unsupported_grant_type", "error_description": "Unsupported grant_type",
		})
		return
	}
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	c := s.coioteClients[realm+"\x00"+id]
	if c == nil || !samePassword(c.ClientSecret, secret) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error": "invalid_client", "error_description": "Invalid client or Invalid client credentials",
		})
		return
	}
	token, err := s.coioteToken(c.ClientID, true, jwt.MapClaims{
		"sub": "service-account-" + c.ClientID, "azp": c.ClientID, "typ": "Bearer",
		"iss": s.bases[platform.Coiote] + coioteIAMPrefix + url.PathEscape(realm),
	})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":       token,
		"expires_in":         int64(s.cfg.CoioteTokenLifetime / time.Second),
		"refresh_expires_in": 0,
		"token_type":         "Bearer",
		"not-before-policy":  0,
		"scope":              "profile email",
	})
}

package mock

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

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

func (s *Server) monogotoRoute(r *http.Request) (Endpoint, http.HandlerFunc) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == MonogotoLoginPath:
		return EndpointLogin, s.monogotoLogin
	case r.Method == http.MethodGet && r.URL.Path == MonogotoThingsPath:
		return EndpointAuthorized, s.monogotoThings
	case r.Method == http.MethodPost && r.URL.Path == MonogotoV1TokenPath:
		return EndpointV1Login, s.monogotoV1Login
	case r.Method == http.MethodPost && r.URL.Path == MonogotoV1RefreshPath:
		return EndpointRefresh, s.monogotoV1Refresh
	}
	return EndpointOther, nil
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

// monogotoLogin is POST /Auth: JSON {"UserName","Password"} (exact keys).
func (s *Server) monogotoLogin(w http.ResponseWriter, r *http.Request) {
	if !s.checkLimit(s.loginLimits[platform.Monogoto].Load(), w, r) {
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "Too Many Requests"})
		return
	}
	m, ok := strictObject(r)
	user, okU := stringField(m, "UserName")
	pass, okP := stringField(m, "Password")
	if !ok || !okU || !okP {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "UserName and Password are required"})
		return
	}
	a := s.monogoto[user]
	if a == nil || !samePassword(a.Password, pass) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(MonogotoAccessDeniedBody))
		return
	}
	token, err := s.monogotoAccessToken(a)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "token signing failed"})
		return
	}
	refresh := s.issueRefresh(a.UserName, kindRefreshLegacy)

	var out monogotoLoginAnswer
	out.Token = token
	out.RefreshToken = refresh
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

// monogotoAccessToken issues an access token (console or v1): a JWT with
// `exp`, or an opaque token with MonogotoOpaqueTokens.
func (s *Server) monogotoAccessToken(a *MonogotoAccount) (string, error) {
	now := s.tokens.now()
	exp := now.Add(s.cfg.MonogotoTokenLifetime)
	token := opaque("mgt")
	if !s.cfg.MonogotoOpaqueTokens {
		var err error
		token, err = s.tokens.signJWT(jwt.MapClaims{
			"sub":        a.UserID,
			"UserName":   a.UserName,
			"CustomerId": a.CustomerID,
			"Role":       a.Role,
			"Realm":      a.Realm,
		}, now, exp)
		if err != nil {
			return "", err
		}
	}
	s.tokens.register(token, tokenInfo{platform: platform.Monogoto, kind: kindAccess, subject: a.UserName, expires: exp})
	return token, nil
}

// issueRefresh issues an opaque refresh token.
func (s *Server) issueRefresh(subject string, kind tokenKind) string {
	token := opaque("rt")
	s.tokens.register(token, tokenInfo{
		platform: platform.Monogoto, kind: kind, subject: subject,
		expires: s.tokens.now().Add(s.cfg.MonogotoRefreshLifetime),
	})
	return token
}

// monogotoThings is GET /things?limit=&offset=, the cheap token check.
func (s *Server) monogotoThings(w http.ResponseWriter, r *http.Request) {
	tok, ok := bearer(r)
	var info tokenInfo
	if ok {
		info, ok = s.tokens.valid(tok, platform.Monogoto, kindAccess)
	}
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
	things := monogotoThings(s.monogoto[info.subject])
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

// monogotoV1Request applies the v1 rate limit and reads the body's
// required, non-empty string fields. On failure it has answered.
func (s *Server) monogotoV1Request(w http.ResponseWriter, r *http.Request, keys ...string) ([]string, bool) {
	if !s.checkLimit(s.v1Limit.Load(), w, r) {
		monogotoV1Error(w, http.StatusTooManyRequests, "Too many requests, retry later")
		return nil, false
	}
	m, ok := strictObject(r)
	vals := make([]string, len(keys))
	for i, k := range keys {
		v, has := stringField(m, k)
		ok = ok && has && v != ""
		vals[i] = v
	}
	if !ok {
		monogotoV1Error(w, http.StatusBadRequest, strings.Join(keys, " and ")+" required")
		return nil, false
	}
	return vals, true
}

// monogotoV1Login is POST /v1/auth/token: JSON {"username","password"}.
func (s *Server) monogotoV1Login(w http.ResponseWriter, r *http.Request) {
	v, ok := s.monogotoV1Request(w, r, "username", "password")
	if !ok {
		return
	}
	a := s.monogoto[v[0]]
	if a == nil || !samePassword(a.Password, v[1]) {
		monogotoV1Error(w, http.StatusUnauthorized, "Invalid username or password")
		return
	}
	s.monogotoV1Tokens(w, a)
}

// monogotoV1Refresh is POST /v1/auth/refresh: JSON {"refresh_token"}.
// Refresh tokens are single-use: each use returns a new one.
func (s *Server) monogotoV1Refresh(w http.ResponseWriter, r *http.Request) {
	v, ok := s.monogotoV1Request(w, r, "refresh_token")
	if !ok {
		return
	}
	info, ok := s.tokens.consume(v[0], platform.Monogoto, kindRefreshV1)
	a := s.monogoto[info.subject]
	if !ok || a == nil {
		monogotoV1Error(w, http.StatusUnauthorized, "Invalid or expired refresh token")
		return
	}
	s.monogotoV1Tokens(w, a)
}

func (s *Server) monogotoV1Tokens(w http.ResponseWriter, a *MonogotoAccount) {
	token, err := s.monogotoAccessToken(a)
	if err != nil {
		monogotoV1Error(w, http.StatusInternalServerError, "token signing failed")
		return
	}
	writeJSON(w, http.StatusOK, struct {
		TokenType    string `json:"token_type"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}{"Bearer", token, s.issueRefresh(a.UserName, kindRefreshV1)})
}

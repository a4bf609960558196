// Package coiote is AVSystem Coiote IoT DM (LwM2M device management). A user
// signs in with the OAuth 2.0 password grant (POST /api/auth/oauth_password)
// and the profile is read from GET /api/coiotedm/v3/users/{login}; an IAM
// service account signs in with the client-credentials grant.
//
// The token requests are plain form POSTs through the shared httpx client
// rather than golang.org/x/oauth2: Coiote answers 201 with a string
// expires_in, which oauth2 handles only through its lenient fallbacks, and
// oauth2's RetrieveError carries the raw response body into error messages
// and it may retry the request with HTTP basic authentication on failure.
// Going through httpx also guarantees the token request uses the configured
// TLS settings, timeouts, retries and size limit.
package coiote

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/jwtclaims"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// defaultBaseURL is the public cloud's API root. Other installations
// differ; some serve the API on port 8087.
const defaultBaseURL = "https://eu.iot.avsystem.cloud"

// defaultRealm is the IAM realm of Coiote's public cloud.
const defaultRealm = "coiote-cloud"

// realmSetting names the IAM realm setting.
const realmSetting = "realm"

// Endpoint paths.
//
//nolint:gosec // G101: URL paths, not credentials.
const (
	passwordGrantPath = "/api/auth/oauth_password"
	usersPath         = "/api/coiotedm/v3/users/"
)

// Platform implements clients.Platform for Coiote IoT DM.
type Platform struct{}

var info = platform.Info{
	Name:  "coiote",
	Title: "Coiote IoT DM",
	Description: "AVSystem Coiote IoT DM settings. A user signs in with the OAuth 2.0 password grant " +
		"(`POST {base_url}/api/auth/oauth_password`); an IAM service account (SSO organisations) with " +
		"`client_id` and `client_secret` uses the client-credentials grant at " +
		"`{base_url}/iam/realms/{realm}/protocol/openid-connect/token` instead.",
	DefaultBaseURL:    defaultBaseURL,
	BaseURLDefaultDoc: "`" + defaultBaseURL + "`",
	UsernameDoc:       "the user's login",
	HeadersDoc:        "`Authorization`",
	Credentials:       []platform.CredentialKind{platform.Password, platform.ClientCredentials},
	Settings: []platform.Setting{{
		Name:        realmSetting,
		Description: "IAM realm of the service account.",
		Default:     defaultRealm,
		DefaultDoc:  "`" + defaultRealm + "` (Coiote's public cloud)",
	}},
	ProfileFields: []platform.Field{
		{Name: "login", Type: platform.String, Description: "The user's login."},
		{Name: "domain", Type: platform.String, Description: "The user's domain, a path such as `/IoT/acme/`."},
		{Name: "active", Type: platform.Bool, Description: "Whether the account is active."},
		{Name: "super_user", Type: platform.Bool, Description: "Whether the user is a super user."},
		{Name: "staff", Type: platform.Bool, Description: "Whether the user is staff."},
		{Name: "full_name", Type: platform.String, Description: "The user's full name."},
		{Name: "expiration_date", Type: platform.String, Description: "When the account expires, as the platform writes it."},
		{Name: "creation_date", Type: platform.String, Description: "When the account was created, as the platform writes it."},
		{Name: "security_policy_id", Type: platform.String, Description: "The account's security policy."},
		{Name: "properties", Type: platform.StringMap, Description: "The user's free-form properties."},
	},
	ProfileDoc: "Coiote-only facts; null on other platforms. The user record's password is never read.",
	LifetimeDoc: "Coiote tokens last as long as the installation's administrator sets, typically 5 minutes, " +
		"and cannot be refreshed: ask the administrator for a longer lifetime.",
	Revokes: []platform.CredentialKind{platform.ClientCredentials},
	RevokeDoc: "OAuth 2.0 token revocation (RFC 7009) for service-account tokens, " +
		"`POST {base_url}/iam/realms/{realm}/protocol/openid-connect/revoke` with the token and the client's " +
		"credentials; tokens of a user name and password have no documented revocation endpoint",
}

// Info declares Coiote IoT DM.
func (Platform) Info() platform.Info { return info }

// Login signs in. A user's login also reads the profile; when the profile
// call answers 401 (a token revoked or expired between the two calls), it
// logs in once more and retries, and a second 401 is a KindTokenRejected
// error. A service account has no user record: its profile holds only the
// client ID.
func (Platform) Login(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	base := cr.BaseURLOr(defaultBaseURL)
	if cr.Kind() == platform.ClientCredentials {
		s, err := clientCredentials(ctx, c, cr, base)
		return s, platform.Annotate(err, "", "", "service account login")
	}
	s, err := passwordGrant(ctx, c, cr, base)
	if err != nil {
		return nil, err
	}
	p, warnings, err := profile(ctx, c, s, cr.Username)
	if platform.IsKind(err, platform.KindTokenRejected) {
		if s, err = passwordGrant(ctx, c, cr, base); err != nil {
			return nil, err
		}
		p, warnings, err = profile(ctx, c, s, cr.Username)
		if e, ok := platform.AsError(err); ok && e.Kind == platform.KindTokenRejected {
			e.Detail = "the users endpoint refused two freshly issued tokens (HTTP 401)"
		}
	}
	if err != nil {
		return nil, platform.Annotate(err, "", "", "profile request")
	}
	s.Profile = *p
	s.Warnings = warnings
	return s, nil
}

func passwordGrant(ctx context.Context, c *httpx.Client, cr platform.Credentials, base string) (*platform.Session, error) {
	form := url.Values{"grant_type": {"password"}, "username": {cr.Username}, "password": {cr.Password}}
	s, err := tokenRequest(ctx, c, base, passwordGrantPath, form, "user name and password")
	if err != nil {
		return nil, err
	}
	s.Username = cr.Username
	return s, nil
}

// clientCredentials signs in with an IAM service account
// (POST /iam/realms/{realm}/protocol/openid-connect/token).
func clientCredentials(ctx context.Context, c *httpx.Client, cr platform.Credentials, base string) (*platform.Session, error) {
	realm := cr.Option(realmSetting)
	if realm == "" {
		realm = defaultRealm
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cr.ClientID}, "client_secret": {cr.ClientSecret}}
	path := "/iam/realms/" + escapeSegment(realm) + "/protocol/openid-connect/token"
	s, err := tokenRequest(ctx, c, base, path, form, "client ID and secret")
	if err != nil {
		return nil, err
	}
	s.Username = cr.ClientID
	// No user record: every extra is null.
	s.Profile = platform.Profile{UserName: cr.ClientID, Extras: map[string]any{}}
	return s, nil
}

func tokenRequest(ctx context.Context, c *httpx.Client, base, path string, form url.Values, what string) (*platform.Session, error) {
	resp, err := c.PostForm(ctx, base+path, form, nil)
	if err != nil {
		return nil, err
	}
	return resp.Session(httpx.Expect{
		Path: path,
		// Vendor SDKs expect 201; the IAM (Keycloak) endpoint answers 200.
		OK: []int{http.StatusCreated, http.StatusOK},
		// Coiote documents no status for bad credentials: any 4xx but a
		// missing endpoint is a refused login, never sent again.
		Refused:     func(status int) bool { return status >= 400 && status < 500 && status != http.StatusNotFound },
		Credentials: what,
	}, base, decodeToken)
}

type tokenResponse struct {
	AccessToken *string         `json:"access_token"`
	TokenType   string          `json:"token_type"`
	ExpiresIn   wire.FlexString `json:"expires_in"`
}

// decodeToken decodes a token answer. expires_in may be a string ("300", as
// the vendor documents) or a number; without it the JWT `exp` is used.
func decodeToken(body []byte, contentType string, now time.Time) (*platform.Session, error) {
	var r tokenResponse
	if err := wire.DecodeJSON(body, contentType, &r); err != nil {
		return nil, err
	}
	token, tt, err := wire.AccessToken(r.AccessToken, r.TokenType)
	if err != nil {
		return nil, err
	}
	s := &platform.Session{Platform: info.Name, Token: token, TokenType: tt, ObtainedAt: now}
	if r.ExpiresIn.Set {
		secs, ok := parseSeconds(r.ExpiresIn.Value)
		if !ok {
			return nil, platform.Malformed("expires_in", "\"expires_in\" is not a number of seconds")
		}
		s.ExpiresAt = now.Add(time.Duration(secs) * time.Second)
	} else if exp, ok := jwtclaims.TokenExpiry(token); ok {
		s.ExpiresAt = exp
	}
	s.Headers = map[string]string{"Authorization": s.AuthorizationHeader()}
	return s, nil
}

// parseSeconds reads expires_in: whole seconds, or a number with a
// fraction, which is rounded down (a token is never taken to live longer
// than the platform said). Anything else, a negative number or more than
// ten years, is not a lifetime.
func parseSeconds(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	var n wire.FlexInt
	if err := n.UnmarshalJSON([]byte(`"` + v + `"`)); err == nil && n.Set {
		return n.Value, n.Value >= 0 && n.Value <= maxExpiresIn
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxExpiresIn {
		return 0, false
	}
	return int64(math.Floor(f)), true
}

// maxExpiresIn bounds expires_in: ten years.
const maxExpiresIn = 10 * 365 * 24 * 3600

// escapeSegment escapes a value for one URL path segment, including `@`
// (which url.PathEscape leaves as is) so that a login like ops@acme.example
// reaches the users endpoint as one segment.
func escapeSegment(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), "@", "%40")
}

// profile reads the user's profile with the session's token, and the
// warnings about its unreadable fields.
func profile(ctx context.Context, c *httpx.Client, s *platform.Session, login string) (*platform.Profile, []platform.Warning, error) {
	resp, err := c.Get(ctx, s.BaseURL+usersPath+escapeSegment(login), http.Header{"Authorization": {s.AuthorizationHeader()}})
	if err != nil {
		return nil, nil, err
	}
	switch resp.Status {
	case http.StatusUnauthorized:
		return nil, nil, resp.Error(platform.KindTokenRejected, "the users endpoint refused the new token (HTTP 401)")
	case http.StatusForbidden:
		return nil, nil, resp.Error(platform.KindForbidden, "the account may not read its own user record (HTTP 403)")
	case http.StatusNotFound:
		return nil, nil, resp.Error(platform.KindNotFound, "the user record was not found (HTTP 404)")
	}
	if err := resp.Check(httpx.Expect{Path: usersPath + "{login}"}); err != nil {
		return nil, nil, err
	}
	return decodeUser(resp.Body, resp.Header.Get("Content-Type"))
}

// user is the v3 user object. It deliberately has no Password field: the
// API returns one, and it must never be decoded, kept or surfaced. The
// login is read strictly (it must name the user); every other field is
// optional profile data, read leniently: a value in a form that cannot be
// read is null, with a warning, instead of failing the login.
type user struct {
	UserID           wire.Lenient[wire.FlexString]   `json:"userId"`
	Login            string                          `json:"login"`
	Active           wire.Lenient[bool]              `json:"active"`
	SuperUser        wire.Lenient[bool]              `json:"superUser"`
	Staff            wire.Lenient[bool]              `json:"staff"`
	Domain           wire.Lenient[string]            `json:"domain"`
	ExpirationDate   wire.Lenient[wire.FlexString]   `json:"expirationDate"`
	CreationDate     wire.Lenient[wire.FlexString]   `json:"creationDate"`
	Roles            wire.Lenient[[]string]          `json:"roles"`
	Permissions      wire.Lenient[[]string]          `json:"permissions"`
	FullName         wire.Lenient[string]            `json:"fullName"`
	Properties       wire.Lenient[map[string]string] `json:"properties"`
	SecurityPolicyID wire.Lenient[wire.FlexString]   `json:"securityPolicyId"`
	Email            wire.Lenient[string]            `json:"email"`
}

// decodeUser decodes a v3 user object into a Profile, dropping its
// password, and the warnings about its unreadable fields.
func decodeUser(body []byte, contentType string) (*platform.Profile, []platform.Warning, error) {
	var u user
	if err := wire.DecodeJSON(body, contentType, &u); err != nil {
		return nil, nil, err
	}
	if u.Login == "" {
		return nil, nil, platform.Malformed("login", "the user object has no \"login\"")
	}
	var warn wire.Warnings
	warn.Check(u.UserID.Bad, "userId", "a string or number", "user_id")
	warn.Check(u.Active.Bad, "active", "a boolean", "coiote.active")
	warn.Check(u.SuperUser.Bad, "superUser", "a boolean", "coiote.super_user")
	warn.Check(u.Staff.Bad, "staff", "a boolean", "coiote.staff")
	warn.Check(u.Domain.Bad, "domain", "a string", "coiote.domain")
	warn.Check(u.ExpirationDate.Bad, "expirationDate", "a string or number", "coiote.expiration_date")
	warn.Check(u.CreationDate.Bad, "creationDate", "a string or number", "coiote.creation_date")
	warn.Check(u.Roles.Bad, "roles", "a list of strings", "roles")
	warn.Check(u.Permissions.Bad, "permissions", "a list of strings", "permissions")
	warn.Check(u.FullName.Bad, "fullName", "a string", "coiote.full_name")
	warn.Check(u.Properties.Bad, "properties", "an object of strings", "coiote.properties")
	warn.Check(u.SecurityPolicyID.Bad, "securityPolicyId", "a string or number", "coiote.security_policy_id")
	warn.Check(u.Email.Bad, "email", "a string", "email")

	var perms map[string][]string
	if !u.Permissions.Bad {
		perms = make(map[string][]string, len(u.Permissions.Value))
		for _, p := range u.Permissions.Value {
			// Coiote permissions carry no separate actions.
			perms[p] = []string{}
		}
	}
	email := u.Email.Value
	if email == "" && !u.Email.Bad && strings.Contains(u.Login, "@") {
		email = u.Login
	}
	extras := map[string]any{
		"login":              u.Login,
		"domain":             u.Domain.Value,
		"full_name":          u.FullName.Value,
		"expiration_date":    u.ExpirationDate.Value.Value,
		"creation_date":      u.CreationDate.Value.Value,
		"security_policy_id": u.SecurityPolicyID.Value.Value,
	}
	// Absent flags are false, as they always were; unreadable ones null.
	for name, b := range map[string]wire.Lenient[bool]{"active": u.Active, "super_user": u.SuperUser, "staff": u.Staff} {
		if !b.Bad {
			extras[name] = b.Value
		}
	}
	if !u.Properties.Bad {
		props := make(map[string]string, len(u.Properties.Value))
		for k, v := range u.Properties.Value {
			props[k] = v
		}
		extras["properties"] = props
	}
	return &platform.Profile{
		UserID:      u.UserID.Value.Value,
		UserName:    u.Login,
		Email:       email,
		Roles:       append([]string(nil), u.Roles.Value...),
		Permissions: perms,
		Extras:      extras,
	}, warn, nil
}

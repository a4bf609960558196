// Package coiote logs in to AVSystem Coiote IoT DM with the OAuth 2.0
// password grant (POST /api/auth/oauth_password) or, for IAM service
// accounts, the client-credentials grant, then reads the user's profile from
// GET /api/coiotedm/v3/users/{login}.
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
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/jwtclaims"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// Endpoint paths.
//
//nolint:gosec // G101: URL paths, not credentials.
const (
	PasswordGrantPath = "/api/auth/oauth_password"
	UsersPath         = "/api/coiotedm/v3/users/"
)

// DefaultRealm is the IAM realm of Coiote's public cloud.
const DefaultRealm = "coiote-cloud"

type tokenResponse struct {
	AccessToken *string         `json:"access_token"`
	TokenType   string          `json:"token_type"`
	ExpiresIn   wire.FlexString `json:"expires_in"`
}

// user is the v3 user object. It deliberately has no Password field: the
// API returns one, and it must never be decoded, kept or surfaced.
type user struct {
	UserID           wire.FlexString   `json:"userId"`
	Login            string            `json:"login"`
	Active           bool              `json:"active"`
	SuperUser        bool              `json:"superUser"`
	Staff            bool              `json:"staff"`
	Domain           string            `json:"domain"`
	ExpirationDate   wire.FlexString   `json:"expirationDate"`
	CreationDate     wire.FlexString   `json:"creationDate"`
	Roles            []string          `json:"roles"`
	Permissions      []string          `json:"permissions"`
	FullName         string            `json:"fullName"`
	Properties       map[string]string `json:"properties"`
	SecurityPolicyID wire.FlexString   `json:"securityPolicyId"`
	Email            string            `json:"email"`
}

// Login signs in and reads the profile. When the profile call answers 401
// (a token revoked or expired between the two calls), it logs in once more
// and retries; a second 401 is a KindTokenRejected error.
func Login(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	if cr.ClientID != "" {
		s, err := ClientCredentials(ctx, c, cr)
		return s, platform.Annotate(err, platform.Coiote, cr.ClientID, "service account login")
	}
	s, err := passwordGrant(ctx, c, cr)
	if err != nil {
		return nil, platform.Annotate(err, platform.Coiote, cr.Username, "login")
	}
	p, err := Profile(ctx, c, s.BaseURL, cr.Username, s.Token)
	if platform.IsKind(err, platform.KindTokenRejected) {
		if s, err = passwordGrant(ctx, c, cr); err != nil {
			return nil, platform.Annotate(err, platform.Coiote, cr.Username, "login")
		}
		p, err = Profile(ctx, c, s.BaseURL, cr.Username, s.Token)
		if e, ok := platform.AsError(err); ok && e.Kind == platform.KindTokenRejected {
			e.Detail = "the users endpoint refused two freshly issued tokens (HTTP 401)"
		}
	}
	if err != nil {
		return nil, platform.Annotate(err, platform.Coiote, cr.Username, "profile request")
	}
	s.Profile = *p
	return s, nil
}

func passwordGrant(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	form := url.Values{"grant_type": {"password"}, "username": {cr.Username}, "password": {cr.Password}}
	return tokenRequest(ctx, c, cr, PasswordGrantPath, form)
}

// ClientCredentials signs in with an IAM service account
// (POST /iam/realms/{realm}/protocol/openid-connect/token).
func ClientCredentials(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	realm := cr.Realm
	if realm == "" {
		realm = DefaultRealm
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cr.ClientID}, "client_secret": {cr.ClientSecret}}
	s, err := tokenRequest(ctx, c, cr, "/iam/realms/"+escapeSegment(realm)+"/protocol/openid-connect/token", form)
	if err != nil {
		return nil, err
	}
	s.Username = cr.ClientID
	s.Profile = platform.Profile{UserName: cr.ClientID, Coiote: &platform.CoioteExtras{}}
	return s, nil
}

func tokenRequest(ctx context.Context, c *httpx.Client, cr platform.Credentials, path string, form url.Values) (*platform.Session, error) {
	base := platform.NormalizeBaseURL(cr.BaseURL)
	resp, err := c.Do(ctx, &httpx.Request{
		Method: http.MethodPost,
		URL:    base + path,
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:   []byte(form.Encode()),
	})
	if err != nil {
		return nil, err
	}
	switch {
	case resp.Status == http.StatusCreated || resp.Status == http.StatusOK:
	case resp.Status == http.StatusNotFound:
		return nil, &platform.Error{Kind: platform.KindNotFound, Status: resp.Status, Attempts: resp.Attempts,
			Detail: "the token endpoint " + path + " was not found (HTTP 404)"}
	case resp.Status >= 400 && resp.Status < 500:
		// Coiote documents no status for bad credentials: any other 4xx
		// is a refused login, never retried.
		return nil, &platform.Error{Kind: platform.KindBadCredentials, Status: resp.Status, Attempts: resp.Attempts,
			Detail: "the platform refused the login"}
	default:
		return nil, &platform.Error{Kind: platform.KindUnexpectedStatus, Status: resp.Status, Attempts: resp.Attempts}
	}
	s, err := DecodeToken(resp.Body, resp.Header.Get("Content-Type"), time.Now().UTC())
	if err != nil {
		return nil, err
	}
	s.BaseURL = base
	s.Username = cr.Username
	return s, nil
}

// DecodeToken decodes a token answer. expires_in may be a string ("300", as
// the vendor documents) or a number; without it the JWT `exp` is used.
func DecodeToken(body []byte, contentType string, now time.Time) (*platform.Session, error) {
	var r tokenResponse
	if err := wire.DecodeJSON(body, contentType, &r); err != nil {
		return nil, err
	}
	if r.AccessToken == nil || strings.TrimSpace(*r.AccessToken) == "" {
		return nil, platform.Malformed("access_token", "the answer has no \"access_token\"")
	}
	tt := r.TokenType
	if tt == "" || strings.EqualFold(tt, "bearer") {
		tt = "Bearer"
	}
	s := &platform.Session{
		Platform:   platform.Coiote,
		Token:      strings.TrimSpace(*r.AccessToken),
		TokenType:  tt,
		ObtainedAt: now,
	}
	if r.ExpiresIn.Set {
		secs, ok := parseSeconds(r.ExpiresIn.Value)
		if !ok {
			return nil, platform.Malformed("expires_in", "\"expires_in\" is not a number of seconds")
		}
		s.ExpiresAt = now.Add(time.Duration(secs) * time.Second)
	} else if claims, err := jwtclaims.Parse(s.Token); err == nil {
		if exp, ok := jwtclaims.Expiry(claims); ok {
			s.ExpiresAt = exp
		}
	}
	return s, nil
}

func parseSeconds(v string) (int64, bool) {
	var n wire.FlexInt
	if err := n.UnmarshalJSON([]byte(`"` + strings.TrimSpace(v) + `"`)); err != nil || !n.Set {
		return 0, false
	}
	if n.Value < 0 || n.Value > 10*365*24*3600 {
		return 0, false
	}
	return n.Value, true
}

// escapeSegment escapes a value for one URL path segment, including `@`
// (which url.PathEscape leaves as is) so that a login like ops@acme.example
// reaches the users endpoint as one segment.
func escapeSegment(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), "@", "%40")
}

// Profile reads a user's profile with a token.
func Profile(ctx context.Context, c *httpx.Client, baseURL, login, token string) (*platform.Profile, error) {
	resp, err := c.Do(ctx, &httpx.Request{
		Method: http.MethodGet,
		URL:    platform.NormalizeBaseURL(baseURL) + UsersPath + escapeSegment(login),
		Header: http.Header{"Authorization": {"Bearer " + token}},
	})
	if err != nil {
		return nil, err
	}
	switch resp.Status {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return nil, &platform.Error{Kind: platform.KindTokenRejected, Status: resp.Status, Attempts: resp.Attempts,
			Detail: "the users endpoint refused the new token (HTTP 401)"}
	case http.StatusForbidden:
		return nil, &platform.Error{Kind: platform.KindForbidden, Status: resp.Status, Attempts: resp.Attempts,
			Detail: "the account may not read its own user record (HTTP 403)"}
	case http.StatusNotFound:
		return nil, &platform.Error{Kind: platform.KindNotFound, Status: resp.Status, Attempts: resp.Attempts,
			Detail: "the user record was not found (HTTP 404)"}
	default:
		return nil, &platform.Error{Kind: platform.KindUnexpectedStatus, Status: resp.Status, Attempts: resp.Attempts}
	}
	return DecodeUser(resp.Body, resp.Header.Get("Content-Type"))
}

// DecodeUser decodes a v3 user object into a Profile, dropping its password.
func DecodeUser(body []byte, contentType string) (*platform.Profile, error) {
	var u user
	if err := wire.DecodeJSON(body, contentType, &u); err != nil {
		return nil, err
	}
	if u.Login == "" {
		return nil, platform.Malformed("login", "the user object has no \"login\"")
	}
	perms := make(map[string][]string, len(u.Permissions))
	for _, p := range u.Permissions {
		// Coiote permissions carry no separate actions.
		perms[p] = []string{}
	}
	props := make(map[string]string, len(u.Properties))
	for k, v := range u.Properties {
		props[k] = v
	}
	email := u.Email
	if email == "" && strings.Contains(u.Login, "@") {
		email = u.Login
	}
	return &platform.Profile{
		UserID:      u.UserID.Value,
		UserName:    u.Login,
		Email:       email,
		Roles:       append([]string(nil), u.Roles...),
		Permissions: perms,
		Coiote: &platform.CoioteExtras{
			Login:            u.Login,
			Domain:           u.Domain,
			Active:           u.Active,
			SuperUser:        u.SuperUser,
			Staff:            u.Staff,
			FullName:         u.FullName,
			ExpirationDate:   u.ExpirationDate.Value,
			CreationDate:     u.CreationDate.Value,
			SecurityPolicyID: u.SecurityPolicyID.Value,
			Properties:       props,
		},
	}, nil
}

// Package thingsboard is ThingsBoard (open-source IoT platform: Community,
// Professional and Cloud editions). A user signs in with POST
// {base}/api/auth/login, JSON {"username", "password"}, and gets a pair of
// JWTs: an access token, sent as `X-Authorization: Bearer <token>` (not
// Authorization), and a refresh token, which POST {base}/api/auth/token
// exchanges for a new pair. The profile is GET {base}/api/auth/user. Since
// ThingsBoard 4.3 an API key, sent as `X-Authorization: ApiKey <key>`,
// replaces the login altogether.
//
// Decisions where the public documentation is silent or leaves a choice:
//
//   - organization_id is the tenant. A ThingsBoard tenant is the
//     organization that owns the devices, dashboards, customers and users;
//     a customer is a subdivision of it, and is customer_id. ThingsBoard
//     writes the null UUID (13814000-1dd2-11b2-8080-808080808080) for "no
//     customer" (a tenant administrator) and "no tenant" (the system
//     administrator): both are null here.
//   - A refused login is a 401 whose message says why: wrong user name or
//     password, a locked account, an inactive (disabled or never activated)
//     one, an expired password. The diagnostic tells them apart and quotes
//     the message only when it is one of those known texts (refusals): an
//     answer's text is untrusted and never reaches a message otherwise. All
//     are KindBadCredentials, never retried and remembered by the cache.
//     The expired-password answer also carries a reset token, which is
//     never read.
//   - Two-factor authentication: ThingsBoard answers the password of such
//     an account with a pre-verification token (scope
//     PRE_VERIFICATION_TOKEN, or MFA_CONFIGURATION_TOKEN when the account
//     must first set up a second factor) that only a one-time code turns
//     into a session. The provider cannot supply one: the login fails as
//     KindBadCredentials (so the password is not sent again) and says to
//     use an API key; the pre-verification token is dropped.
//   - additionalInfo, the user's free-form JSON (UI state, and whatever
//     anyone put there), is never decoded.
//   - The expiry is the access token's `exp` claim (2.5 hours by default,
//     a week for refresh tokens; installations change both). A session near
//     its expiry is refreshed with its refresh token, and the profile read
//     at login is kept: a refresh does not change the user. A refused
//     refresh token makes the Manager log in again.
//   - An API key session's expiry is unknown (the key's own expiry is not
//     in any answer the provider reads): it is reused for session_max_age,
//     like any session without one. Its profile is read with the key, which
//     is also the check that the key works.
package thingsboard

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/jwtclaims"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// defaultBaseURL is ThingsBoard Cloud (North America).
const defaultBaseURL = "https://thingsboard.cloud"

// Endpoint paths, relative to the installation's root.
//
//nolint:gosec // G101: URL paths, not credentials.
const (
	loginPath   = "/api/auth/login"
	refreshPath = "/api/auth/token"
	userPath    = "/api/auth/user"
)

// authHeader is the header ThingsBoard reads the token or key from.
const authHeader = "X-Authorization"

// apiKeyType is the scheme of an API key in authHeader.
const apiKeyType = "ApiKey"

// nullUUID is what ThingsBoard writes for "no customer" and "no tenant".
const nullUUID = "13814000-1dd2-11b2-8080-808080808080"

// notFoundHint is added to a 404: the base URL is the installation's root.
const notFoundHint = "ThingsBoard's base URL is the installation's root, without /api"

// Platform implements clients.Platform and clients.Refresher for ThingsBoard.
type Platform struct{}

var info = platform.Info{
	Name:  "thingsboard",
	Title: "ThingsBoard",
	Description: "ThingsBoard (Community, Professional and Cloud editions) settings. The provider signs in with " +
		"`POST {base_url}/api/auth/login`, renews the session with its refresh token " +
		"(`POST {base_url}/api/auth/token`) and reads the profile from `GET {base_url}/api/auth/user`. " +
		"With `api_key` (ThingsBoard 4.3 and later) it sends no login: the key itself authorizes every call. " +
		"Accounts with two-factor authentication cannot sign in with a password here: use an API key.",
	DefaultBaseURL: defaultBaseURL,
	BaseURLDefaultDoc: "`" + defaultBaseURL + "` (ThingsBoard Cloud, North America; others: " +
		"`https://eu.thingsboard.cloud` (Europe), `https://demo.thingsboard.io` (the Community demo); " +
		"self-hosted installations are often `http://<host>:8080`)",
	UsernameDoc: "the user's e-mail address, such as `tenant@thingsboard.org`",
	HeadersDoc: "`X-Authorization` (ThingsBoard's header, not `Authorization`), holding `authorization_header`: " +
		"`Bearer <token>`, or `ApiKey <key>` with an API key",
	Credentials: []platform.CredentialKind{platform.Password, platform.APIKey},
	ProfileFields: []platform.Field{
		{Name: "tenant_id", Type: platform.String, Description: "The tenant the user belongs to (also `organization_id`); null for the system administrator."},
		{Name: "authority", Type: platform.String, Description: "The user's authority: `SYS_ADMIN`, `TENANT_ADMIN` or `CUSTOMER_USER` (also `roles`)."},
		{Name: "first_name", Type: platform.String, Description: "The user's first name; null when not set."},
		{Name: "last_name", Type: platform.String, Description: "The user's last name; null when not set."},
		{Name: "phone", Type: platform.String, Description: "The user's phone number; null when not set."},
		{Name: "created_time", Type: platform.Time, Description: "When the user was created (RFC 3339); null when unknown."},
	},
	LifetimeDoc: "ThingsBoard access tokens last 2.5 hours by default (`JWT_TOKEN_EXPIRATION_TIME`, set per installation); " +
		"the provider renews them with the refresh token (1 week by default). An API key has no expiry the provider can see.",
	ProfileDoc: "ThingsBoard-only facts; null on other platforms. `customer_id` is null for users of no " +
		"customer (tenant and system administrators). The user's free-form `additionalInfo` is never read.",
}

// Info declares ThingsBoard.
func (Platform) Info() platform.Info { return info }

// Login signs in with the user name and password, or checks the API key,
// and reads the profile.
func (Platform) Login(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	base := cr.BaseURLOr(defaultBaseURL)
	if cr.Kind() == platform.APIKey {
		s, err := apiKeySession(ctx, c, cr.APIKey, base)
		return s, platform.Annotate(err, "", "", "API key check")
	}
	// The login body carries the password by design; it is sent only to
	// the configured base URL and never logged.
	resp, err := c.PostJSON(ctx, base+loginPath, struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}{cr.Username, cr.Password}, nil)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusUnauthorized {
		return nil, refused(resp)
	}
	s, pre, err := pairAnswer(resp, loginPath)
	if err != nil {
		return nil, err
	}
	if pre {
		return nil, &platform.Error{Kind: platform.KindBadCredentials, Attempts: resp.Attempts,
			Detail: "this account uses two-factor authentication, which the provider cannot complete; use an API key",
			Advice: twoFactorAdvice}
	}
	s.BaseURL = base
	p, err := profile(ctx, c, base, s.AuthorizationHeader(), false)
	if err != nil {
		return nil, platform.Annotate(err, "", "", "profile request")
	}
	s.Profile = *p
	s.Username = cmp.Or(p.Email, cr.Username)
	return s, nil
}

// Refresh exchanges the session's refresh token for a new pair. The
// profile read at login is kept: a refresh does not change the user. A
// refused refresh token is KindTokenRejected, which makes the Manager log
// in again.
func (Platform) Refresh(ctx context.Context, c *httpx.Client, cr platform.Credentials, prev *platform.Session) (*platform.Session, error) {
	s, err := refresh(ctx, c, cr.BaseURLOr(defaultBaseURL), prev)
	return s, platform.Annotate(err, "", "", "token refresh")
}

func refresh(ctx context.Context, c *httpx.Client, base string, prev *platform.Session) (*platform.Session, error) {
	resp, err := c.PostJSON(ctx, base+refreshPath, struct {
		RefreshToken string `json:"refreshToken"`
	}{prev.RefreshToken}, nil)
	if err != nil {
		return nil, err
	}
	switch resp.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		// Expired, outdated (a logout) or unknown: log in again.
		return nil, resp.Error(platform.KindTokenRejected, fmt.Sprintf("the platform refused the refresh token (HTTP %d)", resp.Status))
	}
	s, pre, err := pairAnswer(resp, refreshPath)
	if err != nil {
		return nil, err
	}
	if pre {
		// Not something a refresh does; a new login will say what is wrong.
		return nil, resp.Error(platform.KindTokenRejected, "the refresh answered a pre-verification token")
	}
	s.BaseURL = base
	s.Username = prev.Username
	s.Profile = prev.Profile
	return s, nil
}

// apiKeySession is a session for an API key: no login, the key itself in
// the header. Reading the profile with it checks it.
func apiKeySession(ctx context.Context, c *httpx.Client, key, base string) (*platform.Session, error) {
	s := &platform.Session{
		Platform:   info.Name,
		BaseURL:    base,
		Token:      strings.TrimSpace(key),
		TokenType:  apiKeyType,
		ObtainedAt: time.Now().UTC(),
	}
	s.Headers = map[string]string{authHeader: s.AuthorizationHeader()}
	p, err := profile(ctx, c, base, s.AuthorizationHeader(), true)
	if err != nil {
		return nil, err
	}
	s.Profile = *p
	s.Username = p.Email
	return s, nil
}

// Advice for the failures whose cure is not a new password.
const (
	lockedAdvice = "ThingsBoard locked the account, usually after too many failed logins (the installation's " +
		"security settings say how many). Ask a tenant or system administrator to unlock it, or wait if the " +
		"installation unlocks accounts after a while, and check the password before running again: the provider " +
		"sends refused credentials only once per run, but each run sends them once more."
	inactiveAdvice = "The account exists but is disabled, or was never activated (its activation link was not " +
		"used). Ask a ThingsBoard administrator to activate or enable it; the password itself may well be right. " +
		"The provider sends these credentials only once per run."
	expiredAdvice = "The password has expired under the installation's password policy. Sign in to ThingsBoard " +
		"in a browser to set a new one, then update the password the provider uses. The provider sends the old " +
		"one only once per run."
	twoFactorAdvice = "ThingsBoard answered the password with a pre-verification token, which only a second " +
		"factor (a one-time code) turns into a session, and the provider cannot supply one. For automation, use " +
		"an API key (ThingsBoard 4.3 and later: api_key in the provider block or in the iotauth_token block) or an " +
		"account without two-factor authentication. The password is not sent again during this run."
	apiKeyAdvice = "Check the API key (api_key in the provider block or in the iotauth_token block, or its " +
		"IOTAUTH_* environment variable): it may be mistyped, expired, disabled or deleted. API keys need " +
		"ThingsBoard 4.3 or later; an older installation refuses every key. The provider sends a refused key " +
		"only once per run."
)

// refusal is a message ThingsBoard's 401 answer to a login is known to
// carry (its ThingsboardErrorResponseHandler), and what it means.
type refusal struct {
	message string
	// prefix: the message starts with message (the lockout's wording
	// has varied between versions).
	prefix bool
	detail string
	advice string
}

// refusals is the allow-list of messages a diagnostic may quote.
var refusals = []refusal{
	{message: "Invalid username or password", detail: "the platform refused the user name and password"},
	{message: "User account is locked due to security policy", detail: "the account is locked", advice: lockedAdvice},
	{message: "User account is locked", prefix: true, detail: "the account is locked", advice: lockedAdvice},
	{message: "User account is not active", detail: "the account is not active", advice: inactiveAdvice},
	{message: "User password expired!", detail: "the password has expired", advice: expiredAdvice},
}

// refused is the error of a login answered 401. The answer's message is
// matched against refusals and quoted only as the known text.
func refused(resp *httpx.Response) *platform.Error {
	var body struct {
		Message string `json:"message"`
	}
	// Only the message is read: the expired-password answer also holds a
	// reset token. An unreadable body is a plain refusal.
	_ = json.Unmarshal(resp.Body, &body)
	msg := strings.TrimSpace(body.Message)
	for _, r := range refusals {
		if msg == r.message || (r.prefix && strings.HasPrefix(msg, r.message)) {
			quoted := r.message
			if msg != r.message {
				quoted += "…"
			}
			e := resp.Error(platform.KindBadCredentials,
				fmt.Sprintf("%s (HTTP %d; ThingsBoard says %q)", r.detail, resp.Status, quoted))
			e.Advice = r.advice
			return e
		}
	}
	return resp.Error(platform.KindBadCredentials, fmt.Sprintf("the platform refused the user name and password (HTTP %d)", resp.Status))
}

// pairAnswer checks the answer of a login or a refresh (path is its
// endpoint) and decodes its token pair, as decodePair does.
func pairAnswer(resp *httpx.Response, path string) (s *platform.Session, pre bool, err error) {
	if err := resp.Check(httpx.Expect{Path: path, NotFound: notFoundHint}); err != nil {
		return nil, false, err
	}
	return decodePair(resp.Body, resp.Header.Get("Content-Type"), time.Now().UTC())
}

// pairResponse is the answer of a login or a refresh (ThingsBoard's JwtPair).
type pairResponse struct {
	Token        *string `json:"token"`
	RefreshToken *string `json:"refreshToken"`
	// Scope is null, or the pre-verification scope with two-factor
	// authentication (ThingsBoard 3.4 and later).
	Scope *string `json:"scope"`
}

// decodePair decodes a token pair into a Session; pre reports a
// pre-verification token (two-factor authentication), in which case no
// session is returned.
func decodePair(body []byte, contentType string, now time.Time) (s *platform.Session, pre bool, err error) {
	var r pairResponse
	if err := wire.DecodeJSON(body, contentType, &r); err != nil {
		return nil, false, err
	}
	token, err := wire.Token("token", r.Token)
	if err != nil {
		return nil, false, err
	}
	// The claims are read unverified: the token comes from the platform,
	// over the configured connection. A token that is not a JWT has no
	// known expiry.
	claims, _ := jwtclaims.Parse(token)
	if preVerification(r.Scope, claims) {
		return nil, true, nil
	}
	s = &platform.Session{Platform: info.Name, Token: token, TokenType: "Bearer", ObtainedAt: now}
	if r.RefreshToken != nil {
		s.RefreshToken = strings.TrimSpace(*r.RefreshToken)
	}
	if exp, ok := jwtclaims.Expiry(claims); ok {
		s.ExpiresAt = exp
	}
	s.Headers = map[string]string{authHeader: s.AuthorizationHeader()}
	return s, false, nil
}

// preVerification reports whether the answer's scope or the token's
// `scopes` (or `scope`) claim names a scope that is not a usable session.
func preVerification(scope *string, claims map[string]any) bool {
	var scopes []string
	if scope != nil {
		scopes = append(scopes, *scope)
	}
	if list, ok := claims["scopes"].([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				scopes = append(scopes, s)
			}
		}
	}
	if s, ok := claims["scope"].(string); ok {
		scopes = append(scopes, s)
	}
	for _, s := range scopes {
		switch strings.ToUpper(strings.TrimSpace(s)) {
		case "PRE_VERIFICATION_TOKEN", "MFA_CONFIGURATION_TOKEN":
			return true
		}
	}
	return false
}

// profile reads GET /api/auth/user with the given X-Authorization value.
// With an API key a 401 refuses the key (KindBadCredentials); with a token
// just issued it is KindTokenRejected.
func profile(ctx context.Context, c *httpx.Client, base, authorization string, apiKey bool) (*platform.Profile, error) {
	resp, err := c.Get(ctx, base+userPath, http.Header{authHeader: {authorization}})
	if err != nil {
		return nil, err
	}
	switch resp.Status {
	case http.StatusUnauthorized:
		if apiKey {
			e := resp.Error(platform.KindBadCredentials, "the platform refused the API key (HTTP 401)")
			e.Advice = apiKeyAdvice
			return nil, e
		}
		return nil, resp.Error(platform.KindTokenRejected, "the user endpoint refused the new token (HTTP 401)")
	case http.StatusForbidden:
		return nil, resp.Error(platform.KindForbidden, "the account may not read its own user record (HTTP 403)")
	}
	if err := resp.Check(httpx.Expect{Path: userPath, NotFound: notFoundHint}); err != nil {
		return nil, err
	}
	return decodeUser(resp.Body, resp.Header.Get("Content-Type"))
}

// entityID is ThingsBoard's ID object {"entityType": "...", "id": "<uuid>"}.
type entityID struct {
	ID string `json:"id"`
}

// user is ThingsBoard's User. It deliberately has no additionalInfo: that
// is free-form JSON that may hold anything, and is never decoded.
type user struct {
	ID          *entityID    `json:"id"`
	CreatedTime wire.FlexInt `json:"createdTime"`
	TenantID    *entityID    `json:"tenantId"`
	CustomerID  *entityID    `json:"customerId"`
	Email       string       `json:"email"`
	Authority   string       `json:"authority"`
	FirstName   string       `json:"firstName"`
	LastName    string       `json:"lastName"`
	Phone       string       `json:"phone"`
}

// decodeUser decodes a User into a Profile.
func decodeUser(body []byte, contentType string) (*platform.Profile, error) {
	var u user
	if err := wire.DecodeJSON(body, contentType, &u); err != nil {
		return nil, err
	}
	if u.ID == nil || strings.TrimSpace(u.ID.ID) == "" {
		return nil, platform.Malformed("id", "the user object has no \"id\"")
	}
	tenant, customer := ownerID(u.TenantID), ownerID(u.CustomerID)
	var created time.Time
	if u.CreatedTime.Set && u.CreatedTime.Value > 0 {
		created = time.UnixMilli(u.CreatedTime.Value).UTC()
	}
	p := &platform.Profile{
		UserID:         u.ID.ID,
		UserName:       u.Email,
		Email:          u.Email,
		CustomerID:     customer,
		OrganizationID: tenant,
		Permissions:    map[string][]string{},
		Extras: map[string]any{
			"tenant_id":    tenant,
			"authority":    u.Authority,
			"first_name":   u.FirstName,
			"last_name":    u.LastName,
			"phone":        u.Phone,
			"created_time": created,
		},
	}
	if tenant != "" {
		p.OrganizationIDs = []string{tenant}
	}
	if u.Authority != "" {
		p.Roles = []string{u.Authority}
	}
	return p, nil
}

// ownerID is a tenant or customer ID, "" for none or the null UUID.
func ownerID(id *entityID) string {
	if id == nil || strings.EqualFold(strings.TrimSpace(id.ID), nullUUID) {
		return ""
	}
	return strings.TrimSpace(id.ID)
}

// Package monogoto is the Monogoto platform (cellular IoT connectivity): the
// console API (POST /Auth, the seed documentation), whose login answer is
// the account's profile, and the newer v1 API (POST /v1/auth/token and
// /v1/auth/refresh on api.monogoto.io), which returns tokens only.
package monogoto

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/jwtclaims"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// Public base URLs of the two APIs.
const (
	defaultBaseURL   = "https://console.monogoto.io"
	defaultV1BaseURL = "https://api.monogoto.io"
)

// The api_version setting and its values.
const (
	apiVersion = "api_version"
	legacyAPI  = "legacy"
	v1API      = "v1"
)

// loginPath is the console API's login endpoint. Whether the platform
// treats paths case-insensitively is not documented: it is sent exactly as
// the vendor documentation spells it.
const loginPath = "/Auth"

// Platform implements clients.Platform (and clients.Refresher) for Monogoto.
type Platform struct{}

var info = platform.Info{
	Name:  "monogoto",
	Title: "Monogoto",
	Description: "Monogoto (cellular IoT connectivity) settings. " +
		"The legacy console API signs in with `POST {base_url}/Auth`; the v1 API with `POST {base_url}/v1/auth/token`.",
	DefaultBaseURL:    defaultBaseURL,
	BaseURLDefaultDoc: fmt.Sprintf("`%s`, or `%s` when `api_version = \"v1\"`", defaultBaseURL, defaultV1BaseURL),
	UsernameDoc:       "the account's e-mail address",
	HeadersDoc:        "`Authorization`, and `apikey` (the customer ID) when the account has one",
	Credentials:       []platform.CredentialKind{platform.Password},
	Settings: []platform.Setting{{
		Name: apiVersion,
		Description: "Which Monogoto API to sign in with: `legacy` (the console API, `POST /Auth`, " +
			"which also returns the account profile) or `v1` (`api.monogoto.io`, `POST /v1/auth/token`, " +
			"refreshed with its rotating refresh token; it returns no profile).",
		Default: legacyAPI,
		OneOf:   []string{legacyAPI, v1API},
	}},
	ProfileFields: []platform.Field{
		{Name: "realm", Type: platform.String, Description: "The account's realm."},
		{Name: "role_profile_id", Type: platform.String, Description: "The user profile ID held in the login's `Role` field."},
		{Name: "profile_name", Type: platform.String, Description: "The user profile's name."},
		{Name: "profile_type", Type: platform.String, Description: "The user profile's type."},
		{Name: "two_factor_authentication", Type: platform.Bool, Description: "Whether two-factor authentication is on."},
		{Name: "things_group_ids", Type: platform.StringList, Description: "The things groups the user may see."},
		{Name: "profile_created", Type: platform.Time, Description: "When the user profile was created (RFC 3339); null when unknown."},
		{Name: "profile_modified", Type: platform.Time, Description: "When the user profile was last changed (RFC 3339); null when unknown."},
	},
	ProfileDoc: "Monogoto-only facts; null on other platforms.",
	LifetimeDoc: "Monogoto console tokens carry no readable expiry (clients assume 4 hours); v1 tokens last 4 hours " +
		"and are refreshed with their refresh token.",
}

// Info declares Monogoto.
func (Platform) Info() platform.Info { return info }

// Login signs in with the API that the api_version setting selects.
func (Platform) Login(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	if cr.Option(apiVersion) == v1API {
		return loginV1(ctx, c, cr)
	}
	base := cr.BaseURLOr(defaultBaseURL)
	// The login body carries the password by design; it is sent only to
	// the configured base URL and never logged.
	resp, err := c.PostJSON(ctx, base+loginPath, struct {
		UserName string `json:"UserName"`
		Password string `json:"Password"`
	}{cr.Username, cr.Password}, nil)
	if err != nil {
		return nil, err
	}
	s, err := resp.Session(httpx.Expect{Path: loginPath, Refused: func(status int) bool {
		// The seed documents a refused login as a 404 whose body,
		// `{ Access denied }`, is not JSON; a 404 without those words is a
		// missing endpoint, most likely a wrong base_url. 401 and 403 are
		// what other clients in the wild see.
		return status == 401 || status == 403 ||
			(status == 404 && bytes.Contains(bytes.ToLower(resp.Body), []byte("access denied")))
	}}, base, decodeLogin)
	if err != nil {
		return nil, err
	}
	s.Username = cmp.Or(s.Username, cr.Username)
	return s, nil
}

// loginResponse is the console API's login answer (seed 001).
type loginResponse struct {
	Token           *string         `json:"token"`
	RefreshToken    string          `json:"refreshToken"`
	CustomerID      wire.FlexString `json:"CustomerId"`
	UserID          wire.FlexString `json:"UserId"`
	UserName        string          `json:"UserName"`
	Role            string          `json:"Role"`
	Realm           string          `json:"Realm"`
	OrganizationID  wire.FlexString `json:"OrganizationId"`
	AccountSettings struct {
		TwoFactorAuthentication bool `json:"TwoFactorAuthentication"`
	} `json:"AccountSettings"`
	ThingsGroupIDs []wire.FlexString `json:"ThingsGroupIds"`
	UserProfile    struct {
		Permissions   map[string][]string `json:"Permissions"`
		DateCreated   wire.FlexInt        `json:"DateCreated"`
		DateModified  wire.FlexInt        `json:"DateModified"`
		Name          string              `json:"Name"`
		Realm         string              `json:"Realm"`
		Type          string              `json:"Type"`
		UserProfileID string              `json:"UserProfileId"`
		CAS           wire.FlexString     `json:"cas"`
	} `json:"UserProfile"`
}

// decodeLogin decodes a console API login answer into a Session.
func decodeLogin(body []byte, contentType string, now time.Time) (*platform.Session, error) {
	var r loginResponse
	if err := wire.DecodeJSON(body, contentType, &r); err != nil {
		return nil, err
	}
	token, err := wire.Token("token", r.Token)
	if err != nil {
		return nil, err
	}
	// The docs call the customer ID the customer API key: some endpoints
	// want it in an apikey header.
	customerID := r.CustomerID.Value
	s := &platform.Session{
		Platform:     info.Name,
		Username:     r.UserName,
		Token:        token,
		TokenType:    "Bearer",
		ObtainedAt:   now,
		RefreshToken: r.RefreshToken,
	}
	// The console token is JWT-shaped but its claims are not documented:
	// the expiry is known only when it decodes with an `exp` claim.
	if exp, ok := jwtclaims.TokenExpiry(token); ok {
		s.ExpiresAt = exp
	}
	s.Headers = map[string]string{"Authorization": s.AuthorizationHeader()}
	if customerID != "" {
		s.Headers["apikey"] = customerID
	}

	perms := make(map[string][]string, len(r.UserProfile.Permissions))
	for k, v := range r.UserProfile.Permissions {
		perms[k] = append(make([]string, 0, len(v)), v...)
	}
	groups := make([]string, 0, len(r.ThingsGroupIDs))
	for _, g := range r.ThingsGroupIDs {
		if g.Set {
			groups = append(groups, g.Value)
		}
	}
	var roles []string
	if r.UserProfile.Name != "" {
		roles = []string{r.UserProfile.Name}
	}
	s.Profile = platform.Profile{
		UserID:         r.UserID.Value,
		UserName:       r.UserName,
		Email:          r.UserName, // Monogoto's UserName is the e-mail address.
		CustomerID:     customerID,
		OrganizationID: r.OrganizationID.Value,
		Roles:          roles,
		Permissions:    perms,
		Extras: map[string]any{
			"realm":                     r.Realm,
			"role_profile_id":           r.Role,
			"profile_name":              r.UserProfile.Name,
			"profile_type":              r.UserProfile.Type,
			"two_factor_authentication": r.AccountSettings.TwoFactorAuthentication,
			"things_group_ids":          groups,
			"profile_created":           epochMillis(r.UserProfile.DateCreated),
			"profile_modified":          epochMillis(r.UserProfile.DateModified),
		},
	}
	if r.OrganizationID.Value != "" {
		s.Profile.OrganizationIDs = []string{r.OrganizationID.Value}
	}
	return s, nil
}

// epochMillis is a date in epoch milliseconds, zero (null) when absent.
func epochMillis(v wire.FlexInt) time.Time {
	if !v.Set {
		return time.Time{}
	}
	return time.UnixMilli(v.Value).UTC()
}

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

// loginResponse is the console API's login answer (seed 001). The token,
// the refresh token and the customer ID (the apikey header) are read
// strictly; every other field is optional profile data, read leniently: a
// value in a form that cannot be read is null, with a warning, instead of
// failing the login.
type loginResponse struct {
	Token           *string                         `json:"token"`
	RefreshToken    string                          `json:"refreshToken"`
	CustomerID      wire.FlexString                 `json:"CustomerId"`
	UserID          wire.Lenient[wire.FlexString]   `json:"UserId"`
	UserName        wire.Lenient[string]            `json:"UserName"`
	Role            wire.Lenient[string]            `json:"Role"`
	Realm           wire.Lenient[string]            `json:"Realm"`
	OrganizationID  wire.Lenient[wire.FlexString]   `json:"OrganizationId"`
	AccountSettings wire.Lenient[accountSettings]   `json:"AccountSettings"`
	ThingsGroupIDs  wire.Lenient[[]wire.FlexString] `json:"ThingsGroupIds"`
	UserProfile     wire.Lenient[userProfile]       `json:"UserProfile"`
}

type accountSettings struct {
	TwoFactorAuthentication wire.Lenient[bool] `json:"TwoFactorAuthentication"`
}

type userProfile struct {
	Permissions   wire.Lenient[map[string][]string] `json:"Permissions"`
	DateCreated   wire.Lenient[wire.FlexInt]        `json:"DateCreated"`
	DateModified  wire.Lenient[wire.FlexInt]        `json:"DateModified"`
	Name          wire.Lenient[string]              `json:"Name"`
	Realm         wire.Lenient[string]              `json:"Realm"`
	Type          wire.Lenient[string]              `json:"Type"`
	UserProfileID wire.Lenient[string]              `json:"UserProfileId"`
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
	userName := r.UserName.Value
	s := &platform.Session{
		Platform:     info.Name,
		Username:     userName,
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

	up := r.UserProfile.Value
	var warn wire.Warnings
	warn.Check(r.UserID.Bad, "UserId", "a string or number", "user_id")
	warn.Check(r.UserName.Bad, "UserName", "a string", "user_name", "email")
	warn.Check(r.Role.Bad, "Role", "a string", "monogoto.role_profile_id")
	warn.Check(r.Realm.Bad, "Realm", "a string", "monogoto.realm")
	warn.Check(r.OrganizationID.Bad, "OrganizationId", "a string or number", "organization_id", "organization_ids")
	warn.Check(r.AccountSettings.Bad, "AccountSettings", "an object", "monogoto.two_factor_authentication")
	warn.Check(r.AccountSettings.Value.TwoFactorAuthentication.Bad, "AccountSettings.TwoFactorAuthentication", "a boolean",
		"monogoto.two_factor_authentication")
	warn.Check(r.ThingsGroupIDs.Bad, "ThingsGroupIds", "a list of IDs", "monogoto.things_group_ids")
	warn.Check(r.UserProfile.Bad, "UserProfile", "an object", "roles", "permissions", "monogoto.profile_name",
		"monogoto.profile_type", "monogoto.profile_created", "monogoto.profile_modified")
	warn.Check(up.Permissions.Bad, "UserProfile.Permissions", "an object of permission names to lists of actions", "permissions")
	warn.Check(up.DateCreated.Bad, "UserProfile.DateCreated", "a number of milliseconds", "monogoto.profile_created")
	warn.Check(up.DateModified.Bad, "UserProfile.DateModified", "a number of milliseconds", "monogoto.profile_modified")
	warn.Check(up.Name.Bad, "UserProfile.Name", "a string", "roles", "monogoto.profile_name")
	warn.Check(up.Type.Bad, "UserProfile.Type", "a string", "monogoto.profile_type")
	s.Warnings = warn

	var perms map[string][]string
	if !r.UserProfile.Bad && !up.Permissions.Bad {
		perms = make(map[string][]string, len(up.Permissions.Value))
		for k, v := range up.Permissions.Value {
			perms[k] = append(make([]string, 0, len(v)), v...)
		}
	}
	extras := map[string]any{
		"realm":            r.Realm.Value,
		"role_profile_id":  r.Role.Value,
		"profile_name":     up.Name.Value,
		"profile_type":     up.Type.Value,
		"profile_created":  epochMillis(up.DateCreated),
		"profile_modified": epochMillis(up.DateModified),
	}
	// Absent is false, as it always was; unreadable is null.
	if tf := r.AccountSettings.Value.TwoFactorAuthentication; !tf.Bad && !r.AccountSettings.Bad {
		extras["two_factor_authentication"] = tf.Value
	}
	if !r.ThingsGroupIDs.Bad {
		groups := make([]string, 0, len(r.ThingsGroupIDs.Value))
		for _, g := range r.ThingsGroupIDs.Value {
			if g.Set {
				groups = append(groups, g.Value)
			}
		}
		extras["things_group_ids"] = groups
	}
	var roles []string
	if up.Name.Value != "" {
		roles = []string{up.Name.Value}
	}
	orgID := r.OrganizationID.Value.Value
	s.Profile = platform.Profile{
		UserID:         r.UserID.Value.Value,
		UserName:       userName,
		Email:          userName, // Monogoto's UserName is the e-mail address.
		CustomerID:     customerID,
		OrganizationID: orgID,
		Roles:          roles,
		Permissions:    perms,
		Extras:         extras,
	}
	if orgID != "" {
		s.Profile.OrganizationIDs = []string{orgID}
	}
	return s, nil
}

// epochMillis is a date in epoch milliseconds, zero (null) when absent or
// unreadable.
func epochMillis(v wire.Lenient[wire.FlexInt]) time.Time {
	if !v.Set || !v.Value.Set {
		return time.Time{}
	}
	return time.UnixMilli(v.Value.Value).UTC()
}

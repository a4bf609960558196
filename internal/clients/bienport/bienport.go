// Package bienport is BienPort by Bimetri (energy and IoT platform): POST
// {base}/auth/login. The login answer is the whole profile; the token is an
// HS512 JWT whose `exp` gives the expiry and whose `sub` claim is a string
// holding JSON.
package bienport

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/jwtclaims"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// defaultBaseURL includes BienPort's /api prefix; another tenant is
// https://apigw.sebeketakip.com/api.
const defaultBaseURL = "https://apigw.bienport.com/api"

// loginPath is relative to the base URL, which includes the /api prefix.
const loginPath = "/auth/login"

// rememberMe names the setting that asks for a 3-month token instead of a
// 3-hour one.
const rememberMe = "remember_me"

// Platform implements clients.Platform for BienPort.
type Platform struct{}

var info = platform.Info{
	Name:              "bienport",
	Title:             "BienPort",
	Description:       "BienPort (Bimetri) settings. The provider signs in with `POST {base_url}/auth/login`.",
	DefaultBaseURL:    defaultBaseURL,
	BaseURLDefaultDoc: "`" + defaultBaseURL + "` (another tenant: `https://apigw.sebeketakip.com/api`)",
	UsernameDoc:       "the screen name, such as a phone number like `905554447788`",
	HeadersDoc:        "`Authorization`, and `OrganizationId` (the user's first organization) when the user has one",
	Credentials:       []platform.CredentialKind{platform.Password},
	Settings: []platform.Setting{{
		Name:        rememberMe,
		Bool:        true,
		Description: "Ask BienPort for a long-lived token (3 months) instead of a 3-hour one.",
		Default:     "false",
		PerBlock:    true,
	}},
	ProfileFields: []platform.Field{
		{Name: "screen_name", Type: platform.String, Description: "The screen name."},
		{Name: "locale_id", Type: platform.String, Description: "The user's locale, such as `tr_TR`."},
		{Name: "organizations", Type: platform.ObjectList, Description: "The organizations the user belongs to.", Fields: []platform.Field{
			{Name: "id", Type: platform.String, Description: "Organization ID (a string: BienPort sends numbers and strings)."},
			{Name: "name", Type: platform.String, Description: "Organization name."},
		}},
		{Name: "resources", Type: platform.ObjectList, Description: "The gateways and devices the user can see.", Fields: []platform.Field{
			{Name: "resource_id", Type: platform.Int, Description: "Resource ID."},
			{Name: "network_id", Type: platform.String, Description: "Network ID (MAC-like)."},
			{Name: "resource_name", Type: platform.String, Description: "Resource name."},
			{Name: "enabled", Type: platform.Bool, Description: "Whether the resource is enabled."},
			{Name: "tree_path", Type: platform.String, Description: "Position in the organization tree."},
			{Name: "org_id", Type: platform.Int, Description: "Organization the resource belongs to."},
			{Name: "resource_type", Type: platform.String, Description: "`Gateway` or `Device`."},
			{Name: "device_sub_type", Type: platform.String, Description: "Device sub-type."},
		}},
		{Name: "roles", Type: platform.ObjectList, Description: "The user's roles in detail.", Fields: []platform.Field{
			{Name: "role_id", Type: platform.Int, Description: "Role ID."},
			{Name: "role_name", Type: platform.String, Description: "Role name."},
			{Name: "type", Type: platform.Int, Description: "Role type."},
			{Name: "inherited", Type: platform.Bool, Description: "Whether the role is inherited."},
			{Name: "type_pk", Type: platform.Int, Description: "Primary key of the role's scope."},
			{Name: "type_name", Type: platform.String, Description: "Name of the role's scope; null when absent."},
		}},
	},
	ProfileDoc:  "BienPort-only facts; null on other platforms. The MQTT password is never included.",
	LifetimeDoc: "BienPort tokens last 3 hours, or 3 months with `remember_me = true`; there is no refresh.",
	Revokes:     []platform.CredentialKind{platform.Password},
	RevokeDoc: "BienPort's logout, `POST {base_url}/user/logout` with the token's `Authorization` header and " +
		"`{\"appId\": \"" + AppID + "\", \"jwtToken\": <the token>, \"userId\": <the user ID>}`",
}

// Info declares BienPort.
func (Platform) Info() platform.Info { return info }

// Login signs in to BienPort.
func (Platform) Login(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	base := cr.BaseURLOr(defaultBaseURL)
	resp, err := c.PostJSON(ctx, base+loginPath, struct {
		ScreenName string `json:"screenName"`
		Password   string `json:"password"`
		RememberMe bool   `json:"rememberMe"`
	}{cr.Username, cr.Password, cr.BoolOption(rememberMe)}, nil)
	if err != nil {
		return nil, err
	}
	s, err := resp.Session(httpx.Expect{
		Path: loginPath,
		// BienPort documents 401 (an AuthorizationException) for a wrong
		// user name or password.
		Refused:  func(status int) bool { return status == http.StatusUnauthorized },
		NotFound: "BienPort's base URL ends in /api",
	}, base, decodeLogin)
	if err != nil {
		return nil, err
	}
	s.Username = cmp.Or(s.Username, cr.Username)
	return s, nil
}

// loginResponse is the login answer. The token, the MQTT credentials and
// the organization IDs (which go into the OrganizationId header) are read
// strictly; every other field is optional profile data, read leniently: a
// value in a form that cannot be read is null, with a warning, instead of
// failing the login.
type loginResponse struct {
	Token         *string                    `json:"token"`
	MQUser        string                     `json:"mqUser"`
	MQPassword    string                     `json:"mqPassword"`
	UserID        wire.Lenient[wire.FlexInt] `json:"userId"`
	EmailAddress  wire.Lenient[string]       `json:"emailAddress"`
	ScreenName    wire.Lenient[string]       `json:"screenName"`
	LocaleID      wire.Lenient[string]       `json:"localeId"`
	Roles         wire.Lenient[[]roleAnswer] `json:"roles"`
	Organizations []struct {
		Name wire.Lenient[string] `json:"name"`
		// A number in one vendor example, a string in another.
		ID wire.FlexString `json:"id"`
	} `json:"organizations"`
	OrganizationIDs []wire.FlexString              `json:"organizationIds"`
	Resources       wire.Lenient[[]resourceAnswer] `json:"resources"`
}

type roleAnswer struct {
	RoleID    wire.FlexInt `json:"roleId"`
	RoleName  string       `json:"roleName"`
	Type      wire.FlexInt `json:"type"`
	Inherited bool         `json:"inherited"`
	TypePK    wire.FlexInt `json:"typePK"`
	TypeName  string       `json:"typeName"`
}

type resourceAnswer struct {
	ResourceID    wire.FlexInt `json:"resourceId"`
	NetworkID     string       `json:"networkId"`
	ResourceName  string       `json:"resourceName"`
	Enabled       bool         `json:"enabled"`
	TreePath      string       `json:"treePath"`
	OrgID         wire.FlexInt `json:"orgId"`
	ResourceType  string       `json:"resourceType"`
	DeviceSubType string       `json:"deviceSubType"`
}

// decodeLogin decodes a login answer into a Session.
func decodeLogin(body []byte, contentType string, now time.Time) (*platform.Session, error) {
	var r loginResponse
	if err := wire.DecodeJSON(body, contentType, &r); err != nil {
		return nil, err
	}
	token, err := wire.Token("token", r.Token)
	if err != nil {
		return nil, err
	}
	// BienPort's token is documented as a bare JWT; whether the platform
	// also accepts it without the "Bearer " prefix is not, so we always
	// send the prefix, and drop one the answer carries (with the white
	// space after it: "Bearer  x" is the token "x", "Bearer" alone none).
	if len(token) >= 6 && strings.EqualFold(token[:6], "Bearer") && (len(token) == 6 || token[6] == ' ' || token[6] == '\t') {
		token = strings.TrimSpace(token[6:])
	}
	if token == "" {
		return nil, platform.Malformed("token", "the \"token\" field holds only the \"Bearer\" prefix")
	}
	s := &platform.Session{
		Platform:     info.Name,
		Username:     r.ScreenName.Value,
		Token:        token,
		TokenType:    "Bearer",
		ObtainedAt:   now,
		MQTTUsername: r.MQUser,
		MQTTPassword: r.MQPassword,
	}
	var warn wire.Warnings
	userID := ""
	if r.UserID.Set && r.UserID.Value.Set {
		userID = strconv.FormatInt(r.UserID.Value.Value, 10)
	}
	if claims, err := jwtclaims.Parse(token); err == nil {
		if exp, ok := jwtclaims.Expiry(claims); ok {
			s.ExpiresAt = exp
		}
		if sub, ok := jwtclaims.DecodeNestedSubject(claims); ok && userID == "" {
			if n, ok := sub["userid"].(json.Number); ok {
				userID = n.String()
			}
		}
	}

	// An organization ID goes into the OrganizationId header: a number
	// with a fraction is no ID, and no guess is made. (FlexString has made
	// 2.0635e4 the ID 20635.)
	for _, id := range r.OrganizationIDs {
		if id.Set && wire.NotWhole(id.Value) {
			return nil, platform.Malformed("organizationIds", "\"organizationIds\" holds a number that is not a whole number")
		}
	}
	for _, o := range r.Organizations {
		if o.ID.Set && wire.NotWhole(o.ID.Value) {
			return nil, platform.Malformed("organizations.id", "an organization's \"id\" is a number that is not a whole number")
		}
	}
	// A userId that is not a number is ignored (the token's subject may
	// still give the ID); the warning is for a user_id left null.
	warn.Check(r.UserID.Bad && userID == "", "userId", "a number", "user_id")
	warn.Check(r.ScreenName.Bad, "screenName", "a string", "user_name", "bienport.screen_name")
	warn.Check(r.EmailAddress.Bad, "emailAddress", "a string", "email")
	warn.Check(r.LocaleID.Bad, "localeId", "a string", "bienport.locale_id")
	warn.Check(r.Roles.Bad, "roles", "a list of roles", "roles", "bienport.roles")
	warn.Check(r.Resources.Bad, "resources", "a list of resources", "bienport.resources")

	var orgIDs []string
	seen := map[string]bool{}
	for _, id := range r.OrganizationIDs {
		if id.Set && !seen[id.Value] {
			seen[id.Value] = true
			orgIDs = append(orgIDs, id.Value)
		}
	}
	orgs := make([]map[string]any, 0, len(r.Organizations))
	badName := false
	for _, o := range r.Organizations {
		badName = badName || o.Name.Bad
		orgs = append(orgs, map[string]any{"id": o.ID.Value, "name": o.Name.Value})
		if o.ID.Set && !seen[o.ID.Value] {
			seen[o.ID.Value] = true
			orgIDs = append(orgIDs, o.ID.Value)
		}
	}
	warn.Check(badName, "organizations.name", "a string", "bienport.organizations.name")
	extras := map[string]any{
		"screen_name":   r.ScreenName.Value,
		"locale_id":     r.LocaleID.Value,
		"organizations": orgs,
	}
	var roles []string
	if !r.Roles.Bad {
		roleDetails := make([]map[string]any, 0, len(r.Roles.Value))
		for _, rl := range r.Roles.Value {
			roles = append(roles, rl.RoleName)
			roleDetails = append(roleDetails, map[string]any{
				"role_id": rl.RoleID.Value, "role_name": rl.RoleName, "type": rl.Type.Value,
				"inherited": rl.Inherited, "type_pk": rl.TypePK.Value, "type_name": rl.TypeName,
			})
		}
		extras["roles"] = roleDetails
	}
	if !r.Resources.Bad {
		resources := make([]map[string]any, 0, len(r.Resources.Value))
		for _, res := range r.Resources.Value {
			resources = append(resources, map[string]any{
				"resource_id": res.ResourceID.Value, "network_id": res.NetworkID, "resource_name": res.ResourceName,
				"enabled": res.Enabled, "tree_path": res.TreePath, "org_id": res.OrgID.Value,
				"resource_type": res.ResourceType, "device_sub_type": res.DeviceSubType,
			})
		}
		extras["resources"] = resources
	}
	s.Profile = platform.Profile{
		UserID:          userID,
		UserName:        r.ScreenName.Value,
		Email:           r.EmailAddress.Value,
		OrganizationIDs: orgIDs,
		Roles:           roles,
		Permissions:     map[string][]string{},
		Extras:          extras,
	}
	s.Warnings = warn
	s.Headers = map[string]string{"Authorization": s.AuthorizationHeader()}
	if len(orgIDs) > 0 {
		// Which organization to send for a user with several is not
		// documented; the first one the login lists is the stable choice.
		s.Profile.OrganizationID = orgIDs[0]
	}
	if id := s.Profile.OrganizationID; id != "" {
		s.Headers["OrganizationId"] = id
	}
	return s, nil
}

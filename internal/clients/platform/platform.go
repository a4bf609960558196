// Package platform holds the types that every platform client shares: the
// credentials a login needs, the Session it returns, the decoded Profile and
// the typed errors callers can tell apart. It imports no Terraform package.
package platform

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Name identifies one of the supported IoT platforms.
type Name string

// The supported platforms.
const (
	Monogoto Name = "monogoto"
	Coiote   Name = "coiote"
	Bienport Name = "bienport"
)

// Names lists the supported platforms in a stable order.
func Names() []Name { return []Name{Monogoto, Coiote, Bienport} }

// Title is the platform's human name, used in messages.
func (n Name) Title() string {
	switch n {
	case Monogoto:
		return "Monogoto"
	case Coiote:
		return "Coiote IoT DM"
	case Bienport:
		return "BienPort"
	}
	return string(n)
}

// Default public base URLs. Every one is configurable.
const (
	DefaultMonogotoBaseURL = "https://console.monogoto.io"
	DefaultCoioteBaseURL   = "https://eu.iot.avsystem.cloud"
	DefaultBienportBaseURL = "https://apigw.bienport.com/api"
	// DefaultMonogotoV1BaseURL is the host of Monogoto's newer v1 API.
	DefaultMonogotoV1BaseURL = "https://api.monogoto.io"
)

// DefaultBaseURL returns the public base URL of a platform.
func DefaultBaseURL(n Name) string {
	switch n {
	case Monogoto:
		return DefaultMonogotoBaseURL
	case Coiote:
		return DefaultCoioteBaseURL
	case Bienport:
		return DefaultBienportBaseURL
	}
	return ""
}

// Credentials is what one login needs.
type Credentials struct {
	Platform Name
	BaseURL  string
	Username string
	Password string
	// RememberMe asks BienPort for a 3-month token instead of a 3-hour one.
	RememberMe bool

	// MonogotoAPI selects Monogoto's API: "" or MonogotoLegacy for the
	// console API (POST /Auth), MonogotoV1 for api.monogoto.io (/v1/auth/token).
	MonogotoAPI string

	// ClientID, ClientSecret and Realm select Coiote's IAM client-credentials
	// grant (service accounts for SSO organisations) instead of the password
	// grant. Username and Password are then unused.
	ClientID     string
	ClientSecret string
	Realm        string
}

// Monogoto API selectors for Credentials.MonogotoAPI.
const (
	MonogotoLegacy = "legacy"
	MonogotoV1     = "v1"
)

// Principal is the account name used in messages and cache keys: the user
// name, or the client ID for a Coiote service account.
func (c Credentials) Principal() string {
	if c.ClientID != "" {
		return c.ClientID
	}
	return c.Username
}

// String never includes the password or client secret.
func (c Credentials) String() string {
	return fmt.Sprintf("%s credentials for %q at %s", c.Platform.Title(), c.Principal(), c.BaseURL)
}

// GoString has the same purpose as String for %#v.
func (c Credentials) GoString() string { return c.String() }

// Session is the result of one successful login. It holds secrets: never log
// it, never put it in an error, and never copy its secret fields into state.
type Session struct {
	Platform Name
	BaseURL  string
	Username string

	Token     string
	TokenType string
	// ExpiresAt is zero when the platform does not say when the token expires.
	ExpiresAt time.Time
	// ObtainedAt is when the login answered.
	ObtainedAt time.Time

	RefreshToken string // Monogoto only
	MQTTUsername string // BienPort only
	MQTTPassword string // BienPort only

	Profile Profile
}

// AuthorizationHeader is the value of the Authorization header for API calls.
func (s *Session) AuthorizationHeader() string {
	tt := s.TokenType
	if tt == "" {
		tt = "Bearer"
	}
	return tt + " " + s.Token
}

// Headers returns the headers a consumer needs on every API call: the
// Authorization header plus the platform's extra header (Monogoto's apikey,
// BienPort's OrganizationId) when the account has a value for it.
func (s *Session) Headers() map[string]string {
	h := map[string]string{"Authorization": s.AuthorizationHeader()}
	switch s.Platform {
	case Monogoto:
		if s.Profile.CustomerID != "" {
			h["apikey"] = s.Profile.CustomerID
		}
	case Bienport:
		if id := s.Profile.PrimaryOrganizationID(); id != "" {
			h["OrganizationId"] = id
		}
	}
	return h
}

// Profile is the non-secret account information a login (or Coiote's users
// endpoint) returns. Nothing in it is secret: it may land in Terraform state.
type Profile struct {
	UserID     string
	UserName   string
	Email      string
	CustomerID string
	// OrganizationID is the account's primary organization, when it has one.
	OrganizationID  string
	OrganizationIDs []string
	Roles           []string
	// Permissions maps a permission name to its actions. Platforms whose
	// permissions carry no actions (Coiote) map each name to an empty list.
	Permissions map[string][]string

	Monogoto *MonogotoExtras
	Coiote   *CoioteExtras
	Bienport *BienportExtras
}

// PrimaryOrganizationID is the organization used for headers that need one:
// the explicit OrganizationID when set, else the first of OrganizationIDs.
// BienPort does not document which organization to send for a user with
// several; the first one the login lists is the defensive, stable choice.
func (p *Profile) PrimaryOrganizationID() string {
	if p.OrganizationID != "" {
		return p.OrganizationID
	}
	if len(p.OrganizationIDs) > 0 {
		return p.OrganizationIDs[0]
	}
	return ""
}

// PermissionNames returns the permission names sorted.
func (p *Profile) PermissionNames() []string {
	names := make([]string, 0, len(p.Permissions))
	for k := range p.Permissions {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// MonogotoExtras are the Monogoto-only profile fields.
type MonogotoExtras struct {
	Realm                   string
	RoleProfileID           string
	ProfileName             string
	ProfileType             string
	TwoFactorAuthentication bool
	ThingsGroupIDs          []string
	ProfileCreated          time.Time
	ProfileModified         time.Time
}

// CoioteExtras are the Coiote-only profile fields.
type CoioteExtras struct {
	Login            string
	Domain           string
	Active           bool
	SuperUser        bool
	Staff            bool
	FullName         string
	ExpirationDate   string
	CreationDate     string
	SecurityPolicyID string
	Properties       map[string]string
}

// BienportExtras are the BienPort-only profile fields.
type BienportExtras struct {
	ScreenName    string
	LocaleID      string
	Organizations []BienportOrganization
	Resources     []BienportResource
	RoleDetails   []BienportRole
}

// BienportOrganization is one organization the user belongs to.
type BienportOrganization struct {
	ID   string
	Name string
}

// BienportRole is one role of a BienPort user.
type BienportRole struct {
	RoleID    int64
	RoleName  string
	Type      int64
	Inherited bool
	TypePK    int64
	TypeName  string
}

// BienportResource is one gateway or device visible to a BienPort user.
type BienportResource struct {
	ResourceID    int64
	NetworkID     string
	ResourceName  string
	Enabled       bool
	TreePath      string
	OrgID         int64
	ResourceType  string
	DeviceSubType string
}

// String never includes secrets; it exists so that a Session printed by
// mistake (%v) shows nothing sensitive. It has a value receiver so that a
// Session value (a dereferenced pointer, or a field of another struct) is
// covered as well as a *Session.
func (s Session) String() string {
	exp := "unknown"
	if !s.ExpiresAt.IsZero() {
		exp = s.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("%s session for %q (expires %s)", s.Platform.Title(), s.Username, exp)
}

// GoString has the same purpose as String for %#v.
func (s Session) GoString() string { return s.String() }

// NormalizeBaseURL trims white space and trailing slashes.
func NormalizeBaseURL(u string) string {
	return strings.TrimRight(strings.TrimSpace(u), "/")
}

// Package platform holds the types that every platform package and the
// provider share: what a platform declares about itself (Info), the
// credentials a login needs, the Session it returns, the Profile and the
// typed errors callers can tell apart. It imports no Terraform package.
//
// The Platform interface itself lives in package clients, next to the one
// registry list, because its Login takes the shared HTTP client.
package platform

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Name identifies a platform: "monogoto", "coiote", "bienport". It is the
// value of the `platform` argument, the provider block's attribute and the
// middle of the IOTAUTH_<NAME>_* environment variables.
type Name string

// CredentialKind is one way of signing in that a platform accepts.
type CredentialKind string

// The credential kinds. Each has fixed attribute names in the provider
// block and in the iotauth_token block.
const (
	// Password: `username` and `password`.
	Password CredentialKind = "password"
	// ClientCredentials: `client_id` and `client_secret` (OAuth 2.0
	// client-credentials grant, e.g. Coiote's IAM service accounts).
	ClientCredentials CredentialKind = "client_credentials"
	// APIKey: `api_key` alone, a long-lived secret sent with every call
	// instead of a token from a login (e.g. ThingsBoard's API keys). It
	// names no principal: messages call it "API key".
	APIKey CredentialKind = "api_key"
)

// Info is what a platform declares about itself. The provider derives the
// platform's schema attributes, environment variables, validators,
// documentation and profile extras from it; nothing outside the platform's
// package switches on its name.
type Info struct {
	Name  Name
	Title string // human name, used in messages: "Coiote IoT DM"
	// Description documents the provider block's nested attribute.
	Description string
	// DefaultBaseURL is used when no base_url is configured. A platform
	// whose default depends on a setting (Monogoto's api_version) resolves
	// it in Login, which receives an empty Credentials.BaseURL.
	DefaultBaseURL string
	// BaseURLDefaultDoc documents the default (and other public bases) in
	// Markdown, e.g. "`https://apigw.bienport.com/api` (another tenant: ...)".
	BaseURLDefaultDoc string
	// UsernameDoc says what the user name is, e.g. "the account's e-mail address".
	UsernameDoc string
	// HeadersDoc lists, in Markdown, the headers Session.Headers holds,
	// e.g. "`Authorization`, and `apikey` (the customer ID) when the
	// account has one".
	HeadersDoc string
	// Credentials lists the credential kinds the platform accepts, the
	// usual one first.
	Credentials []CredentialKind
	// Settings are the platform's own settings beyond base_url and the
	// credentials (Monogoto's api_version, BienPort's remember_me).
	Settings []Setting
	// ProfileFields describe Profile.Extras: the data source's nested
	// attribute named after the platform.
	ProfileFields []Field
	// ProfileDoc documents that nested attribute.
	ProfileDoc string
	// LifetimeDoc says, in one or two sentences of Markdown, how long the
	// platform's tokens last and what makes them last longer, e.g. "Tokens
	// last 3 hours, or 3 months with `remember_me = true`." The provider
	// repeats it where a token is too short-lived for what a block asks.
	LifetimeDoc string
	// Revokes lists the credential kinds whose tokens the platform can
	// revoke (the platform package then implements clients.Revoker); none
	// means it documents no way to revoke a token.
	Revokes []CredentialKind
	// RevokeDoc documents, in Markdown, what revoking sends, e.g.
	// "`POST {base_url}/user/logout`".
	RevokeDoc string
}

// CanRevoke reports whether the platform can revoke tokens obtained with
// credential kind k.
func (i Info) CanRevoke(k CredentialKind) bool {
	for _, c := range i.Revokes {
		if c == k {
			return true
		}
	}
	return false
}

// Need is what a caller needs of a session beyond the credentials.
type Need struct {
	// MinValidity is how long the token must stay valid from now, by its
	// own expiry. A token whose expiry the platform does not reveal counts
	// as valid for the session cache's maximum age after its login. Zero
	// asks only for the cache's usual margin before expiry.
	MinValidity time.Duration
}

// Accepts reports whether the platform accepts credential kind k.
func (i Info) Accepts(k CredentialKind) bool {
	for _, c := range i.Credentials {
		if c == k {
			return true
		}
	}
	return false
}

// Setting returns the declared setting called name.
func (i Info) Setting(name string) (Setting, bool) {
	for _, s := range i.Settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// Setting is a platform-specific setting of the provider block, with an
// environment variable IOTAUTH_<PLATFORM>_<NAME in upper case>.
type Setting struct {
	Name string
	// Bool: a true/false setting; otherwise a string. Values travel as
	// strings in Credentials.Options ("true"/"false" for booleans).
	Bool bool
	// Description in Markdown, without the environment/default sentence.
	Description string
	// Default value ("" means none); DefaultDoc documents it when the
	// plain value would not say enough.
	Default    string
	DefaultDoc string
	// OneOf restricts a string setting to these values.
	OneOf []string
	// PerBlock: the iotauth_token block may override it (remember_me).
	PerBlock bool
}

// Credentials is what one login needs. Only the fields of one credential
// kind are set.
type Credentials struct {
	Platform Name
	// BaseURL is the configured base URL, normalised; empty means the
	// platform's default.
	BaseURL string

	Username string
	Password string

	ClientID     string
	ClientSecret string

	APIKey string

	// Options holds the platform's declared settings by name, resolved
	// (configuration, environment, default). Booleans are "true"/"false".
	Options map[string]string
}

// Kind is the credential kind these credentials use: an API key when one
// is set, else client credentials when either half is set, else a password.
func (c Credentials) Kind() CredentialKind {
	switch {
	case c.APIKey != "":
		return APIKey
	case c.ClientID != "" || c.ClientSecret != "":
		return ClientCredentials
	}
	return Password
}

// Principal is the account name used in messages: the user name, the
// client ID of client credentials, or "" for an API key, which names no
// account (messages say "API key" instead).
func (c Credentials) Principal() string {
	switch c.Kind() {
	case APIKey:
		return ""
	case ClientCredentials:
		return c.ClientID
	}
	return c.Username
}

// BaseURLOr is the configured base URL, normalised, or def when none is
// configured (the platform's default).
func (c Credentials) BaseURLOr(def string) string {
	if b := NormalizeBaseURL(c.BaseURL); b != "" {
		return b
	}
	return def
}

// Option returns a declared setting's value ("" when unset).
func (c Credentials) Option(name string) string { return c.Options[name] }

// BoolOption reports whether a boolean setting is "true".
func (c Credentials) BoolOption(name string) bool { return c.Options[name] == "true" }

// Secrets lists the credentials' secrets (for masking and leak checks).
func (c Credentials) Secrets() []string { return []string{c.Password, c.ClientSecret, c.APIKey} }

// String never includes the password, client secret or API key.
func (c Credentials) String() string {
	if c.Kind() == APIKey {
		return fmt.Sprintf("%s API key credentials at %s", c.Platform, c.BaseURL)
	}
	return fmt.Sprintf("%s credentials for %s at %s", c.Platform, QuoteName(c.Principal()), c.BaseURL)
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
	// Headers are what a consumer sends on every API call: the
	// authorization header (Authorization, or the platform's own such as
	// ThingsBoard's X-Authorization) plus the platform's extras
	// (Monogoto's apikey, BienPort's OrganizationId). Set by the
	// platform's Login.
	Headers map[string]string
	// ExpiresAt is zero when the platform does not say when the token expires.
	ExpiresAt time.Time
	// ObtainedAt is when the login answered.
	ObtainedAt time.Time

	RefreshToken string
	MQTTUsername string
	MQTTPassword string

	Profile Profile
	// Warnings are about optional fields of the answer that came in a form
	// that could not be read: they are null in the profile, and the
	// provider shows each as a warning.
	Warnings []Warning
}

// Warning says that an optional field of a platform's answer could not be
// read and which result attributes are null because of it. Every part is a
// constant of the platform package (never text the platform sent), so a
// warning holds no secret.
type Warning struct {
	// Field is the field as the platform names it: "userId".
	Field string
	// Want is what it should have been: "a number".
	Want string
	// Null lists the result attributes left null: "user_id",
	// "bienport.roles".
	Null []string
}

// Type is the session's token type, "Bearer" when the platform gave none.
func (s *Session) Type() string {
	if s.TokenType == "" {
		return "Bearer"
	}
	return s.TokenType
}

// AuthorizationHeader is the token type, a space and the token: the value
// of the platform's authorization header ("ApiKey <key>" for a session
// that uses an API key).
func (s *Session) AuthorizationHeader() string {
	return s.Type() + " " + s.Token
}

// Secrets lists the session's secrets (for masking and leak checks).
func (s *Session) Secrets() []string {
	return []string{s.Token, s.RefreshToken, s.MQTTPassword, s.AuthorizationHeader()}
}

// String never includes secrets; it exists so that a Session printed by
// mistake (%v) shows nothing sensitive. It has a value receiver so that a
// Session value is covered as well as a *Session.
func (s Session) String() string {
	exp := "unknown"
	if !s.ExpiresAt.IsZero() {
		exp = s.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("%s session for %s (expires %s)", s.Platform, QuoteName(s.Username), exp)
}

// GoString has the same purpose as String for %#v.
func (s Session) GoString() string { return s.String() }

// Profile is the non-secret account information. Nothing in it is secret:
// it lands in Terraform state.
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
	// permissions carry no actions map each name to an empty list.
	Permissions map[string][]string
	// Extras are the platform's own fields, as declared by
	// Info.ProfileFields (see Field for the Go type of each FieldType). A
	// missing key is null; a nil map means the platform returned no
	// profile at all (Monogoto's v1 API), and the whole set is null.
	Extras map[string]any
}

// PrimaryOrganizationID is the explicit OrganizationID when set, else the
// first of OrganizationIDs.
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

// FieldType is the type of a profile extra.
type FieldType int

// The field types and the Go value each takes in Profile.Extras.
const (
	String     FieldType = iota // string; "" is null
	Bool                        // bool
	Int                         // int64
	Time                        // time.Time, shown as RFC 3339 (UTC); zero is null
	StringList                  // []string; nil is an empty list
	StringMap                   // map[string]string; nil is an empty map
	ObjectList                  // []map[string]any, each element described by Field.Fields
)

// Field describes one profile extra.
type Field struct {
	Name        string
	Type        FieldType
	Description string
	Fields      []Field // ObjectList only
}

// NormalizeBaseURL trims white space and trailing slashes.
func NormalizeBaseURL(u string) string {
	return strings.TrimRight(strings.TrimSpace(u), "/")
}

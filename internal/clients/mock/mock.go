// Package mock runs local stand-ins for the three platforms' login APIs
// (Monogoto, AVSystem Coiote IoT DM and BienPort), built from
// ../shared/PLATFORMS.md and the vendor pages it cites, quirks included:
// Monogoto's non-JSON 404 `{ Access denied }`, Coiote's 201 and string
// `expires_in`, BienPort's HS512 JWT whose `sub` is a string holding JSON and
// its organization IDs that are numbers for one account and strings for
// another.
//
// The package is plain Go (no Terraform import) so that tests in any package
// and the cmd/iotauth-mock binary can use it:
//
//	srv, err := mock.Start(mock.DefaultConfig())
//	if err != nil { ... }
//	defer srv.Close()
//	base := srv.BaseURL(platform.Monogoto)
//
// Each platform gets its own listener. Tests can inject faults (SetFault),
// rate limits (SetLoginRateLimit), read per-endpoint request counts (Count)
// and the requests themselves (ReceivedRequests), expire tokens without
// sleeping (AdvanceClock, RevokeTokens), and list every secret the server
// ever issued (IssuedSecrets) or holds (Passwords) to prove that none of
// them leaks. Opaque secrets start with TokenPrefix and JWTs with
// JWTHeaderPrefix, so a leak search can also look for those.
//
// Every listener also serves two unauthenticated admin endpoints, which are
// neither counted nor subject to faults:
//
//	GET  /__mock/counts  JSON object of endpoint name -> request count for
//	                     this platform, plus "total"
//	POST /__mock/reset   sets this platform's counters to zero and forgets
//	                     its recorded requests (204 No Content)
//
// Decisions where the public documentation is silent (PLATFORMS.md asks that
// they be written down):
//   - Paths are case sensitive and methods are exact: `POST /auth` or
//     `GET /Auth` answer 404, like any unknown path. JSON keys are exact too
//     (`{"username": ...}` is not Monogoto's `{"UserName": ...}`: 400), and
//     user names are compared exactly.
//   - Two-factor authentication: an account whose TwoFactorAuthentication
//     flag is true still logs in with user name and password alone; the flag
//     only appears in the answer. There is no lockout.
//   - BienPort requires the `Bearer ` prefix on authorized endpoints, and the
//     OrganizationId header must name one of the user's organizations (any of
//     them).
//   - Rate limits count every attempt (successful or not) per client IP in a
//     sliding window; refused attempts do not count.
package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Default lifetimes and limits, as documented (or assumed) for the real
// platforms.
const (
	DefaultCoioteTokenLifetime        = 300 * time.Second
	DefaultBienportLifetime           = 3 * time.Hour
	DefaultBienportRememberMeLifetime = 90 * 24 * time.Hour
	DefaultMonogotoTokenLifetime      = 4 * time.Hour
	DefaultMonogotoRefreshLifetime    = 24 * time.Hour
	DefaultMonogotoV1RateLimit        = 5
	DefaultMonogotoV1RateWindow       = 60 * time.Second
	DefaultListenHost                 = "127.0.0.1"
)

// Config describes the accounts and behaviour of a mock server. Zero values
// mean the defaults above. LoadConfigFile reads the same shape from JSON;
// the JSON key of every field is given in its comment.
type Config struct {
	// Monogoto ("monogoto") are the console users; the v1 API accepts the
	// same user names and passwords.
	Monogoto []MonogotoAccount `json:"monogoto"`
	// Coiote ("coiote") are the password-grant users.
	Coiote []CoioteAccount `json:"coiote"`
	// Bienport ("bienport") are the BienPort users.
	Bienport []BienportAccount `json:"bienport"`
	// CoioteClients ("coiote_clients") are the IAM service accounts.
	CoioteClients []CoioteClient `json:"coiote_clients"`

	// CoioteTokenLifetime ("coiote_token_lifetime", e.g. "300s") is the
	// lifetime of Coiote access tokens; the login answers it as the string
	// "expires_in" ("300") and the IAM grant as a number (300).
	CoioteTokenLifetime time.Duration `json:"-"`
	// BienportLifetime ("bienport_lifetime", default "3h") and
	// BienportRememberMeLifetime ("bienport_remember_me_lifetime", default
	// "2160h", 90 days) are the BienPort token lifetimes.
	BienportLifetime           time.Duration `json:"-"`
	BienportRememberMeLifetime time.Duration `json:"-"`
	// MonogotoTokenLifetime ("monogoto_token_lifetime", default "4h") is
	// the lifetime of Monogoto access tokens (console and v1). Tokens are
	// JWTs with that `exp` unless MonogotoOpaqueTokens
	// ("monogoto_opaque_tokens") asks for opaque ones, whose expiry a client
	// cannot know. The server enforces the lifetime either way.
	MonogotoTokenLifetime time.Duration `json:"-"`
	MonogotoOpaqueTokens  bool          `json:"monogoto_opaque_tokens"`
	// MonogotoRefreshLifetime ("monogoto_refresh_lifetime", default "24h")
	// is the lifetime of v1 refresh tokens.
	MonogotoRefreshLifetime time.Duration `json:"-"`
	// MonogotoV1RateLimit ("monogoto_v1_rate_limit") is how many v1 login
	// or refresh calls one client IP may make per MonogotoV1RateWindow
	// ("monogoto_v1_rate_window", default "60s"): 0 means the documented 5,
	// a negative value turns the limit off.
	MonogotoV1RateLimit  int           `json:"monogoto_v1_rate_limit"`
	MonogotoV1RateWindow time.Duration `json:"-"`

	// TLS ("tls") serves HTTPS with a self-signed certificate generated at
	// start for 127.0.0.1, ::1, localhost and ListenHost; see CACertPEM.
	TLS bool `json:"tls"`
	// ListenHost ("listen_host", default "127.0.0.1") is the address every
	// listener binds.
	ListenHost string `json:"listen_host"`
	// Ports ("ports", e.g. {"monogoto": 18080}) fixes listener ports; a
	// missing entry or 0 picks a free port.
	Ports map[platform.Name]int `json:"ports"`
	// Latency ("latency", e.g. "20ms") is added to every request (not to
	// the /__mock admin endpoints), for benchmarks.
	Latency time.Duration `json:"-"`
}

// MonogotoAccount is a Monogoto console user. The JSON keys are snake case
// versions of the field names ("user_name", "customer_id", ...).
type MonogotoAccount struct {
	UserName       string `json:"user_name"`
	Password       string `json:"password"`
	CustomerID     string `json:"customer_id"`
	UserID         string `json:"user_id"`
	Role           string `json:"role"`
	Realm          string `json:"realm"`
	OrganizationID string `json:"organization_id"`
	// TwoFactorAuthentication is reported in AccountSettings only.
	TwoFactorAuthentication bool                `json:"two_factor_authentication"`
	ThingsGroupIDs          []string            `json:"things_group_ids"`
	Profile                 MonogotoUserProfile `json:"user_profile"`
}

// MonogotoUserProfile is the UserProfile object of a Monogoto login answer.
type MonogotoUserProfile struct {
	// Permissions maps a permission name to its actions ("view", "edit",
	// "delete").
	Permissions map[string][]string `json:"permissions"`
	// DateCreated and DateModified are epoch milliseconds.
	DateCreated   int64  `json:"date_created"`
	DateModified  int64  `json:"date_modified"`
	Name          string `json:"name"`
	Realm         string `json:"realm"`
	Type          string `json:"type"`
	UserProfileID string `json:"user_profile_id"`
	CAS           string `json:"cas"`
}

// CoioteAccount is a Coiote IoT DM user (password grant).
type CoioteAccount struct {
	Login     string `json:"login"`
	Password  string `json:"password"`
	UserID    string `json:"user_id"`
	Active    bool   `json:"active"`
	SuperUser bool   `json:"super_user"`
	Staff     bool   `json:"staff"`
	Domain    string `json:"domain"`
	// ExpirationDate is answered as null when empty.
	ExpirationDate string            `json:"expiration_date"`
	CreationDate   string            `json:"creation_date"`
	Roles          []string          `json:"roles"`
	Permissions    []string          `json:"permissions"`
	FullName       string            `json:"full_name"`
	Email          string            `json:"email"`
	Properties     map[string]string `json:"properties"`
	// AccessSchedule is answered verbatim (null when empty); its real shape
	// is not publicly documented.
	AccessSchedule   json.RawMessage `json:"access_schedule"`
	SecurityPolicyID string          `json:"security_policy_id"`
}

// CoioteClient is a Coiote IAM service account (client-credentials grant).
type CoioteClient struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Realm        string `json:"realm"`
}

// BienportAccount is a BienPort user.
type BienportAccount struct {
	ScreenName      string                 `json:"screen_name"`
	Password        string                 `json:"password"`
	UserID          int64                  `json:"user_id"`
	EmailAddress    string                 `json:"email_address"`
	LocaleID        string                 `json:"locale_id"`
	MQUser          string                 `json:"mq_user"`
	Roles           []BienportRole         `json:"roles"`
	Organizations   []BienportOrganization `json:"organizations"`
	OrganizationIDs []int64                `json:"organization_ids"`
	Resources       []BienportResource     `json:"resources"`
}

// BienportRole is one role in a BienPort login answer.
type BienportRole struct {
	RoleID    int64  `json:"roleId"`
	RoleName  string `json:"roleName"`
	Type      int64  `json:"type"`
	Inherited bool   `json:"inherited"`
	TypePK    int64  `json:"typePK"`
	TypeName  string `json:"typeName,omitempty"`
}

// BienportOrganization is one organization of a BienPort user. The answer
// writes its id as a JSON number, or as a string when IDAsString is set
// (the two vendor examples disagree).
type BienportOrganization struct {
	Name       string `json:"name"`
	ID         int64  `json:"id"`
	IDAsString bool   `json:"id_as_string"`
}

// BienportResource is one gateway or device in a BienPort login answer.
type BienportResource struct {
	ResourceID    int64  `json:"resourceId"`
	NetworkID     string `json:"networkId"`
	ResourceName  string `json:"resourceName"`
	Enabled       bool   `json:"enabled"`
	TreePath      string `json:"treePath"`
	OrgID         int64  `json:"orgId"`
	ResourceType  string `json:"resourceType"`
	DeviceSubType string `json:"deviceSubType"`
}

// DefaultConfig returns the seeded accounts (see seeds.go) with the default
// lifetimes, plain HTTP on 127.0.0.1 and free ports.
func DefaultConfig() Config {
	return seedAccounts().withDefaults()
}

// withDefaults fills zero durations, limits and the listen host.
func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.CoioteTokenLifetime, DefaultCoioteTokenLifetime)
	def(&c.BienportLifetime, DefaultBienportLifetime)
	def(&c.BienportRememberMeLifetime, DefaultBienportRememberMeLifetime)
	def(&c.MonogotoTokenLifetime, DefaultMonogotoTokenLifetime)
	def(&c.MonogotoRefreshLifetime, DefaultMonogotoRefreshLifetime)
	def(&c.MonogotoV1RateWindow, DefaultMonogotoV1RateWindow)
	if c.MonogotoV1RateLimit == 0 {
		c.MonogotoV1RateLimit = DefaultMonogotoV1RateLimit
	}
	if c.ListenHost == "" {
		c.ListenHost = DefaultListenHost
	}
	return c
}

// fileConfig is Config's JSON form: durations are strings ("300s", "3h")
// or numbers of seconds.
type fileConfig struct {
	Config
	CoioteTokenLifetime        *Duration `json:"coiote_token_lifetime"`
	BienportLifetime           *Duration `json:"bienport_lifetime"`
	BienportRememberMeLifetime *Duration `json:"bienport_remember_me_lifetime"`
	MonogotoTokenLifetime      *Duration `json:"monogoto_token_lifetime"`
	MonogotoRefreshLifetime    *Duration `json:"monogoto_refresh_lifetime"`
	MonogotoV1RateWindow       *Duration `json:"monogoto_v1_rate_window"`
	Latency                    *Duration `json:"latency"`
}

// Duration is a time.Duration read from JSON as a Go duration string
// ("1m30s") or a number of seconds.
type Duration time.Duration

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return errors.New("a duration must be a string such as \"300s\" or a number of seconds")
	}
	*d = Duration(time.Duration(f * float64(time.Second)))
	return nil
}

// LoadConfigFile reads a JSON configuration. It starts from DefaultConfig:
// a key that is present replaces that part entirely (an account list
// replaces all the seeded accounts of that platform), a missing key keeps
// the default. Unknown keys are an error, to catch typos. Keys: "monogoto",
// "coiote", "bienport", "coiote_clients" (account lists; see the account
// types for their keys), "coiote_token_lifetime", "bienport_lifetime",
// "bienport_remember_me_lifetime", "monogoto_token_lifetime",
// "monogoto_refresh_lifetime", "monogoto_v1_rate_window", "latency"
// (durations), "monogoto_opaque_tokens", "tls" (booleans),
// "monogoto_v1_rate_limit" (number), "listen_host" (string) and "ports"
// (object of platform name to port).
func LoadConfigFile(path string) (Config, error) {
	b, err := os.ReadFile(path) //nolint:gosec // G304: the path is the operator's own -config flag.
	if err != nil {
		return Config{}, err
	}
	fc := fileConfig{Config: DefaultConfig()}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return Config{}, fmt.Errorf("mock config %s: %w", path, err)
	}
	cfg := fc.Config
	set := func(dst *time.Duration, v *Duration) {
		if v != nil {
			*dst = time.Duration(*v)
		}
	}
	set(&cfg.CoioteTokenLifetime, fc.CoioteTokenLifetime)
	set(&cfg.BienportLifetime, fc.BienportLifetime)
	set(&cfg.BienportRememberMeLifetime, fc.BienportRememberMeLifetime)
	set(&cfg.MonogotoTokenLifetime, fc.MonogotoTokenLifetime)
	set(&cfg.MonogotoRefreshLifetime, fc.MonogotoRefreshLifetime)
	set(&cfg.MonogotoV1RateWindow, fc.MonogotoV1RateWindow)
	set(&cfg.Latency, fc.Latency)
	for name := range cfg.Ports {
		if !knownPlatform(name) {
			return Config{}, fmt.Errorf("mock config %s: unknown platform %q in \"ports\"", path, name)
		}
	}
	return cfg.withDefaults(), nil
}

func knownPlatform(n platform.Name) bool {
	for _, p := range platform.Names() {
		if p == n {
			return true
		}
	}
	return false
}

// validate rejects configurations the server cannot serve unambiguously.
func (c Config) validate() error {
	seen := map[string]bool{}
	check := func(kind, name string) error {
		key := kind + "\x00" + name
		if name == "" {
			return fmt.Errorf("mock config: a %s account has an empty name", kind)
		}
		if seen[key] {
			return fmt.Errorf("mock config: duplicate %s account %q", kind, name)
		}
		seen[key] = true
		return nil
	}
	for _, a := range c.Monogoto {
		if err := check("monogoto", a.UserName); err != nil {
			return err
		}
	}
	for _, a := range c.Coiote {
		if err := check("coiote", a.Login); err != nil {
			return err
		}
	}
	for _, a := range c.CoioteClients {
		if err := check("coiote client", a.Realm+"/"+a.ClientID); err != nil {
			return err
		}
		if a.ClientID == "" || a.Realm == "" {
			return errors.New("mock config: a coiote client needs client_id and realm")
		}
	}
	for _, a := range c.Bienport {
		if err := check("bienport", a.ScreenName); err != nil {
			return err
		}
	}
	for name := range c.Ports {
		if !knownPlatform(name) {
			return fmt.Errorf("mock config: unknown platform %q in Ports", name)
		}
	}
	if strings.ContainsAny(c.ListenHost, "[]") {
		return errors.New("mock config: write an IPv6 listen host without brackets")
	}
	return nil
}

package provider

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/cache"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/coiote"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Environment variables of the shared settings.
const (
	envRequestTimeout = "IOTAUTH_REQUEST_TIMEOUT"
	envMaxRetries     = "IOTAUTH_MAX_RETRIES"
	envRetryMaxWait   = "IOTAUTH_RETRY_MAX_WAIT"
	envCACertPEM      = "IOTAUTH_CA_CERT_PEM"
	envInsecure       = "IOTAUTH_INSECURE"
	envSessionMaxAge  = "IOTAUTH_SESSION_MAX_AGE"
)

// Defaults of the shared settings.
const (
	defaultRequestTimeout = httpx.DefaultTimeout
	defaultMaxRetries     = httpx.DefaultMaxRetries
	defaultRetryMaxWait   = httpx.DefaultRetryMaxWait
	defaultSessionMaxAge  = cache.DefaultMaxAge
)

// platformEnv names one platform's environment variables.
type platformEnv struct {
	baseURL, username, password, apiVersion, rememberMe, clientID, clientSecret, realm string
}

// envNames returns the environment variables of platform p:
// IOTAUTH_<PLATFORM>_<SETTING>.
func envNames(p platform.Name) platformEnv {
	pre := "IOTAUTH_" + strings.ToUpper(string(p)) + "_"
	return platformEnv{
		baseURL:      pre + "BASE_URL",
		username:     pre + "USERNAME",
		password:     pre + "PASSWORD",
		apiVersion:   pre + "API_VERSION",
		rememberMe:   pre + "REMEMBER_ME",
		clientID:     pre + "CLIENT_ID",
		clientSecret: pre + "CLIENT_SECRET",
		realm:        pre + "REALM",
	}
}

// providerModel is the provider block.
type providerModel struct {
	Monogoto       types.Object `tfsdk:"monogoto"`
	Coiote         types.Object `tfsdk:"coiote"`
	Bienport       types.Object `tfsdk:"bienport"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`
	RetryMaxWait   types.String `tfsdk:"retry_max_wait"`
	CACertPEM      types.String `tfsdk:"ca_cert_pem"`
	Insecure       types.Bool   `tfsdk:"insecure"`
	SessionMaxAge  types.String `tfsdk:"session_max_age"`
}

// platformObject returns the provider block's nested attribute for p.
func (m providerModel) platformObject(p platform.Name) types.Object {
	switch p {
	case platform.Monogoto:
		return m.Monogoto
	case platform.Coiote:
		return m.Coiote
	case platform.Bienport:
		return m.Bienport
	}
	return types.ObjectNull(nil)
}

// platformSettings are one platform's resolved provider settings.
type platformSettings struct {
	Name         platform.Name
	BaseURL      string
	Username     string
	Password     string
	RememberMe   bool
	APIVersion   string
	ClientID     string
	ClientSecret string
	Realm        string
	// Unknown is set when a setting of this platform was not known at
	// configure time (it depends on a value known only after apply).
	Unknown bool
}

// Configured reports whether the settings name an account: a user name, or
// a client ID for a Coiote service account.
func (s platformSettings) Configured() bool {
	return s.Username != "" || s.ClientID != ""
}

// Credentials converts the settings for the clients.
func (s platformSettings) Credentials() platform.Credentials {
	return platform.Credentials{
		Platform:     s.Name,
		BaseURL:      s.BaseURL,
		Username:     s.Username,
		Password:     s.Password,
		RememberMe:   s.RememberMe,
		MonogotoAPI:  s.APIVersion,
		ClientID:     s.ClientID,
		ClientSecret: s.ClientSecret,
		Realm:        s.Realm,
	}
}

// httpSettings are the resolved shared HTTP settings.
type httpSettings struct {
	Timeout       time.Duration
	MaxRetries    int
	RetryMaxWait  time.Duration
	CACertPEM     string
	Insecure      bool
	SessionMaxAge time.Duration
	// InsecureFromEnv is set when insecure = true came from IOTAUTH_INSECURE
	// (ValidateConfig already warned about a configured one).
	InsecureFromEnv bool
	// Unknown is set when a shared setting was not known at configure time.
	Unknown bool
}

// resolvedConfig is the provider configuration after the environment
// fallbacks and defaults.
type resolvedConfig struct {
	HTTP      httpSettings
	Platforms map[platform.Name]platformSettings
}

// secrets lists every password and client secret of the configuration.
func (c resolvedConfig) secrets() []string {
	var out []string
	for _, s := range c.Platforms {
		out = append(out, s.Password, s.ClientSecret)
	}
	return out
}

// lookupFunc reads an environment variable (os.LookupEnv in production).
type lookupFunc func(string) (string, bool)

// resolver applies the precedence rule, configuration over environment
// over default, and validates environment values with the same checks as
// the schema validators, naming the variable in its diagnostics.
type resolver struct {
	lookup lookupFunc
	diags  diag.Diagnostics
}

// env returns a non-empty environment value. An empty variable counts as
// unset.
func (r *resolver) env(name string) (string, bool) {
	if name == "" || r.lookup == nil {
		return "", false
	}
	v, ok := r.lookup(name)
	return v, ok && v != ""
}

func (r *resolver) envError(name, problem string) {
	r.diags.AddError("Invalid environment variable", envProblem(name, problem))
}

// str resolves a string setting. check validates an environment value
// (configuration values were validated by the schema at plan time).
func (r *resolver) str(v types.String, env, def string, check func(string) string) (string, bool) {
	if v.IsUnknown() {
		return "", true
	}
	if !v.IsNull() {
		return v.ValueString(), false
	}
	if e, ok := r.env(env); ok {
		if check != nil {
			if p := check(e); p != "" {
				r.envError(env, p)
				return def, false
			}
		}
		return e, false
	}
	return def, false
}

// boolean resolves a boolean setting. fromEnv reports that the value came
// from the environment.
func (r *resolver) boolean(v types.Bool, env string, def bool) (val, unknown, fromEnv bool) {
	if v.IsUnknown() {
		return false, true, false
	}
	if !v.IsNull() {
		return v.ValueBool(), false, false
	}
	if e, ok := r.env(env); ok {
		b, p := parseBoolText(e)
		if p != "" {
			r.envError(env, p)
			return def, false, false
		}
		return b, false, true
	}
	return def, false, false
}

// integer resolves an integer setting within [lo, hi].
func (r *resolver) integer(v types.Int64, attrName, env string, def, lo, hi int64) (int64, bool) {
	if v.IsUnknown() {
		return 0, true
	}
	if !v.IsNull() {
		n := v.ValueInt64()
		if p := checkIntRange(n, lo, hi); p != "" {
			r.diags.AddError("Invalid provider setting", attributeProblem(attrName, p))
			return def, false
		}
		return n, false
	}
	if e, ok := r.env(env); ok {
		n, p := parseIntText(e, lo, hi)
		if p != "" {
			r.envError(env, p)
			return def, false
		}
		return n, false
	}
	return def, false
}

// duration resolves a duration setting within [lo, hi].
func (r *resolver) duration(v types.String, attrName, env string, def, lo, hi time.Duration) (time.Duration, bool) {
	check := func(s string) string { return checkDuration(s, lo, hi) }
	s, unknown := r.str(v, env, "", check)
	if unknown || s == "" {
		return def, unknown
	}
	if !v.IsNull() {
		// Validated at plan time; checked again because Configure must
		// never act on a value it cannot parse.
		if p := check(s); p != "" {
			r.diags.AddError("Invalid provider setting", attributeProblem(attrName, p))
			return def, false
		}
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return def, false
	}
	return d, false
}

// objectString returns a string attribute of a nested object, null when
// the object or the attribute is absent.
func objectString(attrs map[string]attr.Value, name string) types.String {
	if s, ok := attrs[name].(types.String); ok {
		return s
	}
	return types.StringNull()
}

// objectBool returns a boolean attribute of a nested object, null when the
// object or the attribute is absent.
func objectBool(attrs map[string]attr.Value, name string) types.Bool {
	if b, ok := attrs[name].(types.Bool); ok {
		return b
	}
	return types.BoolNull()
}

// resolvePlatform resolves one platform's settings from its nested
// attribute (which may be null) and the environment.
func (r *resolver) resolvePlatform(p platform.Name, obj types.Object) platformSettings {
	s := platformSettings{Name: p}
	if obj.IsUnknown() {
		s.Unknown = true
		return s
	}
	var attrs map[string]attr.Value
	if !obj.IsNull() {
		attrs = obj.Attributes()
	}
	e := envNames(p)
	var unknown [8]bool
	s.Username, unknown[0] = r.str(objectString(attrs, "username"), e.username, "", checkNotBlank)
	s.Password, unknown[1] = r.str(objectString(attrs, "password"), e.password, "", checkNotBlank)
	defaultURL := platform.DefaultBaseURL(p)
	switch p {
	case platform.Monogoto:
		s.APIVersion, unknown[2] = r.str(objectString(attrs, "api_version"), e.apiVersion, platform.MonogotoLegacy, checkAPIVersion)
		if s.APIVersion == platform.MonogotoV1 {
			defaultURL = platform.DefaultMonogotoV1BaseURL
		}
	case platform.Coiote:
		s.ClientID, unknown[3] = r.str(objectString(attrs, "client_id"), e.clientID, "", checkNotBlank)
		s.ClientSecret, unknown[4] = r.str(objectString(attrs, "client_secret"), e.clientSecret, "", checkNotBlank)
		s.Realm, unknown[5] = r.str(objectString(attrs, "realm"), e.realm, coiote.DefaultRealm, checkNotBlank)
		if s.ClientID != "" && s.ClientSecret == "" && !unknown[4] {
			r.diags.AddError("Missing Coiote client secret", fmt.Sprintf(
				"A Coiote client ID is set (coiote.client_id or %s) but no client secret: set coiote.client_secret in the provider \"iotauth\" block or %s.",
				e.clientID, e.clientSecret))
		}
	case platform.Bienport:
		s.RememberMe, unknown[6], _ = r.boolean(objectBool(attrs, "remember_me"), e.rememberMe, false)
	}
	s.BaseURL, unknown[7] = r.str(objectString(attrs, "base_url"), e.baseURL, defaultURL, checkBaseURL)
	s.BaseURL = platform.NormalizeBaseURL(s.BaseURL)
	for _, u := range unknown {
		s.Unknown = s.Unknown || u
	}
	return s
}

// checkAPIVersion accepts Monogoto's API selectors.
func checkAPIVersion(s string) string {
	if s == platform.MonogotoLegacy || s == platform.MonogotoV1 {
		return ""
	}
	return fmt.Sprintf("must be %q or %q, got %q", platform.MonogotoLegacy, platform.MonogotoV1, s)
}

// resolveConfig applies the environment fallbacks and defaults to the
// provider block. Unknown values are not errors: they mark the settings
// they belong to as unknown.
func resolveConfig(m providerModel, lookup lookupFunc) (resolvedConfig, diag.Diagnostics) {
	r := &resolver{lookup: lookup}
	var c resolvedConfig
	var unknown [6]bool
	c.HTTP.Timeout, unknown[0] = r.duration(m.RequestTimeout, "request_timeout", envRequestTimeout,
		defaultRequestTimeout, minRequestTimeout, maxRequestTimeout)
	var retries int64
	retries, unknown[1] = r.integer(m.MaxRetries, "max_retries", envMaxRetries, defaultMaxRetries, minMaxRetries, maxMaxRetries)
	c.HTTP.MaxRetries = int(retries)
	c.HTTP.RetryMaxWait, unknown[2] = r.duration(m.RetryMaxWait, "retry_max_wait", envRetryMaxWait,
		defaultRetryMaxWait, minRetryMaxWait, maxRetryMaxWait)
	c.HTTP.SessionMaxAge, unknown[3] = r.duration(m.SessionMaxAge, "session_max_age", envSessionMaxAge,
		defaultSessionMaxAge, minSessionMaxAge, maxSessionMaxAge)
	c.HTTP.CACertPEM, unknown[4] = r.str(m.CACertPEM, envCACertPEM, "", checkPEMCertificate)
	c.HTTP.Insecure, unknown[5], c.HTTP.InsecureFromEnv = r.boolean(m.Insecure, envInsecure, false)
	for _, u := range unknown {
		c.HTTP.Unknown = c.HTTP.Unknown || u
	}
	c.Platforms = make(map[platform.Name]platformSettings, len(platform.Names()))
	for _, p := range platform.Names() {
		c.Platforms[p] = r.resolvePlatform(p, m.platformObject(p))
	}
	return c, r.diags
}

// httpConfig converts the settings for the HTTP client.
func (h httpSettings) httpConfig(userAgent string) httpx.Config {
	wait := h.RetryMaxWait
	if wait <= 0 {
		// retry_max_wait = "0s": retry without waiting, and give up as
		// soon as the platform asks to wait (httpx reads zero as "default").
		wait = time.Nanosecond
	}
	return httpx.Config{
		Timeout:      h.Timeout,
		MaxRetries:   h.MaxRetries,
		RetryMaxWait: wait,
		CACertPEM:    h.CACertPEM,
		Insecure:     h.Insecure,
		UserAgent:    userAgent,
		Log:          logHTTP,
	}
}

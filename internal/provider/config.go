package provider

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Environment variables of the shared settings. A platform's are
// IOTAUTH_<PLATFORM>_<ATTRIBUTE> (envName).
const (
	envRequestTimeout = "IOTAUTH_REQUEST_TIMEOUT"
	envMaxRetries     = "IOTAUTH_MAX_RETRIES"
	envRetryMaxWait   = "IOTAUTH_RETRY_MAX_WAIT"
	envCACertPEM      = "IOTAUTH_CA_CERT_PEM"
	envInsecure       = "IOTAUTH_INSECURE"
	envSessionMaxAge  = "IOTAUTH_SESSION_MAX_AGE"
	envMinValidity    = "IOTAUTH_MIN_VALIDITY"
	envRevokeOnClose  = "IOTAUTH_REVOKE_ON_CLOSE"
)

// envName is the environment variable of a platform's attribute.
func envName(p platform.Name, attribute string) string {
	return "IOTAUTH_" + strings.ToUpper(string(p)) + "_" + strings.ToUpper(attribute)
}

// sharedModel holds the provider block's shared settings.
type sharedModel struct {
	RequestTimeout types.String `tfsdk:"request_timeout"`
	MaxRetries     types.Number `tfsdk:"max_retries"`
	RetryMaxWait   types.String `tfsdk:"retry_max_wait"`
	CACertPEM      types.String `tfsdk:"ca_cert_pem"`
	Insecure       types.Bool   `tfsdk:"insecure"`
	SessionMaxAge  types.String `tfsdk:"session_max_age"`
	MinValidity    types.String `tfsdk:"min_validity"`
	RevokeOnClose  types.Bool   `tfsdk:"revoke_on_close"`
}

// providerConfig is the provider configuration after the environment fallbacks
// and defaults.
type providerConfig struct {
	shared clients.Settings
	// sharedUnknown is set when a shared setting is not known until apply;
	// unknownShared names them.
	sharedUnknown bool
	unknownShared []string
	// insecureFromEnv is set when insecure = true came from IOTAUTH_INSECURE.
	insecureFromEnv bool
	// tokens are the defaults of iotauth_token's lifetime arguments.
	tokens   tokenDefaults
	accounts map[platform.Name]account
}

// tokenDefaults are the provider-level defaults of iotauth_token's
// min_validity and revoke_on_close.
type tokenDefaults struct {
	minValidity time.Duration
	// revokeOnClose applies only where the platform can revoke the
	// block's tokens; elsewhere it is ignored (see tokenLifetime).
	revokeOnClose bool
}

// secrets lists every password and client secret of the configuration.
func (c providerConfig) secrets() []string {
	var out []string
	for _, a := range c.accounts {
		out = append(out, a.Secrets()...)
	}
	return out
}

// account is one platform's resolved provider settings.
type account struct {
	platform.Credentials
	// unknown is set when a setting is not known until apply.
	unknown bool
	// problems are invalid environment values of this platform. They are
	// reported when a block uses the platform, so that a variable of a
	// platform the configuration never uses cannot fail a run.
	problems diag.Diagnostics
}

// configured reports whether the account has credentials of some kind: a
// principal (user name, client ID) or an API key.
func (a account) configured() bool { return hasCredentials(a.Credentials) }

// hasCredentials reports whether cr names a principal or holds an API key.
func hasCredentials(cr platform.Credentials) bool {
	return cr.Username != "" || cr.ClientID != "" || cr.APIKey != ""
}

// readConfig reads the provider block and applies the environment
// fallbacks and defaults: configuration over environment over default.
// Unknown values are not errors: they mark what they belong to as unknown.
func readConfig(ctx context.Context, c tfsdk.Config, lookup func(string) (string, bool)) (providerConfig, diag.Diagnostics) {
	var diags diag.Diagnostics
	var m sharedModel
	for name, target := range map[string]any{
		"request_timeout": &m.RequestTimeout, "max_retries": &m.MaxRetries, "retry_max_wait": &m.RetryMaxWait,
		"ca_cert_pem": &m.CACertPEM, "insecure": &m.Insecure, "session_max_age": &m.SessionMaxAge,
		"min_validity": &m.MinValidity, "revoke_on_close": &m.RevokeOnClose,
	} {
		diags.Append(c.GetAttribute(ctx, path.Root(name), target)...)
	}
	r := &resolver{lookup: lookup}
	var cfg providerConfig
	// markUnknown records a setting whose value is unknown until apply.
	markUnknown := func(name string, unknown bool) {
		if unknown {
			cfg.sharedUnknown = true
			cfg.unknownShared = append(cfg.unknownShared, name)
		}
	}
	var unknown bool
	cfg.shared.Timeout, unknown = r.duration(m.RequestTimeout, envRequestTimeout,
		clients.DefaultTimeout, minRequestTimeout, maxRequestTimeout)
	markUnknown("request_timeout", unknown)
	var retries int64
	retries, unknown = r.integer(m.MaxRetries, envMaxRetries, clients.DefaultMaxRetries, minMaxRetries, maxMaxRetries)
	markUnknown("max_retries", unknown)
	cfg.shared.MaxRetries = int(retries)
	cfg.shared.RetryMaxWait, unknown = r.duration(m.RetryMaxWait, envRetryMaxWait,
		clients.DefaultRetryMaxWait, minRetryMaxWait, maxRetryMaxWait)
	markUnknown("retry_max_wait", unknown)
	cfg.shared.SessionMaxAge, unknown = r.duration(m.SessionMaxAge, envSessionMaxAge,
		clients.DefaultSessionMaxAge, minSessionMaxAge, maxSessionMaxAge)
	markUnknown("session_max_age", unknown)
	cfg.shared.CACertPEM, unknown = r.str(m.CACertPEM, envCACertPEM, "", checkPEMCertificate)
	markUnknown("ca_cert_pem", unknown)
	var insecure string
	insecure, unknown = r.boolean(m.Insecure, envInsecure, false)
	markUnknown("insecure", unknown)
	cfg.shared.Insecure = insecure == "true"
	cfg.insecureFromEnv = cfg.shared.Insecure && m.Insecure.IsNull()
	cfg.tokens.minValidity, unknown = r.duration(m.MinValidity, envMinValidity, 0, minMinValidity, maxMinValidity)
	markUnknown("min_validity", unknown)
	var revoke string
	revoke, unknown = r.boolean(m.RevokeOnClose, envRevokeOnClose, false)
	markUnknown("revoke_on_close", unknown)
	cfg.tokens.revokeOnClose = revoke == "true"
	diags.Append(r.diags...)

	cfg.accounts = map[platform.Name]account{}
	for _, info := range clients.Platforms() {
		var obj types.Object
		diags.Append(c.GetAttribute(ctx, path.Root(string(info.Name)), &obj)...)
		cfg.accounts[info.Name] = readAccount(info, obj, lookup)
	}
	return cfg, diags
}

// readAccount resolves one platform's settings from its nested attribute
// (which may be null) and the environment.
func readAccount(info platform.Info, obj types.Object, lookup func(string) (string, bool)) account {
	a := account{Credentials: platform.Credentials{Platform: info.Name, Options: map[string]string{}}}
	if obj.IsUnknown() {
		a.unknown = true
		return a
	}
	var attrs map[string]attr.Value
	if !obj.IsNull() {
		attrs = obj.Attributes()
	}
	r := &resolver{lookup: lookup}
	get := func(name, def string, check func(string) string) string {
		v, u := r.str(objectString(attrs, name), envName(info.Name, name), def, check)
		a.unknown = a.unknown || u
		return v
	}
	a.BaseURL = platform.NormalizeBaseURL(get("base_url", "", checkBaseURL))
	for _, kind := range info.Credentials {
		ca := credentialAttrs[kind]
		if ca.principal != "" {
			*ca.principalField(&a.Credentials) = get(ca.principal, "", checkNotBlank)
		}
		*ca.secretField(&a.Credentials) = get(ca.secret, "", checkNotBlank)
	}
	for _, s := range info.Settings {
		if s.Bool {
			v, u := r.boolean(objectBool(attrs, s.Name), envName(info.Name, s.Name), s.Default == "true")
			a.unknown = a.unknown || u
			a.Options[s.Name] = v
			continue
		}
		check := checkNotBlank
		if len(s.OneOf) > 0 {
			check = checkOneOf(s.OneOf)
		}
		a.Options[s.Name] = get(s.Name, s.Default, check)
	}
	// One credential kind at a time: an API key selects itself, else a
	// client ID selects client credentials.
	switch {
	case a.APIKey != "":
		a.Username, a.Password, a.ClientID, a.ClientSecret = "", "", "", ""
	case a.ClientID != "":
		a.Username, a.Password = "", ""
	default:
		a.ClientSecret = ""
	}
	a.problems = r.diags
	return a
}

// providerData is what the provider hands to its data sources and
// ephemeral resources.
type providerData struct {
	// manager is nil when a shared setting was unknown at configure time;
	// unknownShared names those settings.
	manager       *clients.Manager
	unknownShared []string
	accounts      map[platform.Name]account
	tokens        tokenDefaults
	// secrets are the passwords and client secrets of every platform
	// (providerConfig.secrets), listed once at Configure for the log masks
	// and error redaction of every block.
	secrets []string
}

// providerDataFrom converts the ProviderData of a Configure request. It
// returns nil without a diagnostic while the provider is not configured
// yet (validation RPCs).
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		addProviderDataError(diags, data)
		return nil
	}
	return pd
}

// credentialState says whether credentials could be put together.
type credentialState int

const (
	// credentialsReady: the credentials are complete.
	credentialsReady credentialState = iota
	// credentialsUnknown: a provider setting is not known until apply.
	credentialsUnknown
	// credentialsInvalid: a diagnostic was added.
	credentialsInvalid
)

// credentials puts together the credentials of a block: the provider's
// account for platform name, with the block's overrides applied by
// override (nil for none). Diagnostics go on the attribute at (the block's
// platform attribute).
func (d *providerData) credentials(name platform.Name, at path.Path, override func(*platform.Credentials), diags *diag.Diagnostics) (platform.Credentials, credentialState) {
	info, ok := lookupInfo(name)
	if !ok {
		// The schema's OneOf validator rejects unknown names first.
		diags.AddAttributeError(at, "Unknown platform", fmt.Sprintf("There is no platform %q.", name))
		return platform.Credentials{}, credentialsInvalid
	}
	a := d.accounts[name]
	if a.problems.HasError() {
		diags.Append(a.problems...)
		return platform.Credentials{}, credentialsInvalid
	}
	cr := a.Credentials
	cr.Platform = name
	cr.Options = maps.Clone(a.Options)
	if override != nil {
		override(&cr)
	}
	if a.unknown || d.manager == nil {
		return platform.Credentials{}, credentialsUnknown
	}
	ca := credentialAttrs[cr.Kind()]
	switch {
	case !hasCredentials(cr):
		addNotConfiguredError(diags, at, info, override != nil)
	case ca.principal != "" && *ca.secretField(&cr) == "":
		addMissingSecretError(diags, at, info, ca, cr.Principal())
	default:
		return cr, credentialsReady
	}
	return platform.Credentials{}, credentialsInvalid
}

// session logs in (or reuses the cached session) and masks the session's
// secrets in the returned context's loggers. A failure is added to diags.
func (d *providerData) session(ctx context.Context, cr platform.Credentials, diags *diag.Diagnostics) (context.Context, *platform.Session) {
	s, err := d.manager.Session(ctx, cr)
	if err != nil {
		addPlatformError(diags, err, cr.Secrets()...)
		return ctx, nil
	}
	return maskSecrets(ctx, s.Secrets()...), s
}

// lookupInfo returns what platform name declares.
func lookupInfo(name platform.Name) (platform.Info, bool) {
	p, ok := clients.Lookup(name)
	if !ok {
		return platform.Info{}, false
	}
	return p.Info(), true
}

// platformNames lists the platform names, for OneOf validators and docs.
func platformNames() []string {
	var names []string
	for _, info := range clients.Platforms() {
		names = append(names, string(info.Name))
	}
	return names
}

// resolver applies the precedence rule, configuration over environment
// over default, and validates environment values with the same checks as
// the schema validators, naming the variable in its diagnostics.
type resolver struct {
	lookup func(string) (string, bool)
	diags  diag.Diagnostics
}

// env returns a non-empty environment value. An empty variable counts as
// unset.
func (r *resolver) env(name string) (string, bool) {
	v, ok := r.lookup(name)
	return v, ok && v != ""
}

func (r *resolver) envError(name, problem string) {
	r.diags.AddError("Invalid environment variable", envProblem(name, problem))
}

// str resolves a string setting. check validates an environment value
// (configuration values are validated by the schema at plan time).
func (r *resolver) str(v types.String, env, def string, check func(string) string) (string, bool) {
	if v.IsUnknown() {
		return "", true
	}
	if !v.IsNull() {
		return v.ValueString(), false
	}
	if e, ok := r.env(env); ok {
		if p := check(e); p != "" {
			r.envError(env, p)
			return def, false
		}
		return e, false
	}
	return def, false
}

// boolean resolves a boolean setting as "true" or "false".
func (r *resolver) boolean(v types.Bool, env string, def bool) (string, bool) {
	if v.IsUnknown() {
		return "", true
	}
	if !v.IsNull() {
		return strconv.FormatBool(v.ValueBool()), false
	}
	if e, ok := r.env(env); ok {
		b, p := parseBoolText(e)
		if p != "" {
			r.envError(env, p)
			return strconv.FormatBool(def), false
		}
		return strconv.FormatBool(b), false
	}
	return strconv.FormatBool(def), false
}

// integer resolves an integer setting within [lo, hi].
func (r *resolver) integer(v types.Number, env string, def, lo, hi int64) (int64, bool) {
	if v.IsUnknown() {
		return 0, true
	}
	if !v.IsNull() {
		// The schema's validator has checked it is a whole number in range.
		n, _ := v.ValueBigFloat().Int64()
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
func (r *resolver) duration(v types.String, env string, def, lo, hi time.Duration) (time.Duration, bool) {
	s, unknown := r.str(v, env, "", func(s string) string { return checkDuration(s, lo, hi) })
	if unknown || s == "" {
		return def, unknown
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

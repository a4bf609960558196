// Package provider is the Terraform glue of terraform-provider-iotauth: the
// provider block, the iotauth_token ephemeral resource and the
// iotauth_user_profile data source. The platform logins themselves live in
// internal/clients, which knows nothing about Terraform.
package provider

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/cache"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/coiote"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// registryURL is the provider's page, sent in the User-Agent.
const registryURL = "https://registry.terraform.io/providers/iotauth/iotauth"

var (
	_ provider.Provider                       = (*iotauthProvider)(nil)
	_ provider.ProviderWithValidateConfig     = (*iotauthProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*iotauthProvider)(nil)
	_ provider.ProviderWithFunctions          = (*iotauthProvider)(nil)
)

// iotauthProvider is the provider. One value lives for the whole provider
// process, so the session cache it keeps survives a re-configuration.
type iotauthProvider struct {
	version string
	commit  string
	// lookupEnv reads the environment (os.LookupEnv; tests may replace it).
	lookupEnv lookupFunc

	mu sync.Mutex
	// caches holds one session cache per session_max_age value, shared by
	// every Manager this process builds.
	caches     map[time.Duration]*cache.Cache
	managerKey managerKey
	manager    *clients.Manager
}

// managerKey is what a Manager is built from; equal keys reuse the Manager.
type managerKey struct {
	timeout, retryMaxWait, sessionMaxAge time.Duration
	maxRetries                           int
	caCertPEM                            string
	insecure                             bool
	userAgent                            string
}

// New returns the provider factory for providerserver.Serve.
func New(version, commit string) func() provider.Provider {
	return func() provider.Provider {
		return &iotauthProvider{version: version, commit: commit, lookupEnv: os.LookupEnv}
	}
}

// lookup returns the environment reader.
func (p *iotauthProvider) lookup() lookupFunc {
	if p.lookupEnv == nil {
		return os.LookupEnv
	}
	return p.lookupEnv
}

// providerData is what the provider hands to its data sources and
// ephemeral resources.
type providerData struct {
	// manager is nil when a shared HTTP setting was unknown at configure time.
	manager   *clients.Manager
	platforms map[platform.Name]platformSettings
	// profileStates maps a *platform.Session to the iotauth_user_profile
	// state built from it: every data source that shares a session gets
	// the same state, and building it (about 60 permission lists for a
	// Monogoto admin) is the costliest part of a read (measured with make
	// bench). Sessions are few per process, so the map stays small.
	profileStates sync.Map
}

// settings returns the provider settings of p.
func (d *providerData) settings(p platform.Name) platformSettings {
	if s, ok := d.platforms[p]; ok {
		return s
	}
	return platformSettings{Name: p}
}

// secrets lists the passwords and client secrets of every platform.
func (d *providerData) secrets() []string {
	var out []string
	for _, s := range d.platforms {
		out = append(out, s.Password, s.ClientSecret)
	}
	return out
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

// Metadata names the provider iotauth.
func (p *iotauthProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "iotauth"
	resp.Version = p.version
}

// envNote is the sentence every attribute description ends with.
func envNote(env, def string) string {
	s := fmt.Sprintf(" Environment variable: `%s`.", env)
	if def != "" {
		s += " Default: " + def + "."
	}
	return s
}

// Schema describes the provider block.
func (p *iotauthProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Logs in to the IoT platforms Monogoto, AVSystem Coiote IoT DM and BienPort. " +
			"Each platform has its own nested attribute; every attribute falls back to an environment variable " +
			"(named in its description) and then to its default: a value in the configuration wins over the " +
			"environment, which wins over the default. A platform is configured when it has a user name " +
			"(or, for Coiote, a client ID); a block that uses a platform nobody configured fails with a " +
			"diagnostic naming the attributes and variables to set. Passwords, tokens and other secrets never " +
			"appear in logs, plan or state. Each HTTP attempt is logged at `DEBUG` in the provider's `http` " +
			"subsystem (method, host, path, status, duration, attempt; never headers, bodies or query strings); " +
			"`TF_LOG_PROVIDER_IOTAUTH_HTTP` sets that subsystem's level on its own.",
		Attributes: map[string]schema.Attribute{
			"monogoto": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Monogoto (cellular IoT connectivity) settings. " +
					"The legacy console API signs in with `POST {base_url}/Auth`; the v1 API with `POST {base_url}/v1/auth/token`.",
				Attributes: map[string]schema.Attribute{
					"base_url": baseURLAttribute(platform.Monogoto,
						fmt.Sprintf("`%s`, or `%s` when `api_version = \"v1\"`", platform.DefaultMonogotoBaseURL, platform.DefaultMonogotoV1BaseURL)),
					"username": usernameAttribute(platform.Monogoto, "the account's e-mail address"),
					"password": passwordAttribute(platform.Monogoto),
					"api_version": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Which Monogoto API to sign in with: `legacy` (the console API, `POST /Auth`, " +
							"which also returns the account profile) or `v1` (`api.monogoto.io`, `POST /v1/auth/token`, " +
							"refreshed with its rotating refresh token; it returns no profile)." +
							envNote(envNames(platform.Monogoto).apiVersion, "`legacy`"),
						Validators: []validator.String{
							stringvalidator.OneOf(platform.MonogotoLegacy, platform.MonogotoV1),
						},
					},
				},
			},
			"coiote": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "AVSystem Coiote IoT DM settings. A user signs in with the OAuth 2.0 password grant " +
					"(`POST {base_url}/api/auth/oauth_password`); an IAM service account (SSO organisations) with " +
					"`client_id` and `client_secret` uses the client-credentials grant at " +
					"`{base_url}/iam/realms/{realm}/protocol/openid-connect/token` instead.",
				Attributes: map[string]schema.Attribute{
					"base_url": baseURLAttribute(platform.Coiote, "`"+platform.DefaultCoioteBaseURL+"`"),
					"username": usernameAttribute(platform.Coiote, "the user's login"),
					"password": passwordAttribute(platform.Coiote),
					"client_id": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Client ID of an IAM service account, for organisations that sign in with SSO. " +
							"When set, the provider uses the client-credentials grant instead of `username` and `password`; " +
							"`client_secret` is then required." + envNote(envNames(platform.Coiote).clientID, "none"),
						Validators: []validator.String{notBlank()},
					},
					"client_secret": schema.StringAttribute{
						Optional:  true,
						Sensitive: true,
						MarkdownDescription: "Client secret of the IAM service account named by `client_id`. Sensitive." +
							envNote(envNames(platform.Coiote).clientSecret, "none"),
						Validators: []validator.String{notBlank()},
					},
					"realm": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "IAM realm of the service account." +
							envNote(envNames(platform.Coiote).realm, "`"+coiote.DefaultRealm+"` (Coiote's public cloud)"),
						Validators: []validator.String{notBlank()},
					},
				},
			},
			"bienport": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "BienPort (Bimetri) settings. The provider signs in with `POST {base_url}/auth/login`.",
				Attributes: map[string]schema.Attribute{
					"base_url": baseURLAttribute(platform.Bienport,
						"`"+platform.DefaultBienportBaseURL+"` (another tenant: `https://apigw.sebeketakip.com/api`)"),
					"username": usernameAttribute(platform.Bienport, "the screen name, such as a phone number like `905554447788`"),
					"password": passwordAttribute(platform.Bienport),
					"remember_me": schema.BoolAttribute{
						Optional: true,
						MarkdownDescription: "Ask BienPort for a long-lived token (3 months) instead of a 3-hour one." +
							envNote(envNames(platform.Bienport).rememberMe, "`false`") + " The variable takes `true` or `false`.",
					},
				},
			},
			"request_timeout": durationAttribute("How long one HTTP request may take, from sending it to reading "+
				"the whole answer.", envRequestTimeout, defaultRequestTimeout, minRequestTimeout, maxRequestTimeout),
			"max_retries": schema.Int64Attribute{
				CustomType: wholeNumberType{lo: minMaxRetries, hi: maxMaxRetries},
				Optional:   true,
				MarkdownDescription: "How many times a request that failed in a way worth retrying (network error, " +
					"HTTP 429 or 5xx) is sent again, from `0` (never) to `10`. Rejected credentials are never retried." +
					envNote(envMaxRetries, fmt.Sprintf("`%d`", defaultMaxRetries)),
				Validators: []validator.Int64{int64validator.Between(minMaxRetries, maxMaxRetries)},
			},
			"retry_max_wait": durationAttribute("The longest wait between two attempts. A platform's `Retry-After` "+
				"is honoured up to this cap; when it asks for longer the provider stops and reports it. `0s` retries "+
				"without waiting and gives up as soon as a platform asks to wait.",
				envRetryMaxWait, defaultRetryMaxWait, minRetryMaxWait, maxRetryMaxWait),
			"ca_cert_pem": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Extra trusted CA certificates, PEM-encoded (one or more " +
					"`-----BEGIN CERTIFICATE-----` blocks), added to the system's roots: for installations " +
					"behind a private CA." + envNote(envCACertPEM, "none (system roots only)"),
				Validators: []validator.String{pemCertificate()},
			},
			"insecure": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Turn TLS certificate verification off. Not recommended: anyone on the network " +
					"path could read the passwords and tokens. Prefer `ca_cert_pem`. Setting it gives a warning." +
					envNote(envInsecure, "`false`") + " The variable takes `true` or `false`.",
			},
			"session_max_age": durationAttribute("How long a session whose expiry the platform does not reveal "+
				"is reused before the provider logs in again. Sessions with a known expiry are reused until 60 "+
				"seconds before it.", envSessionMaxAge, defaultSessionMaxAge, minSessionMaxAge, maxSessionMaxAge),
		},
	}
}

// durationAttribute is a top-level duration setting.
func durationAttribute(what, env string, def, lo, hi time.Duration) schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		MarkdownDescription: what + fmt.Sprintf(" A duration such as `30s`, `2m` or `1h`, between `%s` and `%s`.",
			shortDuration(lo), shortDuration(hi)) + envNote(env, "`"+shortDuration(def)+"`"),
		Validators: []validator.String{durationBetween(lo, hi)},
	}
}

// baseURLAttribute is a platform's base_url attribute.
func baseURLAttribute(p platform.Name, def string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("Root of the %s API: an absolute `http://` or `https://` URL with a host "+
			"and optionally a port and a path prefix, without user-info, query or fragment.", p.Title()) +
			envNote(envNames(p).baseURL, def),
		Validators: []validator.String{baseURL()},
	}
}

// usernameAttribute is a platform's username attribute.
func usernameAttribute(p platform.Name, what string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("%s user name: %s. Without it (and without a block's own credentials) "+
			"the platform is not configured.", p.Title(), what) + envNote(envNames(p).username, "none"),
		Validators: []validator.String{notBlank()},
	}
}

// passwordAttribute is a platform's password attribute.
func passwordAttribute(p platform.Name) schema.StringAttribute {
	return schema.StringAttribute{
		Optional:  true,
		Sensitive: true,
		MarkdownDescription: fmt.Sprintf("%s password. Sensitive: never logged, never stored in state. "+
			"Prefer the environment variable over a literal in the configuration.", p.Title()) +
			envNote(envNames(p).password, "none"),
		Validators: []validator.String{notBlank()},
	}
}

// ValidateConfig warns about insecure = true and checks that a Coiote
// client ID comes with a client secret (from the block or the environment).
func (p *iotauthProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var secrets []string
	for _, pl := range platform.Names() {
		obj := m.platformObject(pl)
		if obj.IsNull() || obj.IsUnknown() {
			continue
		}
		attrs := obj.Attributes()
		secrets = append(secrets, objectString(attrs, "password").ValueString(), objectString(attrs, "client_secret").ValueString())
	}
	ctx = logContext(ctx, secrets...)

	if !m.Insecure.IsUnknown() && m.Insecure.ValueBool() {
		resp.Diagnostics.Append(insecureWarning(path.Root("insecure"), "insecure = true"))
	}
	if !m.Coiote.IsNull() && !m.Coiote.IsUnknown() {
		attrs := m.Coiote.Attributes()
		id, secret := objectString(attrs, "client_id"), objectString(attrs, "client_secret")
		if !id.IsNull() && !id.IsUnknown() && secret.IsNull() {
			env := envNames(platform.Coiote).clientSecret
			if v, ok := p.lookup()(env); !ok || v == "" {
				resp.Diagnostics.AddAttributeError(path.Root("coiote").AtName("client_secret"), "Missing Coiote client secret",
					fmt.Sprintf("Attribute coiote.client_secret must be set when coiote.client_id is set (or set %s).", env))
			}
		}
	}
	tflog.Trace(ctx, "Validated the iotauth provider configuration")
}

// Configure resolves the settings (configuration, environment, defaults),
// builds or reuses the Manager and hands the result to the data sources
// and ephemeral resources.
func (p *iotauthProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg, diags := resolveConfig(m, p.lookup())
	// Mask every password and client secret before anything logs.
	ctx = logContext(ctx, cfg.secrets()...)
	resp.Diagnostics.Append(diags...)
	if cfg.HTTP.Insecure && cfg.HTTP.InsecureFromEnv {
		resp.Diagnostics.Append(insecureWarning(path.Empty(), envInsecure+"=true"))
	}
	if resp.Diagnostics.HasError() {
		return
	}

	pd := &providerData{platforms: cfg.Platforms}
	if !cfg.HTTP.Unknown {
		mgr, err := p.managerFor(cfg.HTTP, userAgent(p.version, req.TerraformVersion))
		if err != nil {
			resp.Diagnostics.AddError("Invalid HTTP settings", err.Error())
			return
		}
		pd.manager = mgr
	}

	var configured []string
	for _, pl := range platform.Names() {
		if s := cfg.Platforms[pl]; s.Configured() || s.Unknown {
			configured = append(configured, string(pl))
		}
	}
	sort.Strings(configured)
	tflog.Debug(ctx, "Configured the iotauth provider", map[string]any{
		"version":              p.version,
		"commit":               p.commit,
		"configured_platforms": strings.Join(configured, ","),
		"request_timeout":      cfg.HTTP.Timeout.String(),
		"max_retries":          cfg.HTTP.MaxRetries,
		"settings_unknown":     cfg.HTTP.Unknown,
	})
	resp.DataSourceData = pd
	resp.EphemeralResourceData = pd
}

// userAgent is the User-Agent of every request.
func userAgent(version, terraformVersion string) string {
	ua := fmt.Sprintf("terraform-provider-iotauth/%s (+%s)", version, registryURL)
	if terraformVersion != "" {
		ua += " Terraform/" + terraformVersion
	}
	return ua
}

// managerFor returns a Manager for the settings: the previous one when
// nothing changed. Every Manager of a given session_max_age shares one
// session cache, so a re-configuration in the same process keeps its
// sessions.
func (p *iotauthProvider) managerFor(h httpSettings, ua string) (*clients.Manager, error) {
	key := managerKey{
		timeout: h.Timeout, retryMaxWait: h.RetryMaxWait, sessionMaxAge: h.SessionMaxAge,
		maxRetries: h.MaxRetries, caCertPEM: h.CACertPEM, insecure: h.Insecure, userAgent: ua,
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.manager != nil && p.managerKey == key {
		return p.manager, nil
	}
	if p.caches == nil {
		p.caches = map[time.Duration]*cache.Cache{}
	}
	c := p.caches[h.SessionMaxAge]
	if c == nil {
		c = cache.New(cache.Options{MaxAge: h.SessionMaxAge})
		p.caches[h.SessionMaxAge] = c
	}
	m, err := clients.New(clients.Config{HTTP: h.httpConfig(ua), SharedCache: c})
	if err != nil {
		return nil, err
	}
	p.manager, p.managerKey = m, key
	return m, nil
}

// Resources is empty: the provider manages nothing.
func (p *iotauthProvider) Resources(context.Context) []func() resource.Resource { return nil }

// DataSources lists iotauth_user_profile.
func (p *iotauthProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newUserProfileDataSource}
}

// Functions lists provider::iotauth::jwt_claims.
func (p *iotauthProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{NewJWTClaimsFunction}
}

// EphemeralResources lists iotauth_token.
func (p *iotauthProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{newTokenEphemeralResource}
}

// Package provider is the Terraform glue of terraform-provider-iotauth: the
// provider block, the iotauth_token ephemeral resource, the
// iotauth_user_profile data source and the jwt_claims function. The
// platforms live in internal/clients, which knows nothing about Terraform;
// everything platform-specific here is derived from what each platform
// declares (clients.Platforms()).
package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
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

// iotauthProvider is the provider.
type iotauthProvider struct {
	version string
	commit  string
	// lookupEnv reads the environment (os.LookupEnv; tests may replace it).
	lookupEnv func(string) (string, bool)
}

// New returns the provider factory for providerserver.Serve.
func New(version, commit string) func() provider.Provider {
	return func() provider.Provider {
		return &iotauthProvider{version: version, commit: commit, lookupEnv: os.LookupEnv}
	}
}

// Metadata names the provider iotauth.
func (p *iotauthProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "iotauth"
	resp.Version = p.version
}

// Schema describes the provider block: one nested attribute per platform,
// derived from its declaration, and the shared HTTP settings.
func (p *iotauthProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"request_timeout": durationAttribute("How long one HTTP request may take, from sending it to reading "+
			"the whole answer.", envRequestTimeout, clients.DefaultTimeout, minRequestTimeout, maxRequestTimeout),
		"max_retries": schema.NumberAttribute{
			Optional: true,
			MarkdownDescription: "How many times a request that failed in a way worth retrying (network error, " +
				"HTTP 429 or 5xx) is sent again, from `0` (never) to `10`. A login (or any request that carries " +
				"credentials) is sent again only after an answer that proves the platform did not process it: HTTP 429, " +
				"HTTP 503, or a connection that failed before anything was sent (refused, DNS, TLS handshake). After a " +
				"timeout, a connection lost after sending, or any other 5xx, it is not sent again in that run. " +
				"Rejected credentials are never retried, and one set of credentials is sent at most " +
				"`max_retries + 1` times per provider process without success, however many blocks use it. " +
				"A request may take at most `(max_retries + 1) × request_timeout` plus `max_retries × retry_max_wait` " +
				"in all." + envNote(envMaxRetries, fmt.Sprintf("`%d`", clients.DefaultMaxRetries)),
			Validators: []validator.Number{wholeNumberBetween(minMaxRetries, maxMaxRetries)},
		},
		"retry_max_wait": durationAttribute("The longest wait between two attempts. A platform's `Retry-After` "+
			"is honoured up to this cap; when it asks for longer the provider stops and reports it. `0s` retries "+
			"without waiting and gives up as soon as a platform asks to wait.",
			envRetryMaxWait, clients.DefaultRetryMaxWait, minRetryMaxWait, maxRetryMaxWait),
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
			"is reused before the provider logs in again. Sessions with a known expiry are reused until shortly "+
			"before it (60 seconds, or a quarter of the token's lifetime when that is shorter).",
			envSessionMaxAge, clients.DefaultSessionMaxAge, minSessionMaxAge, maxSessionMaxAge),
		"min_validity": durationAttribute("The default `min_validity` of every `iotauth_token` block: how long "+
			"a token handed to a block must stay valid, by the token's own expiry. `0s` asks for nothing beyond the "+
			"session cache's margin. A token whose expiry the platform does not reveal counts as valid for "+
			"`session_max_age` after its login. See the token lifetime guide.",
			envMinValidity, 0, minMinValidity, maxMinValidity),
		"revoke_on_close": schema.BoolAttribute{
			Optional: true,
			MarkdownDescription: "The default `revoke_on_close` of every `iotauth_token` block: revoke a token when " +
				"the last block of the provider process that uses it closes. It applies only to the tokens the provider " +
				"can revoke, those of " + revocableDoc() + ", and is ignored elsewhere; a block's own " +
				"`revoke_on_close = true` on a platform that cannot revoke is an error." +
				envNote(envRevokeOnClose, "`false`") + " The variable takes `true` or `false`.",
		},
	}
	var titles []string
	for _, info := range clients.Platforms() {
		attrs[string(info.Name)] = platformAttribute(info)
		titles = append(titles, info.Title)
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Logs in to the IoT platforms " + joinWords(titles, "and") + ". " +
			"Each platform has its own nested attribute; every attribute falls back to an environment variable " +
			"(named in its description) and then to its default: a value in the configuration wins over the " +
			"environment, which wins over the default. A platform is configured when it has a user name " +
			"(or a client ID or an API key, where the platform accepts them); a block that uses a platform nobody " +
			"configured fails with a diagnostic naming the attributes and variables to set. Passwords, tokens and " +
			"other secrets never appear in logs or state. Terraform stores the provider block's literal values in a " +
			"saved plan file, so give passwords through the environment variables or an `ephemeral` variable " +
			"rather than as literals. Each HTTP attempt is logged at `DEBUG` in the provider's `http` " +
			"subsystem (method, host, path, status, duration, attempt; never headers, bodies or query strings); " +
			"`TF_LOG_PROVIDER_IOTAUTH_HTTP` sets that subsystem's level on its own.",
		Attributes: attrs,
	}
}

// platformAttribute is a platform's nested attribute in the provider block:
// base_url, the attributes of each credential kind it accepts, and its own
// settings.
func platformAttribute(info platform.Info) schema.SingleNestedAttribute {
	env := func(name string) string { return envName(info.Name, name) }
	attrs := map[string]schema.Attribute{
		"base_url": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("Root of the %s API: an absolute `http://` or `https://` URL with a host "+
				"and optionally a port and a path prefix, without user-info, query or fragment.", info.Title) +
				envNote(env("base_url"), info.BaseURLDefaultDoc),
			Validators: []validator.String{baseURL()},
		},
	}
	for _, kind := range info.Credentials {
		ca := credentialAttrs[kind]
		if ca.principal != "" {
			attrs[ca.principal] = schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: ca.principalDoc(info) + envNote(env(ca.principal), "none"),
				Validators:          []validator.String{notBlank()},
			}
		}
		attrs[ca.secret] = schema.StringAttribute{
			Optional:            true,
			Sensitive:           true,
			MarkdownDescription: ca.secretDoc(info) + envNote(env(ca.secret), "none"),
			Validators:          []validator.String{notBlank()},
		}
	}
	for _, s := range info.Settings {
		def := s.DefaultDoc
		if def == "" && s.Default != "" {
			def = "`" + s.Default + "`"
		}
		if s.Bool {
			attrs[s.Name] = schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: s.Description + envNote(env(s.Name), def) + " The variable takes `true` or `false`.",
			}
			continue
		}
		var validators []validator.String
		if len(s.OneOf) > 0 {
			validators = append(validators, stringvalidator.OneOf(s.OneOf...))
		} else {
			validators = append(validators, notBlank())
		}
		attrs[s.Name] = schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: s.Description + envNote(env(s.Name), def),
			Validators:          validators,
		}
	}
	return schema.SingleNestedAttribute{
		Optional:            true,
		MarkdownDescription: info.Description,
		Attributes:          attrs,
	}
}

// credentialAttr names the attributes of a credential kind.
type credentialAttr struct {
	// principal names the attribute that says who signs in, "" for a kind
	// that names nobody (an API key is a single secret); secret names the
	// secret attribute.
	principal, secret string
	// principalWord and secretWord name them in sentences.
	principalWord, secretWord string
	principalDoc              func(platform.Info) string
	secretDoc                 func(platform.Info) string
	// principalField (nil without a principal) and secretField point at
	// the kind's values in a credential set.
	principalField, secretField func(*platform.Credentials) *string
}

// names lists the kind's attributes: "username and password", "api_key".
func (ca credentialAttr) names(prefix string) string {
	if ca.principal == "" {
		return prefix + ca.secret
	}
	return prefix + ca.principal + " and " + prefix + ca.secret
}

// envs lists the kind's environment variables for platform p.
func (ca credentialAttr) envs(p platform.Name) string {
	if ca.principal == "" {
		return envName(p, ca.secret)
	}
	return envName(p, ca.principal) + " and " + envName(p, ca.secret)
}

// credentialAttrs are the attribute names and descriptions of each
// credential kind, in the provider block and in iotauth_token.
var credentialAttrs = map[platform.CredentialKind]credentialAttr{
	platform.Password: {
		principal: "username", secret: "password", principalWord: "user name", secretWord: "password",
		principalDoc: func(i platform.Info) string {
			return fmt.Sprintf("%s user name: %s. Without it (and without a block's own credentials) "+
				"the platform is not configured.", i.Title, i.UsernameDoc)
		},
		secretDoc: func(i platform.Info) string {
			return fmt.Sprintf("%s password. Sensitive: never logged, never stored in state. "+
				"Prefer the environment variable over a literal in the configuration.", i.Title)
		},
		principalField: func(c *platform.Credentials) *string { return &c.Username },
		secretField:    func(c *platform.Credentials) *string { return &c.Password },
	},
	platform.ClientCredentials: {
		principal: "client_id", secret: "client_secret", principalWord: "client ID", secretWord: "client secret",
		principalDoc: func(i platform.Info) string {
			return fmt.Sprintf("Client ID of a %s service account (OAuth 2.0 client-credentials grant), for "+
				"organisations that sign in with SSO. When set, the provider uses it instead of `username` and "+
				"`password`; `client_secret` is then required.", i.Title)
		},
		secretDoc: func(i platform.Info) string {
			return "Client secret of the service account named by `client_id`. Sensitive: never logged, never " +
				"stored in state."
		},
		principalField: func(c *platform.Credentials) *string { return &c.ClientID },
		secretField:    func(c *platform.Credentials) *string { return &c.ClientSecret },
	},
	platform.APIKey: {
		secret: "api_key", secretWord: "API key",
		secretDoc: func(i platform.Info) string {
			return fmt.Sprintf("%s API key: sent with every call instead of a token from a login, so no "+
				"password is needed. When set, the provider uses it instead of the platform's other credentials. "+
				"It also configures the platform on its own. Sensitive: never logged, never stored in state. "+
				"Prefer the environment variable over a literal in the configuration.", i.Title)
		},
		secretField: func(c *platform.Credentials) *string { return &c.APIKey },
	},
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

// envNote is the sentence every attribute description ends with.
func envNote(env, def string) string {
	s := fmt.Sprintf(" Environment variable: `%s`.", env)
	if def != "" {
		s += " Default: " + def + "."
	}
	return s
}

// joinWords joins words as a sentence does: "a, b and c".
func joinWords(words []string, conj string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

// ValidateConfig warns about insecure = true. Everything else is checked by
// the schema validators, or when a block uses a platform (the environment
// may complete what the configuration leaves out).
func (p *iotauthProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var insecure types.Bool
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("insecure"), &insecure)...)
	if insecure.ValueBool() {
		resp.Diagnostics.Append(insecureWarning(path.Root("insecure"), "insecure = true"))
	}
}

// Configure resolves the settings (configuration, environment, defaults),
// builds the Manager and hands both to the data sources and ephemeral
// resources.
func (p *iotauthProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	lookup := p.lookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	cfg, diags := readConfig(ctx, req.Config, lookup)
	// Mask every password and client secret before anything logs.
	secrets := cfg.secrets()
	ctx = logContext(ctx, secrets...)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.insecureFromEnv {
		resp.Diagnostics.Append(insecureWarning(path.Empty(), envInsecure+"=true"))
	}

	pd := &providerData{accounts: cfg.accounts, tokens: cfg.tokens, unknownShared: cfg.unknownShared, secrets: secrets}
	if !cfg.sharedUnknown {
		cfg.shared.UserAgent = userAgent(p.version, req.TerraformVersion)
		cfg.shared.Log = logHTTP
		mgr, err := clients.New(cfg.shared)
		if err != nil {
			resp.Diagnostics.AddError("Invalid HTTP settings", err.Error())
			return
		}
		pd.manager = mgr
	}

	var configured []string
	for _, info := range clients.Platforms() {
		if a := cfg.accounts[info.Name]; a.configured() || a.unknown {
			configured = append(configured, string(info.Name))
		}
	}
	tflog.Debug(ctx, "Configured the iotauth provider", map[string]any{
		"version":              p.version,
		"commit":               p.commit,
		"configured_platforms": strings.Join(configured, ","),
		"request_timeout":      cfg.shared.Timeout.String(),
		"max_retries":          cfg.shared.MaxRetries,
		"settings_unknown":     cfg.sharedUnknown,
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

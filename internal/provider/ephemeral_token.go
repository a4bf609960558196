package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

var (
	_ ephemeral.EphemeralResource                   = (*tokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure      = (*tokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*tokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithRenew          = (*tokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithClose          = (*tokenEphemeralResource)(nil)
)

// tokenEphemeralResource is iotauth_token: a login whose token and other
// secrets never reach plan or state.
type tokenEphemeralResource struct {
	data *providerData
}

func newTokenEphemeralResource() ephemeral.EphemeralResource { return &tokenEphemeralResource{} }

// tokenModel is the iotauth_token block and its result.
//
// Its per-block platform settings (remember_me) are fields of their own:
// a platform that declares a new per-block setting needs a field here too
// (TestTokenModelMatchesSchema says so).
type tokenModel struct {
	Platform     types.String `tfsdk:"platform"`
	BaseURL      types.String `tfsdk:"base_url"`
	Username     types.String `tfsdk:"username"`
	Password     types.String `tfsdk:"password"`
	ClientID     types.String `tfsdk:"client_id"`
	ClientSecret types.String `tfsdk:"client_secret"`
	APIKey       types.String `tfsdk:"api_key"`
	RememberMe   types.Bool   `tfsdk:"remember_me"`

	// The token's lifetime (see the token lifetime guide).
	MinValidity   types.String `tfsdk:"min_validity"`
	RevokeOnClose types.Bool   `tfsdk:"revoke_on_close"`

	Token               types.String `tfsdk:"token"`
	TokenType           types.String `tfsdk:"token_type"`
	AuthorizationHeader types.String `tfsdk:"authorization_header"`
	Headers             types.Map    `tfsdk:"headers"`
	ExpiresAt           types.String `tfsdk:"expires_at"`
	ExpiresIn           types.Int64  `tfsdk:"expires_in"`
	CustomerID          types.String `tfsdk:"customer_id"`
	UserID              types.String `tfsdk:"user_id"`
	OrganizationID      types.String `tfsdk:"organization_id"`
	RefreshToken        types.String `tfsdk:"refresh_token"`
	MQTTUsername        types.String `tfsdk:"mqtt_username"`
	MQTTPassword        types.String `tfsdk:"mqtt_password"`
}

// perBlockSettings are the block's platform settings by attribute name.
func (m *tokenModel) perBlockSettings() map[string]types.Bool {
	return map[string]types.Bool{"remember_me": m.RememberMe}
}

// secrets lists the block's own secrets.
func (m *tokenModel) secrets() []string {
	return []string{m.Password.ValueString(), m.ClientSecret.ValueString(), m.APIKey.ValueString()}
}

// override applies the block's own settings to the provider's credentials.
func (m *tokenModel) override(cr *platform.Credentials) {
	if !m.BaseURL.IsNull() {
		cr.BaseURL = platform.NormalizeBaseURL(m.BaseURL.ValueString())
	}
	// The block's credentials, of whichever kind, replace the provider's.
	switch {
	case !m.APIKey.IsNull():
		cr.APIKey = m.APIKey.ValueString()
		cr.Username, cr.Password, cr.ClientID, cr.ClientSecret = "", "", "", ""
	case !m.ClientID.IsNull():
		cr.ClientID, cr.ClientSecret = m.ClientID.ValueString(), m.ClientSecret.ValueString()
		cr.Username, cr.Password, cr.APIKey = "", "", ""
	case !m.Username.IsNull():
		cr.Username, cr.Password = m.Username.ValueString(), m.Password.ValueString()
		cr.ClientID, cr.ClientSecret, cr.APIKey = "", "", ""
	}
	for name, v := range m.perBlockSettings() {
		if !v.IsNull() {
			cr.Options[name] = strconv.FormatBool(v.ValueBool())
		}
	}
}

// setUnknown marks every result unknown: the provider's settings are not
// known yet (planning), so the login waits for apply.
func (m *tokenModel) setUnknown() {
	for _, v := range []*types.String{
		&m.Token, &m.TokenType, &m.AuthorizationHeader, &m.ExpiresAt, &m.CustomerID, &m.UserID,
		&m.OrganizationID, &m.RefreshToken, &m.MQTTUsername, &m.MQTTPassword,
	} {
		*v = types.StringUnknown()
	}
	m.Headers = types.MapUnknown(types.StringType)
	m.ExpiresIn = types.Int64Unknown()
}

// Metadata names the ephemeral resource iotauth_token.
func (r *tokenEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_token"
}

// Schema describes the block's inputs and the login's results.
func (r *tokenEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	sensitiveResult := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: desc + " Sensitive."}
	}
	result := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	attrs := map[string]schema.Attribute{
		"platform": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "The platform to log in to: " + quotedList(platformNames()) + ".",
			Validators:          []validator.String{stringvalidator.OneOf(platformNames()...)},
		},
		"base_url": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Overrides the provider's `base_url` for this platform: an absolute `http://` or " +
				"`https://` URL with a host, without user-info, query or fragment. Default: the provider's setting.",
			Validators: []validator.String{baseURL()},
		},
		"username": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: onlyFor(platform.Password, "Logs in as this user instead of the provider's. "+
				"Requires `password`. Default: the provider's setting."),
			// Conflicts are reported here, on attributes that are not
			// secret, never on the line that holds api_key.
			Validators: []validator.String{
				notBlank(),
				stringvalidator.AlsoRequires(path.MatchRoot("password")),
				stringvalidator.ConflictsWith(path.MatchRoot("client_id"), path.MatchRoot("api_key")),
			},
		},
		"password": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			MarkdownDescription: onlyFor(platform.Password, "Password of `username`. Requires `username`. "+
				"Sensitive; ephemeral values (such as `ephemeral` variables) are accepted. Default: the provider's setting."),
			Validators: []validator.String{notBlank()},
		},
		"client_id": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: onlyFor(platform.ClientCredentials, "Logs in as this service account "+
				"(client-credentials grant) instead of the provider's account. Requires `client_secret`. "+
				"Default: the provider's setting."),
			Validators: []validator.String{
				notBlank(),
				stringvalidator.AlsoRequires(path.MatchRoot("client_secret")),
				stringvalidator.ConflictsWith(path.MatchRoot("api_key")),
			},
		},
		"client_secret": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			MarkdownDescription: onlyFor(platform.ClientCredentials, "Secret of `client_id`. Requires `client_id`. "+
				"Sensitive. Default: the provider's setting."),
			Validators: []validator.String{notBlank()},
		},
		"api_key": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			MarkdownDescription: onlyFor(platform.APIKey, "Uses this API key instead of the provider's credentials. "+
				"Nothing is sent to log in, and the key itself is the result's `token`. Sensitive; ephemeral values "+
				"(such as `ephemeral` variables) are accepted. Default: the provider's setting."),
			Validators: []validator.String{notBlank()},
		},
		"token": sensitiveResult("The access token, or the API key itself when the block or the provider uses one."),
		"token_type": result("The token type, the first word of `authorization_header`: `Bearer`, or `ApiKey` " +
			"with an API key."),
		"authorization_header": sensitiveResult("The value of the platform's authorization header: the token type, " +
			"a space and the token. Most platforms take it in `Authorization`; `headers` holds it under the " +
			"header each platform expects (see `headers`)."),
		"headers": schema.MapAttribute{
			Computed:    true,
			Sensitive:   true,
			ElementType: types.StringType,
			MarkdownDescription: "The headers every API call needs, ready to merge into a request. " +
				headersDoc() + " Sensitive.",
		},
		"expires_at": result("When the token expires, in RFC 3339 format (UTC); null when that is not known: " +
			"the platform does not say (Monogoto's console tokens carry no readable expiry), or an API key is used."),
		"expires_in": schema.Int64Attribute{
			Computed: true,
			MarkdownDescription: "Whole seconds the token had left when the block was opened; null when the " +
				"platform does not say when it expires.",
		},
		"min_validity": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "How long the token must stay valid from the moment this block opens, by the " +
				"token's own expiry: a duration such as `10m` or `2h`, between `0s` and `" + shortDuration(maxMinValidity) +
				"`. A session this provider process already holds with less time left is not used: the provider logs in " +
				"again (or refreshes, where the platform can). When even a new token cannot last that long (Coiote's " +
				"5-minute tokens against `10m`), the block fails after one login, before anything uses the token. A " +
				"token whose expiry the platform does not reveal counts as valid for the provider's `session_max_age` " +
				"after its login. Default: the provider's `min_validity` (`0s`: nothing beyond the cache's margin).",
			Validators: []validator.String{durationBetween(minMinValidity, maxMinValidity)},
		},
		"revoke_on_close": schema.BoolAttribute{
			Optional: true,
			MarkdownDescription: "Revoke the token when the last block of this provider process that uses it " +
				"closes, at the end of the plan and of the apply (a failed revocation is a warning). Only where the " +
				"platform can revoke the token: " + revocableDoc() + "; `true` elsewhere is an error. " +
				"Default: the provider's `revoke_on_close`, where it applies.",
		},
		"customer_id": result("The ID of the customer the user belongs to, where the platform has customers " +
			"(Monogoto's is also its `apikey` header); null otherwise."),
		"user_id": result("The platform's ID of the user; null when the platform returns none."),
		"organization_id": result("The user's primary organization, as the platform defines it (for example " +
			"Monogoto's organization ID or BienPort's first organization); null when there is none."),
		"refresh_token": sensitiveResult("The refresh token, where the platform returns one with a login " +
			"(for example Monogoto); null elsewhere."),
		"mqtt_username": result("MQTT broker user name, where the platform returns one (BienPort); null elsewhere."),
		"mqtt_password": sensitiveResult("MQTT broker password, where the platform returns one (BienPort); null elsewhere."),
	}
	for name, desc := range perBlockSettingDocs() {
		attrs[name] = schema.BoolAttribute{Optional: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Logs in to an IoT platform and returns the token and the headers an API call needs. " +
			"As an ephemeral resource (Terraform >= 1.10, OpenTofu >= 1.11) its results are never written to the plan " +
			"or the state: pass them to provider configurations, write-only attributes or provisioner environments. " +
			"Credentials come from the provider block (or its environment variables); `username` and `password` " +
			"(or `client_id` and `client_secret`, or `api_key`, where the platform accepts them) in this block override " +
			"them, so that `for_each` can walk many accounts. Blocks with the same credentials share one login per " +
			"provider process, and a login the platform refused is never sent again by that process. The token lifetime " +
			"guide explains min_validity, the warning when a token expires while in use, and revoke_on_close.",
		Attributes: attrs,
	}
}

// acceptedBy names the platforms that accept a credential kind, "" when
// every platform does.
func acceptedBy(kind platform.CredentialKind) string {
	var titles []string
	all := clients.Platforms()
	for _, info := range all {
		if info.Accepts(kind) {
			titles = append(titles, info.Title)
		}
	}
	if len(titles) == len(all) {
		return ""
	}
	return joinWords(titles, "and")
}

// onlyFor prefixes the description of a credential attribute with the
// platforms that accept it ("Coiote IoT DM only: logs in ...").
func onlyFor(kind platform.CredentialKind, desc string) string {
	if who := acceptedBy(kind); who != "" {
		return only(who, desc)
	}
	return desc
}

// only prefixes desc with "<who> only: ".
func only(who, desc string) string {
	return who + " only: " + strings.ToLower(desc[:1]) + desc[1:]
}

// headersDoc says which headers each platform's `headers` holds.
func headersDoc() string {
	var parts []string
	for _, info := range clients.Platforms() {
		parts = append(parts, info.Title+": "+info.HeadersDoc)
	}
	return strings.Join(parts, "; ") + "."
}

// perBlockSettingDocs describes each per-block platform setting by name.
func perBlockSettingDocs() map[string]string {
	docs := map[string]string{}
	for _, info := range clients.Platforms() {
		for _, s := range info.Settings {
			if s.PerBlock {
				docs[s.Name] = only(info.Title, fmt.Sprintf("%s Default: the provider's `%s.%s`.",
					s.Description, info.Name, s.Name))
			}
		}
	}
	return docs
}

// quotedList formats names as "`a`, `b` or `c`".
func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return joinWords(q, "or")
}

// Configure receives the provider data.
func (r *tokenEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig rejects arguments the chosen platform does not accept.
// Errors about a missing partner attribute go on the attribute that is not
// secret, so that Terraform never prints the line holding a password.
func (r *tokenEphemeralResource) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	var m tokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = logContext(ctx, m.secrets()...)
	if !m.Password.IsNull() && m.Username.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("username"), "Missing attribute",
			"Attribute password is set, so username must be set too.")
	}
	if !m.ClientSecret.IsNull() && m.ClientID.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("client_id"), "Missing attribute",
			"Attribute client_secret is set, so client_id must be set too.")
	}
	if m.Platform.IsNull() || m.Platform.IsUnknown() {
		return
	}
	info, ok := lookupInfo(platform.Name(m.Platform.ValueString()))
	if !ok {
		return // the OneOf validator reports it
	}
	for kind, set := range map[platform.CredentialKind]bool{
		platform.Password:          !m.Username.IsNull(),
		platform.ClientCredentials: !m.ClientID.IsNull(),
		platform.APIKey:            !m.APIKey.IsNull(),
	} {
		if set && !info.Accepts(kind) {
			// The error goes on the principal, or on platform for a kind
			// without one: never on the line that holds a secret.
			ca := credentialAttrs[kind]
			name, at := ca.principal, path.Root(ca.principal)
			if name == "" {
				name, at = ca.secret, path.Root("platform")
			}
			resp.Diagnostics.AddAttributeError(at, "Attribute not supported by this platform",
				fmt.Sprintf("Attribute %s is not accepted by %s (platform = %q); it is accepted by %s.",
					name, info.Title, info.Name, acceptedBy(kind)))
		}
	}
	for name, v := range m.perBlockSettings() {
		if s, ok := info.Setting(name); !v.IsNull() && (!ok || !s.PerBlock) {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Attribute not supported by this platform",
				fmt.Sprintf("Attribute %s is not a setting of %s (platform = %q).", name, info.Title, info.Name))
		}
	}
	// revoke_on_close = true where no credentials this block may use can
	// be revoked. When the provider's credentials decide (Coiote: a user
	// or a service account), Open checks it before any login.
	if m.RevokeOnClose.ValueBool() {
		kinds := info.Credentials
		switch {
		case !m.Username.IsNull():
			kinds = []platform.CredentialKind{platform.Password}
		case !m.ClientID.IsNull():
			kinds = []platform.CredentialKind{platform.ClientCredentials}
		}
		if !anyRevocable(info, kinds) {
			resp.Diagnostics.AddAttributeError(path.Root("revoke_on_close"), "Revocation not supported", revokeUnsupported(info, kinds))
		}
	}
	tflog.Trace(ctx, "Validated an iotauth_token block")
}

// Open logs in (or reuses this process's session for the same credentials)
// and returns the token and what comes with it.
func (r *tokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m tokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	secrets := m.secrets()
	if r.data != nil {
		secrets = append(secrets, r.data.secrets...)
	}
	// Mask every password this RPC can see before anything logs.
	ctx = logContext(ctx, secrets...)
	if r.data == nil {
		resp.Diagnostics.AddError("The iotauth provider is not configured",
			"The ephemeral resource was opened before the provider was configured. This is a bug in the provider or in Terraform; please report it.")
		return
	}

	name := platform.Name(m.Platform.ValueString())
	cr, state := r.data.credentials(name, path.Root("platform"), m.override, &resp.Diagnostics)
	switch state {
	case credentialsInvalid:
		return
	case credentialsUnknown:
		tflog.Debug(ctx, "The provider settings are not known yet: the token will be known after apply", map[string]any{"platform": string(name)})
		m.setUnknown()
		resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
		return
	}

	info, _ := lookupInfo(name) // credentials() has checked it exists
	need, revoke, ok := r.data.tokenLifetime(ctx, &m, info, cr.Kind(), &resp.Diagnostics)
	if !ok {
		return
	}
	s, lease, err := r.data.manager.Open(ctx, cr, need, revoke)
	if err != nil {
		addOpenError(&resp.Diagnostics, err, info, !m.MinValidity.IsNull(), secrets...)
		return
	}
	ctx = maskSecrets(ctx, s.Secrets()...)
	now := time.Now()
	addSessionWarnings(&resp.Diagnostics, info.Title, s.Warnings, func(a string) bool {
		return a == "user_id" || a == "customer_id" || a == "organization_id"
	})
	headers, diags := types.MapValueFrom(ctx, types.StringType, s.Headers)
	resp.Diagnostics.Append(diags...)
	m.Headers = headers
	m.Token = types.StringValue(s.Token)
	m.TokenType = types.StringValue(s.Type())
	m.AuthorizationHeader = types.StringValue(s.AuthorizationHeader())
	m.ExpiresAt = timeOrNull(s.ExpiresAt)
	m.ExpiresIn = types.Int64Null()
	if !m.ExpiresAt.IsNull() {
		m.ExpiresIn = types.Int64Value(max(0, int64(s.ExpiresAt.Sub(now)/time.Second)))
	}
	m.CustomerID = stringOrNull(s.Profile.CustomerID)
	m.UserID = stringOrNull(s.Profile.UserID)
	m.OrganizationID = stringOrNull(s.Profile.PrimaryOrganizationID())
	m.RefreshToken = stringOrNull(s.RefreshToken)
	m.MQTTUsername = stringOrNull(s.MQTTUsername)
	m.MQTTPassword = stringOrNull(s.MQTTPassword)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)

	// Renew and Close need the lease and what their messages name, never
	// the token: Close revokes through the Manager, which holds it.
	// An expiry the cache does not trust (already past at the login) gives
	// no RenewAt and no warning at Close either.
	renewAt, expiresAt := clients.RenewAt(s), ""
	if !renewAt.IsZero() {
		expiresAt = m.ExpiresAt.ValueString()
	}
	priv, err := json.Marshal(tokenPrivate{Lease: lease, Platform: string(name), User: cr.Principal(), ExpiresAt: expiresAt})
	if err != nil {
		resp.Diagnostics.AddError("Internal error", "The token's private data could not be encoded: "+err.Error())
	}
	if priv != nil {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateKey, priv)...)
	}
	if resp.Diagnostics.HasError() {
		// Terraform does not close a block whose Open failed.
		_, _ = r.data.manager.Release(ctx, lease)
		return
	}
	resp.RenewAt = renewAt
	tflog.Debug(ctx, "Opened an iotauth_token", map[string]any{
		"platform":        string(name),
		"user":            quoteName(cr.Principal()),
		"expires_at":      m.ExpiresAt.ValueString(),
		"min_validity":    need.MinValidity.String(),
		"revoke_on_close": revoke,
	})
}

// privateKey is the key of the token's private data.
const privateKey = "token"

// tokenPrivate is what Open hands to Renew and Close through Terraform:
// the Manager's lease on the session and what their messages name. It
// holds no secret (the lease ID is a random handle, meaningful only inside
// this provider process).
type tokenPrivate struct {
	Lease    string `json:"lease"`
	Platform string `json:"platform"`
	User     string `json:"user"`
	// ExpiresAt is RFC 3339, "" when unknown.
	ExpiresAt string `json:"expires_at,omitempty"`
}

// readPrivate reads the private data Open set; ok is false when there is
// none (a result that was unknown at plan time has no session).
func readPrivate(ctx context.Context, get func(context.Context, string) ([]byte, diag.Diagnostics), diags *diag.Diagnostics) (tokenPrivate, bool) {
	var p tokenPrivate
	b, d := get(ctx, privateKey)
	diags.Append(d...)
	if len(b) == 0 || d.HasError() {
		return p, false
	}
	if err := json.Unmarshal(b, &p); err != nil || p.Lease == "" {
		tflog.Debug(ctx, "The iotauth_token private data is not the provider's: ignored")
		return p, false
	}
	return p, true
}

// expiry is the private data's expiry, zero when unknown.
func (p tokenPrivate) expiry() time.Time {
	t, err := time.Parse(time.RFC3339, p.ExpiresAt)
	if err != nil {
		return time.Time{}
	}
	return t
}

// title is the platform's human name.
func (p tokenPrivate) title() string {
	if info, ok := lookupInfo(platform.Name(p.Platform)); ok {
		return info.Title
	}
	return p.Platform
}

// remedies says how to get a token that lasts as long as the work that
// uses it, with what the platform says of its own tokens.
func (p tokenPrivate) remedies() string {
	s := "To avoid this, set min_validity on the block (or the provider's min_validity) to at least as long as " +
		"the work that uses the token, or split the apply so that it ends before the token expires."
	if info, ok := lookupInfo(platform.Name(p.Platform)); ok && info.LifetimeDoc != "" {
		s += " " + strings.ReplaceAll(info.LifetimeDoc, "`", "")
	}
	return s
}

// Renew is called by Terraform shortly before the token expires (RenewAt)
// while something still uses it. A token cannot be swapped under a
// consumer that already has it, so Renew renews nothing: it says so in a
// warning naming the block's platform, user and expiry and the remedies,
// and retires the session so that blocks opened later in this process get
// a new one. It asks for no further renewal.
//
// Terraform before 1.17 drops the diagnostics of Renew (hashicorp/terraform
// issue 38574; the fix, pull request 38989, targets 1.17), so the warning is
// also logged (WARN) and Close warns again when the token did expire
// before its block closed.
func (r *tokenEphemeralResource) Renew(ctx context.Context, req ephemeral.RenewRequest, resp *ephemeral.RenewResponse) {
	p, ok := readPrivate(ctx, req.Private.GetKey, &resp.Diagnostics)
	if !ok || r.data == nil || r.data.manager == nil {
		return
	}
	ctx = logContext(ctx, r.data.secrets...)
	r.data.manager.Retire(p.Lease)
	summary := p.title() + " token expires while still in use"
	detail := fmt.Sprintf("The iotauth_token for %s user %s expires at %s, and Terraform is still using it. A token "+
		"cannot be replaced under a consumer that already has it: whatever uses it after that time is refused by "+
		"%s. Blocks opened from now on get a new token. %s",
		p.title(), quoteName(p.User), p.ExpiresAt, p.title(), p.remedies())
	resp.Diagnostics.AddWarning(summary, detail)
	tflog.Warn(ctx, summary, map[string]any{"platform": p.Platform, "user": p.User, "expires_at": p.ExpiresAt, "detail": detail})
}

// Close ends the block's lease on its session. When it was the last lease
// and revocation was asked for, the Manager revokes the token; a failure
// is a warning (the work is done). It also warns when the token expired
// before its block closed: whatever used it after that was refused.
func (r *tokenEphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	p, ok := readPrivate(ctx, req.Private.GetKey, &resp.Diagnostics)
	if !ok || r.data == nil || r.data.manager == nil {
		return
	}
	secrets := r.data.secrets
	ctx = logContext(ctx, secrets...)
	if exp := p.expiry(); !exp.IsZero() && time.Now().After(exp) {
		resp.Diagnostics.AddWarning(p.title()+" token expired while still in use",
			fmt.Sprintf("The iotauth_token for %s user %s expired at %s, before Terraform closed it at %s: "+
				"whatever used it after %s was refused by %s (a token cannot be replaced under a consumer that "+
				"already has it). %s", p.title(), quoteName(p.User), p.ExpiresAt, time.Now().UTC().Format(time.RFC3339),
				p.ExpiresAt, p.title(), p.remedies()))
	}
	revoked, err := r.data.manager.Release(ctx, p.Lease)
	if err != nil {
		detail := err.Error() + "\n\nThe work that used the token is done; the token stays valid until it expires"
		if p.ExpiresAt != "" {
			detail += " at " + p.ExpiresAt
		}
		detail += ". Revocation is best effort; check the platform's logout or revocation endpoint if this repeats."
		resp.Diagnostics.AddWarning(p.title()+" token revocation failed", redact(detail, secrets...))
		return
	}
	if revoked {
		tflog.Debug(ctx, "Revoked an iotauth_token", map[string]any{"platform": p.Platform, "user": p.User})
	}
}

// tokenLifetime resolves the block's min_validity and revoke_on_close
// over the provider's defaults, for credentials of kind. The provider's
// revoke_on_close applies only where the platform can revoke tokens of
// kind; the block's own revoke_on_close = true elsewhere is an error.
func (d *providerData) tokenLifetime(ctx context.Context, m *tokenModel, info platform.Info, kind platform.CredentialKind, diags *diag.Diagnostics) (platform.Need, bool, bool) {
	need := platform.Need{MinValidity: d.tokens.minValidity}
	if !m.MinValidity.IsNull() {
		// The schema's validator has checked it.
		v, err := time.ParseDuration(strings.TrimSpace(m.MinValidity.ValueString()))
		if err != nil {
			diags.AddAttributeError(path.Root("min_validity"), "Invalid Duration", err.Error())
			return need, false, false
		}
		need.MinValidity = v
	}
	canRevoke := info.CanRevoke(kind)
	if !m.RevokeOnClose.IsNull() {
		if m.RevokeOnClose.ValueBool() && !canRevoke {
			diags.AddAttributeError(path.Root("revoke_on_close"), "Revocation not supported",
				revokeUnsupported(info, []platform.CredentialKind{kind}))
			return need, false, false
		}
		return need, m.RevokeOnClose.ValueBool(), true
	}
	if d.tokens.revokeOnClose && !canRevoke {
		tflog.Debug(ctx, "The provider's revoke_on_close does not apply: the platform cannot revoke these tokens",
			map[string]any{"platform": string(info.Name), "credentials": string(kind)})
	}
	return need, d.tokens.revokeOnClose && canRevoke, true
}

// addOpenError reports a failed Open. A token too short-lived for
// min_validity gets its own summary, the platform's own word on its token
// lifetimes, and the min_validity attribute when the block set it.
func addOpenError(diags *diag.Diagnostics, err error, info platform.Info, blockMinValidity bool, secrets ...string) {
	e, ok := platform.AsError(err)
	if !ok || e.Kind != platform.KindTokenTooShort {
		addPlatformError(diags, err, secrets...)
		return
	}
	summary := info.Title + " token too short-lived for min_validity"
	detail := e.Error() + "\n\n" + e.Hint()
	if info.LifetimeDoc != "" {
		detail += " " + strings.ReplaceAll(info.LifetimeDoc, "`", "")
	}
	detail = redact(detail, secrets...)
	if blockMinValidity {
		diags.AddAttributeError(path.Root("min_validity"), summary, detail)
		return
	}
	diags.AddError(summary, detail)
}

// anyRevocable reports whether the platform can revoke tokens of any of kinds.
func anyRevocable(info platform.Info, kinds []platform.CredentialKind) bool {
	for _, k := range kinds {
		if info.CanRevoke(k) {
			return true
		}
	}
	return false
}

// kindWords names a credential kind's attributes: "client_id and client_secret".
func kindWords(k platform.CredentialKind) string {
	return credentialAttrs[k].names("")
}

// revokeUnsupported explains why a block signing in with one of kinds
// cannot have revoke_on_close.
func revokeUnsupported(info platform.Info, kinds []platform.CredentialKind) string {
	if len(info.Revokes) == 0 {
		return fmt.Sprintf("%s documents no way to revoke a token, so its tokens live until they expire. Remove "+
			"revoke_on_close from this block (the provider's revoke_on_close does not apply to %s).", info.Title, info.Title)
	}
	var can, cannot []string
	for _, k := range info.Revokes {
		can = append(can, kindWords(k))
	}
	for _, k := range kinds {
		cannot = append(cannot, kindWords(k))
	}
	return fmt.Sprintf("%s can revoke only tokens obtained with %s; this block signs in with %s, whose tokens have "+
		"no documented revocation endpoint. Remove revoke_on_close from this block, or sign in with %s.",
		info.Title, joinWords(can, "or"), joinWords(cannot, "or"), joinWords(can, "or"))
}

// revocableDoc names, in Markdown, the platforms (and credential kinds)
// whose tokens the provider can revoke.
func revocableDoc() string {
	var parts []string
	for _, info := range clients.Platforms() {
		if len(info.Revokes) == 0 {
			continue
		}
		if len(info.Revokes) == len(info.Credentials) {
			parts = append(parts, info.Title)
			continue
		}
		var kinds []string
		for _, k := range info.Revokes {
			ca := credentialAttrs[k]
			kinds = append(kinds, "`"+ca.principal+"` and `"+ca.secret+"`")
		}
		parts = append(parts, info.Title+" (with "+joinWords(kinds, "or")+")")
	}
	if len(parts) == 0 {
		return "none of the supported platforms"
	}
	return joinWords(parts, "and")
}

// stringOrNull is a string value, null when empty.
func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// timeOrNull formats t in RFC 3339 (UTC), null when zero or out of range.
func timeOrNull(t time.Time) types.String {
	// RFC 3339 has four-digit years: a date the platform sent beyond
	// them is as good as unknown.
	if t.IsZero() || t.UTC().Year() > 9999 || t.UTC().Year() < 0 {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

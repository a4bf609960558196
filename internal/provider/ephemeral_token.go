package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
	RememberMe   types.Bool   `tfsdk:"remember_me"`

	Token               types.String `tfsdk:"token"`
	TokenType           types.String `tfsdk:"token_type"`
	AuthorizationHeader types.String `tfsdk:"authorization_header"`
	Headers             types.Map    `tfsdk:"headers"`
	ExpiresAt           types.String `tfsdk:"expires_at"`
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
	return []string{m.Password.ValueString(), m.ClientSecret.ValueString()}
}

// override applies the block's own settings to the provider's credentials.
func (m *tokenModel) override(cr *platform.Credentials) {
	if !m.BaseURL.IsNull() {
		cr.BaseURL = platform.NormalizeBaseURL(m.BaseURL.ValueString())
	}
	switch {
	case !m.ClientID.IsNull():
		cr.ClientID, cr.ClientSecret = m.ClientID.ValueString(), m.ClientSecret.ValueString()
		cr.Username, cr.Password = "", ""
	case !m.Username.IsNull():
		cr.Username, cr.Password = m.Username.ValueString(), m.Password.ValueString()
		cr.ClientID, cr.ClientSecret = "", ""
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
			Validators: []validator.String{
				notBlank(),
				stringvalidator.AlsoRequires(path.MatchRoot("password")),
				stringvalidator.ConflictsWith(path.MatchRoot("client_id")),
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
			},
		},
		"client_secret": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			MarkdownDescription: onlyFor(platform.ClientCredentials, "Secret of `client_id`. Requires `client_id`. "+
				"Sensitive. Default: the provider's setting."),
			Validators: []validator.String{notBlank()},
		},
		"token":      sensitiveResult("The access token."),
		"token_type": result("The token type, `Bearer` on every supported platform."),
		"authorization_header": sensitiveResult("The value of the platform's authorization header: the token type, " +
			"a space and the token. `headers` names the header it goes in."),
		"headers": schema.MapAttribute{
			Computed:    true,
			Sensitive:   true,
			ElementType: types.StringType,
			MarkdownDescription: "The headers every API call needs, ready to merge into a request. " +
				headersDoc() + " Sensitive.",
		},
		"expires_at": result("When the token expires, in RFC 3339 format (UTC); null when the platform does " +
			"not say (Monogoto's console tokens carry no readable expiry)."),
		"customer_id": result("Monogoto's customer ID (also its API key header); null on other platforms."),
		"user_id":     result("The platform's ID of the user; null when the platform returns none."),
		"organization_id": result("The user's organization: Monogoto's organization ID or BienPort's first " +
			"organization; null when there is none."),
		"refresh_token": sensitiveResult("The refresh token, where the platform returns one with a login " +
			"(Monogoto); null elsewhere."),
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
			"(or `client_id` and `client_secret` where the platform accepts service accounts) in this block override " +
			"them, so that `for_each` can walk many accounts. Blocks with the same credentials share one login per " +
			"provider process, and a login the platform refused is never sent again by that process.",
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
	} {
		if set && !info.Accepts(kind) {
			name := credentialAttrs[kind].principal
			resp.Diagnostics.AddAttributeError(path.Root(name), "Attribute not supported by this platform",
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
		secrets = append(secrets, r.data.secrets()...)
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

	ctx, s := r.data.session(ctx, cr, &resp.Diagnostics)
	if s == nil {
		return
	}
	if info, ok := lookupInfo(name); ok {
		addSessionWarnings(&resp.Diagnostics, info.Title, s.Warnings, func(a string) bool {
			return a == "user_id" || a == "customer_id" || a == "organization_id"
		})
	}
	headers, diags := types.MapValueFrom(ctx, types.StringType, s.Headers)
	resp.Diagnostics.Append(diags...)
	m.Headers = headers
	m.Token = types.StringValue(s.Token)
	m.TokenType = types.StringValue(tokenType(s))
	m.AuthorizationHeader = types.StringValue(s.AuthorizationHeader())
	m.ExpiresAt = timeOrNull(s.ExpiresAt)
	m.CustomerID = stringOrNull(s.Profile.CustomerID)
	m.UserID = stringOrNull(s.Profile.UserID)
	m.OrganizationID = stringOrNull(s.Profile.PrimaryOrganizationID())
	m.RefreshToken = stringOrNull(s.RefreshToken)
	m.MQTTUsername = stringOrNull(s.MQTTUsername)
	m.MQTTPassword = stringOrNull(s.MQTTPassword)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
	tflog.Debug(ctx, "Opened an iotauth_token", map[string]any{
		"platform":   string(name),
		"user":       quoteName(cr.Principal()),
		"expires_at": m.ExpiresAt.ValueString(),
	})
}

// tokenType is the session's token type, "Bearer" when the platform gave none.
func tokenType(s *platform.Session) string {
	if s.TokenType == "" {
		return "Bearer"
	}
	return s.TokenType
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

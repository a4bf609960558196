package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

var (
	_ ephemeral.EphemeralResource                   = (*tokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure      = (*tokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*tokenEphemeralResource)(nil)
)

// tokenEphemeralResource is iotauth_token: a login whose token and other
// secrets never reach plan or state. It has no Renew (the platforms offer
// no renewal a consumer could use) and no Close (it keeps no private data;
// the platforms have no logout).
type tokenEphemeralResource struct {
	data *providerData
}

func newTokenEphemeralResource() ephemeral.EphemeralResource { return &tokenEphemeralResource{} }

// tokenModel is the iotauth_token block and its result. It is read by
// tokenArgs and written by value, never through the framework's reflection.
type tokenModel struct {
	Platform types.String
	blockOverrides

	Token               types.String
	TokenType           types.String
	AuthorizationHeader types.String
	Headers             tftypes.Value // map of strings
	ExpiresAt           types.String
	CustomerID          types.String
	UserID              types.String
	OrganizationID      types.String
	RefreshToken        types.String
	MQTTUsername        types.String
	MQTTPassword        types.String
}

func (m *tokenModel) overrides() blockOverrides { return m.blockOverrides }

// setUnknown marks every result unknown: the provider's settings are not
// known yet (planning), so the login waits for apply.
func (m *tokenModel) setUnknown() {
	for _, v := range []*types.String{
		&m.Token, &m.TokenType, &m.AuthorizationHeader, &m.ExpiresAt, &m.CustomerID, &m.UserID,
		&m.OrganizationID, &m.RefreshToken, &m.MQTTUsername, &m.MQTTPassword,
	} {
		*v = types.StringUnknown()
	}
	m.Headers = tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, tftypes.UnknownValue)
}

// Metadata names the ephemeral resource iotauth_token.
func (r *tokenEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_token"
}

// platformNames lists the platform names for OneOf validators.
func platformNames() []string {
	names := make([]string, 0, len(platform.Names()))
	for _, n := range platform.Names() {
		names = append(names, string(n))
	}
	return names
}

// Schema describes the block's inputs and the login's results.
func (r *tokenEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	sensitiveResult := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: desc + " Sensitive."}
	}
	result := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Logs in to an IoT platform and returns the token and the headers an API call needs. " +
			"As an ephemeral resource (Terraform >= 1.10, OpenTofu >= 1.11) its results are never written to the plan " +
			"or the state: pass them to provider configurations, write-only attributes or provisioner environments. " +
			"Credentials come from the provider block (or its environment variables); `username` and `password` " +
			"(or, for Coiote, `client_id` and `client_secret`) in this block override them, so that `for_each` can " +
			"walk many accounts. Blocks with the same credentials share one login per provider process.",
		Attributes: map[string]schema.Attribute{
			"platform": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The platform to log in to: `monogoto`, `coiote` or `bienport`.",
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
				MarkdownDescription: "Logs in as this user instead of the provider's. Requires `password`. " +
					"Default: the provider's setting.",
				Validators: []validator.String{
					notBlank(),
					stringvalidator.AlsoRequires(path.MatchRoot("password")),
					stringvalidator.ConflictsWith(path.MatchRoot("client_id")),
				},
			},
			"password": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Password of `username`. Requires `username`. Sensitive; ephemeral values " +
					"(such as `ephemeral` variables) are accepted. Default: the provider's setting.",
				Validators: []validator.String{
					notBlank(),
					stringvalidator.AlsoRequires(path.MatchRoot("username")),
				},
			},
			"client_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Coiote only: logs in as this IAM service account (client-credentials grant) " +
					"instead of the provider's account. Requires `client_secret`. Default: the provider's setting.",
				Validators: []validator.String{
					notBlank(),
					stringvalidator.AlsoRequires(path.MatchRoot("client_secret")),
				},
			},
			"client_secret": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Coiote only: secret of `client_id`. Requires `client_id`. Sensitive. " +
					"Default: the provider's setting.",
				Validators: []validator.String{
					notBlank(),
					stringvalidator.AlsoRequires(path.MatchRoot("client_id")),
				},
			},
			"remember_me": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "BienPort only: `true` asks for a 3-month token instead of a 3-hour one. " +
					"Default: the provider's `bienport.remember_me` (itself `false` by default).",
			},
			"token":      sensitiveResult("The access token."),
			"token_type": result("The token type, `Bearer` on every supported platform."),
			"authorization_header": sensitiveResult(
				"The value of the `Authorization` header: the token type, a space and the token."),
			"headers": schema.MapAttribute{
				Computed:    true,
				Sensitive:   true,
				ElementType: types.StringType,
				MarkdownDescription: "The headers every API call needs, ready to merge into a request: " +
					"`Authorization`, plus `apikey` (the customer ID) for Monogoto and `OrganizationId` " +
					"(the user's first organization) for BienPort when the account has one. Sensitive.",
			},
			"expires_at": result("When the token expires, in RFC 3339 format (UTC); null when the platform does " +
				"not say (Monogoto's console tokens carry no readable expiry)."),
			"customer_id": result("Monogoto's customer ID (also its API key header); null on other platforms."),
			"user_id":     result("The platform's ID of the user; null when the platform returns none."),
			"organization_id": result("The user's organization: Monogoto's organization ID or BienPort's first " +
				"organization; null when there is none."),
			"refresh_token": sensitiveResult("The refresh token Monogoto returns with a login; null on other platforms."),
			"mqtt_username": result("BienPort's MQTT broker user name; null on other platforms."),
			"mqtt_password": sensitiveResult("BienPort's MQTT broker password; null on other platforms."),
		},
	}
}

// Configure receives the provider data.
func (r *tokenEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig rejects settings that belong to another platform.
func (r *tokenEphemeralResource) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	m, err := tokenArgs(req.Config.Raw)
	if err != nil {
		resp.Diagnostics.AddError("Unreadable configuration", err.Error())
	}
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = logContext(ctx, m.overrides().secrets()...)
	if m.Platform.IsNull() || m.Platform.IsUnknown() {
		return
	}
	p := platform.Name(m.Platform.ValueString())
	if p != platform.Coiote {
		for name, v := range map[string]types.String{"client_id": m.ClientID, "client_secret": m.ClientSecret} {
			if !v.IsNull() {
				resp.Diagnostics.AddAttributeError(path.Root(name), "Attribute not supported by this platform",
					fmt.Sprintf("Attribute %s is supported only with platform = \"coiote\" (IAM service accounts), not %q.", name, p))
			}
		}
	}
	if p != platform.Bienport && !m.RememberMe.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("remember_me"), "Attribute not supported by this platform",
			fmt.Sprintf("Attribute remember_me is supported only with platform = \"bienport\", not %q.", p))
	}
	tflog.Trace(ctx, "Validated an iotauth_token block")
}

// tokenObjectType is the ephemeral resource's schema as a Terraform type
// (TestTokenObjectTypeMatchesSchema compares it with the schema).
var tokenObjectType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
	"platform": tftypes.String, "base_url": tftypes.String, "username": tftypes.String, "password": tftypes.String,
	"client_id": tftypes.String, "client_secret": tftypes.String, "remember_me": tftypes.Bool,
	"token": tftypes.String, "token_type": tftypes.String, "authorization_header": tftypes.String,
	"headers": tftypes.Map{ElementType: tftypes.String}, "expires_at": tftypes.String, "customer_id": tftypes.String,
	"user_id": tftypes.String, "organization_id": tftypes.String, "refresh_token": tftypes.String,
	"mqtt_username": tftypes.String, "mqtt_password": tftypes.String,
}}

// value is the model as the result's raw value. Open sets resp.Result.Raw
// with it instead of calling resp.Result.Set: Set reflects on the value and
// walks every attribute path against the schema, which was the largest
// part of Open's allocations (make bench), and the result has no blocks
// for Set's null-block handling to act on.
func (m *tokenModel) value() tftypes.Value {
	return tftypes.NewValue(tokenObjectType, map[string]tftypes.Value{
		"platform": tfString(m.Platform), "base_url": tfString(m.BaseURL), "username": tfString(m.Username),
		"password": tfString(m.Password), "client_id": tfString(m.ClientID), "client_secret": tfString(m.ClientSecret),
		"remember_me": tfBool(m.RememberMe), "token": tfString(m.Token), "token_type": tfString(m.TokenType),
		"authorization_header": tfString(m.AuthorizationHeader), "headers": m.Headers,
		"expires_at": tfString(m.ExpiresAt), "customer_id": tfString(m.CustomerID),
		"user_id": tfString(m.UserID), "organization_id": tfString(m.OrganizationID), "refresh_token": tfString(m.RefreshToken),
		"mqtt_username": tfString(m.MQTTUsername), "mqtt_password": tfString(m.MQTTPassword),
	})
}

// Open logs in (or reuses this process's session for the same credentials)
// and returns the token and what comes with it.
func (r *tokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	m, err := tokenArgs(req.Config.Raw)
	if err != nil {
		resp.Diagnostics.AddError("Unreadable configuration", err.Error())
	}
	if resp.Diagnostics.HasError() {
		return
	}
	o := m.overrides()
	var secrets []string
	if r.data != nil {
		secrets = r.data.secrets()
	}
	// Mask every password this RPC can see before anything logs.
	ctx = logContext(ctx, append(secrets, o.secrets()...)...)
	if r.data == nil {
		resp.Diagnostics.AddError("The iotauth provider is not configured",
			"The ephemeral resource was opened before the provider was configured. This is a bug in the provider or in Terraform; please report it.")
		return
	}

	p := platform.Name(m.Platform.ValueString())
	cr, state := r.data.credentials(p, o, path.Root("platform"), true, &resp.Diagnostics)
	switch state {
	case credentialsInvalid:
		return
	case credentialsUnknown:
		tflog.Debug(ctx, "The provider settings are not known yet: the token will be known after apply", map[string]any{"platform": string(p)})
		m.setUnknown()
		resp.Result.Raw = m.value()
		return
	}

	ctx, s := r.data.session(ctx, cr, &resp.Diagnostics)
	if s == nil {
		return
	}
	m.Token = types.StringValue(s.Token)
	m.TokenType = types.StringValue(tokenType(s))
	m.AuthorizationHeader = types.StringValue(s.AuthorizationHeader())
	m.Headers = tfStringMap(s.Headers())
	m.ExpiresAt = types.StringNull()
	if !s.ExpiresAt.IsZero() {
		m.ExpiresAt = types.StringValue(s.ExpiresAt.UTC().Format(time.RFC3339))
	}
	m.CustomerID = stringOrNull(s.Profile.CustomerID)
	m.UserID = stringOrNull(s.Profile.UserID)
	m.OrganizationID = stringOrNull(s.Profile.PrimaryOrganizationID())
	m.RefreshToken = stringOrNull(s.RefreshToken)
	m.MQTTUsername = stringOrNull(s.MQTTUsername)
	m.MQTTPassword = stringOrNull(s.MQTTPassword)
	resp.Result.Raw = m.value()
	tflog.Debug(ctx, "Opened an iotauth_token", map[string]any{
		"platform":   string(p),
		"user":       cr.Principal(),
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

// tokenArgs reads the block's arguments straight from the raw value rather
// than through req.Config.Get: the framework's reflection into an 18-field
// struct compiles a regular expression per field per call, which was the
// largest part of Open and ValidateConfig in the provider's CPU profile
// (make bench).
func tokenArgs(raw tftypes.Value) (tokenModel, error) {
	var m tokenModel
	attrs, err := rawAttributes(raw)
	if err != nil {
		return m, err
	}
	for name, dst := range map[string]*types.String{"platform": &m.Platform, "base_url": &m.BaseURL, "username": &m.Username,
		"password": &m.Password, "client_id": &m.ClientID, "client_secret": &m.ClientSecret} {
		if *dst, err = rawString(attrs, name); err != nil {
			return m, err
		}
	}
	m.RememberMe, err = rawBool(attrs, "remember_me")
	return m, err
}

package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

var (
	_ datasource.DataSource              = (*userProfileDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*userProfileDataSource)(nil)
)

// userProfileDataSource is iotauth_user_profile: the non-secret facts about
// the provider's account on one platform. It lands in state, so it takes
// no credential argument and returns nothing secret.
type userProfileDataSource struct {
	data *providerData
}

func newUserProfileDataSource() datasource.DataSource { return &userProfileDataSource{} }

// userProfileModel is the data source's state.
type userProfileModel struct {
	Platform        types.String `tfsdk:"platform"`
	ID              types.String `tfsdk:"id"`
	UserID          types.String `tfsdk:"user_id"`
	UserName        types.String `tfsdk:"user_name"`
	Email           types.String `tfsdk:"email"`
	CustomerID      types.String `tfsdk:"customer_id"`
	OrganizationID  types.String `tfsdk:"organization_id"`
	OrganizationIDs types.List   `tfsdk:"organization_ids"`
	Roles           types.List   `tfsdk:"roles"`
	Permissions     types.Map    `tfsdk:"permissions"`
	Monogoto        types.Object `tfsdk:"monogoto"`
	Coiote          types.Object `tfsdk:"coiote"`
	Bienport        types.Object `tfsdk:"bienport"`
}

// Attribute types of the nested results.
var (
	stringList = types.ListType{ElemType: types.StringType}

	monogotoProfileTypes = map[string]attr.Type{
		"realm":                     types.StringType,
		"role_profile_id":           types.StringType,
		"profile_name":              types.StringType,
		"profile_type":              types.StringType,
		"two_factor_authentication": types.BoolType,
		"things_group_ids":          stringList,
		"profile_created":           types.StringType,
		"profile_modified":          types.StringType,
	}
	coioteProfileTypes = map[string]attr.Type{
		"login":              types.StringType,
		"domain":             types.StringType,
		"active":             types.BoolType,
		"super_user":         types.BoolType,
		"staff":              types.BoolType,
		"full_name":          types.StringType,
		"expiration_date":    types.StringType,
		"creation_date":      types.StringType,
		"security_policy_id": types.StringType,
		"properties":         types.MapType{ElemType: types.StringType},
	}
	bienportOrganizationTypes = map[string]attr.Type{
		"id":   types.StringType,
		"name": types.StringType,
	}
	bienportResourceTypes = map[string]attr.Type{
		"resource_id":     types.Int64Type,
		"network_id":      types.StringType,
		"resource_name":   types.StringType,
		"enabled":         types.BoolType,
		"tree_path":       types.StringType,
		"org_id":          types.Int64Type,
		"resource_type":   types.StringType,
		"device_sub_type": types.StringType,
	}
	bienportRoleTypes = map[string]attr.Type{
		"role_id":   types.Int64Type,
		"role_name": types.StringType,
		"type":      types.Int64Type,
		"inherited": types.BoolType,
		"type_pk":   types.Int64Type,
		"type_name": types.StringType,
	}
	bienportProfileTypes = map[string]attr.Type{
		"screen_name":   types.StringType,
		"locale_id":     types.StringType,
		"organizations": types.ListType{ElemType: types.ObjectType{AttrTypes: bienportOrganizationTypes}},
		"resources":     types.ListType{ElemType: types.ObjectType{AttrTypes: bienportResourceTypes}},
		"roles":         types.ListType{ElemType: types.ObjectType{AttrTypes: bienportRoleTypes}},
	}
)

// Metadata names the data source iotauth_user_profile.
func (d *userProfileDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user_profile"
}

// Schema describes the profile attributes.
func (d *userProfileDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	boolean := func(desc string) schema.BoolAttribute {
		return schema.BoolAttribute{Computed: true, MarkdownDescription: desc}
	}
	integer := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{Computed: true, MarkdownDescription: desc}
	}
	strings := func(desc string) schema.ListAttribute {
		return schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the non-secret profile of the provider's account on one platform: IDs, " +
			"organizations, roles, permissions and platform-specific facts. It logs in with the provider's " +
			"credentials (sharing the login with `iotauth_token` blocks of the same account) and takes no " +
			"credential argument, because everything here is stored in the state. Nothing it returns is secret.",
		Attributes: map[string]schema.Attribute{
			"platform": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The platform whose profile to read: `monogoto`, `coiote` or `bienport`.",
				Validators:          []validator.String{stringvalidator.OneOf(platformNames()...)},
			},
			"id":          str("`<platform>/<user ID>` (the user name when the platform returns no ID)."),
			"user_id":     str("The platform's ID of the user; null when it returns none."),
			"user_name":   str("The user name: Monogoto's e-mail address, Coiote's login, BienPort's screen name."),
			"email":       str("The user's e-mail address; null when the platform returns none."),
			"customer_id": str("Monogoto's customer ID (its API key); null on other platforms."),
			"organization_id": str("The user's primary organization (Monogoto's organization, BienPort's first); " +
				"null when there is none."),
			"organization_ids": strings("Every organization ID of the user, primary first; empty when none."),
			"roles":            strings("Role names: Monogoto's user profile name, Coiote's roles, BienPort's role names."),
			"permissions": schema.MapAttribute{
				Computed:    true,
				ElementType: stringList,
				MarkdownDescription: "Permission name to its actions (Monogoto: `view`, `edit`, `delete`). " +
					"Coiote permissions carry no actions: each maps to an empty list. BienPort returns none.",
			},
			"monogoto": schema.SingleNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Monogoto-only facts; null on other platforms.",
				Attributes: map[string]schema.Attribute{
					"realm":                     str("The account's realm."),
					"role_profile_id":           str("The user profile ID held in the login's `Role` field."),
					"profile_name":              str("The user profile's name."),
					"profile_type":              str("The user profile's type."),
					"two_factor_authentication": boolean("Whether two-factor authentication is on."),
					"things_group_ids":          strings("The things groups the user may see."),
					"profile_created":           str("When the user profile was created (RFC 3339); null when unknown."),
					"profile_modified":          str("When the user profile was last changed (RFC 3339); null when unknown."),
				},
			},
			"coiote": schema.SingleNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Coiote-only facts; null on other platforms. The user record's password is never read.",
				Attributes: map[string]schema.Attribute{
					"login":              str("The user's login."),
					"domain":             str("The user's domain, a path such as `/IoT/acme/`."),
					"active":             boolean("Whether the account is active."),
					"super_user":         boolean("Whether the user is a super user."),
					"staff":              boolean("Whether the user is staff."),
					"full_name":          str("The user's full name."),
					"expiration_date":    str("When the account expires, as the platform writes it."),
					"creation_date":      str("When the account was created, as the platform writes it."),
					"security_policy_id": str("The account's security policy."),
					"properties": schema.MapAttribute{
						Computed: true, ElementType: types.StringType,
						MarkdownDescription: "The user's free-form properties.",
					},
				},
			},
			"bienport": schema.SingleNestedAttribute{
				Computed:            true,
				MarkdownDescription: "BienPort-only facts; null on other platforms. The MQTT password is never included.",
				Attributes: map[string]schema.Attribute{
					"screen_name": str("The screen name."),
					"locale_id":   str("The user's locale, such as `tr_TR`."),
					"organizations": schema.ListNestedAttribute{
						Computed:            true,
						MarkdownDescription: "The organizations the user belongs to.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"id":   str("Organization ID (a string: BienPort sends numbers and strings)."),
							"name": str("Organization name."),
						}},
					},
					"resources": schema.ListNestedAttribute{
						Computed:            true,
						MarkdownDescription: "The gateways and devices the user can see.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"resource_id":     integer("Resource ID."),
							"network_id":      str("Network ID (MAC-like)."),
							"resource_name":   str("Resource name."),
							"enabled":         boolean("Whether the resource is enabled."),
							"tree_path":       str("Position in the organization tree."),
							"org_id":          integer("Organization the resource belongs to."),
							"resource_type":   str("`Gateway` or `Device`."),
							"device_sub_type": str("Device sub-type."),
						}},
					},
					"roles": schema.ListNestedAttribute{
						Computed:            true,
						MarkdownDescription: "The user's roles in detail.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"role_id":   integer("Role ID."),
							"role_name": str("Role name."),
							"type":      integer("Role type."),
							"inherited": boolean("Whether the role is inherited."),
							"type_pk":   integer("Primary key of the role's scope."),
							"type_name": str("Name of the role's scope; null when absent."),
						}},
					},
				},
			},
		},
	}
}

// Configure receives the provider data.
func (d *userProfileDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Read logs in with the provider's credentials (or reuses the session) and
// stores the account's profile.
func (d *userProfileDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m userProfileModel
	var err error
	if m.Platform, err = profilePlatformArg(req.Config.Raw); err != nil {
		resp.Diagnostics.AddError("Unreadable configuration", err.Error())
		return
	}
	if d.data == nil {
		resp.Diagnostics.AddError("The iotauth provider is not configured",
			"The data source was read before the provider was configured. This is a bug in the provider or in Terraform; please report it.")
		return
	}
	// Mask every password this RPC can see before anything logs.
	ctx = logContext(ctx, d.data.secrets()...)

	p := platform.Name(m.Platform.ValueString())
	cr, state := d.data.credentials(p, blockOverrides{}, path.Root("platform"), false, &resp.Diagnostics)
	switch state {
	case credentialsInvalid:
		return
	case credentialsUnknown:
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &datasource.Deferred{Reason: datasource.DeferredReasonProviderConfigUnknown}
			return
		}
		addUnknownProviderConfigError(&resp.Diagnostics, p)
		return
	}
	ctx, s := d.data.session(ctx, cr, &resp.Diagnostics)
	if s == nil {
		return
	}
	if cached, ok := d.data.profileStates.Load(s); ok {
		if v, ok := cached.(tftypes.Value); ok {
			resp.State.Raw = v
			return
		}
	}
	resp.Diagnostics.Append(m.fill(ctx, p, &s.Profile)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	if !resp.Diagnostics.HasError() {
		d.data.profileStates.Store(s, resp.State.Raw)
	}
	tflog.Debug(ctx, "Read an iotauth_user_profile", map[string]any{"platform": string(p), "id": m.ID.ValueString()})
}

// profilePlatformArg reads the data source's one argument, platform,
// straight from the raw configuration: req.Config.Get would reflect into
// the 13-field model and compile a regular expression per field, about an
// eighth of a read's allocations (make bench).
func profilePlatformArg(raw tftypes.Value) (types.String, error) {
	attrs, err := rawAttributes(raw)
	if err != nil {
		return types.StringNull(), err
	}
	return rawString(attrs, "platform")
}

// fill sets the model from a profile.
func (m *userProfileModel) fill(ctx context.Context, p platform.Name, pr *platform.Profile) diag.Diagnostics {
	var diags diag.Diagnostics
	id := pr.UserID
	if id == "" {
		id = pr.UserName
	}
	m.ID = types.StringValue(string(p) + "/" + id)
	m.UserID = stringOrNull(pr.UserID)
	m.UserName = stringOrNull(pr.UserName)
	m.Email = stringOrNull(pr.Email)
	m.CustomerID = stringOrNull(pr.CustomerID)
	m.OrganizationID = stringOrNull(pr.PrimaryOrganizationID())
	m.OrganizationIDs = listOfStrings(pr.OrganizationIDs, &diags)
	m.Roles = listOfStrings(pr.Roles, &diags)

	perms := make(map[string]attr.Value, len(pr.Permissions))
	for _, name := range pr.PermissionNames() {
		perms[name] = listOfStrings(pr.Permissions[name], &diags)
	}
	var d diag.Diagnostics
	m.Permissions, d = types.MapValue(stringList, perms)
	diags.Append(d...)

	m.Monogoto = types.ObjectNull(monogotoProfileTypes)
	m.Coiote = types.ObjectNull(coioteProfileTypes)
	m.Bienport = types.ObjectNull(bienportProfileTypes)
	switch {
	case p == platform.Monogoto && pr.Monogoto != nil:
		m.Monogoto = monogotoObject(pr.Monogoto, &diags)
	case p == platform.Coiote && pr.Coiote != nil:
		m.Coiote = coioteObject(ctx, pr.Coiote, &diags)
	case p == platform.Bienport && pr.Bienport != nil:
		m.Bienport = bienportObject(pr.Bienport, &diags)
	}
	return diags
}

// listOfStrings is a known list (empty for nil).
func listOfStrings(v []string, diags *diag.Diagnostics) types.List {
	elems := make([]attr.Value, 0, len(v))
	for _, s := range v {
		elems = append(elems, types.StringValue(s))
	}
	l, d := types.ListValue(types.StringType, elems)
	diags.Append(d...)
	return l
}

// timeOrNull formats t in RFC 3339 (UTC), null when zero.
func timeOrNull(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// object builds an object value.
func object(t map[string]attr.Type, values map[string]attr.Value, diags *diag.Diagnostics) types.Object {
	o, d := types.ObjectValue(t, values)
	diags.Append(d...)
	return o
}

func monogotoObject(x *platform.MonogotoExtras, diags *diag.Diagnostics) types.Object {
	return object(monogotoProfileTypes, map[string]attr.Value{
		"realm":                     stringOrNull(x.Realm),
		"role_profile_id":           stringOrNull(x.RoleProfileID),
		"profile_name":              stringOrNull(x.ProfileName),
		"profile_type":              stringOrNull(x.ProfileType),
		"two_factor_authentication": types.BoolValue(x.TwoFactorAuthentication),
		"things_group_ids":          listOfStrings(x.ThingsGroupIDs, diags),
		"profile_created":           timeOrNull(x.ProfileCreated),
		"profile_modified":          timeOrNull(x.ProfileModified),
	}, diags)
}

func coioteObject(ctx context.Context, x *platform.CoioteExtras, diags *diag.Diagnostics) types.Object {
	props, d := types.MapValueFrom(ctx, types.StringType, nonNilMap(x.Properties))
	diags.Append(d...)
	return object(coioteProfileTypes, map[string]attr.Value{
		"login":              stringOrNull(x.Login),
		"domain":             stringOrNull(x.Domain),
		"active":             types.BoolValue(x.Active),
		"super_user":         types.BoolValue(x.SuperUser),
		"staff":              types.BoolValue(x.Staff),
		"full_name":          stringOrNull(x.FullName),
		"expiration_date":    stringOrNull(x.ExpirationDate),
		"creation_date":      stringOrNull(x.CreationDate),
		"security_policy_id": stringOrNull(x.SecurityPolicyID),
		"properties":         props,
	}, diags)
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func bienportObject(x *platform.BienportExtras, diags *diag.Diagnostics) types.Object {
	orgs := make([]attr.Value, 0, len(x.Organizations))
	for _, o := range x.Organizations {
		orgs = append(orgs, object(bienportOrganizationTypes, map[string]attr.Value{
			"id":   stringOrNull(o.ID),
			"name": stringOrNull(o.Name),
		}, diags))
	}
	res := make([]attr.Value, 0, len(x.Resources))
	for _, r := range x.Resources {
		res = append(res, object(bienportResourceTypes, map[string]attr.Value{
			"resource_id":     types.Int64Value(r.ResourceID),
			"network_id":      stringOrNull(r.NetworkID),
			"resource_name":   stringOrNull(r.ResourceName),
			"enabled":         types.BoolValue(r.Enabled),
			"tree_path":       stringOrNull(r.TreePath),
			"org_id":          types.Int64Value(r.OrgID),
			"resource_type":   stringOrNull(r.ResourceType),
			"device_sub_type": stringOrNull(r.DeviceSubType),
		}, diags))
	}
	roles := make([]attr.Value, 0, len(x.RoleDetails))
	for _, r := range x.RoleDetails {
		roles = append(roles, object(bienportRoleTypes, map[string]attr.Value{
			"role_id":   types.Int64Value(r.RoleID),
			"role_name": stringOrNull(r.RoleName),
			"type":      types.Int64Value(r.Type),
			"inherited": types.BoolValue(r.Inherited),
			"type_pk":   types.Int64Value(r.TypePK),
			"type_name": stringOrNull(r.TypeName),
		}, diags))
	}
	return object(bienportProfileTypes, map[string]attr.Value{
		"screen_name":   stringOrNull(x.ScreenName),
		"locale_id":     stringOrNull(x.LocaleID),
		"organizations": objectList(bienportOrganizationTypes, orgs, diags),
		"resources":     objectList(bienportResourceTypes, res, diags),
		"roles":         objectList(bienportRoleTypes, roles, diags),
	}, diags)
}

func objectList(t map[string]attr.Type, elems []attr.Value, diags *diag.Diagnostics) types.List {
	l, d := types.ListValue(types.ObjectType{AttrTypes: t}, elems)
	diags.Append(d...)
	return l
}

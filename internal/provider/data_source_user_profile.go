package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
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

var stringList = types.ListType{ElemType: types.StringType}

// Metadata names the data source iotauth_user_profile.
func (d *userProfileDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user_profile"
}

// Schema describes the profile attributes.
func (d *userProfileDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	strings := func(desc string) schema.ListAttribute {
		return schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc}
	}
	attrs := map[string]schema.Attribute{
		"platform": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "The platform whose profile to read: " + quotedList(platformNames()) + ".",
			Validators:          []validator.String{stringvalidator.OneOf(platformNames()...)},
		},
		"id":      str("`<platform>/<user ID>` (the user name when the platform returns no ID)."),
		"user_id": str("The platform's ID of the user; null when it returns none."),
		"user_name": str("The user name, as the platform knows the user (for example Monogoto's e-mail " +
			"address, Coiote's login or BienPort's screen name)."),
		"email": str("The user's e-mail address; null when the platform returns none."),
		"customer_id": str("The ID of the customer the user belongs to, where the platform has customers " +
			"(Monogoto's is also its API key); null otherwise."),
		"organization_id": str("The user's primary organization, as the platform defines it (for example " +
			"Monogoto's organization or BienPort's first); null when there is none."),
		"organization_ids": strings("Every organization ID of the user, primary first; empty when none."),
		"roles": strings("Role names, as the platform names them (for example Monogoto's user profile name " +
			"or Coiote's roles)."),
		"permissions": schema.MapAttribute{
			Computed:    true,
			ElementType: stringList,
			MarkdownDescription: "Permission name to its actions (Monogoto: `view`, `edit`, `delete`). " +
				"Permissions that carry no actions (Coiote's) map to an empty list; platforms that return no " +
				"permissions give an empty map.",
		},
	}
	for _, info := range clients.Platforms() {
		attrs[string(info.Name)] = schema.SingleNestedAttribute{
			Computed:            true,
			MarkdownDescription: info.ProfileDoc,
			Attributes:          fieldAttributes(info.ProfileFields),
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the non-secret profile of the provider's account on one platform: IDs, " +
			"organizations, roles, permissions and platform-specific facts. It logs in with the provider's " +
			"credentials (sharing the login with `iotauth_token` blocks of the same account) and takes no " +
			"credential argument, because everything here is stored in the state. Nothing it returns is secret.",
		Attributes: attrs,
	}
}

// fieldAttributes are the schema attributes of declared profile fields.
func fieldAttributes(fields []platform.Field) map[string]schema.Attribute {
	attrs := make(map[string]schema.Attribute, len(fields))
	for _, f := range fields {
		desc := f.Description
		switch f.Type {
		case platform.String, platform.Time:
			attrs[f.Name] = schema.StringAttribute{Computed: true, MarkdownDescription: desc}
		case platform.Bool:
			attrs[f.Name] = schema.BoolAttribute{Computed: true, MarkdownDescription: desc}
		case platform.Int:
			attrs[f.Name] = schema.Int64Attribute{Computed: true, MarkdownDescription: desc}
		case platform.StringList:
			attrs[f.Name] = schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc}
		case platform.StringMap:
			attrs[f.Name] = schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc}
		case platform.ObjectList:
			attrs[f.Name] = schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: desc,
				NestedObject:        schema.NestedAttributeObject{Attributes: fieldAttributes(f.Fields)},
			}
		}
	}
	return attrs
}

// Configure receives the provider data.
func (d *userProfileDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Read logs in with the provider's credentials (or reuses the session) and
// stores the account's profile.
func (d *userProfileDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var platformArg types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("platform"), &platformArg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.data == nil {
		resp.Diagnostics.AddError("The iotauth provider is not configured",
			"The data source was read before the provider was configured. This is a bug in the provider or in Terraform; please report it.")
		return
	}
	// Mask every password this RPC can see before anything logs.
	ctx = logContext(ctx, d.data.secrets...)

	name := platform.Name(platformArg.ValueString())
	cr, state := d.data.credentials(name, path.Root("platform"), nil, &resp.Diagnostics)
	if state == credentialsInvalid {
		return
	}
	info, _ := lookupInfo(name) // credentials() has checked it exists
	if state == credentialsUnknown {
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &datasource.Deferred{Reason: datasource.DeferredReasonProviderConfigUnknown}
			return
		}
		if len(d.data.unknownShared) > 0 {
			addUnknownSharedSettingsError(&resp.Diagnostics, d.data.unknownShared)
		} else {
			addUnknownProviderConfigError(&resp.Diagnostics, info)
		}
		return
	}
	ctx, s := d.data.session(ctx, cr, &resp.Diagnostics)
	if s == nil {
		return
	}
	addSessionWarnings(&resp.Diagnostics, info.Title, s.Warnings, nil)
	objType, ok := resp.State.Schema.Type().(types.ObjectType)
	if !ok {
		resp.Diagnostics.AddError("Unexpected schema type",
			fmt.Sprintf("The data source's schema is a %T, not an object. This is a bug in the provider; please report it.", resp.State.Schema.Type()))
		return
	}
	values := profileValues(name, cr.Principal(), &s.Profile, objType.AttrTypes, &resp.Diagnostics)
	// A list the platform sent in a form that could not be read is null,
	// not empty (the warning above says so).
	for _, a := range []string{"roles", "permissions", "organization_ids"} {
		if nulledBy(s.Warnings, a) {
			values[a] = types.ListNull(types.StringType)
			if a == "permissions" {
				values[a] = types.MapNull(stringList)
			}
		}
	}
	result, diags := types.ObjectValue(objType.AttrTypes, values)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, result)...)
	// The log names the configured account, not the profile's values: no
	// text a platform sent reaches a log.
	tflog.Debug(ctx, "Read an iotauth_user_profile", map[string]any{"platform": string(name), "user": quoteName(cr.Principal())})
}

// profileValues are the state's attribute values for a profile read from
// platform name; principal names the account when the platform returns
// neither a user ID nor a user name. attrTypes are the schema's, which
// give each platform's extras their types.
func profileValues(name platform.Name, principal string, pr *platform.Profile, attrTypes map[string]attr.Type, diags *diag.Diagnostics) map[string]attr.Value {
	id := pr.UserID
	if id == "" {
		id = pr.UserName
	}
	if id == "" {
		id = principal
	}
	perms := make(map[string]attr.Value, len(pr.Permissions))
	for _, n := range pr.PermissionNames() {
		perms[n] = listOfStrings(pr.Permissions[n], diags)
	}
	permissions, d := types.MapValue(stringList, perms)
	diags.Append(d...)
	values := map[string]attr.Value{
		"platform":         types.StringValue(string(name)),
		"id":               types.StringValue(string(name) + "/" + id),
		"user_id":          stringOrNull(pr.UserID),
		"user_name":        stringOrNull(pr.UserName),
		"email":            stringOrNull(pr.Email),
		"customer_id":      stringOrNull(pr.CustomerID),
		"organization_id":  stringOrNull(pr.PrimaryOrganizationID()),
		"organization_ids": listOfStrings(pr.OrganizationIDs, diags),
		"roles":            listOfStrings(pr.Roles, diags),
		"permissions":      permissions,
	}
	for _, info := range clients.Platforms() {
		t := objectAttrTypes(attrTypes[string(info.Name)])
		if info.Name != name || pr.Extras == nil {
			values[string(info.Name)] = types.ObjectNull(t)
			continue
		}
		values[string(info.Name)] = object(t, extrasValues(info.ProfileFields, t, pr.Extras, diags), diags)
	}
	return values
}

// objectAttrTypes are the attribute types of an object type (nil for any
// other type).
func objectAttrTypes(t attr.Type) map[string]attr.Type {
	o, _ := t.(types.ObjectType)
	return o.AttrTypes
}

// extrasValues converts a platform's extras as its fields declare them, with
// the schema's types for them. A missing key, or a value of another Go type
// than the field's, is null.
func extrasValues(fields []platform.Field, attrTypes map[string]attr.Type, extras map[string]any, diags *diag.Diagnostics) map[string]attr.Value {
	values := make(map[string]attr.Value, len(fields))
	for _, f := range fields {
		values[f.Name] = extraValue(f, attrTypes[f.Name], extras[f.Name], diags)
	}
	return values
}

func extraValue(f platform.Field, typ attr.Type, v any, diags *diag.Diagnostics) attr.Value {
	switch f.Type {
	case platform.String:
		s, _ := v.(string)
		return stringOrNull(s)
	case platform.Time:
		t, _ := v.(time.Time)
		return timeOrNull(t)
	case platform.Bool:
		if b, ok := v.(bool); ok {
			return types.BoolValue(b)
		}
		return types.BoolNull()
	case platform.Int:
		if n, ok := v.(int64); ok {
			return types.Int64Value(n)
		}
		return types.Int64Null()
	case platform.StringList:
		if l, ok := v.([]string); ok {
			return listOfStrings(l, diags)
		}
		return types.ListNull(types.StringType)
	case platform.StringMap:
		m, ok := v.(map[string]string)
		if !ok {
			return types.MapNull(types.StringType)
		}
		elems := make(map[string]attr.Value, len(m))
		for k, s := range m {
			elems[k] = types.StringValue(s)
		}
		out, d := types.MapValue(types.StringType, elems)
		diags.Append(d...)
		return out
	case platform.ObjectList:
		list, _ := typ.(types.ListType)
		t := objectAttrTypes(list.ElemType)
		items, ok := v.([]map[string]any)
		if !ok {
			return types.ListNull(types.ObjectType{AttrTypes: t})
		}
		elems := make([]attr.Value, 0, len(items))
		for _, item := range items {
			elems = append(elems, object(t, extrasValues(f.Fields, t, item, diags), diags))
		}
		out, d := types.ListValue(types.ObjectType{AttrTypes: t}, elems)
		diags.Append(d...)
		return out
	}
	return types.StringNull()
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

// object builds an object value.
func object(t map[string]attr.Type, values map[string]attr.Value, diags *diag.Diagnostics) types.Object {
	o, d := types.ObjectValue(t, values)
	diags.Append(d...)
	return o
}

// Command stubprov is the benchmark's "framework floor": a provider named
// iotauth built on the same plugin framework and go-plugin stack as the real
// one, with the same block types and the attributes the benchmark's
// configurations use, that does no work at all: no validators, no HTTP, no
// session cache; iotauth_token returns a constant token and
// iotauth_user_profile a constant user ID.
//
// Run under the same configurations as the real provider, it measures what
// Terraform's provider protocol costs by itself (processes started per
// command, go-plugin's handshake and TLS, the framework's RPC handling), so
// that the report can tell the real provider's own cost from that floor.
package main

import (
	"context"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	eschema "github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func main() {
	// The log settings of the real provider's main (internal/logquiet) for
	// the variables the stub has, so that the floor measures the framework,
	// not log formatting the real provider no longer does.
	if os.Getenv("TF_LOG") == "" && os.Getenv("TF_LOG_PROVIDER") == "" {
		for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"} {
			if _, set := os.LookupEnv(name); !set {
				_ = os.Setenv(name, "off")
			}
		}
	}
	err := providerserver.Serve(context.Background(), func() provider.Provider { return stubProvider{} }, providerserver.ServeOpts{
		Address:         "registry.terraform.io/iotauth/iotauth",
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// stubProvider accepts the real provider's platform blocks and ignores them.
type stubProvider struct{}

var (
	_ provider.Provider                       = stubProvider{}
	_ provider.ProviderWithEphemeralResources = stubProvider{}
)

func (stubProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "iotauth"
}

func (stubProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	platformBlock := pschema.SingleNestedAttribute{
		Optional: true,
		Attributes: map[string]pschema.Attribute{
			"base_url": pschema.StringAttribute{Optional: true},
			"username": pschema.StringAttribute{Optional: true},
			"password": pschema.StringAttribute{Optional: true, Sensitive: true},
		},
	}
	resp.Schema = pschema.Schema{Attributes: map[string]pschema.Attribute{
		"monogoto": platformBlock, "coiote": platformBlock, "bienport": platformBlock,
	}}
}

func (stubProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (stubProvider) Resources(context.Context) []func() resource.Resource { return nil }

func (stubProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{func() datasource.DataSource { return stubProfile{} }}
}

func (stubProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{func() ephemeral.EphemeralResource { return stubToken{} }}
}

// stubToken is iotauth_token returning a constant.
type stubToken struct{}

type stubTokenModel struct {
	Platform            types.String `tfsdk:"platform"`
	Token               types.String `tfsdk:"token"`
	AuthorizationHeader types.String `tfsdk:"authorization_header"`
}

func (stubToken) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_token"
}

func (stubToken) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = eschema.Schema{Attributes: map[string]eschema.Attribute{
		"platform":             eschema.StringAttribute{Required: true},
		"token":                eschema.StringAttribute{Computed: true, Sensitive: true},
		"authorization_header": eschema.StringAttribute{Computed: true, Sensitive: true},
	}}
}

func (stubToken) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m stubTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.Token = types.StringValue("stub-token")
	m.AuthorizationHeader = types.StringValue("Bearer stub-token")
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}

// stubProfile is iotauth_user_profile returning a constant.
type stubProfile struct{}

type stubProfileModel struct {
	Platform types.String `tfsdk:"platform"`
	UserID   types.String `tfsdk:"user_id"`
}

func (stubProfile) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user_profile"
}

func (stubProfile) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dsschema.Schema{Attributes: map[string]dsschema.Attribute{
		"platform": dsschema.StringAttribute{Required: true},
		"user_id":  dsschema.StringAttribute{Computed: true},
	}}
}

func (stubProfile) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m stubProfileModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.UserID = types.StringValue("stub-user")
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

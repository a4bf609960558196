package provider_test

// A schema floor for the in-process benchmarks. floorProvider serves
// exactly the provider's schemas (its own Metadata and Schema methods, so
// the framework validates the same attributes with the same validators)
// and returns, for every block, the result and the state the real provider
// returned for the mock's seed account, but runs none of the provider's
// code: no provider ValidateConfig or Configure, no block ValidateConfig,
// no credentials, session cache or log masking, no value building. What a
// floor benchmark costs is what terraform-plugin-framework costs for these
// schemas and values; what the real benchmark costs on top is the
// provider's own work (bench/NOTES.md).

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	iotauth "github.com/iotauth/terraform-provider-iotauth/internal/provider"
)

var (
	_ provider.ProviderWithEphemeralResources = (*floorProvider)(nil)
	_ ephemeral.EphemeralResource             = (*floorToken)(nil)
	_ datasource.DataSource                   = (*floorProfile)(nil)
)

type floorProvider struct {
	inner   provider.Provider
	token   ephemeral.EphemeralResource
	profile datasource.DataSource
	result  tftypes.Value
	state   tftypes.Value
}

// newFloorProvider wraps the real provider's schemas around fixed values.
func newFloorProvider(result, state tftypes.Value) (*floorProvider, error) {
	inner := iotauth.New("bench", "none")()
	rp, ok := inner.(provider.ProviderWithEphemeralResources)
	if !ok {
		return nil, fmt.Errorf("the provider has no ephemeral resources")
	}
	ctx := context.Background()
	tokens, profiles := rp.EphemeralResources(ctx), inner.DataSources(ctx)
	if len(tokens) != 1 || len(profiles) != 1 {
		return nil, fmt.Errorf("the floor expects one ephemeral resource and one data source, not %d and %d", len(tokens), len(profiles))
	}
	return &floorProvider{inner: inner, token: tokens[0](), profile: profiles[0](), result: result, state: state}, nil
}

func (p *floorProvider) Metadata(ctx context.Context, req provider.MetadataRequest, resp *provider.MetadataResponse) {
	p.inner.Metadata(ctx, req, resp)
}

func (p *floorProvider) Schema(ctx context.Context, req provider.SchemaRequest, resp *provider.SchemaResponse) {
	p.inner.Schema(ctx, req, resp)
}

func (p *floorProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *floorProvider) Resources(context.Context) []func() resource.Resource { return nil }

func (p *floorProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{func() datasource.DataSource { return &floorProfile{p} }}
}

func (p *floorProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{func() ephemeral.EphemeralResource { return &floorToken{p} }}
}

type floorToken struct{ p *floorProvider }

func (t *floorToken) Metadata(ctx context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	t.p.token.Metadata(ctx, req, resp)
}

func (t *floorToken) Schema(ctx context.Context, req ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	t.p.token.Schema(ctx, req, resp)
}

func (t *floorToken) Open(_ context.Context, _ ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	resp.Result.Raw = t.p.result
}

type floorProfile struct{ p *floorProvider }

func (d *floorProfile) Metadata(ctx context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	d.p.profile.Metadata(ctx, req, resp)
}

func (d *floorProfile) Schema(ctx context.Context, req datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	d.p.profile.Schema(ctx, req, resp)
}

func (d *floorProfile) Read(_ context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	resp.State.Raw = d.p.state
}

// newFloorEnv opens one token and reads one profile with the real provider
// against the mock, and returns a configured floor server that answers
// with those values.
func newFloorEnv(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	srv := benchStartMock(b)
	actual, err := newBenchServer(ctx, srv)
	if err != nil {
		b.Fatal(err)
	}
	if err := actual.configure(ctx); err != nil {
		b.Fatal(err)
	}
	or, err := actual.srv.OpenEphemeralResource(ctx, &tfprotov6.OpenEphemeralResourceRequest{TypeName: benchTokenType, Config: actual.token})
	if err == nil {
		err = benchDiags("OpenEphemeralResource", or.Diagnostics)
	}
	if err != nil {
		b.Fatal(err)
	}
	result, err := or.Result.Unmarshal(actual.tokenType)
	if err != nil {
		b.Fatal(err)
	}
	rr, err := actual.srv.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: benchProfileType, Config: actual.profile})
	if err == nil {
		err = benchDiags("ReadDataSource", rr.Diagnostics)
	}
	if err != nil {
		b.Fatal(err)
	}
	state, err := rr.State.Unmarshal(actual.profileType)
	if err != nil {
		b.Fatal(err)
	}
	fp, err := newFloorProvider(result, state)
	if err != nil {
		b.Fatal(err)
	}
	e, err := newBenchServerFor(ctx, srv, fp)
	if err != nil {
		b.Fatal(err)
	}
	if err := e.configure(ctx); err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkSchemaFloorOpenToken is BenchmarkProviderOpenToken's RPCs on
// the schema floor.
func BenchmarkSchemaFloorOpenToken(b *testing.B) {
	benchEach(b, newFloorEnv(b), (*benchEnv).openToken)
}

// BenchmarkSchemaFloorReadProfile is BenchmarkProviderReadProfile's RPCs on
// the schema floor.
func BenchmarkSchemaFloorReadProfile(b *testing.B) {
	benchEach(b, newFloorEnv(b), (*benchEnv).readProfile)
}

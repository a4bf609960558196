package provider_test

// Benchmarks of the provider's RPC paths through the framework's protocol 6
// server, the way Terraform drives one provider process: schema, provider
// validation and configuration, then per block a validation and an Open
// (ephemeral iotauth_token) or a Read (iotauth_user_profile). The mock
// platforms run in-process with no added latency. `make bench` runs these
// with -benchmem; `go test -run '^$' -bench Provider100Blocks -cpuprofile
// cpu.prof` profiles the provider's code path without Terraform (make bench
// profiles the provider under Terraform with bench/cmd/provprof).

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	iotauth "github.com/iotauth/terraform-provider-iotauth/internal/provider"
	"github.com/iotauth/terraform-provider-iotauth/internal/schemafloor"
)

const (
	benchTokenType   = "iotauth_token"
	benchProfileType = "iotauth_user_profile"
	// benchTerraformVersion is the Terraform version the results were
	// taken with; the provider puts it in its User-Agent.
	benchTerraformVersion = "1.11.4"
)

// benchEnv is a provider server with the configurations a benchmark sends.
type benchEnv struct {
	srv         tfprotov6.ProviderServer
	provider    *tfprotov6.DynamicValue
	token       *tfprotov6.DynamicValue
	profile     *tfprotov6.DynamicValue
	tokenType   tftypes.Type
	profileType tftypes.Type
	mockServer  *mock.Server
}

// newBenchServer returns a new provider server (a fresh provider value,
// as in a new provider process) and the configurations for the mock's
// seeded Monogoto account (seed 001).
func newBenchServer(ctx context.Context, srv *mock.Server) (*benchEnv, error) {
	return newBenchServerFor(ctx, srv, iotauth.New("bench", "none")())
}

// newBenchServerFor is newBenchServer with another provider value.
func newBenchServerFor(ctx context.Context, srv *mock.Server, p provider.Provider) (*benchEnv, error) {
	ps, err := providerserver.NewProtocol6WithError(p)()
	if err != nil {
		return nil, err
	}
	schemas, err := ps.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, err
	}
	if err := schemafloor.DiagsError("GetProviderSchema", schemas.Diagnostics); err != nil {
		return nil, err
	}
	pt := schemas.Provider.ValueType()
	ot, ok := pt.(tftypes.Object)
	if !ok {
		return nil, fmt.Errorf("provider schema type %s is not an object", pt)
	}
	mono, err := schemafloor.Object(ot.AttributeTypes["monogoto"], map[string]tftypes.Value{
		"base_url": tftypes.NewValue(tftypes.String, srv.BaseURL(platform.Monogoto)),
		"username": tftypes.NewValue(tftypes.String, mock.SeedMonogotoDemo.UserName),
		"password": tftypes.NewValue(tftypes.String, mock.SeedMonogotoDemo.Password),
	})
	if err != nil {
		return nil, err
	}
	env := &benchEnv{srv: ps, mockServer: srv}
	if env.provider, err = schemafloor.Dynamic(pt, map[string]tftypes.Value{"monogoto": mono}); err != nil {
		return nil, err
	}
	tokenSchema, ok := schemas.EphemeralResourceSchemas[benchTokenType]
	if !ok {
		return nil, fmt.Errorf("no %s schema", benchTokenType)
	}
	onMonogoto := map[string]tftypes.Value{"platform": tftypes.NewValue(tftypes.String, string(platform.Monogoto))}
	env.tokenType = tokenSchema.ValueType()
	if env.token, err = schemafloor.Dynamic(env.tokenType, onMonogoto); err != nil {
		return nil, err
	}
	profileSchema, ok := schemas.DataSourceSchemas[benchProfileType]
	if !ok {
		return nil, fmt.Errorf("no %s schema", benchProfileType)
	}
	env.profileType = profileSchema.ValueType()
	if env.profile, err = schemafloor.Dynamic(env.profileType, onMonogoto); err != nil {
		return nil, err
	}
	return env, nil
}

// configure validates and configures the provider.
func (e *benchEnv) configure(ctx context.Context) error {
	vr, err := e.srv.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: e.provider})
	if err != nil {
		return err
	}
	if err := schemafloor.DiagsError("ValidateProviderConfig", vr.Diagnostics); err != nil {
		return err
	}
	cr, err := e.srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: benchTerraformVersion, Config: e.provider,
	})
	if err != nil {
		return err
	}
	return schemafloor.DiagsError("ConfigureProvider", cr.Diagnostics)
}

// openToken is what Terraform asks of the provider for one iotauth_token
// block in one walk: validate, open, close.
func (e *benchEnv) openToken(ctx context.Context) error {
	vr, err := e.srv.ValidateEphemeralResourceConfig(ctx, &tfprotov6.ValidateEphemeralResourceConfigRequest{
		TypeName: benchTokenType, Config: e.token,
	})
	if err != nil {
		return err
	}
	if err := schemafloor.DiagsError("ValidateEphemeralResourceConfig", vr.Diagnostics); err != nil {
		return err
	}
	or, err := e.srv.OpenEphemeralResource(ctx, &tfprotov6.OpenEphemeralResourceRequest{
		TypeName: benchTokenType, Config: e.token,
	})
	if err != nil {
		return err
	}
	if err := schemafloor.DiagsError("OpenEphemeralResource", or.Diagnostics); err != nil {
		return err
	}
	if or.Result == nil {
		return fmt.Errorf("OpenEphemeralResource returned no result")
	}
	cl, err := e.srv.CloseEphemeralResource(ctx, &tfprotov6.CloseEphemeralResourceRequest{
		TypeName: benchTokenType, Private: or.Private,
	})
	if err != nil {
		return err
	}
	return schemafloor.DiagsError("CloseEphemeralResource", cl.Diagnostics)
}

// readProfile is what Terraform asks for one iotauth_user_profile block.
func (e *benchEnv) readProfile(ctx context.Context) error {
	vr, err := e.srv.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{
		TypeName: benchProfileType, Config: e.profile,
	})
	if err != nil {
		return err
	}
	if err := schemafloor.DiagsError("ValidateDataResourceConfig", vr.Diagnostics); err != nil {
		return err
	}
	rr, err := e.srv.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{
		TypeName: benchProfileType, Config: e.profile,
	})
	if err != nil {
		return err
	}
	if err := schemafloor.DiagsError("ReadDataSource", rr.Diagnostics); err != nil {
		return err
	}
	if rr.State == nil {
		return fmt.Errorf("ReadDataSource returned no state")
	}
	return nil
}

func benchStartMock(b *testing.B) *mock.Server {
	b.Helper()
	srv, err := mock.Start(mock.DefaultConfig())
	if err != nil {
		b.Fatalf("starting the mock platforms: %v", err)
	}
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkProviderSchema is GetProviderSchema on a new provider server:
// part of every provider process's start.
func BenchmarkProviderSchema(b *testing.B) {
	srv := benchStartMock(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := newBenchServer(ctx, srv); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProviderOpenToken is one iotauth_token block (validate, open,
// close) on a configured provider whose session cache is warm.
func BenchmarkProviderOpenToken(b *testing.B) {
	benchEach(b, newConfiguredBenchEnv(b), (*benchEnv).openToken)
}

// BenchmarkProviderReadProfile is one iotauth_user_profile block (validate,
// read) on a configured provider whose session cache is warm.
func BenchmarkProviderReadProfile(b *testing.B) {
	benchEach(b, newConfiguredBenchEnv(b), (*benchEnv).readProfile)
}

// newConfiguredBenchEnv is a configured provider server on a new mock.
func newConfiguredBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	e, err := newBenchServer(ctx, benchStartMock(b))
	if err != nil {
		b.Fatal(err)
	}
	if err := e.configure(ctx); err != nil {
		b.Fatal(err)
	}
	return e
}

// benchEach runs one block per iteration after a first, untimed one (which
// logs in and warms the session cache).
func benchEach(b *testing.B, e *benchEnv, block func(*benchEnv, context.Context) error) {
	b.Helper()
	ctx := context.Background()
	if err := block(e, ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := block(e, ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// benchBlocks is one provider process's work for n blocks: a new provider
// (cold session cache), schema, configuration, then every block, the first
// of which logs in to the mock. It reports the time per block.
func benchBlocks(b *testing.B, n int, block func(*benchEnv, context.Context) error) {
	srv := benchStartMock(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		e, err := newBenchServer(ctx, srv)
		if err != nil {
			b.Fatal(err)
		}
		if err := e.configure(ctx); err != nil {
			b.Fatal(err)
		}
		for range n {
			if err := block(e, ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/block")
}

// BenchmarkProvider100Blocks is a provider process's share of a plan with
// 100 iotauth_token blocks using the same credentials (one login).
func BenchmarkProvider100Blocks(b *testing.B) {
	benchBlocks(b, 100, (*benchEnv).openToken)
}

// BenchmarkProvider100Profiles is the same with 100 iotauth_user_profile
// data sources.
func BenchmarkProvider100Profiles(b *testing.B) {
	benchBlocks(b, 100, (*benchEnv).readProfile)
}

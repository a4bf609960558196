// Package schemafloor is the benchmark's schema floor: a provider that
// serves exactly the real provider's schemas (its own Metadata and Schema
// methods, so the framework validates the same attributes with the same
// validators) and answers every iotauth_token and iotauth_user_profile block
// with values the real provider returned earlier, running none of the
// provider's code: no provider ValidateConfig or Configure, no block
// ValidateConfig, no credentials, session cache, HTTP or value building.
//
// What a command costs on the floor is what Terraform and
// terraform-plugin-framework cost for these schemas and these values; what
// the real provider costs on top is its own work. The in-process benchmarks
// (internal/provider/benchmark_floor_test.go) and the whole-Terraform
// benchmark (bench/cmd/schemafloor under bench/cmd/tfbench) both use it.
package schemafloor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	iotauth "github.com/iotauth/terraform-provider-iotauth/internal/provider"
)

// Type names of the two blocks the floor answers.
const (
	TokenType   = "iotauth_token" //nolint:gosec // G101: a type name, not a credential.
	ProfileType = "iotauth_user_profile"
)

// Values are what the floor answers: the result of opening one
// iotauth_token block and the state of reading one iotauth_user_profile
// block, both for the configuration `platform = "<platform>"`.
type Values struct {
	TokenResult  tftypes.Value
	ProfileState tftypes.Value
}

var (
	_ provider.ProviderWithEphemeralResources = (*floorProvider)(nil)
	_ ephemeral.EphemeralResource             = (*floorToken)(nil)
	_ datasource.DataSource                   = (*floorProfile)(nil)
)

type floorProvider struct {
	inner   provider.Provider
	token   ephemeral.EphemeralResource
	profile datasource.DataSource
	values  Values
}

// New returns a provider factory for the floor answering with v. The floor
// keeps no state of its own (the real provider inside only describes its
// schemas), so every call of the factory returns the same value.
func New(v Values) (func() provider.Provider, error) {
	p, err := newFloor(v)
	if err != nil {
		return nil, err
	}
	return func() provider.Provider { return p }, nil
}

func newFloor(v Values) (*floorProvider, error) {
	inner := iotauth.New("schema-floor", "none")()
	rp, ok := inner.(provider.ProviderWithEphemeralResources)
	if !ok {
		return nil, errors.New("the provider has no ephemeral resources")
	}
	ctx := context.Background()
	tokens, profiles := rp.EphemeralResources(ctx), inner.DataSources(ctx)
	if len(tokens) != 1 || len(profiles) != 1 {
		return nil, fmt.Errorf("the schema floor expects one ephemeral resource and one data source, not %d and %d", len(tokens), len(profiles))
	}
	return &floorProvider{inner: inner, token: tokens[0](), profile: profiles[0](), values: v}, nil
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
	resp.Result.Raw = t.p.values.TokenResult
}

type floorProfile struct{ p *floorProvider }

func (d *floorProfile) Metadata(ctx context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	d.p.profile.Metadata(ctx, req, resp)
}

func (d *floorProfile) Schema(ctx context.Context, req datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	d.p.profile.Schema(ctx, req, resp)
}

func (d *floorProfile) Read(_ context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	resp.State.Raw = d.p.values.ProfileState
}

// Types returns the value types of the real provider's configuration,
// iotauth_token result and iotauth_user_profile state.
func Types(ctx context.Context) (providerType, tokenType, profileType tftypes.Type, err error) {
	ps, err := providerserver.NewProtocol6WithError(iotauth.New("schema-floor", "none")())()
	if err != nil {
		return nil, nil, nil, err
	}
	return types(ctx, ps)
}

func types(ctx context.Context, ps tfprotov6.ProviderServer) (providerType, tokenType, profileType tftypes.Type, err error) {
	schemas, err := ps.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := DiagsError("GetProviderSchema", schemas.Diagnostics); err != nil {
		return nil, nil, nil, err
	}
	ts, ok := schemas.EphemeralResourceSchemas[TokenType]
	if !ok {
		return nil, nil, nil, fmt.Errorf("the provider has no %s", TokenType)
	}
	ds, ok := schemas.DataSourceSchemas[ProfileType]
	if !ok {
		return nil, nil, nil, fmt.Errorf("the provider has no %s", ProfileType)
	}
	return schemas.Provider.ValueType(), ts.ValueType(), ds.ValueType(), nil
}

// Capture runs the real provider in process, configured with one platform
// block {base_url, username, password}, and returns the result of opening
// an iotauth_token and the state of reading an iotauth_user_profile, each
// configured with `platform = pl` only (as the benchmark's configurations
// are). It logs in once, as a provider process would.
func Capture(ctx context.Context, pl, baseURL, username, password string) (Values, error) {
	ps, err := providerserver.NewProtocol6WithError(iotauth.New("schema-floor", "none")())()
	if err != nil {
		return Values{}, err
	}
	pt, tt, dt, err := types(ctx, ps)
	if err != nil {
		return Values{}, err
	}
	pot, ok := pt.(tftypes.Object)
	if !ok {
		return Values{}, fmt.Errorf("provider schema type %s is not an object", pt)
	}
	block, err := Object(pot.AttributeTypes[pl], map[string]tftypes.Value{
		"base_url": tftypes.NewValue(tftypes.String, baseURL),
		"username": tftypes.NewValue(tftypes.String, username),
		"password": tftypes.NewValue(tftypes.String, password),
	})
	if err != nil {
		return Values{}, fmt.Errorf("platform %q: %w", pl, err)
	}
	providerConfig, err := Dynamic(pt, map[string]tftypes.Value{pl: block})
	if err != nil {
		return Values{}, err
	}
	cr, err := ps.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: providerConfig})
	if err == nil {
		err = DiagsError("ConfigureProvider", cr.Diagnostics)
	}
	if err != nil {
		return Values{}, err
	}
	onPlatform := map[string]tftypes.Value{"platform": tftypes.NewValue(tftypes.String, pl)}

	tokenConfig, err := Dynamic(tt, onPlatform)
	if err != nil {
		return Values{}, err
	}
	or, err := ps.OpenEphemeralResource(ctx, &tfprotov6.OpenEphemeralResourceRequest{TypeName: TokenType, Config: tokenConfig})
	if err == nil {
		err = DiagsError("OpenEphemeralResource", or.Diagnostics)
	}
	if err != nil {
		return Values{}, err
	}
	if or.Result == nil {
		return Values{}, errors.New("OpenEphemeralResource returned no result")
	}
	var v Values
	if v.TokenResult, err = or.Result.Unmarshal(tt); err != nil {
		return Values{}, err
	}

	profileConfig, err := Dynamic(dt, onPlatform)
	if err != nil {
		return Values{}, err
	}
	rr, err := ps.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: ProfileType, Config: profileConfig})
	if err == nil {
		err = DiagsError("ReadDataSource", rr.Diagnostics)
	}
	if err != nil {
		return Values{}, err
	}
	if rr.State == nil {
		return Values{}, errors.New("ReadDataSource returned no state")
	}
	if v.ProfileState, err = rr.State.Unmarshal(dt); err != nil {
		return Values{}, err
	}
	return v, nil
}

// file is the on-disk form of Values: msgpack, as Terraform's protocol
// carries them.
type file struct {
	TokenResult  []byte `json:"token_result_msgpack"`
	ProfileState []byte `json:"profile_state_msgpack"`
}

// WriteFile stores v at path (mode 0600: the token result holds a token).
func WriteFile(ctx context.Context, path string, v Values) error {
	_, tt, dt, err := Types(ctx)
	if err != nil {
		return err
	}
	tr, err := tfprotov6.NewDynamicValue(tt, v.TokenResult)
	if err != nil {
		return fmt.Errorf("token result: %w", err)
	}
	ps, err := tfprotov6.NewDynamicValue(dt, v.ProfileState)
	if err != nil {
		return fmt.Errorf("profile state: %w", err)
	}
	b, err := json.Marshal(file{TokenResult: tr.MsgPack, ProfileState: ps.MsgPack})
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// ReadFile loads what WriteFile stored.
func ReadFile(ctx context.Context, path string) (Values, error) {
	b, err := os.ReadFile(path) //nolint:gosec // G304: the benchmark names the file.
	if err != nil {
		return Values{}, err
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return Values{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(f.TokenResult) == 0 || len(f.ProfileState) == 0 {
		return Values{}, fmt.Errorf("%s: a token result and a profile state are both required", path)
	}
	_, tt, dt, err := Types(ctx)
	if err != nil {
		return Values{}, err
	}
	var v Values
	if v.TokenResult, err = (&tfprotov6.DynamicValue{MsgPack: f.TokenResult}).Unmarshal(tt); err != nil {
		return Values{}, fmt.Errorf("%s: token result: %w", path, err)
	}
	if v.ProfileState, err = (&tfprotov6.DynamicValue{MsgPack: f.ProfileState}).Unmarshal(dt); err != nil {
		return Values{}, fmt.Errorf("%s: profile state: %w", path, err)
	}
	return v, nil
}

// Object builds an object value of type t: the given attributes, and null
// for every other one.
func Object(t tftypes.Type, set map[string]tftypes.Value) (tftypes.Value, error) {
	ot, ok := t.(tftypes.Object)
	if !ok {
		return tftypes.Value{}, fmt.Errorf("type %s is not an object", t)
	}
	for name := range set {
		if _, ok := ot.AttributeTypes[name]; !ok {
			return tftypes.Value{}, fmt.Errorf("type has no attribute %q", name)
		}
	}
	vals := make(map[string]tftypes.Value, len(ot.AttributeTypes))
	for name, at := range ot.AttributeTypes {
		if v, ok := set[name]; ok {
			vals[name] = v
			continue
		}
		vals[name] = tftypes.NewValue(at, nil)
	}
	return tftypes.NewValue(ot, vals), nil
}

// Dynamic is Object encoded as Terraform's protocol carries it.
func Dynamic(t tftypes.Type, set map[string]tftypes.Value) (*tfprotov6.DynamicValue, error) {
	v, err := Object(t, set)
	if err != nil {
		return nil, err
	}
	dv, err := tfprotov6.NewDynamicValue(t, v)
	if err != nil {
		return nil, err
	}
	return &dv, nil
}

// DiagsError returns the first error diagnostic of an RPC named what, or nil.
func DiagsError(what string, diags []*tfprotov6.Diagnostic) error {
	for _, d := range diags {
		if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError {
			return fmt.Errorf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
	return nil
}

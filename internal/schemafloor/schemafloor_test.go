package schemafloor_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/schemafloor"
)

func startMock(t *testing.T) *mock.Server {
	t.Helper()
	srv, err := mock.Start(mock.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func capture(t *testing.T, srv *mock.Server) schemafloor.Values {
	t.Helper()
	v, err := schemafloor.Capture(context.Background(), string(platform.Monogoto), srv.BaseURL(platform.Monogoto),
		mock.SeedMonogotoDemo.UserName, mock.SeedMonogotoDemo.Password)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func attr(t *testing.T, v tftypes.Value, name string) string {
	t.Helper()
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := m[name].As(&s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func TestCaptureReturnsWhatTheProviderReturned(t *testing.T) {
	srv := startMock(t)
	v := capture(t, srv)
	if got := attr(t, v.TokenResult, "platform"); got != "monogoto" {
		t.Errorf("token platform = %q", got)
	}
	if attr(t, v.TokenResult, "token") == "" || !strings.HasPrefix(attr(t, v.TokenResult, "authorization_header"), "Bearer ") {
		t.Error("the token result has no token or no bearer header")
	}
	if attr(t, v.ProfileState, "user_id") == "" {
		t.Error("the profile state has no user_id")
	}
	var m map[string]tftypes.Value
	if err := v.ProfileState.As(&m); err != nil {
		t.Fatal(err)
	}
	var perms map[string]tftypes.Value
	if err := m["permissions"].As(&perms); err != nil {
		t.Fatal(err)
	}
	if len(perms) < 10 {
		t.Errorf("the profile state has %d permission groups; the seed account has dozens", len(perms))
	}
	if got := srv.Count(platform.Monogoto, mock.EndpointLogin); got != 1 {
		t.Errorf("Capture made %d logins, want 1", got)
	}
}

func TestCaptureFailsWithoutLeakingThePassword(t *testing.T) {
	srv := startMock(t)
	const secret = "not-the-password-8c1e"
	_, err := schemafloor.Capture(context.Background(), string(platform.Monogoto), srv.BaseURL(platform.Monogoto),
		mock.SeedMonogotoDemo.UserName, secret)
	if err == nil {
		t.Fatal("Capture with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("the error contains the password: %v", err)
	}
}

func TestValuesFileRoundTrip(t *testing.T) {
	v := capture(t, startMock(t))
	path := filepath.Join(t.TempDir(), "values.json")
	ctx := context.Background()
	if err := schemafloor.WriteFile(ctx, path, v); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("values file mode %v, want 0600 (it holds a token)", fi.Mode().Perm())
	}
	got, err := schemafloor.ReadFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.TokenResult.Equal(v.TokenResult) || !got.ProfileState.Equal(v.ProfileState) {
		t.Error("the values read back differ from those written")
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"token_result_msgpack": ""}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := schemafloor.ReadFile(ctx, bad); err == nil || !strings.Contains(err.Error(), "both required") {
		t.Errorf("ReadFile of an incomplete file: err = %v", err)
	}
}

// The floor serves the real schemas and answers with the captured values,
// without logging in.
func TestFloorAnswersWithTheValues(t *testing.T) {
	srv := startMock(t)
	v := capture(t, srv)
	srv.ResetCounts()
	floor, err := schemafloor.New(v)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := providerserver.NewProtocol6WithError(floor())()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pt, tt, dt, err := schemafloor.Types(ctx)
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := ps.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !schemas.Provider.ValueType().Equal(pt) || !schemas.EphemeralResourceSchemas[schemafloor.TokenType].ValueType().Equal(tt) ||
		!schemas.DataSourceSchemas[schemafloor.ProfileType].ValueType().Equal(dt) {
		t.Fatal("the floor's schemas differ from the provider's")
	}
	onMonogoto := map[string]tftypes.Value{"platform": tftypes.NewValue(tftypes.String, "monogoto")}
	cfg := func(typ tftypes.Type) *tfprotov6.DynamicValue {
		o, err := schemafloor.Object(typ, onMonogoto)
		if err != nil {
			t.Fatal(err)
		}
		dv, err := tfprotov6.NewDynamicValue(typ, o)
		if err != nil {
			t.Fatal(err)
		}
		return &dv
	}
	pc, err := tfprotov6.NewDynamicValue(pt, tftypes.NewValue(pt, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &pc}); err != nil {
		t.Fatal(err)
	}
	or, err := ps.OpenEphemeralResource(ctx, &tfprotov6.OpenEphemeralResourceRequest{TypeName: schemafloor.TokenType, Config: cfg(tt)})
	if err != nil || len(or.Diagnostics) > 0 || or.Result == nil {
		t.Fatalf("OpenEphemeralResource: %v %v", err, or.Diagnostics)
	}
	res, err := or.Result.Unmarshal(tt)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Equal(v.TokenResult) {
		t.Error("the floor's token result differs from the captured one")
	}
	rr, err := ps.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: schemafloor.ProfileType, Config: cfg(dt)})
	if err != nil || len(rr.Diagnostics) > 0 || rr.State == nil {
		t.Fatalf("ReadDataSource: %v %v", err, rr.Diagnostics)
	}
	st, err := rr.State.Unmarshal(dt)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Equal(v.ProfileState) {
		t.Error("the floor's profile state differs from the captured one")
	}
	if n := srv.Count(platform.Monogoto, ""); n != 0 {
		t.Errorf("the floor sent %d requests to the platform, want none", n)
	}
}

package provider_test

// A schema floor for the in-process benchmarks (internal/schemafloor):
// a provider that serves exactly the provider's schemas and returns, for
// every block, the result and the state the real provider returned for the
// mock's seed account, but runs none of the provider's code. What a floor
// benchmark costs is what terraform-plugin-framework costs for these
// schemas and values; what the real benchmark costs on top is the
// provider's own work (bench/NOTES.md).

import (
	"context"
	"testing"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/schemafloor"
)

// newFloorEnv opens one token and reads one profile with the real provider
// against the mock (schemafloor.Capture), and returns a configured floor
// server that answers with those values.
func newFloorEnv(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	srv := benchStartMock(b)
	values, err := schemafloor.Capture(ctx, string(platform.Monogoto), srv.BaseURL(platform.Monogoto),
		mock.SeedMonogotoDemo.UserName, mock.SeedMonogotoDemo.Password)
	if err != nil {
		b.Fatal(err)
	}
	floor, err := schemafloor.New(values)
	if err != nil {
		b.Fatal(err)
	}
	e, err := newBenchServerFor(ctx, srv, floor())
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

// Package mocktest starts the mock platforms for a test. Only tests import
// it (the mock's own tests cannot: they are in package mock).
package mocktest

import (
	"testing"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
)

// Start starts the mock platforms with the default configuration (the
// seeded accounts) as edits change it, and stops them when the test ends.
func Start(tb testing.TB, edits ...func(*mock.Config)) *mock.Server {
	tb.Helper()
	cfg := mock.DefaultConfig()
	for _, e := range edits {
		e(&cfg)
	}
	srv, err := mock.Start(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Close)
	return srv
}

// Command schemafloor is the benchmark's schema floor (internal/schemafloor)
// served as a provider process: the real provider's schemas, and for every
// iotauth_token and iotauth_user_profile block the values the real provider
// returned when tfbench captured them (the file named by
// SCHEMAFLOOR_VALUES), with none of the provider's own code running.
//
// Its main does what the provider's main does around serving (log levels
// turned off when Terraform discards the log, the memory limit of
// internal/memlimit), so that a whole-Terraform run on the floor differs
// from one on the provider only in the provider's own work.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/iotauth/terraform-provider-iotauth/internal/logquiet"
	"github.com/iotauth/terraform-provider-iotauth/internal/memlimit"
	"github.com/iotauth/terraform-provider-iotauth/internal/schemafloor"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "schemafloor: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	path := os.Getenv("SCHEMAFLOOR_VALUES")
	if path == "" {
		return fmt.Errorf("SCHEMAFLOOR_VALUES must name the values file tfbench captured")
	}
	// The same log settings as the provider's main.
	logquiet.UnlessCollected(os.LookupEnv, os.Setenv)
	memlimit.Start(os.Getenv)
	ctx := context.Background()
	values, err := schemafloor.ReadFile(ctx, path)
	if err != nil {
		return err
	}
	floor, err := schemafloor.New(values)
	if err != nil {
		return err
	}
	return providerserver.Serve(ctx, floor, providerserver.ServeOpts{
		Address:         "registry.terraform.io/iotauth/iotauth",
		ProtocolVersion: 6,
	})
}

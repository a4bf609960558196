// Command terraform-provider-iotauth serves the iotauth Terraform provider:
// logins to the Monogoto, AVSystem Coiote IoT DM and BienPort IoT platforms.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/iotauth/terraform-provider-iotauth/internal/logquiet"
	"github.com/iotauth/terraform-provider-iotauth/internal/memlimit"
	"github.com/iotauth/terraform-provider-iotauth/internal/provider"
)

// Set by goreleaser (-X main.version=... -X main.commit=...).
var (
	version = "dev"
	commit  = "none"
)

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()
	logquiet.UnlessCollected(os.LookupEnv, os.Setenv)
	// A soft memory limit that follows the live heap, unless GOGC or
	// GOMEMLIMIT is set (internal/memlimit).
	memlimit.Start(os.Getenv)

	err := providerserver.Serve(context.Background(), provider.New(version, commit), providerserver.ServeOpts{
		Address:         "registry.terraform.io/iotauth/iotauth",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

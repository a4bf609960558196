// Command terraform-provider-iotauth serves the iotauth Terraform provider:
// logins to the Monogoto, AVSystem Coiote IoT DM and BienPort IoT platforms.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

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
	quietDiscardedLogs()

	err := providerserver.Serve(context.Background(), provider.New(version, commit), providerserver.ServeOpts{
		Address:         "registry.terraform.io/iotauth/iotauth",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// quietDiscardedLogs turns the plugin SDK's, the framework's and the
// provider's log output off when Terraform throws it away. Terraform keeps
// a provider's log only when TF_LOG or TF_LOG_PROVIDER is set, but the SDK
// loggers default to TRACE and format every line as JSON regardless
// (hashicorp/terraform-plugin-framework#1269): that formatting was most of
// the provider's CPU in a plan, enough to show in its wall time
// (bench/NOTES.md). A level the user set is kept.
func quietDiscardedLogs() {
	if os.Getenv("TF_LOG") != "" || os.Getenv("TF_LOG_PROVIDER") != "" {
		return
	}
	for _, name := range []string{
		"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER",
		"TF_LOG_PROVIDER_IOTAUTH", "TF_LOG_PROVIDER_IOTAUTH_HTTP",
	} {
		if _, set := os.LookupEnv(name); !set {
			_ = os.Setenv(name, "off")
		}
	}
}

// Command terraform-provider-iotauth serves the iotauth Terraform provider:
// logins to the Monogoto, AVSystem Coiote IoT DM and BienPort IoT platforms.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

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
	quietLogsUnlessCollected(os.LookupEnv, os.Setenv)
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

// sdkLogVariables are the plugin SDK's, the framework's and this provider's
// log level variables. TF_LOG_PROVIDER_IOTAUTH is the one that sets the
// level of the provider's own root logger: terraform-plugin-go names it
// after the provider's type and, when it is unset, logs at TRACE.
var sdkLogVariables = []string{
	"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_IOTAUTH",
	"TF_LOG_PROVIDER_IOTAUTH_HTTP",
}

// quietLogsUnlessCollected turns the plugin SDK's, the framework's and the
// provider's log output off when Terraform throws it away anyway. Terraform
// keeps a provider's log only when TF_LOG or TF_LOG_PROVIDER is set (the
// provider inherits Terraform's environment), but the SDK loggers default to
// TRACE and format every line as JSON regardless
// (hashicorp/terraform-plugin-framework#1269): measured with `make bench`,
// that formatting was a fifth to a third of the provider's CPU time. A level
// the user set explicitly is kept.
func quietLogsUnlessCollected(lookup func(string) (string, bool), set func(string, string) error) {
	for _, name := range []string{"TF_LOG", "TF_LOG_PROVIDER"} {
		if v, ok := lookup(name); ok && v != "" {
			return
		}
	}
	for _, name := range sdkLogVariables {
		if _, ok := lookup(name); !ok {
			_ = set(name, "off")
		}
	}
}

// Package logquiet turns off the log output of the plugin SDK, the
// framework and the provider when Terraform would throw it away. The
// provider's main calls it, and so do the benchmark's builds that must
// behave like it (bench/cmd/provprof, bench/cmd/schemafloor).
package logquiet

// variables are the plugin SDK's, the framework's and this provider's
// log level variables. TF_LOG_PROVIDER_IOTAUTH is the one that sets the
// level of the provider's own root logger: terraform-plugin-go names it
// after the provider's type and, when it is unset, logs at TRACE.
var variables = []string{
	"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_IOTAUTH",
	"TF_LOG_PROVIDER_IOTAUTH_HTTP",
}

// UnlessCollected turns the plugin SDK's, the framework's and the
// provider's log output off when Terraform throws it away anyway. Terraform
// keeps a provider's log only when TF_LOG or TF_LOG_PROVIDER is set (the
// provider inherits Terraform's environment), but the SDK loggers default to
// TRACE and format every line as JSON regardless
// (hashicorp/terraform-plugin-framework#1269): measured with `make bench`,
// that formatting was a fifth to a third of the provider's CPU time. A level
// the user set explicitly is kept.
func UnlessCollected(lookup func(string) (string, bool), set func(string, string) error) {
	for _, name := range []string{"TF_LOG", "TF_LOG_PROVIDER"} {
		if v, ok := lookup(name); ok && v != "" {
			return
		}
	}
	for _, name := range variables {
		if _, ok := lookup(name); !ok {
			_ = set(name, "off")
		}
	}
}

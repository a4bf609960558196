package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// attributeProblem words a check's finding about a configuration attribute.
func attributeProblem(attr, problem string) string {
	return fmt.Sprintf("Attribute %s %s.", attr, problem)
}

// envProblem words a check's finding about an environment variable.
func envProblem(env, problem string) string {
	return fmt.Sprintf("Environment variable %s %s.", env, problem)
}

// addPlatformError reports a failed platform call. The summary says which
// platform and what failed ("Monogoto login failed"); the detail is the
// typed error's message (platform, operation, user, what happened) and
// its hint (what to do). Neither ever holds a secret: the client errors
// are built without them, and redact removes any known secret as a second
// line of defence.
func addPlatformError(diags *diag.Diagnostics, p platform.Name, err error, secrets ...string) {
	op := "login"
	detail := err.Error()
	if e, ok := platform.AsError(err); ok {
		if e.Op != "" {
			op = e.Op
		}
		detail += "\n\n" + e.Hint()
	}
	diags.AddError(fmt.Sprintf("%s %s failed", p.Title(), op), redact(detail, secrets...))
}

// addNotConfiguredError reports a platform that a block uses but nobody
// configured, on the block's platform attribute.
func addNotConfiguredError(diags *diag.Diagnostics, at path.Path, p platform.Name, perBlock bool) {
	diags.AddAttributeError(at, fmt.Sprintf("%s is not configured", p.Title()), notConfiguredDetail(p, perBlock))
}

// notConfiguredDetail names the provider attributes and the environment
// variables that configure p.
func notConfiguredDetail(p platform.Name, perBlock bool) string {
	e := envNames(p)
	var b strings.Builder
	fmt.Fprintf(&b, "No credentials for %s: set %s.username and %s.password in the provider \"iotauth\" block, or %s and %s",
		p.Title(), p, p, e.username, e.password)
	if perBlock {
		b.WriteString(", or username/password in this block")
	}
	b.WriteString(".")
	if p == platform.Coiote {
		fmt.Fprintf(&b, " An IAM service account uses %s.client_id and %s.client_secret (or %s and %s) instead.",
			p, p, e.clientID, e.clientSecret)
	}
	return b.String()
}

// addMissingPasswordError reports a user name without a password.
func addMissingPasswordError(diags *diag.Diagnostics, at path.Path, p platform.Name, user string) {
	e := envNames(p)
	diags.AddAttributeError(at, fmt.Sprintf("No password for %s", p.Title()),
		fmt.Sprintf("The %s user name %q has no password: set %s.password in the provider \"iotauth\" block or %s.",
			p.Title(), user, p, e.password))
}

// addUnknownProviderConfigError reports a data source read while the
// provider's settings for p are not known yet.
func addUnknownProviderConfigError(diags *diag.Diagnostics, p platform.Name) {
	diags.AddError(fmt.Sprintf("%s settings are not known yet", p.Title()),
		fmt.Sprintf("The provider \"iotauth\" configuration for %s depends on values that are known only after apply, "+
			"so its profile cannot be read during this plan. Apply the resources it depends on first "+
			"(for example with -target), or configure %s with values known at plan time.", p.Title(), p))
}

// addProviderDataError reports provider data of an unexpected type, which
// is always a bug in the provider.
func addProviderDataError(diags *diag.Diagnostics, got any) {
	diags.AddError("Unexpected provider data",
		fmt.Sprintf("Expected *provider.providerData, got %T. This is a bug in the provider; please report it.", got))
}

// minRedactLen is the shortest secret redact replaces: shorter ones would
// mangle ordinary words, and no client error contains a secret anyway.
const minRedactLen = 4

// redact replaces every secret of at least minRedactLen bytes in s with
// "***".
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= minRedactLen {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

// insecureWarning is the warning for turned-off TLS verification, on the
// attribute at (or on the provider when at is empty: an environment value).
func insecureWarning(at path.Path, what string) diag.Diagnostic {
	summary := "TLS certificate verification is off"
	detail := what + " turns off TLS certificate verification for every platform: anyone on the network path " +
		"could read passwords and tokens. Use ca_cert_pem (or " + envCACertPEM + ") to trust a private CA instead."
	if at.Equal(path.Empty()) {
		return diag.NewWarningDiagnostic(summary, detail)
	}
	return diag.NewAttributeWarningDiagnostic(at, summary, detail)
}

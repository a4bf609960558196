package provider

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

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
func addPlatformError(diags *diag.Diagnostics, err error, secrets ...string) {
	summary := "Login failed"
	detail := err.Error()
	if e, ok := platform.AsError(err); ok {
		op := e.Op
		if op == "" {
			op = "login"
		}
		summary = strings.TrimSpace(e.Platform + " " + op + " failed")
		summary = strings.ToUpper(summary[:1]) + summary[1:]
		detail += "\n\n" + e.Hint()
	}
	diags.AddError(summary, redact(detail, secrets...))
}

// addSessionWarnings shows each warning of a session: an optional field of
// the platform's answer that could not be read, and the attributes left
// null. keep selects the attributes this block returns (nil: all); a
// warning about none of them is not shown. Warnings hold only the platform
// package's constants, never text the platform sent.
func addSessionWarnings(diags *diag.Diagnostics, title string, warnings []platform.Warning, keep func(string) bool) {
	for _, w := range warnings {
		var null []string
		for _, a := range w.Null {
			if keep == nil || keep(a) {
				null = append(null, a)
			}
		}
		if len(null) == 0 {
			continue
		}
		verb := "is"
		if len(null) > 1 {
			verb = "are"
		}
		// The field is in the summary: Terraform folds warnings with the
		// same summary into one.
		diags.AddWarning(fmt.Sprintf("%s sent an unreadable %q", title, w.Field),
			fmt.Sprintf("%s answered a %q that is not %s; %s %s null. The rest of the login is unaffected.",
				title, w.Field, w.Want, joinWords(null, "and"), verb))
	}
}

// nulledBy reports whether a warning leaves the attribute null.
func nulledBy(warnings []platform.Warning, attribute string) bool {
	for _, w := range warnings {
		for _, a := range w.Null {
			if a == attribute {
				return true
			}
		}
	}
	return false
}

// addNotConfiguredError reports a platform that a block uses but nobody
// configured, naming the attributes and environment variables of every
// credential kind the platform accepts.
func addNotConfiguredError(diags *diag.Diagnostics, at path.Path, info platform.Info, perBlock bool) {
	var b strings.Builder
	prefix := string(info.Name) + "."
	for i, kind := range info.Credentials {
		ca := credentialAttrs[kind]
		if i == 0 {
			fmt.Fprintf(&b, "No credentials for %s: set %s in the provider \"iotauth\" block, or %s",
				info.Title, ca.names(prefix), ca.envs(info.Name))
			if perBlock {
				fmt.Fprintf(&b, ", or %s in this block", strings.ReplaceAll(ca.names(""), " and ", "/"))
			}
			b.WriteString(".")
			continue
		}
		fmt.Fprintf(&b, " Or use %s (or %s) instead.", ca.names(prefix), ca.envs(info.Name))
	}
	diags.AddAttributeError(at, fmt.Sprintf("%s is not configured", info.Title), b.String())
}

// quoteName quotes a user or client name for a message, cut short when
// long: the same helper as the clients' errors (platform.QuoteName), so
// that no message repeats a 200 KB name whole.
func quoteName(s string) string { return platform.QuoteName(s) }

// addMissingSecretError reports a principal without its secret.
func addMissingSecretError(diags *diag.Diagnostics, at path.Path, info platform.Info, ca credentialAttr, principal string) {
	diags.AddAttributeError(at, fmt.Sprintf("No %s for %s", ca.secretWord, info.Title),
		fmt.Sprintf("The %s %s %s has no %s: set %s.%s in the provider \"iotauth\" block or %s.",
			info.Title, ca.principalWord, quoteName(principal), ca.secretWord,
			info.Name, ca.secret, envName(info.Name, ca.secret)))
}

// addUnknownProviderConfigError reports a data source read while the
// provider's settings for a platform are not known yet.
func addUnknownProviderConfigError(diags *diag.Diagnostics, info platform.Info) {
	diags.AddError(fmt.Sprintf("%s settings are not known yet", info.Title),
		fmt.Sprintf("The provider \"iotauth\" configuration for %s depends on values that are known only after apply, "+
			"so its profile cannot be read during this plan. Apply the resources it depends on first "+
			"(for example with -target), or configure %s with values known at plan time.", info.Title, info.Name))
}

// addUnknownSharedSettingsError reports a data source read while shared
// settings (names) are not known yet: they concern every platform, so no
// platform is named as the cause.
func addUnknownSharedSettingsError(diags *diag.Diagnostics, names []string) {
	subject, verb, pronoun := "setting", "depends", "it"
	if len(names) > 1 {
		subject, verb, pronoun = "settings", "depend", "they"
	}
	diags.AddError("iotauth provider settings are not known yet",
		fmt.Sprintf("The provider \"iotauth\" %s %s %s on values that are known only after apply. "+
			"Shared settings apply to every platform, so no profile can be read during this plan. Apply the "+
			"resources %s %s on first (for example with -target), or configure the provider with values known at plan time.",
			subject, joinWords(names, "and"), verb, pronoun, verb))
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
// "***", in any mix of upper and lower case: a platform may echo a
// password changed in case (a Content-Type, for one). It runs on the final
// text of a diagnostic; the clients never alter what a platform sent, so a
// secret it echoed is found here as sent.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= minRedactLen {
			s = regexp.MustCompile(`(?i)`+regexp.QuoteMeta(sec)).ReplaceAllLiteralString(s, "***")
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

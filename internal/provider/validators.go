package provider

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// The checks below are plain functions so that the same rule, with the same
// words, validates a value from the configuration (through a schema
// validator, at plan time) and from an environment variable (in
// Configure). Each returns "" when the value is acceptable, otherwise the
// predicate of a sentence ("must ...") for the caller to prefix with the
// attribute or variable name. A check never repeats a value that could be
// secret.

// Bounds of the duration settings.
const (
	minRequestTimeout = time.Second
	maxRequestTimeout = 10 * time.Minute
	minRetryMaxWait   = 0
	maxRetryMaxWait   = time.Hour
	minSessionMaxAge  = time.Minute
	maxSessionMaxAge  = 24 * time.Hour
	minMinValidity    = 0
	maxMinValidity    = 365 * 24 * time.Hour
	minMaxRetries     = 0
	maxMaxRetries     = 10
)

// checkNotBlank rejects empty and white-space-only values without repeating
// them (they may be passwords).
func checkNotBlank(s string) string {
	if s == "" {
		return "must not be empty"
	}
	if strings.TrimSpace(s) == "" {
		return "must not be only white space"
	}
	return ""
}

// checkBaseURL accepts an absolute http or https URL with a host and
// without white space, user-info, query or fragment.
func checkBaseURL(s string) string {
	if p := checkNotBlank(s); p != "" {
		return p
	}
	// A URL with "@" may carry a password in its user-info: never repeat it.
	got := strconv.Quote(s)
	if strings.Contains(s, "@") {
		got = "a value containing \"@\" (not repeated here)"
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return "must not contain white space, got " + got
	}
	u, err := url.Parse(s)
	if err != nil {
		return "must be a valid absolute URL such as \"https://api.example.com\", got " + got
	}
	if u.User != nil {
		return "must not contain a user name or password (user-info before \"@\"); set username and password instead"
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Opaque != "" {
		return "must be an absolute URL starting with http:// or https://, got " + got
	}
	if u.Hostname() == "" {
		return "must include a host name, got " + got
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "must have a port between 1 and 65535, got " + got
		}
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return "must not contain a fragment (\"#...\"), got " + got
	}
	if u.RawQuery != "" || u.ForceQuery {
		return "must not contain a query string (\"?...\"), got " + got
	}
	return ""
}

// checkDuration accepts a Go duration string within [lo, hi].
func checkDuration(s string, lo, hi time.Duration) string {
	if p := checkNotBlank(s); p != "" {
		return p
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Sprintf("must be a duration with a unit, such as \"30s\", \"2m\" or \"1h\", got %q", s)
	}
	if d < lo || d > hi {
		return fmt.Sprintf("must be a duration between %s and %s, got %q", shortDuration(lo), shortDuration(hi), s)
	}
	return ""
}

// checkIntRange accepts an integer within [lo, hi].
func checkIntRange(v, lo, hi int64) string {
	if v < lo || v > hi {
		return fmt.Sprintf("must be between %d and %d, got %d", lo, hi, v)
	}
	return ""
}

// checkPEMCertificate accepts text holding at least one PEM CERTIFICATE
// block, every one of which parses as an X.509 certificate.
func checkPEMCertificate(s string) string {
	rest := []byte(s)
	found := 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return "holds a CERTIFICATE block that is not a valid X.509 certificate"
		}
		found++
	}
	if found == 0 {
		return "must contain at least one PEM-encoded certificate (a \"-----BEGIN CERTIFICATE-----\" block)"
	}
	return ""
}

// parseBoolText parses a boolean from an environment variable.
func parseBoolText(s string) (bool, string) {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return false, fmt.Sprintf("must be true or false, got %q", s)
	}
	return b, ""
}

// parseIntText parses an integer from an environment variable and checks
// its range.
func parseIntText(s string, lo, hi int64) (int64, string) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Sprintf("must be a whole number between %d and %d, got %q", lo, hi, s)
	}
	return n, checkIntRange(n, lo, hi)
}

// shortDuration formats a duration the way users write it ("10m", not
// "10m0s").
func shortDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// stringCheck adapts a check function to a schema validator. Null and
// unknown values are skipped: an unknown value is not an error at plan time.
type stringCheck struct {
	summary     string
	description string
	check       func(string) string
}

var _ validator.String = stringCheck{}

// Description says what the validator accepts.
func (v stringCheck) Description(context.Context) string { return v.description }

// MarkdownDescription is Description.
func (v stringCheck) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateString checks a known, non-null value.
func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if p := v.check(req.ConfigValue.ValueString()); p != "" {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, fmt.Sprintf("Attribute %s %s.", req.Path, p))
	}
}

// notBlank rejects empty and white-space-only strings.
func notBlank() validator.String {
	return stringCheck{
		summary:     "Invalid Attribute Value",
		description: "value must not be empty or only white space",
		check:       checkNotBlank,
	}
}

// baseURL validates a platform base URL.
func baseURL() validator.String {
	return stringCheck{
		summary:     "Invalid Base URL",
		description: "value must be an absolute http:// or https:// URL with a host, without user-info, query or fragment",
		check:       checkBaseURL,
	}
}

// durationBetween validates a duration string within [lo, hi].
func durationBetween(lo, hi time.Duration) validator.String {
	return stringCheck{
		summary:     "Invalid Duration",
		description: fmt.Sprintf("value must be a duration between %s and %s", shortDuration(lo), shortDuration(hi)),
		check:       func(s string) string { return checkDuration(s, lo, hi) },
	}
}

// pemCertificate validates PEM text holding at least one certificate.
func pemCertificate() validator.String {
	return stringCheck{
		summary:     "Invalid CA Certificate",
		description: "value must contain at least one PEM-encoded certificate",
		check:       checkPEMCertificate,
	}
}

// checkOneOf returns a check that accepts only the given values.
func checkOneOf(values []string) func(string) string {
	return func(s string) string {
		for _, v := range values {
			if s == v {
				return ""
			}
		}
		quoted := make([]string, len(values))
		for i, v := range values {
			quoted[i] = strconv.Quote(v)
		}
		return fmt.Sprintf("must be one of %s, got %q", strings.Join(quoted, ", "), s)
	}
}

// wholeNumberBetween accepts a whole number within [lo, hi]. The attribute
// is a Number rather than an Int64 so that 1.5 or 1e30 get this message
// instead of the framework's conversion error.
func wholeNumberBetween(lo, hi int64) validator.Number {
	return wholeNumber{lo: lo, hi: hi}
}

type wholeNumber struct{ lo, hi int64 }

func (v wholeNumber) Description(context.Context) string {
	return fmt.Sprintf("a whole number between %d and %d", v.lo, v.hi)
}

func (v wholeNumber) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v wholeNumber) ValidateNumber(_ context.Context, req validator.NumberRequest, resp *validator.NumberResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	f := req.ConfigValue.ValueBigFloat()
	n, acc := f.Int64()
	whole := f.IsInt() && acc == big.Exact
	if whole && n >= v.lo && n <= v.hi {
		return
	}
	got := f.Text('g', -1)
	if whole {
		got = strconv.FormatInt(n, 10)
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Attribute Value", fmt.Sprintf(
		"Attribute %s must be a whole number between %d and %d, got %s.", req.Path, v.lo, v.hi, got))
}

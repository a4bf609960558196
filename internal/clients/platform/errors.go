package platform

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind says what went wrong, so that callers can react (and tests can assert)
// without parsing messages.
type Kind int

// The kinds of failure a platform call can end in.
const (
	KindUnknown Kind = iota
	// KindBadCredentials: the platform rejected the credentials (user name
	// and password, client secret or API key), or will not let the account
	// sign in with them at all (locked, disabled, a second factor needed):
	// sending them again cannot succeed.
	KindBadCredentials
	// KindTokenRejected: an API call with a fresh token answered 401.
	KindTokenRejected
	// KindForbidden: the token is valid but lacks a permission (403).
	KindForbidden
	// KindNotFound: the endpoint does not exist, usually a wrong base URL.
	KindNotFound
	// KindRateLimited: 429 after every allowed retry, or a Retry-After over the cap.
	KindRateLimited
	// KindServer: 5xx after every allowed retry.
	KindServer
	// KindTimeout: no answer within the request timeout or the total retry budget.
	KindTimeout
	// KindUnreachable: the host could not be reached (DNS, refused, reset).
	KindUnreachable
	// KindTLS: the TLS handshake failed (unknown authority, wrong host name...).
	KindTLS
	// KindMalformed: the answer could not be decoded, or a required field is missing.
	KindMalformed
	// KindTooLarge: the answer is larger than the response size limit.
	KindTooLarge
	// KindRedirect: the platform redirected to another host; not followed.
	KindRedirect
	// KindUnexpectedStatus: any other status code.
	KindUnexpectedStatus
	// KindInvalidConfig: the request could not be built from the settings.
	KindInvalidConfig
	// KindTokenTooShort: even a new token would not stay valid as long as
	// the caller needs (Need.MinValidity).
	KindTokenTooShort
	// KindInterrupted: the run was interrupted (Ctrl-C, or Terraform
	// stopped the provider) before the platform answered.
	KindInterrupted
)

//nolint:gosec // G101: the names of error kinds, not credentials.
var kindNames = map[Kind]string{
	KindUnknown:          "unknown error",
	KindBadCredentials:   "invalid credentials",
	KindTokenRejected:    "token rejected",
	KindForbidden:        "permission denied",
	KindNotFound:         "endpoint not found",
	KindRateLimited:      "rate limited",
	KindServer:           "server error",
	KindTimeout:          "timeout",
	KindUnreachable:      "platform unreachable",
	KindTLS:              "TLS failure",
	KindMalformed:        "malformed response",
	KindTooLarge:         "response too large",
	KindRedirect:         "redirect refused",
	KindUnexpectedStatus: "unexpected response",
	KindInvalidConfig:    "invalid configuration",
	KindTokenTooShort:    "token lifetime too short",
	KindInterrupted:      "interrupted",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is the one error type the clients return. Its message names the
// platform, the operation and the user, and never a password or a token:
// nothing secret is ever stored in it.
type Error struct {
	Kind Kind
	// Platform is the platform's title ("Coiote IoT DM"), set by the
	// clients package when it annotates the error.
	Platform string
	User     string
	// Op is what was being done, for example "login" or "profile request".
	Op string
	// Status is the HTTP status code, when there was an answer.
	Status int
	// Attempts is how many requests were sent.
	Attempts int
	// RetryAfter is what the platform asked to wait (KindRateLimited).
	RetryAfter time.Duration
	// Field names the missing or invalid response field (KindMalformed).
	Field string
	// Detail is a short, secret-free description of what happened.
	Detail string
	// Advice, when set, replaces the kind's general Hint, for a cause the
	// kind alone does not tell: the platform's own advice (a locked account
	// needs an administrator, not a new password), a TLS-scheme mismatch,
	// a redirect loop, a login that is not sent again. Secret-free, like
	// Detail.
	Advice string
	// Err is the underlying error (network, TLS, JSON); never one that could
	// hold a secret, nor one whose text holds what the platform sent.
	Err error
	// Credentials is the kind of credentials the failed login used, set
	// by the clients package; the hint of a refusal names them.
	Credentials CredentialKind
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Platform != "" {
		b.WriteString(e.Platform)
		b.WriteString(" ")
	}
	op := e.Op
	if op == "" {
		op = "request"
	}
	b.WriteString(op)
	if e.User != "" {
		b.WriteString(" for user ")
		b.WriteString(QuoteName(e.User))
	}
	b.WriteString(" failed: ")
	b.WriteString(e.Kind.String())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Field != "" && !strings.Contains(e.Detail, e.Field) {
		fmt.Fprintf(&b, " (field %q)", e.Field)
	}
	if e.Status != 0 && !strings.Contains(e.Detail, fmt.Sprint(e.Status)) {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Hint tells the user what to do about the error: the platform's Advice
// when it gave one, otherwise the advice for its kind.
func (e *Error) Hint() string {
	if e.Advice != "" {
		return e.Advice
	}
	switch e.Kind {
	case KindBadCredentials:
		what := "the user name and password for this platform (provider block, the ephemeral block's own username/password"
		if e.Credentials == ClientCredentials {
			what = "the client ID and client secret for this platform (client_id and client_secret in the provider block, the ephemeral block's own client_id/client_secret"
		}
		return "Check " + what + ", or the IOTAUTH_* environment variables). The provider sends refused credentials only once per run: every other block that uses them fails with this error without contacting the platform. Each further run sends them once more, so fix them before running again if the platform locks accounts after failed logins."
	case KindTokenRejected:
		return "The platform refused a token it had just issued. Check that base_url points at the same installation for login and API calls, then try again."
	case KindForbidden:
		return "The account lacks the permission needed to read its own profile. Ask the platform administrator to grant it."
	case KindNotFound:
		return "Check base_url: it must be the platform's API root (scheme, host, port and path prefix)."
	case KindRateLimited:
		if e.RetryAfter > 0 {
			return fmt.Sprintf("The platform limits logins; it asked to wait %s. Run again later, or raise retry_max_wait to let the provider wait that long.", e.RetryAfter.Round(time.Second))
		}
		return "The platform limits logins. Run again later or raise max_retries."
	case KindServer:
		return "The platform is failing. Try again later; max_retries controls how often the provider retries."
	case KindTimeout:
		return "The platform did not answer in time. Check the network path to base_url, or raise request_timeout."
	case KindUnreachable:
		return "Check base_url, DNS, proxies (HTTPS_PROXY/NO_PROXY) and firewalls between this machine and the platform."
	case KindTLS:
		return "The platform's certificate could not be verified. If the installation uses a private CA, set ca_cert_pem to it; insecure = true turns verification off (not recommended)."
	case KindMalformed:
		return "The answer was not what this platform's login API returns. Check that base_url points at the right platform and API prefix."
	case KindTooLarge:
		return "The answer exceeded the response size limit. Check that base_url points at the platform's API and not at some other service."
	case KindRedirect:
		return "The provider does not follow redirects to another host, so that credentials never leave the configured host. Set base_url to the final address if you trust it."
	case KindInvalidConfig:
		return "Check the provider settings for this platform."
	case KindTokenTooShort:
		return "A new login would not give a longer-lived token, so the provider logged in once and stopped before anything used the token. Lower min_validity below the token lifetime, or split the work into shorter applies. For a platform that does not reveal when its tokens expire, the provider counts them valid for session_max_age after the login: raise it if you know they last longer."
	case KindInterrupted:
		return "The run was interrupted (Ctrl-C, or Terraform stopped the provider) before the platform answered. Nothing in the settings needs to change: run the command again."
	}
	return "Check base_url and try again; run with TF_LOG=DEBUG for the request log (it never contains secrets)."
}

// AsError returns err as *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k Kind) bool {
	e, ok := AsError(err)
	return ok && e.Kind == k
}

// Annotate fills in the platform, user and operation of an *Error that does
// not have them yet, and wraps any other error: a cancelled context as
// KindInterrupted (or KindTimeout for a deadline), anything else as
// KindUnknown.
func Annotate(err error, p string, user, op string) error {
	if err == nil {
		return nil
	}
	e, ok := AsError(err)
	if !ok {
		switch {
		case errors.Is(err, context.Canceled):
			return &Error{Kind: KindInterrupted, Platform: p, User: user, Op: op, Detail: "the run was interrupted before the platform answered"}
		case errors.Is(err, context.DeadlineExceeded):
			return &Error{Kind: KindTimeout, Platform: p, User: user, Op: op, Detail: "the operation's deadline passed"}
		}
		return &Error{Kind: KindUnknown, Platform: p, User: user, Op: op, Err: err}
	}
	c := *e
	if c.Platform == "" {
		c.Platform = p
	}
	if c.User == "" {
		c.User = user
	}
	if c.Op == "" {
		c.Op = op
	}
	return &c
}

// Malformed builds a KindMalformed error naming the field.
func Malformed(field, detail string) *Error {
	return &Error{Kind: KindMalformed, Field: field, Detail: detail}
}

// maxQuoted bounds how much of a user-supplied name a message repeats.
const maxQuoted = 80

// QuoteName quotes a user name or client ID for a message, cut short when
// long: a 200 KB name is not repeated whole. Every message that names a
// user goes through it (platform errors and the provider's diagnostics).
func QuoteName(s string) string {
	if len(s) > maxQuoted {
		cut := maxQuoted
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q… (%d bytes)", s[:cut], len(s))
	}
	return fmt.Sprintf("%q", s)
}

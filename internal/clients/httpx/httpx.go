// Package httpx is the one HTTP layer every platform client uses: its own
// transport (TLS, custom CA, proxy from the environment), a per-attempt
// timeout, bounded retries that honour Retry-After, a response size limit,
// redirects that never carry credentials to another host, a User-Agent and a
// logging hook that sees only method, path, status and duration.
//
// The retry loop is our own rather than go-retryablehttp: the rules here
// (never retry a 4xx, stop instead of sleeping when Retry-After exceeds the
// cap, count attempts into the typed error, a body-size limit that is not
// retried) would need as much code around that library as the loop itself,
// and its default logger prints full URLs.
//
// There is no separate total time budget: every attempt is bounded by
// Timeout and every wait by RetryMaxWait, so a request takes at most
// (MaxRetries+1)*Timeout + MaxRetries*RetryMaxWait, and the error of a
// request that gives up names the setting that stopped it (the request
// timeout, the number of attempts, or the cap on a wait).
package httpx

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Defaults for Config's zero values.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxRetries       = 3
	DefaultRetryMaxWait     = 30 * time.Second
	DefaultMaxResponseBytes = 1 << 20 // 1 MiB
	DefaultBackoffMin       = 250 * time.Millisecond
)

// Config is the HTTP behaviour shared by every platform.
type Config struct {
	// Timeout bounds one attempt, from sending the request to reading the
	// whole answer. Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt (network error, 429,
	// 5xx) is retried. Negative means DefaultMaxRetries; zero disables retries.
	MaxRetries int
	// RetryMaxWait caps one wait between attempts. When a platform's
	// Retry-After asks for longer, the client stops and reports it. Zero
	// means DefaultRetryMaxWait.
	RetryMaxWait time.Duration
	// BackoffMin is the first wait between attempts without Retry-After;
	// it doubles with each retry (with jitter) up to RetryMaxWait.
	BackoffMin time.Duration
	// MaxResponseBytes limits an answer's body. Zero means 1 MiB.
	MaxResponseBytes int64
	// CACertPEM holds extra trusted CA certificates (PEM), added to the
	// system pool.
	CACertPEM string
	// Insecure turns TLS certificate verification off.
	Insecure bool
	// UserAgent is sent with every request.
	UserAgent string
	// Log, when set, is called once per attempt. It receives no body, no
	// header and no query string.
	Log func(ctx context.Context, e LogEntry)
}

// LogEntry describes one attempt, with nothing secret in it.
type LogEntry struct {
	Method   string
	Host     string
	Path     string
	Status   int // 0 when there was no answer
	Duration time.Duration
	Attempt  int
	// Outcome is a short secret-free word: "ok", "retry", "error".
	Outcome string
	// Error is the error kind when the attempt failed without an answer.
	Error string
}

// Client sends requests for the platform clients.
type Client struct {
	cfg  Config
	http *http.Client
}

// New builds a Client. The transport is a clone of http.DefaultTransport's
// settings (the shared default is never modified) with its own TLS settings.
func New(cfg Config) (*Client, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.RetryMaxWait <= 0 {
		cfg.RetryMaxWait = DefaultRetryMaxWait
	}
	if cfg.BackoffMin <= 0 {
		cfg.BackoffMin = DefaultBackoffMin
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "terraform-provider-iotauth"
	}

	tlsCfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Insecure is an explicit, documented user choice; the provider
		// warns when it is set.
		InsecureSkipVerify: cfg.Insecure, //nolint:gosec // G402: explicit opt-in.
	}
	if strings.TrimSpace(cfg.CACertPEM) != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(cfg.CACertPEM)) {
			return nil, &platform.Error{Kind: platform.KindInvalidConfig, Op: "HTTP client setup",
				Detail: "ca_cert_pem holds no PEM-encoded certificate"}
		}
		tlsCfg.RootCAs = pool
	}

	var tr *http.Transport
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = def.Clone()
	} else {
		tr = &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
	}
	tr.Proxy = http.ProxyFromEnvironment
	tr.TLSClientConfig = tlsCfg
	tr.MaxIdleConnsPerHost = 16

	c := &Client{cfg: cfg}
	c.http = &http.Client{
		Transport:     tr,
		CheckRedirect: checkRedirect,
	}
	return c, nil
}

// errTooManyRedirects ends a redirect loop; classify reports it as
// KindRedirect, which is not retried.
var errTooManyRedirects = errors.New("too many redirects")

// checkRedirect follows a redirect only to the same host, and never from
// https to http, so that a request body (a password) or an Authorization
// header never reaches another server.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errTooManyRedirects
	}
	prev := via[len(via)-1].URL
	if !strings.EqualFold(req.URL.Host, prev.Host) || (prev.Scheme == "https" && req.URL.Scheme != "https") {
		return http.ErrUseLastResponse
	}
	return nil
}

// Request is one logical call; it may be sent several times.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Response is the final answer, with its body fully read.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Attempts int
}

// Do sends req, retrying network errors, 429 and 5xx (501 excepted) within
// the configured bounds. It returns the response for any other status (the
// caller interprets 4xx, see Check); it returns a *platform.Error (without
// platform, user or operation: the clients package annotates it) when no
// usable answer arrived.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &platform.Error{Kind: platform.KindInvalidConfig, Detail: "the base URL is not an absolute http(s) URL"}
	}
	for attempt := 1; ; attempt++ {
		resp, aerr := c.attempt(ctx, req, u, attempt)
		if aerr == nil {
			resp.Attempts = attempt
			return resp, nil
		}
		aerr.Attempts = attempt
		if ctx.Err() != nil || !retryable(aerr) || attempt > c.cfg.MaxRetries {
			return nil, aerr
		}
		wait := c.backoff(attempt)
		if aerr.RetryAfter > 0 {
			if aerr.RetryAfter > c.cfg.RetryMaxWait {
				aerr.Detail = fmt.Sprintf("the platform asked to wait %s before retrying, more than the %s cap",
					aerr.RetryAfter.Round(time.Second), c.cfg.RetryMaxWait)
				return nil, aerr
			}
			wait = aerr.RetryAfter
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, aerr
		case <-t.C:
		}
	}
}

// retryable reports whether another attempt may help.
func retryable(e *platform.Error) bool {
	switch e.Kind {
	case platform.KindRateLimited, platform.KindServer, platform.KindUnreachable, platform.KindTimeout:
		return true
	}
	return false
}

// backoff is the wait before retry number attempt when the platform did
// not say how long to wait: BackoffMin doubled with each retry, plus up to
// 25% jitter so that parallel provider processes spread out, and never
// more than RetryMaxWait (the documented cap on one wait).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.BackoffMin << (attempt - 1)
	if d <= 0 || d > c.cfg.RetryMaxWait {
		d = c.cfg.RetryMaxWait
	}
	d += time.Duration(rand.Int64N(int64(d)/4 + 1)) //nolint:gosec // G404: jitter, not security.
	return min(d, c.cfg.RetryMaxWait)
}

func (c *Client) attempt(ctx context.Context, req *Request, u *url.URL, n int) (*Response, *platform.Error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	classifyErr := func(err error) *platform.Error { return classify(ctx, actx, err, c.cfg.Timeout) }

	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(actx, req.Method, u.String(), body)
	if err != nil {
		return nil, &platform.Error{Kind: platform.KindInvalidConfig, Detail: "the request could not be built from the base URL"}
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	hr.Header.Set("User-Agent", c.cfg.UserAgent)
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", "application/json")
	}

	began := time.Now()
	entry := LogEntry{Method: req.Method, Host: u.Host, Path: u.EscapedPath(), Attempt: n}
	logIt := func(status int, outcome string, e *platform.Error) {
		if c.cfg.Log == nil {
			return
		}
		entry.Status, entry.Duration, entry.Outcome = status, time.Since(began), outcome
		if e != nil {
			entry.Error = e.Kind.String()
		}
		c.cfg.Log(ctx, entry)
	}

	hresp, err := c.http.Do(hr)
	if err != nil {
		e := classifyErr(err)
		logIt(0, outcomeFor(e), e)
		return nil, e
	}
	defer func() { _ = hresp.Body.Close() }()

	data, err := io.ReadAll(io.LimitReader(hresp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		e := classifyErr(err)
		if e.Kind == platform.KindUnreachable {
			e.Detail = fmt.Sprintf("the connection closed before the answer was complete (HTTP %d)", hresp.StatusCode)
		}
		logIt(hresp.StatusCode, outcomeFor(e), e)
		return nil, e
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		e := &platform.Error{Kind: platform.KindTooLarge, Status: hresp.StatusCode,
			Detail: fmt.Sprintf("the answer is larger than the %d-byte limit", c.cfg.MaxResponseBytes)}
		logIt(hresp.StatusCode, "error", e)
		return nil, e
	}

	status := hresp.StatusCode
	switch {
	case status == http.StatusTooManyRequests:
		e := &platform.Error{Kind: platform.KindRateLimited, Status: status,
			RetryAfter: parseRetryAfter(hresp.Header.Get("Retry-After"), time.Now())}
		logIt(status, outcomeFor(e), e)
		return nil, e
	case status >= 500 && status != http.StatusNotImplemented:
		e := &platform.Error{Kind: platform.KindServer, Status: status,
			RetryAfter: parseRetryAfter(hresp.Header.Get("Retry-After"), time.Now())}
		logIt(status, outcomeFor(e), e)
		return nil, e
	case status >= 300 && status < 400:
		host := ""
		if loc, lerr := hresp.Location(); lerr == nil {
			host = loc.Host
		}
		e := &platform.Error{Kind: platform.KindRedirect, Status: status,
			Detail: fmt.Sprintf("the platform redirected to %q, another host or a downgrade to http; not followed", host)}
		logIt(status, "error", e)
		return nil, e
	}
	logIt(status, "ok", nil)
	return &Response{Status: status, Header: hresp.Header, Body: data}, nil
}

func outcomeFor(e *platform.Error) string {
	if retryable(e) {
		return "retry"
	}
	return "error"
}

// classify turns a transport error into a typed error. The *url.Error's
// message is not used as is: it holds the full URL.
func classify(parent, attemptCtx context.Context, err error, timeout time.Duration) *platform.Error {
	if parent.Err() != nil {
		if errors.Is(parent.Err(), context.DeadlineExceeded) {
			return &platform.Error{Kind: platform.KindTimeout, Detail: "the operation's deadline passed"}
		}
		return &platform.Error{Kind: platform.KindUnknown, Detail: "cancelled"}
	}
	if attemptCtx.Err() != nil || isTimeout(err) {
		return &platform.Error{Kind: platform.KindTimeout, Detail: fmt.Sprintf("no complete answer within the %s request timeout", timeout)}
	}
	var (
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		certInvalid x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
		recordErr   tls.RecordHeaderError
	)
	// *tls.CertificateVerificationError wraps every verification failure,
	// so the specific causes are checked before it.
	switch {
	case errors.As(err, &hostErr):
		return &platform.Error{Kind: platform.KindTLS, Detail: "the server's certificate does not match its host name", Err: innermost(err)}
	case errors.As(err, &certInvalid):
		return &platform.Error{Kind: platform.KindTLS, Detail: "the server's certificate is invalid", Err: innermost(err)}
	case errors.As(err, &unknownAuth), errors.As(err, &verifyErr):
		return &platform.Error{Kind: platform.KindTLS, Detail: "the server's certificate is not signed by a trusted authority", Err: innermost(err)}
	case errors.Is(err, errTooManyRedirects):
		return &platform.Error{Kind: platform.KindRedirect, Detail: "too many redirects"}
	case errors.As(err, &recordErr), errors.Is(err, http.ErrSchemeMismatch):
		return &platform.Error{Kind: platform.KindTLS, Detail: "the server did not answer with TLS (is the base URL http rather than https?)"}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &platform.Error{Kind: platform.KindUnreachable, Detail: "the connection closed before the answer was complete"}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return &platform.Error{Kind: platform.KindUnreachable, Detail: fmt.Sprintf("the host name %q could not be resolved", dnsErr.Name)}
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		if opErr.Op == "dial" {
			return &platform.Error{Kind: platform.KindUnreachable, Detail: "the connection was refused or could not be opened", Err: innermost(err)}
		}
		return &platform.Error{Kind: platform.KindUnreachable, Detail: "the connection failed", Err: innermost(err)}
	}
	return &platform.Error{Kind: platform.KindUnreachable, Detail: "the request failed", Err: innermost(err)}
}

// innermost strips *url.Error wrappers (they hold the full URL) and keeps
// the cause.
func innermost(err error) error {
	var ue *url.Error
	for errors.As(err, &ue) {
		err = ue.Err
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// parseRetryAfter reads a Retry-After header in seconds or HTTP-date form.
// It returns 0 when the header is absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

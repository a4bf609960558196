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
//
// # When a request that carries credentials is sent again
//
// A request that carries credentials (Request.Credentials: a login with a
// password or a client secret, a refresh token; PostJSON and PostForm mark
// every POST as one, since every POST the platforms take carries a secret)
// is sent again only after an answer that proves the platform did not
// process it:
//
//   - 429 Too Many Requests and 503 Service Unavailable (with or without
//     Retry-After): the platform turned the request away before handling it;
//   - a failure before any byte of the request was written: the connection
//     was refused, the host name did not resolve, the TLS handshake failed
//     or timed out, the connection could not be opened in time.
//
// Any other outcome may mean that the platform processed the credentials,
// and perhaps counted a failed login: a timeout after the request was
// written, a connection reset or closed after it was written, 500, 502,
// 504 and every other 5xx. Such a request is not sent again, and the
// credential set's SendBudget is closed: the Manager (package clients)
// sends those credentials no more in this process and reports the same
// error to every later caller. Answers the caller interprets (2xx, 4xx) are
// never retried here; the Manager remembers a refused login.
//
// Bound: a SendBudget allows MaxRetries+1 sends of one credential set that
// do not end in a success (2xx) answer, in total over every caller of the
// process, not per request: retries of 429 and 503 included. A send that
// fails before anything was written does not count; a success answer
// starts the count again (a token that is renewed near its expiry is a new
// login). So a platform that refuses slowly (401 after the request
// timeout) receives the password exactly once per process.
//
// Requests without credentials (Coiote's profile read with a bearer token)
// follow the general rule: network errors, timeouts, 429 and 5xx (501
// excepted) are retried within MaxRetries.
package httpx

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
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
	// means DefaultRetryMaxWait; NoWait (any negative value) retries
	// without waiting and stops at the first Retry-After.
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

// NoWait is the RetryMaxWait of a client that never waits between attempts
// (the provider's retry_max_wait = "0s").
const NoWait time.Duration = -1

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
	// budget, when set, bounds the sends of requests with credentials
	// (see WithSendBudget).
	budget *SendBudget
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
	switch {
	case cfg.RetryMaxWait < 0:
		cfg.RetryMaxWait = 0 // NoWait
	case cfg.RetryMaxWait == 0:
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
	// Credentials marks a request that carries credentials (a password,
	// a client secret, a refresh token): it is sent again only after an
	// answer that proves the platform did not process it, and its sends
	// are counted in the client's SendBudget (see the package
	// documentation).
	Credentials bool
}

// SendBudget bounds how many times one credential set is sent without a
// success answer, over every request and every caller that shares it (the
// Manager keeps one per credential set). It is safe for concurrent use.
type SendBudget struct {
	mu     sync.Mutex
	max    int
	used   int
	closed bool
	// last is the error of the last send that did not succeed.
	last *platform.Error
}

// NewSendBudget allows n sends that do not end in a success answer.
func NewSendBudget(n int) *SendBudget { return &SendBudget{max: n} }

// Spent reports whether no send is left: max sends failed, or one ended
// in a way that may have been processed (the budget is then closed).
func (b *SendBudget) Spent() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed || b.used >= b.max
}

// take reserves one send; it reports false when none is left.
func (b *SendBudget) take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.used >= b.max {
		return false
	}
	b.used++
	return true
}

// settle records how a reserved send ended. ok: the platform answered
// with success, and the count starts again. Given back: a send that wrote
// nothing, and one the platform answered with a final status (a 4xx, which
// the caller interprets and the Manager remembers: such a send happens once
// per credential set). Kept: a failure, which closes the budget when
// closeIt (the platform may have processed the credentials).
func (b *SendBudget) settle(written, ok, failed, closeIt bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case ok:
		b.used, b.last = 0, nil
	case !written || !failed:
		b.used--
	default:
		b.closed = b.closed || closeIt
	}
}

// failed keeps a copy of e, the error of the last send that failed, for
// refusal.
func (b *SendBudget) failed(e *platform.Error) {
	c := *e
	b.mu.Lock()
	defer b.mu.Unlock()
	b.last = &c
}

// refusal is the error of a request the budget does not let through: the
// last failure, which is what the caller needs to see.
func (b *SendBudget) refusal() *platform.Error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last != nil {
		c := *b.last
		return &c
	}
	return &platform.Error{Kind: platform.KindUnknown,
		Detail: "the credentials were not sent again: this run already sent them as often as max_retries allows"}
}

// WithSendBudget returns a client that shares c's transport and settings
// and counts its requests with credentials in b.
func (c *Client) WithSendBudget(b *SendBudget) *Client {
	cc := *c
	cc.budget = b
	return &cc
}

// Response is the final answer, with its body fully read.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Attempts int
}

// Do sends req, retrying network errors, 429 and 5xx (501 excepted) within
// the configured bounds, or, for a request with credentials, only the
// answers that prove the platform did not process it (see the package
// documentation). It returns the response for any other status (the
// caller interprets 4xx, see Check); it returns a *platform.Error (without
// platform, user or operation: the clients package annotates it) when no
// usable answer arrived.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &platform.Error{Kind: platform.KindInvalidConfig, Detail: "the base URL is not an absolute http(s) URL"}
	}
	budget := c.budget
	if !req.Credentials {
		budget = nil
	}
	var aerr *platform.Error
	for attempt := 1; ; attempt++ {
		if budget != nil && !budget.take() {
			if aerr == nil {
				aerr = budget.refusal()
			}
			return nil, aerr
		}
		resp, e, written := c.attempt(ctx, req, u, attempt)
		if e == nil {
			if budget != nil {
				budget.settle(written, resp.Status >= 200 && resp.Status < 300, false, false)
			}
			resp.Attempts = attempt
			return resp, nil
		}
		aerr = e
		aerr.Attempts = attempt
		// A request with credentials that may have been processed is
		// not sent again, by this call or (through the budget) any other.
		unsettled := req.Credentials && !provenUnprocessed(aerr, written)
		if budget != nil {
			budget.settle(written, false, true, unsettled)
		}
		stop := ctx.Err() != nil || !retryable(aerr) || attempt > c.cfg.MaxRetries
		if unsettled && retryable(aerr) {
			notSentAgain(aerr)
			stop = true
		}
		wait := c.backoff(attempt)
		if !stop && aerr.RetryAfter > 0 {
			if aerr.RetryAfter > c.cfg.RetryMaxWait {
				aerr.Detail = fmt.Sprintf("the platform asked to wait %s before retrying, more than the %s cap",
					aerr.RetryAfter.Round(time.Second), c.cfg.RetryMaxWait)
				stop = true
			}
			wait = aerr.RetryAfter
		}
		if budget != nil && written {
			budget.failed(aerr)
		}
		if stop {
			return nil, aerr
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

// provenUnprocessed reports whether a failed attempt proves that the
// platform did not process the request: nothing was written, or the
// platform answered 429 or 503.
func provenUnprocessed(e *platform.Error, written bool) bool {
	if !written {
		return true
	}
	switch e.Kind {
	case platform.KindRateLimited:
		return true
	case platform.KindServer:
		return e.Status == http.StatusServiceUnavailable
	}
	return false
}

// notSentAgain explains, in the error of a request with credentials that
// may have been processed, why it was not retried.
func notSentAgain(e *platform.Error) {
	const why = "the credentials are not sent again in this run, since the platform may have processed them"
	switch {
	case e.Kind == platform.KindServer:
		e.Detail = fmt.Sprintf("HTTP %d while handling the credentials; they are not sent again in this run, "+
			"since the platform may have processed them", e.Status)
	case e.Detail == "":
		e.Detail = why
	default:
		e.Detail += "; " + why
	}
	e.Advice = adviceNotSentAgain(e)
}

// adviceNotSentAgain is the hint of a request with credentials that ended
// without an answer saying what the platform did with them.
func adviceNotSentAgain(e *platform.Error) string {
	const once = " The provider does not send the same credentials again in this run: a platform that counts " +
		"failed logins could lock the account."
	switch e.Kind {
	case platform.KindTimeout:
		return "The platform did not answer within request_timeout after receiving the login." + once +
			" Check the network path to base_url, or raise request_timeout, then run again."
	case platform.KindServer:
		return "The platform failed while handling the login." + once + " Try again later."
	}
	return "The connection failed after the login was sent." + once +
		" Check base_url, proxies (HTTPS_PROXY/NO_PROXY) and firewalls, then run again."
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

// attempt sends req once. written reports whether any of the request may
// have reached the platform: it is false only for a failure before the
// request's headers were written (no connection, DNS, TLS handshake).
func (c *Client) attempt(ctx context.Context, req *Request, u *url.URL, n int) (resp *Response, aerr *platform.Error, written bool) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	// The transport reports when it has written the headers (into its
	// buffer: perhaps not yet onto the network, so this errs on the side
	// of "written"). Nothing reaches the platform before that.
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	})
	classifyErr := func(err error) *platform.Error {
		e := classify(ctx, actx, err, c.cfg.Timeout)
		if e.Kind == platform.KindTimeout && !wrote.Load() && ctx.Err() == nil {
			e.Detail = fmt.Sprintf("no connection within the %s request timeout", c.cfg.Timeout)
		}
		return e
	}

	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(actx, req.Method, u.String(), body)
	if err != nil {
		return nil, &platform.Error{Kind: platform.KindInvalidConfig, Detail: "the request could not be built from the base URL"}, false
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
		if e != nil && outcome == "retry" && req.Credentials && !provenUnprocessed(e, wrote.Load()) {
			outcome = "error"
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
		return nil, e, wrote.Load()
	}
	defer func() { _ = hresp.Body.Close() }()

	data, err := io.ReadAll(io.LimitReader(hresp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		e := classifyErr(err)
		if e.Kind == platform.KindUnreachable {
			e.Detail = fmt.Sprintf("the connection closed before the answer was complete (HTTP %d)", hresp.StatusCode)
		}
		logIt(hresp.StatusCode, outcomeFor(e), e)
		return nil, e, true
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		e := &platform.Error{Kind: platform.KindTooLarge, Status: hresp.StatusCode,
			Detail: fmt.Sprintf("the answer is larger than the %d-byte limit", c.cfg.MaxResponseBytes)}
		logIt(hresp.StatusCode, "error", e)
		return nil, e, true
	}

	status := hresp.StatusCode
	switch {
	case plainHTTPToTLSPort(u.Scheme, status, data):
		e := &platform.Error{Kind: platform.KindTLS, Status: status,
			Detail: "the server answered with TLS to a plain HTTP request (is the base URL https rather than http?)",
			Advice: advicePlainToHTTPS}
		logIt(status, "error", e)
		return nil, e, true
	case status == http.StatusTooManyRequests:
		e := &platform.Error{Kind: platform.KindRateLimited, Status: status,
			RetryAfter: parseRetryAfter(hresp.Header.Get("Retry-After"), time.Now())}
		logIt(status, outcomeFor(e), e)
		return nil, e, true
	case status >= 500 && status != http.StatusNotImplemented:
		e := &platform.Error{Kind: platform.KindServer, Status: status,
			RetryAfter: parseRetryAfter(hresp.Header.Get("Retry-After"), time.Now())}
		logIt(status, outcomeFor(e), e)
		return nil, e, true
	case status >= 300 && status < 400:
		// The target host is named only when it is a plain host name,
		// exactly as the Location header spells it (wire.Host).
		target := "(host not shown: unexpected characters)"
		if loc, lerr := hresp.Location(); lerr == nil {
			if h := wire.Host(loc.Host, hresp.Header.Get("Location")); h != "" {
				target = strconv.Quote(h)
			}
		}
		e := &platform.Error{Kind: platform.KindRedirect, Status: status,
			Detail: fmt.Sprintf("the platform redirected to %s, another host or a downgrade to http; not followed", target)}
		logIt(status, "error", e)
		return nil, e, true
	}
	logIt(status, "ok", nil)
	return &Response{Status: status, Header: hresp.Header, Body: data}, nil, true
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
		return &platform.Error{Kind: platform.KindInterrupted, Detail: "the run was interrupted before the platform answered"}
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
	// The x509 errors' own texts name what the server's certificate holds
	// (its subject, its host names): a fixed text stands for them.
	switch {
	case errors.As(err, &hostErr):
		return &platform.Error{Kind: platform.KindTLS, Detail: "the server's certificate does not match its host name",
			Err: fixedText("x509: certificate is not valid for the host in base_url", err)}
	case errors.As(err, &certInvalid):
		return &platform.Error{Kind: platform.KindTLS, Detail: "the server's certificate is invalid",
			Err: fixedText(certInvalidText(certInvalid.Reason), err)}
	case errors.As(err, &unknownAuth), errors.As(err, &verifyErr):
		return &platform.Error{Kind: platform.KindTLS, Detail: "the server's certificate is not signed by a trusted authority",
			Err: fixedText("x509: certificate signed by unknown authority", err)}
	case errors.Is(err, errTooManyRedirects):
		return &platform.Error{Kind: platform.KindRedirect, Detail: "too many redirects",
			Advice: "The platform kept redirecting (more than 5 times, a loop): the login never reached an answer. " +
				"Check base_url: it must be the platform's API root, without a path the platform redirects away from."}
	case errors.As(err, &recordErr), errors.Is(err, http.ErrSchemeMismatch):
		return &platform.Error{Kind: platform.KindTLS, Detail: "the server did not answer with TLS (is the base URL http rather than https?)",
			Advice: adviceHTTPSToPlain}
	case tlsAnswerToPlainHTTP(err):
		return &platform.Error{Kind: platform.KindTLS, Detail: "the server answered with TLS to a plain HTTP request (is the base URL https rather than http?)",
			Advice: advicePlainToHTTPS}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &platform.Error{Kind: platform.KindUnreachable, Detail: "the connection closed before the answer was complete"}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return &platform.Error{Kind: platform.KindUnreachable, Detail: fmt.Sprintf("the host name %q could not be resolved", dnsErr.Name)}
	}
	// A *net.OpError's text is Go's, built from the addresses dialled and
	// the system's error (connection refused, reset by peer).
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		if opErr.Op == "dial" {
			return &platform.Error{Kind: platform.KindUnreachable, Detail: "the connection was refused or could not be opened", Err: opErr}
		}
		return &platform.Error{Kind: platform.KindUnreachable, Detail: "the connection failed", Err: opErr}
	}
	// Anything else (a malformed answer the transport could not parse,
	// for one) may quote what the server sent: its text is not kept.
	return &platform.Error{Kind: platform.KindUnreachable, Detail: "the request failed",
		Err: fixedText("the transport's own message is not shown: it may quote the server's answer", err)}
}

// textErr is an error shown by a fixed text, with the original error kept
// for errors.Is and errors.As.
type textErr struct {
	text string
	err  error
}

func (e textErr) Error() string { return e.text }
func (e textErr) Unwrap() error { return e.err }

// fixedText stands text for err, whose own text may hold server data.
func fixedText(text string, err error) error { return textErr{text: text, err: innermost(err)} }

// certInvalidText describes why a certificate is invalid, by the reason's
// code alone.
func certInvalidText(r x509.InvalidReason) string {
	switch r {
	case x509.Expired:
		return "x509: certificate has expired or is not yet valid"
	case x509.NotAuthorizedToSign:
		return "x509: a certificate in the chain is not authorized to sign other certificates"
	case x509.IncompatibleUsage:
		return "x509: certificate specifies an incompatible key usage"
	case x509.NameConstraintsWithoutSANs, x509.CANotAuthorizedForThisName, x509.CANotAuthorizedForExtKeyUsage:
		return "x509: a CA in the chain is not authorized for this certificate"
	case x509.TooManyIntermediates, x509.TooManyConstraints:
		return "x509: the certificate chain is too long or too complex"
	}
	return "x509: certificate is invalid"
}

// The hints of a TLS-scheme mismatch: base_url's scheme does not match what
// the server speaks on that port (not a certificate problem).
const (
	adviceHTTPSToPlain = "base_url starts with https:// but the server speaks plain HTTP on that port. " +
		"Check the port, or use http:// if the platform really serves its API without TLS (the password would then " +
		"travel unencrypted)."
	advicePlainToHTTPS = "base_url starts with http:// but the server speaks TLS on that port: use https:// in base_url."
)

// tlsAnswerToPlainHTTP reports whether err is the transport's complaint
// about an answer that starts with a TLS record (0x15 alert or 0x16
// handshake, then version 0x03): a server that speaks TLS received a plain
// HTTP request. Only the error's shape is read; its text is never shown.
func tlsAnswerToPlainHTTP(err error) bool {
	s := err.Error()
	return strings.Contains(s, "malformed HTTP response") &&
		(strings.Contains(s, `\x15\x03`) || strings.Contains(s, `\x16\x03`))
}

// plainHTTPToTLSPort reports whether an answer is a server's refusal of a
// plain HTTP request on its TLS port: Go's servers answer 400 "Client sent
// an HTTP request to an HTTPS server.", nginx 400 "The plain HTTP request
// was sent to HTTPS port". The body is compared, never quoted.
func plainHTTPToTLSPort(scheme string, status int, body []byte) bool {
	if scheme != "http" || status != http.StatusBadRequest {
		return false
	}
	return bytes.Contains(body, []byte("HTTP request to an HTTPS server")) ||
		bytes.Contains(body, []byte("plain HTTP request was sent to HTTPS port"))
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
	secs, err := strconv.ParseInt(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) && secs > 0 {
		// More seconds than int64 holds: a wait far over any cap, not an
		// absent header (which would be retried after the backoff).
		secs = math.MaxInt64
		err = nil
	}
	if err == nil {
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

package httpx

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 11, 23, 16, 53, 37, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"   ", 0},
		{"0", 0},
		{"-5", 0},
		{"1", time.Second},
		{" 30 ", 30 * time.Second},
		{"120", 2 * time.Minute},
		{"86400", 24 * time.Hour},
		{"86401", 24 * time.Hour},
		{"999999999999999999", 24 * time.Hour},
		// Larger than int64: more than the cap, not absent (issue 13).
		{"99999999999999999999999", 24 * time.Hour},
		{"+99999999999999999999999", 24 * time.Hour},
		{"1.5", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(time.Hour).Format(time.RFC850), time.Hour},
		{now.Add(2 * time.Second).Format(time.ANSIC), 2 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Format(http.TimeFormat), 0},
		{"Sun, 99 Nov 2025 00:00:00 GMT", 0},
	}
	for _, tc := range cases {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestCheckRedirect(t *testing.T) {
	mk := func(raw string) *http.Request {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Request{URL: u}
	}
	cases := []struct {
		from, to string
		follow   bool
	}{
		{"https://console.monogoto.io/Auth", "https://console.monogoto.io/v2/Auth", true},
		{"https://console.monogoto.io/Auth", "https://CONSOLE.monogoto.io/Auth", true},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b", true},
		{"http://127.0.0.1:8080/a", "https://127.0.0.1:8080/b", true},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8081/a", false},
		{"https://console.monogoto.io/Auth", "https://evil.example/Auth", false},
		{"https://console.monogoto.io/Auth", "https://console.monogoto.io.evil.example/Auth", false},
		{"https://console.monogoto.io/Auth", "http://console.monogoto.io/Auth", false},
		{"https://console.monogoto.io:443/Auth", "https://console.monogoto.io/Auth", false},
	}
	for _, tc := range cases {
		err := checkRedirect(mk(tc.to), []*http.Request{mk(tc.from)})
		if tc.follow && err != nil {
			t.Errorf("%s -> %s: refused (%v)", tc.from, tc.to, err)
		}
		if !tc.follow && !errors.Is(err, http.ErrUseLastResponse) {
			t.Errorf("%s -> %s: err = %v, want ErrUseLastResponse", tc.from, tc.to, err)
		}
	}
	via := make([]*http.Request, 5)
	for i := range via {
		via[i] = mk("https://h/x")
	}
	if err := checkRedirect(mk("https://h/y"), via); !errors.Is(err, errTooManyRedirects) {
		t.Errorf("sixth redirect: err = %v", err)
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Timeout:          DefaultTimeout,
		MaxRetries:       DefaultMaxRetries,
		RetryMaxWait:     DefaultRetryMaxWait,
		BackoffMin:       DefaultBackoffMin,
		MaxResponseBytes: DefaultMaxResponseBytes,
		UserAgent:        "terraform-provider-iotauth",
	}
	if !reflect.DeepEqual(c.cfg, want) {
		t.Errorf("cfg = %+v, want %+v", c.cfg, want)
	}
	if c0, _ := New(Config{}); c0.cfg.MaxRetries != 0 {
		t.Errorf("MaxRetries 0 became %d; zero must disable retries", c0.cfg.MaxRetries)
	}
}

func TestBackoff(t *testing.T) {
	c := &Client{cfg: Config{BackoffMin: 100 * time.Millisecond, RetryMaxWait: time.Second}}
	// Jitter never takes a wait past RetryMaxWait, the documented cap.
	cases := []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, 100 * time.Millisecond, 125 * time.Millisecond},
		{2, 200 * time.Millisecond, 250 * time.Millisecond},
		{3, 400 * time.Millisecond, 500 * time.Millisecond},
		{4, 800 * time.Millisecond, time.Second},
		{5, time.Second, time.Second},
		{40, time.Second, time.Second},
		{64, time.Second, time.Second},
		{200, time.Second, time.Second},
	}
	for _, tc := range cases {
		for range 50 {
			if d := c.backoff(tc.attempt); d < tc.min || d > tc.max {
				t.Fatalf("backoff(%d) = %v, want %v..%v", tc.attempt, d, tc.min, tc.max)
			}
		}
	}
}

func TestRetryable(t *testing.T) {
	want := map[platform.Kind]bool{
		platform.KindRateLimited: true, platform.KindServer: true,
		platform.KindUnreachable: true, platform.KindTimeout: true,
	}
	for k := platform.KindUnknown; k <= platform.KindInvalidConfig; k++ {
		if got := retryable(&platform.Error{Kind: k}); got != want[k] {
			t.Errorf("retryable(%v) = %v", k, got)
		}
	}
}

func TestClassify(t *testing.T) {
	live := t.Context()
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()
	wrap := func(err error) error { return &url.Error{Op: "Post", URL: "https://h/Auth?apikey=SECRET", Err: err} }

	cases := []struct {
		name          string
		parent, inner context.Context
		err           error
		kind          platform.Kind
		detail        string
	}{
		// Ctrl-C: the run was interrupted, not "unknown error ... check
		// base_url" (issue 13).
		{"caller cancelled", cancelled, cancelled, wrap(context.Canceled), platform.KindInterrupted, "the run was interrupted before the platform answered"},
		{"caller deadline", expired, expired, wrap(context.DeadlineExceeded), platform.KindTimeout, "the operation's deadline passed"},
		{"attempt timeout", live, expired, wrap(context.DeadlineExceeded), platform.KindTimeout, "no complete answer within the 5s request timeout"},
		{"net timeout", live, live, wrap(os.ErrDeadlineExceeded), platform.KindTimeout, "no complete answer within the 5s request timeout"},
		{"unknown authority", live, live, wrap(x509.UnknownAuthorityError{}), platform.KindTLS, "the server's certificate is not signed by a trusted authority"},
		{"host name", live, live, wrap(x509.HostnameError{Host: "h"}), platform.KindTLS, "the server's certificate does not match its host name"},
		{"expired certificate", live, live, wrap(x509.CertificateInvalidError{Reason: x509.Expired}), platform.KindTLS, "the server's certificate is invalid"},
		{"scheme mismatch", live, live, wrap(http.ErrSchemeMismatch), platform.KindTLS, "the server did not answer with TLS (is the base URL http rather than https?)"},
		{"EOF", live, live, wrap(io.EOF), platform.KindUnreachable, "the connection closed before the answer was complete"},
		{"unexpected EOF", live, live, wrap(io.ErrUnexpectedEOF), platform.KindUnreachable, "the connection closed before the answer was complete"},
		{"DNS", live, live, wrap(&net.DNSError{Name: "nohost.invalid", Err: "no such host"}), platform.KindUnreachable, `the host name "nohost.invalid" could not be resolved`},
		{"refused", live, live, wrap(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), platform.KindUnreachable, "the connection was refused or could not be opened"},
		{"reset", live, live, wrap(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), platform.KindUnreachable, "the connection failed"},
		{"other", live, live, wrap(errors.New("boom")), platform.KindUnreachable, "the request failed"},
		{"redirect loop", live, live, wrap(errTooManyRedirects), platform.KindRedirect, "too many redirects"},
		{"TLS answer to plain HTTP", live, live, wrap(errors.New(`net/http: HTTP/1.x transport connection broken: malformed HTTP response "\x15\x03\x01\x00\x02\x02P"`)),
			platform.KindTLS, "the server answered with TLS to a plain HTTP request (is the base URL https rather than http?)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := classify(tc.parent, tc.inner, tc.err, 5*time.Second)
			if e.Kind != tc.kind || e.Detail != tc.detail {
				t.Errorf("classify = %v / %q, want %v / %q", e.Kind, e.Detail, tc.kind, tc.detail)
			}
			if msg := e.Error(); strings.Contains(msg, "SECRET") || strings.Contains(msg, "https://h") {
				t.Errorf("message holds the URL: %q", msg)
			}
			// The hints say what the cause is, not what another cause
			// of the same kind would need.
			switch tc.name {
			case "caller cancelled":
				if !strings.Contains(e.Hint(), "interrupted") || strings.Contains(e.Hint(), "base_url") {
					t.Errorf("Hint = %q", e.Hint())
				}
			case "scheme mismatch", "TLS answer to plain HTTP":
				if strings.Contains(e.Hint(), "certificate") || strings.Contains(e.Hint(), "ca_cert_pem") {
					t.Errorf("Hint = %q talks about certificates", e.Hint())
				}
			case "redirect loop":
				if strings.Contains(e.Hint(), "another host") || !strings.Contains(e.Hint(), "loop") {
					t.Errorf("Hint = %q", e.Hint())
				}
			}
		})
	}
}

func TestInnermostStripsURLErrors(t *testing.T) {
	cause := errors.New("cause")
	err := &url.Error{Op: "Get", URL: "https://h/?token=SECRET", Err: &url.Error{Op: "Get", URL: "x", Err: cause}}
	if got := innermost(err); got != cause {
		t.Errorf("innermost = %v", got)
	}
	if got := innermost(fmt.Errorf("plain")); got.Error() != "plain" {
		t.Errorf("innermost(plain) = %v", got)
	}
}

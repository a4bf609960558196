package httpx_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Secrets put into requests; no error message may hold them.
const (
	secretPassword = "PW-hunter2-do-not-print"
	secretToken    = "TOK-eyJhbGciOiJIUzUxMiJ9.payload.sig"
	secretQuery    = "QUERY-apikey-cid_ecs1d3a5"
)

// fastConfig keeps retries quick.
func fastConfig() httpx.Config {
	return httpx.Config{
		Timeout:      2 * time.Second,
		MaxRetries:   3,
		RetryMaxWait: time.Second,
		BackoffMin:   2 * time.Millisecond,
	}
}

func newClient(t *testing.T, cfg httpx.Config) *httpx.Client {
	t.Helper()
	c, err := httpx.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// quietServer starts an httptest server whose own error log is discarded
// (TLS handshake failures are expected in some tests).
func quietServer(t *testing.T, h http.Handler, tls bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

// hangingHandler reads the request body (so that the server notices when
// the client gives up), then blocks until the client goes away or the test
// ends; it counts its requests in n.
func hangingHandler(t *testing.T, n *atomic.Int64) http.HandlerFunc {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	return func(w http.ResponseWriter, r *http.Request) {
		if n != nil {
			n.Add(1)
		}
		_, _ = io.ReadAll(r.Body)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}
}

// sequence answers the statuses in order, then repeats the last one, and
// counts the requests.
type sequence struct {
	statuses []int
	header   http.Header
	body     string
	n        atomic.Int64
	mu       sync.Mutex
	bodies   []string
	times    []time.Time
}

func (s *sequence) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(s.n.Add(1)) - 1
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(b))
	s.times = append(s.times, time.Now())
	s.mu.Unlock()
	if i >= len(s.statuses) {
		i = len(s.statuses) - 1
	}
	for k, vs := range s.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(s.statuses[i])
	_, _ = io.WriteString(w, s.body)
}

func (s *sequence) count() int { return int(s.n.Load()) }

func (s *sequence) gap(i int) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.times[i].Sub(s.times[i-1])
}

var (
	asErr   = clienttest.AsError
	wantErr = clienttest.WantError
)

func post(url string) *httpx.Request {
	return &httpx.Request{
		Method: http.MethodPost,
		URL:    url,
		Header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + secretToken}},
		Body:   []byte(`{"UserName":"demo@monogoto.io","Password":"` + secretPassword + `"}`),
	}
}

func TestSuccessAndHeaders(t *testing.T) {
	var got http.Header
	var gotBody string
	srv := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Test", "yes")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"ok":true}`)
	}), false)

	c := newClient(t, fastConfig())
	resp, err := c.Do(t.Context(), post(srv.URL+"/Auth"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusCreated || resp.Attempts != 1 || string(resp.Body) != `{"ok":true}` || resp.Header.Get("X-Test") != "yes" {
		t.Errorf("response = %d %d %q %v", resp.Status, resp.Attempts, resp.Body, resp.Header)
	}
	if ua := got.Get("User-Agent"); ua != "terraform-provider-iotauth" {
		t.Errorf("User-Agent = %q", ua)
	}
	if a := got.Get("Accept"); a != "application/json" {
		t.Errorf("Accept = %q", a)
	}
	if a := got.Get("Authorization"); a != "Bearer "+secretToken {
		t.Errorf("Authorization = %q", a)
	}
	if !strings.Contains(gotBody, secretPassword) {
		t.Errorf("body = %q", gotBody)
	}

	cfg := fastConfig()
	cfg.UserAgent = "terraform-provider-iotauth/1.2.3 (+test)"
	c2 := newClient(t, cfg)
	req := post(srv.URL + "/Auth")
	req.Header.Set("Accept", "text/plain")
	if _, err := c2.Do(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if ua := got.Get("User-Agent"); ua != cfg.UserAgent {
		t.Errorf("custom User-Agent = %q", ua)
	}
	if a := got.Get("Accept"); a != "text/plain" {
		t.Errorf("caller's Accept replaced: %q", a)
	}
}

func TestInvalidURL(t *testing.T) {
	c := newClient(t, fastConfig())
	for _, u := range []string{"", "not a url", "ftp://example.com/x", "http://", "/relative/path", "console.monogoto.io/Auth", "http://[::1"} {
		_, err := c.Do(t.Context(), &httpx.Request{Method: http.MethodGet, URL: u})
		e := asErr(t, err)
		if e.Kind != platform.KindInvalidConfig {
			t.Errorf("%q: Kind = %v (%v)", u, e.Kind, e)
		}
	}
	_, err := c.Do(t.Context(), &httpx.Request{Method: "BAD METHOD", URL: "http://127.0.0.1:1/"})
	if e := asErr(t, err); e.Kind != platform.KindInvalidConfig {
		t.Errorf("bad method: Kind = %v", e.Kind)
	}
}

func TestRetries5xxThenSuccess(t *testing.T) {
	seq := &sequence{statuses: []int{500, 502, 503, 200}, body: "fine"}
	srv := quietServer(t, seq, false)
	c := newClient(t, fastConfig())
	resp, err := c.Do(t.Context(), post(srv.URL+"/Auth"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.Attempts != 4 || string(resp.Body) != "fine" {
		t.Errorf("response = %d after %d attempts, body %q", resp.Status, resp.Attempts, resp.Body)
	}
	if seq.count() != 4 {
		t.Errorf("server saw %d requests, want 4", seq.count())
	}
	// The body is sent whole on every attempt.
	for i, b := range seq.bodies {
		if !strings.Contains(b, secretPassword) {
			t.Errorf("attempt %d body = %q", i+1, b)
		}
	}
}

func TestRetries5xxUntilMaxRetries(t *testing.T) {
	seq := &sequence{statuses: []int{503}, body: "echo " + secretPassword + " " + secretToken}
	srv := quietServer(t, seq, false)
	cfg := fastConfig()
	cfg.MaxRetries = 2
	c := newClient(t, cfg)
	_, err := c.Do(t.Context(), post(srv.URL+"/Auth"))
	e := wantErr(t, err, platform.KindServer, 503, 3)
	if seq.count() != 3 {
		t.Errorf("server saw %d requests, want 3", seq.count())
	}
	if !strings.Contains(e.Error(), "after 3 attempts") {
		t.Errorf("message %q", e.Error())
	}
}

func TestNoRetriesWhenMaxRetriesZero(t *testing.T) {
	seq := &sequence{statuses: []int{500}}
	srv := quietServer(t, seq, false)
	cfg := fastConfig()
	cfg.MaxRetries = 0
	_, err := newClient(t, cfg).Do(t.Context(), post(srv.URL))
	_ = wantErr(t, err, platform.KindServer, 500, 1)
	if seq.count() != 1 {
		t.Errorf("server saw %d requests, want 1", seq.count())
	}
}

// TestTotalTimeIsBoundedBySettings: without a separate budget, a server
// that never answers costs (MaxRetries+1) request timeouts and the waits
// between them, and the error names the request timeout.
func TestTotalTimeIsBoundedBySettings(t *testing.T) {
	var n atomic.Int64
	srv := quietServer(t, hangingHandler(t, &n), false)
	cfg := fastConfig()
	cfg.Timeout = 100 * time.Millisecond
	cfg.MaxRetries = 2
	cfg.BackoffMin = 20 * time.Millisecond
	cfg.RetryMaxWait = 20 * time.Millisecond
	start := time.Now()
	_, err := newClient(t, cfg).Do(t.Context(), post(srv.URL))
	elapsed := time.Since(start)
	e := wantErr(t, err, platform.KindTimeout, 0, 3)
	if n.Load() != 3 {
		t.Errorf("server saw %d requests, want 3", n.Load())
	}
	if bound := 3*cfg.Timeout + 2*cfg.RetryMaxWait; elapsed < 3*cfg.Timeout || elapsed > bound+200*time.Millisecond {
		t.Errorf("took %v; want about %v", elapsed, bound)
	}
	if e.Detail != "no complete answer within the 100ms request timeout" || !strings.Contains(e.Error(), "after 3 attempts") {
		t.Errorf("message %q does not name the request timeout and the attempts", e.Error())
	}
	if strings.Contains(e.Error(), "budget") || strings.Contains(e.Hint(), "budget") {
		t.Errorf("message or hint blames a hidden budget: %q / %q", e.Error(), e.Hint())
	}
	if !strings.Contains(e.Hint(), "request_timeout") {
		t.Errorf("Hint = %q", e.Hint())
	}
}

// TestRetryAfterWithinCapIsWaitedEveryTime: each Retry-After within
// RetryMaxWait is honoured, however long all the waits take together; only
// the documented settings bound a request.
func TestRetryAfterWithinCapIsWaitedEveryTime(t *testing.T) {
	t.Parallel()
	seq := &sequence{statuses: []int{429, 503, 200}, header: http.Header{"Retry-After": {"1"}}}
	srv := quietServer(t, seq, false)
	cfg := fastConfig()
	// Two one-second waits: far longer than every attempt's timeout put
	// together, which is what a budget derived from the attempts alone
	// would allow.
	cfg.Timeout = 200 * time.Millisecond
	cfg.MaxRetries = 2
	cfg.RetryMaxWait = time.Second
	resp, err := newClient(t, cfg).Do(t.Context(), post(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.Attempts != 3 || seq.count() != 3 {
		t.Fatalf("status %d, attempts %d, requests %d", resp.Status, resp.Attempts, seq.count())
	}
	for i := 1; i <= 2; i++ {
		if g := seq.gap(i); g < 950*time.Millisecond {
			t.Errorf("wait %d was %v, want the 1s the platform asked for", i, g)
		}
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	var n atomic.Int64
	srv := quietServer(t, hangingHandler(t, &n), false)
	cfg := fastConfig()
	cfg.Timeout = 50 * time.Millisecond
	cfg.MaxRetries = 1
	start := time.Now()
	_, err := newClient(t, cfg).Do(t.Context(), post(srv.URL+"/Auth?apikey="+secretQuery))
	e := wantErr(t, err, platform.KindTimeout, 0, 2)
	if n.Load() != 2 {
		t.Errorf("server saw %d requests, want 2", n.Load())
	}
	if time.Since(start) > time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	if !strings.Contains(e.Detail, "50ms request timeout") {
		t.Errorf("Detail = %q", e.Detail)
	}
	assertNoSecrets(t, e)
}

func TestTimeoutWhileReadingBody(t *testing.T) {
	stop := make(chan struct{})
	srv := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"token":`)
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}), false)
	t.Cleanup(func() { close(stop) })
	cfg := fastConfig()
	cfg.Timeout = 50 * time.Millisecond
	cfg.MaxRetries = 0
	_, err := newClient(t, cfg).Do(t.Context(), post(srv.URL))
	_ = wantErr(t, err, platform.KindTimeout, 0, 1)
}

func TestCallerDeadline(t *testing.T) {
	srv := quietServer(t, hangingHandler(t, nil), false)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Millisecond)
	defer cancel()
	_, err := newClient(t, fastConfig()).Do(ctx, post(srv.URL))
	e := wantErr(t, err, platform.KindTimeout, 0, 1)
	if e.Detail != "the operation's deadline passed" {
		t.Errorf("Detail = %q", e.Detail)
	}
}

func TestCallerCancelDuringBackoff(t *testing.T) {
	seq := &sequence{statuses: []int{503}, header: http.Header{"Retry-After": {"5"}}}
	srv := quietServer(t, seq, false)
	cfg := fastConfig()
	cfg.RetryMaxWait = 10 * time.Second
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := newClient(t, cfg).Do(ctx, post(srv.URL))
	e := wantErr(t, err, platform.KindServer, 503, 1)
	if e.RetryAfter != 5*time.Second {
		t.Errorf("RetryAfter = %v", e.RetryAfter)
	}
	if time.Since(start) > time.Second {
		t.Errorf("cancellation not honoured during the wait: %v", time.Since(start))
	}
	if seq.count() != 1 {
		t.Errorf("server saw %d requests", seq.count())
	}
}

func TestRetryAfterSecondsHonoured(t *testing.T) {
	t.Parallel()
	seq := &sequence{statuses: []int{429, 200}, header: http.Header{"Retry-After": {"1"}}}
	srv := quietServer(t, seq, false)
	cfg := fastConfig()
	cfg.RetryMaxWait = 3 * time.Second
	resp, err := newClient(t, cfg).Do(t.Context(), post(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.Attempts != 2 || seq.count() != 2 {
		t.Fatalf("status %d, attempts %d, requests %d", resp.Status, resp.Attempts, seq.count())
	}
	if g := seq.gap(1); g < 950*time.Millisecond || g > 2*time.Second {
		t.Errorf("waited %v between attempts, want about 1s", g)
	}
}

func TestRetryAfterHTTPDateHonoured(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	var first, second time.Time
	srv := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			first = time.Now()
			// Two seconds ahead, truncated to a whole second by the format:
			// a wait of more than one second.
			w.Header().Set("Retry-After", first.Add(2*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		second = time.Now()
		w.WriteHeader(200)
	}), false)
	cfg := fastConfig()
	cfg.RetryMaxWait = 5 * time.Second
	resp, err := newClient(t, cfg).Do(t.Context(), post(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 2 {
		t.Fatalf("Attempts = %d", resp.Attempts)
	}
	if g := second.Sub(first); g < 900*time.Millisecond || g > 2500*time.Millisecond {
		t.Errorf("waited %v between attempts, want 1-2s", g)
	}
}

func TestRetryAfterOverCapStopsAndReports(t *testing.T) {
	cases := map[string]struct {
		header   string
		min, max time.Duration
	}{
		"seconds":   {"120", 120 * time.Second, 120 * time.Second},
		"HTTP-date": {time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), 59 * time.Minute, time.Hour},
		"clamped":   {"99999999", 24 * time.Hour, 24 * time.Hour},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			seq := &sequence{statuses: []int{429, 200}, header: http.Header{"Retry-After": {tc.header}}}
			srv := quietServer(t, seq, false)
			cfg := fastConfig()
			cfg.RetryMaxWait = 50 * time.Millisecond
			_, err := newClient(t, cfg).Do(t.Context(), post(srv.URL))
			e := wantErr(t, err, platform.KindRateLimited, 429, 1)
			if e.RetryAfter < tc.min || e.RetryAfter > tc.max {
				t.Errorf("RetryAfter = %v, want %v..%v", e.RetryAfter, tc.min, tc.max)
			}
			if seq.count() != 1 {
				t.Errorf("server saw %d requests, want 1", seq.count())
			}
			if !strings.Contains(e.Detail, "more than the 50ms cap") {
				t.Errorf("Detail = %q", e.Detail)
			}
			if !strings.Contains(e.Hint(), "retry_max_wait") {
				t.Errorf("Hint = %q", e.Hint())
			}
		})
	}
}

func TestRateLimitedWithoutRetryAfter(t *testing.T) {
	seq := &sequence{statuses: []int{429}}
	srv := quietServer(t, seq, false)
	cfg := fastConfig()
	cfg.MaxRetries = 2
	_, err := newClient(t, cfg).Do(t.Context(), post(srv.URL))
	e := wantErr(t, err, platform.KindRateLimited, 429, 3)
	if e.RetryAfter != 0 {
		t.Errorf("RetryAfter = %v", e.RetryAfter)
	}
	if seq.count() != 3 {
		t.Errorf("server saw %d requests", seq.count())
	}
}

func TestClientErrorsNeverRetried(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 405, 409, 418, 422, 501} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			seq := &sequence{statuses: []int{status, 200}, body: "no"}
			srv := quietServer(t, seq, false)
			resp, err := newClient(t, fastConfig()).Do(t.Context(), post(srv.URL))
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if resp.Status != status || resp.Attempts != 1 || string(resp.Body) != "no" {
				t.Errorf("response %d after %d attempts, body %q", resp.Status, resp.Attempts, resp.Body)
			}
			if seq.count() != 1 {
				t.Errorf("server saw %d requests, want exactly 1", seq.count())
			}
		})
	}
}

func TestResponseTooLarge(t *testing.T) {
	const limit = 1024
	for _, tc := range []struct {
		size int
		ok   bool
	}{{limit, true}, {limit + 1, false}, {10 * limit, false}} {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			seq := &sequence{statuses: []int{200}, body: strings.Repeat("x", tc.size)}
			srv := quietServer(t, seq, false)
			cfg := fastConfig()
			cfg.MaxResponseBytes = limit
			resp, err := newClient(t, cfg).Do(t.Context(), post(srv.URL))
			if tc.ok {
				if err != nil || len(resp.Body) != tc.size {
					t.Fatalf("Do: %v", err)
				}
				return
			}
			e := wantErr(t, err, platform.KindTooLarge, 200, 1)
			if seq.count() != 1 {
				t.Errorf("server saw %d requests; a too-large answer is not retried", seq.count())
			}
			if !strings.Contains(e.Detail, "1024-byte limit") {
				t.Errorf("Detail = %q", e.Detail)
			}
		})
	}
}

// hijackOnce closes the connection in the middle of the first answer's
// body (after promising a longer Content-Length), then answers normally.
func hijackOnce(n *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			hj, ok := w.(http.Hijacker)
			if !ok {
				panic("no hijacker")
			}
			conn, buf, err := hj.Hijack()
			if err != nil {
				panic(err)
			}
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"token\":\"partial")
			_ = buf.Flush()
			_ = conn.Close()
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}
}

func TestConnectionClosedMidBodyRetried(t *testing.T) {
	var n atomic.Int64
	srv := quietServer(t, hijackOnce(&n), false)
	resp, err := newClient(t, fastConfig()).Do(t.Context(), post(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.Attempts != 2 || string(resp.Body) != `{"ok":true}` || n.Load() != 2 {
		t.Errorf("status %d, attempts %d, body %q, requests %d", resp.Status, resp.Attempts, resp.Body, n.Load())
	}
}

func TestConnectionClosedMidBodyReported(t *testing.T) {
	var n atomic.Int64
	srv := quietServer(t, hijackOnce(&n), false)
	cfg := fastConfig()
	cfg.MaxRetries = 0
	_, err := newClient(t, cfg).Do(t.Context(), post(srv.URL))
	e := wantErr(t, err, platform.KindUnreachable, 0, 1)
	if e.Detail != "the connection closed before the answer was complete (HTTP 200)" {
		t.Errorf("Detail = %q", e.Detail)
	}
	if strings.Contains(e.Error(), "partial") {
		t.Errorf("message %q quotes the partial body", e.Error())
	}
}

func TestConnectionRefused(t *testing.T) {
	addr := clienttest.RefusedAddr(t)
	cfg := fastConfig()
	cfg.MaxRetries = 2
	_, err := newClient(t, cfg).Do(t.Context(), post("http://"+addr+"/Auth?apikey="+secretQuery))
	e := wantErr(t, err, platform.KindUnreachable, 0, 3)
	if e.Detail != "the connection was refused or could not be opened" {
		t.Errorf("Detail = %q", e.Detail)
	}
	assertNoSecrets(t, e)
}

func TestUnresolvableHost(t *testing.T) {
	cfg := fastConfig()
	cfg.MaxRetries = 0
	_, err := newClient(t, cfg).Do(t.Context(), post("http://no-such-host.invalid/Auth"))
	e := wantErr(t, err, platform.KindUnreachable, 0, 1)
	if !strings.Contains(e.Detail, `"no-such-host.invalid" could not be resolved`) {
		t.Errorf("Detail = %q", e.Detail)
	}
}

func TestRedirectToAnotherHostRefused(t *testing.T) {
	var other atomic.Int64
	target := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.Add(1)
		w.WriteHeader(200)
	}), false)
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			src := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+"/landing?token="+secretQuery, code)
			}), false)
			cfg := fastConfig()
			_, err := newClient(t, cfg).Do(t.Context(), post(src.URL+"/Auth"))
			e := wantErr(t, err, platform.KindRedirect, code, 1)
			targetHost := strings.TrimPrefix(target.URL, "http://")
			if !strings.Contains(e.Detail, targetHost) {
				t.Errorf("Detail %q does not name %s", e.Detail, targetHost)
			}
			if other.Load() != 0 {
				t.Fatalf("the other host received %d requests", other.Load())
			}
			assertNoSecrets(t, e)
		})
	}
}

func TestRedirectSameHostFollowed(t *testing.T) {
	var gotBody, gotAuth, gotPath string
	srv := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/new", http.StatusTemporaryRedirect)
		case "/new":
			b, _ := io.ReadAll(r.Body)
			gotBody, gotAuth, gotPath = string(b), r.Header.Get("Authorization"), r.URL.Path
			_, _ = io.WriteString(w, "arrived")
		default:
			http.NotFound(w, r)
		}
	}), false)
	resp, err := newClient(t, fastConfig()).Do(t.Context(), post(srv.URL+"/old"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || string(resp.Body) != "arrived" || resp.Attempts != 1 {
		t.Errorf("response %d %q after %d attempts", resp.Status, resp.Body, resp.Attempts)
	}
	if gotPath != "/new" || !strings.Contains(gotBody, secretPassword) || gotAuth != "Bearer "+secretToken {
		t.Errorf("redirected request: path %q body %q auth %q", gotPath, gotBody, gotAuth)
	}
}

func TestRedirectLoopStops(t *testing.T) {
	var n atomic.Int64
	srv := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, fmt.Sprintf("/hop%d", n.Load()), http.StatusFound)
	}), false)
	cfg := fastConfig()
	cfg.MaxRetries = 3
	_, err := newClient(t, cfg).Do(t.Context(), &httpx.Request{Method: http.MethodGet, URL: srv.URL + "/start"})
	// A redirect loop is not a network failure: reported, not retried.
	e := wantErr(t, err, platform.KindRedirect, 0, 1)
	if e.Detail != "too many redirects" {
		t.Errorf("Detail = %q", e.Detail)
	}
	// A loop on the same host gets its own hint, not "another host".
	if !strings.Contains(e.Hint(), "a loop") || strings.Contains(e.Hint(), "another host") {
		t.Errorf("Hint = %q", e.Hint())
	}
	if n.Load() != 5 {
		t.Errorf("server saw %d requests, want 5 (the first and four followed redirects)", n.Load())
	}
}

func tlsServer(t *testing.T) *httptest.Server {
	return quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "secure")
	}), true)
}

func TestTLSUnknownAuthority(t *testing.T) {
	srv := tlsServer(t)
	_, err := newClient(t, fastConfig()).Do(t.Context(), post(srv.URL+"/Auth"))
	// A certificate failure is not retried.
	e := wantErr(t, err, platform.KindTLS, 0, 1)
	if e.Detail != "the server's certificate is not signed by a trusted authority" {
		t.Errorf("Detail = %q", e.Detail)
	}
	if !strings.Contains(e.Hint(), "ca_cert_pem") {
		t.Errorf("Hint = %q", e.Hint())
	}
	assertNoSecrets(t, e)
}

func TestTLSWithCACertPEM(t *testing.T) {
	srv := tlsServer(t)
	cfg := fastConfig()
	cfg.CACertPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	resp, err := newClient(t, cfg).Do(t.Context(), post(srv.URL+"/Auth"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || string(resp.Body) != "secure" {
		t.Errorf("response %d %q", resp.Status, resp.Body)
	}
}

func TestTLSHostnameMismatch(t *testing.T) {
	srv := tlsServer(t)
	cfg := fastConfig()
	cfg.CACertPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	// The test certificate covers 127.0.0.1 and example.com, not localhost.
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	_, err := newClient(t, cfg).Do(t.Context(), post(url))
	e := wantErr(t, err, platform.KindTLS, 0, 1)
	if e.Detail != "the server's certificate does not match its host name" {
		t.Errorf("Detail = %q", e.Detail)
	}
}

func TestTLSInsecure(t *testing.T) {
	srv := tlsServer(t)
	cfg := fastConfig()
	cfg.Insecure = true
	resp, err := newClient(t, cfg).Do(t.Context(), post(srv.URL+"/Auth"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || string(resp.Body) != "secure" {
		t.Errorf("response %d %q", resp.Status, resp.Body)
	}
}

func TestHTTPSAgainstPlainHTTP(t *testing.T) {
	srv := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), false)
	url := strings.Replace(srv.URL, "http://", "https://", 1)
	cfg := fastConfig()
	cfg.MaxRetries = 0
	_, err := newClient(t, cfg).Do(t.Context(), post(url))
	e := wantErr(t, err, platform.KindTLS, 0, 1)
	if !strings.Contains(e.Detail, "did not answer with TLS") {
		t.Errorf("Detail = %q", e.Detail)
	}
	// Its own hint, not the certificate one (issue 13).
	if !strings.Contains(e.Hint(), "speaks plain HTTP") || strings.Contains(e.Hint(), "ca_cert_pem") {
		t.Errorf("Hint = %q", e.Hint())
	}
}

// TestPlainHTTPAgainstTLS: http:// to a port that speaks TLS, answered as
// Go's servers do (400 "Client sent an HTTP request to an HTTPS server.")
// or as other TLS servers do (a TLS alert record), is a TLS-scheme
// mismatch with its own hint, never a refused login, and the answer is not
// quoted.
func TestPlainHTTPAgainstTLS(t *testing.T) {
	t.Run("Go server", func(t *testing.T) {
		url := strings.Replace(tlsServer(t).URL, "https://", "http://", 1)
		_, err := newClient(t, fastConfig()).Do(t.Context(), login(url+"/Auth"))
		e := wantErr(t, err, platform.KindTLS, 400, 1)
		if !strings.Contains(e.Detail, "answered with TLS to a plain HTTP request") || !strings.Contains(e.Hint(), "use https://") {
			t.Errorf("Detail = %q, Hint = %q", e.Detail, e.Hint())
		}
		if strings.Contains(e.Error(), "Client sent") {
			t.Errorf("the message quotes the answer: %q", e.Error())
		}
	})
	t.Run("TLS alert", func(t *testing.T) {
		// A TLS alert record (protocol version, then "close"). A TLS
		// server answers once the plain request has arrived, as rawServer
		// does; answering before it would make the failure one that
		// happened before anything was written, which is retried.
		addr := rawServer(t, "\x15\x03\x01\x00\x02\x02\x50")
		_, err := newClient(t, fastConfig()).Do(t.Context(), login("http://"+addr+"/Auth"))
		e := wantErr(t, err, platform.KindTLS, 0, 1)
		if !strings.Contains(e.Hint(), "use https://") || e.Err != nil {
			t.Errorf("Hint = %q, Err = %v", e.Hint(), e.Err)
		}
	})
}

func TestInvalidCACertPEM(t *testing.T) {
	for _, pemText := range []string{
		"not a certificate",
		"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
	} {
		cfg := fastConfig()
		cfg.CACertPEM = pemText
		c, err := httpx.New(cfg)
		if c != nil {
			t.Errorf("New returned a client for %q", pemText)
		}
		e := asErr(t, err)
		if e.Kind != platform.KindInvalidConfig || !strings.Contains(e.Detail, "ca_cert_pem") {
			t.Errorf("%q: got %v", pemText, e)
		}
	}
	// White space only means "no extra CA".
	cfg := fastConfig()
	cfg.CACertPEM = " \n "
	if _, err := httpx.New(cfg); err != nil {
		t.Errorf("blank CACertPEM: %v", err)
	}
}

func TestDefaultTransportUntouched(t *testing.T) {
	def, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		t.Skip("http.DefaultTransport is not an *http.Transport")
	}
	tlsBefore := def.TLSClientConfig
	var insecureBefore bool
	if tlsBefore != nil {
		insecureBefore = tlsBefore.InsecureSkipVerify
	}
	proxyBefore := reflect.ValueOf(def.Proxy).Pointer()
	idleBefore := def.MaxIdleConnsPerHost

	srv := tlsServer(t)
	cfg := fastConfig()
	cfg.Insecure = true
	cfg.CACertPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	c := newClient(t, cfg)
	if _, err := c.Do(t.Context(), post(srv.URL)); err != nil {
		t.Fatal(err)
	}

	if def.TLSClientConfig != tlsBefore {
		t.Error("http.DefaultTransport.TLSClientConfig was replaced")
	}
	if def.TLSClientConfig != nil && def.TLSClientConfig.InsecureSkipVerify != insecureBefore {
		t.Error("http.DefaultTransport's InsecureSkipVerify was changed")
	}
	if reflect.ValueOf(def.Proxy).Pointer() != proxyBefore {
		t.Error("http.DefaultTransport.Proxy was replaced")
	}
	if def.MaxIdleConnsPerHost != idleBefore {
		t.Error("http.DefaultTransport.MaxIdleConnsPerHost was changed")
	}
	// And the default client still refuses the test certificate.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_ = resp.Body.Close()
		t.Error("http.DefaultClient accepted an untrusted certificate")
	}
}

func TestLogHook(t *testing.T) {
	var mu sync.Mutex
	var entries []httpx.LogEntry
	seq := &sequence{statuses: []int{503, 200}}
	srv := quietServer(t, seq, false)
	cfg := fastConfig()
	cfg.Log = func(ctx context.Context, e httpx.LogEntry) {
		if ctx == nil {
			t.Error("nil context in log hook")
		}
		mu.Lock()
		entries = append(entries, e)
		mu.Unlock()
	}
	if _, err := newClient(t, cfg).Do(t.Context(), post(srv.URL+"/api/auth/oauth_password?apikey="+secretQuery+"&x=1")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(entries) != 2 {
		t.Fatalf("%d log entries, want 2: %+v", len(entries), entries)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	want := []struct {
		status  int
		attempt int
		outcome string
	}{{503, 1, "retry"}, {200, 2, "ok"}}
	for i, e := range entries {
		if e.Method != "POST" || e.Host != host || e.Path != "/api/auth/oauth_password" ||
			e.Status != want[i].status || e.Attempt != want[i].attempt || e.Outcome != want[i].outcome {
			t.Errorf("entry %d = %+v", i, e)
		}
		if e.Duration <= 0 {
			t.Errorf("entry %d has no duration", i)
		}
		s := fmt.Sprintf("%+v %#v", e, e)
		for _, secret := range []string{secretQuery, "x=1", "?", secretPassword, secretToken} {
			if strings.Contains(s, secret) {
				t.Errorf("log entry holds %q: %s", secret, s)
			}
		}
	}
	if entries[0].Error != platform.KindServer.String() || entries[1].Error != "" {
		t.Errorf("Error fields = %q, %q", entries[0].Error, entries[1].Error)
	}
}

func TestLogHookTransportFailure(t *testing.T) {
	var got []httpx.LogEntry
	cfg := fastConfig()
	cfg.MaxRetries = 0
	cfg.Log = func(_ context.Context, e httpx.LogEntry) { got = append(got, e) }
	addr := clienttest.RefusedAddr(t)
	_, _ = newClient(t, cfg).Do(t.Context(), &httpx.Request{Method: http.MethodGet, URL: "http://" + addr + "/x?q=" + secretQuery})
	if len(got) != 1 || got[0].Status != 0 || got[0].Outcome != "retry" || got[0].Error != "platform unreachable" || got[0].Path != "/x" {
		t.Errorf("entries = %+v", got)
	}
}

// assertNoSecrets checks every rendering of an error for the secrets the
// tests put into requests.
func assertNoSecrets(t *testing.T, e *platform.Error) {
	t.Helper()
	for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", *e), e.Hint()} {
		for _, secret := range []string{secretPassword, secretToken, secretQuery} {
			if strings.Contains(s, secret) {
				t.Errorf("error rendering holds %q: %s", secret, s)
			}
		}
	}
}

func TestErrorsHoldNoSecrets(t *testing.T) {
	// Each server echoes the whole request (body, headers, query) back.
	echo := func(status int, extra http.Header) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			for k, vs := range extra {
				w.Header()[k] = vs
			}
			w.WriteHeader(status)
			_, _ = fmt.Fprintf(w, "%s %s %s %v", r.Method, r.URL.String(), b, r.Header)
		}
	}
	cases := map[string]struct {
		h    http.Handler
		kind platform.Kind
	}{
		"5xx":     {echo(500, nil), platform.KindServer},
		"429 cap": {echo(429, http.Header{"Retry-After": {"3600"}}), platform.KindRateLimited},
		"too large": {http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, strings.Repeat(secretToken, 100))
		}), platform.KindTooLarge},
		"redirect": {http.RedirectHandler("http://127.0.0.1:1/x?password="+secretPassword+"&t="+secretToken, http.StatusFound), platform.KindRedirect},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := quietServer(t, tc.h, false)
			cfg := fastConfig()
			cfg.MaxRetries = 1
			cfg.RetryMaxWait = 10 * time.Millisecond
			cfg.MaxResponseBytes = 512
			_, err := newClient(t, cfg).Do(t.Context(), post(srv.URL+"/Auth?apikey="+secretQuery))
			e := asErr(t, err)
			if e.Kind != tc.kind {
				t.Fatalf("Kind = %v (%v)", e.Kind, e)
			}
			assertNoSecrets(t, e)
		})
	}
}

func TestRawHTTPResponsesParsed(t *testing.T) {
	// A raw server to check that odd but legal answers are read whole.
	addr := rawServer(t, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n")
	resp, err := newClient(t, fastConfig()).Do(t.Context(), post("http://"+addr+"/"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 201 || string(resp.Body) != `{"a":1}` {
		t.Errorf("response %d %q", resp.Status, resp.Body)
	}
}

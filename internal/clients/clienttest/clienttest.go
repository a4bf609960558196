// Package clienttest holds helpers shared by the clients' tests and fuzz
// targets: a quick HTTP client, fixtures, a recording fake endpoint and
// error checks. Only tests import it.
package clienttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Echoed returns a string of body (8 bytes or longer, key or value) that
// decode's error repeats: each in turn is replaced by a marker of the same
// length, and a message holding the marker echoes the body. It checks at
// most 64 strings, to keep the fuzzer fast on large inputs.
func Echoed(body []byte, decode func([]byte) error) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	checked := 0
	for tok, err := dec.Token(); err == nil && checked < 64; tok, err = dec.Token() {
		s, ok := tok.(string)
		quoted := []byte(`"` + s + `"`)
		if !ok || len(s) < 8 || !bytes.Contains(body, quoted) {
			continue
		}
		checked++
		marker := strings.Repeat("Q", len(s))
		if derr := decode(bytes.ReplaceAll(body, quoted, []byte(`"`+marker+`"`))); derr != nil && strings.Contains(derr.Error(), marker) {
			return s
		}
	}
	return ""
}

// Client is an HTTP client for tests: a short timeout and two quick
// retries.
func Client(tb testing.TB) *httpx.Client {
	tb.Helper()
	c, err := httpx.New(httpx.Config{Timeout: 2 * time.Second, MaxRetries: 2, BackoffMin: time.Millisecond, RetryMaxWait: 50 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// ReadFixture reads testdata/name.
func ReadFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name)) //nolint:gosec // G304: a test's own fixture, named by the test.
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Received is one request a fake endpoint received.
type Received struct {
	// Line is the method and path, such as "POST /Auth".
	Line        string
	ContentType string
	Header      http.Header
	// JSON is the body decoded as a JSON object (nil when it is not one).
	JSON map[string]any
}

// RequestLog records the requests a fake endpoint receives. It is safe
// for concurrent use.
type RequestLog struct {
	mu       sync.Mutex
	received []Received
}

// Record reads req's body and records the request.
func (l *RequestLog) Record(req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.received = append(l.received, Received{Line: req.Method + " " + req.URL.Path, ContentType: req.Header.Get("Content-Type"),
		Header: req.Header.Clone(), JSON: m})
}

// Requests returns what the log has recorded so far.
func (l *RequestLog) Requests() []Received {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Received(nil), l.received...)
}

// Count is the number of requests recorded.
func (l *RequestLog) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.received)
}

// Recorder is a fake platform endpoint: it answers every request with the
// same status, body and headers, and records what it receives.
type Recorder struct {
	Status int
	Body   string
	Header http.Header

	RequestLog
}

func (r *Recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.Record(req)
	for k, v := range r.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.Status)
	_, _ = io.WriteString(w, r.Body)
}

// WantJSONPost fails the test unless the recorder has received exactly one
// request: a POST of JSON to path whose body is exactly want.
func (r *Recorder) WantJSONPost(tb testing.TB, path string, want map[string]any) {
	tb.Helper()
	got := r.Requests()
	if len(got) != 1 || got[0].Line != "POST "+path || got[0].ContentType != "application/json" {
		tb.Errorf("requests = %+v, want one JSON POST to %s", got, path)
		return
	}
	if !reflect.DeepEqual(got[0].JSON, want) {
		tb.Errorf("request body = %v, want exactly %v", got[0].JSON, want)
	}
}

// Serve starts a Recorder answering status, body and header; the server
// closes when the test ends.
func Serve(tb testing.TB, status int, body string, header http.Header) (*Recorder, *httptest.Server) {
	tb.Helper()
	rec := &Recorder{Status: status, Body: body, Header: header}
	srv := httptest.NewServer(rec)
	tb.Cleanup(srv.Close)
	return rec, srv
}

// RefusedAddr is the address of a local port that nothing listens on:
// a connection to it is refused before anything is written.
func RefusedAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// AsError fails the test unless err is a *platform.Error, and returns it.
func AsError(tb testing.TB, err error) *platform.Error {
	tb.Helper()
	if err == nil {
		tb.Fatal("no error")
	}
	e, ok := platform.AsError(err)
	if !ok {
		tb.Fatalf("error %T (%v) is not a *platform.Error", err, err)
	}
	return e
}

// Malformed fails the test unless err is a KindMalformed *platform.Error,
// and returns it.
func Malformed(tb testing.TB, err error) *platform.Error {
	tb.Helper()
	e := AsError(tb, err)
	if e.Kind != platform.KindMalformed {
		tb.Fatalf("Kind = %v, want KindMalformed (%v)", e.Kind, e)
	}
	return e
}

// DecodeFailed checks a decoder's failure on body, for the fuzz targets:
// no value was returned beside the error (returned reports whether one
// was), the error is KindMalformed, and its message repeats nothing from
// the body (decode decodes a body and returns only the error).
func DecodeFailed(tb testing.TB, body []byte, decode func([]byte) error, returned bool, err error) {
	tb.Helper()
	if returned {
		tb.Fatal("a value returned with an error")
	}
	e := Malformed(tb, err)
	if v := Echoed(body, decode); v != "" {
		tb.Fatalf("message %q echoes %q from the body", e.Error(), v)
	}
}

// FuzzDecode fuzzes decode, a platform's decoder of an answer's body: the
// corpus starts with the testdata fixtures and the seeds; every failure
// must pass DecodeFailed, and check checks every success.
func FuzzDecode[T any](f *testing.F, fixtures, seeds []string, decode func(body []byte) (*T, error), check func(t *testing.T, body []byte, v *T)) {
	f.Helper()
	for _, name := range fixtures {
		f.Add(ReadFixture(f, name))
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	decodeErr := func(b []byte) error { _, err := decode(b); return err }
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := decode(body)
		if err != nil {
			DecodeFailed(t, body, decodeErr, v != nil, err)
			return
		}
		check(t, body, v)
	})
}

// WantExtras fails the test unless extras, a decoded profile's extras,
// hold every profile field info declares, or the field is null with one of
// warnings saying so (nothing is dropped silently), and nothing else. It
// returns the result attributes the warnings leave null.
func WantExtras(tb testing.TB, info platform.Info, extras map[string]any, warnings []platform.Warning) map[string]bool {
	tb.Helper()
	nulled := map[string]bool{}
	for _, w := range warnings {
		for _, a := range w.Null {
			nulled[a] = true
		}
	}
	for _, f := range info.ProfileFields {
		if _, ok := extras[f.Name]; !ok && !nulled[string(info.Name)+"."+f.Name] {
			tb.Fatalf("extra %q missing without a warning: %v / %+v", f.Name, extras, warnings)
		}
	}
	if len(extras) > len(info.ProfileFields) {
		tb.Fatalf("extras %v", extras)
	}
	return nulled
}

// WantError fails the test unless err is a *platform.Error of kind with
// that status and number of attempts, and returns it.
func WantError(tb testing.TB, err error, kind platform.Kind, status, attempts int) *platform.Error {
	tb.Helper()
	e := AsError(tb, err)
	if e.Kind != kind || e.Status != status || e.Attempts != attempts {
		tb.Fatalf("got Kind=%v Status=%d Attempts=%d (%v); want %v %d %d", e.Kind, e.Status, e.Attempts, e, kind, status, attempts)
	}
	return e
}

// NoSecret fails the test when any rendering of err holds one of secrets.
func NoSecret(tb testing.TB, err error, secrets ...string) {
	tb.Helper()
	outs := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
	if e, ok := platform.AsError(err); ok {
		outs = append(outs, fmt.Sprintf("%#v", *e), e.Hint())
	}
	for _, out := range outs {
		for _, s := range secrets {
			if s != "" && strings.Contains(out, s) {
				tb.Errorf("error rendering holds %q: %s", s, out)
			}
		}
	}
}

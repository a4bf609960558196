package mock

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Fault makes a platform misbehave. It applies to requests for Endpoint, or
// to every endpoint when Endpoint is "". With Times > 0 it applies to the
// first Times matching requests only, then the server behaves normally
// again: that is how "503 twice, then success" is tested. Every faulted
// request is still counted.
//
// Latency is waited first (and combines with any other field). Then the
// first of these that is set decides the answer:
//
//  1. RedirectTo: 307 (or Status when it is a 3xx) with
//     Location: RedirectTo + the original path and query.
//  2. CloseMidResponse: the status line, headers announcing a larger
//     Content-Length and part of a JSON body, then the connection closes.
//  3. MalformedJSON: Status (default 200), application/json, a truncated
//     JSON body (or Body).
//  4. HTML: Status (default 502), text/html, an nginx-style error page (or
//     Body).
//  5. NoToken: the platform's real answer with its token field removed
//     ("token", "access_token" or both, as the platform names it), with
//     Status (default 200).
//  6. OversizedBytes: the platform's real answer padded with a "padding"
//     string field to at least OversizedBytes bytes (streamed), with the
//     real status unless Status is set.
//  7. Status, Body or ContentType: Status (default 200, or 429 when only
//     RetryAfter asks for an error) with Body (default a small JSON error
//     object) and ContentType (default application/json, text/plain for a
//     Body that is not JSON).
//
// A fault with only Latency (and perhaps Times) delays the real answer.
// RetryAfter is sent verbatim (seconds or an HTTP date) with any fault
// answer, and ContentType overrides the content type of any of them.
type Fault struct {
	Endpoint         Endpoint
	Times            int
	Latency          time.Duration
	Status           int
	Body             string
	ContentType      string
	RetryAfter       string
	MalformedJSON    bool
	HTML             bool
	NoToken          bool
	OversizedBytes   int
	CloseMidResponse bool
	RedirectTo       string
}

type faultKey struct {
	p  platform.Name
	ep Endpoint
}

type faultState struct {
	f         Fault
	remaining int
}

// SetFault installs f on platform p, replacing any fault installed for the
// same platform and f.Endpoint. A fault for a specific endpoint takes
// precedence over one for all endpoints ("").
func (s *Server) SetFault(p platform.Name, f Fault) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults[faultKey{p, f.Endpoint}] = &faultState{f: f, remaining: f.Times}
}

// ClearFaults removes every fault on every platform.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = map[faultKey]*faultState{}
}

// clearPlatformFaults removes every fault on platform p.
func (s *Server) clearPlatformFaults(p platform.Name) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for k := range s.faults {
		if k.p == p {
			delete(s.faults, k)
		}
	}
}

// faultJSON is a Fault as POST /__mock/fault takes it: snake-case keys and
// the latency as a duration string ("2s") or a number of seconds.
type faultJSON struct {
	Endpoint         Endpoint `json:"endpoint"`
	Times            int      `json:"times"`
	Latency          Duration `json:"latency"`
	Status           int      `json:"status"`
	Body             string   `json:"body"`
	ContentType      string   `json:"content_type"`
	RetryAfter       string   `json:"retry_after"`
	MalformedJSON    bool     `json:"malformed_json"`
	HTML             bool     `json:"html"`
	NoToken          bool     `json:"no_token"`
	OversizedBytes   int      `json:"oversized_bytes"`
	CloseMidResponse bool     `json:"close_mid_response"`
	RedirectTo       string   `json:"redirect_to"`
}

// decodeFault reads a faultJSON body strictly: an unknown key or endpoint
// is an error, so that a typo does not silently install no fault.
func decodeFault(r *http.Request) (Fault, error) {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	var j faultJSON
	if err := dec.Decode(&j); err != nil {
		return Fault{}, err
	}
	if j.Endpoint != "" && endpointIndex(j.Endpoint) < 0 {
		return Fault{}, fmt.Errorf("unknown endpoint %q", j.Endpoint)
	}
	if j.Times < 0 || j.Latency < 0 || j.OversizedBytes < 0 || j.OversizedBytes > 64<<20 {
		return Fault{}, fmt.Errorf("times, latency and oversized_bytes must not be negative (oversized_bytes at most 64 MiB)")
	}
	return Fault{
		Endpoint: j.Endpoint, Times: j.Times, Latency: time.Duration(j.Latency), Status: j.Status, Body: j.Body,
		ContentType: j.ContentType, RetryAfter: j.RetryAfter, MalformedJSON: j.MalformedJSON, HTML: j.HTML,
		NoToken: j.NoToken, OversizedBytes: j.OversizedBytes, CloseMidResponse: j.CloseMidResponse, RedirectTo: j.RedirectTo,
	}, nil
}

// takeFault returns the fault that applies to this request, using up one of
// its Times.
func (s *Server) takeFault(p platform.Name, ep Endpoint) (Fault, bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for _, k := range []faultKey{{p, ep}, {p, ""}} {
		st, ok := s.faults[k]
		if !ok {
			continue
		}
		if st.f.Times > 0 {
			st.remaining--
			if st.remaining <= 0 {
				delete(s.faults, k)
			}
		}
		return st.f, true
	}
	return Fault{}, false
}

// malformedBody is a JSON answer cut off in the middle.
const malformedBody = `{"status":"ok","token":`

// writeFault answers r according to f; tokenFields are the platform's token
// fields, which NoToken removes. It returns false when f only delays the
// request and the real handler h must answer.
func writeFault(f Fault, tokenFields []string, h http.HandlerFunc, w http.ResponseWriter, r *http.Request) bool {
	switch {
	case f.RedirectTo != "":
		setFaultHeaders(w, f, "")
		target := strings.TrimRight(f.RedirectTo, "/") + r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", target)
		status := http.StatusTemporaryRedirect
		if f.Status >= 300 && f.Status < 400 {
			status = f.Status
		}
		w.WriteHeader(status)
	case f.CloseMidResponse:
		closeMidResponse(f, w)
	case f.MalformedJSON:
		writeRaw(w, f, orStatus(f.Status, http.StatusOK), "application/json", orString(f.Body, malformedBody))
	case f.HTML:
		status := orStatus(f.Status, http.StatusBadGateway)
		text := fmt.Sprintf("%d %s", status, http.StatusText(status))
		page := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
			"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
		writeRaw(w, f, status, "text/html", orString(f.Body, page))
	case f.NoToken:
		rec := record(h, r)
		var obj map[string]json.RawMessage
		if json.Unmarshal(rec.body.Bytes(), &obj) != nil || obj == nil {
			obj = map[string]json.RawMessage{}
		}
		for _, k := range tokenFields {
			delete(obj, k)
		}
		b, err := json.Marshal(obj)
		if err != nil {
			b = []byte("{}")
		}
		writeRaw(w, f, orStatus(f.Status, http.StatusOK), "application/json", string(b))
	case f.OversizedBytes > 0:
		writeOversized(f, record(h, r), w)
	case f.Status != 0 || f.Body != "" || f.ContentType != "" || f.RetryAfter != "":
		status := f.Status
		if status == 0 {
			status = http.StatusOK
			if f.RetryAfter != "" && f.Body == "" {
				status = http.StatusTooManyRequests
			}
		}
		body, ct := f.Body, "application/json"
		if body == "" {
			b, err := json.Marshal(map[string]any{"error": http.StatusText(status), "status": status, "mock_fault": true})
			if err == nil {
				body = string(b)
			}
		} else if !json.Valid([]byte(body)) {
			ct = "text/plain; charset=utf-8"
		}
		writeRaw(w, f, status, ct, body)
	default:
		return false
	}
	return true
}

func orStatus(v, def int) int {
	if v != 0 {
		return v
	}
	return def
}

func orString(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// setFaultHeaders sets Retry-After and the content type (f.ContentType
// overriding ct).
func setFaultHeaders(w http.ResponseWriter, f Fault, ct string) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.ContentType != "" {
		ct = f.ContentType
	}
	if ct != "" {
		w.Header().Set("Content-Type", ct)
	}
}

func writeRaw(w http.ResponseWriter, f Fault, status int, ct, body string) {
	setFaultHeaders(w, f, ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// closeMidResponse hijacks the connection, writes a response whose body is
// shorter than its Content-Length and closes the connection.
func closeMidResponse(f Fault, w http.ResponseWriter) {
	partial := `{"token":"` + TokenPrefix + "partial"
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 cannot hijack: announce more than we send and abort
		// the stream, which the client sees as a truncated body.
		setFaultHeaders(w, f, "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(partial)+1000))
		w.WriteHeader(orStatus(f.Status, http.StatusOK))
		_, _ = w.Write([]byte(partial))
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	status := orStatus(f.Status, http.StatusOK)
	ct := orString(f.ContentType, "application/json")
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Length: %d\r\n", ct, len(partial)+1000)
	if f.RetryAfter != "" {
		fmt.Fprintf(&b, "Retry-After: %s\r\n", f.RetryAfter)
	}
	b.WriteString("\r\n")
	b.WriteString(partial)
	_, _ = buf.WriteString(b.String())
	_ = buf.Flush()
}

// recorder captures a handler's answer so that a fault can rewrite it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rc *recorder) Header() http.Header { return rc.header }

func (rc *recorder) WriteHeader(status int) {
	if rc.status == 0 {
		rc.status = status
	}
}

func (rc *recorder) Write(b []byte) (int, error) {
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	return rc.body.Write(b)
}

func record(h http.HandlerFunc, r *http.Request) *recorder {
	rc := &recorder{header: http.Header{}}
	h(rc, r)
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	return rc
}

// writeOversized streams the recorded answer with a "padding" field first,
// so that the whole body is at least f.OversizedBytes long.
func writeOversized(f Fault, rec *recorder, w http.ResponseWriter) {
	rest := bytes.TrimSpace(rec.body.Bytes())
	if len(rest) > 0 && rest[0] == '{' && json.Valid(rest) {
		rest = bytes.TrimSpace(rest[1:]) // the members and the closing brace
		if len(rest) > 0 && rest[0] != '}' {
			rest = append([]byte(","), rest...)
		}
	} else {
		rest = []byte("}")
	}
	const head = `{"padding":"`
	pad := max(f.OversizedBytes-len(head)-1-len(rest), 0)
	for k, v := range rec.header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	setFaultHeaders(w, f, "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(head)+pad+1+len(rest)))
	w.WriteHeader(orStatus(f.Status, rec.status))
	bw := bufio.NewWriterSize(w, 32<<10)
	_, _ = bw.WriteString(head)
	chunk := bytes.Repeat([]byte("x"), 32<<10)
	for pad > 0 {
		n := min(pad, len(chunk))
		if _, err := bw.Write(chunk[:n]); err != nil {
			return // the client went away (perhaps on purpose: a size cap)
		}
		pad -= n
	}
	_, _ = bw.WriteString(`"`)
	_, _ = bw.Write(rest)
	_ = bw.Flush()
}

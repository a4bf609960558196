package mock

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The helpers every platform's handlers share.

// segment returns the single, unescaped path segment between prefix and
// suffix of r's escaped path (so `%2F` inside a segment is part of it, and
// an unescaped `/` makes it two segments: no match).
func segment(r *http.Request, prefix, suffix string) (string, bool) {
	p := r.URL.EscapedPath()
	if len(p) <= len(prefix)+len(suffix) || !strings.HasPrefix(p, prefix) || !strings.HasSuffix(p, suffix) {
		return "", false
	}
	seg := p[len(prefix) : len(p)-len(suffix)]
	if strings.Contains(seg, "/") {
		return "", false
	}
	v, err := url.PathUnescape(seg)
	return v, err == nil
}

// notFound answers every unknown path or method.
func notFound(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
}

// sleep waits d unless the request ends first; it reports whether to go on.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "mock: cannot encode the answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// bearer returns the token of an `Authorization: Bearer <token>` header
// (the scheme is case-insensitive, as RFC 6750 allows).
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// clientIP is the rate limits' key.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// strictObject decodes a JSON object whose keys must be matched exactly
// (encoding/json's struct decoding would accept "username" for
// "UserName"; real servers may not).
func strictObject(r *http.Request) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// stringField reads a required, non-null string value.
func stringField(m map[string]json.RawMessage, key string) (string, bool) {
	raw, ok := m[key]
	if !ok {
		return "", false
	}
	var v *string
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return "", false
	}
	return *v, true
}

// postForm parses a form-encoded body (only the body: query parameters do
// not count). Another content type yields an empty form.
func postForm(r *http.Request) (url.Values, bool) {
	if err := r.ParseForm(); err != nil {
		return nil, false
	}
	return r.PostForm, true
}

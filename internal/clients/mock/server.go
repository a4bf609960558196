package mock

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Endpoint names a kind of request, for counters and faults.
type Endpoint string

// The endpoints the mock tells apart. Every request of a platform is counted
// under exactly one of them.
const (
	// EndpointLogin is the password login: Monogoto POST /Auth, Coiote
	// POST /api/auth/oauth_password, BienPort POST /api/auth/login.
	EndpointLogin Endpoint = "login"
	// EndpointV1Login is Monogoto's POST /v1/auth/token.
	EndpointV1Login Endpoint = "v1_login"
	// EndpointRefresh is Monogoto's POST /v1/auth/refresh.
	EndpointRefresh Endpoint = "refresh"
	// EndpointProfile is Coiote's GET /api/coiotedm/v3/users/{login} and
	// BienPort's GET /api/user/get-screen-name/{screenName}.
	EndpointProfile Endpoint = "profile"
	// EndpointAuthorized is a cheap authorized call: Monogoto GET /things,
	// Coiote GET /api/coiotedm/v3/devices, BienPort
	// GET /api/role/user/{userId}/privilege-groups.
	EndpointAuthorized Endpoint = "authorized"
	// EndpointClientCredentials is Coiote's IAM token endpoint
	// POST /iam/realms/{realm}/protocol/openid-connect/token.
	EndpointClientCredentials Endpoint = "client_credentials"
	// EndpointOther is every other request (answered 404).
	EndpointOther Endpoint = "other"
)

// Endpoints lists every Endpoint in a stable order.
func Endpoints() []Endpoint {
	return []Endpoint{EndpointLogin, EndpointV1Login, EndpointRefresh, EndpointProfile,
		EndpointAuthorized, EndpointClientCredentials, EndpointOther}
}

func endpointIndex(e Endpoint) int {
	for i, x := range Endpoints() {
		if x == e {
			return i
		}
	}
	return -1
}

// adminPrefix starts the admin paths, which are neither counted nor faulted.
const adminPrefix = "/__mock/"

// maxRecordedBody bounds the request body the server reads and records.
const maxRecordedBody = 1 << 20

// maxRecordedRequests bounds ReceivedRequests per platform (the newest are
// kept).
const maxRecordedRequests = 2000

// Request is one request a platform received, as ReceivedRequests returns
// it. It holds whatever the client sent, passwords included.
type Request struct {
	Time       time.Time
	Method     string
	Path       string // escaped, as sent
	RawQuery   string
	Endpoint   Endpoint
	Header     http.Header
	Body       []byte
	RemoteAddr string
}

// Server is a running set of mock platforms, one listener per platform.
type Server struct {
	cfg    Config
	tokens *tokenStore
	caPEM  string

	servers map[platform.Name]*http.Server
	bases   map[platform.Name]string
	counts  map[platform.Name][]*atomic.Int64

	faultMu sync.Mutex
	faults  map[faultKey]*faultState

	loginLimits map[platform.Name]*atomic.Pointer[limiter]
	v1Limit     atomic.Pointer[limiter]

	reqMu    sync.Mutex
	requests map[platform.Name][]Request

	monogoto      map[string]*MonogotoAccount
	coiote        map[string]*CoioteAccount
	coioteClients map[string]*CoioteClient // key realm + "\x00" + client ID
	coioteRealms  map[string]bool
	bienport      map[string]*BienportAccount

	closeOnce sync.Once
}

// Start validates cfg (zero values mean the defaults), opens one listener
// per platform and serves until Close or Shutdown.
func Start(cfg Config) (*Server, error) {
	cfg = cfg.cloneAccounts().withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ts, err := newTokenStore()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:           cfg,
		tokens:        ts,
		servers:       map[platform.Name]*http.Server{},
		bases:         map[platform.Name]string{},
		counts:        map[platform.Name][]*atomic.Int64{},
		faults:        map[faultKey]*faultState{},
		loginLimits:   map[platform.Name]*atomic.Pointer[limiter]{},
		requests:      map[platform.Name][]Request{},
		monogoto:      map[string]*MonogotoAccount{},
		coiote:        map[string]*CoioteAccount{},
		coioteClients: map[string]*CoioteClient{},
		coioteRealms:  map[string]bool{},
		bienport:      map[string]*BienportAccount{},
	}
	s.index()
	if cfg.MonogotoV1RateLimit > 0 {
		s.v1Limit.Store(newLimiter(cfg.MonogotoV1RateLimit, cfg.MonogotoV1RateWindow))
	}

	var tlsCfg *tls.Config
	if cfg.TLS {
		cert, pemText, err := selfSignedCert(cfg.ListenHost)
		if err != nil {
			return nil, fmt.Errorf("mock: generating the TLS certificate: %w", err)
		}
		s.caPEM = pemText
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	for _, p := range platform.Names() {
		ctr := make([]*atomic.Int64, len(Endpoints()))
		for i := range ctr {
			ctr[i] = new(atomic.Int64)
		}
		s.counts[p] = ctr
		s.loginLimits[p] = new(atomic.Pointer[limiter])
	}
	// Every listener is open and every map filled before any request is
	// served, so handlers only ever read them.
	listeners := map[platform.Name]net.Listener{}
	for _, p := range platform.Names() {
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.ListenHost, strconv.Itoa(cfg.Ports[p])))
		if err != nil {
			for _, l := range listeners {
				_ = l.Close()
			}
			return nil, fmt.Errorf("mock: listening for %s: %w", p.Title(), err)
		}
		scheme := "http"
		if tlsCfg != nil {
			// Without "h2" in NextProtos the server speaks HTTP/1.1 only,
			// which CloseMidResponse's hijacking needs.
			ln = tls.NewListener(ln, tlsCfg)
			scheme = "https"
		}
		listeners[p] = ln
		s.bases[p] = scheme + "://" + urlHost(cfg.ListenHost, ln.Addr())
		s.servers[p] = &http.Server{
			Handler:           s.handler(p),
			ReadHeaderTimeout: 10 * time.Second,
			// Clients that reject the self-signed certificate (a test
			// of exactly that) would otherwise fill stderr.
			ErrorLog: log.New(io.Discard, "", 0),
		}
	}
	for p, ln := range listeners {
		srv := s.servers[p]
		go func() { _ = srv.Serve(ln) }()
	}
	return s, nil
}

// urlHost is host:port for a base URL; a wildcard listen address is
// reached through the loopback address.
func urlHost(listenHost string, addr net.Addr) string {
	port := "0"
	if ta, ok := addr.(*net.TCPAddr); ok {
		port = strconv.Itoa(ta.Port)
	}
	host := listenHost
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// index builds the account lookups.
func (s *Server) index() {
	for i := range s.cfg.Monogoto {
		a := &s.cfg.Monogoto[i]
		s.monogoto[a.UserName] = a
	}
	for i := range s.cfg.Coiote {
		a := &s.cfg.Coiote[i]
		s.coiote[a.Login] = a
	}
	for i := range s.cfg.CoioteClients {
		c := &s.cfg.CoioteClients[i]
		s.coioteClients[c.Realm+"\x00"+c.ClientID] = c
		s.coioteRealms[c.Realm] = true
	}
	for i := range s.cfg.Bienport {
		a := &s.cfg.Bienport[i]
		s.bienport[a.ScreenName] = a
	}
}

// Close stops every listener at once, dropping open connections. It is safe
// to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		for _, srv := range s.servers {
			_ = srv.Close()
		}
	})
}

// Shutdown stops every listener gracefully: no new connections, and it
// waits for requests in flight until ctx ends (then it closes them).
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.Close()
	return errors.Join(errs...)
}

// BaseURL is the base URL a client configures for platform p: Monogoto
// "http://127.0.0.1:P" (the console and the v1 API share it), Coiote
// "http://127.0.0.1:P", BienPort "http://127.0.0.1:P/api" (BienPort's API
// sits under /api as on the real host). The scheme is https with TLS.
func (s *Server) BaseURL(p platform.Name) string {
	b, ok := s.bases[p]
	if !ok {
		return ""
	}
	if p == platform.Bienport {
		return b + "/api"
	}
	return b
}

// CACertPEM is the PEM of the self-signed certificate that every listener
// presents when Config.TLS is set ("" otherwise). Trust it as a CA.
func (s *Server) CACertPEM() string { return s.caPEM }

// CertPool is a pool holding CACertPEM, or nil without TLS.
func (s *Server) CertPool() *x509.CertPool {
	if s.caPEM == "" {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(s.caPEM))
	return pool
}

// Config returns the effective configuration (defaults applied).
func (s *Server) Config() Config { return s.cfg.cloneAccounts() }

// Count is the number of requests platform p received for endpoint e,
// faulted and rate-limited ones included. Endpoint "" counts them all.
func (s *Server) Count(p platform.Name, e Endpoint) int64 {
	ctr, ok := s.counts[p]
	if !ok {
		return 0
	}
	if e == "" {
		var n int64
		for _, c := range ctr {
			n += c.Load()
		}
		return n
	}
	i := endpointIndex(e)
	if i < 0 {
		return 0
	}
	return ctr[i].Load()
}

// Counts returns platform p's counters by endpoint name.
func (s *Server) Counts(p platform.Name) map[Endpoint]int64 {
	out := map[Endpoint]int64{}
	for _, e := range Endpoints() {
		out[e] = s.Count(p, e)
	}
	return out
}

// ResetCounts sets every counter to zero and forgets the recorded requests.
func (s *Server) ResetCounts() {
	for _, p := range platform.Names() {
		s.resetPlatform(p)
	}
}

func (s *Server) resetPlatform(p platform.Name) {
	for _, c := range s.counts[p] {
		c.Store(0)
	}
	s.reqMu.Lock()
	delete(s.requests, p)
	s.reqMu.Unlock()
}

// ReceivedRequests returns the requests platform p received (the newest
// 2000), oldest first.
func (s *Server) ReceivedRequests(p platform.Name) []Request {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	return append([]Request(nil), s.requests[p]...)
}

// IssuedSecrets returns every token, refresh token, MQTT password and
// Coiote password hash the server has issued, oldest first.
func (s *Server) IssuedSecrets() []string { return s.tokens.issuedSecrets() }

// Passwords returns every configured password and client secret.
func (s *Server) Passwords() []string {
	var out []string
	add := func(v string) {
		if v != "" {
			out = append(out, v)
		}
	}
	for _, a := range s.cfg.Monogoto {
		add(a.Password)
	}
	for _, a := range s.cfg.Coiote {
		add(a.Password)
	}
	for _, c := range s.cfg.CoioteClients {
		add(c.ClientSecret)
	}
	for _, a := range s.cfg.Bienport {
		add(a.Password)
	}
	return out
}

// LastToken is the access token platform p issued last ("" if none).
func (s *Server) LastToken(p platform.Name) string { return s.tokens.lastToken(p) }

// RevokeTokens invalidates every token platform p has issued, as if they had
// expired: authorized endpoints answer 401 and refresh tokens are refused.
func (s *Server) RevokeTokens(p platform.Name) { s.tokens.revoke(p) }

// AdvanceClock moves the server's clock forward by d, for tests of expiry
// without sleeping: tokens and refresh tokens expire, and rate-limit windows
// pass, as if d had gone by. Tokens issued afterwards carry iat and exp on
// the advanced clock.
func (s *Server) AdvanceClock(d time.Duration) {
	if d > 0 {
		s.tokens.skew.Add(int64(d))
	}
}

// SetLoginRateLimit allows n password logins per window per client IP on
// platform p (Monogoto POST /Auth, Coiote's password and client-credentials
// grants, BienPort's login); the next ones get 429 with Retry-After (whole
// seconds until the window frees). n <= 0 removes the limit. Monogoto's v1
// API has its own limit: see SetMonogotoV1RateLimit.
func (s *Server) SetLoginRateLimit(p platform.Name, n int, window time.Duration) {
	ptr, ok := s.loginLimits[p]
	if !ok {
		return
	}
	if n <= 0 || window <= 0 {
		ptr.Store(nil)
		return
	}
	ptr.Store(newLimiter(n, window))
}

// SetMonogotoV1RateLimit replaces the v1 API's limit (by default the
// documented 5 login or refresh calls per 60 s per client IP). n <= 0
// removes it.
func (s *Server) SetMonogotoV1RateLimit(n int, window time.Duration) {
	if n <= 0 || window <= 0 {
		s.v1Limit.Store(nil)
		return
	}
	s.v1Limit.Store(newLimiter(n, window))
}

// handler is platform p's whole HTTP handler: admin paths, then counting,
// recording, latency, faults and the platform's routes.
func (s *Server) handler(p platform.Name) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, adminPrefix) {
			s.serveAdmin(p, w, r)
			return
		}
		ep, h := s.route(p, r)
		s.counts[p][endpointIndex(ep)].Add(1)
		s.record(p, ep, r)
		if !sleep(r.Context(), s.cfg.Latency) {
			return
		}
		if f, ok := s.takeFault(p, ep); ok {
			if !sleep(r.Context(), f.Latency) {
				return
			}
			if writeFault(f, h, w, r) {
				return
			}
		}
		h(w, r)
	})
}

// route picks platform p's handler for r.
func (s *Server) route(p platform.Name, r *http.Request) (Endpoint, http.HandlerFunc) {
	var ep Endpoint
	var h http.HandlerFunc
	switch p {
	case platform.Monogoto:
		ep, h = s.monogotoRoute(r)
	case platform.Coiote:
		ep, h = s.coioteRoute(r)
	case platform.Bienport:
		ep, h = s.bienportRoute(r)
	}
	if h == nil {
		return EndpointOther, notFound
	}
	return ep, h
}

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

// record keeps a copy of the request; the body is read (up to 1 MiB) and
// put back for the handler.
func (s *Server) record(p platform.Name, ep Endpoint, r *http.Request) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxRecordedBody))
		if err == nil {
			body = b
		}
		_ = r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	req := Request{
		Time: time.Now(), Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Endpoint: ep, Header: r.Header.Clone(), Body: body, RemoteAddr: r.RemoteAddr,
	}
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	list := s.requests[p]
	if len(list) >= maxRecordedRequests {
		list = append(list[:0], list[len(list)-maxRecordedRequests/2:]...)
	}
	s.requests[p] = append(list, req)
}

// serveAdmin answers GET /__mock/counts and POST /__mock/reset.
func (s *Server) serveAdmin(p platform.Name, w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == adminPrefix+"counts":
		out := map[string]int64{}
		for e, n := range s.Counts(p) {
			out[string(e)] = n
		}
		out["total"] = s.Count(p, "")
		writeJSON(w, http.StatusOK, out)
	case r.Method == http.MethodPost && r.URL.Path == adminPrefix+"reset":
		s.resetPlatform(p)
		w.WriteHeader(http.StatusNoContent)
	default:
		notFound(w, r)
	}
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

// checkLimit applies a limiter (nil: none). When the caller is over the
// limit it sets Retry-After and returns false; the caller writes the body.
func (s *Server) checkLimit(l *limiter, w http.ResponseWriter, r *http.Request) bool {
	if l == nil {
		return true
	}
	ok, wait := l.allow(clientIP(r), s.tokens.now())
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
	}
	return ok
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

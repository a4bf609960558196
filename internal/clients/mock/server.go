package mock

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
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
	// POST /api/auth/oauth_password, BienPort and ThingsBoard
	// POST /api/auth/login.
	EndpointLogin Endpoint = "login"
	// EndpointV1Login is Monogoto's POST /v1/auth/token.
	EndpointV1Login Endpoint = "v1_login"
	// EndpointRefresh is a refresh-token exchange: Monogoto's
	// POST /v1/auth/refresh, ThingsBoard's POST /api/auth/token.
	EndpointRefresh Endpoint = "refresh"
	// EndpointProfile is Coiote's GET /api/coiotedm/v3/users/{login},
	// BienPort's GET /api/user/get-screen-name/{screenName} and
	// ThingsBoard's GET /api/auth/user.
	EndpointProfile Endpoint = "profile"
	// EndpointAuthorized is a cheap authorized call: Monogoto GET /things,
	// Coiote GET /api/coiotedm/v3/devices, BienPort
	// GET /api/role/user/{userId}/privilege-groups.
	EndpointAuthorized Endpoint = "authorized"
	// EndpointClientCredentials is Coiote's IAM token endpoint
	// POST /iam/realms/{realm}/protocol/openid-connect/token.
	EndpointClientCredentials Endpoint = "client_credentials"
	// EndpointRevoke ends a token before its expiry: BienPort's logout
	// POST /api/user/logout and Coiote's IAM token revocation (RFC 7009)
	// POST /iam/realms/{realm}/protocol/openid-connect/revoke.
	EndpointRevoke Endpoint = "revoke"
	// EndpointOther is every other request (answered 404).
	EndpointOther Endpoint = "other"
)

// Endpoints lists every Endpoint in a stable order.
func Endpoints() []Endpoint {
	return []Endpoint{EndpointLogin, EndpointV1Login, EndpointRefresh, EndpointProfile,
		EndpointAuthorized, EndpointClientCredentials, EndpointRevoke, EndpointOther}
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
// it. It holds whatever the client sent, passwords and vendor headers
// included.
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

	// platforms are the registered platforms in registry order, and
	// byName the same by name. Both are filled before any request is
	// served and only read afterwards.
	platforms []*listener
	byName    map[platform.Name]*listener

	faultMu sync.Mutex
	faults  map[faultKey]*faultState

	reqMu    sync.Mutex
	requests map[platform.Name][]Request

	closeOnce sync.Once
}

// listener is one platform's listener and its started mock.
type listener struct {
	info     platformInfo
	handlers handlers
	ln       net.Listener
	srv      *http.Server
	// root is scheme://host:port; BaseURL adds info.apiPrefix.
	root string
	// counts has one counter per Endpoints() entry.
	counts []atomic.Int64
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
		cfg:      cfg,
		tokens:   ts,
		byName:   map[platform.Name]*listener{},
		faults:   map[faultKey]*faultState{},
		requests: map[platform.Name][]Request{},
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

	// Every listener is open and every platform started before any
	// request is served, so handlers only ever read the server's state.
	for _, m := range registry {
		info := m.info()
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.ListenHost, strconv.Itoa(cfg.Ports[info.name])))
		if err != nil {
			for _, l := range s.platforms {
				_ = l.ln.Close()
			}
			return nil, fmt.Errorf("mock: listening for %s: %w", info.title, err)
		}
		scheme := "http"
		if tlsCfg != nil {
			// Without "h2" in NextProtos the server speaks HTTP/1.1 only,
			// which CloseMidResponse's hijacking needs.
			ln = tls.NewListener(ln, tlsCfg)
			scheme = "https"
		}
		l := &listener{
			info:   info,
			ln:     ln,
			root:   scheme + "://" + urlHost(cfg.ListenHost, ln.Addr()),
			counts: make([]atomic.Int64, len(Endpoints())),
		}
		s.platforms = append(s.platforms, l)
		s.byName[info.name] = l
	}
	for i, m := range registry {
		s.platforms[i].handlers = m.start(s)
	}
	for _, l := range s.platforms {
		l.srv = &http.Server{
			Handler:           s.handler(l),
			ReadHeaderTimeout: 10 * time.Second,
			// Clients that reject the self-signed certificate (a test
			// of exactly that) would otherwise fill stderr.
			ErrorLog: log.New(io.Discard, "", 0),
		}
	}
	for _, l := range s.platforms {
		go func() { _ = l.srv.Serve(l.ln) }()
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

// Close stops every listener at once, dropping open connections. It is safe
// to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		for _, l := range s.platforms {
			_ = l.srv.Close()
		}
	})
}

// Shutdown stops every listener gracefully: no new connections, and it
// waits for requests in flight until ctx ends (then it closes them).
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	for _, l := range s.platforms {
		if err := l.srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.Close()
	return errors.Join(errs...)
}

// BaseURL is the base URL a client configures for platform p: Monogoto
// "http://127.0.0.1:P" (the console and the v1 API share it), Coiote
// "http://127.0.0.1:P", BienPort "http://127.0.0.1:P/api" (BienPort's API
// sits under /api as on the real host). The scheme is https with TLS. It is
// "" for an unknown platform.
func (s *Server) BaseURL(p platform.Name) string {
	l, ok := s.byName[p]
	if !ok {
		return ""
	}
	return l.root + l.info.apiPrefix
}

// BaseURLs returns every base URL by name: each platform's BaseURL under its
// name, plus the further names a platform serves on the same listener
// ("monogoto_v1": Monogoto's v1 API). cmd/iotauth-mock writes it to its
// ready file.
func (s *Server) BaseURLs() map[string]string {
	out := map[string]string{}
	for _, l := range s.platforms {
		base := s.BaseURL(l.info.name)
		out[string(l.info.name)] = base
		for _, alias := range l.info.aliases {
			out[alias] = base
		}
	}
	return out
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
	l, ok := s.byName[p]
	if !ok {
		return 0
	}
	if e == "" {
		var n int64
		for i := range l.counts {
			n += l.counts[i].Load()
		}
		return n
	}
	i := endpointIndex(e)
	if i < 0 {
		return 0
	}
	return l.counts[i].Load()
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
	for _, l := range s.platforms {
		s.resetPlatform(l)
	}
}

func (s *Server) resetPlatform(l *listener) {
	for i := range l.counts {
		l.counts[i].Store(0)
	}
	s.reqMu.Lock()
	delete(s.requests, l.info.name)
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

// Passwords returns every configured password, client secret and API key.
func (s *Server) Passwords() []string { return s.cfg.secrets() }

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

// SetRateLimit allows n requests per window per client IP to endpoint ep of
// platform p, counted together with the platform's other endpoints under
// the same limit; the next ones get 429 with Retry-After (whole seconds
// until the window frees). n <= 0 removes the limit. The limits are:
//
//   - EndpointLogin on every platform: Monogoto POST /Auth, BienPort's
//     login, and Coiote's password grant together with its client-credentials
//     grant (EndpointClientCredentials). None by default.
//   - Monogoto's EndpointV1Login together with EndpointRefresh: by default
//     the documented 5 calls per 60 s (Config.MonogotoV1RateLimit).
//
// It reports whether p has a limit for ep; when not, it changes nothing.
func (s *Server) SetRateLimit(p platform.Name, ep Endpoint, n int, window time.Duration) bool {
	l, ok := s.byName[p]
	if !ok {
		return false
	}
	rl := l.handlers.rateLimit(ep)
	if rl == nil {
		return false
	}
	rl.set(n, window)
	return true
}

// SetLoginRateLimit is SetRateLimit for EndpointLogin: it limits platform
// p's password logins.
func (s *Server) SetLoginRateLimit(p platform.Name, n int, window time.Duration) {
	s.SetRateLimit(p, EndpointLogin, n, window)
}

// handler is a platform's whole HTTP handler: admin paths, then counting,
// recording, latency, faults and the platform's routes.
func (s *Server) handler(l *listener) http.Handler {
	p := l.info.name
	other := endpointIndex(EndpointOther)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, adminPrefix) {
			s.serveAdmin(l, w, r)
			return
		}
		ep, h := l.handlers.route(r)
		i := endpointIndex(ep)
		if h == nil || i < 0 {
			ep, h, i = EndpointOther, notFound, other
		}
		l.counts[i].Add(1)
		s.record(p, ep, r)
		if !sleep(r.Context(), s.cfg.Latency) {
			return
		}
		if f, ok := s.takeFault(p, ep); ok {
			if !sleep(r.Context(), f.Latency) {
				return
			}
			if writeFault(f, l.info.tokenFields, h, w, r) {
				return
			}
		}
		h(w, r)
	})
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

// serveAdmin answers GET /__mock/counts, POST /__mock/reset, and
// POST/DELETE /__mock/fault (install a fault on this platform; remove its
// faults).
func (s *Server) serveAdmin(l *listener, w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == adminPrefix+"counts":
		out := map[string]int64{}
		for e, n := range s.Counts(l.info.name) {
			out[string(e)] = n
		}
		out["total"] = s.Count(l.info.name, "")
		writeJSON(w, http.StatusOK, out)
	case r.Method == http.MethodPost && r.URL.Path == adminPrefix+"reset":
		s.resetPlatform(l)
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && r.URL.Path == adminPrefix+"fault":
		f, err := decodeFault(r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid fault: " + err.Error()})
			return
		}
		s.SetFault(l.info.name, f)
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete && r.URL.Path == adminPrefix+"fault":
		s.clearPlatformFaults(l.info.name)
		w.WriteHeader(http.StatusNoContent)
	default:
		notFound(w, r)
	}
}

// allow applies limit l to r. When the caller is over the limit it sets
// Retry-After and returns false; the caller writes the platform's answer.
func (s *Server) allow(l *rateLimit, w http.ResponseWriter, r *http.Request) bool {
	ok, wait := l.allow(clientIP(r), s.tokens.now())
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
	}
	return ok
}

// authorized returns what the server knows of the access token in r's
// `Authorization: Bearer` header, when platform p issued it and it is still
// valid.
func (s *Server) authorized(r *http.Request, p platform.Name) (tokenInfo, bool) {
	tok, ok := bearer(r)
	if !ok {
		return tokenInfo{}, false
	}
	return s.tokens.valid(tok, p)
}

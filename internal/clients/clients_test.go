package clients_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/cache"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

const testPassword = "Manager-PW-s3cr3t!"

// fakePlatforms serves the login endpoints of all three platforms (and
// Monogoto's v1 API) and records every request path in order.
type fakePlatforms struct {
	t *testing.T

	mu           sync.Mutex
	paths        []string
	refreshBody  []map[string]any
	refreshCode  int // status of /v1/auth/refresh; 0 means 200
	refreshExtra http.Header
	n            atomic.Int64
}

func (f *fakePlatforms) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := f.n.Add(1)
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path)
	code := f.refreshCode
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/Auth":
		_, _ = fmt.Fprintf(w, `{"token":"legacy-%d","UserName":"demo@monogoto.io","CustomerId":"cid_1"}`, i)
	case "/v1/auth/token":
		_, _ = fmt.Fprintf(w, `{"token_type":"Bearer","access_token":"v1-access-%d","refresh_token":"v1-refresh-%d"}`, i, i)
	case "/v1/auth/refresh":
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		f.mu.Lock()
		f.refreshBody = append(f.refreshBody, m)
		f.mu.Unlock()
		for k, v := range f.refreshExtra {
			w.Header()[k] = v
		}
		if code != 0 && code != 200 {
			w.WriteHeader(code)
			_, _ = io.WriteString(w, `{"status_code":401,"message":"refresh token already used","request_id":"req-r"}`)
			return
		}
		_, _ = fmt.Fprintf(w, `{"token_type":"Bearer","access_token":"v1-refreshed-%d","refresh_token":"v1-refresh-%d"}`, i, i)
	case "/api/auth/oauth_password":
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"access_token":"coiote-%d","token_type":"Bearer","expires_in":"300"}`, i)
	case "/api/coiotedm/v3/users/ops@acme.example":
		_, _ = io.WriteString(w, `{"login":"ops@acme.example","userId":"u1","password":"never"}`)
	case "/api/auth/login":
		_, _ = fmt.Fprintf(w, `{"token":"bienport-%d","screenName":"bienport.demo","userId":20641,"organizationIds":[20635]}`, i)
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	}
}

func (f *fakePlatforms) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

func start(t *testing.T) (*fakePlatforms, *httptest.Server) {
	t.Helper()
	f := &fakePlatforms{t: t}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// offsetClock is the real clock moved forward by Advance, for the cache.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *offsetClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

func newManager(t *testing.T, cacheOpts cache.Options) *clients.Manager {
	t.Helper()
	m, err := clients.New(clients.Config{
		HTTP:  httpx.Config{Timeout: 2 * time.Second, MaxRetries: 0, BackoffMin: time.Millisecond, RetryMaxWait: 50 * time.Millisecond},
		Cache: cacheOpts,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.HTTP().CloseIdleConnections)
	return m
}

func TestNewInvalidHTTPConfig(t *testing.T) {
	m, err := clients.New(clients.Config{HTTP: httpx.Config{CACertPEM: "garbage"}})
	if m != nil || !platform.IsKind(err, platform.KindInvalidConfig) {
		t.Errorf("New = %v, %v", m, err)
	}
}

func TestValidate(t *testing.T) {
	ok := platform.Credentials{Platform: platform.Monogoto, BaseURL: "https://console.monogoto.io", Username: "u", Password: "p"}
	if err := clients.Validate(ok); err != nil {
		t.Fatalf("valid credentials: %v", err)
	}
	sa := platform.Credentials{Platform: platform.Coiote, BaseURL: "https://x", ClientID: "svc", ClientSecret: "s"}
	if err := clients.Validate(sa); err != nil {
		t.Fatalf("valid service account: %v", err)
	}
	cases := []struct {
		name   string
		mutate func(*platform.Credentials)
		detail string
	}{
		{"unknown platform", func(c *platform.Credentials) { c.Platform = "thingsboard" }, "unknown platform thingsboard"},
		{"empty platform", func(c *platform.Credentials) { c.Platform = "" }, "unknown platform "},
		{"no base URL", func(c *platform.Credentials) { c.BaseURL = "  " }, "no base URL"},
		{"no user name", func(c *platform.Credentials) { c.Username = " " }, "no user name"},
		{"no password", func(c *platform.Credentials) { c.Password = "" }, "no password"},
		{"client ID on Monogoto", func(c *platform.Credentials) { c.ClientID, c.ClientSecret = "svc", "s" }, "client credentials are supported only for Coiote"},
		{"client ID without secret", func(c *platform.Credentials) {
			c.Platform, c.ClientID, c.Username, c.Password = platform.Coiote, "svc", "", ""
		}, "a client ID needs a client secret"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cr := ok
			cr.Password = testPassword
			tc.mutate(&cr)
			err := clients.Validate(cr)
			e, isErr := platform.AsError(err)
			if !isErr || e.Kind != platform.KindInvalidConfig || e.Detail != tc.detail || e.Op != "login" {
				t.Fatalf("Validate = %v (detail %q)", err, detailOf(e))
			}
			if e.User != cr.Principal() || e.Platform != cr.Platform {
				t.Errorf("User %q Platform %q", e.User, e.Platform)
			}
			if strings.Contains(e.Error(), testPassword) {
				t.Errorf("message holds the password: %v", e)
			}
		})
	}
}

func detailOf(e *platform.Error) string {
	if e == nil {
		return ""
	}
	return e.Detail
}

func TestInvalidCredentialsSendNothing(t *testing.T) {
	f, srv := start(t)
	m := newManager(t, cache.Options{})
	cr := platform.Credentials{Platform: platform.Monogoto, BaseURL: srv.URL, Username: "demo@monogoto.io"}
	if _, err := m.Session(t.Context(), cr); !platform.IsKind(err, platform.KindInvalidConfig) {
		t.Errorf("Session = %v", err)
	}
	if _, err := m.Login(t.Context(), cr); !platform.IsKind(err, platform.KindInvalidConfig) {
		t.Errorf("Login = %v", err)
	}
	if f.n.Load() != 0 || m.Logins() != 0 {
		t.Errorf("%d requests, %d logins", f.n.Load(), m.Logins())
	}
}

func TestSessionCachesPerPlatform(t *testing.T) {
	cases := []struct {
		cr       platform.Credentials
		requests int // per login
		token    string
	}{
		{platform.Credentials{Platform: platform.Monogoto, Username: "demo@monogoto.io"}, 1, "legacy-1"},
		{platform.Credentials{Platform: platform.Coiote, Username: "ops@acme.example"}, 2, "coiote-1"},
		{platform.Credentials{Platform: platform.Bienport, Username: "bienport.demo", RememberMe: true}, 1, "bienport-1"},
	}
	for _, tc := range cases {
		t.Run(string(tc.cr.Platform), func(t *testing.T) {
			f, srv := start(t)
			m := newManager(t, cache.Options{})
			cr := tc.cr
			cr.BaseURL, cr.Password = srv.URL, testPassword
			if cr.Platform == platform.Bienport {
				cr.BaseURL = srv.URL + "/api"
			}
			s1, err := m.Session(t.Context(), cr)
			if err != nil {
				t.Fatalf("first Session: %v", err)
			}
			s2, err := m.Session(t.Context(), cr)
			if err != nil {
				t.Fatalf("second Session: %v", err)
			}
			if s1 != s2 || s1.Token != tc.token || s1.Platform != cr.Platform {
				t.Errorf("sessions %v / %v, token %q", s1, s2, s1.Token)
			}
			if int(f.n.Load()) != tc.requests || m.Logins() != 1 {
				t.Errorf("%d requests (%v), %d logins; want %d and 1", f.n.Load(), f.requests(), m.Logins(), tc.requests)
			}
			// Login always logs in.
			s3, err := m.Login(t.Context(), cr)
			if err != nil || s3 == s1 || m.Logins() != 2 || int(f.n.Load()) != 2*tc.requests {
				t.Errorf("Login: %v, %v; %d logins, %d requests", s3, err, m.Logins(), f.n.Load())
			}
		})
	}
}

func TestSharedCacheOutlivesManager(t *testing.T) {
	f, srv := start(t)
	shared := cache.New(cache.Options{})
	cr := platform.Credentials{Platform: platform.Monogoto, BaseURL: srv.URL, Username: "demo@monogoto.io", Password: testPassword}
	for i := range 3 {
		m, err := clients.New(clients.Config{SharedCache: shared})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Session(t.Context(), cr); err != nil {
			t.Fatalf("manager %d: %v", i, err)
		}
		m.HTTP().CloseIdleConnections()
	}
	if f.n.Load() != 1 || shared.Len() != 1 {
		t.Errorf("%d requests, %d cached sessions; want 1 and 1", f.n.Load(), shared.Len())
	}
}

func v1Creds(base string) platform.Credentials {
	return platform.Credentials{Platform: platform.Monogoto, MonogotoAPI: platform.MonogotoV1, BaseURL: base,
		Username: "demo@monogoto.io", Password: testPassword}
}

func TestMonogotoV1RefreshNearExpiry(t *testing.T) {
	f, srv := start(t)
	clk := &offsetClock{}
	m := newManager(t, cache.Options{Now: clk.Now, Margin: time.Minute})
	cr := v1Creds(srv.URL)

	s1, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if s1.Token != "v1-access-1" || s1.RefreshToken != "v1-refresh-1" {
		t.Fatalf("first session %q / %q", s1.Token, s1.RefreshToken)
	}
	// Still fresh an hour later: no request.
	clk.Advance(time.Hour)
	if s, err := m.Session(t.Context(), cr); err != nil || s != s1 {
		t.Fatalf("cached session: %v %v", s, err)
	}
	// Within the margin of the 4-hour lifetime: a refresh, not a login.
	clk.Advance(3*time.Hour - 30*time.Second)
	s2, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if got := f.requests(); len(got) != 2 || got[0] != "/v1/auth/token" || got[1] != "/v1/auth/refresh" {
		t.Fatalf("requests = %v, want token then refresh", got)
	}
	if len(f.refreshBody) != 1 || f.refreshBody[0]["refresh_token"] != "v1-refresh-1" || len(f.refreshBody[0]) != 1 {
		t.Errorf("refresh body = %v", f.refreshBody)
	}
	if s2.Token != "v1-refreshed-2" || s2.RefreshToken != "v1-refresh-2" || m.Logins() != 2 {
		t.Errorf("refreshed session %q / %q, %d logins", s2.Token, s2.RefreshToken, m.Logins())
	}
	// The rotated refresh token is what the next refresh uses. The
	// refreshed session's expiry comes from the real clock: jump past it.
	clk.Advance(8 * time.Hour)
	if _, err := m.Session(t.Context(), cr); err != nil {
		t.Fatal(err)
	}
	if len(f.refreshBody) != 2 || f.refreshBody[1]["refresh_token"] != "v1-refresh-2" {
		t.Errorf("second refresh body = %v", f.refreshBody)
	}
}

// v1NearExpiry logs in with the v1 API, then moves the cache's clock to 30
// seconds before the 4-hour expiry: within the cache's 1-minute margin.
func v1NearExpiry(t *testing.T, base string) (*clients.Manager, platform.Credentials) {
	t.Helper()
	clk := &offsetClock{}
	m := newManager(t, cache.Options{Now: clk.Now, Margin: time.Minute})
	cr := v1Creds(base)
	if _, err := m.Session(t.Context(), cr); err != nil {
		t.Fatal(err)
	}
	clk.Advance(4*time.Hour - 30*time.Second)
	return m, cr
}

func TestMonogotoV1RefusedRefreshFallsBackToLogin(t *testing.T) {
	f, srv := start(t)
	f.refreshCode = http.StatusUnauthorized
	m, cr := v1NearExpiry(t, srv.URL)
	s, err := m.Session(t.Context(), cr)
	if err != nil {
		t.Fatalf("fallback: %v", err)
	}
	want := []string{"/v1/auth/token", "/v1/auth/refresh", "/v1/auth/token"}
	if got := f.requests(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("requests = %v, want %v", got, want)
	}
	if s.Token != "v1-access-3" || m.Logins() != 3 {
		t.Errorf("token %q, %d logins", s.Token, m.Logins())
	}
}

func TestMonogotoV1RateLimitedRefreshIsReported(t *testing.T) {
	f, srv := start(t)
	f.refreshCode = http.StatusTooManyRequests
	f.refreshExtra = http.Header{"Retry-After": {"60"}}
	m, cr := v1NearExpiry(t, srv.URL)
	_, err := m.Session(t.Context(), cr)
	e, ok := platform.AsError(err)
	if !ok || e.Kind != platform.KindRateLimited || e.RetryAfter != time.Minute || e.Op != "v1 token refresh" || e.Platform != platform.Monogoto {
		t.Fatalf("err = %v", err)
	}
	// A rate limit is not a refused token: no fallback login.
	if got := f.requests(); len(got) != 2 || got[1] != "/v1/auth/refresh" {
		t.Errorf("requests = %v", got)
	}
}

func TestLegacyMonogotoNeverRefreshes(t *testing.T) {
	f, srv := start(t)
	clk := &offsetClock{}
	m := newManager(t, cache.Options{Now: clk.Now, MaxAge: time.Hour})
	cr := platform.Credentials{Platform: platform.Monogoto, BaseURL: srv.URL, Username: "demo@monogoto.io", Password: testPassword}
	if _, err := m.Session(t.Context(), cr); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	if _, err := m.Session(t.Context(), cr); err != nil {
		t.Fatal(err)
	}
	if got := f.requests(); strings.Join(got, " ") != "/Auth /Auth" {
		t.Errorf("requests = %v", got)
	}
}

func TestSessionErrorsAreAnnotated(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"statusCode":401,"error":"AuthorizationException","message":"Incorrect username or password. Username: bienport.demo"}`)
	}))
	t.Cleanup(srv.Close)
	m := newManager(t, cache.Options{})
	cr := platform.Credentials{Platform: platform.Bienport, BaseURL: srv.URL, Username: "bienport.demo", Password: testPassword}
	_, err := m.Session(t.Context(), cr)
	e, ok := platform.AsError(err)
	if !ok || e.Kind != platform.KindBadCredentials || e.Status != 401 || e.Attempts != 1 ||
		e.Platform != platform.Bienport || e.User != "bienport.demo" || e.Op != "login" {
		t.Fatalf("err = %#v", e)
	}
	if strings.Contains(e.Error(), testPassword) {
		t.Errorf("message holds the password: %v", e)
	}
	// The failure is not cached: the next call tries again.
	_, _ = m.Session(t.Context(), cr)
	if m.Logins() != 2 {
		t.Errorf("%d logins, want 2", m.Logins())
	}
}

func TestConcurrentSessionsShareOneLogin(t *testing.T) {
	f, srv := start(t)
	m := newManager(t, cache.Options{})
	cr := platform.Credentials{Platform: platform.Coiote, BaseURL: srv.URL, Username: "ops@acme.example", Password: testPassword}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := m.Session(t.Context(), cr); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if m.Logins() != 1 || f.n.Load() != 2 {
		t.Errorf("%d logins, %d requests; want 1 login (token + profile)", m.Logins(), f.n.Load())
	}
}

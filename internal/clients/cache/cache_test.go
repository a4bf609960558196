package cache_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/cache"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// clock is a fake, settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// counter returns a LoginFunc that counts its calls and issues sessions
// valid for life (zero: expiry unknown), obtained at the clock's time.
func counter(clk *clock, n *atomic.Int64, life time.Duration) cache.LoginFunc {
	return func(_ context.Context, _ *platform.Session) (*platform.Session, error) {
		i := n.Add(1)
		s := &platform.Session{Platform: platform.Coiote, Token: fmt.Sprintf("token-%d", i), ObtainedAt: clk.Now()}
		if life > 0 {
			s.ExpiresAt = clk.Now().Add(life)
		}
		return s, nil
	}
}

func baseCreds() platform.Credentials {
	return platform.Credentials{Platform: platform.Coiote, BaseURL: "https://eu.iot.avsystem.cloud", Username: "ops@acme.example", Password: "pw-1"}
}

func TestSingleFlight50Goroutines(t *testing.T) {
	c := cache.New(cache.Options{})
	var logins atomic.Int64
	login := cache.LoginFunc(func(_ context.Context, prev *platform.Session) (*platform.Session, error) {
		logins.Add(1)
		if prev != nil {
			t.Error("first login got a previous session")
		}
		time.Sleep(50 * time.Millisecond) // let the callers pile up
		return &platform.Session{Token: "shared", ExpiresAt: time.Now().Add(time.Hour), ObtainedAt: time.Now()}, nil
	})
	key := cache.Key(baseCreds())
	start := make(chan struct{})
	var wg sync.WaitGroup
	sessions := make([]*platform.Session, 50)
	errs := make([]error, 50)
	for i := range 50 {
		wg.Go(func() {
			<-start
			sessions[i], _, errs[i] = c.Get(t.Context(), key, login)
		})
	}
	close(start)
	wg.Wait()
	if logins.Load() != 1 {
		t.Fatalf("%d logins for 50 concurrent callers, want exactly 1", logins.Load())
	}
	for i := range 50 {
		if errs[i] != nil || sessions[i] == nil || sessions[i] != sessions[0] {
			t.Fatalf("caller %d: %v, %v", i, sessions[i], errs[i])
		}
	}
	if c.Len() != 1 {
		t.Errorf("Len() = %d", c.Len())
	}
	// Later callers hit the cache.
	s, hit, err := c.Get(t.Context(), key, login)
	if err != nil || !hit || s != sessions[0] || logins.Load() != 1 {
		t.Errorf("later Get: %v %v %v, logins %d", s, hit, err, logins.Load())
	}
}

func TestDifferentCredentialsDifferentSessions(t *testing.T) {
	clk := newClock()
	c := cache.New(cache.Options{Now: clk.Now})
	var n atomic.Int64
	login := counter(clk, &n, time.Hour)
	a, b := baseCreds(), baseCreds()
	b.Password = "pw-2"
	sa, _, err := c.Get(t.Context(), cache.Key(a), login)
	if err != nil {
		t.Fatal(err)
	}
	sb, _, err := c.Get(t.Context(), cache.Key(b), login)
	if err != nil {
		t.Fatal(err)
	}
	if sa == sb || sa.Token == sb.Token || n.Load() != 2 || c.Len() != 2 {
		t.Errorf("sessions %q and %q, %d logins", sa.Token, sb.Token, n.Load())
	}
	again, hit, _ := c.Get(t.Context(), cache.Key(a), login)
	if !hit || again != sa {
		t.Error("first credentials' session not reused")
	}
}

func TestFailuresNotCached(t *testing.T) {
	c := cache.New(cache.Options{})
	var n atomic.Int64
	boom := &platform.Error{Kind: platform.KindBadCredentials, Status: 401}
	fail := func(context.Context, *platform.Session) (*platform.Session, error) {
		n.Add(1)
		return nil, boom
	}
	key := cache.Key(baseCreds())
	for i := 1; i <= 3; i++ {
		s, hit, err := c.Get(t.Context(), key, fail)
		if s != nil || hit || !errors.Is(err, boom) {
			t.Fatalf("call %d: %v %v %v", i, s, hit, err)
		}
		if n.Load() != int64(i) {
			t.Fatalf("call %d: %d logins; a failure must not be cached", i, n.Load())
		}
	}
	if c.Len() != 0 {
		t.Errorf("Len() = %d after failures", c.Len())
	}
	ok := func(context.Context, *platform.Session) (*platform.Session, error) {
		n.Add(1)
		return &platform.Session{Token: "finally", ExpiresAt: time.Now().Add(time.Hour)}, nil
	}
	s, _, err := c.Get(t.Context(), key, ok)
	if err != nil || s.Token != "finally" || n.Load() != 4 {
		t.Errorf("after failures: %v %v, %d logins", s, err, n.Load())
	}
}

func TestReuseUntilMargin(t *testing.T) {
	clk := newClock()
	c := cache.New(cache.Options{Now: clk.Now, Margin: time.Minute})
	var n atomic.Int64
	var prevSeen []*platform.Session
	var mu sync.Mutex
	base := counter(clk, &n, 10*time.Minute)
	login := func(ctx context.Context, prev *platform.Session) (*platform.Session, error) {
		mu.Lock()
		prevSeen = append(prevSeen, prev)
		mu.Unlock()
		return base(ctx, prev)
	}
	key := cache.Key(baseCreds())
	first, hit, err := c.Get(t.Context(), key, login)
	if err != nil || hit {
		t.Fatalf("first Get: %v %v", hit, err)
	}
	steps := []struct {
		advance time.Duration
		hit     bool
	}{
		{8 * time.Minute, true},      // 2m left
		{59 * time.Second, true},     // 61s left
		{time.Second, false},         // exactly 60s left: not more than the margin
		{8 * time.Minute, true},      // the new session has 2m left
		{10 * time.Minute, false},    // expired
		{9*time.Minute - 1, true},    // 60s+1ns left
		{2 * time.Nanosecond, false}, // 60s-1ns left
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		before := n.Load()
		s, _, err := c.Get(t.Context(), key, login)
		if err != nil {
			t.Fatal(err)
		}
		reused := n.Load() == before
		if reused != st.hit {
			t.Errorf("step %d (at +%v): reused = %v, want %v", i, clk.Now().Sub(first.ObtainedAt), reused, st.hit)
		}
		if !st.hit && s.ExpiresAt.Sub(clk.Now()) != 10*time.Minute {
			t.Errorf("step %d: new session expires in %v", i, s.ExpiresAt.Sub(clk.Now()))
		}
	}
	// A login for a session near its expiry is handed the old session
	// (so that it can refresh instead).
	mu.Lock()
	defer mu.Unlock()
	if len(prevSeen) != 4 || prevSeen[0] != nil || prevSeen[1] != first || prevSeen[2] == nil || prevSeen[2].Token != "token-2" {
		t.Errorf("previous sessions handed to logins: %v", prevSeen)
	}
}

func TestMaxAgeForUnknownExpiry(t *testing.T) {
	clk := newClock()
	c := cache.New(cache.Options{Now: clk.Now, MaxAge: 30 * time.Minute})
	var n atomic.Int64
	login := counter(clk, &n, 0)
	key := cache.Key(baseCreds())
	if _, _, err := c.Get(t.Context(), key, login); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30*time.Minute - time.Nanosecond)
	if _, hit, _ := c.Get(t.Context(), key, login); !hit || n.Load() != 1 {
		t.Errorf("just under MaxAge: hit %v, %d logins", hit, n.Load())
	}
	clk.Advance(time.Nanosecond)
	if s, _, _ := c.Get(t.Context(), key, login); n.Load() != 2 || s.Token != "token-2" {
		t.Errorf("at MaxAge: %d logins, token %q", n.Load(), s.Token)
	}
}

func TestDefaults(t *testing.T) {
	c := cache.New(cache.Options{})
	now := time.Now()
	cases := []struct {
		s     *platform.Session
		fresh bool
	}{
		{&platform.Session{ExpiresAt: now.Add(cache.DefaultMargin + time.Second)}, true},
		{&platform.Session{ExpiresAt: now.Add(cache.DefaultMargin)}, false},
		{&platform.Session{ExpiresAt: now.Add(-time.Hour)}, false},
		{&platform.Session{ObtainedAt: now.Add(-cache.DefaultMaxAge + time.Second)}, true},
		{&platform.Session{ObtainedAt: now.Add(-cache.DefaultMaxAge)}, false},
	}
	for i, tc := range cases {
		if got := c.Fresh(tc.s, now); got != tc.fresh {
			t.Errorf("case %d: Fresh = %v, want %v", i, got, tc.fresh)
		}
	}
}

func TestDisabledStillSharesInFlight(t *testing.T) {
	c := cache.New(cache.Options{Disabled: true})
	var n atomic.Int64
	login := cache.LoginFunc(func(context.Context, *platform.Session) (*platform.Session, error) {
		n.Add(1)
		time.Sleep(30 * time.Millisecond)
		return &platform.Session{Token: "t", ExpiresAt: time.Now().Add(time.Hour)}, nil
	})
	key := cache.Key(baseCreds())
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, _, err := c.Get(t.Context(), key, login); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n.Load() != 1 {
		t.Errorf("%d logins for 10 concurrent callers, want 1", n.Load())
	}
	if c.Len() != 0 {
		t.Errorf("Len() = %d with the cache disabled", c.Len())
	}
	if _, hit, _ := c.Get(t.Context(), key, login); hit || n.Load() != 2 {
		t.Errorf("sequential call reused a session with the cache disabled (%d logins)", n.Load())
	}
}

func TestCancelledCallerDoesNotCancelSharedLogin(t *testing.T) {
	c := cache.New(cache.Options{})
	release := make(chan struct{})
	started := make(chan struct{})
	var loginCtxErr atomic.Value
	var n atomic.Int64
	login := func(ctx context.Context, _ *platform.Session) (*platform.Session, error) {
		n.Add(1)
		close(started)
		<-release
		if err := ctx.Err(); err != nil {
			loginCtxErr.Store(err)
			return nil, err
		}
		return &platform.Session{Token: "survived", ExpiresAt: time.Now().Add(time.Hour)}, nil
	}
	key := cache.Key(baseCreds())

	ctxA, cancelA := context.WithCancel(t.Context())
	errA := make(chan error, 1)
	go func() {
		_, _, err := c.Get(ctxA, key, login)
		errA <- err
	}()
	<-started
	resB := make(chan *platform.Session, 1)
	go func() {
		s, _, err := c.Get(t.Context(), key, login)
		if err != nil {
			t.Errorf("second caller: %v", err)
		}
		resB <- s
	}()
	time.Sleep(20 * time.Millisecond) // let B join the in-flight login
	cancelA()
	if err := <-errA; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v, want context.Canceled", err)
	}
	close(release)
	s := <-resB
	if s == nil || s.Token != "survived" {
		t.Fatalf("second caller got %v", s)
	}
	if v := loginCtxErr.Load(); v != nil {
		t.Errorf("the shared login saw its context cancelled: %v", v)
	}
	if n.Load() != 1 {
		t.Errorf("%d logins, want 1", n.Load())
	}
	// The surviving login is cached for everybody.
	if got, hit, _ := c.Get(t.Context(), key, login); !hit || got != s {
		t.Error("the shared login's session was not cached")
	}
}

func TestForget(t *testing.T) {
	clk := newClock()
	c := cache.New(cache.Options{Now: clk.Now})
	var n atomic.Int64
	login := counter(clk, &n, time.Hour)
	key := cache.Key(baseCreds())
	_, _, _ = c.Get(t.Context(), key, login)
	c.Forget(key)
	c.Forget("no such key")
	if c.Len() != 0 {
		t.Errorf("Len() = %d after Forget", c.Len())
	}
	if s, hit, _ := c.Get(t.Context(), key, login); hit || s.Token != "token-2" {
		t.Errorf("after Forget: hit %v token %q", hit, s.Token)
	}
}

func TestKeyDiffersForEachField(t *testing.T) {
	base := platform.Credentials{
		Platform: platform.Monogoto, BaseURL: "https://console.monogoto.io", Username: "demo@monogoto.io",
		Password: "pw", RememberMe: false, MonogotoAPI: "", ClientID: "", ClientSecret: "", Realm: "",
	}
	variants := map[string]func(*platform.Credentials){
		"Platform":     func(c *platform.Credentials) { c.Platform = platform.Bienport },
		"BaseURL":      func(c *platform.Credentials) { c.BaseURL = "https://console.monogoto.io/v2" },
		"MonogotoAPI":  func(c *platform.Credentials) { c.MonogotoAPI = platform.MonogotoV1 },
		"Username":     func(c *platform.Credentials) { c.Username = "other@monogoto.io" },
		"Password":     func(c *platform.Credentials) { c.Password = "pw2" },
		"ClientID":     func(c *platform.Credentials) { c.ClientID = "svc" },
		"ClientSecret": func(c *platform.Credentials) { c.ClientSecret = "s" },
		"Realm":        func(c *platform.Credentials) { c.Realm = "r" },
		"RememberMe":   func(c *platform.Credentials) { c.RememberMe = true },
	}
	baseKey := cache.Key(base)
	seen := map[string]string{baseKey: "base"}
	for name, mutate := range variants {
		cr := base
		mutate(&cr)
		k := cache.Key(cr)
		if prev, dup := seen[k]; dup {
			t.Errorf("changing %s gives the same key as %s", name, prev)
		}
		seen[k] = name
	}
	if len(baseKey) != 64 || strings.Contains(baseKey, "pw") {
		t.Errorf("key %q is not a SHA-256 hex digest", baseKey)
	}
	if cache.Key(base) != baseKey {
		t.Error("Key is not deterministic")
	}

	// Moving bytes between adjacent fields never collides.
	a, b := base, base
	a.Username, a.Password = "ab", "c"
	b.Username, b.Password = "a", "bc"
	if cache.Key(a) == cache.Key(b) {
		t.Error("length prefixes missing: (ab, c) and (a, bc) collide")
	}
	c1, c2 := base, base
	c1.ClientID, c1.ClientSecret = "x", ""
	c2.ClientID, c2.ClientSecret = "", "x"
	if cache.Key(c1) == cache.Key(c2) {
		t.Error("client ID and secret collide")
	}

	// Base URLs that normalize alike share a key.
	n1, n2 := base, base
	n2.BaseURL = " https://console.monogoto.io/ "
	if cache.Key(n1) != cache.Key(n2) {
		t.Error("equivalent base URLs give different keys")
	}
}

func TestLoginWithoutSessionIsAnError(t *testing.T) {
	// A LoginFunc returning (nil, nil) must not hand callers a nil session.
	c := cache.New(cache.Options{})
	s, _, err := c.Get(t.Context(), "k", func(context.Context, *platform.Session) (*platform.Session, error) { return nil, nil })
	if s != nil || !platform.IsKind(err, platform.KindUnknown) {
		t.Errorf("got %v, %v; want a KindUnknown error", s, err)
	}
	if c.Len() != 0 {
		t.Errorf("Len() = %d", c.Len())
	}
}

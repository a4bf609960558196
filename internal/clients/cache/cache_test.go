package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
func counter(clk *clock, n *atomic.Int64, life time.Duration) LoginFunc {
	return func(_ context.Context, _ *platform.Session) (*platform.Session, error) {
		i := n.Add(1)
		s := &platform.Session{Platform: "coiote", Token: fmt.Sprintf("token-%d", i), ObtainedAt: clk.Now()}
		if life > 0 {
			s.ExpiresAt = clk.Now().Add(life)
		}
		return s, nil
	}
}

// size is the number of cached sessions.
func (c *Cache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sessions)
}

func baseCreds() platform.Credentials {
	return platform.Credentials{Platform: "coiote", BaseURL: "https://eu.iot.avsystem.cloud", Username: "ops@acme.example", Password: "pw-1"}
}

func TestSingleFlight50Goroutines(t *testing.T) {
	c := New(Options{})
	var logins atomic.Int64
	login := LoginFunc(func(_ context.Context, prev *platform.Session) (*platform.Session, error) {
		logins.Add(1)
		if prev != nil {
			t.Error("first login got a previous session")
		}
		time.Sleep(50 * time.Millisecond) // let the callers pile up
		return &platform.Session{Token: "shared", ExpiresAt: time.Now().Add(time.Hour), ObtainedAt: time.Now()}, nil
	})
	key := Key(baseCreds())
	start := make(chan struct{})
	var wg sync.WaitGroup
	sessions := make([]*platform.Session, 50)
	errs := make([]error, 50)
	for i := range 50 {
		wg.Go(func() {
			<-start
			sessions[i], errs[i] = c.Get(t.Context(), key, platform.Need{}, login)
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
	if c.size() != 1 {
		t.Errorf("size() = %d", c.size())
	}
	// Later callers hit the cache.
	s, err := c.Get(t.Context(), key, platform.Need{}, login)
	if err != nil || s != sessions[0] || logins.Load() != 1 {
		t.Errorf("later Get: %v %v, logins %d", s, err, logins.Load())
	}
}

func TestDifferentCredentialsDifferentSessions(t *testing.T) {
	clk := newClock()
	c := New(Options{Now: clk.Now})
	var n atomic.Int64
	login := counter(clk, &n, time.Hour)
	a, b := baseCreds(), baseCreds()
	b.Password = "pw-2"
	sa, err := c.Get(t.Context(), Key(a), platform.Need{}, login)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := c.Get(t.Context(), Key(b), platform.Need{}, login)
	if err != nil {
		t.Fatal(err)
	}
	if sa == sb || sa.Token == sb.Token || n.Load() != 2 || c.size() != 2 {
		t.Errorf("sessions %q and %q, %d logins", sa.Token, sb.Token, n.Load())
	}
	again, _ := c.Get(t.Context(), Key(a), platform.Need{}, login)
	if again != sa || n.Load() != 2 {
		t.Error("first credentials' session not reused")
	}
}

func TestPassingFailuresNotCached(t *testing.T) {
	// A failure that may heal (here a 503 after every retry) is not
	// remembered: the next call tries again, and a success is cached.
	c := New(Options{})
	var n atomic.Int64
	boom := &platform.Error{Kind: platform.KindServer, Status: 503}
	fail := func(context.Context, *platform.Session) (*platform.Session, error) {
		n.Add(1)
		return nil, boom
	}
	key := Key(baseCreds())
	for i := 1; i <= 3; i++ {
		s, err := c.Get(t.Context(), key, platform.Need{}, fail)
		if s != nil || !errors.Is(err, boom) {
			t.Fatalf("call %d: %v %v", i, s, err)
		}
		if n.Load() != int64(i) {
			t.Fatalf("call %d: %d logins; a passing failure must not be cached", i, n.Load())
		}
	}
	if c.size() != 0 {
		t.Errorf("size() = %d after failures", c.size())
	}
	ok := func(context.Context, *platform.Session) (*platform.Session, error) {
		n.Add(1)
		return &platform.Session{Token: "finally", ExpiresAt: time.Now().Add(time.Hour), ObtainedAt: time.Now()}, nil
	}
	s, err := c.Get(t.Context(), key, platform.Need{}, ok)
	if err != nil || s.Token != "finally" || n.Load() != 4 {
		t.Errorf("after failures: %v %v, %d logins", s, err, n.Load())
	}
	if again, _ := c.Get(t.Context(), key, platform.Need{}, ok); again != s || n.Load() != 4 {
		t.Error("the success was not cached")
	}
}

func TestRefusedLoginRemembered(t *testing.T) {
	c := New(Options{})
	var n atomic.Int64
	refused := &platform.Error{Kind: platform.KindBadCredentials, Status: 401, Attempts: 1}
	login := LoginFunc(func(context.Context, *platform.Session) (*platform.Session, error) {
		n.Add(1)
		time.Sleep(20 * time.Millisecond) // let concurrent callers pile up
		return nil, refused
	})
	key := Key(baseCreds())
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() { _, errs[i] = c.Get(t.Context(), key, platform.Need{}, login) })
	}
	wg.Wait()
	for range 20 {
		_, err := c.Get(t.Context(), key, platform.Need{}, login)
		errs = append(errs, err)
	}
	if n.Load() != 1 {
		t.Fatalf("%d logins for 40 callers; a refused login must be sent once", n.Load())
	}
	for i, err := range errs {
		if err != refused { // the very same error value, not one like it
			t.Fatalf("caller %d got %v, want the first refusal", i, err)
		}
	}
	// Other credentials are not affected.
	other := baseCreds()
	other.Password = "pw-2"
	okLogin := counter(newClock(), &n, time.Hour)
	if _, err := c.Get(t.Context(), Key(other), platform.Need{}, okLogin); err != nil {
		t.Errorf("other credentials: %v", err)
	}
}

func TestRememberedKinds(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&platform.Error{Kind: platform.KindBadCredentials, Status: 401}, true},
		{&platform.Error{Kind: platform.KindForbidden, Status: 403}, true},
		{&platform.Error{Kind: platform.KindNotFound, Status: 404}, true},
		{&platform.Error{Kind: platform.KindTLS}, true},
		{&platform.Error{Kind: platform.KindMalformed, Field: "token"}, true},
		{&platform.Error{Kind: platform.KindTooLarge, Status: 200}, true},
		{&platform.Error{Kind: platform.KindRedirect, Status: 302}, true},
		{&platform.Error{Kind: platform.KindInvalidConfig}, true},
		{&platform.Error{Kind: platform.KindUnexpectedStatus, Status: 400}, true},
		{&platform.Error{Kind: platform.KindUnexpectedStatus, Status: 418}, true},
		{&platform.Error{Kind: platform.KindUnexpectedStatus, Status: 429}, false},
		{&platform.Error{Kind: platform.KindUnexpectedStatus, Status: 501}, false},
		{&platform.Error{Kind: platform.KindUnexpectedStatus, Status: 202}, false},
		{&platform.Error{Kind: platform.KindRateLimited, Status: 429}, false},
		{&platform.Error{Kind: platform.KindServer, Status: 503}, false},
		{&platform.Error{Kind: platform.KindTimeout}, false},
		{&platform.Error{Kind: platform.KindUnreachable}, false},
		{&platform.Error{Kind: platform.KindTokenRejected, Status: 401}, false},
		{&platform.Error{Kind: platform.KindUnknown, Detail: "cancelled"}, false},
		{context.Canceled, false},
		{context.DeadlineExceeded, false},
		{fmt.Errorf("wrapped: %w", &platform.Error{Kind: platform.KindBadCredentials}), true},
	}
	for _, tc := range cases {
		if got := remembered(tc.err); got != tc.want {
			t.Errorf("remembered(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestReuseUntilMargin(t *testing.T) {
	clk := newClock()
	c := New(Options{Now: clk.Now})
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
	key := Key(baseCreds())
	first, err := c.Get(t.Context(), key, platform.Need{}, login)
	if err != nil || n.Load() != 1 {
		t.Fatalf("first Get: %v", err)
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
		s, err := c.Get(t.Context(), key, platform.Need{}, login)
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
	c := New(Options{Now: clk.Now, MaxAge: 30 * time.Minute})
	var n atomic.Int64
	login := counter(clk, &n, 0)
	key := Key(baseCreds())
	if _, err := c.Get(t.Context(), key, platform.Need{}, login); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30*time.Minute - time.Nanosecond)
	if _, err := c.Get(t.Context(), key, platform.Need{}, login); err != nil || n.Load() != 1 {
		t.Errorf("just under MaxAge: %v, %d logins", err, n.Load())
	}
	clk.Advance(time.Nanosecond)
	if s, _ := c.Get(t.Context(), key, platform.Need{}, login); n.Load() != 2 || s.Token != "token-2" {
		t.Errorf("at MaxAge: %d logins, token %q", n.Load(), s.Token)
	}
}

func TestDefaults(t *testing.T) {
	c := New(Options{})
	now := time.Now()
	long := now.Add(-time.Hour) // obtained an hour ago: the margin is 60s
	cases := []struct {
		s     *platform.Session
		fresh bool
	}{
		{&platform.Session{ObtainedAt: long, ExpiresAt: now.Add(maxMargin + time.Second)}, true},
		{&platform.Session{ObtainedAt: long, ExpiresAt: now.Add(maxMargin)}, false},
		{&platform.Session{ObtainedAt: long, ExpiresAt: now.Add(-time.Minute)}, false},
		// A 40s token: the margin is a quarter of its life, 10s.
		{&platform.Session{ObtainedAt: now.Add(-29 * time.Second), ExpiresAt: now.Add(11 * time.Second)}, true},
		{&platform.Session{ObtainedAt: now.Add(-30 * time.Second), ExpiresAt: now.Add(10 * time.Second)}, false},
		// Unknown expiry: MaxAge.
		{&platform.Session{ObtainedAt: now.Add(-DefaultMaxAge + time.Second)}, true},
		{&platform.Session{ObtainedAt: now.Add(-DefaultMaxAge)}, false},
		// Issued already expired (or expiring the instant it was issued):
		// reused like a session without expiry.
		{&platform.Session{ObtainedAt: now.Add(-time.Minute), ExpiresAt: now.Add(-2 * time.Minute)}, true},
		{&platform.Session{ObtainedAt: now.Add(-time.Minute), ExpiresAt: now.Add(-time.Minute)}, true},
		{&platform.Session{ObtainedAt: now.Add(-DefaultMaxAge), ExpiresAt: now.Add(-2 * DefaultMaxAge)}, false},
	}
	for i, tc := range cases {
		if got := c.fresh(tc.s, now, platform.Need{}); got != tc.fresh {
			t.Errorf("case %d: fresh = %v, want %v", i, got, tc.fresh)
		}
	}
}

// TestLifetimeScaledMargin: many sequential callers share one login both
// for a token shorter-lived than the 60-second margin and for one that the
// platform issued already expired.
func TestLifetimeScaledMargin(t *testing.T) {
	for name, life := range map[string]time.Duration{"45s token": 45 * time.Second, "issued expired": -time.Minute} {
		t.Run(name, func(t *testing.T) {
			clk := newClock()
			c := New(Options{Now: clk.Now})
			var n atomic.Int64
			login := func(context.Context, *platform.Session) (*platform.Session, error) {
				n.Add(1)
				return &platform.Session{Token: "t", ObtainedAt: clk.Now(), ExpiresAt: clk.Now().Add(life)}, nil
			}
			key := Key(baseCreds())
			for range 50 {
				if _, err := c.Get(t.Context(), key, platform.Need{}, login); err != nil {
					t.Fatal(err)
				}
				clk.Advance(100 * time.Millisecond)
			}
			if n.Load() != 1 {
				t.Errorf("%d logins for 50 sequential callers, want 1", n.Load())
			}
		})
	}
	// The 45s token is replaced once less than a quarter of its life is left.
	clk := newClock()
	c := New(Options{Now: clk.Now})
	var n atomic.Int64
	login := counter(clk, &n, 45*time.Second)
	key := Key(baseCreds())
	_, _ = c.Get(t.Context(), key, platform.Need{}, login)
	clk.Advance(33 * time.Second) // 12s left, more than 11.25s
	_, _ = c.Get(t.Context(), key, platform.Need{}, login)
	clk.Advance(time.Second) // 11s left
	_, _ = c.Get(t.Context(), key, platform.Need{}, login)
	if n.Load() != 2 {
		t.Errorf("%d logins, want 2", n.Load())
	}
}

func TestCancelledCallerDoesNotCancelSharedLogin(t *testing.T) {
	c := New(Options{})
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
	key := Key(baseCreds())

	ctxA, cancelA := context.WithCancel(t.Context())
	errA := make(chan error, 1)
	go func() {
		_, err := c.Get(ctxA, key, platform.Need{}, login)
		errA <- err
	}()
	<-started
	resB := make(chan *platform.Session, 1)
	go func() {
		s, err := c.Get(t.Context(), key, platform.Need{}, login)
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
	if got, _ := c.Get(t.Context(), key, platform.Need{}, login); got != s || n.Load() != 1 {
		t.Error("the shared login's session was not cached")
	}
}

func TestKeyDiffersForEachField(t *testing.T) {
	base := platform.Credentials{
		Platform: "monogoto", BaseURL: "https://console.monogoto.io", Username: "demo@monogoto.io",
		Password: "pw", Options: map[string]string{"api_version": "legacy", "remember_me": "false"},
	}
	variants := map[string]func(*platform.Credentials){
		"Platform":     func(c *platform.Credentials) { c.Platform = "bienport" },
		"BaseURL":      func(c *platform.Credentials) { c.BaseURL = "https://console.monogoto.io/v2" },
		"Username":     func(c *platform.Credentials) { c.Username = "other@monogoto.io" },
		"Password":     func(c *platform.Credentials) { c.Password = "pw2" },
		"ClientID":     func(c *platform.Credentials) { c.ClientID = "svc" },
		"ClientSecret": func(c *platform.Credentials) { c.ClientSecret = "s" },
		"APIKey":       func(c *platform.Credentials) { c.APIKey = "k" },
		"option value": func(c *platform.Credentials) {
			c.Options = map[string]string{"api_version": "v1", "remember_me": "false"}
		},
		"option value2": func(c *platform.Credentials) {
			c.Options = map[string]string{"api_version": "legacy", "remember_me": "true"}
		},
		"new option": func(c *platform.Credentials) {
			c.Options = map[string]string{"api_version": "legacy", "remember_me": "false", "realm": "r"}
		},
		"option name": func(c *platform.Credentials) {
			c.Options = map[string]string{"api_versio": "nlegacy", "remember_me": "false"}
		},
	}
	baseKey := Key(base)
	seen := map[string]string{baseKey: "base"}
	for name, mutate := range variants {
		cr := base
		mutate(&cr)
		k := Key(cr)
		if prev, dup := seen[k]; dup {
			t.Errorf("changing %s gives the same key as %s", name, prev)
		}
		seen[k] = name
	}
	if len(baseKey) != 64 || strings.Contains(baseKey, "pw") {
		t.Errorf("key %q is not a SHA-256 hex digest", baseKey)
	}
	if Key(base) != baseKey {
		t.Error("Key is not deterministic")
	}

	// Moving bytes between adjacent fields never collides: each field is
	// length-prefixed, and so are the options' names and values.
	for collision, pair := range map[string][2]func(*platform.Credentials){
		"length prefixes missing: (ab, c) and (a, bc) collide": {
			func(c *platform.Credentials) { c.Username, c.Password = "ab", "c" },
			func(c *platform.Credentials) { c.Username, c.Password = "a", "bc" },
		},
		"client ID and secret collide": {
			func(c *platform.Credentials) { c.ClientID, c.ClientSecret = "x", "" },
			func(c *platform.Credentials) { c.ClientID, c.ClientSecret = "", "x" },
		},
		"client secret and API key collide": {
			func(c *platform.Credentials) { c.ClientSecret, c.APIKey = "x", "" },
			func(c *platform.Credentials) { c.ClientSecret, c.APIKey = "", "x" },
		},
		"options (ab=c) and (a=bc) collide": {
			func(c *platform.Credentials) { c.Options = map[string]string{"ab": "c"} },
			func(c *platform.Credentials) { c.Options = map[string]string{"a": "bc"} },
		},
	} {
		a, b := base, base
		pair[0](&a)
		pair[1](&b)
		if Key(a) == Key(b) {
			t.Error(collision)
		}
	}
	if k := Key(platform.Credentials{Platform: "thingsboard", APIKey: "key-abcdef"}); strings.Contains(k, "key-abcdef") {
		t.Error("the API key shows in the key")
	}

	// Base URLs that normalize alike share a key.
	n1, n2 := base, base
	n2.BaseURL = " https://console.monogoto.io/ "
	if Key(n1) != Key(n2) {
		t.Error("equivalent base URLs give different keys")
	}

	// The order of the options does not matter (a map has none), and an
	// empty option reads the same as a missing one.
	o1, o2 := base, base
	o2.Options = map[string]string{"remember_me": "false", "api_version": "legacy", "realm": ""}
	for range 20 {
		if Key(o1) != Key(o2) {
			t.Fatal("equivalent options give different keys")
		}
	}
}

func TestLoginWithoutSessionIsAnError(t *testing.T) {
	// A LoginFunc returning (nil, nil) must not hand callers a nil session.
	c := New(Options{})
	s, err := c.Get(t.Context(), "k", platform.Need{}, func(context.Context, *platform.Session) (*platform.Session, error) { return nil, nil })
	if s != nil || !platform.IsKind(err, platform.KindUnknown) {
		t.Errorf("got %v, %v; want a KindUnknown error", s, err)
	}
	if c.size() != 0 {
		t.Errorf("size() = %d", c.size())
	}
}

// TestMinValidity: a cached session with less validity left than a caller
// needs is replaced (the old one handed to the login, for a refresh), and
// one with enough left is reused, whatever other callers need.
func TestMinValidity(t *testing.T) {
	clk := newClock()
	c := New(Options{Now: clk.Now})
	var n atomic.Int64
	var prevs []*platform.Session
	base := counter(clk, &n, 10*time.Minute)
	login := func(ctx context.Context, prev *platform.Session) (*platform.Session, error) {
		prevs = append(prevs, prev)
		return base(ctx, prev)
	}
	key := Key(baseCreds())
	five := platform.Need{MinValidity: 5 * time.Minute}
	first, err := c.Get(t.Context(), key, five, login)
	if err != nil || n.Load() != 1 {
		t.Fatalf("first Get: %v, %d logins", err, n.Load())
	}
	clk.Advance(4 * time.Minute) // 6m left
	if s, err := c.Get(t.Context(), key, five, login); err != nil || s != first || n.Load() != 1 {
		t.Fatalf("6m left, 5m needed: %v, %d logins", err, n.Load())
	}
	clk.Advance(2 * time.Minute) // 4m left: enough for a caller without a need
	if s, err := c.Get(t.Context(), key, platform.Need{}, login); err != nil || s != first || n.Load() != 1 {
		t.Fatalf("4m left, nothing needed: %v, %d logins", err, n.Load())
	}
	second, err := c.Get(t.Context(), key, five, login)
	if err != nil || second == first || n.Load() != 2 {
		t.Fatalf("4m left, 5m needed: %v, %d logins", err, n.Load())
	}
	if second.ExpiresAt.Sub(clk.Now()) != 10*time.Minute || len(prevs) != 2 || prevs[1] != first {
		t.Errorf("the replacement expires in %s; logins were handed %v", second.ExpiresAt.Sub(clk.Now()), prevs)
	}
	// Exactly the need left is not enough: more is required.
	clk.Advance(5 * time.Minute)
	if s, _ := c.Get(t.Context(), key, five, login); s == second || n.Load() != 3 {
		t.Errorf("exactly 5m left for a 5m need: %d logins, want a new one", n.Load())
	}
}

// TestMinValidityImpossible: when the platform's tokens cannot last as long
// as a caller needs, the caller gets a KindTokenTooShort error after one
// login, and every later caller with that need gets it without a login,
// however many ask at once; callers that need less still share the session.
func TestMinValidityImpossible(t *testing.T) {
	clk := newClock()
	c := New(Options{Now: clk.Now})
	var n atomic.Int64
	login := counter(clk, &n, 5*time.Minute)
	key := Key(baseCreds())
	ten := platform.Need{MinValidity: 10 * time.Minute}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() { _, errs[i] = c.Get(t.Context(), key, ten, login) })
	}
	wg.Wait()
	for i, err := range errs {
		if !platform.IsKind(err, platform.KindTokenTooShort) {
			t.Fatalf("caller %d: %v, want a too-short error", i, err)
		}
	}
	if n.Load() != 1 {
		t.Fatalf("%d logins, want exactly 1", n.Load())
	}
	const want = "token request failed: token lifetime too short: a new token lasts 5m0s, and min_validity asks for 10m0s"
	if got := errs[0].Error(); got != want {
		t.Errorf("error:\n got %q\nwant %q", got, want)
	}
	// Exactly the token's lifetime cannot be met either (more is required).
	if _, err := c.Get(t.Context(), key, platform.Need{MinValidity: 5 * time.Minute}, login); !platform.IsKind(err, platform.KindTokenTooShort) {
		t.Errorf("a need equal to the lifetime: %v", err)
	}
	// Later, with the cached session expired: still no login for the need.
	clk.Advance(time.Hour)
	if _, err := c.Get(t.Context(), key, ten, login); !platform.IsKind(err, platform.KindTokenTooShort) || n.Load() != 1 {
		t.Errorf("later: %v, %d logins", err, n.Load())
	}
	// A caller that needs 4m logs in once (the cached session has expired)
	// and is served.
	if s, err := c.Get(t.Context(), key, platform.Need{MinValidity: 4 * time.Minute}, login); err != nil || s == nil || n.Load() != 2 {
		t.Errorf("4m need: %v, %d logins", err, n.Load())
	}
}

// TestMinValidityUnknownExpiry: a session whose expiry is unknown counts as
// valid for MaxAge after its login.
func TestMinValidityUnknownExpiry(t *testing.T) {
	clk := newClock()
	c := New(Options{Now: clk.Now, MaxAge: 30 * time.Minute})
	var n atomic.Int64
	login := counter(clk, &n, 0)
	key := Key(baseCreds())
	twenty := platform.Need{MinValidity: 20 * time.Minute}
	if _, err := c.Get(t.Context(), key, twenty, login); err != nil || n.Load() != 1 {
		t.Fatalf("20m of 30m: %v", err)
	}
	clk.Advance(9 * time.Minute) // 21m left
	if _, err := c.Get(t.Context(), key, twenty, login); err != nil || n.Load() != 1 {
		t.Fatalf("21m left: %v, %d logins", err, n.Load())
	}
	clk.Advance(time.Minute) // 20m left: not more than needed
	if _, err := c.Get(t.Context(), key, twenty, login); err != nil || n.Load() != 2 {
		t.Fatalf("20m left: %v, %d logins", err, n.Load())
	}
	_, err := c.Get(t.Context(), key, platform.Need{MinValidity: 30 * time.Minute}, login)
	const want = "token request failed: token lifetime too short: the platform does not say when its tokens expire, " +
		"so a token counts as valid for session_max_age (30m0s) after its login, and min_validity asks for 30m0s"
	if err == nil || err.Error() != want || n.Load() != 2 {
		t.Errorf("30m need with a 30m maximum age: %v (%d logins)", err, n.Load())
	}
}

// TestRetireAndDrop: a retired session is not handed out again but is
// passed to the next login (so that it can refresh it); a dropped session
// is forgotten altogether. Either only acts on the cached session itself.
func TestRetireAndDrop(t *testing.T) {
	clk := newClock()
	c := New(Options{Now: clk.Now})
	var n atomic.Int64
	var prevs []*platform.Session
	base := counter(clk, &n, time.Hour)
	login := func(ctx context.Context, prev *platform.Session) (*platform.Session, error) {
		prevs = append(prevs, prev)
		return base(ctx, prev)
	}
	key := Key(baseCreds())
	first, _ := c.Get(t.Context(), key, platform.Need{}, login)
	c.Retire(key, &platform.Session{}) // not the cached session: no effect
	c.Drop(key, &platform.Session{})
	if s, _ := c.Get(t.Context(), key, platform.Need{}, login); s != first || n.Load() != 1 {
		t.Fatalf("retiring or dropping another session changed the cache")
	}
	c.Retire(key, first)
	second, _ := c.Get(t.Context(), key, platform.Need{}, login)
	if second == first || n.Load() != 2 || prevs[1] != first {
		t.Fatalf("after Retire: %d logins, previous %v", n.Load(), prevs)
	}
	if s, _ := c.Get(t.Context(), key, platform.Need{}, login); s != second || n.Load() != 2 {
		t.Fatal("the replacement of a retired session is not reused")
	}
	c.Drop(key, second)
	if c.size() != 0 {
		t.Fatal("Drop kept the session")
	}
	if _, _ = c.Get(t.Context(), key, platform.Need{}, login); n.Load() != 3 || prevs[2] != nil {
		t.Errorf("after Drop: %d logins, previous %v", n.Load(), prevs[2])
	}
}

func TestMargin(t *testing.T) {
	for life, want := range map[time.Duration]time.Duration{
		5 * time.Second: 1250 * time.Millisecond, 4 * time.Minute: time.Minute, 5 * time.Minute: time.Minute, 3 * time.Hour: time.Minute,
	} {
		if got := Margin(life); got != want {
			t.Errorf("Margin(%s) = %s, want %s", life, got, want)
		}
	}
}

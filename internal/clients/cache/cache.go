// Package cache keeps one login per credential set per provider process.
// Concurrent callers with the same key share one in-flight login
// (golang.org/x/sync/singleflight); a session is reused until it is close
// to its expiry (or older than a maximum age when the platform does not say
// when it expires); and a login that failed in a way that cannot heal
// within one Terraform command (the platform refused the credentials, the
// base URL is wrong, the certificate is not trusted...) is remembered, so
// that the same credentials are never sent again by this process. A
// Terraform run must never be what locks a user's account.
//
// Freshness is decided here and only here: a caller states what it needs
// (platform.Need: how long the token must stay valid), and a cached session
// with less left is not handed out. When even a new login could not meet
// the need (the platform's tokens are shorter-lived than that), the caller
// gets a KindTokenTooShort error after at most one login, never a loop of
// logins.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// DefaultMaxAge bounds the reuse of a session whose expiry is unknown.
const DefaultMaxAge = time.Hour

// maxMargin is the longest a session is given up before its expiry, so
// that a caller never receives a token that expires while it is in use.
// Shorter-lived tokens get a quarter of their lifetime instead (see fresh).
const maxMargin = 60 * time.Second

// Options tune the cache.
type Options struct {
	// MaxAge bounds the reuse of a session whose expiry is unknown. Zero
	// means DefaultMaxAge.
	MaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// LoginFunc performs a login. prev is the cached session that is too close
// to its expiry, or nil; a login function may use it to refresh instead of
// logging in again.
type LoginFunc func(ctx context.Context, prev *platform.Session) (*platform.Session, error)

// Cache is safe for concurrent use.
type Cache struct {
	opts  Options
	group singleflight.Group

	mu       sync.Mutex
	sessions map[string]*platform.Session
	// retired marks keys whose cached session is no longer handed out
	// (Retire); it is still passed to the next login as prev.
	retired map[string]bool
	// failures holds, per key, the error of a login that will fail again
	// if repeated (see remembered).
	failures map[string]error
}

// New returns an empty cache.
func New(opts Options) *Cache {
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{opts: opts, sessions: map[string]*platform.Session{}, retired: map[string]bool{}, failures: map[string]error{}}
}

// Key identifies a credential set: platform, base URL, user name and
// password, client ID and secret, API key, and every platform setting, so
// that different credentials never share a session. The parts are hashed
// (SHA-256) so that no password, secret or key is ever kept as a map key.
func Key(cr platform.Credentials) string {
	parts := []string{
		string(cr.Platform), platform.NormalizeBaseURL(cr.BaseURL),
		cr.Username, cr.Password, cr.ClientID, cr.ClientSecret, cr.APIKey,
	}
	// An empty setting reads the same as a missing one (Option returns ""
	// for both), so it does not change the key.
	names := make([]string, 0, len(cr.Options))
	for name, v := range cr.Options {
		if v != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		parts = append(parts, name, cr.Options[name])
	}
	h := sha256.New()
	for _, part := range parts {
		// Length-prefix each part so that no two different tuples collide.
		h.Write([]byte(strconv.Itoa(len(part))))
		h.Write([]byte{0})
		h.Write([]byte(part))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Margin is how long before its expiry a session of the given lifetime
// is given up: 60 seconds, or a quarter of its lifetime when that is
// shorter, so that a 45-second token is still reused for most of its life.
// It is also when the provider asks Terraform to renew (RenewAt): a
// token is handed out until then, and no longer.
func Margin(life time.Duration) time.Duration {
	return min(maxMargin, life/4)
}

// lifetime is how long s was valid for when it was issued, and whether the
// platform said so. A session whose expiry is unknown, or that was issued
// already expired (a platform clock behind ours), counts as valid for
// MaxAge after its login, rather than logging in for every caller.
func (c *Cache) lifetime(s *platform.Session) (time.Duration, bool) {
	life := s.ExpiresAt.Sub(s.ObtainedAt)
	if s.ExpiresAt.IsZero() || life <= 0 {
		return c.opts.MaxAge, false
	}
	return life, true
}

// remaining is how long s stays valid after now (see lifetime).
func (c *Cache) remaining(s *platform.Session, now time.Time) time.Duration {
	life, known := c.lifetime(s)
	if !known {
		return s.ObtainedAt.Add(life).Sub(now)
	}
	return s.ExpiresAt.Sub(now)
}

// required is how much validity s must have left to be handed out for
// need: the margin before a known expiry, or need.MinValidity when it is
// longer.
func (c *Cache) required(s *platform.Session, need platform.Need) time.Duration {
	life, known := c.lifetime(s)
	if !known {
		return need.MinValidity
	}
	return max(Margin(life), need.MinValidity)
}

// fresh reports whether s may still be handed out at now for need.
func (c *Cache) fresh(s *platform.Session, now time.Time, need platform.Need) bool {
	return c.remaining(s, now) > c.required(s, need)
}

// couldLast reports whether a new session like s (same platform, same
// credentials, so the same lifetime) could meet need.
func (c *Cache) couldLast(s *platform.Session, need platform.Need) bool {
	life, _ := c.lifetime(s)
	return life > c.required(s, need)
}

// tooShort is the error for a need that no session like s can meet.
func (c *Cache) tooShort(s *platform.Session, need platform.Need) error {
	life, known := c.lifetime(s)
	detail := fmt.Sprintf("a new token lasts %s, and min_validity asks for %s",
		life.Round(time.Second), need.MinValidity)
	if !known {
		detail = fmt.Sprintf("the platform does not say when its tokens expire, so a token counts as valid "+
			"for session_max_age (%s) after its login, and min_validity asks for %s", life, need.MinValidity)
	}
	return &platform.Error{Kind: platform.KindTokenTooShort, Op: "token request", Detail: detail}
}

// lookup returns the remembered failure or the session for key that is
// fresh for need; prev is the cached session, fresh or not. When the
// cached session is not fresh and no new login could meet need, it returns
// the KindTokenTooShort error without a login.
func (c *Cache) lookup(key string, now time.Time, need platform.Need) (*platform.Session, *platform.Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.failures[key]; err != nil {
		return nil, nil, err
	}
	s := c.sessions[key]
	switch {
	case s == nil:
		return nil, nil, nil
	case !c.retired[key] && c.fresh(s, now, need):
		return s, s, nil
	case !c.couldLast(s, need):
		return nil, s, c.tooShort(s, need)
	}
	return nil, s, nil
}

// Get returns the cached session for key when it is fresh for need, or
// runs login (once, however many callers ask at the same time) and caches
// its result. When a login failed in a way that will not heal (see
// remembered), every later call for key returns the same error without
// running login again. When even a new session would not meet need, Get
// returns a KindTokenTooShort error: after the one login that showed the
// platform's token lifetime, and without any login once a session of that
// lifetime is cached.
func (c *Cache) Get(ctx context.Context, key string, need platform.Need, login LoginFunc) (*platform.Session, error) {
	for round := 0; ; round++ {
		s, led, err := c.get(ctx, key, need, login)
		if err != nil {
			return nil, err
		}
		switch {
		case need.MinValidity <= 0:
			// Without a need, what a login returns is handed out as it
			// is (a cached session was checked by lookup).
			return s, nil
		case led:
			// This caller's own login: the session is as new as it gets,
			// so its lifetime decides (not the few milliseconds since).
			if c.couldLast(s, need) {
				return s, nil
			}
			return nil, c.tooShort(s, need)
		case c.fresh(s, c.opts.Now(), need):
			return s, nil
		case round > 0 || !c.couldLast(s, need):
			return nil, c.tooShort(s, need)
		}
		// This caller joined another caller's login, or was handed the
		// session that login found cached, fresh enough for that
		// caller's need only: one more round logs in for this one.
	}
}

// get is one round of Get: the cached session fresh for need, or the
// result of a login, shared with concurrent callers. led reports that this
// caller's need decided the login (it was not another caller's).
func (c *Cache) get(ctx context.Context, key string, need platform.Need, login LoginFunc) (s *platform.Session, led bool, err error) {
	s, _, err = c.lookup(key, c.opts.Now(), need)
	if s != nil || err != nil {
		return s, false, err
	}
	// The shared login must not die with the first caller's context: it
	// runs detached (its own timeouts still apply), and each caller waits
	// on its own context. Only this caller's function runs if it leads,
	// so only then is leads set; it is atomic because the login goes on
	// after a caller that gave up (its context ended) has returned.
	var leads atomic.Bool
	ch := c.group.DoChan(key, func() (any, error) {
		// Another caller may have finished a login while we queued.
		cur, prev, err := c.lookup(key, c.opts.Now(), need)
		if cur != nil || err != nil {
			return cur, err
		}
		leads.Store(true)
		ns, err := login(context.WithoutCancel(ctx), prev)
		if err == nil && ns == nil {
			// A typed nil would pass the type assertion below and reach
			// callers as a nil session without an error.
			err = &platform.Error{Kind: platform.KindUnknown, Detail: "internal error: the login returned no session"}
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if err != nil {
			if remembered(err) {
				c.failures[key] = err
			}
			return nil, err
		}
		c.sessions[key] = ns
		delete(c.retired, key)
		return ns, nil
	})
	select {
	case <-ctx.Done():
		return nil, false, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, false, r.Err
		}
		ns, ok := r.Val.(*platform.Session)
		if !ok {
			return nil, false, &platform.Error{Kind: platform.KindUnknown, Detail: "internal error: the session cache held no session"}
		}
		return ns, leads.Load(), nil
	}
}

// Retire stops handing out s when it is key's cached session: the next
// caller gets a new login, or a refresh of s where the platform can
// refresh. The provider retires a session when Terraform asks to renew a
// token that is about to expire while in use.
func (c *Cache) Retire(key string, s *platform.Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sessions[key] == s {
		c.retired[key] = true
	}
}

// Drop forgets s when it is key's cached session, so that it is neither
// handed out nor refreshed again: a revoked session.
func (c *Cache) Drop(key string, s *platform.Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sessions[key] == s {
		delete(c.sessions, key)
		delete(c.retired, key)
	}
}

// remembered reports whether a login that failed with err would fail the
// same way if sent again within one command: the platform refused the
// credentials or answered with a client error, or the configuration points
// at something that is not the platform (wrong base URL, untrusted
// certificate, a redirect elsewhere, answers it cannot read). Sending a
// refused password again is what locks accounts. Timeouts, unreachable
// hosts, server errors, rate limits (429) and cancellations may heal, and
// are not remembered.
func remembered(err error) bool {
	e, ok := platform.AsError(err)
	if !ok {
		return false
	}
	switch e.Kind {
	case platform.KindBadCredentials, platform.KindForbidden, platform.KindNotFound, platform.KindTLS,
		platform.KindMalformed, platform.KindTooLarge, platform.KindRedirect, platform.KindInvalidConfig:
		return true
	case platform.KindUnexpectedStatus:
		return e.Status >= 400 && e.Status < 500 && e.Status != http.StatusTooManyRequests
	}
	return false
}

// Package cache keeps one login per credential set per provider process.
// Concurrent callers with the same key share one in-flight login
// (golang.org/x/sync/singleflight); a session is reused until it is close
// to its expiry (or older than a maximum age when the platform does not say
// when it expires); and a login that failed in a way that cannot heal
// within one Terraform command (the platform refused the credentials, the
// base URL is wrong, the certificate is not trusted...) is remembered, so
// that the same credentials are never sent again by this process. A
// Terraform run must never be what locks a user's account.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"sync"
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
	return &Cache{opts: opts, sessions: map[string]*platform.Session{}, failures: map[string]error{}}
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

// fresh reports whether s may still be handed out at now. A session is
// given up shortly before its expiry: 60 seconds, or a quarter of its
// lifetime when that is shorter, so that a 45-second token is still reused
// for most of its life. A session whose expiry is unknown, or that was
// issued already expired (a platform clock behind ours), is reused until
// MaxAge, like one without expiry, rather than logging in for every caller.
func (c *Cache) fresh(s *platform.Session, now time.Time) bool {
	life := s.ExpiresAt.Sub(s.ObtainedAt)
	if s.ExpiresAt.IsZero() || life <= 0 {
		return now.Sub(s.ObtainedAt) < c.opts.MaxAge
	}
	return s.ExpiresAt.Sub(now) > min(maxMargin, life/4)
}

// lookup returns the remembered failure or the fresh session for key.
func (c *Cache) lookup(key string, now time.Time) (*platform.Session, *platform.Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.failures[key]; err != nil {
		return nil, nil, err
	}
	s := c.sessions[key]
	if s != nil && c.fresh(s, now) {
		return s, s, nil
	}
	return nil, s, nil
}

// Get returns the cached session for key, or runs login (once, however
// many callers ask at the same time) and caches its result. When a login
// failed in a way that will not heal (see remembered), every later call
// for key returns the same error without running login again.
func (c *Cache) Get(ctx context.Context, key string, login LoginFunc) (*platform.Session, error) {
	s, prev, err := c.lookup(key, c.opts.Now())
	if s != nil || err != nil {
		return s, err
	}
	// The shared login must not die with the first caller's context: it
	// runs detached (its own timeouts still apply), and each caller waits
	// on its own context.
	ch := c.group.DoChan(key, func() (any, error) {
		// Another caller may have finished a login while we queued.
		cur, _, err := c.lookup(key, c.opts.Now())
		if cur != nil || err != nil {
			return cur, err
		}
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
		return ns, nil
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		ns, ok := r.Val.(*platform.Session)
		if !ok {
			return nil, &platform.Error{Kind: platform.KindUnknown, Detail: "internal error: the session cache held no session"}
		}
		return ns, nil
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

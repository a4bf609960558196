// Package cache keeps one login per credential set per provider process.
// Concurrent callers with the same key share one in-flight login
// (golang.org/x/sync/singleflight); a session is reused until it is within a
// safety margin of its expiry (or older than a maximum age when the platform
// does not say when it expires); failed logins are never cached.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Defaults for Options' zero values.
const (
	DefaultMargin = 60 * time.Second
	DefaultMaxAge = time.Hour
)

// Options tune the cache.
type Options struct {
	// Margin: a session closer than this to its expiry is not reused.
	Margin time.Duration
	// MaxAge bounds the reuse of a session whose expiry is unknown.
	MaxAge time.Duration
	// Disabled turns reuse off (every call logs in; concurrent calls
	// still share one in-flight login).
	Disabled bool
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
}

// New returns an empty cache.
func New(opts Options) *Cache {
	if opts.Margin <= 0 {
		opts.Margin = DefaultMargin
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{opts: opts, sessions: map[string]*platform.Session{}}
}

// Key identifies a credential set: platform, base URL, API variant, user
// (or client ID), remember-me, and a SHA-256 of the password or client
// secret, so that different credentials never share a session while the
// password itself is never kept as a map key.
func Key(cr platform.Credentials) string {
	h := sha256.New()
	for _, part := range []string{
		string(cr.Platform), platform.NormalizeBaseURL(cr.BaseURL), cr.MonogotoAPI,
		cr.Username, cr.Password, cr.ClientID, cr.ClientSecret, cr.Realm,
		strconv.FormatBool(cr.RememberMe),
	} {
		// Length-prefix each part so that no two different tuples collide.
		h.Write([]byte(strconv.Itoa(len(part))))
		h.Write([]byte{0})
		h.Write([]byte(part))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Fresh reports whether s may still be handed out at now.
func (c *Cache) Fresh(s *platform.Session, now time.Time) bool {
	if s.ExpiresAt.IsZero() {
		return now.Sub(s.ObtainedAt) < c.opts.MaxAge
	}
	return s.ExpiresAt.Sub(now) > c.opts.Margin
}

// Get returns the cached session for key, or runs login (once, however
// many callers ask at the same time) and caches its result. hit reports
// whether no login ran for this caller's request.
func (c *Cache) Get(ctx context.Context, key string, login LoginFunc) (s *platform.Session, hit bool, err error) {
	now := c.opts.Now()
	var prev *platform.Session
	if !c.opts.Disabled {
		c.mu.Lock()
		prev = c.sessions[key]
		c.mu.Unlock()
		if prev != nil && c.Fresh(prev, now) {
			return prev, true, nil
		}
	}
	// The shared login must not die with the first caller's context: it
	// runs detached (its own timeouts still apply), and each caller waits
	// on its own context.
	ch := c.group.DoChan(key, func() (any, error) {
		// Another caller may have finished a login while we queued.
		if !c.opts.Disabled {
			c.mu.Lock()
			cur := c.sessions[key]
			c.mu.Unlock()
			if cur != nil && cur != prev && c.Fresh(cur, c.opts.Now()) {
				return cur, nil
			}
		}
		ns, lerr := login(context.WithoutCancel(ctx), prev)
		if lerr != nil {
			return nil, lerr
		}
		if ns == nil {
			// A typed nil would pass the type assertion below and reach
			// callers as a nil session without an error.
			return nil, &platform.Error{Kind: platform.KindUnknown, Detail: "internal error: the login returned no session"}
		}
		c.mu.Lock()
		if c.opts.Disabled {
			delete(c.sessions, key)
		} else {
			c.sessions[key] = ns
		}
		c.mu.Unlock()
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
		return ns, r.Shared, nil
	}
}

// Forget drops the cached session for key (for example after the platform
// refused its token).
func (c *Cache) Forget(key string) {
	c.mu.Lock()
	delete(c.sessions, key)
	c.mu.Unlock()
}

// Len is the number of cached sessions.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sessions)
}

package mock

import (
	"crypto/subtle"
	"sync"
	"sync/atomic"
	"time"
)

// rateLimit is a limit that tests can replace while the server runs. Its
// zero value lets every request through.
type rateLimit struct {
	cur atomic.Pointer[limiter]
}

// set allows n calls per window per client IP; n <= 0 removes the limit.
func (l *rateLimit) set(n int, window time.Duration) {
	if n <= 0 || window <= 0 {
		l.cur.Store(nil)
		return
	}
	l.cur.Store(newLimiter(n, window))
}

// allow is limiter.allow, or true without a limit.
func (l *rateLimit) allow(key string, now time.Time) (bool, time.Duration) {
	if cur := l.cur.Load(); cur != nil {
		return cur.allow(key, now)
	}
	return true, 0
}

// limiter allows n calls per sliding window per key (a client IP). Refused
// calls do not count. It is safe for concurrent use.
type limiter struct {
	n      int
	window time.Duration

	mu   sync.Mutex
	hits map[string][]time.Time
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, hits: map[string][]time.Time{}}
}

// allow records a call at now, or refuses it and says how long until the
// oldest call in the window leaves it.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cutoff := now.Add(-l.window)
	kept := l.hits[key][:0]
	for _, t := range l.hits[key] {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	if len(kept) >= l.n {
		l.hits[key] = kept
		return false, kept[0].Add(l.window).Sub(now)
	}
	l.hits[key] = append(kept, now)
	return true, 0
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1, as a
// Retry-After header says it.
func retryAfterSeconds(d time.Duration) int {
	secs := int((d + time.Second - 1) / time.Second)
	return max(secs, 1)
}

// samePassword compares a presented secret with the configured one in
// constant time. An empty configured secret never matches.
func samePassword(configured, presented string) bool {
	if configured == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(configured), []byte(presented)) == 1
}

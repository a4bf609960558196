// Package clients is the provider's one entry point to the platforms: the
// Platform interface every platform package implements, the registry that
// lists them, and the Manager that owns the shared HTTP client and the
// session cache. Nothing here imports Terraform.
package clients

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/bienport"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/cache"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/coiote"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/monogoto"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/thingsboard"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// Platform is what a platform package implements.
type Platform interface {
	// Info declares the platform: name, title, default base URL,
	// credential kinds, settings and profile fields.
	Info() platform.Info
	// Login signs in and returns a session whose Headers and Profile are
	// filled in. cr has passed the Manager's checks; cr.BaseURL is empty
	// when the platform's default applies. Errors are *platform.Error
	// (the Manager fills in the platform, user and operation).
	Login(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error)
}

// Refresher is implemented by platforms that can renew a session with its
// refresh token instead of the password (Monogoto v1). A refresh token the
// platform refuses (KindTokenRejected) makes the Manager log in again.
type Refresher interface {
	Refresh(ctx context.Context, c *httpx.Client, cr platform.Credentials, prev *platform.Session) (*platform.Session, error)
}

// Revoker is implemented by platforms that can revoke a token before it
// expires (BienPort's logout, Coiote's service-account tokens). Info.Revokes
// declares for which credential kinds; Revoke is only called for those.
// A failure is reported to the user as a warning: the work is done.
type Revoker interface {
	Revoke(ctx context.Context, c *httpx.Client, cr platform.Credentials, s *platform.Session) error
}

// registry lists the platforms, in the order the documentation shows them.
// Adding a platform is one line here (see DESIGN.md, "Adding a platform").
var registry = []Platform{
	monogoto.Platform{},
	coiote.Platform{},
	bienport.Platform{},
	thingsboard.Platform{},
}

// Platforms lists what every registered platform declares.
func Platforms() []platform.Info {
	out := make([]platform.Info, 0, len(registry))
	for _, p := range registry {
		out = append(out, p.Info())
	}
	return out
}

// Lookup returns the platform called name.
func Lookup(name platform.Name) (Platform, bool) {
	for _, p := range registry {
		if p.Info().Name == name {
			return p, true
		}
	}
	return nil, false
}

// LogEntry describes one HTTP attempt, with nothing secret in it.
type LogEntry = httpx.LogEntry

// Defaults of the shared settings.
const (
	DefaultTimeout       = httpx.DefaultTimeout
	DefaultMaxRetries    = httpx.DefaultMaxRetries
	DefaultRetryMaxWait  = httpx.DefaultRetryMaxWait
	DefaultSessionMaxAge = cache.DefaultMaxAge
)

// Settings are the provider's shared settings.
type Settings struct {
	// Timeout bounds one HTTP attempt.
	Timeout time.Duration
	// MaxRetries is how many times a request is sent again after a
	// failure worth retrying (network error, 429, 5xx); 0 never.
	MaxRetries int
	// RetryMaxWait caps one wait between attempts; 0 retries without
	// waiting and gives up when a platform asks to wait.
	RetryMaxWait time.Duration
	CACertPEM    string
	Insecure     bool
	UserAgent    string
	// SessionMaxAge bounds the reuse of a session whose expiry is unknown.
	SessionMaxAge time.Duration
	// Log is called once per HTTP attempt.
	Log func(ctx context.Context, e LogEntry)
}

// Manager logs in to the platforms: at most once per credential set while
// the session stays fresh, and never again for a credential set the
// platform refused. It sends one credential set at most max_retries + 1
// times without a success answer, over every caller (see package httpx,
// "When a request that carries credentials is sent again"). It also counts
// who holds each session handed out by Open, so that a session is revoked
// only when the last of them lets it go. It is safe for concurrent use.
type Manager struct {
	http  *httpx.Client
	cache *cache.Cache
	// maxSends is the send budget of one credential set.
	maxSends int

	mu    sync.Mutex
	sends map[string]*sends
	// leases maps a lease ID (Open) to the session it holds.
	leases map[string]*platform.Session
	// holders counts, per session handed out by Open, the leases on it.
	holders map[*platform.Session]*holding
	// revoked are sessions revoked (or being revoked) by Release: never
	// handed out again.
	revoked map[*platform.Session]bool
}

// holding is what the Manager knows of a session while leases hold it.
type holding struct {
	key    string
	cr     platform.Credentials
	p      Platform
	count  int
	revoke bool
}

// sends is one credential set's send budget and, once it is spent, the
// error every later login with that set returns without sending anything.
type sends struct {
	budget *httpx.SendBudget
	mu     sync.Mutex
	err    error
}

// sendsFor returns the send state of the credential set key.
func (m *Manager) sendsFor(key string) *sends {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.sends[key]
	if st == nil {
		st = &sends{budget: httpx.NewSendBudget(m.maxSends)}
		m.sends[key] = st
	}
	return st
}

// New builds a Manager with its own HTTP client and session cache.
func New(s Settings) (*Manager, error) {
	wait := s.RetryMaxWait
	if wait <= 0 {
		// "0s": retry without waiting (httpx reads zero as its default).
		wait = httpx.NoWait
	}
	// No hidden budget: a request may take every attempt and every wait
	// these settings allow, and no more (see package httpx).
	hc, err := httpx.New(httpx.Config{
		Timeout:      s.Timeout,
		MaxRetries:   s.MaxRetries,
		RetryMaxWait: wait,
		CACertPEM:    s.CACertPEM,
		Insecure:     s.Insecure,
		UserAgent:    s.UserAgent,
		Log:          s.Log,
	})
	if err != nil {
		return nil, err
	}
	retries := s.MaxRetries
	if retries < 0 {
		retries = DefaultMaxRetries
	}
	return &Manager{
		http:     hc,
		cache:    cache.New(cache.Options{MaxAge: s.SessionMaxAge}),
		maxSends: retries + 1,
		sends:    map[string]*sends{},
		leases:   map[string]*platform.Session{},
		holders:  map[*platform.Session]*holding{},
		revoked:  map[*platform.Session]bool{},
	}, nil
}

// Session returns a session for cr: the cached one while it is fresh,
// otherwise a new login (or a refresh where the platform has one).
// Concurrent callers with the same credentials share one login, and a
// login the platform refused is remembered: the same credentials are never
// sent again by this Manager, and every caller gets the same error.
func (m *Manager) Session(ctx context.Context, cr platform.Credentials) (*platform.Session, error) {
	p, info, err := check(cr)
	if err != nil {
		return nil, err
	}
	return m.session(ctx, p, info, cr, cache.Key(cr), platform.Need{})
}

// session gets cr's session through the cache; key is cache.Key(cr).
func (m *Manager) session(ctx context.Context, p Platform, info platform.Info, cr platform.Credentials, key string, need platform.Need) (*platform.Session, error) {
	s, err := m.cache.Get(ctx, key, need, func(ctx context.Context, prev *platform.Session) (*platform.Session, error) {
		st := m.sendsFor(key)
		st.mu.Lock()
		spent := st.err
		st.mu.Unlock()
		if spent != nil {
			return nil, spent
		}
		s, err := login(ctx, m.http, st.budget, p, cr, prev)
		if err != nil && st.budget.Spent() {
			st.mu.Lock()
			st.err = err
			st.mu.Unlock()
		}
		return s, err
	})
	if err != nil {
		err = platform.Annotate(err, info.Title, cr.Principal(), "login")
		if e, ok := platform.AsError(err); ok {
			e.Credentials = cr.Kind() // Annotate returned a copy
		}
		return nil, err
	}
	return s, nil
}

// maxOpenRounds bounds Open's retries when the session it got was revoked
// by a concurrent Release: each round after the first logs in anew.
const maxOpenRounds = 3

// Open is Session for a holder that keeps the session until Release (an
// iotauth_token block): the session stays valid for need.MinValidity
// (see cache.Cache.Get), and it is counted as held under the returned lease
// ID, a random handle that says nothing about the credentials. With revoke,
// the session is revoked when the last lease on it is released; revoke is
// only valid where the platform can revoke tokens of cr's kind.
func (m *Manager) Open(ctx context.Context, cr platform.Credentials, need platform.Need, revoke bool) (*platform.Session, string, error) {
	p, info, err := check(cr)
	if err != nil {
		return nil, "", err
	}
	if revoke && !info.CanRevoke(cr.Kind()) {
		return nil, "", &platform.Error{Kind: platform.KindInvalidConfig, Platform: info.Title, User: cr.Principal(), Op: "login",
			Detail: "this platform cannot revoke tokens of " + strings.ReplaceAll(string(cr.Kind()), "_", " ")}
	}
	key := cache.Key(cr)
	for range maxOpenRounds {
		s, err := m.session(ctx, p, info, cr, key, need)
		if err != nil {
			return nil, "", err
		}
		m.mu.Lock()
		if m.revoked[s] {
			// A Release revoked it between the cache and here; the cache
			// no longer holds it, so the next round logs in anew.
			m.mu.Unlock()
			continue
		}
		h := m.holders[s]
		if h == nil {
			h = &holding{key: key, cr: cr, p: p}
			m.holders[s] = h
		}
		h.count++
		h.revoke = h.revoke || revoke
		id := leaseID()
		m.leases[id] = s
		m.mu.Unlock()
		return s, id, nil
	}
	return nil, "", &platform.Error{Kind: platform.KindUnknown, Platform: info.Title, User: cr.Principal(), Op: "login",
		Detail: "internal error: every session obtained was revoked before it could be handed out"}
}

// leaseID is a random lease handle.
func leaseID() string {
	b := make([]byte, 16)
	// crypto/rand.Read never returns an error (it crashes the program
	// instead when the system's random source fails).
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Retire stops handing out the session of lease id to later callers (they
// get a new login, or a refresh where the platform has one). The lease
// still holds it. The provider retires a session when Terraform asks to
// renew a token that is about to expire while in use.
func (m *Manager) Retire(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, h := m.leases[id], m.holders[m.leases[id]]; s != nil && h != nil {
		m.cache.Retire(h.key, s)
	}
}

// Release ends lease id. When it was the last lease on its session and any
// holder asked for revocation, the session is dropped from the cache (never
// handed out again) and revoked, unless it has already expired. revoked
// reports that a revocation was sent and accepted; an error is the failed
// revocation, worth a warning only. Unknown IDs are ignored.
func (m *Manager) Release(ctx context.Context, id string) (revoked bool, err error) {
	m.mu.Lock()
	s := m.leases[id]
	delete(m.leases, id)
	h := m.holders[s]
	if s == nil || h == nil {
		m.mu.Unlock()
		return false, nil
	}
	h.count--
	if h.count > 0 {
		m.mu.Unlock()
		return false, nil
	}
	delete(m.holders, s)
	if !h.revoke {
		m.mu.Unlock()
		return false, nil
	}
	m.revoked[s] = true
	m.cache.Drop(h.key, s)
	m.mu.Unlock()

	// Nothing left to revoke once the token has expired. An expiry the
	// platform gave in the past already at the login (its clock behind
	// ours) is not trusted for this, as the cache does not trust it.
	if !RenewAt(s).IsZero() && !time.Now().Before(s.ExpiresAt) {
		return false, nil
	}
	r, ok := h.p.(Revoker)
	info := h.p.Info()
	if !ok || !info.CanRevoke(h.cr.Kind()) {
		// Open refuses revoke for such a session: not reached.
		return false, nil
	}
	if err := r.Revoke(ctx, m.http, h.cr, s); err != nil {
		return false, platform.Annotate(err, info.Title, h.cr.Principal(), "token revocation")
	}
	return true, nil
}

// RenewAt is when a session's holder should ask for a new one: the cache's
// margin before its expiry (cache.Margin), after which the cache no longer
// hands it out. It is zero when the expiry is unknown.
func RenewAt(s *platform.Session) time.Time {
	life := s.ExpiresAt.Sub(s.ObtainedAt)
	if s.ExpiresAt.IsZero() || life <= 0 {
		return time.Time{}
	}
	return s.ExpiresAt.Add(-cache.Margin(life))
}

// login signs in, refreshing prev instead where the platform can. Its
// requests with credentials (the login, a refresh) count in budget.
func login(ctx context.Context, c *httpx.Client, budget *httpx.SendBudget, p Platform, cr platform.Credentials, prev *platform.Session) (*platform.Session, error) {
	c = c.WithSendBudget(budget)
	if r, ok := p.(Refresher); ok && prev != nil && prev.RefreshToken != "" {
		s, err := r.Refresh(ctx, c, cr, prev)
		// A refused refresh token (used, expired) falls back to a login;
		// anything else (rate limit, outage) is reported.
		if err != nil && !platform.IsKind(err, platform.KindTokenRejected) {
			return nil, err
		}
		if err == nil {
			return s, checkHeaders(s)
		}
	}
	s, err := p.Login(ctx, c, cr)
	if err != nil {
		return nil, err
	}
	return s, checkHeaders(s)
}

// checkHeaders refuses a session whose token or header values hold control
// characters: a value a platform sent must never be able to add headers
// (CR LF) to a consumer's requests. It is the one check of this rule, for
// every platform.
func checkHeaders(s *platform.Session) error {
	values := map[string]string{"token": s.Token, "token type": s.TokenType}
	for name, v := range s.Headers {
		values[name+" header"] = v
	}
	for what, v := range values {
		if v != "" && !wire.HeaderSafe(v) {
			return &platform.Error{Kind: platform.KindMalformed,
				Detail: "the answer would put a control character in the " + what}
		}
	}
	return nil
}

// kindWords name the credential kinds in messages.
var kindWords = map[platform.CredentialKind]string{
	platform.Password:          "a user name and password",
	platform.ClientCredentials: "client credentials",
	platform.APIKey:            "API keys",
}

// check is the clients' backstop for what the schema validators and the
// provider's configuration checks already enforce: the platform exists,
// accepts the credential kind, and the credentials are complete.
func check(cr platform.Credentials) (Platform, platform.Info, error) {
	p, ok := Lookup(cr.Platform)
	if !ok {
		return nil, platform.Info{}, &platform.Error{Kind: platform.KindInvalidConfig, Op: "login",
			Detail: "unknown platform " + strings.TrimSpace(string(cr.Platform))}
	}
	info := p.Info()
	e := &platform.Error{Kind: platform.KindInvalidConfig, Platform: info.Title, User: cr.Principal(), Op: "login"}
	switch k := cr.Kind(); {
	case !info.Accepts(k):
		e.Detail = "this platform does not accept " + kindWords[k]
	case k == platform.APIKey && !wire.HeaderSafe(strings.TrimSpace(cr.APIKey)):
		// The key goes into a header as it is: blank or control
		// characters would be a broken or injected header.
		e.Detail = "the API key is blank or holds a control character"
	case k == platform.ClientCredentials && (cr.ClientID == "" || cr.ClientSecret == ""):
		e.Detail = "a client ID needs a client secret, and a client secret a client ID"
	case k == platform.Password && strings.TrimSpace(cr.Username) == "":
		e.Detail = "no user name"
	case k == platform.Password && cr.Password == "":
		e.Detail = "no password"
	default:
		return p, info, nil
	}
	return nil, info, e
}

// Package clients is the provider's one entry point to the platforms: the
// Platform interface every platform package implements, the registry that
// lists them, and the Manager that owns the shared HTTP client and the
// session cache. Nothing here imports Terraform.
package clients

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/bienport"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/cache"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/coiote"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/monogoto"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
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

// registry lists the platforms, in the order the documentation shows them.
// Adding a platform is one line here (see DESIGN.md, "Adding a platform").
var registry = []Platform{
	monogoto.Platform{},
	coiote.Platform{},
	bienport.Platform{},
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
// "When a request that carries credentials is sent again"). It is safe for
// concurrent use.
type Manager struct {
	http  *httpx.Client
	cache *cache.Cache
	// maxSends is the send budget of one credential set.
	maxSends int

	mu    sync.Mutex
	sends map[string]*sends
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
	return &Manager{http: hc, cache: cache.New(cache.Options{MaxAge: s.SessionMaxAge}),
		maxSends: retries + 1, sends: map[string]*sends{}}, nil
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
	key := cache.Key(cr)
	s, err := m.cache.Get(ctx, key, func(ctx context.Context, prev *platform.Session) (*platform.Session, error) {
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
		e.Detail = "this platform does not accept " + strings.ReplaceAll(string(k), "_", " ")
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

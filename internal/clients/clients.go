// Package clients is the provider's entry point to the platforms: a Manager
// owns the shared HTTP client and the session cache and dispatches a login
// to the platform's package. Nothing here imports Terraform.
package clients

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/bienport"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/cache"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/coiote"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/monogoto"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Config configures a Manager.
type Config struct {
	HTTP  httpx.Config
	Cache cache.Options
	// SharedCache, when set, is used instead of a new cache built from
	// Cache, so that sessions outlive one Manager (the provider keeps one
	// cache per process across re-configurations).
	SharedCache *cache.Cache
}

// Manager logs in to the platforms, at most once per credential set while
// the session stays fresh. It is safe for concurrent use.
type Manager struct {
	http   *httpx.Client
	cache  *cache.Cache
	logins atomic.Int64
}

// New builds a Manager.
func New(cfg Config) (*Manager, error) {
	hc, err := httpx.New(cfg.HTTP)
	if err != nil {
		return nil, err
	}
	c := cfg.SharedCache
	if c == nil {
		c = cache.New(cfg.Cache)
	}
	return &Manager{http: hc, cache: c}, nil
}

// HTTP returns the shared HTTP client.
func (m *Manager) HTTP() *httpx.Client { return m.http }

// Logins is the number of login (or refresh) requests this Manager made.
func (m *Manager) Logins() int64 { return m.logins.Load() }

// Validate checks that cr is complete enough to attempt a login.
func Validate(cr platform.Credentials) error {
	e := &platform.Error{Kind: platform.KindInvalidConfig, Platform: cr.Platform, User: cr.Principal(), Op: "login"}
	switch cr.Platform {
	case platform.Monogoto, platform.Coiote, platform.Bienport:
	default:
		e.Detail = "unknown platform " + strings.TrimSpace(string(cr.Platform))
		return e
	}
	if strings.TrimSpace(cr.BaseURL) == "" {
		e.Detail = "no base URL"
		return e
	}
	if cr.ClientID != "" {
		if cr.Platform != platform.Coiote {
			e.Detail = "client credentials are supported only for Coiote"
			return e
		}
		if cr.ClientSecret == "" {
			e.Detail = "a client ID needs a client secret"
			return e
		}
		return nil
	}
	if strings.TrimSpace(cr.Username) == "" {
		e.Detail = "no user name"
		return e
	}
	if cr.Password == "" {
		e.Detail = "no password"
		return e
	}
	return nil
}

// Session returns a session for cr: the cached one while it is fresh,
// otherwise a new login (a refresh for Monogoto v1 when a refresh token is
// at hand). Concurrent callers with the same credentials share one login.
func (m *Manager) Session(ctx context.Context, cr platform.Credentials) (*platform.Session, error) {
	if err := Validate(cr); err != nil {
		return nil, err
	}
	s, _, err := m.cache.Get(ctx, cache.Key(cr), func(ctx context.Context, prev *platform.Session) (*platform.Session, error) {
		return m.login(ctx, cr, prev)
	})
	if err != nil {
		return nil, platform.Annotate(err, cr.Platform, cr.Principal(), "login")
	}
	return s, nil
}

// Login always logs in, bypassing the cache.
func (m *Manager) Login(ctx context.Context, cr platform.Credentials) (*platform.Session, error) {
	if err := Validate(cr); err != nil {
		return nil, err
	}
	return m.login(ctx, cr, nil)
}

func (m *Manager) login(ctx context.Context, cr platform.Credentials, prev *platform.Session) (*platform.Session, error) {
	m.logins.Add(1)
	switch cr.Platform {
	case platform.Monogoto:
		if cr.MonogotoAPI == platform.MonogotoV1 && prev != nil && prev.RefreshToken != "" {
			s, err := monogoto.RefreshV1(ctx, m.http, cr, prev.RefreshToken)
			if err == nil {
				return s, nil
			}
			// A refused refresh token (used, expired) falls back to a
			// login; anything else (rate limit, outage) is reported.
			if !platform.IsKind(err, platform.KindTokenRejected) {
				return nil, err
			}
			m.logins.Add(1)
		}
		return monogoto.Login(ctx, m.http, cr)
	case platform.Coiote:
		return coiote.Login(ctx, m.http, cr)
	case platform.Bienport:
		return bienport.Login(ctx, m.http, cr)
	}
	return nil, &platform.Error{Kind: platform.KindInvalidConfig, Platform: cr.Platform, Detail: "unknown platform"}
}

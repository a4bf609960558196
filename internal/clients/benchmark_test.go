package clients_test

// Benchmarks of the platform clients: a whole login per platform against the
// in-process mock platforms (loopback HTTP, no added latency), the decoding of
// login answers (the vendors' own examples, seeds 001 and 003, as the mock
// keeps them; the mock's Coiote answers), the session cache's hit path, and the
// unverified JWT parsing that every login does. `make bench` runs them with
// -benchmem and copies the figures into bench/RESULTS.md.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/bienport"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/cache"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/coiote"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/jwtclaims"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/monogoto"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// benchMock starts the mock platforms for one benchmark.
func benchMock(b *testing.B) *mock.Server {
	b.Helper()
	srv, err := mock.Start(mock.DefaultConfig())
	if err != nil {
		b.Fatalf("starting the mock platforms: %v", err)
	}
	b.Cleanup(srv.Close)
	return srv
}

// seedCredentials are the seeded accounts of the vendors' login examples.
func seedCredentials(srv *mock.Server, p platform.Name) platform.Credentials {
	cr := platform.Credentials{Platform: p, BaseURL: srv.BaseURL(p)}
	switch p {
	case platform.Monogoto:
		cr.Username, cr.Password = mock.SeedMonogotoDemo.UserName, mock.SeedMonogotoDemo.Password
	case platform.Coiote:
		cr.Username, cr.Password = mock.SeedCoioteOps.Login, mock.SeedCoioteOps.Password
	case platform.Bienport:
		cr.Username, cr.Password = mock.SeedBienportDemo.ScreenName, mock.SeedBienportDemo.Password
	}
	return cr
}

func benchManager(b *testing.B) *clients.Manager {
	b.Helper()
	m, err := clients.New(clients.Config{})
	if err != nil {
		b.Fatalf("clients.New: %v", err)
	}
	b.Cleanup(m.HTTP().CloseIdleConnections)
	return m
}

// BenchmarkLogin is one full login (Coiote: token and profile requests),
// bypassing the cache, over a kept-alive loopback connection.
func BenchmarkLogin(b *testing.B) {
	srv := benchMock(b)
	for _, p := range platform.Names() {
		b.Run(string(p), func(b *testing.B) {
			m := benchManager(b)
			cr := seedCredentials(srv, p)
			ctx := context.Background()
			if _, err := m.Login(ctx, cr); err != nil {
				b.Fatalf("login: %v", err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Login(ctx, cr); err != nil {
					b.Fatalf("login: %v", err)
				}
			}
		})
	}
}

// readSeed reads a vendor's login example as the mock platforms keep it
// (internal/clients/mock/testdata).
func readSeed(b *testing.B, name string) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("mock", "testdata", name))
	if err != nil {
		b.Fatalf("reading the seed example: %v", err)
	}
	return data
}

// coioteAnswers fetches the mock's Coiote token and user answers (no seed
// documents a full one), as raw bodies.
func coioteAnswers(b *testing.B) (token, user []byte) {
	b.Helper()
	srv := benchMock(b)
	m := benchManager(b)
	cr := seedCredentials(srv, platform.Coiote)
	ctx := context.Background()
	form := url.Values{"grant_type": {"password"}, "username": {cr.Username}, "password": {cr.Password}}
	tr, err := m.HTTP().Do(ctx, &httpx.Request{
		Method: http.MethodPost, URL: cr.BaseURL + coiote.PasswordGrantPath,
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:   []byte(form.Encode()),
	})
	if err != nil || tr.Status/100 != 2 {
		b.Fatalf("Coiote token request: %v (status %d)", err, statusOf(tr))
	}
	s, err := coiote.DecodeToken(tr.Body, tr.Header.Get("Content-Type"), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	ur, err := m.HTTP().Do(ctx, &httpx.Request{
		Method: http.MethodGet, URL: cr.BaseURL + coiote.UsersPath + url.PathEscape(cr.Username),
		Header: http.Header{"Authorization": {"Bearer " + s.Token}},
	})
	if err != nil || ur.Status != http.StatusOK {
		b.Fatalf("Coiote user request: %v (status %d)", err, statusOf(ur))
	}
	return tr.Body, ur.Body
}

func statusOf(r *httpx.Response) int {
	if r == nil {
		return 0
	}
	return r.Status
}

// BenchmarkDecode decodes login answers: the vendors' own examples for
// Monogoto (seed 001) and BienPort (seed 003), the mock's answers for
// Coiote.
func BenchmarkDecode(b *testing.B) {
	b.Run("monogoto_login_seed001", func(b *testing.B) {
		body := readSeed(b, "seed001_login.json")
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := monogoto.DecodeLogin(body, "application/json"); err != nil {
				b.Fatal(err)
			}
		}
	})
	token, user := coioteAnswers(b)
	b.Run("coiote_token", func(b *testing.B) {
		now := time.Now()
		b.SetBytes(int64(len(token)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := coiote.DecodeToken(token, "application/json", now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("coiote_user", func(b *testing.B) {
		b.SetBytes(int64(len(user)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := coiote.DecodeUser(user, "application/json"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bienport_login_seed003", func(b *testing.B) {
		body := readSeed(b, "seed003_login.json")
		now := time.Now()
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := bienport.DecodeLogin(body, "application/json", now); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkJWTParse reads the claims of BienPort's seed token (HS512, a
// `sub` that is a string holding JSON), as every BienPort login does.
func BenchmarkJWTParse(b *testing.B) {
	var seed struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(readSeed(b, "seed003_login.json"), &seed); err != nil || seed.Token == "" {
		b.Fatalf("no token in seed 003: %v", err)
	}
	token := seed.Token
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jwtclaims.Parse(token); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse_expiry_subject", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			claims, err := jwtclaims.Parse(token)
			if err != nil {
				b.Fatal(err)
			}
			if _, ok := jwtclaims.Expiry(claims); !ok {
				b.Fatal("no exp claim")
			}
			if _, ok := jwtclaims.DecodeNestedSubject(claims); !ok {
				b.Fatal("no nested subject")
			}
		}
	})
}

// BenchmarkSessionCacheHit is Manager.Session on a warm cache: what every
// block after the first costs in a provider process.
func BenchmarkSessionCacheHit(b *testing.B) {
	srv := benchMock(b)
	for _, p := range platform.Names() {
		m := benchManager(b)
		cr := seedCredentials(srv, p)
		ctx := context.Background()
		if _, err := m.Session(ctx, cr); err != nil {
			b.Fatalf("warming the cache: %v", err)
		}
		b.Run(string(p), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Session(ctx, cr); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(p)+"_parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := m.Session(ctx, cr); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		if got := m.Logins(); got != 1 {
			b.Fatalf("%s: %d logins for a warm cache, want 1", p, got)
		}
	}
}

// BenchmarkCacheKey is the credential hash every Session call computes.
func BenchmarkCacheKey(b *testing.B) {
	cr := platform.Credentials{Platform: platform.Monogoto, BaseURL: platform.DefaultMonogotoBaseURL,
		Username: mock.SeedMonogotoDemo.UserName, Password: mock.SeedMonogotoDemo.Password}
	b.ReportAllocs()
	for b.Loop() {
		_ = cache.Key(cr)
	}
}

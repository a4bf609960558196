package mock

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// TokenPrefix starts every opaque secret the mock issues: opaque access
// tokens (mockiot_mgt_...), refresh tokens (mockiot_rt_...), MQTT passwords
// (mockiot_mq_...) and the password hashes Coiote's users endpoint returns
// (mockiot_pwhash_...). A leak test can search for it.
const TokenPrefix = "mockiot_"

// JWTKeyID is the `kid` header of every JWT the mock signs.
const JWTKeyID = "iotauth-mock"

// JWTHeaderPrefix is the base64url encoding of the fixed JWT header
// {"alg":"HS512","kid":"iotauth-mock","typ":"JWT"}: every mock JWT starts
// with it followed by a dot, so a leak test can search for it.
const JWTHeaderPrefix = "eyJhbGciOiJIUzUxMiIsImtpZCI6ImlvdGF1dGgtbW9jayIsInR5cCI6IkpXVCJ9"

// maxIssuedSecrets bounds the IssuedSecrets list of a long-running server.
const maxIssuedSecrets = 200000

type tokenKind int

const (
	kindAccess tokenKind = iota + 1
	kindRefreshV1
	kindRefreshLegacy
	// kindRefresh is a single-use refresh token of another platform
	// (ThingsBoard's); tokenInfo.platform keeps platforms apart.
	kindRefresh
)

// tokenInfo is what the server remembers about one token it issued.
type tokenInfo struct {
	platform platform.Name
	kind     tokenKind
	// subject is the account: Monogoto user name, Coiote login or client
	// ID, BienPort screen name.
	subject string
	// service marks a Coiote IAM (client-credentials) token.
	service bool
	// expires is exact; a JWT's `exp` claim is the same instant rounded
	// down to whole seconds.
	expires time.Time
}

// tokenStore issues, remembers and checks tokens. It is safe for concurrent
// use.
type tokenStore struct {
	key []byte
	// skew moves the store's clock forward (Server.AdvanceClock).
	skew atomic.Int64

	mu      sync.Mutex
	tokens  map[string]tokenInfo
	pruneAt int
	issued  []string
	last    map[platform.Name]string
}

func newTokenStore() (*tokenStore, error) {
	key := make([]byte, 64)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &tokenStore{
		key:     key,
		tokens:  map[string]tokenInfo{},
		pruneAt: 4096,
		last:    map[platform.Name]string{},
	}, nil
}

// now is the server's clock: the real time plus any AdvanceClock.
func (ts *tokenStore) now() time.Time {
	return time.Now().Add(time.Duration(ts.skew.Load()))
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error (it crashes the program
	// instead when the system's random source fails).
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// opaque returns a fresh opaque secret: TokenPrefix, the kind, "_" and 32
// random hex digits.
func opaque(kind string) string {
	return TokenPrefix + kind + "_" + randomHex(16)
}

// signJWT signs claims (plus jti, iat and exp) with HS512 and the fixed
// header.
func (ts *tokenStore) signJWT(claims jwt.MapClaims, now, expires time.Time) (string, error) {
	claims["jti"] = randomHex(16)
	claims["iat"] = now.Unix()
	claims["exp"] = expires.Unix()
	t := jwt.NewWithClaims(jwt.SigningMethodHS512, claims)
	t.Header["kid"] = JWTKeyID
	return t.SignedString(ts.key)
}

// issueJWT signs claims as a JWT that expires after life on the store's
// clock, and registers it with info.
func (ts *tokenStore) issueJWT(info tokenInfo, life time.Duration, claims jwt.MapClaims) (string, error) {
	now := ts.now()
	info.expires = now.Add(life)
	token, err := ts.signJWT(claims, now, info.expires)
	if err != nil {
		return "", err
	}
	ts.register(token, info)
	return token, nil
}

// issueOpaque returns a fresh opaque token (see opaque) that expires after
// life, registered with info.
func (ts *tokenStore) issueOpaque(kind string, info tokenInfo, life time.Duration) string {
	token := opaque(kind)
	info.expires = ts.now().Add(life)
	ts.register(token, info)
	return token
}

// register remembers a token; an access token also becomes the platform's
// LastToken. Every registered token is an issued secret.
func (ts *tokenStore) register(token string, info tokenInfo) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.tokens) >= ts.pruneAt {
		ts.pruneLocked(ts.now())
	}
	ts.tokens[token] = info
	if info.kind == kindAccess {
		ts.last[info.platform] = token
	}
	ts.addSecretLocked(token)
}

// addSecret records a secret that is not a token (an MQTT password).
func (ts *tokenStore) addSecret(s string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.addSecretLocked(s)
}

func (ts *tokenStore) addSecretLocked(s string) {
	if len(ts.issued) >= maxIssuedSecrets {
		ts.issued = append(ts.issued[:0], ts.issued[len(ts.issued)/2:]...)
	}
	ts.issued = append(ts.issued, s)
}

// pruneLocked forgets expired tokens so that a long benchmark run does not
// grow without bound.
func (ts *tokenStore) pruneLocked(now time.Time) {
	for k, v := range ts.tokens {
		if !now.Before(v.expires) {
			delete(ts.tokens, k)
		}
	}
	ts.pruneAt = max(4096, 2*len(ts.tokens))
}

// valid returns the access token's information when the server issued it
// for platform p and it has not expired.
func (ts *tokenStore) valid(token string, p platform.Name) (tokenInfo, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	info, ok := ts.tokens[token]
	if !ok || info.platform != p || info.kind != kindAccess || !ts.now().Before(info.expires) {
		return tokenInfo{}, false
	}
	return info, true
}

// consume is valid for a single-use token: a valid token is forgotten, so
// a second use fails.
func (ts *tokenStore) consume(token string, p platform.Name, kind tokenKind) (tokenInfo, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	info, ok := ts.tokens[token]
	if !ok || info.platform != p || info.kind != kind {
		return tokenInfo{}, false
	}
	delete(ts.tokens, token)
	if !ts.now().Before(info.expires) {
		return tokenInfo{}, false
	}
	return info, true
}

// revoke invalidates every token of platform p.
func (ts *tokenStore) revoke(p platform.Name) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for k, v := range ts.tokens {
		if v.platform == p {
			delete(ts.tokens, k)
		}
	}
}

// revokeToken invalidates one token, as a logout or an RFC 7009 revocation
// does: authorized endpoints refuse it from then on.
func (ts *tokenStore) revokeToken(token string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	delete(ts.tokens, token)
}

func (ts *tokenStore) issuedSecrets() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.issued...)
}

func (ts *tokenStore) lastToken(p platform.Name) string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.last[p]
}

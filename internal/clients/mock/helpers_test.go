package mock

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// startT starts a server with the default configuration, changed by mut.
func startT(t *testing.T, mut func(*Config)) *Server {
	t.Helper()
	cfg := DefaultConfig()
	if mut != nil {
		mut(&cfg)
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// decode unmarshals the answer's body into v; a body that is not that JSON
// fails the test.
func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("answer %d does not decode as %T: %v: %q", a.status, v, err, a.body)
	}
}

func (a answer) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	a.decode(t, &m)
	return m
}

func (a answer) str(t *testing.T, key string) string {
	t.Helper()
	v, ok := a.obj(t)[key].(string)
	if !ok {
		t.Fatalf("answer has no string %q: %s", key, a.body)
	}
	return v
}

func send(t *testing.T, c *http.Client, method, u string, hdr map[string]string, body string) answer {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, u, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// headers merges header maps, later ones winning.
func headers(sets ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, set := range sets {
		maps.Copy(out, set)
	}
	return out
}

func postJSON(t *testing.T, u string, v any) answer {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, nil, http.MethodPost, u, map[string]string{"Content-Type": "application/json"}, string(b))
}

func postFormT(t *testing.T, u string, vals url.Values) answer {
	t.Helper()
	return send(t, nil, http.MethodPost, u,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, vals.Encode())
}

func getBearer(t *testing.T, u, token string, extra map[string]string) answer {
	t.Helper()
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	for k, v := range extra {
		h[k] = v
	}
	return send(t, nil, http.MethodGet, u, h, "")
}

// tlsConfigFor trusts s's self-signed certificate.
func tlsConfigFor(s *Server) *tls.Config {
	return &tls.Config{RootCAs: s.CertPool(), MinVersion: tls.VersionTLS12}
}

func wantStatus(t *testing.T, a answer, status int) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body %q", a.status, status, a.body)
	}
}

func monogotoLogin(t *testing.T, s *Server, user, pass string) answer {
	t.Helper()
	return postJSON(t, s.BaseURL(Monogoto)+"/Auth", map[string]string{"UserName": user, "Password": pass})
}

func coioteLogin(t *testing.T, s *Server, user, pass string) answer {
	t.Helper()
	return postFormT(t, s.BaseURL(Coiote)+"/api/auth/oauth_password",
		url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}})
}

func bienportLogin(t *testing.T, s *Server, user, pass string, remember bool) answer {
	t.Helper()
	return postJSON(t, s.BaseURL(Bienport)+"/auth/login",
		map[string]any{"screenName": user, "password": pass, "rememberMe": remember})
}

// v1Login and v1Refresh call Monogoto's v1 API.
func v1Login(t *testing.T, s *Server, user, pass string) answer {
	t.Helper()
	return postJSON(t, s.BaseURL(Monogoto)+"/v1/auth/token", map[string]string{"username": user, "password": pass})
}

func v1Refresh(t *testing.T, s *Server, rt string) answer {
	t.Helper()
	return postJSON(t, s.BaseURL(Monogoto)+"/v1/auth/refresh", map[string]string{"refresh_token": rt})
}

// wantV1Error checks a Monogoto v1 error envelope.
func wantV1Error(t *testing.T, a answer, status int, msg string) {
	t.Helper()
	wantStatus(t, a, status)
	var e struct {
		StatusCode int    `json:"status_code"`
		Message    string `json:"message"`
		RequestID  string `json:"request_id"`
	}
	a.decode(t, &e)
	if e.StatusCode != status || !strings.Contains(e.Message, msg) || !strings.HasPrefix(e.RequestID, "req_") || len(e.RequestID) != 20 {
		t.Errorf("error envelope %q", a.body)
	}
}

// verifyJWT checks a mock JWT's header and signature and returns its
// claims.
func verifyJWT(t *testing.T, s *Server, token string) jwt.MapClaims {
	t.Helper()
	if !strings.HasPrefix(token, JWTHeaderPrefix+".") {
		t.Fatalf("token %q does not start with JWTHeaderPrefix", token)
	}
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return s.tokens.key, nil },
		jwt.WithValidMethods([]string{"HS512"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.tokens.now))
	if err != nil {
		t.Fatalf("the token does not verify: %v", err)
	}
	if parsed.Header["kid"] != JWTKeyID || parsed.Header["alg"] != "HS512" {
		t.Fatalf("header %v", parsed.Header)
	}
	if jti, ok := claims["jti"].(string); !ok || len(jti) != 32 {
		t.Fatalf("jti %v", claims["jti"])
	}
	return claims
}

// verifyLifetime is verifyJWT that also checks the token's lifetime, exp -
// iat (and that iat is now).
func verifyLifetime(t *testing.T, s *Server, token string, want time.Duration) jwt.MapClaims {
	t.Helper()
	claims := verifyJWT(t, s, token)
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		t.Fatalf("exp: %v", err)
	}
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil {
		t.Fatalf("iat: %v", err)
	}
	if d := time.Since(iat.Time); d < -time.Second || d > 10*time.Second {
		t.Fatalf("iat %v is not now", iat.Time)
	}
	if got := exp.Sub(iat.Time); got != want {
		t.Errorf("token lifetime %v, want %v", got, want)
	}
	return claims
}

// sameJSONExcept compares a vendor example with an answer, ignoring keys.
func sameJSONExcept(t *testing.T, seedFile string, got []byte, ignore ...string) {
	t.Helper()
	b, err := os.ReadFile(seedFile) //nolint:gosec // G304: a testdata file named by the test.
	if err != nil {
		t.Fatal(err)
	}
	var want, have map[string]any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &have); err != nil {
		t.Fatal(err)
	}
	for _, k := range ignore {
		if _, ok := have[k]; !ok {
			t.Errorf("the answer has no %q", k)
		}
		delete(want, k)
		delete(have, k)
	}
	if !reflect.DeepEqual(want, have) {
		wb, _ := json.MarshalIndent(want, "", " ")
		hb, _ := json.MarshalIndent(have, "", " ")
		t.Fatalf("the answer differs from %s:\nwant %s\n got %s", seedFile, wb, hb)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// isHex32 reports whether s is 32 lower-case hex digits.
func isHex32(s string) bool {
	return len(s) == 32 && strings.Trim(s, "0123456789abcdef") == ""
}

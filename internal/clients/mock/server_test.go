package mock

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

func TestRegistry(t *testing.T) {
	if got, want := Platforms(), []platform.Name{Monogoto, Coiote, Bienport, Thingsboard}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Platforms() = %v, want %v", got, want)
	}
	for p, want := range map[platform.Name]string{Monogoto: "Monogoto", Coiote: "Coiote IoT DM", Bienport: "BienPort",
		Thingsboard: "ThingsBoard", "nope": ""} {
		if got := Title(p); got != want {
			t.Errorf("Title(%q) = %q, want %q", p, got, want)
		}
	}
	// Every name a platform adds to Config's JSON form or to the ready
	// file is unique.
	var cfg Config
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var jsonKeys map[string]any
	if err := json.Unmarshal(b, &jsonKeys); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{"ca_cert_pem": true}
	for k := range jsonKeys {
		keys["config "+k] = true
	}
	for _, d := range cfg.durationSettings() {
		if keys["config "+d.key] {
			t.Errorf("duration key %q is used twice", d.key)
		}
		keys["config "+d.key] = true
	}
	for _, m := range registry {
		info := m.info()
		for _, k := range append([]string{string(info.name)}, info.aliases...) {
			if keys[k] {
				t.Errorf("ready-file key %q is used twice", k)
			}
			keys[k] = true
		}
		if info.title == "" || len(info.tokenFields) == 0 {
			t.Errorf("%s: incomplete info %+v", info.name, info)
		}
		// The section is the platform's part of the Config it is given.
		for _, l := range m.section(&cfg).accounts() {
			l.seed()
		}
		if len(cfg.AccountNames(info.name)) == 0 {
			t.Errorf("%s: seed() did not fill the Config's accounts", info.name)
		}
	}
	if cfg.AccountNames("nope") != nil {
		t.Error("AccountNames of an unknown platform")
	}
	// Every platform has a default account, one of its seeded ones.
	def := DefaultConfig()
	for _, p := range Platforms() {
		l, ok := DemoLogin(p)
		if !ok || !contains(def.AccountNames(p), l.User) || !contains(def.secrets(), l.Password) {
			t.Errorf("%s: DemoLogin() = %q, %v: not a seeded account", p, l.User, ok)
		}
	}
	if _, ok := DemoLogin("nope"); ok {
		t.Error("DemoLogin of an unknown platform")
	}
}

func TestBaseURLs(t *testing.T) {
	s := startT(t, nil)
	wantPath := map[platform.Name]string{Monogoto: "", Coiote: "", Bienport: "/api", Thingsboard: ""}
	for _, p := range Platforms() {
		u, err := url.Parse(s.BaseURL(p))
		if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" {
			t.Errorf("%s: %q", p, s.BaseURL(p))
		}
		if u.Path != wantPath[p] {
			t.Errorf("%s path %q", p, u.Path)
		}
	}
	want := map[string]string{
		"monogoto": s.BaseURL(Monogoto), "monogoto_v1": s.BaseURL(Monogoto),
		"coiote": s.BaseURL(Coiote), "bienport": s.BaseURL(Bienport), "thingsboard": s.BaseURL(Thingsboard),
	}
	if got := s.BaseURLs(); !reflect.DeepEqual(got, want) {
		t.Errorf("BaseURLs() = %v, want %v", got, want)
	}
	if s.BaseURL("nope") != "" || s.CACertPEM() != "" || s.CertPool() != nil {
		t.Error("unexpected values without TLS")
	}
}

func TestAccountNames(t *testing.T) {
	cfg := DefaultConfig()
	for p, want := range map[platform.Name][]string{
		Monogoto: {"demo@monogoto.io", "fleet.viewer@example.com"},
		Coiote:   {"ops@acme.example", "acmeadmin", "client iotauth-ci (realm coiote-cloud)"},
		Bienport: {"bienport.demo", "905554447788"},
		Thingsboard: {"tenant@thingsboard.org", "customer@thingsboard.org", "locked.user@thingsboard.example",
			"disabled.user@thingsboard.example", "mfa.user@thingsboard.example", "API key ci-pipeline (tenant@thingsboard.org)"},
	} {
		if got := cfg.AccountNames(p); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", p, got, want)
		}
	}
}

func TestFixedPorts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("address %T", ln.Addr())
	}
	port := addr.Port
	ln.Close()
	s := startT(t, func(c *Config) { c.Ports = map[platform.Name]int{Coiote: port} })
	if want := "http://127.0.0.1:" + strconv.Itoa(port); s.BaseURL(Coiote) != want {
		t.Errorf("BaseURL %q, want %q", s.BaseURL(Coiote), want)
	}
	// The port is taken now: a second server cannot have it.
	cfg := DefaultConfig()
	cfg.Ports = map[platform.Name]int{Coiote: port}
	if s2, err := Start(cfg); err == nil {
		s2.Close()
		t.Fatal("a second server took the same port")
	}
}

func TestConcurrentLoginsUniqueTokensAndCounts(t *testing.T) {
	s := startT(t, nil)
	const workers, per = 8, 12
	var mu sync.Mutex
	tokens := map[string]bool{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				var tok string
				switch (w + i) % 3 {
				case 0:
					tok = monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword).str(t, "token")
				case 1:
					tok = coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword).str(t, "access_token")
				default:
					tok = bienportLogin(t, s, SeedBienportPhone.ScreenName, SeedBienportPhonePassword, false).str(t, "token")
				}
				mu.Lock()
				if tokens[tok] {
					t.Errorf("token issued twice")
				}
				tokens[tok] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(tokens) != workers*per {
		t.Fatalf("%d distinct tokens, want %d", len(tokens), workers*per)
	}
	var total int64
	for _, p := range Platforms() {
		n := s.Count(p, EndpointLogin)
		if n != s.Count(p, "") {
			t.Errorf("%s: login %d, total %d", p, n, s.Count(p, ""))
		}
		total += n
	}
	if total != workers*per {
		t.Errorf("counted %d logins, want %d", total, workers*per)
	}
	// Every token and every MQTT password is an issued secret.
	secrets := s.IssuedSecrets()
	for tok := range tokens {
		if !contains(secrets, tok) {
			t.Fatal("IssuedSecrets lacks a token")
		}
	}
	if want := workers*per + s.Count(Monogoto, EndpointLogin) + s.Count(Bienport, EndpointLogin); int64(len(secrets)) != want {
		t.Errorf("%d issued secrets, want %d (tokens + Monogoto refresh tokens + MQTT passwords)", len(secrets), want)
	}
	s.ResetCounts()
	for _, p := range Platforms() {
		if s.Count(p, "") != 0 || len(s.ReceivedRequests(p)) != 0 {
			t.Errorf("%s not reset", p)
		}
	}
}

func TestConcurrentFaultTimes(t *testing.T) {
	s := startT(t, nil)
	s.SetFault(Monogoto, Fault{Times: 5, Status: http.StatusServiceUnavailable})
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := getBearer(t, s.BaseURL(Monogoto)+"/things", "", nil)
			mu.Lock()
			statuses[a.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[http.StatusServiceUnavailable] != 5 || statuses[http.StatusUnauthorized] != 15 {
		t.Errorf("statuses %v", statuses)
	}
	if s.Count(Monogoto, EndpointAuthorized) != 20 {
		t.Errorf("count %d", s.Count(Monogoto, EndpointAuthorized))
	}
}

func TestPasswordsAndLastToken(t *testing.T) {
	s := startT(t, nil)
	want := []string{SeedMonogotoDemoPassword, SeedMonogotoViewerPassword, SeedCoioteOpsPassword, SeedCoioteAdminPassword,
		SeedCoioteClientSecret, SeedBienportDemoPassword, SeedBienportPhonePassword, SeedThingsboardTenantPassword,
		SeedThingsboardCustomerPassword, SeedThingsboardLockedPassword, SeedThingsboardDisabledPassword,
		SeedThingsboardTwoFactorPassword, SeedThingsboardAPIKeyValue}
	got := s.Passwords()
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Passwords %v", got)
	}
	for _, p := range Platforms() {
		if s.LastToken(p) != "" {
			t.Errorf("%s LastToken before any login", p)
		}
	}
	bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false)
	last := bienportLogin(t, s, SeedBienportPhone.ScreenName, SeedBienportPhonePassword, false).str(t, "token")
	if s.LastToken(Bienport) != last || s.LastToken(Coiote) != "" {
		t.Error("LastToken")
	}
	for _, secret := range s.IssuedSecrets() {
		for _, pw := range want {
			if strings.Contains(secret, pw) {
				t.Error("an issued secret contains a password")
			}
		}
	}
}

func TestRevokeTokens(t *testing.T) {
	s := startT(t, nil)
	tok := coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword).str(t, "access_token")
	mtok := monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword).str(t, "token")
	s.RevokeTokens(Coiote)
	wantStatus(t, getBearer(t, s.BaseURL(Coiote)+"/api/coiotedm/v3/devices", tok, nil), http.StatusUnauthorized)
	wantStatus(t, getBearer(t, s.BaseURL(Monogoto)+"/things", mtok, nil), http.StatusOK)
}

func TestUnknownPathsAndAdminEndpoints(t *testing.T) {
	s := startT(t, nil)
	for _, p := range Platforms() {
		a := send(t, nil, http.MethodGet, s.BaseURL(p)+"/does/not/exist", nil, "")
		wantStatus(t, a, http.StatusNotFound)
		if a.str(t, "error") != "not found" {
			t.Errorf("%s: %s", p, a.body)
		}
	}
	wantStatus(t, send(t, nil, http.MethodDelete, s.BaseURL(Bienport)+"/auth/login", nil, ""), http.StatusNotFound)
	coioteLogin(t, s, SeedCoioteOps.Login, "bad")

	root := strings.TrimSuffix(s.BaseURL(Bienport), "/api")
	a := send(t, nil, http.MethodGet, root+"/__mock/counts", nil, "")
	wantStatus(t, a, http.StatusOK)
	var counts map[string]int64
	a.decode(t, &counts)
	if counts["other"] != 2 || counts["total"] != 2 || counts["login"] != 0 || len(counts) != len(Endpoints())+1 {
		t.Errorf("bienport counts %v", counts)
	}
	a = send(t, nil, http.MethodGet, s.BaseURL(Coiote)+"/__mock/counts", nil, "")
	if err := json.Unmarshal(a.body, &counts); err != nil || counts["login"] != 1 || counts["total"] != 2 {
		t.Errorf("coiote counts %s", a.body)
	}
	wantStatus(t, send(t, nil, http.MethodPost, root+"/__mock/reset", nil, ""), http.StatusNoContent)
	if s.Count(Bienport, "") != 0 || s.Count(Coiote, "") != 2 {
		t.Error("reset must touch only its own platform")
	}
	wantStatus(t, send(t, nil, http.MethodGet, root+"/__mock/reset", nil, ""), http.StatusNotFound)
	// Admin requests are neither counted nor faulted.
	s.SetFault(Bienport, Fault{Status: http.StatusInternalServerError})
	wantStatus(t, send(t, nil, http.MethodGet, root+"/__mock/counts", nil, ""), http.StatusOK)
	if s.Count(Bienport, "") != 0 {
		t.Error("admin requests were counted")
	}
}

// TestAdminFault: a fault installed over HTTP (what a user's pipeline does
// with a standalone iotauth-mock) applies to its platform only, for Times
// requests, and DELETE removes it; a typo is refused, not ignored.
func TestAdminFault(t *testing.T) {
	s := startT(t, nil)
	admin := s.BaseURL(Coiote) + "/__mock/fault"
	wantStatus(t, send(t, nil, http.MethodPost, admin, nil, `{"endpoint": "login", "times": 1, "status": 503, "retry_after": "1", "latency": "10ms"}`), http.StatusNoContent)
	a := coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword)
	if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") != "1" {
		t.Errorf("faulted login: %d %v", a.status, a.header)
	}
	wantStatus(t, coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword), http.StatusCreated)
	wantStatus(t, monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword), http.StatusOK)

	wantStatus(t, send(t, nil, http.MethodPost, admin, nil, `{"status": 500}`), http.StatusNoContent)
	wantStatus(t, coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword), http.StatusInternalServerError)
	wantStatus(t, send(t, nil, http.MethodDelete, admin, nil, ""), http.StatusNoContent)
	wantStatus(t, coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword), http.StatusCreated)

	for _, body := range []string{`{"statuss": 500}`, `{"endpoint": "logn"}`, `{"times": -1}`, `not json`} {
		if a := send(t, nil, http.MethodPost, admin, nil, body); a.status != http.StatusBadRequest || !strings.Contains(string(a.body), "invalid fault") {
			t.Errorf("%s: %d %s", body, a.status, a.body)
		}
	}
	wantStatus(t, coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword), http.StatusCreated)
}

func TestReceivedRequests(t *testing.T) {
	s := startT(t, nil)
	monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	send(t, nil, http.MethodGet, s.BaseURL(Monogoto)+"/things?limit=1&offset=0", map[string]string{"User-Agent": "probe/1"}, "")
	got := s.ReceivedRequests(Monogoto)
	if len(got) != 2 {
		t.Fatalf("%d requests", len(got))
	}
	if got[0].Method != http.MethodPost || got[0].Path != "/Auth" || got[0].Endpoint != EndpointLogin ||
		!strings.Contains(string(got[0].Body), SeedMonogotoDemoPassword) || got[0].Header.Get("Content-Type") != "application/json" {
		t.Errorf("first %+v", got[0])
	}
	if got[1].Endpoint != EndpointAuthorized || got[1].RawQuery != "limit=1&offset=0" || got[1].Header.Get("User-Agent") != "probe/1" {
		t.Errorf("second %+v", got[1])
	}
}

func TestLoginRateLimit(t *testing.T) {
	s := startT(t, nil)
	s.SetLoginRateLimit(Bienport, 2, time.Minute)
	wantStatus(t, bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false), http.StatusOK)
	wantStatus(t, bienportLogin(t, s, SeedBienportDemo.ScreenName, "wrong", false), http.StatusUnauthorized)
	a := bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false)
	wantStatus(t, a, http.StatusTooManyRequests)
	if a.header.Get("Retry-After") != "60" || a.str(t, "error") != "TooManyRequestsException" || a.obj(t)["statusCode"] != float64(429) {
		t.Errorf("429: %v %s", a.header, a.body)
	}
	// Other platforms are not limited.
	for range 3 {
		wantStatus(t, monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword), http.StatusOK)
	}
	s.AdvanceClock(time.Minute)
	wantStatus(t, bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false), http.StatusOK)
	if s.Count(Bienport, EndpointLogin) != 4 {
		t.Errorf("count %d", s.Count(Bienport, EndpointLogin))
	}

	// Coiote's password and client-credentials grants share the limit.
	s.SetLoginRateLimit(Coiote, 2, time.Minute)
	wantStatus(t, coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword), http.StatusCreated)
	cc := url.Values{"grant_type": {"client_credentials"}, "client_id": {SeedCoioteClient.ClientID}, "client_secret": {SeedCoioteClientSecret}}
	wantStatus(t, postFormT(t, s.BaseURL(Coiote)+CoioteIAMTokenPath(SeedCoioteRealm), cc), http.StatusOK)
	a = coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword)
	wantStatus(t, a, http.StatusTooManyRequests)
	if ra, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || ra < 59 || ra > 60 || a.str(t, "error") != "too many requests" {
		t.Errorf("coiote 429: %v %s", a.header, a.body)
	}
	s.SetLoginRateLimit(Coiote, 0, 0)
	wantStatus(t, coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword), http.StatusCreated)

	s.SetLoginRateLimit(Monogoto, 1, time.Minute)
	a = monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	wantStatus(t, a, http.StatusOK)
	a = monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
		t.Errorf("monogoto 429: %d %v", a.status, a.header)
	}
	for _, c := range []struct {
		p  platform.Name
		ep Endpoint
	}{{Coiote, EndpointProfile}, {Bienport, EndpointV1Login}, {"nope", EndpointLogin}} {
		if s.SetRateLimit(c.p, c.ep, 1, time.Minute) {
			t.Errorf("SetRateLimit(%s, %s) reported a limit", c.p, c.ep)
		}
	}
}

func TestTLS(t *testing.T) {
	s := startT(t, func(c *Config) { c.TLS = true })
	block, _ := pem.Decode([]byte(s.CACertPEM()))
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("CACertPEM %q", s.CACertPEM())
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.IPAddresses) == 0 || !cert.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) || !contains(cert.DNSNames, "localhost") {
		t.Errorf("SANs %v %v", cert.IPAddresses, cert.DNSNames)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfigFor(s)}}
	for _, p := range Platforms() {
		if !strings.HasPrefix(s.BaseURL(p), "https://127.0.0.1:") {
			t.Errorf("%s BaseURL %q", p, s.BaseURL(p))
		}
	}
	a := send(t, c, http.MethodPost, s.BaseURL(Monogoto)+"/Auth", nil,
		`{"UserName":"demo@monogoto.io","Password":"`+SeedMonogotoDemoPassword+`"}`)
	wantStatus(t, a, http.StatusOK)
	a = send(t, c, http.MethodPost, s.BaseURL(Bienport)+"/auth/login", nil,
		`{"screenName":"bienport.demo","password":"`+SeedBienportDemoPassword+`"}`)
	wantStatus(t, a, http.StatusOK)

	// Without the CA the handshake fails.
	resp, err := http.Get(s.BaseURL(Coiote) + "/api/coiotedm/v3/devices")
	if err == nil {
		resp.Body.Close()
		t.Fatal("a client without the CA connected")
	}
	var unknownAuthority x509.UnknownAuthorityError
	if !errors.As(err, &unknownAuthority) {
		t.Errorf("error %v, want an unknown authority", err)
	}
	// Plain HTTP to the TLS port does not get an answer from a platform.
	plain := strings.Replace(s.BaseURL(Coiote), "https://", "http://", 1)
	if resp, err := http.Get(plain + "/api/coiotedm/v3/devices"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP got %d", resp.StatusCode)
		}
	}
}

func TestLoadConfigFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mock.json")
	body := `{
		"monogoto": [{"user_name": "solo@example.com", "password": "solo-pw", "customer_id": "cid_solo",
			"user_profile": {"permissions": {"Things": ["view"]}, "name": "Solo", "cas": "1"}}],
		"coiote_token_lifetime": "90s",
		"bienport_lifetime": 60,
		"monogoto_token_lifetime": "2h",
		"monogoto_v1_rate_limit": -1,
		"monogoto_opaque_tokens": true,
		"latency": "5ms",
		"ports": {"coiote": 0}
	}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Monogoto) != 1 || cfg.Monogoto[0].CustomerID != "cid_solo" || cfg.Monogoto[0].Profile.Permissions["Things"][0] != "view" {
		t.Errorf("monogoto accounts %+v", cfg.Monogoto)
	}
	// A listed account replaces the seeds: it inherits none of their fields.
	if a := cfg.Monogoto[0]; a.UserID != "" || a.Realm != "" || len(a.Profile.Permissions) != 1 || a.ThingsGroupIDs != nil {
		t.Errorf("the listed account inherited a seed's fields: %+v", a)
	}
	if !reflect.DeepEqual(cfg.Coiote, []CoioteAccount{SeedCoioteOps, SeedCoioteAdmin}) || len(cfg.Bienport) != 2 || len(cfg.CoioteClients) != 1 {
		t.Errorf("the other platforms should keep the seeded accounts")
	}
	if cfg.CoioteTokenLifetime != 90*time.Second || cfg.BienportLifetime != time.Minute || cfg.MonogotoTokenLifetime != 2*time.Hour ||
		cfg.BienportRememberMeLifetime != DefaultBienportRememberMeLifetime || cfg.Latency != 5*time.Millisecond ||
		cfg.MonogotoV1RateLimit != -1 || !cfg.MonogotoOpaqueTokens || cfg.ListenHost != DefaultListenHost {
		t.Errorf("config %+v", cfg)
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 7 { // the v1 limit is off
		wantStatus(t, v1Login(t, s, "solo@example.com", "solo-pw"), http.StatusOK)
	}
	wantStatus(t, monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword), http.StatusNotFound)

	for name, bad := range map[string]string{
		"unknown key":      `{"monogotoo": []}`,
		"bad duration":     `{"latency": "soon"}`,
		"unknown platform": `{"ports": {"acme": 1}}`,
		"not JSON":         `monogoto = []`,
	} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadConfigFile(path); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := LoadConfigFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestStartValidates(t *testing.T) {
	for name, mut := range map[string]func(*Config){
		"duplicate user": func(c *Config) { c.Monogoto = append(c.Monogoto, c.Monogoto[0]) },
		"empty login":    func(c *Config) { c.Coiote = append(c.Coiote, CoioteAccount{Password: "x"}) },
		"client realm":   func(c *Config) { c.CoioteClients = append(c.CoioteClients, CoioteClient{ClientID: "x"}) },
		"bad platform":   func(c *Config) { c.Ports = map[platform.Name]int{"nope": 1} },
		"bracketed host": func(c *Config) { c.ListenHost = "[::1]" },
	} {
		cfg := DefaultConfig()
		mut(&cfg)
		if s, err := Start(cfg); err == nil {
			s.Close()
			t.Errorf("%s: Start accepted it", name)
		}
	}
}

func TestDefaultConfigIsACopy(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Monogoto[0].Profile.Permissions["API"][0] = "changed"
	cfg.Bienport[0].Resources[0].ResourceName = "changed"
	if SeedMonogotoDemo.Profile.Permissions["API"][0] != "view" || SeedBienportDemo.Resources[0].ResourceName != "Bimetri Demo Konsantratör" {
		t.Fatal("editing a DefaultConfig changed the exported seeds")
	}
	if !reflect.DeepEqual(DefaultConfig().Monogoto[0], SeedMonogotoDemo) || !reflect.DeepEqual(DefaultConfig().Bienport[1], SeedBienportPhone) {
		t.Error("DefaultConfig's accounts differ from the seeds")
	}
	if d := DefaultConfig(); d.CoioteTokenLifetime != 300*time.Second || d.BienportLifetime != 3*time.Hour ||
		d.BienportRememberMeLifetime != 90*24*time.Hour || d.MonogotoTokenLifetime != 4*time.Hour ||
		d.MonogotoV1RateLimit != 5 || d.MonogotoV1RateWindow != time.Minute {
		t.Errorf("defaults %+v", d)
	}
}

func TestShutdown(t *testing.T) {
	cfg := DefaultConfig()
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base := s.BaseURL(Monogoto)
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Close() // twice is fine
	if resp, err := http.Get(base + "/things"); err == nil {
		resp.Body.Close()
		t.Fatalf("still serving after Shutdown: %d", resp.StatusCode)
	}
}

func TestLimiterSlidingWindow(t *testing.T) {
	l := newLimiter(2, time.Second)
	t0 := time.Unix(1000, 0)
	for i, step := range []struct {
		at   time.Duration
		key  string
		ok   bool
		wait time.Duration
	}{
		{0, "a", true, 0},
		{300 * time.Millisecond, "a", true, 0},
		{400 * time.Millisecond, "a", false, 600 * time.Millisecond},
		{400 * time.Millisecond, "b", true, 0}, // another client IP
		{999 * time.Millisecond, "a", false, time.Millisecond},
		{time.Second, "a", true, 0}, // the first call has left the window
		{1200 * time.Millisecond, "a", false, 100 * time.Millisecond},
		{1300 * time.Millisecond, "a", true, 0},
	} {
		ok, wait := l.allow(step.key, t0.Add(step.at))
		if ok != step.ok || wait != step.wait {
			t.Errorf("step %d: allow = %v, %v; want %v, %v", i, ok, wait, step.ok, step.wait)
		}
	}
	for d, want := range map[time.Duration]int{
		time.Millisecond: 1, 999 * time.Millisecond: 1, time.Second: 1, time.Second + 1: 2, 59500 * time.Millisecond: 60, 0: 1,
	} {
		if got := retryAfterSeconds(d); got != want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestAdvanceClockMovesIssuedTimes(t *testing.T) {
	s := startT(t, nil)
	s.AdvanceClock(-time.Hour) // ignored
	s.AdvanceClock(48 * time.Hour)
	tok := bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false).str(t, "token")
	claims := verifyJWT(t, s, tok)
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil {
		t.Fatal(err)
	}
	if d := time.Until(iat.Time); d < 47*time.Hour || d > 49*time.Hour {
		t.Errorf("iat is %v ahead, want 48h", d)
	}
}

package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFaultStatusTimesThenSuccess(t *testing.T) {
	s := startT(t, nil)
	s.SetFault(Coiote, Fault{Endpoint: EndpointLogin, Times: 2, Status: http.StatusServiceUnavailable, RetryAfter: "7"})
	for i := range 2 {
		a := coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword)
		wantStatus(t, a, http.StatusServiceUnavailable)
		if a.header.Get("Retry-After") != "7" || a.str(t, "error") != "Service Unavailable" {
			t.Errorf("attempt %d: %v %s", i, a.header, a.body)
		}
	}
	wantStatus(t, coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword), http.StatusCreated)
	if n := s.Count(Coiote, EndpointLogin); n != 3 {
		t.Errorf("login count %d, want 3 (faulted requests count)", n)
	}
	if n := len(s.IssuedSecrets()); n != 1 {
		t.Errorf("%d secrets issued, want 1", n)
	}
}

func TestFaultScope(t *testing.T) {
	s := startT(t, nil)
	s.SetFault(Monogoto, Fault{Endpoint: EndpointAuthorized, Status: http.StatusInternalServerError})
	a := monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	wantStatus(t, a, http.StatusOK) // another endpoint
	wantStatus(t, coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword), http.StatusCreated)
	for range 3 { // no Times: it lasts
		wantStatus(t, getBearer(t, s.BaseURL(Monogoto)+"/things", a.str(t, "token"), nil), http.StatusInternalServerError)
	}

	// An all-endpoints fault applies where no specific one does; a
	// specific one wins.
	s.SetFault(Monogoto, Fault{Status: http.StatusTeapot, Body: "short and stout"})
	b := monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	wantStatus(t, b, http.StatusTeapot)
	if string(b.body) != "short and stout" || b.header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("%q %v", b.body, b.header)
	}
	wantStatus(t, getBearer(t, s.BaseURL(Monogoto)+"/things", a.str(t, "token"), nil), http.StatusInternalServerError)
	wantStatus(t, send(t, nil, http.MethodGet, s.BaseURL(Monogoto)+"/unknown", nil, ""), http.StatusTeapot)

	s.ClearFaults()
	wantStatus(t, getBearer(t, s.BaseURL(Monogoto)+"/things", a.str(t, "token"), nil), http.StatusOK)
	wantStatus(t, monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword), http.StatusOK)
}

func TestFaultCustomBodyAndContentType(t *testing.T) {
	s := startT(t, nil)
	s.SetFault(Bienport, Fault{Endpoint: EndpointLogin, Times: 1, Body: `{"ok":true}`})
	a := bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false)
	wantStatus(t, a, http.StatusOK)
	if string(a.body) != `{"ok":true}` || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("%q %v", a.body, a.header)
	}
	s.SetFault(Bienport, Fault{Endpoint: EndpointLogin, Times: 1, RetryAfter: "Wed, 21 Oct 2026 07:28:00 GMT"})
	a = bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false)
	wantStatus(t, a, http.StatusTooManyRequests)
	if a.header.Get("Retry-After") != "Wed, 21 Oct 2026 07:28:00 GMT" {
		t.Errorf("Retry-After %q", a.header.Get("Retry-After"))
	}
	s.SetFault(Bienport, Fault{Endpoint: EndpointLogin, Times: 1, Status: 500, Body: "oops", ContentType: "application/problem+json"})
	a = bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false)
	if a.status != 500 || string(a.body) != "oops" || a.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%d %q %v", a.status, a.body, a.header)
	}
	wantStatus(t, bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false), http.StatusOK)
}

func TestFaultLatency(t *testing.T) {
	s := startT(t, nil)
	s.SetFault(Monogoto, Fault{Endpoint: EndpointLogin, Times: 1, Latency: 60 * time.Millisecond})
	start := time.Now()
	a := monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("answered after %v, want >= 60ms", d)
	}
	wantStatus(t, a, http.StatusOK) // latency alone keeps the real answer
	s.faultMu.Lock()
	left := len(s.faults)
	s.faultMu.Unlock()
	if left != 0 {
		t.Errorf("the fault outlived its Times: %d left", left)
	}

	slow := startT(t, func(c *Config) { c.Latency = 40 * time.Millisecond })
	start = time.Now()
	wantStatus(t, coioteLogin(t, slow, SeedCoioteOps.Login, SeedCoioteOpsPassword), http.StatusCreated)
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("Config.Latency: answered after %v", d)
	}
}

func TestFaultMalformedJSONAndHTML(t *testing.T) {
	s := startT(t, nil)
	s.SetFault(Monogoto, Fault{Endpoint: EndpointLogin, Times: 1, MalformedJSON: true})
	a := monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	wantStatus(t, a, http.StatusOK)
	if json.Valid(a.body) || a.header.Get("Content-Type") != "application/json" || !strings.HasPrefix(string(a.body), "{") {
		t.Errorf("malformed: %q %v", a.body, a.header)
	}

	s.SetFault(Monogoto, Fault{Endpoint: EndpointLogin, Times: 1, HTML: true})
	a = monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	wantStatus(t, a, http.StatusBadGateway)
	if a.header.Get("Content-Type") != "text/html" || !strings.Contains(string(a.body), "<title>502 Bad Gateway</title>") {
		t.Errorf("html: %q %v", a.body, a.header)
	}
	s.SetFault(Monogoto, Fault{Endpoint: EndpointLogin, Times: 1, HTML: true, Status: http.StatusOK})
	a = monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	if a.status != http.StatusOK || !strings.Contains(string(a.body), "<h1>200 OK</h1>") {
		t.Errorf("html 200: %d %q", a.status, a.body)
	}
}

func TestFaultNoToken(t *testing.T) {
	s := startT(t, nil)
	s.SetFault(Monogoto, Fault{Endpoint: EndpointLogin, Times: 1, NoToken: true})
	a := monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	wantStatus(t, a, http.StatusOK)
	m := a.obj(t)
	if _, has := m["token"]; has || m["CustomerId"] != SeedMonogotoDemo.CustomerID || m["refreshToken"] == nil {
		t.Errorf("monogoto: %s", a.body)
	}

	s.SetFault(Coiote, Fault{Endpoint: EndpointLogin, Times: 1, NoToken: true})
	a = coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword)
	wantStatus(t, a, http.StatusOK)
	m = a.obj(t)
	if _, has := m["access_token"]; has || m["expires_in"] != "300" || m["token_type"] != "Bearer" {
		t.Errorf("coiote: %s", a.body)
	}
	s.SetFault(Coiote, Fault{Endpoint: EndpointLogin, Times: 1, NoToken: true, Status: http.StatusCreated})
	wantStatus(t, coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword), http.StatusCreated)

	s.SetFault(Bienport, Fault{Endpoint: EndpointLogin, Times: 1, NoToken: true})
	a = bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false)
	if _, has := a.obj(t)["token"]; has || a.obj(t)["screenName"] != "bienport.demo" {
		t.Errorf("bienport: %s", a.body)
	}
}

func TestFaultOversized(t *testing.T) {
	s := startT(t, nil)
	const size = 2 << 20
	s.SetFault(Bienport, Fault{Endpoint: EndpointLogin, Times: 1, OversizedBytes: size})
	resp, err := http.Post(s.BaseURL(Bienport)+"/auth/login", "application/json",
		strings.NewReader(`{"screenName":"bienport.demo","password":"`+SeedBienportDemoPassword+`","rememberMe":false}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || len(b) < size || len(b) > size+16 {
		t.Fatalf("status %d, %d bytes", resp.StatusCode, len(b))
	}
	if cl, _ := strconv.Atoi(resp.Header.Get("Content-Length")); cl != len(b) {
		t.Errorf("Content-Length %d, body %d", cl, len(b))
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("the oversized body is not valid JSON: %v", err)
	}
	if tok, _ := m["token"].(string); !strings.HasPrefix(tok, JWTHeaderPrefix) || m["screenName"] != "bienport.demo" {
		t.Errorf("the padded answer lost its fields: %.200s", b)
	}

	// An error answer is padded too, keeping its status.
	s.SetFault(Monogoto, Fault{OversizedBytes: 4096, Times: 1})
	a := getBearer(t, s.BaseURL(Monogoto)+"/things", "", nil)
	if a.status != http.StatusUnauthorized || len(a.body) < 4096 || !json.Valid(a.body) || a.str(t, "message") != "Unauthorized" {
		t.Errorf("padded 401: %d, %d bytes", a.status, len(a.body))
	}
}

func TestFaultCloseMidResponse(t *testing.T) {
	s := startT(t, nil)
	s.SetFault(Coiote, Fault{Endpoint: EndpointLogin, Times: 1, CloseMidResponse: true})
	resp, err := http.Post(s.BaseURL(Coiote)+"/api/auth/oauth_password", "application/x-www-form-urlencoded",
		strings.NewReader("grant_type=password&username=acmeadmin&password="+SeedCoioteAdminPassword))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading the body: %v (want unexpected EOF), got %q", err, b)
	}
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(b, []byte(`{"token":"`)) || resp.ContentLength <= int64(len(b)) {
		t.Errorf("status %d, body %q, Content-Length %d", resp.StatusCode, b, resp.ContentLength)
	}
	wantStatus(t, coioteLogin(t, s, SeedCoioteAdmin.Login, SeedCoioteAdminPassword), http.StatusCreated)
	if n := s.Count(Coiote, EndpointLogin); n != 2 {
		t.Errorf("count %d", n)
	}
}

func TestFaultCloseMidResponseTLS(t *testing.T) {
	s := startT(t, func(c *Config) { c.TLS = true })
	s.SetFault(Monogoto, Fault{CloseMidResponse: true, Times: 1})
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfigFor(s)}}
	resp, err := c.Get(s.BaseURL(Monogoto) + "/things")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading the body: %v", err)
	}
}

func TestFaultRedirect(t *testing.T) {
	s := startT(t, nil)
	other := startT(t, nil)
	s.SetFault(Monogoto, Fault{Endpoint: EndpointLogin, RedirectTo: other.BaseURL(Monogoto) + "/"})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	a := send(t, noFollow, http.MethodPost, s.BaseURL(Monogoto)+"/Auth?x=1", nil, "{}")
	wantStatus(t, a, http.StatusTemporaryRedirect)
	if loc := a.header.Get("Location"); loc != other.BaseURL(Monogoto)+"/Auth?x=1" {
		t.Errorf("Location %q", loc)
	}
	// A following client re-sends the POST to the other server.
	b := monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	wantStatus(t, b, http.StatusOK)
	if other.LastToken(Monogoto) != b.str(t, "token") || s.LastToken(Monogoto) != "" {
		t.Error("the token should come from the redirect target")
	}
	if s.Count(Monogoto, EndpointLogin) != 2 || other.Count(Monogoto, EndpointLogin) != 1 {
		t.Errorf("counts %d %d", s.Count(Monogoto, EndpointLogin), other.Count(Monogoto, EndpointLogin))
	}
	s.SetFault(Monogoto, Fault{Endpoint: EndpointLogin, RedirectTo: "https://elsewhere.example", Status: http.StatusMovedPermanently})
	a = send(t, noFollow, http.MethodPost, s.BaseURL(Monogoto)+"/Auth", nil, "{}")
	if a.status != http.StatusMovedPermanently || a.header.Get("Location") != "https://elsewhere.example/Auth" {
		t.Errorf("%d %v", a.status, a.header)
	}
}

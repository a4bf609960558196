package mock

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testdata/seed001_login.json is the vendor's example answer, copied
// verbatim from Monogoto's documentation (shared/seeds/001).
func TestMonogotoLoginMatchesVendorExample(t *testing.T) {
	s := startT(t, nil)
	a := monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	wantStatus(t, a, http.StatusOK)
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	sameJSONExcept(t, "testdata/seed001_login.json", a.body, "token", "refreshToken")

	tok := a.str(t, "token")
	claims := verifyLifetime(t, s, tok, 4*time.Hour)
	if claims["sub"] != SeedMonogotoDemo.UserID || claims["CustomerId"] != SeedMonogotoDemo.CustomerID {
		t.Errorf("claims %v", claims)
	}
	rt := a.str(t, "refreshToken")
	if !strings.HasPrefix(rt, TokenPrefix+"rt_") || !isHex32(strings.TrimPrefix(rt, TokenPrefix+"rt_")) {
		t.Errorf("refresh token %q", rt)
	}
	if s.LastToken(Monogoto) != tok {
		t.Errorf("LastToken is not the token just issued")
	}
	if secrets := s.IssuedSecrets(); !contains(secrets, tok) || !contains(secrets, rt) {
		t.Errorf("IssuedSecrets lacks the token or the refresh token")
	}
	// The key order of the vendor example is kept.
	if !strings.HasPrefix(string(a.body), `{"token":"`) || !strings.Contains(string(a.body), `"UserProfile":{"Permissions":{`) {
		t.Errorf("unexpected layout: %.80s", a.body)
	}
}

func TestMonogotoViewerAccount(t *testing.T) {
	s := startT(t, nil)
	a := monogotoLogin(t, s, SeedMonogotoViewer.UserName, SeedMonogotoViewerPassword)
	wantStatus(t, a, http.StatusOK)
	var got monogotoLoginAnswer
	a.decode(t, &got)
	if got.CustomerID != SeedMonogotoViewer.CustomerID || got.CustomerID == SeedMonogotoDemo.CustomerID {
		t.Errorf("CustomerId %q", got.CustomerID)
	}
	if !got.AccountSettings.TwoFactorAuthentication {
		t.Error("TwoFactorAuthentication should be true")
	}
	if !reflect.DeepEqual(got.ThingsGroupIDs, SeedMonogotoViewer.ThingsGroupIDs) {
		t.Errorf("ThingsGroupIds %v", got.ThingsGroupIDs)
	}
	if !reflect.DeepEqual(got.UserProfile.Permissions, SeedMonogotoViewer.Profile.Permissions) ||
		len(got.UserProfile.Permissions) >= len(SeedMonogotoDemo.Profile.Permissions) {
		t.Errorf("Permissions %v", got.UserProfile.Permissions)
	}
	if got.UserProfile.Name != "Customer Viewer" || got.UserProfile.CAS != SeedMonogotoViewer.Profile.CAS {
		t.Errorf("profile %+v", got.UserProfile)
	}
}

func TestMonogotoLoginFailures(t *testing.T) {
	s := startT(t, nil)
	base := s.BaseURL(Monogoto)
	for name, a := range map[string]answer{
		"wrong password": monogotoLogin(t, s, SeedMonogotoDemo.UserName, "wrong"),
		"unknown user":   monogotoLogin(t, s, "nobody@example.com", SeedMonogotoDemoPassword),
		"empty password": monogotoLogin(t, s, SeedMonogotoDemo.UserName, ""),
		"other password": monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoViewerPassword),
	} {
		if a.status != http.StatusNotFound || string(a.body) != MonogotoAccessDeniedBody {
			t.Errorf("%s: %d %q", name, a.status, a.body)
		}
		if json.Valid(a.body) {
			t.Errorf("%s: the access-denied body should not be JSON", name)
		}
	}
	for name, body := range map[string]string{
		"not JSON":         `UserName=demo`,
		"missing password": `{"UserName":"demo@monogoto.io"}`,
		"lower-case keys":  `{"username":"demo@monogoto.io","password":"` + SeedMonogotoDemoPassword + `"}`,
		"number password":  `{"UserName":"demo@monogoto.io","Password":12}`,
		"empty":            ``,
		"array":            `[]`,
	} {
		a := send(t, nil, http.MethodPost, base+"/Auth", map[string]string{"Content-Type": "application/json"}, body)
		if a.status != http.StatusBadRequest || !strings.Contains(string(a.body), "required") {
			t.Errorf("%s: %d %q", name, a.status, a.body)
		}
	}
	// Paths are case sensitive and methods exact.
	wantStatus(t, send(t, nil, http.MethodGet, base+"/Auth", nil, ""), http.StatusNotFound)
	lower := send(t, nil, http.MethodPost, base+"/auth", nil,
		`{"UserName":"demo@monogoto.io","Password":"`+SeedMonogotoDemoPassword+`"}`)
	wantStatus(t, lower, http.StatusNotFound)
	if s.Count(Monogoto, EndpointLogin) != 10 || s.Count(Monogoto, EndpointOther) != 2 {
		t.Errorf("counts %v", s.Counts(Monogoto))
	}
}

func TestMonogotoThings(t *testing.T) {
	s := startT(t, nil)
	base := s.BaseURL(Monogoto)
	tok := monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword).str(t, "token")

	a := getBearer(t, base+"/things?limit=1&offset=0", tok, nil)
	wantStatus(t, a, http.StatusOK)
	var things []map[string]any
	if err := json.Unmarshal(a.body, &things); err != nil || len(things) != 1 {
		t.Fatalf("things %q: %v", a.body, err)
	}
	if things[0]["CustomerId"] != SeedMonogotoDemo.CustomerID || things[0]["ThingName"] != "mock-thing-1" {
		t.Errorf("thing %v", things[0])
	}
	a = getBearer(t, base+"/things?limit=5&offset=2", tok, nil)
	if err := json.Unmarshal(a.body, &things); err != nil || len(things) != 1 || things[0]["ThingName"] != "mock-thing-3" {
		t.Errorf("offset 2: %q", a.body)
	}
	wantStatus(t, getBearer(t, base+"/things?limit=-1", tok, nil), http.StatusBadRequest)

	wantStatus(t, getBearer(t, base+"/things?limit=1&offset=0", "", nil), http.StatusUnauthorized)
	wantStatus(t, getBearer(t, base+"/things", "not-a-token", nil), http.StatusUnauthorized)
	wantStatus(t, send(t, nil, http.MethodGet, base+"/things", map[string]string{"Authorization": tok}, ""), http.StatusUnauthorized)
	refresh := monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword).str(t, "refreshToken")
	wantStatus(t, getBearer(t, base+"/things", refresh, nil), http.StatusUnauthorized)
	coiote := coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword).str(t, "access_token")
	wantStatus(t, getBearer(t, base+"/things", coiote, nil), http.StatusUnauthorized)

	s.AdvanceClock(4*time.Hour - time.Minute)
	wantStatus(t, getBearer(t, base+"/things?limit=1&offset=0", tok, nil), http.StatusOK)
	s.AdvanceClock(time.Minute) // the token's 4 hours are over
	a = getBearer(t, base+"/things?limit=1&offset=0", tok, nil)
	wantStatus(t, a, http.StatusUnauthorized)
	if a.str(t, "message") != "Unauthorized" {
		t.Errorf("body %q", a.body)
	}
}

func TestMonogotoOpaqueTokens(t *testing.T) {
	s := startT(t, func(c *Config) { c.MonogotoOpaqueTokens = true })
	a := monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	wantStatus(t, a, http.StatusOK)
	tok := a.str(t, "token")
	if !strings.HasPrefix(tok, TokenPrefix+"mgt_") || !isHex32(strings.TrimPrefix(tok, TokenPrefix+"mgt_")) {
		t.Fatalf("opaque token %q", tok)
	}
	wantStatus(t, getBearer(t, s.BaseURL(Monogoto)+"/things", tok, nil), http.StatusOK)
	v1 := postJSON(t, s.BaseURL(Monogoto)+"/v1/auth/token",
		map[string]string{"username": SeedMonogotoDemo.UserName, "password": SeedMonogotoDemoPassword})
	if at := v1.str(t, "access_token"); !strings.HasPrefix(at, TokenPrefix+"mgt_") {
		t.Errorf("v1 opaque token %q", at)
	}
}

func TestMonogotoV1LoginAndRefreshRotation(t *testing.T) {
	s := startT(t, func(c *Config) { c.MonogotoV1RateLimit = -1 })
	a := v1Login(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	wantStatus(t, a, http.StatusOK)
	m := a.obj(t)
	if len(m) != 3 || m["token_type"] != "Bearer" {
		t.Fatalf("v1 answer %q", a.body)
	}
	at, rt := a.str(t, "access_token"), a.str(t, "refresh_token")
	verifyLifetime(t, s, at, 4*time.Hour)
	if !strings.HasPrefix(rt, TokenPrefix+"rt_") {
		t.Errorf("refresh token %q", rt)
	}
	wantStatus(t, getBearer(t, s.BaseURL(Monogoto)+"/things", at, nil), http.StatusOK)

	b := v1Refresh(t, s, rt)
	wantStatus(t, b, http.StatusOK)
	at2, rt2 := b.str(t, "access_token"), b.str(t, "refresh_token")
	if at2 == at || rt2 == rt {
		t.Fatal("refresh returned the same tokens")
	}
	wantV1Error(t, v1Refresh(t, s, rt), http.StatusUnauthorized, "refresh token") // single use
	wantStatus(t, v1Refresh(t, s, rt2), http.StatusOK)                            // the rotated one works once
	wantV1Error(t, v1Refresh(t, s, rt2), http.StatusUnauthorized, "refresh token")

	legacy := monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword).str(t, "refreshToken")
	wantV1Error(t, v1Refresh(t, s, legacy), http.StatusUnauthorized, "refresh token")
	wantV1Error(t, v1Refresh(t, s, at2), http.StatusUnauthorized, "refresh token")
	wantV1Error(t, v1Refresh(t, s, ""), http.StatusBadRequest, "refresh_token required")

	wantV1Error(t, v1Login(t, s, SeedMonogotoDemo.UserName, "bad"), http.StatusUnauthorized, "Invalid username or password")
	wantV1Error(t, postJSON(t, s.BaseURL(Monogoto)+"/v1/auth/token",
		map[string]string{"UserName": SeedMonogotoDemo.UserName, "Password": SeedMonogotoDemoPassword}),
		http.StatusBadRequest, "username and password required")
	if n := s.Count(Monogoto, EndpointRefresh); n != 7 {
		t.Errorf("refresh count %d", n)
	}
	if n := s.Count(Monogoto, EndpointV1Login); n != 3 {
		t.Errorf("v1 login count %d", n)
	}
}

func TestMonogotoV1RefreshExpires(t *testing.T) {
	s := startT(t, func(c *Config) { c.MonogotoV1RateLimit = -1 })
	rt := v1Login(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword).str(t, "refresh_token")
	s.AdvanceClock(24*time.Hour - time.Minute)
	rt = v1Refresh(t, s, rt).str(t, "refresh_token") // still valid; the new one lives 24 h from now
	s.AdvanceClock(24*time.Hour - time.Minute)
	rt2 := v1Refresh(t, s, rt).str(t, "refresh_token")
	s.AdvanceClock(24 * time.Hour)
	wantV1Error(t, v1Refresh(t, s, rt2), http.StatusUnauthorized, "expired")

	short := startT(t, func(c *Config) { c.MonogotoRefreshLifetime = time.Hour })
	rt = v1Login(t, short, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword).str(t, "refresh_token")
	short.AdvanceClock(time.Hour)
	wantV1Error(t, v1Refresh(t, short, rt), http.StatusUnauthorized, "expired")
}

func TestMonogotoV1DefaultRateLimit(t *testing.T) {
	s := startT(t, nil)
	rt := v1Login(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword).str(t, "refresh_token")
	wantStatus(t, v1Refresh(t, s, rt), http.StatusOK)
	wantStatus(t, v1Login(t, s, SeedMonogotoDemo.UserName, "wrong"), http.StatusUnauthorized) // failures count too
	wantStatus(t, v1Login(t, s, SeedMonogotoViewer.UserName, SeedMonogotoViewerPassword), http.StatusOK)
	wantStatus(t, v1Login(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword), http.StatusOK)

	a := v1Login(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword) // the sixth call
	wantV1Error(t, a, http.StatusTooManyRequests, "Too many")
	ra, err := strconv.Atoi(a.header.Get("Retry-After"))
	if err != nil || ra < 59 || ra > 60 {
		t.Errorf("Retry-After %q", a.header.Get("Retry-After"))
	}
	wantStatus(t, v1Refresh(t, s, "whatever"), http.StatusTooManyRequests)
	// The console API is not limited by default.
	wantStatus(t, monogotoLogin(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword), http.StatusOK)

	if !s.SetRateLimit(Monogoto, EndpointRefresh, 0, 0) { // the v1 login and refresh share the limit
		t.Fatal("SetRateLimit: Monogoto has no v1 limit")
	}
	wantStatus(t, v1Login(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword), http.StatusOK)

	s.SetRateLimit(Monogoto, EndpointV1Login, 1, 10*time.Second)
	wantStatus(t, v1Login(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword), http.StatusOK)
	a = v1Login(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	wantStatus(t, a, http.StatusTooManyRequests)
	if a.header.Get("Retry-After") != "10" {
		t.Errorf("Retry-After %q, want 10", a.header.Get("Retry-After"))
	}
	s.AdvanceClock(4 * time.Second)
	a = v1Login(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "6" {
		t.Errorf("after 4 s: %d, Retry-After %q", a.status, a.header.Get("Retry-After"))
	}
	s.AdvanceClock(6 * time.Second) // the window has passed
	wantStatus(t, v1Login(t, s, SeedMonogotoDemo.UserName, SeedMonogotoDemoPassword), http.StatusOK)
}

// TestReplayMonogotoDocs sends what Monogoto's documentation shows (seeds
// 000 and 001, its cURL examples, JSON layout kept) and what PLATFORMS.md
// gives for the v1 API, plus the `apikey: <CustomerId>` header that some
// endpoints want beside the bearer token.
func TestReplayMonogotoDocs(t *testing.T) {
	s := startT(t, nil)
	base := s.BaseURL(Monogoto)
	curl := map[string]string{"User-Agent": "curl/8.5.0", "Accept": "*/*"}

	// curl -X POST --url '.../Auth' -H 'Content-Type: application/json' -d '{...}'
	login := "{\n        \"UserName\": \"demo@monogoto.io\",\n        \"Password\": \"" + SeedMonogotoDemoPassword + "\"\n        }"
	a := send(t, nil, http.MethodPost, base+"/Auth", headers(curl, map[string]string{"Content-Type": "application/json"}), login)
	wantStatus(t, a, http.StatusOK)
	tok, cid := a.str(t, "token"), a.str(t, "CustomerId")
	// curl --request GET ... -H 'Accept: application/json' -H 'Authorization: Bearer {YOUR_TOKEN}'
	api := headers(curl, map[string]string{"Accept": "application/json", "Authorization": "Bearer " + tok, "apikey": cid})
	wantStatus(t, send(t, nil, http.MethodGet, base+"/things?limit=1&offset=0", api, ""), http.StatusOK)
	bad := strings.Replace(login, SeedMonogotoDemoPassword, "wrong", 1)
	a = send(t, nil, http.MethodPost, base+"/Auth", headers(curl, map[string]string{"Content-Type": "application/json"}), bad)
	if a.status != http.StatusNotFound || string(a.body) != MonogotoAccessDeniedBody {
		t.Errorf("bad credentials: %d %q", a.status, a.body)
	}

	// The v1 API: POST /v1/auth/token {"username","password"}, then
	// POST /v1/auth/refresh {"refresh_token"}.
	jsonBody := map[string]string{"Content-Type": "application/json"}
	a = send(t, nil, http.MethodPost, base+"/v1/auth/token", jsonBody,
		`{"username":"demo@monogoto.io","password":"`+SeedMonogotoDemoPassword+`"}`)
	wantStatus(t, a, http.StatusOK)
	a = send(t, nil, http.MethodPost, base+"/v1/auth/refresh", jsonBody, `{"refresh_token":"`+a.str(t, "refresh_token")+`"}`)
	wantStatus(t, a, http.StatusOK)
	if a.str(t, "token_type") != "Bearer" || a.str(t, "access_token") == "" {
		t.Errorf("refresh answer %s", a.body)
	}

	got := s.ReceivedRequests(Monogoto)
	if len(got) != 5 || got[1].Endpoint != EndpointAuthorized || got[1].Header.Get("apikey") != cid {
		t.Errorf("the apikey header was not recorded: %+v", got)
	}
}

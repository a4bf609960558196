package mock

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCoiotePasswordGrant(t *testing.T) {
	s := startT(t, nil)
	a := coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword)
	wantStatus(t, a, http.StatusCreated)
	if string(a.body[:17]) != `{"access_token":"` || !strings.HasSuffix(string(a.body), `,"token_type":"Bearer","expires_in":"300"}`) {
		t.Errorf("body %q", a.body)
	}
	tok := a.str(t, "access_token")
	claims := verifyLifetime(t, s, tok, 300*time.Second)
	if claims["sub"] != SeedCoioteOps.Login {
		t.Errorf("sub %v", claims["sub"])
	}
	if tok2 := coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword).str(t, "access_token"); tok2 == tok {
		t.Error("two logins returned the same token")
	}

	s2 := startT(t, func(c *Config) { c.CoioteTokenLifetime = 90 * time.Second })
	if got := coioteLogin(t, s2, SeedCoioteAdmin.Login, SeedCoioteAdminPassword).str(t, "expires_in"); got != "90" {
		t.Errorf("expires_in %q, want \"90\"", got)
	}
}

func TestCoiotePasswordGrantFailures(t *testing.T) {
	s := startT(t, nil)
	base := s.BaseURL(Coiote)
	for name, a := range map[string]answer{
		"wrong password": coioteLogin(t, s, SeedCoioteOps.Login, "nope"),
		"unknown user":   coioteLogin(t, s, "ghost", SeedCoioteOpsPassword),
		"empty password": coioteLogin(t, s, SeedCoioteOps.Login, ""),
	} {
		if a.status != http.StatusUnauthorized || string(a.body) != `{"error":"incorrect credentials"}` {
			t.Errorf("%s: %d %q", name, a.status, a.body)
		}
	}
	// A missing grant_type is the password grant (TestReplayCoiotePythonSDK);
	// any other, an empty one included, is refused.
	for name, grant := range map[string][]string{
		"client_credentials grant": {"client_credentials"},
		"refresh_token grant":      {"refresh_token"},
		"empty grant_type":         {""},
		"two grant types":          {"password", "password"},
	} {
		a := postFormT(t, base+"/api/auth/oauth_password",
			url.Values{"grant_type": grant, "username": {SeedCoioteOps.Login}, "password": {SeedCoioteOpsPassword}})
		if a.status != http.StatusBadRequest || a.str(t, "error") != "unsupported_grant_type" {
			t.Errorf("%s: %d %q", name, a.status, a.body)
		}
	}
	// A body that is not form-encoded holds no form fields.
	a := postJSON(t, base+"/api/auth/oauth_password",
		map[string]string{"grant_type": "password", "username": SeedCoioteOps.Login, "password": SeedCoioteOpsPassword})
	if a.status != http.StatusBadRequest || a.str(t, "error") != "invalid_request" {
		t.Errorf("JSON body: %d %q", a.status, a.body)
	}
	a = postFormT(t, base+"/api/auth/oauth_password", url.Values{"grant_type": {"password"}, "username": {SeedCoioteOps.Login}})
	if a.status != http.StatusBadRequest || a.str(t, "error") != "invalid_request" {
		t.Errorf("missing password: %d %q", a.status, a.body)
	}
	// Query parameters are not the form.
	q := send(t, nil, http.MethodPost, base+"/api/auth/oauth_password?grant_type=password&username=acmeadmin&password="+
		url.QueryEscape(SeedCoioteAdminPassword), nil, "")
	wantStatus(t, q, http.StatusBadRequest)
	wantStatus(t, send(t, nil, http.MethodGet, base+"/api/auth/oauth_password", nil, ""), http.StatusNotFound)
}

func TestCoioteUsersEndpoint(t *testing.T) {
	s := startT(t, func(c *Config) {
		c.Coiote = append(c.Coiote, CoioteAccount{Login: "team/ops", Password: "slash-pw", Active: true, Domain: "/IoT/team/"})
	})
	base := s.BaseURL(Coiote) + "/api/coiotedm/v3/users/"
	ops := coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword).str(t, "access_token")

	for _, seg := range []string{"ops%40acme.example", "ops@acme.example"} {
		a := getBearer(t, base+seg, ops, nil)
		wantStatus(t, a, http.StatusOK)
		var u map[string]any
		a.decode(t, &u)
		for _, k := range []string{"userId", "login", "active", "superUser", "staff", "domain", "expirationDate",
			"creationDate", "roles", "permissions", "fullName", "properties", "accessSchedule", "securityPolicyId", "password"} {
			if _, ok := u[k]; !ok {
				t.Errorf("the user object has no %q", k)
			}
		}
		if u["login"] != SeedCoioteOps.Login || u["userId"] != SeedCoioteOps.UserID || u["domain"] != "/IoT/acme/" ||
			u["active"] != true || u["superUser"] != false || u["expirationDate"] != nil || u["fullName"] != "Acme Operations" {
			t.Errorf("user %s", a.body)
		}
		pw, _ := u["password"].(string)
		if !strings.HasPrefix(pw, TokenPrefix+"pwhash_") || !contains(s.IssuedSecrets(), pw) {
			t.Errorf("password field %q should be a recorded mock secret", pw)
		}
		if strings.Contains(string(a.body), SeedCoioteOpsPassword) {
			t.Error("the user object holds the plain password")
		}
	}
	wantStatus(t, getBearer(t, base+"acmeadmin", ops, nil), http.StatusForbidden)
	wantStatus(t, getBearer(t, base+"ghost", ops, nil), http.StatusForbidden)
	wantStatus(t, getBearer(t, base+"ops%40acme.example", "", nil), http.StatusUnauthorized)
	a := getBearer(t, base+"ops%40acme.example", ops+"x", nil)
	wantStatus(t, a, http.StatusUnauthorized)
	if a.str(t, "error") != "Unauthorized" || a.header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 answer %q %v", a.body, a.header)
	}

	admin := coioteLogin(t, s, SeedCoioteAdmin.Login, SeedCoioteAdminPassword).str(t, "access_token")
	a = getBearer(t, base+"ops%40acme.example", admin, nil)
	wantStatus(t, a, http.StatusOK)
	if a.str(t, "login") != SeedCoioteOps.Login {
		t.Errorf("admin read %q", a.body)
	}
	a = getBearer(t, base+"acmeadmin", admin, nil)
	if a.obj(t)["expirationDate"] != SeedCoioteAdmin.ExpirationDate || a.obj(t)["superUser"] != true {
		t.Errorf("admin %s", a.body)
	}
	wantStatus(t, getBearer(t, base+"ghost", admin, nil), http.StatusNotFound)
	wantStatus(t, getBearer(t, base+"team%2Fops", admin, nil), http.StatusOK)
	slash := coioteLogin(t, s, "team/ops", "slash-pw").str(t, "access_token")
	a = getBearer(t, base+"team%2Fops", slash, nil)
	wantStatus(t, a, http.StatusOK)
	if a.str(t, "login") != "team/ops" {
		t.Errorf("slash login %q", a.body)
	}
	// An unescaped slash is two segments: not the users endpoint.
	wantStatus(t, getBearer(t, base+"team/ops", admin, nil), http.StatusNotFound)
	if n, o := s.Count(Coiote, EndpointProfile), s.Count(Coiote, EndpointOther); n != 11 || o != 1 {
		t.Errorf("profile count %d, other %d", n, o)
	}
}

func TestCoioteDevicesAndExpiry(t *testing.T) {
	short := startT(t, func(c *Config) { c.CoioteTokenLifetime = 60 * time.Millisecond })
	if got := coioteLogin(t, short, SeedCoioteOps.Login, SeedCoioteOpsPassword).str(t, "expires_in"); got != "0" {
		t.Errorf("expires_in %q for a 60 ms lifetime", got)
	}

	s := startT(t, nil)
	tok := coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword).str(t, "access_token")
	dev := getBearer(t, s.BaseURL(Coiote)+"/api/coiotedm/v3/devices", tok, nil)
	wantStatus(t, dev, http.StatusOK)
	var devices []map[string]any
	if err := json.Unmarshal(dev.body, &devices); err != nil || len(devices) != 2 || devices[0]["domain"] != "/IoT/acme/" {
		t.Errorf("devices %q", dev.body)
	}
	wantStatus(t, getBearer(t, s.BaseURL(Coiote)+"/api/coiotedm/v3/devices", "", nil), http.StatusUnauthorized)
	s.AdvanceClock(299 * time.Second)
	wantStatus(t, getBearer(t, s.BaseURL(Coiote)+"/api/coiotedm/v3/devices", tok, nil), http.StatusOK)
	s.AdvanceClock(time.Second) // 300 s: expired
	wantStatus(t, getBearer(t, s.BaseURL(Coiote)+"/api/coiotedm/v3/devices", tok, nil), http.StatusUnauthorized)
	wantStatus(t, getBearer(t, s.BaseURL(Coiote)+"/api/coiotedm/v3/users/ops%40acme.example", tok, nil), http.StatusUnauthorized)
}

func TestCoioteClientCredentials(t *testing.T) {
	s := startT(t, nil)
	u := s.BaseURL(Coiote) + CoioteIAMTokenPath(SeedCoioteRealm)
	ok := url.Values{"grant_type": {"client_credentials"}, "client_id": {SeedCoioteClient.ClientID}, "client_secret": {SeedCoioteClientSecret}}
	a := postFormT(t, u, ok)
	wantStatus(t, a, http.StatusOK)
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   any    `json:"expires_in"`
	}
	a.decode(t, &tok)
	if n, isNum := tok.ExpiresIn.(float64); !isNum || n != 300 || tok.TokenType != "Bearer" {
		t.Errorf("answer %q: expires_in must be the number 300", a.body)
	}
	verifyLifetime(t, s, tok.AccessToken, 300*time.Second)
	wantStatus(t, getBearer(t, s.BaseURL(Coiote)+"/api/coiotedm/v3/devices", tok.AccessToken, nil), http.StatusOK)
	wantStatus(t, getBearer(t, s.BaseURL(Coiote)+"/api/coiotedm/v3/users/iotauth-ci", tok.AccessToken, nil), http.StatusForbidden)

	// HTTP Basic client authentication.
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(SeedCoioteClient.ClientID, SeedCoioteClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("basic auth: %d", resp.StatusCode)
	}

	bad := url.Values{"grant_type": {"client_credentials"}, "client_id": {SeedCoioteClient.ClientID}, "client_secret": {"wrong"}}
	a = postFormT(t, u, bad)
	if a.status != http.StatusUnauthorized || a.str(t, "error") != "invalid_client" {
		t.Errorf("bad secret: %d %q", a.status, a.body)
	}
	a = postFormT(t, s.BaseURL(Coiote)+CoioteIAMTokenPath("other-realm"), ok)
	wantStatus(t, a, http.StatusNotFound)
	pw := url.Values{"grant_type": {"password"}, "client_id": {SeedCoioteClient.ClientID}, "client_secret": {SeedCoioteClientSecret}}
	a = postFormT(t, u, pw)
	if a.status != http.StatusBadRequest || a.str(t, "error") != "unsupported_grant_type" {
		t.Errorf("password grant on IAM: %d %q", a.status, a.body)
	}
	if n := s.Count(Coiote, EndpointClientCredentials); n != 5 {
		t.Errorf("client credentials count %d", n)
	}
}

// TestReplayCoiotePythonSDK sends what AVSystem's own Python SDK sends
// (python-coiote 2.x, coiote/auth.py, Authenticator, over the requests
// library) and checks the answers PLATFORMS.md gives: the password login is
// form fields username and password only, without grant_type, and must
// answer 201; the service-account login must answer 200. From its first
// token on, the SDK's session adds Authorization, API-Client and API-Auth
// to every request, later logins included.
func TestReplayCoiotePythonSDK(t *testing.T) {
	s := startT(t, nil)
	base := s.BaseURL(Coiote)
	// What requests adds to every call, and to a form body.
	requestsDefaults := map[string]string{
		"User-Agent": "python-requests/2.31.0", "Accept-Encoding": "gzip, deflate", "Accept": "*/*", "Connection": "keep-alive",
	}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	session := func(token, authType string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + token, "API-Client": "coiote-python", "API-Auth": authType}
	}

	// acquire_token: session.post(url=oauth_url, data=asdict(Credentials)),
	// which requests encodes in field order.
	login := "username=ops%40acme.example&password=" + SeedCoioteOpsPassword
	a := send(t, nil, http.MethodPost, base+"/api/auth/oauth_password", headers(requestsDefaults, form), login)
	wantStatus(t, a, http.StatusCreated) // _extract_token(..., allowed_response_code=201)
	tok := a.str(t, "access_token")
	if n, err := strconv.Atoi(a.str(t, "expires_in")); err != nil || n != 300 { // int(json['expires_in'])
		t.Errorf("expires_in %q", a.str(t, "expires_in"))
	}
	wantStatus(t, send(t, nil, http.MethodGet, base+"/api/coiotedm/v3/devices",
		headers(requestsDefaults, session(tok, "CREDENTIALS")), ""), http.StatusOK)
	// should_acquire_token: 60 s before expiry it logs in again, the
	// session's headers (the old token included) still set.
	s.AdvanceClock(241 * time.Second)
	a = send(t, nil, http.MethodPost, base+"/api/auth/oauth_password",
		headers(requestsDefaults, session(tok, "CREDENTIALS"), form), login)
	wantStatus(t, a, http.StatusCreated)
	if a.str(t, "access_token") == tok {
		t.Error("the re-login returned the old token")
	}

	// acquire_token_for_sa: to_token_request_data() escapes with
	// quote(safe=''); the seeded ID and secret hold nothing to escape.
	sa := "grant_type=client_credentials&client_id=iotauth-ci&client_secret=" + SeedCoioteClientSecret
	iam := base + CoioteIAMTokenPath(SeedCoioteRealm)
	a = send(t, nil, http.MethodPost, iam, headers(requestsDefaults, form), sa)
	wantStatus(t, a, http.StatusOK) // allowed_response_code=200
	saTok := a.str(t, "access_token")
	if n, ok := a.obj(t)["expires_in"].(float64); !ok || n != 300 {
		t.Errorf("expires_in %s", a.body)
	}
	wantStatus(t, send(t, nil, http.MethodGet, base+"/api/coiotedm/v3/devices",
		headers(requestsDefaults, session(saTok, "SERVICE_ACCOUNT")), ""), http.StatusOK)
	wantStatus(t, send(t, nil, http.MethodPost, iam, headers(requestsDefaults, session(saTok, "SERVICE_ACCOUNT"), form), sa),
		http.StatusOK)

	// The vendor headers are recorded as sent.
	got := s.ReceivedRequests(Coiote)
	if len(got) != 6 {
		t.Fatalf("%d requests recorded", len(got))
	}
	relogin := got[2]
	if relogin.Endpoint != EndpointLogin || relogin.Header.Get("API-Client") != "coiote-python" ||
		relogin.Header.Get("API-Auth") != "CREDENTIALS" || string(relogin.Body) != login {
		t.Errorf("re-login recorded as %+v", relogin)
	}
	if got[5].Endpoint != EndpointClientCredentials || got[5].Header.Get("API-Auth") != "SERVICE_ACCOUNT" {
		t.Errorf("service-account re-login recorded as %+v", got[5])
	}
}

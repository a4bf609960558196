package mock

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// TestBienportLogout: the logout revokes the token it names (and only
// that one), after which the profile-style endpoints refuse it; malformed
// bodies, another user's ID or token, and a missing bearer token are refused.
func TestBienportLogout(t *testing.T) {
	s := startT(t, nil)
	base := s.BaseURL(Bienport)
	org := map[string]string{"OrganizationId": "20635"}
	first := bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false).str(t, "token")
	second := bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false).str(t, "token")
	phone := bienportLogin(t, s, SeedBienportPhone.ScreenName, SeedBienportPhonePassword, false).str(t, "token")
	logout := func(bearer, body string) answer {
		t.Helper()
		h := map[string]string{"Content-Type": "application/json"}
		if bearer != "" {
			h["Authorization"] = "Bearer " + bearer
		}
		return send(t, nil, http.MethodPost, base+"/user/logout", h, body)
	}
	body := func(appID any, token string, userID int64) string {
		return fmt.Sprintf(`{"appId": %v, "jwtToken": %q, "userId": %d}`, appID, token, userID)
	}
	wantStatus(t, logout("", body(`"x"`, first, 20641)), http.StatusUnauthorized)
	wantStatus(t, logout(first, `{"appId": "x"}`), http.StatusBadRequest)
	wantStatus(t, logout(first, body(`7`, first, 20641)), http.StatusBadRequest)
	wantStatus(t, logout(first, body(`"x"`, first, 20702)), http.StatusForbidden)
	wantStatus(t, logout(first, body(`"x"`, phone, 20641)), http.StatusBadRequest)
	wantStatus(t, logout(first, body(`"x"`, "not-a-token", 20641)), http.StatusBadRequest)
	for _, tok := range []string{first, second} {
		wantStatus(t, getBearer(t, base+"/user/get-screen-name/bienport.demo", tok, org), http.StatusOK)
	}

	a := logout(first, body(`"terraform-provider-iotauth"`, first, 20641))
	wantStatus(t, a, http.StatusOK)
	if m := a.obj(t); m["success"] != true || m["message"] == "" {
		t.Errorf("logout answer %s", a.body)
	}
	wantStatus(t, getBearer(t, base+"/user/get-screen-name/bienport.demo", first, org), http.StatusUnauthorized)
	wantStatus(t, getBearer(t, base+"/role/user/20641/privilege-groups", first, org), http.StatusUnauthorized)
	wantStatus(t, logout(first, body(`""`, first, 20641)), http.StatusUnauthorized)
	// Other tokens of the same user still work; an empty appId is accepted.
	wantStatus(t, getBearer(t, base+"/user/get-screen-name/bienport.demo", second, org), http.StatusOK)
	wantStatus(t, logout(second, body(`""`, second, 20641)), http.StatusOK)
	wantStatus(t, getBearer(t, base+"/user/get-screen-name/bienport.demo", second, org), http.StatusUnauthorized)
	if n := s.Count(Bienport, EndpointRevoke); n != 9 {
		t.Errorf("%d logout requests counted, want 9", n)
	}
}

// TestCoioteRevoke: RFC 7009 at the IAM realm; the client authenticates
// by form or HTTP Basic; a token of this client is revoked (the users and
// devices endpoints refuse it afterwards), anything else is answered 200
// and left alone.
func TestCoioteRevoke(t *testing.T) {
	s := startT(t, nil)
	base := s.BaseURL(Coiote)
	cc := url.Values{"grant_type": {"client_credentials"}, "client_id": {SeedCoioteClient.ClientID}, "client_secret": {SeedCoioteClientSecret}}
	issue := func() string {
		t.Helper()
		a := postFormT(t, base+CoioteIAMTokenPath(SeedCoioteRealm), cc)
		wantStatus(t, a, http.StatusOK)
		return a.str(t, "access_token")
	}
	svc, other := issue(), issue()
	user := coioteLogin(t, s, SeedCoioteOps.Login, SeedCoioteOpsPassword).str(t, "access_token")
	revokeURL := base + CoioteIAMRevokePath(SeedCoioteRealm)
	form := func(token, secret, hint string) url.Values {
		v := url.Values{"token": {token}, "client_id": {SeedCoioteClient.ClientID}, "client_secret": {secret}}
		if hint != "" {
			v.Set("token_type_hint", hint)
		}
		return v
	}
	wantStatus(t, postFormT(t, revokeURL, form(svc, "wrong", "access_token")), http.StatusUnauthorized)
	wantStatus(t, postFormT(t, revokeURL, form("", SeedCoioteClientSecret, "access_token")), http.StatusBadRequest)
	wantStatus(t, postFormT(t, revokeURL, form(svc, SeedCoioteClientSecret, "id_token")), http.StatusBadRequest)
	wantStatus(t, postFormT(t, base+CoioteIAMRevokePath("nope"), form(svc, SeedCoioteClientSecret, "")), http.StatusNotFound)
	wantStatus(t, getBearer(t, base+CoioteDevicesPath, svc, nil), http.StatusOK)

	a := postFormT(t, revokeURL, form(svc, SeedCoioteClientSecret, "access_token"))
	wantStatus(t, a, http.StatusOK)
	if len(a.body) != 0 {
		t.Errorf("revocation answered a body: %q", a.body)
	}
	wantStatus(t, getBearer(t, base+CoioteDevicesPath, svc, nil), http.StatusUnauthorized)
	wantStatus(t, getBearer(t, base+CoioteUsersPath+"ops%40acme.example", svc, nil), http.StatusUnauthorized)
	wantStatus(t, getBearer(t, base+CoioteDevicesPath, other, nil), http.StatusOK)
	// A user's token is not this client's: 200, and it keeps working.
	wantStatus(t, postFormT(t, revokeURL, form(user, SeedCoioteClientSecret, "")), http.StatusOK)
	wantStatus(t, getBearer(t, base+CoioteUsersPath+"ops%40acme.example", user, nil), http.StatusOK)
	// HTTP Basic client authentication works too; revoking twice is fine.
	req, err := http.NewRequest(http.MethodPost, revokeURL, http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(SeedCoioteClient.ClientID, SeedCoioteClientSecret)
	wantStatus(t, send(t, nil, http.MethodPost, revokeURL, map[string]string{
		"Content-Type":  "application/x-www-form-urlencoded",
		"Authorization": req.Header.Get("Authorization"),
	}, url.Values{"token": {other}}.Encode()), http.StatusOK)
	wantStatus(t, getBearer(t, base+CoioteDevicesPath, other, nil), http.StatusUnauthorized)
	wantStatus(t, postFormT(t, revokeURL, form(svc, SeedCoioteClientSecret, "")), http.StatusOK)
	if n := s.Count(Coiote, EndpointRevoke); n != 8 {
		t.Errorf("%d revocation requests counted, want 8", n)
	}
}

package mock

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testdata/seed003_login.json and seed003_error.json are copied verbatim
// from BienPort's documentation (shared/seeds/003).
func TestBienportLoginMatchesVendorExample(t *testing.T) {
	s := startT(t, nil)
	a := bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, true)
	wantStatus(t, a, http.StatusOK)
	// The vendor's e-mail address is redacted in the seed.
	sameJSONExcept(t, "testdata/seed003_login.json", a.body, "token", "mqPassword", "emailAddress")
	if a.str(t, "emailAddress") != SeedBienportDemo.EmailAddress {
		t.Errorf("emailAddress %q", a.str(t, "emailAddress"))
	}
	if !strings.Contains(string(a.body), `"organizations":[{"name":"Bimetri","id":20635}]`) {
		t.Errorf("the demo organization id must be a number: %s", a.body)
	}
	mq := a.str(t, "mqPassword")
	if !strings.HasPrefix(mq, TokenPrefix+"mq_") || !isHex32(strings.TrimPrefix(mq, TokenPrefix+"mq_")) || !contains(s.IssuedSecrets(), mq) {
		t.Errorf("mqPassword %q", mq)
	}

	tok := a.str(t, "token")
	claims := verifyLifetime(t, s, tok, 90*24*time.Hour)
	sub, ok := claims["sub"].(string)
	if !ok {
		t.Fatalf("sub must be a string, got %T", claims["sub"])
	}
	if sub != `{"userid":20641,"screenName":"bienport.demo","rememberMe":true}` {
		t.Errorf("sub %q", sub)
	}

	short := bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false)
	claims = verifyLifetime(t, s, short.str(t, "token"), 3*time.Hour)
	if sub, _ := claims["sub"].(string); !strings.HasSuffix(sub, `"rememberMe":false}`) {
		t.Errorf("sub %q", sub)
	}
	if short.str(t, "mqPassword") == mq || short.str(t, "token") == tok {
		t.Error("a second login reused a secret")
	}
}

func TestBienportPhoneUserStringOrganizationIDs(t *testing.T) {
	s := startT(t, nil)
	a := bienportLogin(t, s, SeedBienportPhone.ScreenName, SeedBienportPhonePassword, false)
	wantStatus(t, a, http.StatusOK)
	var got struct {
		UserID        int64 `json:"userId"`
		Organizations []struct {
			Name string          `json:"name"`
			ID   json.RawMessage `json:"id"`
		} `json:"organizations"`
		OrganizationIDs []json.RawMessage  `json:"organizationIds"`
		Roles           []BienportRole     `json:"roles"`
		Resources       []BienportResource `json:"resources"`
	}
	a.decode(t, &got)
	if got.UserID != SeedBienportPhone.UserID || len(got.Organizations) != 2 || len(got.OrganizationIDs) != 2 {
		t.Fatalf("answer %s", a.body)
	}
	for i, o := range got.Organizations {
		want := `"` + strconv.FormatInt(SeedBienportPhone.Organizations[i].ID, 10) + `"`
		if string(o.ID) != want || o.Name != SeedBienportPhone.Organizations[i].Name {
			t.Errorf("organization %d: %s %s, want id %s", i, o.Name, o.ID, want)
		}
		if string(got.OrganizationIDs[i]) != strconv.FormatInt(SeedBienportPhone.OrganizationIDs[i], 10) {
			t.Errorf("organizationIds[%d] = %s, want a number", i, got.OrganizationIDs[i])
		}
	}
	if len(got.Roles) != 2 || got.Roles[0].TypeName != "Organization" || len(got.Resources) != 2 || got.Resources[1].ResourceType != "Device" {
		t.Errorf("roles/resources %s", a.body)
	}
}

func TestBienportLoginFailures(t *testing.T) {
	s := startT(t, nil)
	a := bienportLogin(t, s, SeedBienportDemo.ScreenName, "wrong", false)
	wantStatus(t, a, http.StatusUnauthorized)
	sameJSONExcept(t, "testdata/seed003_error.json", a.body)
	if string(a.body) != `{"statusCode":401,"error":"AuthorizationException","message":"Incorrect username or password. Username: bienport.demo","path":"/auth/login"}` {
		t.Errorf("body %s", a.body)
	}
	a = bienportLogin(t, s, "905550000000", SeedBienportPhonePassword, false)
	if a.status != http.StatusUnauthorized || a.str(t, "message") != BienportBadCredentialsMessage+"905550000000" {
		t.Errorf("unknown user: %d %s", a.status, a.body)
	}
	base := s.BaseURL(Bienport)
	for name, body := range map[string]string{
		"missing password":  `{"screenName":"bienport.demo"}`,
		"upper-case keys":   `{"ScreenName":"bienport.demo","Password":"` + SeedBienportDemoPassword + `"}`,
		"string rememberMe": `{"screenName":"bienport.demo","password":"` + SeedBienportDemoPassword + `","rememberMe":"yes"}`,
		"not JSON":          `screenName=bienport.demo`,
	} {
		a := send(t, nil, http.MethodPost, base+"/auth/login", map[string]string{"Content-Type": "application/json"}, body)
		if a.status != http.StatusBadRequest || a.str(t, "error") != "BadRequestException" || a.str(t, "path") != "/auth/login" {
			t.Errorf("%s: %d %s", name, a.status, a.body)
		}
	}
	// rememberMe may be left out.
	a = send(t, nil, http.MethodPost, base+"/auth/login", nil, `{"screenName":"bienport.demo","password":"`+SeedBienportDemoPassword+`"}`)
	wantStatus(t, a, http.StatusOK)
	// Outside /api there is nothing.
	root := strings.TrimSuffix(base, "/api")
	wantStatus(t, send(t, nil, http.MethodPost, root+"/auth/login", nil, `{"screenName":"bienport.demo","password":"x"}`), http.StatusNotFound)
}

func TestBienportAuthorizedEndpoints(t *testing.T) {
	s := startT(t, nil)
	base := s.BaseURL(Bienport)
	demo := bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, false).str(t, "token")
	phone := bienportLogin(t, s, SeedBienportPhone.ScreenName, SeedBienportPhonePassword, false).str(t, "token")
	org := map[string]string{"OrganizationId": "20635"}

	a := getBearer(t, base+"/user/get-screen-name/bienport.demo", demo, org)
	wantStatus(t, a, http.StatusOK)
	if m := a.obj(t); m["screenName"] != "bienport.demo" || m["userId"] != float64(20641) {
		t.Errorf("screen name answer %s", a.body)
	}
	a = getBearer(t, base+"/user/get-screen-name/bienport.demo", "", org)
	wantStatus(t, a, http.StatusUnauthorized)
	if a.str(t, "error") != "UnauthorizedException" || a.str(t, "path") != "/user/get-screen-name/bienport.demo" {
		t.Errorf("401 body %s", a.body)
	}
	wantStatus(t, send(t, nil, http.MethodGet, base+"/user/get-screen-name/bienport.demo",
		map[string]string{"Authorization": demo, "OrganizationId": "20635"}, ""), http.StatusUnauthorized)
	wantStatus(t, getBearer(t, base+"/user/get-screen-name/bienport.demo", demo, nil), http.StatusBadRequest)
	wantStatus(t, getBearer(t, base+"/user/get-screen-name/bienport.demo", demo, map[string]string{"OrganizationId": "20650"}), http.StatusForbidden)
	wantStatus(t, getBearer(t, base+"/user/get-screen-name/bienport.demo", demo, map[string]string{"OrganizationId": "abc"}), http.StatusForbidden)
	wantStatus(t, getBearer(t, base+"/user/get-screen-name/nobody", demo, org), http.StatusNotFound)
	// The phone user may use either of its organizations.
	for _, id := range []string{"20650", "20651"} {
		wantStatus(t, getBearer(t, base+"/user/get-screen-name/905554447788", phone, map[string]string{"OrganizationId": id}), http.StatusOK)
	}
	wantStatus(t, getBearer(t, base+"/user/get-screen-name/905554447788", phone, org), http.StatusForbidden)

	a = getBearer(t, base+"/role/user/20641/privilege-groups", demo, org)
	wantStatus(t, a, http.StatusOK)
	var groups []map[string]any
	if err := json.Unmarshal(a.body, &groups); err != nil || len(groups) != 1 || groups[0]["privilegeGroupName"] != "User" {
		t.Errorf("privilege groups %s", a.body)
	}
	wantStatus(t, getBearer(t, base+"/role/user/20702/privilege-groups", demo, org), http.StatusForbidden)

	if p, a := s.Count(Bienport, EndpointProfile), s.Count(Bienport, EndpointAuthorized); p != 10 || a != 2 {
		t.Errorf("profile %d, authorized %d", p, a)
	}

	long := bienportLogin(t, s, SeedBienportDemo.ScreenName, SeedBienportDemoPassword, true).str(t, "token")
	s.AdvanceClock(3 * time.Hour)
	wantStatus(t, getBearer(t, base+"/user/get-screen-name/bienport.demo", demo, org), http.StatusUnauthorized)
	wantStatus(t, getBearer(t, base+"/user/get-screen-name/bienport.demo", long, org), http.StatusOK)
	s.AdvanceClock(90*24*time.Hour - 3*time.Hour)
	wantStatus(t, getBearer(t, base+"/user/get-screen-name/bienport.demo", long, org), http.StatusUnauthorized)
}

// TestReplayBienportDocs sends what BienPort's API documentation shows (seed
// 003: the login payload, layout kept, then `Authorization: Bearer` and
// OrganizationId on authorized endpoints).
func TestReplayBienportDocs(t *testing.T) {
	s := startT(t, nil)
	base := s.BaseURL(Bienport)
	jsonBody := map[string]string{"Content-Type": "application/json"}
	login := "{\n\"screenName\": \"905554447788\",\n\"password\": \"" + SeedBienportPhonePassword + "\",\n\"rememberMe\": true\n}"
	a := send(t, nil, http.MethodPost, base+"/auth/login", jsonBody, login)
	wantStatus(t, a, http.StatusOK)
	tok := a.str(t, "token")
	verifyLifetime(t, s, tok, 90*24*time.Hour)
	api := map[string]string{"Authorization": "Bearer " + tok, "OrganizationId": "20650"}
	wantStatus(t, send(t, nil, http.MethodGet, base+"/user/get-screen-name/905554447788", api, ""), http.StatusOK)
	wantStatus(t, send(t, nil, http.MethodGet, base+"/role/user/20702/privilege-groups", api, ""), http.StatusOK)
	delete(api, "Authorization")
	wantStatus(t, send(t, nil, http.MethodGet, base+"/user/get-screen-name/905554447788", api, ""), http.StatusUnauthorized)

	a = send(t, nil, http.MethodPost, base+"/auth/login", jsonBody, strings.Replace(login, SeedBienportPhonePassword, "password", 1))
	wantStatus(t, a, http.StatusUnauthorized)
	if a.str(t, "error") != "AuthorizationException" || a.str(t, "path") != "/auth/login" {
		t.Errorf("bad credentials: %s", a.body)
	}
}

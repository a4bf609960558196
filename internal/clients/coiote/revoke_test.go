package coiote

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// TestRevokeServiceAccountToken: RFC 7009 at the realm's revoke endpoint,
// with the token, the hint and the client's credentials as form fields.
func TestRevokeServiceAccountToken(t *testing.T) {
	var paths []string
	var form url.Values
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.EscapedPath())
		b, _ := io.ReadAll(r.Body)
		form, _ = url.ParseQuery(string(b))
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	cr := platform.Credentials{Platform: info.Name, BaseURL: srv.URL, ClientID: "svc-terraform", ClientSecret: testClientSecret,
		Options: map[string]string{"realm": "acme realm"}}
	s := &platform.Session{Platform: info.Name, Token: "iam-token-to-revoke"}
	if err := (Platform{}).Revoke(t.Context(), clienttest.Client(t), cr, s); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	want := url.Values{"token": {"iam-token-to-revoke"}, "token_type_hint": {"access_token"},
		"client_id": {"svc-terraform"}, "client_secret": {testClientSecret}}
	if !reflect.DeepEqual(paths, []string{"POST /iam/realms/acme%20realm/protocol/openid-connect/revoke"}) || !reflect.DeepEqual(form, want) {
		t.Errorf("requests %v, form %v", paths, form)
	}

	// A refused client is reported for the client ID and secret.
	status = http.StatusUnauthorized
	err := Platform{}.Revoke(t.Context(), clienttest.Client(t), cr, s)
	if e := clienttest.AsError(t, err); e.Kind != platform.KindBadCredentials || e.Detail != "the platform refused the client ID and secret (HTTP 401)" {
		t.Errorf("401: %v", e)
	}
	clienttest.NoSecret(t, err, testClientSecret, s.Token)

	// Password-grant tokens have no documented revocation: nothing is sent.
	paths = nil
	err = Platform{}.Revoke(t.Context(), clienttest.Client(t),
		platform.Credentials{Platform: info.Name, BaseURL: srv.URL, Username: testLogin, Password: testPassword}, s)
	if e := clienttest.AsError(t, err); e.Kind != platform.KindInvalidConfig || len(paths) != 0 {
		t.Errorf("password grant: %v after %d requests", e, len(paths))
	}
	if info.CanRevoke(platform.Password) || !info.CanRevoke(platform.ClientCredentials) {
		t.Errorf("Info.Revokes = %v", info.Revokes)
	}
}

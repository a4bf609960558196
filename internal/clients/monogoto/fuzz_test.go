package monogoto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// checkSession asserts the fuzz properties of a session that both
// decoders share.
func checkSession(t *testing.T, body []byte, s *platform.Session) {
	t.Helper()
	if s == nil || s.Token == "" || s.Token != strings.TrimSpace(s.Token) {
		t.Fatalf("success with token %q", s.Token)
	}
	if s.Platform != "monogoto" || s.TokenType == "" {
		t.Fatalf("session platform %q type %q", s.Platform, s.TokenType)
	}
	// clients.Manager checks that header values are safe to send.
	if s.Headers["Authorization"] != s.AuthorizationHeader() {
		t.Fatalf("Authorization header %q", s.Headers["Authorization"])
	}
	if out := s.String() + s.GoString(); len(s.Token) >= 12 && !strings.Contains(s.Username, s.Token) && strings.Contains(out, s.Token) {
		t.Fatalf("String() holds the token: %q", out)
	}
	if !bytes.Contains(body, []byte(strings.ReplaceAll(s.Token, `"`, ``))) && utf8.Valid(body) && json.Valid(body) && !bytes.Contains(body, []byte(`\`)) {
		t.Fatalf("token %q does not come from the body", s.Token)
	}
}

func FuzzDecodeLogin(f *testing.F) {
	now := time.Now()
	clienttest.FuzzDecode(f, []string{"seed001_login.json", "seed001_access_denied.txt"}, []string{
		``, `{}`, `null`, `[]`, `"token"`, `{"token":null}`, `{"token":""}`, `{"token":" \t"}`, `{"token":1}`,
		`{"token":"t","UserProfile":{"Permissions":{"A":["view"]},"DateCreated":1e30,"cas":1}}`,
		`{"token":"t","UserProfile":{"DateCreated":"-9223372036854775808","DateModified":9223372036854775807}}`,
		`{"token":"eyJhbGciOiJub25lIn0.eyJleHAiOjE3NjM5MTY4MTd9.","ThingsGroupIds":[1,"a",null,true]}`,
		`{"token":"t","CustomerId":{},"UserId":[]}`,
		`{"token":"t","UserId":[],"AccountSettings":{"TwoFactorAuthentication":"yes"},"ThingsGroupIds":"g","UserProfile":{"Permissions":{"A":"view"}}}`,
		`{"token":"t","AccountSettings":7,"UserProfile":[]}`,
		`<html>Access denied</html>`,
	}, func(b []byte) (*platform.Session, error) { return decodeLogin(b, "application/json", now) }, func(t *testing.T, body []byte, s *platform.Session) {
		checkSession(t, body, s)
		clienttest.WantExtras(t, info, s.Profile.Extras, s.Warnings)
	})
}

func FuzzDecodeV1Token(f *testing.F) {
	now := time.Now()
	clienttest.FuzzDecode(f, nil, []string{
		`{"token_type":"Bearer","access_token":"v1-access","refresh_token":"v1-refresh"}`,
		`{"access_token":"eyJhbGciOiJub25lIn0.eyJleHAiOjE3NjM5MTY4MTd9."}`,
		`{"access_token":"eyJhbGciOiJub25lIn0.eyJleHAiOiIxZTMwIn0."}`,
		`{"status_code":401,"message":"Unauthorized","request_id":"abc"}`,
		``, `{}`, `{"access_token":null}`, `{"access_token":"  "}`, `{"access_token":1}`, `[]`, `nul`,
	}, func(b []byte) (*platform.Session, error) { return decodeV1Token(b, "application/json", now) }, func(t *testing.T, body []byte, s *platform.Session) {
		checkSession(t, body, s)
		if s.ExpiresAt.IsZero() {
			t.Fatal("a v1 session always has an expiry")
		}
	})
}

func TestEchoedValueDetectsEcho(t *testing.T) {
	body := []byte(`{"token":"abcdefgh-secret","n":1}`)
	echo := func(b []byte) error { return fmt.Errorf("bad body %s", b) }
	if v := clienttest.Echoed(body, echo); v != "abcdefgh-secret" {
		t.Errorf("echo not detected: %q", v)
	}
	fixed := func([]byte) error { return fmt.Errorf("no abcdefgh-secret here, but it is the template") }
	if v := clienttest.Echoed(body, fixed); v != "" {
		t.Errorf("template text reported as an echo of %q", v)
	}
}

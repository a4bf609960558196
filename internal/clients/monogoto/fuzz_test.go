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

// checkDecode asserts the fuzz properties shared by the decoders.
func checkDecode(t *testing.T, body []byte, decode func([]byte) error, s *platform.Session, err error) {
	t.Helper()
	if err != nil {
		clienttest.DecodeFailed(t, body, decode, s != nil, err)
		return
	}
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
	f.Add(clienttest.ReadFixture(f, "seed001_login.json"))
	f.Add(clienttest.ReadFixture(f, "seed001_access_denied.txt"))
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `"token"`, `{"token":null}`, `{"token":""}`, `{"token":" \t"}`, `{"token":1}`,
		`{"token":"t","UserProfile":{"Permissions":{"A":["view"]},"DateCreated":1e30,"cas":1}}`,
		`{"token":"t","UserProfile":{"DateCreated":"-9223372036854775808","DateModified":9223372036854775807}}`,
		`{"token":"eyJhbGciOiJub25lIn0.eyJleHAiOjE3NjM5MTY4MTd9.","ThingsGroupIds":[1,"a",null,true]}`,
		`{"token":"t","CustomerId":{},"UserId":[]}`,
		`{"token":"t","UserId":[],"AccountSettings":{"TwoFactorAuthentication":"yes"},"ThingsGroupIds":"g","UserProfile":{"Permissions":{"A":"view"}}}`,
		`{"token":"t","AccountSettings":7,"UserProfile":[]}`,
		`<html>Access denied</html>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		now := time.Now()
		decode := func(b []byte) error { _, err := decodeLogin(b, "application/json", now); return err }
		s, err := decodeLogin(body, "application/json", now)
		checkDecode(t, body, decode, s, err)
		if err != nil {
			return
		}
		// Every profile extra is there, or null with a warning that says
		// so: nothing is dropped silently.
		nulled := map[string]bool{}
		for _, w := range s.Warnings {
			for _, a := range w.Null {
				nulled[a] = true
			}
		}
		for _, f := range info.ProfileFields {
			if _, ok := s.Profile.Extras[f.Name]; !ok && !nulled["monogoto."+f.Name] {
				t.Fatalf("extra %q missing without a warning: %v / %+v", f.Name, s.Profile.Extras, s.Warnings)
			}
		}
		if len(s.Profile.Extras) > len(info.ProfileFields) {
			t.Fatalf("extras %v", s.Profile.Extras)
		}
	})
}

func FuzzDecodeV1Token(f *testing.F) {
	for _, s := range []string{
		`{"token_type":"Bearer","access_token":"v1-access","refresh_token":"v1-refresh"}`,
		`{"access_token":"eyJhbGciOiJub25lIn0.eyJleHAiOjE3NjM5MTY4MTd9."}`,
		`{"access_token":"eyJhbGciOiJub25lIn0.eyJleHAiOiIxZTMwIn0."}`,
		`{"status_code":401,"message":"Unauthorized","request_id":"abc"}`,
		``, `{}`, `{"access_token":null}`, `{"access_token":"  "}`, `{"access_token":1}`, `[]`, `nul`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		now := time.Now()
		decode := func(b []byte) error { _, err := decodeV1Token(b, "application/json", now); return err }
		s, err := decodeV1Token(body, "application/json", now)
		checkDecode(t, body, decode, s, err)
		if err == nil && s.ExpiresAt.IsZero() {
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

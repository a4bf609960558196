package coiote

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

func FuzzDecodeToken(f *testing.F) {
	now := time.Date(2025, 11, 23, 16, 53, 37, 0, time.UTC)
	clienttest.FuzzDecode(f, []string{"seed002_token.json"}, []string{
		`{"access_token":"your_access_token","token_type":"Bearer","expires_in":"number_of_seconds"}`,
		`{"access_token":"a","expires_in":300}`, `{"access_token":"a","expires_in":"3e2"}`,
		`{"access_token":"a","expires_in":"-0"}`, `{"access_token":"a","expires_in":"9223372036854775807"}`,
		`{"access_token":"a","expires_in":"1\"}`, `{"access_token":"eyJhbGciOiJub25lIn0.eyJleHAiOjE3NjM5MTY4MTd9."}`,
		`{"access_token":null}`, `{"error":"invalid_grant"}`, ``, `{}`, `[]`, `null`, `<html>`,
	}, func(b []byte) (*platform.Session, error) { return decodeToken(b, "application/json", now) }, func(t *testing.T, _ []byte, s *platform.Session) {
		if s.Token == "" || s.Token != strings.TrimSpace(s.Token) || s.TokenType == "" || s.Platform != "coiote" {
			t.Fatalf("session token %q type %q platform %q", s.Token, s.TokenType, s.Platform)
		}
		if h := s.Headers["Authorization"]; len(s.Headers) != 1 || h != s.AuthorizationHeader() {
			t.Fatalf("Headers = %q", s.Headers)
		}
		if !s.ObtainedAt.Equal(now) {
			t.Fatalf("ObtainedAt = %v", s.ObtainedAt)
		}
		if !s.ExpiresAt.IsZero() && (s.ExpiresAt.Before(now) && s.ExpiresAt.Year() > 3000) {
			t.Fatalf("ExpiresAt = %v", s.ExpiresAt)
		}
	})
}

func FuzzDecodeUser(f *testing.F) {
	f.Add(clienttest.ReadFixture(f, "user.json"))
	for _, s := range []string{
		`{"login":"ops@acme.example","password":"hunter2hunter2"}`,
		`{"login":"a","properties":{"password":"in-properties-123"},"roles":["r"],"permissions":["p","p"]}`,
		`{"login":"x","userId":1e400}`, `{"login":"x","securityPolicyId":{"a":1}}`,
		`{"login":null}`, `{"Login":"case"}`, ``, `{}`, `[]`, `null`, `<html>`,
		`{"login":"x","roles":"admin","active":"yes","properties":{"a":1},"permissions":{},"userId":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, warnings, err := decodeUser(body, "application/json")
		if err != nil {
			clienttest.DecodeFailed(t, body, func(b []byte) error { _, _, err := decodeUser(b, ""); return err }, p != nil, err)
			return
		}
		// Every profile extra (and the permissions) is there, or null with
		// a warning that says so: nothing is dropped silently.
		nulled := clienttest.WantExtras(t, info, p.Extras, warnings)
		if p.UserName == "" || p.Extras["login"] != p.UserName || (p.Permissions == nil && !nulled["permissions"]) {
			t.Fatalf("profile = %+v", p)
		}
		// The user object's password is never kept: it may show only where
		// another key or value of the body holds it too.
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var top map[string]any
		if dec.Decode(&top) != nil {
			return
		}
		js, _ := json.Marshal(p)
		out := fmt.Sprintf("%#v %#v", *p, p.Extras) + string(js)
		for k, v := range top {
			pw, ok := v.(string)
			if !strings.EqualFold(k, "password") || !ok || len(pw) < 8 || !strings.Contains(out, pw) {
				continue
			}
			others := map[string]any{}
			for k2, v2 := range top {
				if k2 != k {
					others[k2] = v2
				}
			}
			if !strings.Contains(fmt.Sprint(others), pw) {
				t.Fatalf("the password %q surfaced in %s", pw, out)
			}
		}
	})
}

package thingsboard

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

func FuzzDecodePair(f *testing.F) {
	for _, name := range []string{"login.json", "login_2fa.json", "error_401_locked.json", "error_401_password_expired.json"} {
		f.Add(clienttest.ReadFixture(f, name))
	}
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"token":null}`, `{"token":""}`, `{"token":"t","refreshToken":7}`,
		`{"token":"t","scope":"PRE_VERIFICATION_TOKEN"}`, `{"token":"t","scope":null,"refreshToken":null}`,
		`{"token":"eyJhbGciOiJub25lIn0.eyJzY29wZXMiOlsiUFJFX1ZFUklGSUNBVElPTl9UT0tFTiJdfQ."}`,
		`{"token":"eyJhbGciOiJub25lIn0.eyJleHAiOiIxZTMwMCJ9."}`, `<html></html>`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	decode := func(b []byte) error { _, _, err := decodePair(b, "application/json", now); return err }
	f.Fuzz(func(t *testing.T, body []byte) {
		s, pre, err := decodePair(body, "application/json", now)
		if err != nil {
			clienttest.DecodeFailed(t, body, decode, s != nil || pre, err)
			return
		}
		if pre {
			if s != nil {
				t.Fatal("a session for a pre-verification token")
			}
			return
		}
		if s.Token == "" || s.Token != strings.TrimSpace(s.Token) || s.TokenType != "Bearer" || s.Platform != "thingsboard" {
			t.Fatalf("session %s: token type %q", s, s.TokenType)
		}
		if len(s.Headers) != 1 || s.Headers["X-Authorization"] != s.AuthorizationHeader() {
			t.Fatalf("Headers = %q", s.Headers)
		}
	})
}

func FuzzDecodeUser(f *testing.F) {
	clienttest.FuzzDecode(f, []string{"user_tenant_admin.json", "user_customer_user.json", "user_sys_admin.json"}, []string{
		``, `{}`, `null`, `[]`, `{"id":{"id":"u"}}`, `{"id":{"id":"u"},"customerId":{"id":"13814000-1DD2-11B2-8080-808080808080"}}`,
		`{"id":{"id":"u"},"createdTime":"1730803200000"}`, `{"id":{"id":"u"},"createdTime":-1}`,
		`{"id":{"id":"u"},"additionalInfo":{"secret":"additional-info-secret"}}`, `<html></html>`,
	}, func(b []byte) (*platform.Profile, error) { return decodeUser(b, "application/json") }, func(t *testing.T, body []byte, p *platform.Profile) {
		if p.UserID == "" || len(p.Extras) != len(info.ProfileFields) || p.Permissions == nil {
			t.Fatalf("profile %+v", p)
		}
		if p.CustomerID == nullUUID || p.OrganizationID == nullUUID || p.PrimaryOrganizationID() != p.OrganizationID {
			t.Fatalf("owner IDs: customer %q, organization %q", p.CustomerID, p.OrganizationID)
		}
		// Nothing of additionalInfo reaches the profile (which may land
		// in state), unless the same text is elsewhere in the body.
		var raw struct {
			AdditionalInfo json.RawMessage `json:"additionalInfo"`
		}
		if json.Unmarshal(body, &raw) == nil && len(raw.AdditionalInfo) > 2 {
			var leaf map[string]string
			if json.Unmarshal(raw.AdditionalInfo, &leaf) == nil {
				pj, _ := json.Marshal(p)
				for _, v := range leaf {
					if len(v) >= 8 && bytes.Contains(pj, []byte(v)) && bytes.Count(body, []byte(v)) < 2 {
						t.Fatalf("the profile holds %q from additionalInfo", v)
					}
				}
			}
		}
	})
}

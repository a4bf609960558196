package bienport

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

func FuzzDecodeLogin(f *testing.F) {
	now := time.Date(2025, 8, 25, 16, 53, 37, 0, time.UTC)
	clienttest.FuzzDecode(f, []string{"seed003_login.json", "login_string_org_ids.json", "seed003_error_401.json"}, []string{
		``, `{}`, `null`, `[]`, `{"token":null}`, `{"token":""}`, `{"token":"Bearer "}`, `{"token":"Bearer  x"}`,
		`{"token":"bearer x"}`, `{"token":"Bearer"}`, `{"token":"t","userId":1e400}`,
		`{"token":"t","organizations":[{"id":1e2},{"id":"x"},{"id":null}],"organizationIds":[null,"1",1]}`,
		`{"token":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ7XCJ1c2VyaWRcIjoxfSJ9.","userId":null}`,
		`{"token":"t","roles":[{"roleId":"1","type":"2","typePK":3.0}],"resources":[{"resourceId":"9223372036854775808"}]}`,
		`{"token":"t","userId":"abc","screenName":7,"localeId":[],"roles":"admin","organizations":[{"name":1,"id":2}]}`,
		`<html></html>`,
	}, func(b []byte) (*platform.Session, error) { return decodeLogin(b, "application/json", now) }, func(t *testing.T, body []byte, s *platform.Session) {
		if s.Token == "" || s.Token != strings.TrimSpace(s.Token) || strings.HasPrefix(s.Token, "Bearer ") {
			t.Fatalf("token %q", s.Token)
		}
		if s.Platform != "bienport" || s.TokenType != "Bearer" || s.Profile.Permissions == nil {
			t.Fatalf("session %+v", s.Profile)
		}
		clienttest.WantExtras(t, info, s.Profile.Extras, s.Warnings)
		// The organization header is the primary organization
		// (clients.Manager checks that header values are safe to send).
		if s.Headers["OrganizationId"] != s.Profile.OrganizationID || s.Headers["Authorization"] != s.AuthorizationHeader() {
			t.Fatalf("Headers = %q", s.Headers)
		}
		if p := s.Profile; p.OrganizationID != p.PrimaryOrganizationID() || (len(p.OrganizationIDs) > 0 && p.OrganizationID != p.OrganizationIDs[0]) {
			t.Fatalf("organization %q of %v", p.OrganizationID, p.OrganizationIDs)
		}
		seen := map[string]bool{}
		for _, id := range s.Profile.OrganizationIDs {
			if seen[id] {
				t.Fatalf("duplicate organization ID %q in %v", id, s.Profile.OrganizationIDs)
			}
			seen[id] = true
		}
		// The profile may land in state: it never holds the MQTT password.
		if pw := s.MQTTPassword; len(pw) >= 8 {
			pj, _ := json.Marshal(s.Profile)
			if bytes.Contains(pj, []byte(pw)) && bytes.Count(body, []byte(pw)) < 2 {
				t.Fatalf("profile holds the MQTT password: %s", pj)
			}
		}
	})
}

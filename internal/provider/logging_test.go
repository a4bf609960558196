package provider

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// TestLogMasking proves the masks work, in the root logger and in the http
// subsystem: a secret written on purpose into a message or a field comes
// out as "***", and so does any value under a sensitive key.
func TestLogMasking(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(t.Context(), &out)
	ctx = logContext(ctx, "pw-root-secret", "", "client-secret-9")
	s := &platform.Session{Token: "tok-abc-123", RefreshToken: "rt-def-456", MQTTPassword: "mq-ghi-789"}
	ctx = maskSecrets(ctx, s.Secrets()...)

	tflog.Debug(ctx, "root pw-root-secret tok-abc-123", map[string]any{
		"note": "client-secret-9 and rt-def-456", "password": "anything", "token": "whatever", "user": "alice",
	})
	tflog.SubsystemDebug(ctx, subsystemHTTP, "sub mq-ghi-789", map[string]any{
		"detail": "Bearer tok-abc-123", "authorization": "x",
	})
	logHTTP(ctx, clients.LogEntry{Method: "POST", Host: "h", Path: "/Auth", Status: 200, Duration: time.Millisecond, Attempt: 1, Outcome: "ok"})

	entries, err := tflogtest.MultilineJSONDecode(&out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("want 3 log entries, got %d: %s", len(entries), out.String())
	}
	var lines []string
	for _, e := range entries {
		for k, v := range e {
			lines = append(lines, fmt.Sprintf("%s=%v", k, v))
		}
	}
	text := strings.Join(lines, "\n")
	for _, secret := range []string{"pw-root-secret", "client-secret-9", "tok-abc-123", "rt-def-456", "mq-ghi-789", "anything", "whatever"} {
		if strings.Contains(text, secret) {
			t.Errorf("%q was logged:\n%s", secret, text)
		}
	}
	for _, want := range []string{"user=alice", "@message=root *** ***", "@message=sub ***", "@module=provider.http", "path=/Auth", "method=POST", "outcome=ok"} {
		if !strings.Contains(text, want) {
			t.Errorf("the log lacks %q:\n%s", want, text)
		}
	}
}

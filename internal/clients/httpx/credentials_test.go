package httpx_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// login is post(url) marked as a request that carries credentials.
func login(url string) *httpx.Request {
	r := post(url)
	r.Credentials = true
	return r
}

// TestCredentialRetryPolicy: a request with credentials is sent again only
// after an answer that proves the platform did not process it (429, 503,
// nothing written); after any other failure it is sent once, and its error
// and hint say why.
func TestCredentialRetryPolicy(t *testing.T) {
	cases := []struct {
		name     string
		statuses []int
		kind     platform.Kind // KindUnknown: success
		attempts int
	}{
		{"429 then success", []int{429, 200}, platform.KindUnknown, 2},
		{"503 twice then success", []int{503, 503, 200}, platform.KindUnknown, 3},
		{"503 forever", []int{503}, platform.KindServer, 4},
		{"500", []int{500, 200}, platform.KindServer, 1},
		{"502", []int{502, 200}, platform.KindServer, 1},
		{"504", []int{504, 200}, platform.KindServer, 1},
		{"599", []int{599, 200}, platform.KindServer, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seq := &sequence{statuses: tc.statuses}
			srv := quietServer(t, seq, false)
			resp, err := newClient(t, fastConfig()).Do(t.Context(), login(srv.URL))
			if seq.count() != tc.attempts {
				t.Errorf("the server saw %d requests, want %d", seq.count(), tc.attempts)
			}
			if tc.kind == platform.KindUnknown {
				if err != nil || resp.Attempts != tc.attempts {
					t.Fatalf("err %v, want success after %d attempts", err, tc.attempts)
				}
				return
			}
			e := wantErr(t, err, tc.kind, tc.statuses[0], tc.attempts)
			if tc.attempts == 1 && (!strings.Contains(e.Detail, "not sent again") || !strings.Contains(e.Hint(), "does not send the same credentials again")) {
				t.Errorf("detail %q, hint %q: want the reason it was not sent again", e.Detail, e.Hint())
			}
			assertNoSecrets(t, e)
		})
	}
	t.Run("timeout after the request was written", func(t *testing.T) {
		var n atomic.Int64
		srv := quietServer(t, hangingHandler(t, &n), false)
		cfg := fastConfig()
		cfg.Timeout = 100 * time.Millisecond
		_, err := newClient(t, cfg).Do(t.Context(), login(srv.URL))
		e := wantErr(t, err, platform.KindTimeout, 0, 1)
		if n.Load() != 1 || !strings.Contains(e.Detail, "within the 100ms request timeout; the credentials are not sent again") {
			t.Errorf("%d requests, detail %q", n.Load(), e.Detail)
		}
	})
	t.Run("connection closed after the request was written", func(t *testing.T) {
		var n atomic.Int64
		srv := quietServer(t, hijackOnce(&n), false)
		_, err := newClient(t, fastConfig()).Do(t.Context(), login(srv.URL))
		_ = wantErr(t, err, platform.KindUnreachable, 0, 1)
		if n.Load() != 1 {
			t.Errorf("%d requests, want 1", n.Load())
		}
	})
	t.Run("connection refused before anything was written", func(t *testing.T) {
		addr := clienttest.RefusedAddr(t)
		_, err := newClient(t, fastConfig()).Do(t.Context(), login("http://"+addr+"/Auth"))
		_ = wantErr(t, err, platform.KindUnreachable, 0, 4)
	})
	t.Run("TLS handshake failure before anything was written", func(t *testing.T) {
		// Not retried all the same: a certificate does not heal.
		_, err := newClient(t, fastConfig()).Do(t.Context(), login(tlsServer(t).URL))
		_ = wantErr(t, err, platform.KindTLS, 0, 1)
	})
	t.Run("without credentials a 500 is retried", func(t *testing.T) {
		seq := &sequence{statuses: []int{500, 200}}
		srv := quietServer(t, seq, false)
		if _, err := newClient(t, fastConfig()).Do(t.Context(), post(srv.URL)); err != nil || seq.count() != 2 {
			t.Errorf("err %v after %d requests, want success after 2", err, seq.count())
		}
	})
}

// TestPostsCarryCredentials: PostJSON and PostForm mark their requests as
// carrying credentials; Get does not.
func TestPostsCarryCredentials(t *testing.T) {
	for name, call := range map[string]func(*httpx.Client, string) error{
		"PostJSON": func(c *httpx.Client, u string) error {
			_, err := c.PostJSON(context.Background(), u, map[string]string{"password": secretPassword}, nil)
			return err
		},
		"PostForm": func(c *httpx.Client, u string) error {
			_, err := c.PostForm(context.Background(), u, map[string][]string{"password": {secretPassword}}, nil)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			seq := &sequence{statuses: []int{502, 200}}
			srv := quietServer(t, seq, false)
			if err := call(newClient(t, fastConfig()), srv.URL); !platform.IsKind(err, platform.KindServer) || seq.count() != 1 {
				t.Errorf("err %v after %d requests, want a server error after 1", err, seq.count())
			}
		})
	}
	seq := &sequence{statuses: []int{502, 200}}
	srv := quietServer(t, seq, false)
	if _, err := newClient(t, fastConfig()).Get(t.Context(), srv.URL, nil); err != nil || seq.count() != 2 {
		t.Errorf("Get: err %v after %d requests, want success after 2", err, seq.count())
	}
}

// TestSendBudget: one budget bounds the sends of every request that shares
// it; a 4xx answer and a send that wrote nothing do not count; a success
// starts the count again; a send that may have been processed closes it.
func TestSendBudget(t *testing.T) {
	cfg := fastConfig()
	cfg.MaxRetries = 10
	t.Run("shared by several requests", func(t *testing.T) {
		seq := &sequence{statuses: []int{429}}
		srv := quietServer(t, seq, false)
		b := httpx.NewSendBudget(3)
		c := newClient(t, cfg).WithSendBudget(b)
		var errs []error
		for range 4 {
			_, err := c.Do(t.Context(), login(srv.URL))
			errs = append(errs, err)
		}
		if seq.count() != 3 || !b.Spent() {
			t.Errorf("%d sends, spent %v; want 3 and spent", seq.count(), b.Spent())
		}
		// The request the budget stopped reports the last failure.
		if e := wantErr(t, errs[3], platform.KindRateLimited, 429, 3); e == nil {
			t.Error("no error")
		}
	})
	t.Run("4xx and success", func(t *testing.T) {
		seq := &sequence{statuses: []int{401, 401, 429, 200, 429, 429}}
		srv := quietServer(t, seq, false)
		b := httpx.NewSendBudget(2)
		c := newClient(t, cfg).WithSendBudget(b)
		for i := range 2 {
			if resp, err := c.Do(t.Context(), login(srv.URL)); err != nil || resp.Status != 401 {
				t.Fatalf("request %d: %v", i, err)
			}
		}
		// 429 then 200: two sends, the second a success.
		if resp, err := c.Do(t.Context(), login(srv.URL)); err != nil || resp.Status != 200 || resp.Attempts != 2 {
			t.Fatalf("err %v", err)
		}
		// Two more 429s fit: the success started the count again.
		_, err := c.Do(t.Context(), login(srv.URL))
		_ = wantErr(t, err, platform.KindRateLimited, 429, 2)
		if seq.count() != 6 || !b.Spent() {
			t.Errorf("%d sends, spent %v; want 6 and spent", seq.count(), b.Spent())
		}
	})
	t.Run("closed by a send that may have been processed", func(t *testing.T) {
		seq := &sequence{statuses: []int{500, 200}}
		srv := quietServer(t, seq, false)
		b := httpx.NewSendBudget(5)
		c := newClient(t, cfg).WithSendBudget(b)
		_, err := c.Do(t.Context(), login(srv.URL))
		first := wantErr(t, err, platform.KindServer, 500, 1)
		_, err = c.Do(t.Context(), login(srv.URL))
		again := wantErr(t, err, platform.KindServer, 500, 1)
		if seq.count() != 1 || !b.Spent() || again.Error() != first.Error() {
			t.Errorf("%d sends, spent %v, second error %v", seq.count(), b.Spent(), again)
		}
		// A request without credentials is not bound by it.
		if _, err := c.Get(t.Context(), srv.URL, nil); err != nil {
			t.Errorf("Get: %v", err)
		}
	})
	t.Run("nothing written", func(t *testing.T) {
		addr := clienttest.RefusedAddr(t)
		b := httpx.NewSendBudget(1)
		c := newClient(t, fastConfig()).WithSendBudget(b)
		_, err := c.Do(t.Context(), login("http://"+addr))
		_ = wantErr(t, err, platform.KindUnreachable, 0, 4)
		if b.Spent() {
			t.Error("connections that could not be opened spent the budget")
		}
	})
}

// TestCredentialRetryLogOutcome: the log calls a failed attempt with
// credentials that is not retried an "error", not a "retry".
func TestCredentialRetryLogOutcome(t *testing.T) {
	seq := &sequence{statuses: []int{502}}
	srv := quietServer(t, seq, false)
	var outcomes []string
	cfg := fastConfig()
	cfg.Log = func(_ context.Context, e httpx.LogEntry) { outcomes = append(outcomes, e.Outcome) }
	_, _ = newClient(t, cfg).Do(t.Context(), login(srv.URL))
	if strings.Join(outcomes, ",") != "error" {
		t.Errorf("outcomes %v, want [error]", outcomes)
	}
	_ = http.StatusOK
}

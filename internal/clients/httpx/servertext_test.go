package httpx_test

import (
	"bufio"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// TestServerTextNeverInTransportErrors: text the server controls (the names
// in its certificate, a malformed status line, a Location host that only
// decodes to a plain name) does not reach an error message, not even
// altered (issue 13, item 5).
func TestServerTextNeverInTransportErrors(t *testing.T) {
	const marker = "MARKER-Pw-Q7z9abc"
	t.Run("certificate names", func(t *testing.T) {
		srv := tlsServer(t)
		cfg := fastConfig()
		cfg.CACertPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
		// The test certificate is valid for example.com and 127.0.0.1:
		// x509's own message would list them.
		_, err := newClient(t, cfg).Do(t.Context(), login(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)))
		e := wantErr(t, err, platform.KindTLS, 0, 1)
		if strings.Contains(e.Error(), "example.com") || !strings.Contains(e.Error(), "x509: certificate is not valid for the host in base_url") {
			t.Errorf("message %q", e.Error())
		}
		var hostErr interface{ Error() string }
		if hostErr = e.Unwrap(); hostErr == nil {
			t.Error("the cause is not kept for errors.As")
		}
	})
	t.Run("malformed status line", func(t *testing.T) {
		addr := rawServer(t, "HTTP/1.1 "+marker+" OK\r\nContent-Length: 0\r\n\r\n")
		_, err := newClient(t, fastConfig()).Do(t.Context(), login("http://"+addr+"/Auth"))
		e := wantErr(t, err, platform.KindUnreachable, 0, 1)
		if strings.Contains(strings.ToLower(e.Error()), strings.ToLower(marker)) || strings.Contains(e.Error(), "MARKERPw") {
			t.Errorf("message %q quotes the server", e.Error())
		}
	})
	t.Run("redirect host spelt with escapes", func(t *testing.T) {
		for loc, kind := range map[string]platform.Kind{
			// Decodes to a host with a non-ASCII letter: not shown.
			"http://" + marker + ".ex%C3%A4mple/x": platform.KindRedirect,
			// Go refuses to parse it: the transport's message (which
			// quotes the header) is not shown either.
			"http://%4dARKER-Pw-Q7z9abc.example/x": platform.KindUnreachable,
		} {
			src := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Location", loc)
				w.WriteHeader(http.StatusTemporaryRedirect)
			}), false)
			_, err := newClient(t, fastConfig()).Do(t.Context(), login(src.URL+"/Auth"))
			e, ok := platform.AsError(err)
			if !ok || e.Kind != kind {
				t.Fatalf("%s: %v, want kind %s", loc, err, kind)
			}
			if strings.Contains(strings.ToLower(e.Error()), strings.ToLower(marker)) {
				t.Errorf("%s: message %q quotes the server", loc, e.Error())
			}
			if kind == platform.KindRedirect && !strings.Contains(e.Detail, "(host not shown: unexpected characters)") {
				t.Errorf("%s: Detail %q", loc, e.Detail)
			}
		}
	})
}

// rawServer answers every request with answer and returns its address.
func rawServer(t *testing.T, answer string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer func() { _ = c.Close() }()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				_, _ = io.WriteString(c, answer)
			}(conn)
		}
	}()
	return l.Addr().String()
}

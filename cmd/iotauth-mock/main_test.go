package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
)

// waitForFile polls for path for up to 10 s.
func waitForFile(t *testing.T, path string, done <-chan error) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil { //nolint:gosec // G304: the test's own temporary file.
			return b
		}
		select {
		case err := <-done:
			t.Fatalf("run ended before the ready file appeared: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("no ready file")
	return nil
}

func TestRunWritesReadyFileAndStops(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready.json")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errOut bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-tls", "-ready-file", ready, "-latency", "1ms"}, &out, &errOut) }()

	var info map[string]string
	if err := json.Unmarshal(waitForFile(t, ready, done), &info); err != nil {
		t.Fatal(err)
	}
	// The keys users' pipelines read: one per platform, Monogoto's v1 API
	// and the CA certificate.
	if len(info) != len(mock.Platforms())+2 || !strings.HasPrefix(info["monogoto"], "https://127.0.0.1:") ||
		info["monogoto_v1"] != info["monogoto"] || !strings.HasPrefix(info["coiote"], "https://127.0.0.1:") ||
		!strings.HasSuffix(info["bienport"], "/api") || !strings.HasPrefix(info["ca_cert_pem"], "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("ready file %v", info)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(info["ca_cert_pem"])) {
		t.Fatal("bad PEM")
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	resp, err := c.Post(info["monogoto"]+"/Auth", "application/json",
		strings.NewReader(`{"UserName":"demo@monogoto.io","Password":"`+mock.SeedMonogotoDemoPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login %d", resp.StatusCode)
	}
	resp, err = c.Get(info["monogoto"] + "/__mock/counts")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var counts map[string]int64
	if err := json.Unmarshal(b, &counts); err != nil || counts["login"] != 1 || counts["total"] != 1 {
		t.Errorf("counts %s", b)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	if _, err := os.Stat(ready); !os.IsNotExist(err) {
		t.Errorf("the ready file was left behind: %v", err)
	}
	text := out.String()
	for _, want := range []string{info["monogoto"], info["bienport"], "demo@monogoto.io", "ops@acme.example", "905554447788", "iotauth-ci", "shutting down"} {
		if !strings.Contains(text, want) {
			t.Errorf("the banner lacks %q:\n%s", want, text)
		}
	}
	for _, pw := range []string{mock.SeedMonogotoDemoPassword, mock.SeedCoioteOpsPassword, mock.SeedCoioteClientSecret, mock.SeedBienportDemoPassword} {
		if strings.Contains(text+errOut.String(), pw) {
			t.Error("the output shows a password")
		}
	}
}

func TestRunRefusesRemoteHost(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"-host", "192.0.2.10"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "-allow-remote") {
		t.Fatalf("err %v", err)
	}
}

func TestRunFlagErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"bad port":       {"-coiote-port", "70000"},
		"negative delay": {"-latency", "-1s"},
		"extra argument": {"serve"},
		"unknown flag":   {"-verbose"},
		"missing config": {"-config", filepath.Join(t.TempDir(), "nope.json")},
	} {
		var out, errOut bytes.Buffer
		if err := run(t.Context(), args, &out, &errOut); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, &out, &errOut); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut.String(), "-ready-file") {
		t.Errorf("-h: %v %q", err, errOut.String())
	}
	for _, p := range mock.Platforms() {
		if !strings.Contains(errOut.String(), "-"+string(p)+"-port") || !strings.Contains(errOut.String(), mock.Title(p)+" port") {
			t.Errorf("-h does not list -%s-port:\n%s", p, errOut.String())
		}
	}
}

func TestRunVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"-version"}, &out, &errOut); err != nil || out.String() != "iotauth-mock dev\n" || errOut.Len() != 0 {
		t.Errorf("-version: %v %q %q", err, out.String(), errOut.String())
	}
}

func TestBuildConfig(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "c.json")
	if err := os.WriteFile(cfgPath, []byte(`{"ports": {"monogoto": 18080, "coiote": 18081}, "latency": "3ms"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := parseFlags([]string{"-config", cfgPath, "-coiote-port", "19000", "-host", "localhost"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := buildConfig(o)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Ports["monogoto"] != 18080 || cfg.Ports["coiote"] != 19000 || cfg.Ports["bienport"] != 0 ||
		cfg.Latency != 3*time.Millisecond || cfg.ListenHost != "localhost" || cfg.TLS {
		t.Errorf("config %+v", cfg)
	}
	o, err = parseFlags([]string{"-host", "0.0.0.0", "-allow-remote"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := buildConfig(o); err != nil || cfg.ListenHost != "0.0.0.0" {
		t.Errorf("-allow-remote: %v %q", err, cfg.ListenHost)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "localhost": true, "LOCALHOST": true,
		"0.0.0.0": false, "192.0.2.1": false, "example.com": false, "": false, "::": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v", host, got)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/bench/internal/procrecord"
)

// procRecord is one provider process as bench/cmd/provwrap records it.
type procRecord = procrecord.Record

// measurement is one timed Terraform command.
type measurement struct {
	// Variant is the provider: variantReal, variantStub, variantSchema or
	// variantNone.
	Variant string `json:"variant"`
	// LatencyMS is the mock's added latency; -1 for the floor and the
	// two provider floors, which do no network I/O.
	LatencyMS float64 `json:"latency_ms"`
	Kind      kind    `json:"kind"`
	N         int     `json:"n"`
	Command   string  `json:"command"`
	Run       int     `json:"run"`
	WallNS    int64   `json:"wall_ns"`
	// TFCPUNS is the Terraform process's CPU time including the children
	// it waited for (providers, provisioner shells), from wait4's rusage.
	TFCPUNS int64 `json:"tf_cpu_ns"`
	// Logins is the number of login requests the mock saw; Requests all
	// requests (Coiote's profile call included).
	Logins   int64        `json:"logins"`
	Requests int64        `json:"requests"`
	Procs    []procRecord `json:"provider_processes"`
}

// providerCPUNS is the CPU time of every provider process of the command.
func (m measurement) providerCPUNS() int64 {
	var t int64
	for _, p := range m.Procs {
		t += p.CPUNS()
	}
	return t
}

// mockServer is a running cmd/iotauth-mock.
type mockServer struct {
	cmd *exec.Cmd
	// urls is the ready file: base URL by platform (and ca_cert_pem).
	urls map[string]string
	// done is closed when the mock has exited; waitErr is then its exit.
	done    chan struct{}
	waitErr error
}

// startMock starts the mock with the given latency and waits until it has
// written its ready file.
func startMock(ctx context.Context, bin, dir string, latency time.Duration) (*mockServer, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	ready := filepath.Join(dir, "ready.json")
	_ = os.Remove(ready)
	logf, err := os.Create(filepath.Join(dir, "mock.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-ready-file", ready, "-latency", latency.String()) //nolint:gosec // G204: the benchmark's own binary.
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, err
	}
	m := &mockServer{cmd: cmd, done: make(chan struct{})}
	go func() {
		m.waitErr = cmd.Wait()
		_ = logf.Close()
		close(m.done)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if b, err := os.ReadFile(ready); err == nil && len(b) > 0 {
			var urls map[string]string
			if json.Unmarshal(b, &urls) == nil && len(urls) > 0 {
				m.urls = urls
				return m, nil
			}
		}
		select {
		case <-m.done:
			return nil, fmt.Errorf("the mock exited before it was ready (%v); see %s", m.waitErr, filepath.Join(dir, "mock.log"))
		case <-ctx.Done():
			m.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			m.stop()
			return nil, fmt.Errorf("the mock did not write %s within 15 s", ready)
		}
	}
}

// stop terminates the mock (SIGTERM, then SIGKILL after 5 s).
func (m *mockServer) stop() {
	if m == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}

// adminURL is the listener root of a platform (BienPort's base URL ends in
// /api; the admin endpoints are at the root).
func (m *mockServer) adminURL(pl string) (string, error) {
	base, ok := m.urls[pl]
	if !ok {
		return "", fmt.Errorf("the mock's ready file names no %q listener", pl)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	return u.Scheme + "://" + u.Host, nil
}

var adminClient = &http.Client{Timeout: 10 * time.Second}

// resetCounts zeroes the counters of every platform listener.
func (m *mockServer) resetCounts(ctx context.Context) error {
	for _, pl := range []string{"monogoto", "coiote", "bienport"} {
		if _, ok := m.urls[pl]; !ok {
			continue
		}
		root, err := m.adminURL(pl)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, root+"/__mock/reset", nil)
		if err != nil {
			return err
		}
		resp, err := adminClient.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("POST %s/__mock/reset: HTTP %d", root, resp.StatusCode)
		}
	}
	return nil
}

// counts reads one platform's counters.
func (m *mockServer) counts(ctx context.Context, pl string) (map[string]int64, error) {
	root, err := m.adminURL(pl)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+"/__mock/counts", nil)
	if err != nil {
		return nil, err
	}
	resp, err := adminClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/__mock/counts: HTTP %d", root, resp.StatusCode)
	}
	var c map[string]int64
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&c); err != nil {
		return nil, fmt.Errorf("GET %s/__mock/counts: %w", root, err)
	}
	return c, nil
}

// tfRunner runs Terraform with the benchmark's environment.
type tfRunner struct {
	bin      string
	baseEnv  []string
	logDir   string
	procDir  string
	provider string
}

// cleanEnv is the caller's environment without anything that would change
// what Terraform or the provider does.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "TF_CLI_CONFIG_FILE", name == "TERRAFORM_CONFIG", name == "TF_DATA_DIR",
			name == "TF_WORKSPACE", name == "TF_INPUT", name == "TF_PLUGIN_CACHE_DIR",
			strings.HasPrefix(name, "TF_LOG"), strings.HasPrefix(name, "TF_CLI_ARGS"),
			strings.HasPrefix(name, "TF_VAR_"), strings.HasPrefix(name, "IOTAUTH_"),
			strings.HasPrefix(name, "PROVWRAP_"):
			continue
		}
		env = append(env, kv)
	}
	return env
}

// tfResult is what one Terraform command cost.
type tfResult struct {
	wall  time.Duration
	cpu   time.Duration
	procs []procRecord
}

// run runs `terraform <args>` in dir. tag names the log and record files.
func (r *tfRunner) run(ctx context.Context, dir, tag string, extraEnv []string, args ...string) (tfResult, error) {
	rec := filepath.Join(r.procDir, tag+".jsonl")
	_ = os.Remove(rec)
	logPath := filepath.Join(r.logDir, tag+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return tfResult{}, err
	}
	defer func() { _ = logf.Close() }()

	full := append([]string{"-chdir=" + dir}, args...)
	cmd := exec.CommandContext(ctx, r.bin, full...) //nolint:gosec // G204: the benchmark runs Terraform.
	cmd.Stdout, cmd.Stderr = logf, logf
	// extraEnv comes last: exec keeps the last of duplicate names, so it
	// may replace PROVWRAP_PROVIDER (the profiling build).
	cmd.Env = append(append(append([]string{}, r.baseEnv...),
		"PROVWRAP_PROVIDER="+r.provider, "PROVWRAP_RECORD="+rec, "PROVWRAP_TAG="+tag), extraEnv...)
	start := time.Now()
	err = cmd.Run()
	res := tfResult{wall: time.Since(start)}
	if ps := cmd.ProcessState; ps != nil {
		res.cpu = ps.UserTime() + ps.SystemTime()
	}
	if err != nil {
		return res, fmt.Errorf("terraform %s in %s failed (%w):\n%s", strings.Join(args, " "), dir, err, tail(logPath, 40))
	}
	procs, perr := procrecord.ReadAll(rec)
	if perr != nil {
		return res, perr
	}
	res.procs = procs
	return res, nil
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path) //nolint:gosec // G304: the benchmark's own log.
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

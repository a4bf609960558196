package main

import (
	"bufio"
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
)

// proc is one provider process as bench/cmd/provwrap records it.
type proc struct {
	MaxRSSBytes int64 `json:"max_rss_bytes"`
	CPUNS       int64 `json:"cpu_ns"`
}

// measurement is one timed Terraform command.
type measurement struct {
	Kind kind `json:"kind"`
	// LatencyMS is the mock's added latency; -1 for the floor, which
	// does no network I/O.
	LatencyMS float64 `json:"latency_ms"`
	N         int     `json:"n"`
	Command   string  `json:"command"`
	Run       int     `json:"run"`
	WallNS    int64   `json:"wall_ns"`
	// Logins counts the login requests the mock saw; Requests all of them.
	Logins   int64 `json:"logins"`
	Requests int64 `json:"requests"`
	// Procs are the iotauth provider processes (none for floor and http).
	Procs []proc `json:"provider_processes"`
}

// job is one timed command.
type job struct {
	kind    kind
	n       int
	dir     string
	latency time.Duration
	command string
	run     int
}

// run performs the whole benchmark and writes the report. It returns the
// number of targets not met.
func run(ctx context.Context, o *options) (int, error) {
	began := time.Now()
	work := o.work
	if work == "" {
		d, err := os.MkdirTemp("", "iotauth-tfbench-")
		if err != nil {
			return 0, err
		}
		work = d
	}
	if err := os.MkdirAll(work, 0o750); err != nil {
		return 0, err
	}
	fmt.Printf("tfbench: scratch directory %s\n", work)
	tfVersion, err := terraformVersion(ctx, o.terraform)
	if err != nil {
		return 0, err
	}

	// A CLI configuration of our own, never the user's ~/.terraformrc.
	// dev_overrides need no `terraform init`, which would ask the registry
	// for the providers (and fail offline).
	overrides := fmt.Sprintf("    \"iotauth/iotauth\" = %q\n", o.wrapperDir)
	if o.httpDir != "" {
		overrides += fmt.Sprintf("    \"hashicorp/http\" = %q\n", o.httpDir)
	}
	rc := filepath.Join(work, "terraformrc")
	if err := os.WriteFile(rc, []byte("provider_installation {\n  dev_overrides {\n"+overrides+"  }\n  direct {}\n}\n"), 0o600); err != nil {
		return 0, err
	}
	runner := &tfRunner{
		bin:    o.terraform,
		logDir: filepath.Join(work, "logs"),
		baseEnv: append(cleanEnv(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0",
			"PROVWRAP_PROVIDER="+o.provider),
	}
	if err := os.MkdirAll(runner.logDir, 0o750); err != nil {
		return 0, err
	}

	var configs []job
	for _, n := range o.sizes {
		for _, k := range append([]kind{kindFloor}, o.kinds...) {
			dir := filepath.Join(work, "configs", fmt.Sprintf("%s-%d", k, n))
			if err := generate(dir, k, n, o.platform, o.username, o.password); err != nil {
				return 0, err
			}
			configs = append(configs, job{kind: k, n: n, dir: dir})
		}
	}
	// Run 1 of every cell, then run 2, ..., with one mock per latency
	// running throughout: drift in the machine's speed then spreads over
	// all cells instead of biasing one. The floor does no network I/O and
	// runs once per round.
	var jobs []job
	for r := 1; r <= o.runs; r++ {
		for _, c := range configs {
			for li, lat := range o.latencies {
				if c.kind == kindFloor && li > 0 {
					break
				}
				for _, cmd := range o.commands {
					j := c
					j.latency, j.command, j.run = lat, cmd, r
					jobs = append(jobs, j)
				}
			}
		}
	}

	// Warm-up, not recorded: page Terraform, the providers and the
	// configurations in once.
	if err := func() error {
		m, err := startMock(ctx, o.mock, filepath.Join(work, "mock-warmup"), 0)
		if err != nil {
			return err
		}
		defer m.stop()
		for _, c := range configs {
			if err := resetState(c.dir); err != nil {
				return err
			}
			env := []string{"TF_VAR_base_url=" + m.urls[o.platform]}
			if _, _, err := runner.run(ctx, c.dir, fmt.Sprintf("warmup-%s-%d", c.kind, c.n), env, commandArgs("plan", o.parallelism)...); err != nil {
				return err
			}
		}
		return nil
	}(); err != nil {
		return 0, err
	}

	mocks := map[time.Duration]*mockServer{}
	defer func() {
		for _, m := range mocks {
			m.stop()
		}
	}()
	for _, lat := range o.latencies {
		m, err := startMock(ctx, o.mock, filepath.Join(work, fmt.Sprintf("mock-%dms", lat.Milliseconds())), lat)
		if err != nil {
			return 0, err
		}
		mocks[lat] = m
	}
	var results []measurement
	for i, j := range jobs {
		m := mocks[j.latency]
		if err := resetState(j.dir); err != nil {
			return 0, err
		}
		if err := m.resetCounts(ctx, o.platform); err != nil {
			return 0, err
		}
		tag := fmt.Sprintf("%s-%d-%s-%dms-run%d", j.kind, j.n, j.command, j.latency.Milliseconds(), j.run)
		wall, procs, err := runner.run(ctx, j.dir, tag, []string{"TF_VAR_base_url=" + m.urls[o.platform]}, commandArgs(j.command, o.parallelism)...)
		if err != nil {
			return 0, err
		}
		c, err := m.counts(ctx, o.platform)
		if err != nil {
			return 0, err
		}
		ms := measurement{Kind: j.kind, LatencyMS: float64(j.latency) / float64(time.Millisecond), N: j.n, Command: j.command,
			Run: j.run, WallNS: wall.Nanoseconds(), Procs: procs}
		ms.Logins, ms.Requests = loginCount(c)
		lat := fmt.Sprintf("%gms", ms.LatencyMS)
		if j.kind == kindFloor {
			ms.LatencyMS, lat = -1, "-"
		}
		results = append(results, ms)
		fmt.Printf("[%3d/%d] %-5s N=%-3d %-5s %-5s run %d: %6.2fs  logins %d\n",
			i+1, len(jobs), j.kind, j.n, j.command, lat, j.run, wall.Seconds(), ms.Logins)
	}

	rep := &report{opts: o, results: results, tfVersion: tfVersion, began: began, elapsed: time.Since(began)}
	rep.evaluate()
	if err := os.MkdirAll(filepath.Dir(o.out), 0o750); err != nil {
		return 0, err
	}
	if err := os.WriteFile(o.out, []byte(rep.markdown()), 0o644); err != nil { //nolint:gosec // G306: a report meant to be read.
		return 0, err
	}
	if o.jsonOut != "" {
		b, err := json.MarshalIndent(results, "", " ")
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(o.jsonOut, b, 0o600); err != nil {
			return 0, err
		}
	}
	fmt.Print("\n" + rep.targetSummary())
	fmt.Printf("\ntfbench: wrote %s (%s)\n", o.out, rep.elapsed.Round(time.Second))
	return rep.failed, nil
}

// commandArgs are the arguments of a timed plan or apply.
func commandArgs(command string, parallelism int) []string {
	args := []string{command, "-input=false", "-no-color"}
	if command == "apply" {
		args = append(args, "-auto-approve")
	}
	if parallelism > 0 {
		args = append(args, fmt.Sprintf("-parallelism=%d", parallelism))
	}
	return args
}

// resetState removes the local state, so that every command plans (and
// applies) the creation of every resource.
func resetState(dir string) error {
	for _, f := range []string{"terraform.tfstate", "terraform.tfstate.backup", ".terraform.tfstate.lock.info"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// loginEndpoints are the mock's counters of login requests (password
// logins, Monogoto v1 logins and refreshes, Coiote client-credentials
// grants; see internal/clients/mock).
var loginEndpoints = []string{"login", "v1_login", "refresh", "client_credentials"}

// loginCount picks the logins out of a platform's counters; requests is
// the "total" counter.
func loginCount(c map[string]int64) (logins, requests int64) {
	for _, e := range loginEndpoints {
		logins += c[e]
	}
	return logins, c["total"]
}

func terraformVersion(ctx context.Context, bin string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "version", "-json").Output() //nolint:gosec // G204: the benchmark runs Terraform.
	if err != nil {
		return "", fmt.Errorf("terraform version: %w", err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return "", fmt.Errorf("terraform version -json: %w", err)
	}
	return v.Version, nil
}

// mockServer is a running cmd/iotauth-mock.
type mockServer struct {
	cmd *exec.Cmd
	// urls is its ready file: base URL by platform.
	urls    map[string]string
	done    chan struct{}
	waitErr error
}

// startMock starts the mock with the given latency and waits for its
// ready file.
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
	deadline := time.After(15 * time.Second)
	for {
		if b, err := os.ReadFile(ready); err == nil && json.Unmarshal(b, &m.urls) == nil && len(m.urls) > 0 {
			return m, nil
		}
		select {
		case <-m.done:
			return nil, fmt.Errorf("the mock exited before it was ready (%v); see %s", m.waitErr, filepath.Join(dir, "mock.log"))
		case <-ctx.Done():
			m.stop()
			return nil, ctx.Err()
		case <-deadline:
			m.stop()
			return nil, fmt.Errorf("the mock did not write %s within 15 s", ready)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop terminates the mock (SIGTERM, then SIGKILL after 5 s).
func (m *mockServer) stop() {
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}

// adminURL is a platform listener's root, where /__mock/ lives (BienPort's
// base URL ends in /api).
func (m *mockServer) adminURL(pl string) (string, error) {
	u, err := url.Parse(m.urls[pl])
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("the mock's ready file has no usable %q URL", pl)
	}
	return u.Scheme + "://" + u.Host, nil
}

var adminClient = &http.Client{Timeout: 10 * time.Second}

// resetCounts zeroes one platform's counters.
func (m *mockServer) resetCounts(ctx context.Context, pl string) error {
	root, err := m.adminURL(pl)
	if err != nil {
		return err
	}
	_, err = m.admin(ctx, http.MethodPost, root+"/__mock/reset")
	return err
}

// counts reads one platform's counters.
func (m *mockServer) counts(ctx context.Context, pl string) (map[string]int64, error) {
	root, err := m.adminURL(pl)
	if err != nil {
		return nil, err
	}
	b, err := m.admin(ctx, http.MethodGet, root+"/__mock/counts")
	if err != nil {
		return nil, err
	}
	var c map[string]int64
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", root, err)
	}
	return c, nil
}

func (m *mockServer) admin(ctx context.Context, method, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := adminClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err == nil && resp.StatusCode/100 != 2 {
		err = fmt.Errorf("%s %s: HTTP %d", method, u, resp.StatusCode)
	}
	return b, err
}

// tfRunner runs Terraform with the benchmark's environment.
type tfRunner struct {
	bin     string
	baseEnv []string
	logDir  string
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

// run runs `terraform <args>` in dir and returns its wall time and the
// provider processes provwrap recorded. tag names the log and record files.
func (r *tfRunner) run(ctx context.Context, dir, tag string, extraEnv []string, args ...string) (time.Duration, []proc, error) {
	rec := filepath.Join(r.logDir, tag+".procs")
	_ = os.Remove(rec)
	logPath := filepath.Join(r.logDir, tag+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = logf.Close() }()
	cmd := exec.CommandContext(ctx, r.bin, append([]string{"-chdir=" + dir}, args...)...) //nolint:gosec // G204: the benchmark runs Terraform.
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(append(append([]string{}, r.baseEnv...), "PROVWRAP_RECORD="+rec), extraEnv...)
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return wall, nil, fmt.Errorf("terraform %s in %s failed (%w):\n%s", strings.Join(args, " "), dir, err, tail(logPath, 40))
	}
	procs, err := readProcs(rec)
	return wall, procs, err
}

// readProcs reads provwrap's records; none if no provider process ran.
func readProcs(path string) ([]proc, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the benchmark's own file.
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var out []proc
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var p proc
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, p)
	}
	return out, sc.Err()
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path) //nolint:gosec // G304: the benchmark's own log.
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

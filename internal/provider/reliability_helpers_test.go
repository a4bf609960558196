package provider

// Shared helpers of the reliability tests (reliability_*_test.go): provider
// blocks with fast fault settings, a plan-only acceptance run that hands
// back the error text, and a harness that drives a real Terraform CLI
// against the provider built from this tree, for the tests that must see
// stdout, stderr, the log file and per-command request counts.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// longTestsEnv turns on the long variants of the reliability tests.
const longTestsEnv = "IOTAUTH_LONG_TESTS"

// longTests reports whether the long variants run.
func longTests() bool { return os.Getenv(longTestsEnv) == "1" }

// seedUsers and seedPasswords are the accounts mockProvider signs in as:
// each platform's default seeded account.
var seedUsers, seedPasswords = func() (map[platform.Name]string, map[platform.Name]string) {
	users, passwords := map[platform.Name]string{}, map[platform.Name]string{}
	for _, p := range mock.Platforms() {
		l, _ := mock.DemoLogin(p)
		users[p], passwords[p] = l.User, l.Password
	}
	return users, passwords
}()

// providerWith is mockProvider(srv) with its shared settings replaced by
// settings (lines such as `max_retries = 2`), extra provider attributes
// included.
func providerWith(t *testing.T, srv *mock.Server, settings string) string {
	t.Helper()
	const plain = "  max_retries = 0\n"
	base := mockProvider(srv)
	if !strings.Contains(base, plain) {
		t.Fatalf("mockProvider no longer sets %q; update providerWith", plain)
	}
	return strings.Replace(base, plain, settings, 1)
}

// tokenBlock opens one iotauth_token for platform p, named after it.
func tokenBlock(p platform.Name) string {
	return "ephemeral \"iotauth_token\" \"" + string(p) + "\" {\n  platform = \"" + string(p) + "\"\n}\n"
}

// profileBlock reads platform p's iotauth_user_profile, named after it.
func profileBlock(p platform.Name) string {
	return "data \"iotauth_user_profile\" \"" + string(p) + "\" {\n  platform = \"" + string(p) + "\"\n}\n"
}

// everyPlatform joins block(p) for every platform.
func everyPlatform(block func(platform.Name) string) string {
	var b strings.Builder
	for _, p := range mock.Platforms() {
		b.WriteString(block(p))
	}
	return b.String()
}

// planResult is what one plan-only acceptance run did.
type planResult struct {
	// errText is the harness's error (Terraform's diagnostics), "" when
	// every command succeeded.
	errText string
	elapsed time.Duration
}

// planOnly runs config in one plan-only test step: a plan without
// refresh and a refresh plan, each in a new provider process. The first
// failing command ends the step and its error is returned instead of
// failing the test, so that callers can assert on it and on what it must
// not contain.
func planOnly(t *testing.T, config string, preConfig func()) planResult {
	t.Helper()
	var res planResult
	start := time.Now()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersionChecks,
		ProtoV6ProviderFactories: providerFactories(),
		ErrorCheck: func(err error) error {
			res.errText = err.Error()
			return nil
		},
		Steps: []resource.TestStep{{
			PreConfig: preConfig,
			Config:    testConfig(config),
			PlanOnly:  true,
		}},
	})
	res.elapsed = time.Since(start)
	return res
}

// expectFailure checks that a run failed within faultLimit with an error
// matching each of wants, and that the error text holds none of the mock's
// secrets.
func expectFailure(t *testing.T, srv *mock.Server, res planResult, wants ...*regexp.Regexp) {
	t.Helper()
	if res.errText == "" {
		t.Fatalf("expected an error matching %v, but every command succeeded", wants)
	}
	for _, want := range wants {
		if !want.MatchString(res.errText) {
			t.Errorf("the error does not match %s:\n%s", want, res.errText)
		}
	}
	if res.elapsed > faultLimit {
		t.Errorf("the run took %s, want at most %s", res.elapsed.Round(time.Millisecond), faultLimit)
	}
	if found := findSecrets(res.errText, mockSecrets(srv)); len(found) > 0 {
		t.Errorf("the error text holds secret(s) %v", found)
	}
}

// errorCount is how many error diagnostics Terraform printed.
func errorCount(text string) int { return strings.Count(text, "Error: ") }

// requestGaps returns the time between consecutive requests platform p
// received for endpoint ep.
func requestGaps(srv *mock.Server, p platform.Name, ep mock.Endpoint) []time.Duration {
	var times []time.Time
	for _, r := range srv.ReceivedRequests(p) {
		if r.Endpoint == ep {
			times = append(times, r.Time)
		}
	}
	var gaps []time.Duration
	for i := 1; i < len(times); i++ {
		gaps = append(gaps, times[i].Sub(times[i-1]))
	}
	return gaps
}

// sinkServer is a second host that must never be reached: it counts every
// request it gets and keeps their Authorization headers and bodies.
type sinkServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
}

func newSinkServer(t *testing.T) *sinkServer {
	t.Helper()
	s := &sinkServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 4096)
		n, _ := r.Body.Read(body)
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization")+" body="+string(body[:n]))
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sinkServer) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// statusProxy sits in front of one mock platform and counts the status
// codes of the answers it relays, so that a test can count 429s the client
// received whatever it did with them.
type statusProxy struct {
	base     string // the platform's base URL through the proxy
	mu       sync.Mutex
	statuses map[int]int
}

func newStatusProxy(t *testing.T, srv *mock.Server, p platform.Name) *statusProxy {
	t.Helper()
	target, err := url.Parse(srv.BaseURL(p))
	if err != nil {
		t.Fatal(err)
	}
	sp := &statusProxy{statuses: map[int]int{}}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	rp.ModifyResponse = func(r *http.Response) error {
		sp.mu.Lock()
		sp.statuses[r.StatusCode]++
		sp.mu.Unlock()
		return nil
	}
	ps := httptest.NewServer(rp)
	t.Cleanup(ps.Close)
	sp.base = ps.URL + target.Path
	return sp
}

func (sp *statusProxy) count(status int) int {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.statuses[status]
}

// loginCounts returns each platform's login requests and sets the mock's
// counters back to zero, so that successive calls count per command.
func loginCounts(srv *mock.Server) map[platform.Name]int64 {
	out := map[platform.Name]int64{}
	for _, p := range mock.Platforms() {
		out[p] = srv.Count(p, mock.EndpointLogin)
	}
	srv.ResetCounts()
	return out
}

// mockEnv is the environment that points every platform of srv at its
// seeded account (seedUsers): base URL, user name and password, so that no
// password appears in the configuration.
func mockEnv(srv *mock.Server) map[string]string {
	env := map[string]string{}
	for _, p := range mock.Platforms() {
		env[envName(p, "base_url")] = srv.BaseURL(p)
		env[envName(p, "username")] = seedUsers[p]
		env[envName(p, "password")] = seedPasswords[p]
	}
	return env
}

// cliHeader starts a configuration for tfCLI: the provider source, and a
// provider block without retries (credentials come from the environment,
// mockEnv).
const cliHeader = `terraform {
  required_providers {
    iotauth = { source = "iotauth/iotauth" }
  }
}

provider "iotauth" {
  max_retries = 0
}
`

// tfCLI drives a Terraform CLI (TF_ACC_TERRAFORM_PATH, or terraform on
// PATH) in one working directory, against the provider built from this
// tree and installed through a dev_overrides CLI configuration that only
// the child processes see. Every command is a separate provider process,
// exactly as in a user's pipeline. It keeps everything the commands
// printed.
type tfCLI struct {
	t       *testing.T
	bin     string
	dir     string
	env     []string
	logPath string

	stdout, stderr strings.Builder
}

// terraformBinary returns the CLI the acceptance tests use, or skips.
func terraformBinary(t *testing.T) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to drive a Terraform CLI")
	}
	if tf := os.Getenv("TF_ACC_TERRAFORM_PATH"); tf != "" {
		return tf
	}
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("no terraform on PATH")
	}
	return tf
}

// buildProvider builds the provider binary into a new directory and
// returns the directory. It is built with -race when the tests are, so
// that the provider processes Terraform starts are checked for data races
// too (and the build reuses the test's compiled dependencies).
func buildProvider(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	exe := "terraform-provider-iotauth"
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	args := []string{"build"}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "-o", filepath.Join(dir, exe), ".")
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return dir
}

// newTFCLI prepares a working directory holding config (main.tf) and the
// environment of its commands: the given variables, the dev_overrides CLI
// configuration, and a log file. Inherited IOTAUTH_*, TF_LOG*, TF_VAR_*
// and TF_CLI_CONFIG_FILE variables are dropped, so that only what the test
// sets reaches Terraform and the provider.
func newTFCLI(t *testing.T, pluginDir, config string, env map[string]string) *tfCLI {
	t.Helper()
	c := &tfCLI{t: t, bin: terraformBinary(t), dir: t.TempDir()}
	c.logPath = filepath.Join(c.dir, "terraform.log")
	cliConfig := filepath.Join(c.dir, "cli.tfrc")
	dir := filepath.ToSlash(pluginDir)
	// OpenTofu reads the same block; list both registries' addresses.
	rc := "provider_installation {\n  dev_overrides {\n" +
		"    \"registry.terraform.io/iotauth/iotauth\" = \"" + dir + "\"\n" +
		"    \"registry.opentofu.org/iotauth/iotauth\" = \"" + dir + "\"\n" +
		"  }\n  direct {}\n}\n"
	for name, text := range map[string]string{cliConfig: rc, filepath.Join(c.dir, "main.tf"): config} {
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "IOTAUTH_") || strings.HasPrefix(k, "TF_LOG") || strings.HasPrefix(k, "TF_VAR_") || k == "TF_CLI_CONFIG_FILE" {
			continue
		}
		c.env = append(c.env, kv)
	}
	c.env = append(c.env, "TF_CLI_CONFIG_FILE="+cliConfig, "TF_LOG_PATH="+c.logPath,
		"CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	for k, v := range env {
		c.env = append(c.env, k+"="+v)
	}
	return c
}

// run runs one command (with -no-color) and returns its stdout and
// stderr; both are also kept.
func (c *tfCLI) run(args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, append(args, "-no-color")...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	c.stdout.WriteString(out.String())
	c.stderr.WriteString(errOut.String())
	return out.String(), errOut.String(), err
}

// must runs one command and fails the test if it fails.
func (c *tfCLI) must(args ...string) string {
	c.t.Helper()
	start := time.Now()
	out, errOut, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("terraform %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	c.t.Logf("terraform %s: %s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return out
}

// log returns the log file's text ("" before the first command).
func (c *tfCLI) log() string {
	c.t.Helper()
	b, err := os.ReadFile(c.logPath)
	if err != nil && !os.IsNotExist(err) {
		c.t.Fatal(err)
	}
	return string(b)
}

// checkNoRace fails when a provider process built with -race reported a
// data race: the report goes to the plugin's stderr, which Terraform
// copies into its log, and the process exits with status 66.
func checkNoRace(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, "WARNING: DATA RACE") || strings.Contains(s, "exit status 66") {
			t.Error("a provider process reported a data race")
		}
	}
}

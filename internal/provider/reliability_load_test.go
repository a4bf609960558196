package provider

// Load: many blocks with the same credentials, through a real Terraform CLI
// so that every command runs the provider as its own process and the mock's
// counters can be read between commands.
//
// The bound: the provider keeps one session cache per process and shares
// one in-flight login between concurrent callers, so a provider process
// logs in at most once per platform (per credential set). Terraform starts
// a new provider process for every graph walk that configures the
// provider: one for `plan`, one for `apply` of a saved plan, two for
// `apply` without a saved plan, `apply -refresh-only` and `destroy` (a plan
// walk, then an apply walk; destroy's apply walk opens no token here, so
// it logs in once). The tests count the configured processes in the log
// and the logins on the mock, per command: logins <= processes.

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// loadConfig declares n iotauth_token blocks per platform, and n
// iotauth_user_profile data sources per platform when profiles is set, all
// with the provider's credentials. Every token reaches a provisioner (as a
// digest: 600 JWTs overflow an environment), so the tokens are opened in the
// apply too.
func loadConfig(n int, profiles bool, settings string) string {
	var b strings.Builder
	b.WriteString(`terraform {
  required_providers {
    iotauth = { source = "iotauth/iotauth" }
  }
}

provider "iotauth" {
` + settings + `}
`)
	var tokens []string
	for _, p := range mock.Platforms() {
		fmt.Fprintf(&b, "\nephemeral \"iotauth_token\" %[1]q {\n  count    = %[2]d\n  platform = %[1]q\n}\n", p, n)
		if profiles {
			fmt.Fprintf(&b, "\ndata \"iotauth_user_profile\" %[1]q {\n  count    = %[2]d\n  platform = %[1]q\n}\n", p, n)
		}
		tokens = append(tokens, fmt.Sprintf("ephemeral.iotauth_token.%s[*].token", p))
	}
	input := "null"
	if profiles {
		input = "length(data.iotauth_user_profile.coiote)"
	}
	fmt.Fprintf(&b, `
resource "terraform_data" "use" {
  input = %s

  provisioner "local-exec" {
    command     = "test -n \"$T\""
    environment = { T = sha256(join(",", concat(%s))) }
  }
}
`, input, strings.Join(tokens, ", "))
	return b.String()
}

// configuredProcesses is how many provider processes a command's log shows
// configured (the provider logs one line per Configure).
func configuredProcesses(log string) int {
	return strings.Count(log, "Configured the iotauth provider")
}

// loadRun runs one command, then checks each platform's logins against
// the bound: at least one (the blocks needed a token) and at most one per
// configured provider process, which is wantProcesses.
func loadRun(t *testing.T, cli *tfCLI, srv *mock.Server, wantProcesses int, args ...string) {
	t.Helper()
	before := len(cli.log())
	start := time.Now()
	if out, errOut, err := cli.run(args...); err != nil {
		t.Fatalf("terraform %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	elapsed := time.Since(start)
	procs := configuredProcesses(cli.log()[before:])
	if procs != wantProcesses {
		t.Errorf("terraform %s: %d configured provider processes, want %d", args[0], procs, wantProcesses)
	}
	// Coiote reads the profile once per login, not once per block.
	if l, pr := srv.Count(mock.Coiote, mock.EndpointLogin), srv.Count(mock.Coiote, mock.EndpointProfile); pr != l {
		t.Errorf("terraform %s: Coiote saw %d profile reads for %d logins", args[0], pr, l)
	}
	var report []string
	for p, n := range loginCounts(srv) {
		report = append(report, fmt.Sprintf("%s %d", p, n))
		if n < 1 || n > int64(procs) {
			t.Errorf("terraform %s: %s saw %d logins, want 1..%d (one per provider process)", strings.Join(args, " "), p, n, procs)
		}
	}
	t.Logf("terraform %s: %s, %d provider process(es), logins: %s", strings.Join(args, " "),
		elapsed.Round(time.Millisecond), procs, strings.Join(report, ", "))
}

// TestAccReliabilityLoad_OneLoginPerProcess: 200 iotauth_token blocks and
// 200 iotauth_user_profile data sources per platform, all with the same
// credentials: plan and apply each log in once per platform. The long
// variant adds a refresh plan, a refresh-only apply and a destroy (slow:
// Terraform rewrites the state once per data source it forgets).
func TestAccReliabilityLoad_OneLoginPerProcess(t *testing.T) {
	t.Parallel()
	const n = 200
	srv := startMock(t)
	env := mockEnv(srv)
	env["TF_LOG"] = "DEBUG"
	cli := newTFCLI(t, buildProvider(t), loadConfig(n, true, "  max_retries = 0\n"), env)

	loadRun(t, cli, srv, 1, "plan", "-out=tfplan", "-input=false")
	loadRun(t, cli, srv, 1, "apply", "-input=false", "tfplan")
	if longTests() {
		loadRun(t, cli, srv, 1, "plan", "-input=false")
		loadRun(t, cli, srv, 2, "apply", "-refresh-only", "-auto-approve", "-input=false")
		loadRun(t, cli, srv, 2, "destroy", "-auto-approve", "-input=false")
	}
	checkNoRace(t, cli.log(), cli.stderr.String())
}

// TestAccReliabilityLoad_RateLimited: with every platform's login limited
// to 5 per 60 s per client (the documented Monogoto v1 limit, applied to
// all three), a plan and an apply of 100 iotauth_token blocks per platform
// both succeed, and a proxy in front of each platform relays not a single
// 429. Then, as a control, logins outside Terraform exhaust the limit and
// the proxy does count the 429 that follows.
func TestAccReliabilityLoad_RateLimited(t *testing.T) {
	t.Parallel()
	const n = 100
	srv := startMock(t)
	env := map[string]string{"TF_LOG": "DEBUG"}
	proxies := map[platform.Name]*statusProxy{}
	for _, p := range mock.Platforms() {
		srv.SetLoginRateLimit(p, 5, time.Minute)
		proxies[p] = newStatusProxy(t, srv, p)
	}
	for k, v := range mockEnv(srv) {
		env[k] = v
	}
	for _, p := range mock.Platforms() {
		env[envName(p, "base_url")] = proxies[p].base
	}
	// Retries on: a 429 would be retried or reported, never hidden, and the
	// proxy would count it either way.
	cli := newTFCLI(t, buildProvider(t), loadConfig(n, false, "  max_retries    = 2\n  retry_max_wait = \"1s\"\n"), env)
	loadRun(t, cli, srv, 1, "plan", "-out=tfplan", "-input=false")
	loadRun(t, cli, srv, 1, "apply", "-input=false", "tfplan")
	for _, p := range mock.Platforms() {
		if got := proxies[p].count(http.StatusTooManyRequests); got != 0 {
			t.Errorf("%s answered 429 %d time(s)", p, got)
		}
		if got := proxies[p].count(http.StatusOK) + proxies[p].count(http.StatusCreated); got < 2 {
			t.Errorf("%s: the proxy relayed %d successful logins, want at least 2: it did not see the traffic", p, got)
		}
	}
	checkNoRace(t, cli.log(), cli.stderr.String())

	// Control: two logins are used; three more fit in the window, the
	// next one is refused, and the proxy counts that 429.
	p := mock.Bienport
	for i := 1; i <= 4; i++ {
		want := http.StatusOK
		if i == 4 {
			want = http.StatusTooManyRequests
		}
		if got := proxyLogin(t, proxies[p].base); got != want {
			t.Errorf("login %d after the run answered %d, want %d", i, got, want)
		}
	}
	if got := proxies[p].count(http.StatusTooManyRequests); got != 1 {
		t.Errorf("the proxy counted %d 429s in the control, want 1", got)
	}
}

// proxyLogin signs in to BienPort at base directly and returns the status.
func proxyLogin(t *testing.T, base string) int {
	t.Helper()
	body := fmt.Sprintf(`{"screenName":%q,"password":%q,"rememberMe":false}`, mock.SeedBienportDemo.ScreenName, mock.SeedBienportDemo.Password)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/auth/login", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// refusedConfig declares n iotauth_token blocks and n iotauth_user_profile
// data sources of platform p, all with the provider's credentials, and
// turns retries on (a refused login must not be retried all the same).
// blockAnswers reads a TRACE log: how many ephemeral resources the provider
// was asked to open and data sources to read, how many error diagnostics it
// returned, and how many of those had the given summary.
func blockAnswers(log, summary string) (asked, withSummary, errs int) {
	asked = strings.Count(log, "Calling provider defined EphemeralResource Open") +
		strings.Count(log, "Calling provider defined DataSource Read")
	for _, entry := range logEntries(log) {
		if strings.Contains(entry, "Response contains error diagnostic") {
			errs++
			if strings.Contains(entry, `diagnostic_summary="`+summary+`"`) {
				withSummary++
			}
		}
	}
	return asked, withSummary, errs
}

// logEntries splits a Terraform log into its entries: an entry starts with
// a timestamp, and a field whose value holds newlines (a diagnostic's
// detail) continues on the lines after it, with other fields after that.
func logEntries(log string) []string {
	var entries []string
	for _, line := range strings.Split(log, "\n") {
		if len(entries) == 0 || logTimestamp.MatchString(line) {
			entries = append(entries, line)
		} else {
			entries[len(entries)-1] += "\n" + line
		}
	}
	return entries
}

var logTimestamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`)

func refusedConfig(p platform.Name, n int) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    iotauth = { source = "iotauth/iotauth" }
  }
}

provider "iotauth" {
  max_retries    = 3
  retry_max_wait = "1s"
}

ephemeral "iotauth_token" "t" {
  count    = %[2]d
  platform = %[1]q
}

data "iotauth_user_profile" "d" {
  count    = %[2]d
  platform = %[1]q
}
`, p, n)
}

// TestAccReliabilityLoad_RefusedLoginOncePerProcess: a wrong password used
// by 50 iotauth_token blocks and 50 iotauth_user_profile data sources of
// one platform reaches the platform exactly once per provider process
// (one graph walk), whether Terraform walks the blocks one at a time
// (-parallelism=1: each block asks after the refusal) or ten at a time
// (the default: blocks ask while the login is in flight), on every
// platform. Every block that asks fails with the same diagnostic (issue 13,
// item 1). Terraform 1.13 prints identical diagnostics of one block's
// instances (count) once, so what each block got is read from the TRACE
// log, where terraform-plugin-go logs every error diagnostic it returns.
func TestAccReliabilityLoad_RefusedLoginOncePerProcess(t *testing.T) {
	t.Parallel()
	const n = 50
	plugin := buildProvider(t)
	for _, p := range mock.Platforms() {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			srv := startMock(t)
			env := mockEnv(srv)
			wrong := "wrong-" + seedPasswords[p]
			env[envName(p, "password")] = wrong
			env["TF_LOG"] = "TRACE"
			cli := newTFCLI(t, plugin, refusedConfig(p, n), env)
			want := errorPattern(p, "login", seedUsers[p], `invalid credentials: the platform refused the user name and password \(HTTP 40[134][;)]`,
				"Check the user name and password for this platform")
			for _, args := range [][]string{
				{"plan", "-input=false", "-parallelism=1"},
				{"plan", "-input=false"},
			} {
				before := len(cli.log())
				start := time.Now()
				out, errOut, err := cli.run(args...)
				if err == nil {
					t.Fatalf("terraform %s succeeded with a wrong password:\n%s", strings.Join(args, " "), out)
				}
				procs := configuredProcesses(cli.log()[before:])
				logins := loginCounts(srv)[p]
				t.Logf("terraform %s: %s, %d provider process(es), %d login(s)", strings.Join(args, " "),
					time.Since(start).Round(time.Millisecond), procs, logins)
				if procs != 1 || logins != 1 {
					t.Errorf("terraform %s: %d login request(s) in %d provider process(es), want exactly 1 in 1",
						strings.Join(args, " "), logins, procs)
				}
				text := out + errOut
				if !want.MatchString(text) {
					t.Errorf("terraform %s: no diagnostic matching %s:\n%s", strings.Join(args, " "), want, errOut)
				}
				failed := strings.Count(text, "Error: "+mock.Title(p)+" login failed")
				asked, refused, errs := blockAnswers(cli.log()[before:], mock.Title(p)+" login failed")
				t.Logf("terraform %s: %d blocks asked, %d got the refusal (%d errors in all); %d printed",
					strings.Join(args, " "), asked, refused, errs, failed)
				if asked != 2*n || refused != asked || errs != asked {
					t.Errorf("terraform %s: %d of %d blocks asked, %d got the refusal (%d errors in all): want every block to get it",
						strings.Join(args, " "), asked, 2*n, refused, errs)
				}
				if failed < 2 || errorCount(text) != failed {
					t.Errorf("terraform %s: %d refusals printed (%d errors in all), want at least one per block and no other error:\n%s",
						strings.Join(args, " "), failed, errorCount(text), errOut)
				}
				if strings.Contains(text+cli.log(), wrong) {
					t.Errorf("terraform %s: the wrong password is in the output or the log", strings.Join(args, " "))
				}
			}
			checkNoRace(t, cli.log(), cli.stderr.String())
		})
	}
}

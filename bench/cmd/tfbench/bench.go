package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/schemafloor"
)

// Variants: which provider binary answers for iotauth/iotauth.
const (
	// variantReal is the provider under test.
	variantReal = "iotauth"
	// variantStub is bench/cmd/stubprov, the framework floor.
	variantStub = "stub"
	// variantSchema is bench/cmd/schemafloor, the schema floor: the
	// provider's schemas and values without its code.
	variantSchema = "schema"
	// variantNone is the floor configuration, which uses no provider.
	variantNone = "none"
)

// scenario is one configuration.
type scenario struct {
	kind kind
	n    int
	dir  string
}

// job is one timed command.
type job struct {
	s       scenario
	variant string
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
	if _, err := os.Stat(filepath.Join(o.wrapperDir, "terraform-provider-iotauth")); err != nil {
		return 0, fmt.Errorf("-wrapper-dir: %w", err)
	}

	// Copies of the binaries, each installed by `terraform init` from a
	// zip archive as users install a release, used in turn by successive
	// runs. The speed of a binary's code on some machines depends on where
	// the kernel happened to put its file's pages in the page cache
	// (measured here: the same provider, copied, started in 11.6 or in 16
	// ms, and used about 10 % more or less CPU, for as long as each copy
	// stayed cached), so each side of the comparison runs several copies.
	realCopies, err := installedCopies(ctx, o.terraform, o.provider, variantReal, o.copies, work)
	if err != nil {
		return 0, err
	}
	var stubCopies, schemaCopies []string
	if o.stubProvider != "" {
		if stubCopies, err = installedCopies(ctx, o.terraform, o.stubProvider, variantStub, o.copies, work); err != nil {
			return 0, err
		}
	}
	if o.schemaFloor != "" {
		if schemaCopies, err = installedCopies(ctx, o.terraform, o.schemaFloor, variantSchema, o.copies, work); err != nil {
			return 0, err
		}
	}
	// The schema floor's answers, captured from the real provider against
	// the warm-up mock before any run.
	schemaValues := filepath.Join(work, "schemafloor-values.json")

	// A CLI configuration of our own: never the user's ~/.terraformrc.
	rc := filepath.Join(work, "terraformrc")
	rcText := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"iotauth/iotauth\" = %q\n  }\n  direct {}\n}\n", o.wrapperDir)
	if err := os.WriteFile(rc, []byte(rcText), 0o600); err != nil {
		return 0, err
	}
	runner := &tfRunner{
		bin:      o.terraform,
		logDir:   filepath.Join(work, "logs"),
		procDir:  filepath.Join(work, "procs"),
		provider: o.provider,
		baseEnv: append(cleanEnv(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1",
			"TF_IN_AUTOMATION=1", "TF_INPUT=0", "SCHEMAFLOOR_VALUES="+schemaValues),
	}
	for _, d := range []string{runner.logDir, runner.procDir} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return 0, err
		}
	}

	// Configurations: the floor and every provider scenario at every size.
	// No `terraform init`: with dev_overrides for iotauth/iotauth and only
	// the built-in terraform provider besides, plan and apply need none,
	// and init would query the registry (offline, it fails).
	var all []scenario
	for _, n := range o.sizes {
		all = append(all, scenario{kind: kindFloor, n: n})
		for _, k := range o.kinds {
			all = append(all, scenario{kind: k, n: n})
		}
	}
	for i := range all {
		s := &all[i]
		s.dir = filepath.Join(work, "configs", fmt.Sprintf("%s-%d", s.kind, s.n))
		if err := generate(s.dir, s.kind, s.n, o.platform, o.username, o.password); err != nil {
			return 0, err
		}
	}

	// Every cell's runs are interleaved with every other cell's (run 1 of
	// all cells and latencies, then run 2, ...), with one mock per latency
	// running throughout, so that drift in the machine's speed (other
	// work on it) spreads over all cells instead of biasing one latency.
	// The floor and the framework floor (stub provider) do no network
	// I/O: they are measured once per run, not per latency.
	var jobs []job
	for r := 1; r <= o.runs; r++ {
		for _, n := range o.sizes {
			for _, s := range all {
				if s.n != n {
					continue
				}
				for li, lat := range o.latencies {
					var variants []string
					switch {
					case s.kind == kindFloor && li == 0:
						variants = []string{variantNone}
					case s.kind == kindFloor:
					case li == 0:
						variants = []string{variantReal}
						if o.stubProvider != "" {
							variants = append(variants, variantStub)
						}
						if o.schemaFloor != "" {
							variants = append(variants, variantSchema)
						}
					default:
						variants = []string{variantReal}
					}
					for _, v := range variants {
						for _, c := range o.commands {
							jobs = append(jobs, job{s: s, variant: v, latency: lat, command: c, run: r})
						}
					}
				}
			}
		}
	}
	total := len(jobs)

	var results []measurement
	done := 0
	measure := func(m *mockServer, j job) error {
		tag := fmt.Sprintf("%s-%s-%d-%s-%dms-run%d", j.variant, j.s.kind, j.s.n, j.command, j.latency.Milliseconds(), j.run)
		if err := resetState(j.s.dir); err != nil {
			return err
		}
		if err := m.resetCounts(ctx); err != nil {
			return err
		}
		env := []string{"TF_VAR_base_url=" + m.urls[o.platform]}
		switch j.variant {
		case variantStub:
			env = append(env, "PROVWRAP_PROVIDER="+stubCopies[(j.run-1)%len(stubCopies)])
		case variantSchema:
			env = append(env, "PROVWRAP_PROVIDER="+schemaCopies[(j.run-1)%len(schemaCopies)])
		case variantReal:
			env = append(env, "PROVWRAP_PROVIDER="+realCopies[(j.run-1)%len(realCopies)])
		}
		res, err := runner.run(ctx, j.s.dir, tag, env, commandArgs(j.command, o.parallelism)...)
		if err != nil {
			return err
		}
		ms := measurement{
			Variant: j.variant, LatencyMS: float64(j.latency) / float64(time.Millisecond), Kind: j.s.kind, N: j.s.n,
			Command: j.command, Run: j.run, WallNS: res.wall.Nanoseconds(), TFCPUNS: res.cpu.Nanoseconds(), Procs: res.procs,
		}
		if j.variant != variantReal {
			ms.LatencyMS = -1
		}
		c, err := m.counts(ctx, o.platform)
		if err != nil {
			return err
		}
		ms.Logins, ms.Requests = loginCount(c)
		results = append(results, ms)
		done++
		lat := "-"
		if ms.LatencyMS >= 0 {
			lat = fmt.Sprintf("%gms", ms.LatencyMS)
		}
		fmt.Printf("[%3d/%d] %-7s %-5s N=%-3d %-5s %-5s run %d: %6.2fs  logins %d  provider processes %d  provider CPU %4.0fms\n",
			done, total, j.variant, j.s.kind, j.s.n, j.command, lat, j.run, res.wall.Seconds(), ms.Logins, len(res.procs),
			float64(ms.providerCPUNS())/1e6)
		return nil
	}

	// Warm-up (not recorded): page in Terraform, the providers and the
	// configurations once.
	if err := func() error {
		m, err := startMock(ctx, o.mock, filepath.Join(work, "mock-warmup"), 0)
		if err != nil {
			return err
		}
		defer m.stop()
		if o.schemaFloor != "" {
			v, err := schemafloor.Capture(ctx, o.platform, m.urls[o.platform], o.username, o.password)
			if err != nil {
				return fmt.Errorf("capturing the schema floor's values: %w", err)
			}
			if err := schemafloor.WriteFile(ctx, schemaValues, v); err != nil {
				return err
			}
		}
		for _, s := range all {
			for _, prov := range append(append(append([]string{}, realCopies...), stubCopies...), schemaCopies...) {
				if s.kind == kindFloor && prov != realCopies[0] {
					continue
				}
				if err := resetState(s.dir); err != nil {
					return err
				}
				env := []string{"TF_VAR_base_url=" + m.urls[o.platform], "PROVWRAP_PROVIDER=" + prov}
				if _, err := runner.run(ctx, s.dir, fmt.Sprintf("warmup-%s-%d", s.kind, s.n), env, commandArgs("plan", o.parallelism)...); err != nil {
					return err
				}
			}
		}
		return nil
	}(); err != nil {
		return 0, err
	}

	if err := func() error {
		mocks := map[time.Duration]*mockServer{}
		defer func() {
			for _, m := range mocks {
				m.stop()
			}
		}()
		for _, lat := range o.latencies {
			m, err := startMock(ctx, o.mock, filepath.Join(work, fmt.Sprintf("mock-%dms", lat.Milliseconds())), lat)
			if err != nil {
				return err
			}
			mocks[lat] = m
		}
		for _, j := range jobs {
			if err := measure(mocks[j.latency], j); err != nil {
				return err
			}
		}
		return nil
	}(); err != nil {
		return 0, err
	}

	if o.profileProvider != "" && o.profileDir != "" {
		if err := profileRuns(ctx, o, runner, all, filepath.Join(work, "mock-profile")); err != nil {
			return 0, err
		}
		if err := summariseProfiles(ctx, o); err != nil {
			return 0, err
		}
	}

	rep := &report{
		opts:      o,
		results:   results,
		tfVersion: tfVersion,
		began:     began,
		elapsed:   time.Since(began),
	}
	rep.machine = describeMachine(tfVersion)
	rep.evaluate()
	text, err := rep.markdown()
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(o.out), 0o750); err != nil {
		return 0, err
	}
	if err := os.WriteFile(o.out, []byte(text), 0o644); err != nil { //nolint:gosec // G306: a report meant to be read.
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
	fmt.Println()
	fmt.Print(rep.targetSummary())
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

// resetState removes the local state so that every command plans (and
// applies) the creation of every resource.
func resetState(dir string) error {
	for _, f := range []string{"terraform.tfstate", "terraform.tfstate.backup", ".terraform.tfstate.lock.info"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// loginEndpoints are the mock's counters of login requests (see
// internal/clients/mock: password logins, Monogoto v1 logins and refreshes,
// Coiote IAM client-credentials grants).
var loginEndpoints = []string{"login", "v1_login", "refresh", "client_credentials"}

// loginCount picks the login requests out of a platform's counters.
// Requests is the "total" counter (all requests, logins or not).
func loginCount(c map[string]int64) (logins, requests int64) {
	for _, e := range loginEndpoints {
		logins += c[e]
	}
	return logins, c["total"]
}

// terraformVersion runs `terraform version -json`.
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

// profileRuns runs plan and apply at the largest N once more, untimed, with
// the profiling build of the provider: every provider process writes its
// CPU and heap profiles into profileDir/<kind>-<command>/.
func profileRuns(ctx context.Context, o *options, runner *tfRunner, all []scenario, mockDir string) error {
	nHi := 0
	for _, n := range o.sizes {
		nHi = max(nHi, n)
	}
	m, err := startMock(ctx, o.mock, mockDir, 0)
	if err != nil {
		return err
	}
	defer m.stop()
	for _, s := range all {
		if s.n != nHi || s.kind == kindFloor {
			continue
		}
		for _, c := range o.commands {
			dir := filepath.Join(o.profileDir, fmt.Sprintf("%s-%s", s.kind, c))
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			for r := 1; r <= o.profileRuns; r++ {
				if err := resetState(s.dir); err != nil {
					return err
				}
				env := []string{"TF_VAR_base_url=" + m.urls[o.platform], "PROVWRAP_PROVIDER=" + o.profileProvider, "PROVPROF_DIR=" + dir}
				if _, err := runner.run(ctx, s.dir, fmt.Sprintf("profile-%s-%d-%s-run%d", s.kind, s.n, c, r), env, commandArgs(c, o.parallelism)...); err != nil {
					return err
				}
			}
			fmt.Printf("profiled %s N=%d %s: %d runs, profiles in %s\n", s.kind, s.n, c, o.profileRuns, dir)
		}
	}
	return nil
}

// summariseProfiles merges each scenario's CPU profiles with `go tool
// pprof` into a cumulative top list (profileDir/<scenario>-<command>.txt,
// for the report) and, with -profile-keep, a merged profile to keep.
func summariseProfiles(ctx context.Context, o *options) error {
	dirs, err := os.ReadDir(o.profileDir)
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		profs, err := filepath.Glob(filepath.Join(o.profileDir, d.Name(), "cpu-*.prof"))
		if err != nil {
			return err
		}
		if len(profs) == 0 {
			continue
		}
		args := append([]string{"tool", "pprof", "-top", "-cum", "-nodecount=5000", "-nodefraction=0", o.profileProvider}, profs...)
		out, err := exec.CommandContext(ctx, "go", args...).Output() //nolint:gosec // G204: the benchmark runs pprof.
		if err != nil {
			return fmt.Errorf("go tool pprof: %w", err)
		}
		if err := os.WriteFile(filepath.Join(o.profileDir, d.Name()+".txt"), out, 0o600); err != nil {
			return err
		}
		if o.profileKeep != "" {
			args := append([]string{"tool", "pprof", "-proto", o.profileProvider}, profs...)
			pb, err := exec.CommandContext(ctx, "go", args...).Output() //nolint:gosec // G204: the benchmark runs pprof.
			if err != nil {
				return fmt.Errorf("go tool pprof -proto: %w", err)
			}
			if err := os.MkdirAll(o.profileKeep, 0o750); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(o.profileKeep, "provider-"+d.Name()+".cpu.pb.gz"), pb, 0o600); err != nil {
				return err
			}
		}
	}
	o.profileText = o.profileDir
	return nil
}

// Command tfbench is the whole-Terraform benchmark behind `make bench`
// (scripts/bench.sh builds it and the binaries it drives).
//
// It starts the mock platforms (cmd/iotauth-mock) with an added latency,
// generates Terraform configurations with N iotauth_token ephemeral
// resources (or N iotauth_user_profile data sources) that all use the same
// credentials and whose results are really consumed, plus a floor
// configuration without any provider, and runs `terraform plan` and
// `terraform apply` several times each from an empty state. Terraform finds
// the provider through a temporary CLI configuration (TF_CLI_CONFIG_FILE)
// whose dev_overrides point at a directory holding bench/cmd/provwrap under
// the provider's name: provwrap starts the real provider and records each
// provider process's start-up time, CPU time and peak memory.
//
// With -stub-provider it also runs the provider configurations with
// bench/cmd/stubprov, a provider that does nothing, as the framework floor;
// with -profile-provider (bench/cmd/provprof) it runs plan and apply at the
// largest N once more with CPU profiles and summarises them with
// `go tool pprof`.
//
// It reports the median wall time, the logins each command caused (from the
// mock's counters), the provider processes' figures, checks the targets of
// the performance issue, and writes a markdown report.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	terraform   string
	provider    string
	wrapperDir  string
	mock        string
	work        string
	out         string
	jsonOut     string
	goBench     string
	profileText string
	notes       string
	runs        int
	latencies   []time.Duration
	sizes       []int
	kinds       []kind
	commands    []string
	platform    string
	username    string
	password    string
	quick       bool
	strict      bool
	parallelism int
	copies      int

	stubProvider    string
	schemaFloor     string
	profileProvider string
	profileDir      string
	profileRuns     int
	profileKeep     string
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tfbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed, err := run(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tfbench:", err)
		os.Exit(1)
	}
	if failed > 0 && opts.strict {
		fmt.Fprintf(os.Stderr, "tfbench: %d target(s) not met (strict mode)\n", failed)
		os.Exit(3)
	}
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("tfbench", flag.ContinueOnError)
	o := &options{}
	var latencies, sizes, kinds, commands string
	fs.StringVar(&o.terraform, "terraform", "terraform", "Terraform CLI to run")
	fs.StringVar(&o.provider, "provider", "", "the real provider binary (required)")
	fs.StringVar(&o.wrapperDir, "wrapper-dir", "", "directory holding provwrap named terraform-provider-iotauth (required)")
	fs.StringVar(&o.mock, "mock", "", "the iotauth-mock binary (required)")
	fs.StringVar(&o.work, "work", "", "scratch directory (default: a new temporary directory)")
	fs.StringVar(&o.out, "out", "bench/RESULTS.md", "markdown report to write")
	fs.StringVar(&o.jsonOut, "json", "", "also write every measurement as JSON to this file")
	fs.StringVar(&o.goBench, "gobench", "", "output of `go test -bench` to summarise in the report")
	fs.StringVar(&o.profileText, "profile-text", "", "directory of `go tool pprof -top -cum` outputs, <scenario>-<command>.txt, to summarise in the report")
	fs.StringVar(&o.notes, "notes", "", "markdown file appended to the report (analysis, decisions)")
	fs.IntVar(&o.runs, "runs", 5, "timed runs per command and scenario")
	fs.StringVar(&latencies, "latencies", "0ms,50ms,300ms", "mock latencies (comma-separated durations)")
	fs.StringVar(&sizes, "sizes", "1,10,100", "numbers of blocks (comma-separated)")
	fs.StringVar(&kinds, "kinds", "token,data", "provider scenarios: token (ephemeral iotauth_token), data (iotauth_user_profile)")
	fs.StringVar(&commands, "commands", "plan,apply", "Terraform commands to time")
	fs.StringVar(&o.platform, "platform", "monogoto", "platform the blocks log in to")
	fs.StringVar(&o.username, "username", "", "user name (default: the mock's seeded account)")
	fs.StringVar(&o.password, "password", "", "password (default: the mock's seeded account)")
	fs.BoolVar(&o.quick, "quick", false, "label the report as a reduced (quick) run")
	fs.BoolVar(&o.strict, "strict", false, "exit non-zero when a target is not met")
	fs.IntVar(&o.parallelism, "parallelism", 0, "terraform -parallelism (0: Terraform's default, 10)")
	fs.IntVar(&o.copies, "copies", 5, "copies of the provider and of each floor binary, each installed by terraform init, used in turn by successive runs "+
		"(on some machines a freshly written binary runs about 10 % slower or faster for as long as it stays in the page cache; "+
		"rotating copies averages that out instead of biasing one side of the comparison)")
	fs.StringVar(&o.stubProvider, "stub-provider", "", "bench/cmd/stubprov: measured too, as the framework floor")
	fs.StringVar(&o.schemaFloor, "schema-floor", "", "bench/cmd/schemafloor: measured too, as the schema floor "+
		"(the provider's schemas, answering with values the real provider returned, captured against the mock before the runs)")
	fs.StringVar(&o.profileProvider, "profile-provider", "", "profiling build of the provider (bench/cmd/provprof); "+
		"with -profile-dir, plan and apply at the largest N are run again with it")
	fs.StringVar(&o.profileDir, "profile-dir", "", "where the profiling provider writes its profiles, one directory per scenario and command")
	fs.IntVar(&o.profileRuns, "profile-runs", 10, "runs of each profiled command (their profiles are merged)")
	fs.StringVar(&o.profileKeep, "profile-keep", "", "directory to keep the merged CPU profiles in (provider-<scenario>-<command>.cpu.pb.gz)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.provider == "" || o.wrapperDir == "" || o.mock == "" {
		return nil, errors.New("-provider, -wrapper-dir and -mock are required")
	}
	if o.runs < 1 {
		return nil, errors.New("-runs must be at least 1")
	}
	if o.copies < 1 {
		return nil, errors.New("-copies must be at least 1")
	}
	var err error
	if o.latencies, err = parseList(latencies, parseLatency); err != nil {
		return nil, fmt.Errorf("-latencies: %w", err)
	}
	seen := map[time.Duration]bool{}
	for _, l := range o.latencies {
		if seen[l] {
			return nil, fmt.Errorf("-latencies: %s given twice", l)
		}
		seen[l] = true
	}
	if o.sizes, err = parseList(sizes, parseSize); err != nil {
		return nil, fmt.Errorf("-sizes: %w", err)
	}
	if o.kinds, err = parseList(kinds, parseKind); err != nil {
		return nil, fmt.Errorf("-kinds: %w", err)
	}
	if o.commands, err = parseList(commands, parseCommand); err != nil {
		return nil, fmt.Errorf("-commands: %w", err)
	}
	if o.username == "" || o.password == "" {
		u, p, ok := seedCredentials(o.platform)
		if !ok {
			return nil, fmt.Errorf("no seeded account for platform %q: pass -username and -password", o.platform)
		}
		if o.username == "" {
			o.username = u
		}
		if o.password == "" {
			o.password = p
		}
	}
	for _, p := range []*string{&o.provider, &o.wrapperDir, &o.mock, &o.out, &o.stubProvider, &o.profileProvider, &o.profileDir, &o.profileKeep} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, err
		}
		*p = abs
	}
	return o, nil
}

func parseList[T any](s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := parse(part)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
	}
	return out, nil
}

func parseLatency(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad latency %q", s)
	}
	return d, nil
}

func parseSize(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 10000 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n, nil
}

func parseKind(s string) (kind, error) {
	switch kind(s) {
	case kindToken, kindData:
		return kind(s), nil
	}
	return "", fmt.Errorf("unknown scenario %q (token or data)", s)
}

func parseCommand(s string) (string, error) {
	switch s {
	case "plan", "apply":
		return s, nil
	}
	return "", fmt.Errorf("unknown command %q (plan or apply)", s)
}

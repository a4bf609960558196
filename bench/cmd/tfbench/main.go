// Command tfbench is the whole-Terraform benchmark behind `make bench`
// (scripts/bench.sh builds it and the binaries it drives).
//
// It starts the mock platforms (cmd/iotauth-mock) with an added latency per
// request, generates configurations with N iotauth_token blocks, N
// iotauth_user_profile data sources, N `data "http"` logins (what users
// write without the provider) and a floor without any provider, all
// logging in to one account, and times `terraform plan` and `terraform
// apply` on each from an empty state. It reports what a user sees: wall
// time against the floor and against the `data "http"` pattern, the logins
// each command sends the platform (the mock's counters), and the memory and
// CPU of the provider processes (recorded by bench/cmd/provwrap). It checks
// the targets in bench/NOTES.md and writes a markdown report.
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

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
)

type options struct {
	terraform   string
	provider    string
	wrapperDir  string
	httpDir     string
	mock        string
	work        string
	out         string
	jsonOut     string
	label       string
	runs        int
	latencies   []time.Duration
	sizes       []int
	kinds       []kind
	commands    []string
	platform    string
	username    string
	password    string
	parallelism int
	quick       bool
	strict      bool
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tfbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tfbench:", err)
		os.Exit(1)
	}
	if failed > 0 && o.strict {
		fmt.Fprintf(os.Stderr, "tfbench: %d target(s) not met (strict mode)\n", failed)
		os.Exit(3)
	}
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("tfbench", flag.ContinueOnError)
	o := &options{}
	var latencies, sizes, kinds, commands string
	fs.StringVar(&o.terraform, "terraform", "terraform", "Terraform CLI to run")
	fs.StringVar(&o.provider, "provider", "", "the provider binary under test (required)")
	fs.StringVar(&o.wrapperDir, "wrapper-dir", "", "directory holding bench/cmd/provwrap as terraform-provider-iotauth (required)")
	fs.StringVar(&o.httpDir, "http-dir", "", "directory holding terraform-provider-http (required for -kinds http)")
	fs.StringVar(&o.mock, "mock", "", "the iotauth-mock binary (required)")
	fs.StringVar(&o.work, "work", "", "scratch directory (default: a new temporary directory)")
	fs.StringVar(&o.out, "out", "bench/RESULTS.md", "markdown report to write")
	fs.StringVar(&o.jsonOut, "json", "", "also write every measurement as JSON to this file")
	fs.StringVar(&o.label, "label", "", "what was measured (e.g. the commit), for the report's header")
	fs.IntVar(&o.runs, "runs", 5, "timed runs per cell")
	fs.StringVar(&latencies, "latencies", "0ms,50ms,300ms", "mock latencies (comma-separated durations)")
	fs.StringVar(&sizes, "sizes", "1,10,100", "numbers of blocks (comma-separated)")
	fs.StringVar(&kinds, "kinds", "token,data,http", "configurations besides the floor: token, data, http")
	fs.StringVar(&commands, "commands", "plan,apply", "Terraform commands to time")
	fs.StringVar(&o.platform, "platform", "monogoto", "platform the blocks log in to")
	fs.StringVar(&o.username, "username", "", "user name (default: the mock's seeded account)")
	fs.StringVar(&o.password, "password", "", "password (default: the mock's seeded account)")
	fs.IntVar(&o.parallelism, "parallelism", 0, "terraform -parallelism (0: Terraform's default, 10)")
	fs.BoolVar(&o.quick, "quick", false, "label the report as a reduced (quick) run")
	fs.BoolVar(&o.strict, "strict", false, "exit non-zero when a target is not met")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.provider == "" || o.wrapperDir == "" || o.mock == "" {
		return nil, errors.New("-provider, -wrapper-dir and -mock are required")
	}
	if o.runs < 1 {
		return nil, errors.New("-runs must be at least 1")
	}
	var err error
	if o.latencies, err = parseList(latencies, parseLatency); err != nil {
		return nil, fmt.Errorf("-latencies: %w", err)
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
	for _, k := range o.kinds {
		if k == kindHTTP && o.httpDir == "" {
			return nil, errors.New("-kinds http needs -http-dir")
		}
	}
	if o.username == "" || o.password == "" {
		u, p, ok := seedCredentials(o.platform)
		if !ok {
			return nil, fmt.Errorf("no seeded account for platform %q: pass -username and -password", o.platform)
		}
		o.username, o.password = u, p
	}
	for _, p := range []*string{&o.provider, &o.wrapperDir, &o.httpDir, &o.mock, &o.out} {
		if *p != "" {
			if *p, err = filepath.Abs(*p); err != nil {
				return nil, err
			}
		}
	}
	return o, nil
}

// seedCredentials returns the mock's seeded account for a platform.
func seedCredentials(pl string) (username, password string, ok bool) {
	switch pl {
	case "monogoto":
		return mock.SeedMonogotoDemo.UserName, mock.SeedMonogotoDemo.Password, true
	case "coiote":
		return mock.SeedCoioteOps.Login, mock.SeedCoioteOps.Password, true
	case "bienport":
		return mock.SeedBienportDemo.ScreenName, mock.SeedBienportDemo.Password, true
	}
	return "", "", false
}

// parseList parses a comma-separated list, refusing duplicates.
func parseList[T comparable](s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	seen := map[T]bool{}
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		v, err := parse(part)
		if err != nil {
			return nil, err
		}
		if seen[v] {
			return nil, fmt.Errorf("%q given twice", part)
		}
		seen[v] = true
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
	}
	return out, nil
}

func parseLatency(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
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
	switch k := kind(s); k {
	case kindToken, kindData, kindHTTP:
		return k, nil
	}
	return "", fmt.Errorf("unknown configuration %q (token, data or http)", s)
}

func parseCommand(s string) (string, error) {
	if s == "plan" || s == "apply" {
		return s, nil
	}
	return "", fmt.Errorf("unknown command %q (plan or apply)", s)
}

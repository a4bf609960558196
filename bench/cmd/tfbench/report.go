package main

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"
)

// The targets (bench/NOTES.md says where each comes from).
const (
	// maxRatioToHTTP: plan time with the provider over the same
	// configuration written with `data "http"`, at ratioN blocks and
	// ratioLatencyMS of latency per request.
	maxRatioToHTTP = 0.4
	ratioN         = 100
	ratioLatencyMS = 300
	// roundTrips: how many login round trips the latency may add to a plan.
	roundTrips = 2
)

// maxLogins per command for any number of blocks of one account: a plan
// logs in once; an apply plans again in one provider process and applies
// in another.
var maxLogins = map[string]int64{"plan": 1, "apply": 2}

type report struct {
	opts      *options
	results   []measurement
	tfVersion string
	began     time.Time
	elapsed   time.Duration
	targets   []targetResult
	failed    int
}

type targetResult struct {
	name, status, measured string
}

// groupKey is one cell: the runs of one configuration, latency and command.
type groupKey struct {
	kind      kind
	latencyMS float64
	n         int
	command   string
}

type groupStats struct {
	wallMed, wallMin, wallMax float64 // seconds
	loginsMed                 float64
	loginsMax                 int64
	procsMed                  float64
	cpuMedMS                  float64 // all provider processes of a command
	rssMaxMiB                 float64 // the largest provider process
}

func (r *report) stats(k groupKey) (groupStats, bool) {
	var wall, logins, procs, cpu []float64
	var g groupStats
	for _, m := range r.results {
		if m.Kind != k.kind || m.LatencyMS != k.latencyMS || m.N != k.n || m.Command != k.command {
			continue
		}
		wall = append(wall, float64(m.WallNS)/1e9)
		logins = append(logins, float64(m.Logins))
		g.loginsMax = max(g.loginsMax, m.Logins)
		procs = append(procs, float64(len(m.Procs)))
		var c int64
		for _, p := range m.Procs {
			c += p.CPUNS
			g.rssMaxMiB = math.Max(g.rssMaxMiB, float64(p.MaxRSSBytes)/(1<<20))
		}
		cpu = append(cpu, float64(c)/1e6)
	}
	if len(wall) == 0 {
		return g, false
	}
	g.wallMed, g.wallMin, g.wallMax = median(wall), slices.Min(wall), slices.Max(wall)
	g.loginsMed, g.procsMed, g.cpuMedMS = median(logins), median(procs), median(cpu)
	return g, true
}

// cell is the group of kind k at latency l (ignored for the floor).
func (r *report) cell(k kind, l float64, n int, c string) (groupStats, bool) {
	if k == kindFloor {
		l = -1
	}
	return r.stats(groupKey{kind: k, latencyMS: l, n: n, command: c})
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func (r *report) latenciesMS() []float64 {
	var out []float64
	for _, l := range r.opts.latencies {
		out = append(out, float64(l)/float64(time.Millisecond))
	}
	slices.Sort(out)
	return out
}

func (r *report) add(name, status, measured string) {
	r.targets = append(r.targets, targetResult{name: name, status: status, measured: measured})
	if status == "FAIL" {
		r.failed++
	}
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// evaluate checks the targets.
func (r *report) evaluate() {
	o := r.opts
	lats := r.latenciesMS()
	lo, hi := lats[0], lats[len(lats)-1]
	nHi := slices.Max(o.sizes)
	sizes := strings.Trim(strings.ReplaceAll(fmt.Sprint(o.sizes), " ", "/"), "[]")

	// Logins: the most in any one command, at each N over every latency.
	mostLogins := func(k kind, c string) (per []string, worst int64, found bool) {
		for _, n := range o.sizes {
			most := int64(-1)
			for _, l := range lats {
				if g, ok := r.cell(k, l, n, c); ok {
					most, found = max(most, g.loginsMax), true
				}
			}
			worst = max(worst, most)
			if most < 0 {
				per = append(per, "–")
			} else {
				per = append(per, fmt.Sprint(most))
			}
		}
		return per, worst, found
	}
	{
		ok, found := true, false
		var parts, contrast []string
		for _, k := range o.kinds {
			for _, c := range o.commands {
				per, worst, f := mostLogins(k, c)
				if !f {
					continue
				}
				s := fmt.Sprintf("%s %s %s", k, c, strings.Join(per, "/"))
				if k == kindHTTP {
					contrast = append(contrast, s)
					continue
				}
				found = true
				ok = ok && worst <= maxLogins[c]
				parts = append(parts, s)
			}
		}
		name := fmt.Sprintf("Logins per command, any number of blocks of one account: at most %d per plan and %d per apply",
			maxLogins["plan"], maxLogins["apply"])
		if !found {
			r.add(name, "N/A", "no provider configuration run")
		} else {
			m := fmt.Sprintf("most in one command at N = %s: %s", sizes, strings.Join(parts, "; "))
			if len(contrast) > 0 {
				m += fmt.Sprintf(" (`data \"http\"`: %s)", strings.Join(contrast, "; "))
			}
			r.add(name, passFail(ok), m)
		}
	}

	for _, k := range o.kinds {
		if !k.usesIotauth() {
			continue
		}
		// Plan time against the `data "http"` pattern.
		name := fmt.Sprintf("`%s`, N = %d, %d ms latency: plan time ≤ %.1f × the `data \"http\"` pattern's",
			k, ratioN, ratioLatencyMS, maxRatioToHTTP)
		p, pOK := r.cell(k, ratioLatencyMS, ratioN, "plan")
		h, hOK := r.cell(kindHTTP, ratioLatencyMS, ratioN, "plan")
		if pOK && hOK {
			ratio := p.wallMed / h.wallMed
			r.add(name, passFail(ratio <= maxRatioToHTTP), fmt.Sprintf("%.2f s / %.2f s = **%.2f** (logins per plan: %g against %g)",
				p.wallMed, h.wallMed, ratio, p.loginsMed, h.loginsMed))
		} else {
			r.add(name, "N/A", fmt.Sprintf("needs plan at N = %d and %d ms with -kinds http", ratioN, ratioLatencyMS))
		}

		// What the latency adds to a plan.
		name = fmt.Sprintf("`%s`, N = %d: plan time at %g ms latency minus at %g ms ≤ %d login round trips", k, nHi, hi, lo, roundTrips)
		p, pOK = r.cell(k, hi, nHi, "plan")
		a, aOK := r.cell(k, lo, nHi, "plan")
		if len(lats) < 2 || !aOK || !pOK {
			r.add(name, "N/A", "needs two latencies and plan")
			continue
		}
		budget := roundTrips * (hi - lo) / 1000
		diff := p.wallMed - a.wallMed
		r.add(name, passFail(diff <= budget), fmt.Sprintf("%.2f s − %.2f s = **%.2f s** (budget %.2f s)", p.wallMed, a.wallMed, diff, budget))
	}

	// Memory, reported: no limit is set for it (see bench/NOTES.md).
	var peak float64
	count := 0
	for _, m := range r.results {
		for _, p := range m.Procs {
			count++
			peak = math.Max(peak, float64(p.MaxRSSBytes)/(1<<20))
		}
	}
	if count > 0 {
		r.add("Peak RSS of a provider process", "INFO", fmt.Sprintf("largest **%.1f MiB** over %d provider processes", peak, count))
	}
}

func (r *report) targetSummary() string {
	var b strings.Builder
	for _, t := range r.targets {
		fmt.Fprintf(&b, "%-4s  %s: %s\n", t.status, t.name, strings.NewReplacer("**", "", "`", "").Replace(t.measured))
	}
	return b.String()
}

func (r *report) markdown() string {
	o := r.opts
	var b strings.Builder
	mode := "full"
	if o.quick {
		mode = "quick (BENCH_QUICK=1)"
	}
	label := ""
	if o.label != "" {
		label = fmt.Sprintf(" Provider: %s.", o.label)
	}
	fmt.Fprintf(&b, "# Benchmark results\n\nWritten by `make bench` (`scripts/bench.sh`, `bench/cmd/tfbench`) on %s; mode: %s; "+
		"%d timed runs per cell; the run took %s.%s Terraform %s, %s, %d CPUs, %s. Raw measurements: `bench/out/results.json` "+
		"(not committed). What is measured and why: `bench/NOTES.md`.\n\n",
		r.began.UTC().Format("2006-01-02 15:04 MST"), mode, o.runs, r.elapsed.Round(time.Second), label,
		r.tfVersion, runtime.Version(), runtime.NumCPU(), runtime.GOOS+"/"+runtime.GOARCH)
	b.WriteString("## Targets\n\n| target | result | measured |\n|---|---|---|\n")
	for _, t := range r.targets {
		fmt.Fprintf(&b, "| %s | **%s** | %s |\n", t.name, t.status, t.measured)
	}
	fmt.Fprintf(&b, "\n## Measurements\n\nEvery cell runs `terraform plan` or `terraform apply -auto-approve` from an empty state; "+
		"every block logs in to the mock %s with the same account, and the mock adds the latency to every request. *wall*: median "+
		"(min–max) seconds; *over floor*: the median minus the no-provider floor's; *÷ http*: the median over the `data \"http\"` "+
		"pattern's at the same latency and N; *logins*: the mock's count in one command (median, max); *procs*: provider processes "+
		"Terraform started; *CPU*: theirs, summed (median, ms); *RSS*: the largest peak of one of them (MiB).\n", o.platform)

	b.WriteString("\n### " + kindFloor.title() + "\n\n| N | command | wall (s) |\n|---:|---|---|\n")
	for _, n := range o.sizes {
		for _, c := range o.commands {
			if g, ok := r.cell(kindFloor, 0, n, c); ok {
				fmt.Fprintf(&b, "| %d | %s | %.2f (%.2f–%.2f) |\n", n, c, g.wallMed, g.wallMin, g.wallMax)
			}
		}
	}
	for _, k := range o.kinds {
		b.WriteString("\n### " + k.title() + "\n\n")
		b.WriteString("| latency | N | command | wall (s) | over floor (s) | ÷ http | logins | procs | CPU (ms) | RSS (MiB) |\n")
		b.WriteString("|---:|---:|---|---|---:|---:|---|---:|---:|---:|\n")
		for _, l := range r.latenciesMS() {
			for _, n := range o.sizes {
				for _, c := range o.commands {
					g, ok := r.cell(k, l, n, c)
					if !ok {
						continue
					}
					over, ratio, procs, cpu, rss := "–", "–", "–", "–", "–"
					if f, ok := r.cell(kindFloor, 0, n, c); ok {
						over = fmt.Sprintf("%+.2f", g.wallMed-f.wallMed)
					}
					if h, ok := r.cell(kindHTTP, l, n, c); ok && k != kindHTTP {
						ratio = fmt.Sprintf("%.2f", g.wallMed/h.wallMed)
					}
					if k.usesIotauth() {
						procs, cpu, rss = fmt.Sprintf("%g", g.procsMed), fmt.Sprintf("%.0f", g.cpuMedMS), fmt.Sprintf("%.1f", g.rssMaxMiB)
					}
					fmt.Fprintf(&b, "| %g ms | %d | %s | %.2f (%.2f–%.2f) | %s | %s | %g, %d | %s | %s | %s |\n",
						l, n, c, g.wallMed, g.wallMin, g.wallMax, over, ratio, g.loginsMed, g.loginsMax, procs, cpu, rss)
				}
			}
		}
	}
	return b.String()
}

package main

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"time"
)

// Targets from the performance issue.
const (
	maxCPUPerBlockMS = 1.0
	maxRSSMiB        = 30.0
	// roundTrips is how many login round trips the plan-time latency
	// penalty may cost.
	roundTrips = 2
)

// report turns the measurements into markdown and checks the targets.
type report struct {
	opts      *options
	results   []measurement
	tfVersion string
	machine   machineInfo
	began     time.Time
	elapsed   time.Duration
	targets   []targetResult
	failed    int
}

// targetResult is one checked target.
type targetResult struct {
	name     string
	status   string // PASS, FAIL or N/A
	measured string
}

func (r *report) stats(k groupKey) (groupStats, bool) {
	var ms []measurement
	for _, m := range r.results {
		if keyOf(m) == k {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return groupStats{}, false
	}
	return summarise(ms), true
}

// prov is the group of the provider under test.
func (r *report) prov(lat float64, k kind, n int, c string) (groupStats, bool) {
	return r.stats(groupKey{variant: variantReal, latencyMS: lat, kind: k, n: n, command: c})
}

// stub is the group of the framework floor.
func (r *report) stub(k kind, n int, c string) (groupStats, bool) {
	return r.stats(groupKey{variant: variantStub, latencyMS: -1, kind: k, n: n, command: c})
}

// schema is the group of the schema floor.
func (r *report) schema(k kind, n int, c string) (groupStats, bool) {
	return r.stats(groupKey{variant: variantSchema, latencyMS: -1, kind: k, n: n, command: c})
}

func (r *report) latenciesMS() []float64 {
	var out []float64
	for _, l := range r.opts.latencies {
		out = append(out, float64(l)/float64(time.Millisecond))
	}
	sort.Float64s(out)
	return out
}

func (r *report) sizes() (lo, hi int) {
	s := append([]int(nil), r.opts.sizes...)
	sort.Ints(s)
	return s[0], s[len(s)-1]
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
	nLo, nHi := r.sizes()
	lats := r.latenciesMS()

	// 1. Logins per command do not grow with N.
	{
		ok, found := true, false
		var parts []string
		for _, k := range o.kinds {
			for _, c := range o.commands {
				var row []string
				for _, n := range o.sizes {
					var worst int64 = -1
					for _, l := range lats {
						if g, f := r.prov(l, k, n, c); f {
							found = true
							worst = max(worst, g.loginsMax)
						}
					}
					row = append(row, fmt.Sprint(worst))
				}
				for _, l := range lats {
					lo, f1 := r.prov(l, k, nLo, c)
					for _, n := range o.sizes {
						if g, f2 := r.prov(l, k, n, c); f1 && f2 && g.loginsMax > lo.loginsMax {
							ok = false
						}
					}
				}
				parts = append(parts, fmt.Sprintf("%s %s %s", k, c, strings.Join(row, "/")))
			}
		}
		name := "Logins per command do not grow with N"
		if !found || nLo == nHi {
			r.add(name, "N/A", "needs at least two sizes")
		} else {
			r.add(name, passFail(ok), fmt.Sprintf("most logins in one command, any latency, at N = %s: %s",
				joinInts(o.sizes, "/"), strings.Join(parts, "; ")))
		}
	}

	// 2. Plan time at the highest latency minus at the lowest, at the
	// largest N, is at most two login round trips.
	for _, k := range o.kinds {
		name := fmt.Sprintf("`%s`, N = %d: plan time at %g ms latency minus at %g ms ≤ %d login round trips",
			k, nHi, lats[len(lats)-1], lats[0], roundTrips)
		lo, f1 := r.prov(lats[0], k, nHi, "plan")
		hi, f2 := r.prov(lats[len(lats)-1], k, nHi, "plan")
		if len(lats) < 2 || !f1 || !f2 {
			r.add(name, "N/A", "needs two latencies and plan")
			continue
		}
		budget := roundTrips * (lats[len(lats)-1] - lats[0]) / 1000
		diff := hi.wallMedS - lo.wallMedS
		r.add(name, passFail(diff <= budget), fmt.Sprintf("%.2f s − %.2f s = **%.2f s** (budget %.2f s; logins per plan: %g)",
			hi.wallMedS, lo.wallMedS, diff, budget, hi.loginsMed))
	}

	// 3. Provider CPU per block.
	{
		type cell struct {
			at                                       string
			perBlock, marginal, overStub, overSchema float64
			stubPerBlock, schemaPerBlock             float64
		}
		var cells []cell
		for _, k := range o.kinds {
			for _, c := range o.commands {
				var per, marg []float64
				for _, l := range lats {
					hi, f1 := r.prov(l, k, nHi, c)
					lo, f2 := r.prov(l, k, nLo, c)
					if f1 {
						per = append(per, hi.cpuPerBlockMS)
					}
					if f1 && f2 && nHi > nLo {
						marg = append(marg, (hi.provCPUMedMS-lo.provCPUMedMS)/float64(nHi-nLo))
					}
				}
				if len(per) == 0 {
					continue
				}
				ce := cell{at: fmt.Sprintf("%s %s", k, c), perBlock: median(per), marginal: median(marg),
					overStub: math.NaN(), stubPerBlock: math.NaN(), overSchema: math.NaN(), schemaPerBlock: math.NaN()}
				g, found := r.prov(lats[0], k, nHi, c)
				if s, f := r.stub(k, nHi, c); f {
					ce.stubPerBlock = s.cpuPerBlockMS
					if found {
						ce.overStub = (g.provCPUMedMS - s.provCPUMedMS) / float64(nHi)
					}
				}
				if s, f := r.schema(k, nHi, c); f {
					ce.schemaPerBlock = s.cpuPerBlockMS
					if found {
						ce.overSchema = (g.provCPUMedMS - s.provCPUMedMS) / float64(nHi)
					}
				}
				cells = append(cells, ce)
			}
		}
		name := fmt.Sprintf("Provider CPU per block ≤ %.0f ms: all provider processes of a command at N = %d, divided by N", maxCPUPerBlockMS, nHi)
		nameOwn := fmt.Sprintf("Provider's own CPU per block ≤ %.0f ms: the same minus the framework floor (stub provider, minimal schemas), divided by N", maxCPUPerBlockMS)
		nameCode := fmt.Sprintf("Provider's own code, CPU per block ≤ %.0f ms: the same minus the schema floor (the provider's schemas and values, none of its code), divided by N", maxCPUPerBlockMS)
		if len(cells) == 0 {
			r.add(name, "N/A", "no provider process recorded")
		} else {
			worst, worstOwn, worstCode := cells[0], cells[0], cells[0]
			var parts, own, code []string
			for _, ce := range cells {
				if ce.perBlock > worst.perBlock {
					worst = ce
				}
				if ce.overStub > worstOwn.overStub || math.IsNaN(worstOwn.overStub) {
					worstOwn = ce
				}
				if ce.overSchema > worstCode.overSchema || math.IsNaN(worstCode.overSchema) {
					worstCode = ce
				}
				parts = append(parts, fmt.Sprintf("%s %.2f (marginal %s, framework floor %s, schema floor %s)", ce.at, ce.perBlock,
					fmtMS(ce.marginal), fmtMS(ce.stubPerBlock), fmtMS(ce.schemaPerBlock)))
				own = append(own, fmt.Sprintf("%s %s", ce.at, fmtMS(ce.overStub)))
				code = append(code, fmt.Sprintf("%s %s", ce.at, fmtMS(ce.overSchema)))
			}
			r.add(name, passFail(worst.perBlock <= maxCPUPerBlockMS), fmt.Sprintf("worst **%.2f ms** (%s); ms per block: %s",
				worst.perBlock, worst.at, strings.Join(parts, "; ")))
			if math.IsNaN(worstOwn.overStub) {
				r.add(nameOwn, "N/A", "no framework-floor measurement (-stub-provider)")
			} else {
				r.add(nameOwn, passFail(worstOwn.overStub <= maxCPUPerBlockMS), fmt.Sprintf("worst **%.2f ms** (%s); ms per block over the floor: %s",
					worstOwn.overStub, worstOwn.at, strings.Join(own, "; ")))
			}
			if math.IsNaN(worstCode.overSchema) {
				r.add(nameCode, "N/A", "no schema-floor measurement (-schema-floor)")
			} else {
				r.add(nameCode, passFail(worstCode.overSchema <= maxCPUPerBlockMS), fmt.Sprintf("worst **%.2f ms** (%s); ms per block over the schema floor: %s",
					worstCode.overSchema, worstCode.at, strings.Join(code, "; ")))
			}
		}
	}

	// 4. Peak RSS of every provider process.
	{
		peak := map[string]float64{}
		count := map[string]int{}
		for _, m := range r.results {
			for _, p := range m.Procs {
				count[m.Variant]++
				peak[m.Variant] = math.Max(peak[m.Variant], float64(p.MaxRSSBytes)/(1<<20))
			}
		}
		name := fmt.Sprintf("Each provider process's peak RSS ≤ %.0f MiB", maxRSSMiB)
		if count[variantReal] == 0 {
			r.add(name, "N/A", "no provider process recorded")
		} else {
			floor := ""
			if count[variantStub] > 0 {
				floor = fmt.Sprintf("; framework floor (stub provider): %.1f MiB over %d processes", peak[variantStub], count[variantStub])
			}
			if count[variantSchema] > 0 {
				floor += fmt.Sprintf("; schema floor: %.1f MiB over %d processes", peak[variantSchema], count[variantSchema])
			}
			r.add(name, passFail(peak[variantReal] <= maxRSSMiB), fmt.Sprintf("largest **%.1f MiB** over %d provider processes%s",
				peak[variantReal], count[variantReal], floor))
		}
	}

	// 5. Start-up measured and reported.
	{
		st := map[string][]float64{}
		missing := 0
		for _, m := range r.results {
			for _, p := range m.Procs {
				if p.StartupNS < 0 {
					if m.Variant == variantReal {
						missing++
					}
					continue
				}
				st[m.Variant] = append(st[m.Variant], float64(p.StartupNS)/1e6)
			}
		}
		name := "Provider start-up (process start to go-plugin handshake) measured and reported"
		measured := st[variantReal]
		if len(measured) == 0 {
			r.add(name, "FAIL", "no handshake recorded")
		} else {
			lo, hi := minMax(measured)
			floor := ""
			if s := st[variantStub]; len(s) > 0 {
				floor = fmt.Sprintf("; framework floor median %.1f ms", median(s))
			}
			if s := st[variantSchema]; len(s) > 0 {
				floor += fmt.Sprintf("; schema floor median %.1f ms", median(s))
			}
			r.add(name, passFail(missing == 0), fmt.Sprintf("median **%.1f ms**, min %.1f ms, max %.1f ms over %d processes, %d without a handshake%s",
				median(measured), lo, hi, len(measured), missing, floor))
		}
	}
}

func fmtMS(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	if math.Abs(v) < 0.005 {
		v = 0 // not "-0.00"
	}
	return fmt.Sprintf("%.2f", v)
}

func joinInts(xs []int, sep string) string {
	var s []string
	for _, x := range xs {
		s = append(s, fmt.Sprint(x))
	}
	return strings.Join(s, sep)
}

func (r *report) targetSummary() string {
	var b strings.Builder
	for _, t := range r.targets {
		fmt.Fprintf(&b, "%-4s  %s: %s\n", t.status, t.name, strings.ReplaceAll(strings.ReplaceAll(t.measured, "**", ""), "`", ""))
	}
	return b.String()
}

func (r *report) markdown() (string, error) {
	o := r.opts
	var b strings.Builder
	mode := "full"
	if o.quick {
		mode = "quick (reduced matrix, BENCH_QUICK=1)"
	}
	b.WriteString("# Benchmark results\n\n")
	fmt.Fprintf(&b, "Written by `make bench` (`scripts/bench.sh` driving `bench/cmd/tfbench`) on %s; mode: %s; %d timed runs per cell; "+
		"the whole run took %s. Raw measurements: `bench/out/results.json` (not committed).\n\n",
		r.began.UTC().Format("2006-01-02 15:04 MST"), mode, o.runs, r.elapsed.Round(time.Second))
	b.WriteString("## Machine\n\n")
	b.WriteString(r.machine.markdown())
	b.WriteString("\n## Targets\n\nChecked by `tfbench` on the measurements below (`BENCH_STRICT=1` makes a FAIL fail `make bench`).\n\n")
	b.WriteString("| target | result | measured |\n|---|---|---|\n")
	for _, t := range r.targets {
		fmt.Fprintf(&b, "| %s | **%s** | %s |\n", t.name, t.status, t.measured)
	}

	b.WriteString("\n## Whole-Terraform benchmark\n\n")
	fmt.Fprintf(&b, "Every cell runs `terraform plan` or `terraform apply -auto-approve` from an empty state (so every run plans, "+
		"and applies, the creation of N `terraform_data` resources), with Terraform %s and the provider built from this tree. "+
		"Every block logs in to the mock %s with the same credentials; the mock adds the latency to every request. "+
		"Columns: *wall* median (min–max) wall time of the command in seconds; *over floor* the median minus the no-provider "+
		"floor's for the same N and command; *logins* the mock's count of login requests in one command (median, max); "+
		"*procs* provider processes Terraform started (median); *provider CPU* user+system CPU of all of them (median per "+
		"command, ms); *per block* that divided by N; *RSS* the largest peak RSS of one provider process (MiB); *start-up* "+
		"median time from a provider process's start to its go-plugin handshake (ms); *TF CPU* CPU of Terraform and every "+
		"child it waited for (providers, provisioner shells), in seconds.\n\n", r.tfVersion, o.platform)

	// Floor.
	b.WriteString("### " + kindFloor.title() + "\n\n")
	b.WriteString("| N | command | wall (s) | TF CPU (s) |\n|---:|---|---|---:|\n")
	floor := map[string]float64{}
	for _, n := range o.sizes {
		for _, c := range o.commands {
			g, ok := r.stats(groupKey{variant: variantNone, latencyMS: -1, kind: kindFloor, n: n, command: c})
			if !ok {
				continue
			}
			floor[fmt.Sprint(n, c)] = g.wallMedS
			fmt.Fprintf(&b, "| %d | %s | %.2f (%.2f–%.2f) | %.2f |\n", n, c, g.wallMedS, g.wallMinS, g.wallMaxS, g.tfCPUMedS)
		}
	}
	over := func(g groupStats, n int, c string) string {
		if f, ok := floor[fmt.Sprint(n, c)]; ok {
			return fmt.Sprintf("%+.2f", g.wallMedS-f)
		}
		return "–"
	}
	for _, k := range o.kinds {
		b.WriteString("\n### " + k.title() + "\n\n")
		b.WriteString("| latency | N | command | wall (s) | over floor (s) | logins | procs | provider CPU (ms) | per block (ms) | RSS (MiB) | start-up (ms) | TF CPU (s) |\n")
		b.WriteString("|---:|---:|---|---|---:|---|---:|---:|---:|---:|---:|---:|\n")
		for _, l := range r.latenciesMS() {
			for _, n := range o.sizes {
				for _, c := range o.commands {
					g, ok := r.prov(l, k, n, c)
					if !ok {
						continue
					}
					fmt.Fprintf(&b, "| %g ms | %d | %s | %.2f (%.2f–%.2f) | %s | %g, %d | %g | %.0f | %.2f | %.1f | %.1f | %.2f |\n",
						l, n, c, g.wallMedS, g.wallMinS, g.wallMaxS, over(g, n, c), g.loginsMed, g.loginsMax, g.procsMed,
						g.provCPUMedMS, g.cpuPerBlockMS, g.rssMaxMiB, g.startupMedMS, g.tfCPUMedS)
				}
			}
		}
	}

	if o.stubProvider != "" {
		b.WriteString("\n### Framework floor: the same configurations with a do-nothing provider\n\n")
		fmt.Fprintf(&b, "`bench/cmd/stubprov` is a provider on the same plugin framework and go-plugin stack with the same block types, "+
			"whose `iotauth_token` and `iotauth_user_profile` return constants (minimal schemas: no validators, no HTTP). It shows "+
			"what Terraform's provider protocol costs by itself. *Δ* columns: the real provider at %g ms latency minus the stub.\n\n",
			r.latenciesMS()[0])
		b.WriteString(r.floorTable(r.stub))
	}
	if o.schemaFloor != "" {
		b.WriteString("\n### Schema floor: the provider's schemas and values, none of its code\n\n")
		fmt.Fprintf(&b, "`bench/cmd/schemafloor` (`internal/schemafloor`) serves exactly the provider's schemas, validators included, "+
			"and answers every block with the result and the state the real provider returned for the same configuration "+
			"(captured once per benchmark against the mock), with the provider's `main` around it (log levels, memory limit) but "+
			"none of its code: no configuration checks, credentials, session cache, HTTP or value building. It shows what "+
			"Terraform and the framework cost for these schemas and values. *Δ* columns: the real provider at %g ms latency "+
			"minus the schema floor, i.e. the provider's own code.\n\n", r.latenciesMS()[0])
		b.WriteString(r.floorTable(r.schema))
	}
	b.WriteString(r.perProcess())

	if o.goBench != "" {
		s, err := goBenchMarkdown(o.goBench)
		if err != nil {
			return "", err
		}
		b.WriteString("\n## Go benchmarks\n\n")
		b.WriteString(s)
	}
	if o.profileText != "" {
		_, nHi := r.sizes()
		note := fmt.Sprintf("Taken with `bench/cmd/provprof` (the provider's own `main` plus a CPU profile sampled at 500 Hz) under "+
			"the same Terraform runs: %d plans and %d applies per scenario at N = %d, latency 0, the profiles of every provider "+
			"process merged.", o.profileRuns, o.profileRuns, nHi)
		if o.profileKeep != "" {
			note += " The merged profiles are kept as `bench/out/provider-<scenario>-<command>.cpu.pb.gz` (not committed; " +
				"`go tool pprof -http=: FILE`)."
		}
		s, err := profileMarkdown(o.profileText, nHi, note)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	if o.notes != "" {
		notes, err := os.ReadFile(o.notes)
		if err != nil {
			return "", err
		}
		b.WriteString("\n" + strings.TrimRight(string(notes), "\n") + "\n")
	}
	return b.String(), nil
}

// floorTable is the table of one floor variant, with the real provider's
// difference from it.
func (r *report) floorTable(group func(kind, int, string) (groupStats, bool)) string {
	o := r.opts
	lat0 := r.latenciesMS()[0]
	var b strings.Builder
	b.WriteString("| scenario | N | command | wall (s) | procs | provider CPU (ms) | per block (ms) | RSS (MiB) | start-up (ms) | Δ CPU per block (ms) | Δ RSS (MiB) |\n")
	b.WriteString("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, k := range o.kinds {
		for _, n := range o.sizes {
			for _, c := range o.commands {
				s, ok := group(k, n, c)
				if !ok {
					continue
				}
				dCPU, dRSS := "–", "–"
				if g, ok := r.prov(lat0, k, n, c); ok {
					dCPU = fmt.Sprintf("%+.2f", (g.provCPUMedMS-s.provCPUMedMS)/float64(n))
					dRSS = fmt.Sprintf("%+.1f", g.rssMaxMiB-s.rssMaxMiB)
				}
				fmt.Fprintf(&b, "| %s | %d | %s | %.2f (%.2f–%.2f) | %g | %.0f | %.2f | %.1f | %.1f | %s | %s |\n",
					k, n, c, s.wallMedS, s.wallMinS, s.wallMaxS, s.procsMed, s.provCPUMedMS, s.cpuPerBlockMS,
					s.rssMaxMiB, s.startupMedMS, dCPU, dRSS)
			}
		}
	}
	return b.String()
}

// perProcess reports each provider process of a command separately, in
// the order Terraform started them, at the largest N.
func (r *report) perProcess() string {
	_, nHi := r.sizes()
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Provider processes per command (N = %d)\n\n", nHi)
	b.WriteString("Terraform starts several provider processes per command; #1 is the first started. Medians over the runs " +
		"(every latency for the real provider), RSS the largest.\n\n")
	b.WriteString("| provider | scenario | command | process | runs | start-up (ms) | lifetime (s) | CPU (ms) | RSS (MiB) |\n" +
		"|---|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, v := range []string{variantReal, variantStub, variantSchema} {
		for _, k := range r.opts.kinds {
			for _, c := range r.opts.commands {
				byIdx := map[int][]procRecord{}
				maxIdx := 0
				for _, m := range r.results {
					if m.Variant != v || m.Kind != k || m.N != nHi || m.Command != c {
						continue
					}
					for i, p := range m.Procs {
						byIdx[i+1] = append(byIdx[i+1], p)
						maxIdx = max(maxIdx, i+1)
					}
				}
				for i := 1; i <= maxIdx; i++ {
					var st, life, cpu []float64
					var rss float64
					for _, p := range byIdx[i] {
						if p.StartupNS >= 0 {
							st = append(st, float64(p.StartupNS)/1e6)
						}
						life = append(life, float64(p.WallNS)/1e9)
						cpu = append(cpu, float64(p.CPUNS())/1e6)
						rss = math.Max(rss, float64(p.MaxRSSBytes)/(1<<20))
					}
					fmt.Fprintf(&b, "| %s | %s | %s | #%d | %d | %.1f | %.2f | %.0f | %.1f |\n",
						v, k, c, i, len(byIdx[i]), median(st), median(life), median(cpu), rss)
				}
			}
		}
	}
	return b.String()
}

package main

import (
	"strings"
	"testing"
	"time"
)

// cmdWithCPU is one measured command whose provider processes used cpuMS in
// total and peaked at rssMiB.
func cmdWithCPU(variant string, lat float64, n int, cpuMS float64, rssMiB int64) measurement {
	total := int64(cpuMS * 1e6)
	return measurement{Variant: variant, LatencyMS: lat, Kind: kindToken, N: n, Command: "plan", Run: 1,
		WallNS: int64(time.Second), Logins: 1,
		Procs: []procRecord{
			{StartupNS: 9e6, MaxRSSBytes: 18 << 20, UserNS: total / 2},
			{StartupNS: 9e6, MaxRSSBytes: rssMiB << 20, UserNS: total - total/2},
		}}
}

func TestReportSeparatesTheTwoFloors(t *testing.T) {
	o := &options{sizes: []int{1, 100}, latencies: []time.Duration{0}, kinds: []kind{kindToken}, commands: []string{"plan"},
		stubProvider: "stub", schemaFloor: "schema"}
	r := &report{opts: o, results: []measurement{
		cmdWithCPU(variantReal, 0, 1, 50, 20),
		cmdWithCPU(variantReal, 0, 100, 150, 29),    // 1.50 ms per block
		cmdWithCPU(variantStub, -1, 100, 90, 25),    // 0.90
		cmdWithCPU(variantSchema, -1, 100, 130, 28), // 1.30
	}}
	r.evaluate()
	got := map[string]targetResult{}
	for _, tr := range r.targets {
		got[strings.SplitN(tr.name, ":", 2)[0]] = tr
	}
	all := got["Provider CPU per block ≤ 1 ms"]
	if all.status != "FAIL" || !strings.Contains(all.measured, "framework floor 0.90, schema floor 1.30") {
		t.Errorf("all-process target: %+v", all)
	}
	own := got["Provider's own CPU per block ≤ 1 ms"]
	if own.status != "PASS" || !strings.Contains(own.measured, "**0.60 ms**") {
		t.Errorf("over the framework floor: %+v", own)
	}
	code := got["Provider's own code, CPU per block ≤ 1 ms"]
	if code.status != "PASS" || !strings.Contains(code.measured, "**0.20 ms**") {
		t.Errorf("over the schema floor: %+v", code)
	}
	rss := got["Each provider process's peak RSS ≤ 30 MiB"]
	if rss.status != "PASS" || !strings.Contains(rss.measured, "schema floor: 28.0 MiB") {
		t.Errorf("RSS: %+v", rss)
	}
	md, err := r.markdown()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### Schema floor", "| token | 100 | plan |", "| schema | token | plan | #1 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

func TestReportWithoutSchemaFloor(t *testing.T) {
	o := &options{sizes: []int{1, 100}, latencies: []time.Duration{0}, kinds: []kind{kindToken}, commands: []string{"plan"}}
	r := &report{opts: o, results: []measurement{
		cmdWithCPU(variantReal, 0, 1, 50, 20),
		cmdWithCPU(variantReal, 0, 100, 150, 29),
	}}
	r.evaluate()
	var code *targetResult
	for i := range r.targets {
		if strings.HasPrefix(r.targets[i].name, "Provider's own code") {
			code = &r.targets[i]
		}
	}
	if code == nil || code.status != "N/A" {
		t.Errorf("without -schema-floor the code target is %+v, want N/A", code)
	}
}

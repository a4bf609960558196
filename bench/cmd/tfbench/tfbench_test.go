package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %g, want %g", c.in, got, c.want)
		}
	}
}

func TestLoginCount(t *testing.T) {
	logins, requests := loginCount(map[string]int64{"login": 2, "v1_login": 1, "refresh": 1, "profile": 5, "total": 9})
	if logins != 4 || requests != 9 {
		t.Fatalf("loginCount = %d, %d; want 4, 9", logins, requests)
	}
}

func TestGenerate(t *testing.T) {
	for _, c := range []struct {
		k    kind
		pl   string
		want []string
	}{
		{kindToken, "monogoto", []string{
			`ephemeral "iotauth_token" "b003"`,
			`condition     = length(ephemeral.iotauth_token.b002.authorization_header) > 0`,
			`VALUE = ephemeral.iotauth_token.b001.authorization_header`,
			`password = "p\"w$${x}"`,
		}},
		{kindHTTP, "monogoto", []string{
			`data "http" "b003"`,
			`url             = "${var.base_url}/Auth"`,
			`request_body    = jsonencode({ UserName = local.username, Password = local.password })`,
			`VALUE = "Bearer ${jsondecode(data.http.b001.response_body).token}"`,
			`password = "p\"w$${x}"`,
		}},
		{kindHTTP, "coiote", []string{
			`"Content-Type" = "application/x-www-form-urlencoded"`,
			`jsondecode(data.http.b002.response_body).access_token`,
		}},
		{kindFloor, "monogoto", []string{`condition     = length(local.static_token) > 0`}},
	} {
		dir := t.TempDir()
		if err := generate(dir, c.k, 3, c.pl, "demo@example.com", `p"w${x}`); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "main.tf")) //nolint:gosec // G304: the test's own file.
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, want := range c.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s/%s: main.tf lacks %q:\n%s", c.k, c.pl, want, text)
			}
		}
		if strings.Contains(text, "b004") || !strings.Contains(text, `resource "terraform_data" "b003"`) {
			t.Errorf("%s/%s: want exactly three blocks", c.k, c.pl)
		}
	}
}

// cmd is one measured command.
func cmd(k kind, lat float64, n int, c string, wall float64, logins int64) measurement {
	m := measurement{Kind: k, LatencyMS: lat, N: n, Command: c, Run: 1, WallNS: int64(wall * 1e9), Logins: logins}
	if k.usesIotauth() {
		m.Procs = []proc{{MaxRSSBytes: 20 << 20, CPUNS: 20e6}, {MaxRSSBytes: 29 << 20, CPUNS: 80e6}}
	}
	return m
}

func TestReportTargets(t *testing.T) {
	o := &options{sizes: []int{1, 100}, latencies: []time.Duration{0, 300 * time.Millisecond},
		kinds: []kind{kindToken, kindHTTP}, commands: []string{"plan", "apply"}, platform: "monogoto"}
	results := []measurement{
		cmd(kindFloor, -1, 100, "plan", 0.12, 0),
		cmd(kindToken, 0, 100, "plan", 0.36, 1),
		cmd(kindToken, 300, 100, "plan", 0.66, 1),
		cmd(kindToken, 300, 100, "apply", 1.3, 2),
		cmd(kindToken, 300, 1, "apply", 0.8, 2),
		cmd(kindHTTP, 300, 100, "plan", 3.3, 100),
		cmd(kindHTTP, 300, 100, "apply", 6.6, 100),
	}
	r := &report{opts: o, results: results}
	r.evaluate()
	want := map[string]string{
		"Logins per command":      "PASS",
		"`token`, N = 100, 300":   "PASS",
		"`token`, N = 100: plan":  "PASS",
		"Peak RSS of a provider ": "INFO",
	}
	for prefix, status := range want {
		found := false
		for _, tr := range r.targets {
			if strings.HasPrefix(tr.name, prefix) {
				found = true
				if tr.status != status {
					t.Errorf("%s: %s (%s), want %s", tr.name, tr.status, tr.measured, status)
				}
			}
		}
		if !found {
			t.Errorf("no target %q in %+v", prefix, r.targets)
		}
	}
	if r.failed != 0 {
		t.Errorf("failed = %d", r.failed)
	}
	md := r.markdown()
	for _, s := range []string{"**0.20**", "| 300 ms | 100 | plan | 0.66 (0.66–0.66) | +0.54 | 0.20 | 1, 1 | 2 | 100 | 29.0 |",
		"(`data \"http\"`: http plan –/100; http apply –/100)"} {
		if !strings.Contains(md, s) {
			t.Errorf("the report lacks %q:\n%s", s, md)
		}
	}

	// The ratio is defined at N = 100 and 300 ms only.
	small := &options{sizes: []int{1, 10}, latencies: o.latencies, kinds: o.kinds, commands: o.commands}
	r = &report{opts: small, results: []measurement{cmd(kindToken, 300, 10, "plan", 1, 1), cmd(kindHTTP, 300, 10, "plan", 1, 10)}}
	r.evaluate()
	for _, tr := range r.targets {
		if strings.Contains(tr.name, "pattern's") && tr.status != "N/A" {
			t.Errorf("without N = 100: %+v, want N/A", tr)
		}
	}

	// Too many logins, or a plan that is too slow, fail.
	r = &report{opts: o, results: append(results, cmd(kindToken, 0, 1, "plan", 0.2, 2), cmd(kindToken, 300, 100, "plan", 3, 1))}
	r.evaluate()
	if r.failed != 3 {
		t.Errorf("failed = %d, want 3 (logins, the ratio to http, the latency): %+v", r.failed, r.targets)
	}
}

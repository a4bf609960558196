package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	dir := t.TempDir()
	if err := generate(dir, kindToken, 3, "monogoto", "demo@example.com", `p"w${x}`); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{
		`ephemeral "iotauth_token" "b003"`,
		`length(ephemeral.iotauth_token.b002.token) > 0`,
		`VALUE = ephemeral.iotauth_token.b001.authorization_header`,
		`password = "p\"w$${x}"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("main.tf lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "b004") {
		t.Error("main.tf has a fourth block")
	}
}

func TestParsePprofTop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token-plan.txt")
	const out = `File: provprof
Duration: 2.40s, Total samples = 634ms (26.45%)
Showing nodes accounting for 534ms, 84.23% of 634ms total
      flat  flat%   sum%        cum   cum%
         0     0%     0%      302ms 47.63%  google.golang.org/grpc.(*Server).handleStream
       2ms  0.32% 20.50%       88ms 13.88%  sync.(*Once).Do (partial-inline)
`
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	top, err := parsePprofTop(path)
	if err != nil {
		t.Fatal(err)
	}
	if top.name != "token-plan" || top.total != "634ms" {
		t.Errorf("name %q, total %q", top.name, top.total)
	}
	if got := top.cum["google.golang.org/grpc.(*Server).handleStream"]; got != "47.63%" {
		t.Errorf("handleStream cum = %q", got)
	}
	if got := top.cum["sync.(*Once).Do"]; got != "13.88%" {
		t.Errorf("Once.Do cum = %q", got)
	}
}

func TestGoBenchMarkdown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gobench.txt")
	const out = `pkg: github.com/iotauth/terraform-provider-iotauth/internal/clients
BenchmarkLogin/monogoto-2    	    1840	    117065 ns/op	   55205 B/op	     781 allocs/op
PASS
`
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	md, err := goBenchMarkdown(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "| internal/clients | BenchmarkLogin/monogoto-2 | 1840 | 117.06 µs | 55205 | 781 |"; !strings.Contains(md, want) {
		t.Errorf("table lacks %q:\n%s", want, md)
	}
}

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// goBenchMarkdown turns `go test -bench -benchmem` output into a table.
func goBenchMarkdown(path string) (string, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // G304: the benchmark's own file.
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("`go test -run '^$' -bench . -benchmem` (see `scripts/bench.sh`), one line per benchmark:\n\n")
	b.WriteString("| package | benchmark | iterations | time/op | B/op | allocs/op |\n|---|---|---:|---:|---:|---:|\n")
	pkg := ""
	rows := 0
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(p, "github.com/iotauth/terraform-provider-iotauth/")
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		iters := f[1]
		if _, err := strconv.Atoi(iters); err != nil {
			continue
		}
		vals := map[string]string{}
		for i := 2; i+1 < len(f); i += 2 {
			vals[f[i+1]] = f[i]
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", pkg, f[0], iters, formatNS(vals["ns/op"]), orDash(vals["B/op"]), orDash(vals["allocs/op"]))
		rows++
	}
	if rows == 0 {
		b.WriteString("| – | no benchmark lines found | | | | |\n")
	}
	return b.String(), nil
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// formatNS renders ns/op in a readable unit.
func formatNS(s string) string {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return orDash(s)
	}
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.2f s", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.2f µs", v/1e3)
	}
	return fmt.Sprintf("%.0f ns", v)
}

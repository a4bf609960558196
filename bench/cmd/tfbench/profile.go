package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// profileBucket is one line of the profile summary: the cumulative share
// of a function (its own time and everything it calls).
type profileBucket struct {
	label string
	fn    string
}

// profileBuckets are the functions that tell where a provider process's
// CPU goes. A function absent from a profile shows as "–".
var profileBuckets = []profileBucket{
	{"every RPC (gRPC server, per block)", "google.golang.org/grpc.(*Server).handleStream"},
	{"… ValidateEphemeralResourceConfig RPCs", "github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server.(*server).ValidateEphemeralResourceConfig"},
	{"… OpenEphemeralResource RPCs", "github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server.(*server).OpenEphemeralResource"},
	{"… ValidateDataResourceConfig RPCs", "github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server.(*server).ValidateDataResourceConfig"},
	{"… ReadDataSource RPCs", "github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server.(*server).ReadDataSource"},
	{"SDK/framework/provider log lines formatted as JSON (go-hclog)", "github.com/hashicorp/go-hclog.(*intLogger).log"},
	{"framework reflection: struct tags (a regexp compiled per field per call)", "github.com/hashicorp/terraform-plugin-framework/internal/reflect.getStructTags"},
	{"provider: `iotauth_token` ValidateConfig", "github.com/iotauth/terraform-provider-iotauth/internal/provider.(*tokenEphemeralResource).ValidateConfig"},
	{"provider: `iotauth_token` Open", "github.com/iotauth/terraform-provider-iotauth/internal/provider.(*tokenEphemeralResource).Open"},
	{"provider: `iotauth_user_profile` Read", "github.com/iotauth/terraform-provider-iotauth/internal/provider.(*userProfileDataSource).Read"},
	{"clients: Manager.Session (login or cache hit)", "github.com/iotauth/terraform-provider-iotauth/internal/clients.(*Manager).Session"},
	{"go-plugin AutoMTLS key and certificate (once per process)", "github.com/hashicorp/go-plugin.generateCert"},
	{"garbage collector (background mark workers)", "runtime.gcBgMarkWorker"},
}

// pprofTop is a parsed `go tool pprof -top -cum` output.
type pprofTop struct {
	name    string
	total   string
	cum     map[string]string // function -> cum%
	cumRows []string          // the table's lines, in order
}

func parsePprofTop(path string) (pprofTop, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // G304: the benchmark's own file.
	if err != nil {
		return pprofTop{}, err
	}
	t := pprofTop{name: strings.TrimSuffix(filepath.Base(path), ".txt"), cum: map[string]string{}}
	inTable := false
	for _, line := range strings.Split(string(raw), "\n") {
		if i := strings.Index(line, "Total samples = "); i >= 0 {
			total, _, _ := strings.Cut(strings.TrimSpace(line[i+len("Total samples = "):]), " ")
			t.total = total
		}
		f := strings.Fields(line)
		if len(f) >= 5 && f[0] == "flat" && f[1] == "flat%" {
			inTable = true
			t.cumRows = append(t.cumRows, line)
			continue
		}
		if !inTable || len(f) < 6 {
			continue
		}
		fn := strings.TrimSuffix(strings.TrimSuffix(strings.Join(f[5:], " "), " (inline)"), " (partial-inline)")
		if _, seen := t.cum[fn]; !seen {
			t.cum[fn] = f[4]
		}
		t.cumRows = append(t.cumRows, line)
	}
	if !inTable {
		return t, fmt.Errorf("%s: no pprof table", path)
	}
	return t, nil
}

// profileMarkdown summarises the profiles of every <scenario>-<command>.txt
// in dir.
func profileMarkdown(dir string, n int, note string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return "", err
	}
	// token before data, plan before apply.
	rank := func(f string) string {
		n := filepath.Base(f)
		return strings.NewReplacer("token", "0", "data", "1", "plan", "0", "apply", "1").Replace(n)
	}
	sort.Slice(files, func(i, j int) bool { return rank(files[i]) < rank(files[j]) })
	var tops []pprofTop
	for _, f := range files {
		t, err := parsePprofTop(f)
		if err != nil {
			return "", err
		}
		tops = append(tops, t)
	}
	if len(tops) == 0 {
		return "", fmt.Errorf("no profile summaries in %s", dir)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n## CPU profile of the provider at N = %d\n\n", n)
	if note != "" {
		b.WriteString(strings.TrimSpace(note) + "\n\n")
	}
	b.WriteString("Share of the provider processes' CPU samples spent in each function and what it calls (cumulative; the rows overlap; – means no sample).\n\n")
	b.WriteString("| where |")
	for _, t := range tops {
		fmt.Fprintf(&b, " %s |", t.name)
	}
	b.WriteString("\n|---|")
	for range tops {
		b.WriteString("---:|")
	}
	b.WriteString("\n| samples |")
	for _, t := range tops {
		fmt.Fprintf(&b, " %s |", t.total)
	}
	b.WriteString("\n")
	for _, bk := range profileBuckets {
		fmt.Fprintf(&b, "| %s |", bk.label)
		for _, t := range tops {
			v, ok := t.cum[bk.fn]
			if !ok {
				v = "–"
			}
			fmt.Fprintf(&b, " %s |", v)
		}
		b.WriteString("\n")
	}
	for _, t := range tops {
		rows := t.cumRows
		if len(rows) > 36 {
			rows = rows[:36]
		}
		fmt.Fprintf(&b, "\n<details><summary>%s: top of <code>go tool pprof -top -cum</code></summary>\n\n```text\n%s\n```\n\n</details>\n",
			t.name, strings.Join(rows, "\n"))
	}
	return b.String(), nil
}

package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// machineInfo describes where the benchmark ran.
type machineInfo struct {
	cpuModel  string
	cores     int
	memGiB    float64
	osArch    string
	kernel    string
	goVersion string
	terraform string
	// damon describes an active DAMON memory scheme (kdamond), which pages
	// out memory not touched for a while: a binary run less often than
	// another then starts slower. Empty when none is active.
	damon string
}

func describeMachine(tfVersion string) machineInfo {
	m := machineInfo{
		cores:     runtime.NumCPU(),
		osArch:    runtime.GOOS + "/" + runtime.GOARCH,
		goVersion: runtime.Version(),
		terraform: tfVersion,
		cpuModel:  "unknown",
	}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.cpuModel = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		f := strings.Fields(v)
		if len(f) > 0 {
			if kib, err := strconv.ParseFloat(f[0], 64); err == nil {
				m.memGiB = kib / (1 << 20)
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	m.damon = damonSchemes()
	return m
}

// damonSchemes lists the actions of the DAMON schemes of running kdamonds.
func damonSchemes() string {
	states, err := filepath.Glob("/sys/kernel/mm/damon/admin/kdamonds/*/state")
	if err != nil {
		return ""
	}
	var actions []string
	for _, st := range states {
		b, err := os.ReadFile(st) //nolint:gosec // G304: a fixed sysfs path.
		if err != nil || strings.TrimSpace(string(b)) != "on" {
			continue
		}
		files, err := filepath.Glob(filepath.Join(filepath.Dir(st), "contexts", "*", "schemes", "*", "action"))
		if err != nil {
			continue
		}
		for _, f := range files {
			if a, err := os.ReadFile(f); err == nil { //nolint:gosec // G304: a fixed sysfs path.
				actions = append(actions, strings.TrimSpace(string(a)))
			}
		}
	}
	return strings.Join(actions, ", ")
}

// procField returns the first "name: value" value in a /proc file.
func procField(path, name string) string {
	f, err := os.Open(path) //nolint:gosec // G304: a fixed /proc path.
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func (m machineInfo) markdown() string {
	var b strings.Builder
	b.WriteString("| CPU | logical cores | RAM | OS | Go | Terraform |\n|---|---|---|---|---|---|\n")
	osName := m.osArch
	if m.kernel != "" {
		osName += " (kernel " + m.kernel + ")"
	}
	fmt.Fprintf(&b, "| %s | %d | %.1f GiB | %s | %s | %s |\n", m.cpuModel, m.cores, m.memGiB, osName, m.goVersion, m.terraform)
	if m.damon != "" {
		fmt.Fprintf(&b, "\nThe kernel runs DAMON memory schemes (kdamond: %s): pages not touched for a while are reclaimed, so "+
			"a binary that runs less often than another can pay page faults at start.\n", m.damon)
	}
	return b.String()
}

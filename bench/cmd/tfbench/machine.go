package main

import (
	"bufio"
	"fmt"
	"os"
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
	return m
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
	return b.String()
}

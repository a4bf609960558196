package main

import (
	"math"
	"sort"
)

// median of xs (NaN for none).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func minMax(xs []float64) (lo, hi float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	lo, hi = xs[0], xs[0]
	for _, x := range xs[1:] {
		lo = math.Min(lo, x)
		hi = math.Max(hi, x)
	}
	return lo, hi
}

// groupKey identifies the runs of one scenario, command and latency.
type groupKey struct {
	variant   string
	latencyMS float64
	kind      kind
	n         int
	command   string
}

func keyOf(m measurement) groupKey {
	return groupKey{variant: m.Variant, latencyMS: m.LatencyMS, kind: m.Kind, n: m.N, command: m.Command}
}

// groupStats summarises the runs of one group.
type groupStats struct {
	runs         int
	wallMedS     float64
	wallMinS     float64
	wallMaxS     float64
	tfCPUMedS    float64
	loginsMed    float64
	loginsMax    int64
	requestsMax  int64
	procsMed     float64
	provCPUMedMS float64
	// cpuPerBlockMS is the median provider CPU per command divided by N.
	cpuPerBlockMS float64
	rssMaxMiB     float64
	startupMedMS  float64
	startupMaxMS  float64
	// missingHandshake counts provider processes without a handshake line.
	missingHandshake int
}

func summarise(ms []measurement) groupStats {
	var g groupStats
	g.runs = len(ms)
	if len(ms) == 0 {
		return g
	}
	var wall, tfcpu, logins, procs, pcpu, startup []float64
	for _, m := range ms {
		wall = append(wall, float64(m.WallNS)/1e9)
		tfcpu = append(tfcpu, float64(m.TFCPUNS)/1e9)
		logins = append(logins, float64(m.Logins))
		if m.Logins > g.loginsMax {
			g.loginsMax = m.Logins
		}
		if m.Requests > g.requestsMax {
			g.requestsMax = m.Requests
		}
		procs = append(procs, float64(len(m.Procs)))
		pcpu = append(pcpu, float64(m.providerCPUNS())/1e6)
		for _, p := range m.Procs {
			g.rssMaxMiB = math.Max(g.rssMaxMiB, float64(p.MaxRSSBytes)/(1<<20))
			if p.StartupNS < 0 {
				g.missingHandshake++
				continue
			}
			startup = append(startup, float64(p.StartupNS)/1e6)
		}
	}
	g.wallMedS = median(wall)
	g.wallMinS, g.wallMaxS = minMax(wall)
	g.tfCPUMedS = median(tfcpu)
	g.loginsMed = median(logins)
	g.procsMed = median(procs)
	g.provCPUMedMS = median(pcpu)
	g.cpuPerBlockMS = g.provCPUMedMS / float64(ms[0].N)
	g.startupMedMS = median(startup)
	_, g.startupMaxMS = minMax(startup)
	return g
}

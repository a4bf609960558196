package memlimit

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestFor(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, Floor},
		{1 * mib, Floor},
		{5 * mib, Floor},                // 5 + 6.25 + 4 = 15.25 MiB
		{8 * mib, 22 * mib},             // 8 + 10 + 4
		{100 * mib, 229 * mib},          // 100 + 125 + 4
		{101 * mib, 231*mib + 256*1024}, // 101 + 126.25 + 4
		{math.MaxUint64, math.MaxInt64},
		{math.MaxInt64 / 2, math.MaxInt64},
	} {
		if got := For(tc.live); got != tc.want {
			t.Errorf("For(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
}

// currentLimit reads the runtime's memory limit without changing it.
func currentLimit() int64 { return debug.SetMemoryLimit(-1) }

// currentPercent reads GOGC's current value without changing it.
func currentPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// restoreLimit puts back the limit and the GC percentage a test found.
func restoreLimit(t *testing.T) {
	before, percent := currentLimit(), currentPercent()
	t.Cleanup(func() {
		debug.SetMemoryLimit(before)
		debug.SetGCPercent(percent)
	})
}

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestStartLeavesUserSettingsAlone(t *testing.T) {
	restoreLimit(t)
	for _, vars := range []map[string]string{{"GOGC": "200"}, {"GOMEMLIMIT": "1GiB"}, {"GOGC": "off", "GOMEMLIMIT": "64MiB"}} {
		debug.SetMemoryLimit(math.MaxInt64)
		debug.SetGCPercent(100)
		stop := Start(env(vars))
		runtime.GC()
		if got := currentLimit(); got != math.MaxInt64 {
			t.Errorf("with %v the limit became %d; the user's setting must be left alone", vars, got)
		}
		if got := currentPercent(); got != 100 {
			t.Errorf("with %v GOGC became %d; the user's setting must be left alone", vars, got)
		}
		stop()
	}
}

// waitForLimit polls until the limit satisfies ok (the cleanup that sets it
// runs on the runtime's cleanup goroutine, after the collection).
func waitForLimit(t *testing.T, what string, ok func(int64) bool) int64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l := currentLimit()
		if ok(l) {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("the limit is %d MiB, never %s", l>>20, what)
		}
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
}

var keep [][]byte

// startFromDefaults starts the watcher from Go's defaults (GOGC=100, no
// limit) and puts the test's settings back when it ends.
func startFromDefaults(t *testing.T) (stop func()) {
	t.Helper()
	restoreLimit(t)
	debug.SetMemoryLimit(math.MaxInt64)
	debug.SetGCPercent(100)
	stop = Start(env(nil))
	t.Cleanup(stop)
	return stop
}

func TestStartFollowsTheLiveHeap(t *testing.T) {
	stop := startFromDefaults(t)
	if l := currentLimit(); l == math.MaxInt64 || l < Floor {
		t.Fatalf("Start set the limit to %d, want at least Floor (%d)", l, Floor)
	}
	if p := currentPercent(); p != -1 {
		t.Fatalf("GOGC is %d after Start, want off (-1): the limit decides when to collect", p)
	}

	// 40 MiB live: the limit must rise above twice that plus the
	// headroom, so the collector is never held below Go's default goal.
	for range 40 {
		keep = append(keep, make([]byte, 1<<20))
	}
	high := waitForLimit(t, "above 2×40 MiB + Headroom", func(l int64) bool { return l >= 80<<20+Headroom })

	// Released: the limit comes back down.
	keep = nil
	low := waitForLimit(t, "back below 40 MiB", func(l int64) bool { return l < 40<<20 })
	if low < Floor {
		t.Errorf("limit %d is below Floor", low)
	}
	t.Logf("limit with 40 MiB live: %d MiB; after release: %d MiB", high>>20, low>>20)

	// stop puts GOGC and the limit back, and collections no longer
	// change the limit.
	stop()
	if p, l := currentPercent(), currentLimit(); p != 100 || l != math.MaxInt64 {
		t.Errorf("after stop GOGC is %d and the limit %d, want 100 and no limit", p, l)
	}
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	debug.SetMemoryLimit(123 << 20)
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := currentLimit(); got != 123<<20 {
		t.Errorf("after stop the limit changed to %d", got)
	}
}

// TestGrowingHeapRaisesTheLimit allocates 64 MiB of live data with no
// explicit collection: the collections the limit itself triggers must raise
// it as the heap grows, so that the allocation is not held at Floor.
func TestGrowingHeapRaisesTheLimit(t *testing.T) {
	startFromDefaults(t)
	var live [][]byte
	before := currentGCs()
	for range 64 {
		live = append(live, make([]byte, 1<<20))
	}
	// Collections start on allocation: keep allocating a little, as a
	// running provider does, until the cleanup of a collection that saw
	// most of the 64 MiB has raised the limit.
	deadline := time.Now().Add(10 * time.Second)
	for currentLimit() < For(32<<20) {
		if time.Now().After(deadline) {
			t.Fatalf("with 64 MiB live the limit is %d MiB, want at least %d", currentLimit()>>20, For(32<<20)>>20)
		}
		garbage = make([]byte, 256<<10)
		time.Sleep(time.Millisecond)
	}
	gcs := currentGCs() - before
	if gcs > 20 {
		t.Errorf("%d collections to grow the heap to 64 MiB: the limit did not keep up with it", gcs)
	}
	t.Logf("%d collections; limit %d MiB with %d MiB live", gcs, currentLimit()>>20, len(live))
	runtime.KeepAlive(live)
}

// garbage keeps the allocations of the polling loop from being optimised
// away.
var garbage []byte

// currentGCs is the number of completed collections.
func currentGCs() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}

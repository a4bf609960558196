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

// restoreLimit puts back the limit a test found.
func restoreLimit(t *testing.T) {
	before := currentLimit()
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
}

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestStartLeavesUserSettingsAlone(t *testing.T) {
	restoreLimit(t)
	for _, vars := range []map[string]string{{"GOGC": "200"}, {"GOMEMLIMIT": "1GiB"}, {"GOGC": "off", "GOMEMLIMIT": "64MiB"}} {
		debug.SetMemoryLimit(math.MaxInt64)
		stop := Start(env(vars))
		runtime.GC()
		if got := currentLimit(); got != math.MaxInt64 {
			t.Errorf("with %v the limit became %d; the user's setting must be left alone", vars, got)
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

func TestStartFollowsTheLiveHeap(t *testing.T) {
	restoreLimit(t)
	debug.SetMemoryLimit(math.MaxInt64)
	stop := Start(env(nil))
	defer stop()
	if l := currentLimit(); l == math.MaxInt64 || l < Floor {
		t.Fatalf("Start set the limit to %d, want at least Floor (%d)", l, Floor)
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

	// After stop, collections no longer change it.
	stop()
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

// Package memlimit makes the provider process collect garbage by a memory
// limit that follows the live heap, instead of by Go's default GOGC=100,
// so that its peak memory stays low while the live heap is small, it does
// no more collections than the default, and it is never held below what
// the default would use once the live heap grows.
//
// A provider process lives for one Terraform graph walk. With Go's default
// (GOGC=100) its heap grows to twice what is live before each collection,
// and the runtime keeps freed pages until its background scavenger returns
// them, so a walk of 100 blocks peaked at 30.6–33.6 MiB of RSS, about 18 MiB
// of which are the binary's own pages (bench/NOTES.md).
//
// Start turns the proportional collector off (debug.SetGCPercent(-1)) and
// sets a soft memory limit (debug.SetMemoryLimit) instead, the pattern the
// Go GC guide describes for a process whose memory budget is known: the
// runtime then collects only as the process nears the limit, and returns
// freed pages to the operating system as it does. After every collection
// the limit is set again from the live heap: the larger of Floor and 2¼
// times the live heap plus Headroom. While the live heap is below about
// 5 MiB, Floor decides and the process stays near it; above, the limit is
// looser than what GOGC=100 would reach, so a large configuration is never
// held back, and a heap that grows between two collections raises the limit
// at the next one.
//
// Measured on one binary with and without this package (bench/NOTES.md):
// the largest peaks of 100-block walks were 1.8–3.2 MiB lower, and the
// provider's CPU 1–3 % lower, because with a small live heap it collects
// less often than GOGC=100. (A first version kept GOGC=100 under the same
// limit: as low a peak, but 8–11 % more CPU.)
//
// A user who sets GOGC or GOMEMLIMIT in the environment keeps exactly the
// runtime's behaviour for that setting: Start then does nothing.
package memlimit

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

const (
	// Floor is the lowest limit set, in bytes of memory managed by the Go
	// runtime (heap, stacks and runtime metadata; not the binary's pages).
	Floor int64 = 16 << 20
	// Headroom is added to 2¼ times the live heap: the runtime's own memory
	// beyond the heap (span and GC metadata, stacks) plus a margin.
	Headroom int64 = 4 << 20
)

// liveHeapMetric is the runtime metric read after each collection.
const liveHeapMetric = "/gc/heap/live:bytes"

// For is the limit for a live heap of the given size.
func For(liveHeap uint64) int64 {
	if liveHeap > uint64(math.MaxInt64-Headroom)/3 {
		return math.MaxInt64
	}
	if l := int64(liveHeap) + int64(liveHeap)*5/4 + Headroom; l > Floor {
		return l
	}
	return Floor
}

// Start turns GOGC off, sets the limit and keeps it updated after every
// garbage collection until stop is called; stop puts GOGC back and removes
// the limit. Start does nothing, and returns a stop that does nothing, when
// getenv reports GOGC or GOMEMLIMIT as set.
func Start(getenv func(string) string) (stop func()) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	w := &watcher{sample: []metrics.Sample{{Name: liveHeapMetric}}}
	// The limit first: with GOGC off and no limit, nothing would collect.
	w.adjust()
	percent := debug.SetGCPercent(-1)
	w.arm()
	return func() {
		w.stopped.Store(true)
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(math.MaxInt64)
	}
}

// watcher re-sets the limit after each collection. Only one goroutine (the
// runtime's cleanup goroutine, or Start before it arms) uses sample.
type watcher struct {
	sample  []metrics.Sample
	stopped atomic.Bool
}

// sentinel is allocated only to be collected: its cleanup runs after the
// collection that finds it unreachable. The pointer field keeps it out of
// the tiny allocator, whose blocks can outlive a single object.
type sentinel struct {
	_ *byte
	_ [8]byte
}

// arm registers a cleanup on a fresh sentinel; the cleanup adjusts the
// limit and arms the next one.
func (w *watcher) arm() {
	runtime.AddCleanup(new(sentinel), func(w *watcher) {
		if w.stopped.Load() {
			return
		}
		w.adjust()
		w.arm()
	}, w)
}

// adjust sets the limit from the live heap of the last collection.
func (w *watcher) adjust() {
	metrics.Read(w.sample)
	var live uint64
	if w.sample[0].Value.Kind() == metrics.KindUint64 {
		live = w.sample[0].Value.Uint64()
	}
	debug.SetMemoryLimit(For(live))
}

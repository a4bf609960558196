// Package memlimit gives the provider process a soft memory limit that
// keeps its peak memory low while its live heap is small, and that stays
// above what Go's default would use once the live heap grows.
//
// A provider process lives for one Terraform graph walk. With Go's default
// (GOGC=100) its heap grows to twice what is live before each collection,
// and the runtime keeps freed pages until its background scavenger returns
// them, so a walk of 100 blocks peaked at 30–32 MiB of RSS, about 17 MiB of
// which are the binary's own pages (bench/NOTES.md). A soft limit
// (runtime/debug.SetMemoryLimit) makes the runtime collect, and return
// freed pages to the operating system, a little earlier as the process
// nears it: with a 16 MiB limit the same walks peaked 2–3.5 MiB lower
// (28.3–28.7 MiB) for 8–11 % more provider CPU.
//
// A fixed limit would hurt a large configuration, whose live heap could
// come close to it and keep the collector running. So after every
// collection the limit is set again from the live heap: the larger of
// Floor and 2¼ times the live heap plus Headroom, above the roughly twice
// the live heap plus the runtime's own few MiB that the default GOGC=100
// reaches anyway. Above about 5 MiB of live heap the limit is therefore
// looser than the default and the default decides.
//
// A user who sets GOGC or GOMEMLIMIT in the environment keeps exactly the
// runtime's behaviour for that setting: Start then does nothing.
package memlimit

import (
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
	const maxLimit = int64(^uint64(0) >> 1)
	if liveHeap > uint64(maxLimit-Headroom)/3 {
		return maxLimit
	}
	if l := int64(liveHeap) + int64(liveHeap)*5/4 + Headroom; l > Floor {
		return l
	}
	return Floor
}

// Start sets the limit and keeps it updated after every garbage collection
// until stop is called. It does nothing, and returns a stop that does
// nothing, when getenv reports GOGC or GOMEMLIMIT as set.
func Start(getenv func(string) string) (stop func()) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	w := &watcher{sample: []metrics.Sample{{Name: liveHeapMetric}}}
	w.adjust()
	w.arm()
	return func() { w.stopped.Store(true) }
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

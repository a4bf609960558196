// Command provprof is the provider exactly as main.go serves it, plus
// profiling, for the benchmark's profile of a provider process under a real
// Terraform (the provider itself offers no profiling switch).
//
// With PROVPROF_DIR set it writes, when Terraform stops it, a CPU profile
// (cpu-<pid>.prof, sampled at PROVPROF_RATE Hz, default 500) and a heap
// profile (heap-<pid>.prof) into that directory, and a line of runtime
// memory statistics (mem-<pid>.json). Without it, it only serves.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/iotauth/terraform-provider-iotauth/internal/logquiet"
	"github.com/iotauth/terraform-provider-iotauth/internal/memlimit"
	"github.com/iotauth/terraform-provider-iotauth/internal/provider"
)

func main() {
	dir := os.Getenv("PROVPROF_DIR")
	stop := func() {}
	if dir != "" {
		var err error
		if stop, err = startProfiles(dir); err != nil {
			log.Fatal(err.Error())
		}
	}
	// The same log settings as the provider's main.
	logquiet.UnlessCollected(os.LookupEnv, os.Setenv)
	memlimit.Start(os.Getenv)
	err := providerserver.Serve(context.Background(), provider.New("bench", "none"), providerserver.ServeOpts{
		Address:         "registry.terraform.io/iotauth/iotauth",
		ProtocolVersion: 6,
	})
	stop()
	if err != nil {
		log.Fatal(err.Error())
	}
}

// startProfiles starts the CPU profile and returns the function that ends
// it and writes the heap profile and memory statistics.
func startProfiles(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	pid := os.Getpid()
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.prof", pid)))
	if err != nil {
		return nil, err
	}
	rate := 500
	if v, err := strconv.Atoi(os.Getenv("PROVPROF_RATE")); err == nil && v > 0 {
		rate = v
	}
	// Set before StartCPUProfile (which then warns on stderr that the rate
	// is already set, and keeps it): provider processes live for a few
	// hundred milliseconds, too short for the default 100 Hz.
	runtime.SetCPUProfileRate(rate)
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			log.Print(err)
		}
		writeHeap(dir, pid)
	}, nil
}

func writeHeap(dir string, pid int) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if b, err := json.Marshal(map[string]uint64{
		"heap_alloc": ms.HeapAlloc, "heap_sys": ms.HeapSys, "heap_inuse": ms.HeapInuse,
		"stack_sys": ms.StackSys, "sys": ms.Sys, "total_alloc": ms.TotalAlloc,
		"num_gc": uint64(ms.NumGC), "next_gc": ms.NextGC,
	}); err == nil {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("mem-%d.json", pid)), b, 0o600); err != nil {
			log.Print(err)
		}
	}
	h, err := os.Create(filepath.Join(dir, fmt.Sprintf("heap-%d.prof", pid)))
	if err != nil {
		log.Print(err)
		return
	}
	if err := pprof.WriteHeapProfile(h); err != nil {
		log.Print(err)
	}
	if err := h.Close(); err != nil {
		log.Print(err)
	}
}

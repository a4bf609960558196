package main

import (
	"os"
	"os/exec"
	"syscall"
)

// setParentDeathSignal is a no-op: macOS has no parent-death signal.
func setParentDeathSignal(*exec.Cmd) {}

// maxRSSBytes reads the child's peak RSS; macOS reports it in bytes.
func maxRSSBytes(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	return ru.Maxrss
}

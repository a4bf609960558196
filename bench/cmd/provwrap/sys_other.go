//go:build !linux && !darwin

package main

import (
	"os"
	"os/exec"
)

// setParentDeathSignal is a no-op where there is no parent-death signal.
func setParentDeathSignal(*exec.Cmd) {}

// maxRSSBytes is unknown (0) where rusage is not available.
func maxRSSBytes(*os.ProcessState) int64 { return 0 }

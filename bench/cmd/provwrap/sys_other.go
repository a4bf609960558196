//go:build unix && !linux

package main

import (
	"os/exec"
	"runtime"
)

// maxRSSUnit: macOS reports ru_maxrss in bytes, the BSDs in KiB.
var maxRSSUnit = func() int64 {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return 1
	}
	return 1024
}()

// setParentDeathSignal does nothing: only Linux has a parent-death signal.
func setParentDeathSignal(*exec.Cmd) {}

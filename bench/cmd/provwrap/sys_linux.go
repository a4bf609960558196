package main

import (
	"os/exec"
	"syscall"
)

// maxRSSUnit: Linux reports ru_maxrss in KiB.
const maxRSSUnit = 1024

// setParentDeathSignal makes the kernel kill the provider if the wrapper
// dies first (Terraform kills a provider that does not stop in time), so
// that no provider outlives a benchmark run.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

package main

import (
	"os"
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes the kernel kill the provider if the wrapper
// dies first (Terraform's go-plugin client kills a provider that does not
// stop in time), so that no provider outlives a benchmark run.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// maxRSSBytes reads the child's peak RSS; Linux reports it in KiB.
func maxRSSBytes(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	return ru.Maxrss * 1024
}

//go:build unix

// Command provwrap measures the memory and CPU of one provider process for
// bench/cmd/tfbench.
//
// Terraform cannot tell us what a provider process cost, and the provider
// has no switch for it, so the benchmark's dev_overrides point
// iotauth/iotauth at a directory holding this program as
// terraform-provider-iotauth. It runs the real provider (PROVWRAP_PROVIDER)
// as a child with the same arguments, environment and standard streams,
// waits for it, exits with its exit code, and appends one JSON line with the
// child's peak RSS and CPU time (from the kernel's rusage) to the file named
// by PROVWRAP_RECORD.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// record is one provider process; bench/cmd/tfbench reads the same fields.
type record struct {
	MaxRSSBytes int64 `json:"max_rss_bytes"`
	CPUNS       int64 `json:"cpu_ns"`
}

func main() {
	os.Exit(run())
}

func run() int {
	provider := os.Getenv("PROVWRAP_PROVIDER")
	if provider == "" {
		fmt.Fprintln(os.Stderr, "provwrap: PROVWRAP_PROVIDER is not set (the path of the real provider binary)")
		return 1
	}
	cmd := exec.Command(provider, os.Args[1:]...) //nolint:gosec // G204: the benchmark names the binary.
	// *os.File streams are handed to the child as they are: go-plugin's
	// handshake line reaches Terraform straight from the provider.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	setParentDeathSignal(cmd)

	// Terraform normally stops a provider over gRPC; forward a signal in
	// case it sends one instead.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "provwrap:", err)
		return 1
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	werr := cmd.Wait()
	signal.Stop(sigs)

	code := 0
	if exitErr := (*exec.ExitError)(nil); errors.As(werr, &exitErr) {
		code = max(exitErr.ExitCode(), 1) // -1: killed by a signal
	} else if werr != nil {
		fmt.Fprintln(os.Stderr, "provwrap:", werr)
		code = 1
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		rec := record{
			MaxRSSBytes: ru.Maxrss * maxRSSUnit,
			CPUNS:       (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Nanoseconds(),
		}
		if err := appendRecord(os.Getenv("PROVWRAP_RECORD"), rec); err != nil {
			fmt.Fprintln(os.Stderr, "provwrap:", err)
		}
	}
	return code
}

// appendRecord adds rec as one line to path, in one write to an O_APPEND
// file, so that records of processes exiting together do not interleave.
func appendRecord(path string, rec record) error {
	if path == "" {
		return nil
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600) //nolint:gosec // G304: the benchmark's own file.
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

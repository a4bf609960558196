// Command provwrap measures one provider process for the whole-Terraform
// benchmark (scripts/bench.sh, bench/cmd/tfbench).
//
// The benchmark points Terraform's dev_overrides for iotauth/iotauth at a
// directory that holds this program under the name
// terraform-provider-iotauth. Terraform starts it as if it were the provider;
// it starts the real provider (the path in PROVWRAP_PROVIDER) as a child with
// the same arguments, environment, stdin and stderr, and relays the child's
// stdout, noting when the first line (go-plugin's handshake) appears. When
// the child exits it appends one JSON line to the file named by
// PROVWRAP_RECORD: the child's pid, start-up time (process start to
// handshake), wall time, peak resident set size and CPU time (user and
// system) from the kernel's rusage. SIGINT and SIGTERM are forwarded to the
// child, and the wrapper exits with the child's exit code.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/bench/internal/procrecord"
)

func main() {
	os.Exit(run())
}

func run() int {
	provider := os.Getenv("PROVWRAP_PROVIDER")
	if provider == "" {
		fmt.Fprintln(os.Stderr, "provwrap: PROVWRAP_PROVIDER is not set (the path of the real provider binary)")
		return 1
	}
	rec := procrecord.Record{WrapperPid: os.Getpid(), Tag: os.Getenv("PROVWRAP_TAG"), StartupNS: -1}

	cmd := exec.Command(provider, os.Args[1:]...) //nolint:gosec // G204: the benchmark names the binary.
	cmd.Stdin = os.Stdin
	cmd.Stderr = os.Stderr
	setParentDeathSignal(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "provwrap:", err)
		return 1
	}

	// Forward SIGINT and SIGTERM; Terraform's go-plugin client normally
	// stops the provider over gRPC instead.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	start := time.Now()
	rec.StartUnixN = start.UnixNano()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "provwrap:", err)
		return 1
	}
	rec.Pid = cmd.Process.Pid
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()

	var wg sync.WaitGroup
	wg.Add(1)
	var handshake time.Duration = -1
	go func() {
		defer wg.Done()
		handshake = relay(stdout, os.Stdout, start)
	}()
	wg.Wait() // The child's stdout closes when it exits.
	werr := cmd.Wait()
	rec.WallNS = time.Since(start).Nanoseconds()
	rec.StartupNS = handshake.Nanoseconds()

	code := 0
	var exitErr *exec.ExitError
	switch {
	case werr == nil:
	case errors.As(werr, &exitErr):
		code = exitErr.ExitCode()
		if code < 0 {
			code = 1 // Killed by a signal.
		}
	default:
		rec.Error = werr.Error()
		code = 1
	}
	rec.ExitCode = code
	if ps := cmd.ProcessState; ps != nil {
		rec.UserNS = ps.UserTime().Nanoseconds()
		rec.SysNS = ps.SystemTime().Nanoseconds()
		rec.MaxRSSBytes = maxRSSBytes(ps)
	}
	if err := appendRecord(rec); err != nil {
		fmt.Fprintln(os.Stderr, "provwrap:", err)
	}
	return code
}

// relay copies src to dst, returning how long after start the first line
// was complete (-1 if none was).
func relay(src io.Reader, dst io.Writer, start time.Time) time.Duration {
	first := time.Duration(-1)
	br := bufio.NewReader(src)
	line, err := br.ReadBytes('\n')
	if len(line) > 0 {
		if err == nil {
			first = time.Since(start)
		}
		_, _ = dst.Write(line)
	}
	if err != nil {
		return first
	}
	_, _ = io.Copy(dst, br)
	return first
}

func appendRecord(rec procrecord.Record) error {
	path := os.Getenv("PROVWRAP_RECORD")
	if path == "" {
		return nil
	}
	return procrecord.Append(path, rec)
}

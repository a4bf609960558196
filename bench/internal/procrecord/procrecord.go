// Package procrecord is the record of one provider process that
// bench/cmd/provwrap appends, as a JSON line, to the file named by
// PROVWRAP_RECORD, and that bench/cmd/tfbench reads back.
package procrecord

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Record is one provider process.
type Record struct {
	Pid        int    `json:"pid"`
	WrapperPid int    `json:"wrapper_pid,omitempty"`
	Tag        string `json:"tag,omitempty"`
	StartUnixN int64  `json:"start_unix_ns"`
	// StartupNS is from just before the child is started to the first line
	// on its stdout (the go-plugin handshake); -1 when none came.
	StartupNS int64 `json:"startup_ns"`
	WallNS    int64 `json:"wall_ns"`
	// MaxRSSBytes is the child's peak resident set size.
	MaxRSSBytes int64 `json:"max_rss_bytes"`
	UserNS      int64 `json:"user_ns"`
	SysNS       int64 `json:"sys_ns"`
	ExitCode    int   `json:"exit_code"`
	// Error describes a failure of the wrapper itself, if any.
	Error string `json:"error,omitempty"`
}

// CPUNS is the process's CPU time, user plus system.
func (r Record) CPUNS() int64 { return r.UserNS + r.SysNS }

// Append adds r as one line to the file at path. One write of a short line
// to an O_APPEND file: records of processes that exit at the same time do
// not interleave.
func Append(path string, r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// ReadAll reads the records in path, ordered by start time; none when the
// file does not exist (no provider process ran).
func ReadAll(path string) ([]Record, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var out []Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var r Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartUnixN < out[j].StartUnixN })
	return out, nil
}

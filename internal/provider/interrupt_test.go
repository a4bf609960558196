package provider

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
)

// TestAccToken_InterruptedRun: Ctrl-C while a login waits for a slow
// platform ends the block with "interrupted" and a hint to run again, not
// "unknown error ... check base_url" (issue 13). Terraform sends SIGINT on
// to the provider by stopping it, which cancels the block's context.
func TestAccToken_InterruptedRun(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	srv.SetFault(mock.Bienport, mock.Fault{Endpoint: mock.EndpointLogin, Latency: time.Minute})
	cli := newTFCLI(t, buildProvider(t), `terraform {
  required_providers {
    iotauth = { source = "iotauth/iotauth" }
  }
}

provider "iotauth" {
  request_timeout = "2m"
  max_retries     = 0
}
`+tokenBlock(mock.Bienport), mockEnv(srv))

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli.bin, "plan", "-input=false", "-no-color")
	cmd.Dir, cmd.Env = cli.dir, cli.env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for srv.Count(mock.Bienport, mock.EndpointLogin) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the login never reached the platform")
		}
		time.Sleep(50 * time.Millisecond)
	}
	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if err == nil {
		t.Fatalf("the interrupted plan succeeded:\n%s", out.String())
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("terraform died of %v:\n%s", ws.Signal(), out.String())
	}
	if time.Since(start) > 30*time.Second {
		t.Errorf("terraform took %s to stop after the interrupt", time.Since(start).Round(time.Second))
	}
	want := errorPattern(mock.Bienport, "login", seedUsers[mock.Bienport],
		`interrupted: the run was interrupted before the platform answered`,
		"The run was interrupted (Ctrl-C, or Terraform stopped the provider) before the platform answered.")
	if !want.MatchString(out.String()) {
		t.Errorf("want %s, got:\n%s", want, out.String())
	}
	if regexp.MustCompile(`unknown error|check base_url|Check base_url`).MatchString(out.String()) {
		t.Errorf("the output blames the settings:\n%s", out.String())
	}
}

package provider

// Diagnostics whose words must match the cause (issue 13, item 7): an
// unknown shared setting is not blamed on a platform, a 200 KB user name is
// not repeated whole, a refused service account is told about its client
// ID and secret, retry_max_wait = "0s" is shown as 0s, and an interrupted
// login is called interrupted.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
)

// TestAccUserProfile_SettingsNotKnownYet: a data source read while the
// provider's settings depend on values known only after apply names what is
// unknown: a shared setting is not blamed on the platform the data source
// reads, a platform's own setting is.
func TestAccUserProfile_SettingsNotKnownYet(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	cases := map[string]struct {
		provider string
		want     []*regexp.Regexp
		notWant  string
	}{
		"shared setting": {
			provider: fmt.Sprintf(`provider "iotauth" {
  request_timeout = terraform_data.later.output
  monogoto = {
    base_url = %q
    username = "demo@monogoto.io"
    password = "x-not-used"
  }
}
`, srv.BaseURL(mock.Monogoto)),
			want: []*regexp.Regexp{exactly(`Error: iotauth provider settings are not known yet`),
				exactly(`The provider "iotauth" setting request_timeout depends on values that are known only after apply. ` +
					`Shared settings apply to every platform, so no profile can be read during this plan.`)},
			notWant: "Monogoto settings are not known yet",
		},
		"platform setting": {
			provider: `provider "iotauth" {
  monogoto = {
    base_url = terraform_data.later.output
    username = "demo@monogoto.io"
    password = "x-not-used"
  }
}
`,
			want: []*regexp.Regexp{exactly(`Error: Monogoto settings are not known yet`),
				exactly(`The provider "iotauth" configuration for Monogoto depends on values`)},
			notWant: "shared",
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := planOnly(t, c.provider+`
resource "terraform_data" "later" {
  input = "30s"
}

data "iotauth_user_profile" "m" {
  platform = "monogoto"
}
`, nil)
			for _, want := range c.want {
				if !want.MatchString(res.errText) {
					t.Errorf("want %s, got:\n%s", want, res.errText)
				}
			}
			if strings.Contains(res.errText, c.notWant) {
				t.Errorf("the diagnostic says %q:\n%s", c.notWant, res.errText)
			}
			if n := srv.Count(mock.Monogoto, ""); n != 0 {
				t.Errorf("the platform received %d requests", n)
			}
		})
	}
}

// TestAccToken_LongUserNameIsCut: a 200 KB user name that the platform
// refuses is named in the diagnostic by its first 80 bytes and its length,
// not repeated whole.
func TestAccToken_LongUserNameIsCut(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	res := planOnly(t, mockProvider(srv)+`
locals {
  # 204800 bytes: "u" then zeros, then 7.
  long_name = format("u%0204799d", 7)
}

ephemeral "iotauth_token" "long" {
  platform = "bienport"
  username = local.long_name
  password = "wrong-password-for-a-long-name"
}
`, nil)
	want := wrapped(`BienPort login for user "u` + strings.Repeat("0", 79) + `"… \(204800 bytes\) failed: invalid credentials`)
	if !want.MatchString(res.errText) {
		t.Fatalf("want %s, got:\n%.2000s", want, res.errText)
	}
	if len(res.errText) > 20000 || strings.Contains(res.errText, strings.Repeat("0", 100)) {
		t.Errorf("the diagnostic repeats the user name (%d bytes of error text)", len(res.errText))
	}
	if n := srv.Count(mock.Bienport, mock.EndpointLogin); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
}

// TestAccToken_ZeroRetryMaxWaitShownAsConfigured: with retry_max_wait =
// "0s" a platform that asks to wait is reported with "the 0s cap", as
// configured (it used to say 1ns).
func TestAccToken_ZeroRetryMaxWaitShownAsConfigured(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	res := planOnly(t, providerWith(t, srv, "  max_retries    = 2\n  retry_max_wait = \"0s\"\n")+tokenBlock(mock.Bienport), func() {
		srv.SetFault(mock.Bienport, mock.Fault{Endpoint: mock.EndpointLogin, Status: http.StatusTooManyRequests, RetryAfter: "5"})
	})
	expectFailure(t, srv, res, errorPattern(mock.Bienport, "login", seedUsers[mock.Bienport],
		`rate limited: the platform asked to wait 5s before retrying, more than the 0s cap \(HTTP 429\)`,
		"The platform limits logins; it asked to wait 5s."))
	if strings.Contains(res.errText, "1ns") {
		t.Errorf("the diagnostic shows 1ns:\n%s", res.errText)
	}
}

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

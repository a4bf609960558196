package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// mockSecrets is every secret the mock knows: the tokens, refresh tokens,
// MQTT passwords and password hashes it issued, and the passwords and
// client secrets of its accounts.
func mockSecrets(srv *mock.Server) []string {
	return append(srv.IssuedSecrets(), srv.Passwords()...)
}

// findSecrets returns a short, harmless prefix of each secret that occurs
// in text, as is or JSON-escaped.
func findSecrets(text string, secrets []string) []string {
	var found []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		escaped, err := json.Marshal(s)
		if err != nil {
			continue
		}
		if strings.Contains(text, s) || strings.Contains(text, strings.Trim(string(escaped), `"`)) {
			found = append(found, s[:min(len(s), 12)]+"...")
		}
	}
	return found
}

// secretSearch is a state and plan check: it searches the JSON of the state
// (as `terraform show -json` gives it) or of a saved plan for the mock's
// secrets. With wantFound it is the positive control: it fails unless the
// secrets that want returns are found.
type secretSearch struct {
	what      string
	secrets   func() []string
	wantFound bool
}

var (
	_ statecheck.StateCheck = secretSearch{}
	_ plancheck.PlanCheck   = secretSearch{}
)

func (c secretSearch) check(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) < 100 {
		return fmt.Errorf("the %s JSON is suspiciously short (%d bytes)", c.what, len(b))
	}
	secrets := c.secrets()
	if len(secrets) == 0 {
		return fmt.Errorf("no secrets to search the %s for", c.what)
	}
	found := findSecrets(string(b), secrets)
	switch {
	case c.wantFound && len(found) != len(secrets):
		return fmt.Errorf("positive control: found %d of %d echoed secrets in the %s", len(found), len(secrets), c.what)
	case !c.wantFound && len(found) > 0:
		return fmt.Errorf("the %s holds %d secret(s): %v", c.what, len(found), found)
	}
	return nil
}

func (c secretSearch) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c.check(req.State)
}

func (c secretSearch) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = c.check(req.Plan)
}

// leakConfig uses every platform's token (in a provisioner's environment,
// the way the README shows) and reads every platform's profile, without
// the echo provider: nothing secret may reach the plan or the state. The
// whole result of each token (token, headers, refresh token, MQTT
// password: whatever the platform returns) reaches the provisioner. Every
// token has a min_validity, and every token a platform can revoke is
// revoked when its block closes (the private data, Close and the logout
// run too).
func leakConfig() string {
	var b strings.Builder
	var ids, env, tests []string
	for _, p := range mock.Platforms() {
		revoke := ""
		if info, ok := lookupInfo(p); ok && info.CanRevoke(platform.Password) {
			revoke = "\n  revoke_on_close = true"
		}
		fmt.Fprintf(&b, "ephemeral \"iotauth_token\" %[1]q {\n  platform     = %[1]q\n  min_validity = \"2m\"%[2]s\n}\n", p, revoke)
		fmt.Fprintf(&b, "data \"iotauth_user_profile\" %[1]q { platform = %[1]q }\n", p)
		ids = append(ids, fmt.Sprintf("data.iotauth_user_profile.%s.id", p))
		env = append(env, fmt.Sprintf("      %s = jsonencode(ephemeral.iotauth_token.%s)", strings.ToUpper(string(p)), p))
		tests = append(tests, fmt.Sprintf(`test -n \"$%s\"`, strings.ToUpper(string(p))))
	}
	fmt.Fprintf(&b, `
resource "terraform_data" "use" {
  input = [%s]

  provisioner "local-exec" {
    command = "%s"
    environment = {
%s
    }
  }
}
`, strings.Join(ids, ", "), strings.Join(tests, " && "), strings.Join(env, "\n"))
	return b.String()
}

// setMockEnv points every platform at srv through environment variables,
// so that no password appears in the configuration.
func setMockEnv(t *testing.T, srv *mock.Server) {
	t.Helper()
	clearIotauthEnv(t)
	env := mockEnv(srv)
	env["IOTAUTH_MAX_RETRIES"] = "0"
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// noLeaksTest points every platform at srv through the environment, runs
// step with Terraform and the provider logging at TRACE into one file, and
// searches the saved plans and the state for secrets(). It returns the log,
// for checkTraceLog once the caller has made sure the run issued the
// secrets the search is for.
func noLeaksTest(t *testing.T, srv *mock.Server, step resource.TestStep, secrets func() []string) string {
	t.Helper()
	setMockEnv(t, srv)
	logFile := filepath.Join(t.TempDir(), "tf.log")
	// TF_ACC_LOG/TF_ACC_LOG_PATH drive the Terraform CLI's log (the test
	// harness passes them to it as TF_LOG/TF_LOG_PATH); TF_LOG/TF_LOG_PATH
	// drive the in-process provider's log. Both go to the same file.
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH", logFile)

	noneIn := func(what string) secretSearch { return secretSearch{what: what, secrets: secrets} }
	step.ConfigPlanChecks = resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{noneIn("saved plan")},
		PostApplyPreRefresh:  []plancheck.PlanCheck{noneIn("post-apply plan")},
		PostApplyPostRefresh: []plancheck.PlanCheck{noneIn("post-apply refresh plan")},
	}
	step.ConfigStateChecks = []statecheck.StateCheck{noneIn("state")}
	acceptanceTest(t, step)

	b, err := os.ReadFile(logFile) //nolint:gosec // G304: the test's own temporary file.
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkTraceLog fails unless the log holds every line of want (so that it
// is not empty) and none of secrets.
func checkTraceLog(t *testing.T, log string, want, secrets []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(log, w) {
			t.Errorf("the TRACE log (%d bytes) lacks %q", len(log), w)
		}
	}
	if found := findSecrets(log, secrets); len(found) > 0 {
		t.Errorf("the TRACE log holds %d secret(s): %v", len(found), found)
	}
}

// TestAccNoLeaks runs plan, apply, the post-apply plans and destroy with
// every platform, Terraform and the provider logging at TRACE into one
// file, then searches the saved plans, the state and the log for every
// secret the mock holds or issued.
func TestAccNoLeaks(t *testing.T) {
	srv := startMock(t)
	secrets := func() []string { return mockSecrets(srv) }
	log := noLeaksTest(t, srv, resource.TestStep{Config: testConfig(leakConfig())}, secrets)

	for _, p := range mock.Platforms() {
		if srv.LastToken(p) == "" {
			t.Fatalf("%s issued no token: the search would prove nothing", p)
		}
	}
	if srv.Count(mock.Bienport, mock.EndpointRevoke) == 0 {
		t.Fatal("no BienPort token was revoked: the revocation path was not searched")
	}
	// The log is not empty: Terraform's own lines, the provider's lines
	// and the HTTP subsystem's request lines are all there.
	cliVersionLine := "Terraform version"
	if isOpenTofu() {
		cliVersionLine = "OpenTofu version"
	}
	checkTraceLog(t, log, []string{cliVersionLine, "Opened an iotauth_token", "HTTP request", "path=/Auth", "path=/api/auth/login"}, secrets())
}

// TestAccNoLeaks_PositiveControl shows that the search above finds a
// secret that is there: the echo provider copies a token, its header and
// BienPort's MQTT password into the state on purpose.
func TestAccNoLeaks_PositiveControl(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	echoedSecrets := func() []string {
		return []string{srv.LastToken(mock.Bienport), "Bearer " + srv.LastToken(mock.Bienport)}
	}
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(mockProvider(srv) + echoToken(`  platform = "bienport"`)),
		ConfigStateChecks: []statecheck.StateCheck{
			secretSearch{what: "state", secrets: echoedSecrets, wantFound: true},
		},
	})
	if found := findSecrets("xx"+srv.LastToken(mock.Bienport)+"yy", mockSecrets(srv)); len(found) != 1 {
		t.Errorf("findSecrets found %v in a text holding one token", found)
	}
}

package provider

// Secrets: the whole life of a configuration that uses every platform (a
// saved plan, its apply, a refresh and a destroy) with Terraform and the
// provider logging at TRACE, searched everywhere a secret could end up.

import (
	"archive/zip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// artifacts are the texts a run left behind, by name.
type artifacts map[string]string

// collect gathers what the commands printed, the log, every file of the
// working directory (state, backups, lock files) and every member of
// every zip file there (the saved plan holds the configuration, the prior
// state and the plan itself), plus extra texts such as `show -json` output.
func (c *tfCLI) collect(extra artifacts) artifacts {
	c.t.Helper()
	arts := artifacts{"stdout": c.stdout.String(), "stderr": c.stderr.String()}
	for k, v := range extra {
		arts[k] = v
	}
	err := filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p) //nolint:gosec // G304: the test's own temporary directory.
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(c.dir, p)
		arts[rel] = string(b)
		if zr, zerr := zip.NewReader(strings.NewReader(string(b)), int64(len(b))); zerr == nil {
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					return err
				}
				data, err := io.ReadAll(rc)
				_ = rc.Close()
				if err != nil {
					return err
				}
				arts[rel+"!"+f.Name] = string(data)
			}
		}
		return nil
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return arts
}

// scan returns, for each artifact that holds any of secrets, a short
// prefix of each secret found.
func (a artifacts) scan(secrets []string) map[string][]string {
	out := map[string][]string{}
	for name, text := range a {
		if found := findSecrets(text, secrets); len(found) > 0 {
			out[name] = found
		}
	}
	return out
}

// names lists the artifacts, sorted.
func (a artifacts) names() []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// secretsConfig is leakConfig (every platform's token in a provisioner's
// environment, every platform's profile) plus what it leaves out: per-block
// credentials from ephemeral variables (a second Monogoto user and a
// Coiote service account, revoked when its block closes, as leakConfig's
// BienPort token is) and Monogoto's refresh token. Every password comes
// from the environment, never from the configuration.
func secretsConfig() string {
	return cliHeader + `
variable "viewer_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "coiote_client_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}
` + leakConfig() + `
ephemeral "iotauth_token" "viewer" {
  platform = "monogoto"
  username = "` + mock.SeedMonogotoViewer.UserName + `"
  password = var.viewer_password
}

ephemeral "iotauth_token" "service" {
  platform        = "coiote"
  client_id       = "` + mock.SeedCoioteClient.ClientID + `"
  client_secret   = var.coiote_client_secret
  revoke_on_close = true
}

resource "terraform_data" "more" {
  provisioner "local-exec" {
    command = "test -n \"$R\" && test -n \"$V\" && test -n \"$S\""
    environment = {
      R = ephemeral.iotauth_token.monogoto.refresh_token
      V = ephemeral.iotauth_token.viewer.authorization_header
      S = ephemeral.iotauth_token.service.headers["Authorization"]
    }
  }
}

output "user_ids" {
  value = [` + strings.Join(profileIDs(), ", ") + `]
}
`
}

// profileIDs are the user_id of every platform's profile in leakConfig.
func profileIDs() []string {
	var out []string
	for _, p := range mock.Platforms() {
		out = append(out, "data.iotauth_user_profile."+string(p)+".user_id")
	}
	return out
}

// allMockSecrets is every secret of srv: the tokens, refresh tokens, MQTT
// passwords and password hashes it issued, the Authorization values built
// from its tokens, and its accounts' passwords and client secrets.
func allMockSecrets(srv *mock.Server) []string {
	secrets := mockSecrets(srv)
	for _, s := range srv.IssuedSecrets() {
		secrets = append(secrets, "Bearer "+s)
	}
	return secrets
}

// TestAccReliabilitySecrets drives plan -out, show -json of the plan,
// apply of the plan, refresh, show -json of the state and destroy with
// TF_LOG=TRACE, then searches stdout, stderr, the log, the plan's JSON, the
// state's JSON and every file the commands left (the saved plan unzipped)
// for every secret the mock issued or holds. Its positive control exposes
// a password and a token on purpose and shows the same search finds them
// in each of those places.
func TestAccReliabilitySecrets(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	bin := buildProvider(t)
	env := mockEnv(srv)
	env["TF_LOG"] = "TRACE"
	env["TF_VAR_viewer_password"] = mock.SeedMonogotoViewer.Password
	env["TF_VAR_coiote_client_secret"] = mock.SeedCoioteClient.ClientSecret
	cli := newTFCLI(t, bin, secretsConfig(), env)

	cli.must("plan", "-out=tfplan", "-input=false")
	planJSON := cli.must("show", "-json", "tfplan")
	cli.must("apply", "-input=false", "tfplan")
	cli.must("refresh", "-input=false")
	stateJSON := cli.must("show", "-json")
	cli.must("destroy", "-auto-approve", "-input=false")

	// The run did what it should, so the search below means something.
	for _, p := range mock.Platforms() {
		if srv.LastToken(p) == "" || srv.Count(p, "") < 4 {
			t.Fatalf("%s: %d requests and no token: nothing to search for", p, srv.Count(p, ""))
		}
	}
	if srv.Count(mock.Coiote, mock.EndpointClientCredentials) == 0 {
		t.Fatal("the Coiote service account never signed in")
	}
	for _, p := range []platform.Name{mock.Coiote, mock.Bienport} {
		if srv.Count(p, mock.EndpointRevoke) == 0 {
			t.Fatalf("no %s token was revoked: the revocation path was not searched", p)
		}
	}
	log := cli.log()
	for _, want := range []string{"Opened an iotauth_token", "HTTP request", "path=/Auth", "path=/api/auth/oauth_password", "path=/api/auth/login"} {
		if !strings.Contains(log, want) {
			t.Errorf("the TRACE log (%d bytes) lacks %q: the provider's log did not reach it", len(log), want)
		}
	}
	for name, text := range map[string]string{"plan JSON": planJSON, "state JSON": stateJSON} {
		if !strings.Contains(text, mock.SeedMonogotoDemo.UserID) {
			t.Errorf("the %s lacks the Monogoto user ID: it is not the document it should be", name)
		}
	}

	arts := cli.collect(artifacts{"plan JSON": planJSON, "state JSON": stateJSON})
	secrets := allMockSecrets(srv)
	t.Logf("searched %d artifacts (%s) for %d secrets", len(arts), strings.Join(arts.names(), ", "), len(secrets))
	for name, found := range arts.scan(secrets) {
		t.Errorf("%s holds %d secret(s): %v", name, len(found), found)
	}
	// Every opaque secret the mock issues starts with mock.TokenPrefix and
	// every JWT with mock.JWTHeaderPrefix: neither may appear at all.
	for name, found := range arts.scan([]string{mock.TokenPrefix, mock.JWTHeaderPrefix}) {
		t.Errorf("%s holds something that looks like a mock secret: %v", name, found)
	}
	checkNoRace(t, log, cli.stderr.String())

	t.Run("positive control", func(t *testing.T) {
		secretsPositiveControl(t, srv, bin)
	})
}

// secretsPositiveControl exposes a password through a plain variable (it
// reaches the plan, the state, the plan output and the log's copy of the
// command line) and a token through a refused variable value (it reaches
// stderr and the log), then checks that the search finds each where it
// must be.
func secretsPositiveControl(t *testing.T, srv *mock.Server, bin string) {
	env := mockEnv(srv)
	env["TF_LOG"] = "TRACE"
	cli := newTFCLI(t, bin, `terraform {
  required_providers {
    iotauth = { source = "iotauth/iotauth" }
  }
}

provider "iotauth" {
  max_retries = 0
}

variable "exposed" {
  type = string
}

variable "refused" {
  type    = string
  default = ""
  validation {
    condition     = var.refused == ""
    error_message = "Refused value ${var.refused}."
  }
}

ephemeral "iotauth_token" "bienport" {
  platform = "bienport"
}

resource "terraform_data" "exposed" {
  input = var.exposed
}
`, env)
	password := mock.SeedBienportDemo.Password
	cli.must("plan", "-out=tfplan", "-input=false", "-var=exposed="+password)
	planJSON := cli.must("show", "-json", "tfplan")
	cli.must("apply", "-input=false", "tfplan")
	stateJSON := cli.must("show", "-json")
	token := srv.LastToken(mock.Bienport)
	if _, _, err := cli.run("plan", "-input=false", "-var=exposed="+password, "-var=refused="+token); err == nil {
		t.Fatal("the plan with a refused value succeeded")
	}

	found := cli.collect(artifacts{"plan JSON": planJSON, "state JSON": stateJSON}).scan([]string{password, token})
	for _, where := range []string{"stdout", "terraform.log", "plan JSON", "state JSON", "terraform.tfstate", "tfplan!tfplan"} {
		if !contains(found[where], password) {
			t.Errorf("the search did not find the exposed password in %s (found %v)", where, found)
		}
	}
	for _, where := range []string{"stderr", "terraform.log"} {
		if !contains(found[where], token) {
			t.Errorf("the search did not find the exposed token in %s (found %v)", where, found)
		}
	}
}

// contains reports whether found (short prefixes, as findSecrets reports
// them) includes secret's.
func contains(found []string, secret string) bool {
	want := findSecrets(secret, []string{secret})
	for _, f := range found {
		if len(want) == 1 && f == want[0] {
			return true
		}
	}
	return false
}

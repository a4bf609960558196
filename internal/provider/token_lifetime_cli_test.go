package provider

// Token lifetime and revocation through a real Terraform CLI, where the
// tests must count logins and revocations per command, read what Terraform
// prints and the log, and search every artifact for secrets.

import (
	"strings"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

func TestAccTokenLifetimeCLI(t *testing.T) {
	t.Parallel()
	bin := buildProvider(t)
	t.Run("min_validity replaces a short cached session", func(t *testing.T) {
		t.Parallel()
		testMinValidityReplaces(t, bin)
	})
	t.Run("Renew and Close warn when a token outlives its use", func(t *testing.T) {
		t.Parallel()
		testRenewWarns(t, bin)
	})
	t.Run("revoke_on_close", func(t *testing.T) {
		t.Parallel()
		testRevokeOnClose(t, bin, true)
	})
	t.Run("without revoke_on_close", func(t *testing.T) {
		t.Parallel()
		testRevokeOnClose(t, bin, false)
	})
}

// testMinValidityReplaces: in one apply, a block opened 4 s after the first
// one (its depends_on waits for a provisioner) asks for min_validity = 28s
// of 30-second Coiote tokens: the cached session has about 26 s left, so the
// provider logs in again. Without min_validity the apply logs in once.
func testMinValidityReplaces(t *testing.T, bin string) {
	for _, c := range []struct {
		minValidity string
		logins      int64
	}{{`"28s"`, 2}, {`null`, 1}} {
		srv := startMock(t, func(c *mock.Config) { c.CoioteTokenLifetime = 30 * time.Second })
		cli := newTFCLI(t, bin, cliHeader+`
ephemeral "iotauth_token" "first" {
  platform = "coiote"
}

resource "terraform_data" "wait" {
  provisioner "local-exec" {
    command     = "test -n \"$T\" && sleep 4"
    environment = { T = ephemeral.iotauth_token.first.token }
  }
}

ephemeral "iotauth_token" "second" {
  platform     = "coiote"
  min_validity = `+c.minValidity+`
  depends_on   = [terraform_data.wait]
}

resource "terraform_data" "use" {
  provisioner "local-exec" {
    command     = "test -n \"$T\""
    environment = { T = ephemeral.iotauth_token.second.token }
  }
}
`, mockEnv(srv))
		cli.must("plan", "-out=tfplan", "-input=false")
		srv.ResetCounts()
		cli.must("apply", "-input=false", "tfplan")
		if n := srv.Count(mock.Coiote, mock.EndpointLogin); n != c.logins {
			t.Errorf("min_validity = %s: %d logins in the apply, want %d", c.minValidity, n, c.logins)
		}
		checkNoRace(t, cli.log(), cli.stderr.String())
	}
}

// testRenewWarns: a 6-second Coiote token handed to a provisioner that
// runs for 9 seconds. Terraform calls Renew at RenewAt (4.5 s: a quarter of
// the lifetime before expiry) and Close after the provisioner: Renew's
// warning reaches the log (Terraform 1.10 to 1.16 drop Renew's diagnostics,
// hashicorp/terraform issue 38574), Close's warning is printed; nothing in
// any artifact is secret, at TF_LOG=TRACE.
func testRenewWarns(t *testing.T, bin string) {
	srv := startMock(t, func(c *mock.Config) { c.CoioteTokenLifetime = 6 * time.Second })
	env := mockEnv(srv)
	env["TF_LOG"] = "TRACE"
	cli := newTFCLI(t, bin, cliHeader+`
ephemeral "iotauth_token" "slow" {
  platform = "coiote"
}

resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command     = "test -n \"$T\" && sleep 9"
    environment = { T = ephemeral.iotauth_token.slow.authorization_header }
  }
}
`, env)
	out := cli.must("apply", "-auto-approve", "-input=false")
	log := cli.log()
	for _, want := range []string{
		"Warning: Coiote IoT DM token expired while still in use",
		`The iotauth_token for Coiote IoT DM user "ops@acme.example" expired at`,
		"before Terraform closed it at",
		"set min_validity on the block",
	} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("the apply's output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "ephemeral.iotauth_token.slow: Renewing...") {
		t.Errorf("Terraform did not renew:\n%s", out)
	}
	// The provider's own log lines: Terraform's and OpenTofu's core log
	// their renewals in different words.
	for _, want := range []string{
		"[WARN]  provider.terraform-provider-iotauth: Coiote IoT DM token expires while still in use",
		"Blocks opened from now on get a new token",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q: Renew was not called, or did not log", want)
		}
	}
	if strings.Contains(out, "token expires while still in use") {
		t.Log("this Terraform prints Renew's warning (hashicorp/terraform#38989 is in)")
	}
	checkNoSecrets(t, cli, srv)
	checkNoRace(t, log, cli.stderr.String())
}

// testRevokeOnClose: BienPort with the block's revoke_on_close = true, a
// Coiote service account (the provider's credentials) with the provider's
// revoke_on_close = true, and Monogoto, where the provider's setting does
// not apply. After `plan -out` the plan's tokens, and after `apply` of the
// plan the apply's, are refused by the mock; Monogoto's keep working. One
// revocation per platform and command. Without revoke_on_close every token
// keeps working and nothing is revoked.
func testRevokeOnClose(t *testing.T, bin string, revoke bool) {
	srv := startMock(t)
	env := mockEnv(srv)
	env["TF_LOG"] = "TRACE"
	env[envName(mock.Coiote, "client_id")] = mock.SeedCoioteClient.ClientID
	env[envName(mock.Coiote, "client_secret")] = mock.SeedCoioteClient.ClientSecret
	block := "null"
	if revoke {
		env[envRevokeOnClose] = "true"
		block = "true"
	}
	cli := newTFCLI(t, bin, cliHeader+`
ephemeral "iotauth_token" "b" {
  platform        = "bienport"
  revoke_on_close = `+block+`
}

ephemeral "iotauth_token" "c" {
  platform = "coiote"
}

ephemeral "iotauth_token" "m" {
  platform = "monogoto"
}

resource "terraform_data" "use" {
  provisioner "local-exec" {
    command     = "test -n \"$B\" && test -n \"$C\" && test -n \"$M\""
    environment = {
      B = ephemeral.iotauth_token.b.token
      C = ephemeral.iotauth_token.c.token
      M = ephemeral.iotauth_token.m.token
    }
  }
}
`, env)
	revocable := []platform.Name{mock.Bienport, mock.Coiote}
	for _, cmd := range [][]string{{"plan", "-out=tfplan", "-input=false"}, {"apply", "-input=false", "tfplan"}} {
		srv.ResetCounts()
		cli.must(cmd...)
		tokens := map[platform.Name]string{}
		// The platforms the configuration above uses.
		for _, p := range []platform.Name{mock.Bienport, mock.Coiote, mock.Monogoto} {
			tokens[p] = srv.LastToken(p)
			if srv.Count(p, "") == 0 {
				t.Fatalf("%s: %s was not used", cmd[0], p)
			}
		}
		if n := srv.Count(mock.Coiote, mock.EndpointClientCredentials); n != 1 {
			t.Fatalf("%s: %d service-account logins, want 1", cmd[0], n)
		}
		for _, p := range revocable {
			wantRevocations := map[bool]int64{true: 1, false: 0}[revoke]
			if n := srv.Count(p, mock.EndpointRevoke); n != wantRevocations {
				t.Errorf("%s: %d %s revocations, want %d", cmd[0], n, p, wantRevocations)
			}
			if works := tokenWorks(t, srv, p, tokens[p]); works == revoke {
				t.Errorf("%s: revoke_on_close is %v and the %s token it used works: %v", cmd[0], revoke, p, works)
			}
		}
		if !tokenWorks(t, srv, mock.Monogoto, tokens[mock.Monogoto]) {
			t.Errorf("%s: the Monogoto token stopped working", cmd[0])
		}
	}
	if revoke {
		reqs := srv.ReceivedRequests(mock.Bienport)
		for _, r := range reqs {
			if r.Endpoint == mock.EndpointRevoke && !strings.Contains(string(r.Body), `"appId":"terraform-provider-iotauth"`) {
				t.Errorf("logout body %s", r.Body)
			}
		}
	}
	checkNoSecrets(t, cli, srv)
	checkNoRace(t, cli.log(), cli.stderr.String())
}

// checkNoSecrets searches everything the commands left behind (output,
// the TRACE log, the state, saved plans) for the mock's secrets.
func checkNoSecrets(t *testing.T, cli *tfCLI, srv *mock.Server) {
	t.Helper()
	arts := cli.collect(nil)
	for name, found := range arts.scan(allMockSecrets(srv)) {
		t.Errorf("%s holds %d secret(s): %v", name, len(found), found)
	}
	for name, found := range arts.scan([]string{mock.TokenPrefix, mock.JWTHeaderPrefix}) {
		t.Errorf("%s holds something that looks like a mock secret: %v", name, found)
	}
}

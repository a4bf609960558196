# The default for every iotauth_token block: revoke the token at the end of
# each plan and apply where the platform can (BienPort, Coiote service
# accounts); the setting is ignored for the others. min_validity has a
# provider-level default too.
provider "iotauth" {
  revoke_on_close = true
}

# A long job on BienPort: a 3-month token (remember_me) that must stay
# valid for the two hours the job may take, logged out as soon as Terraform
# is done with it.
ephemeral "iotauth_token" "bienport_job" {
  platform        = "bienport"
  remember_me     = true
  min_validity    = "2h"
  revoke_on_close = true
}

resource "terraform_data" "bienport_job" {
  provisioner "local-exec" {
    command = "./long-job.sh"
    environment = {
      AUTH = ephemeral.iotauth_token.bienport_job.authorization_header
      ORG  = ephemeral.iotauth_token.bienport_job.organization_id
    }
  }
}

# Coiote tokens last about 5 minutes. This block is opened only when the
# slow step before it is done (depends_on), so its token is fresh when its
# consumer starts, and min_validity asks for what that consumer needs,
# within the token's lifetime.
resource "terraform_data" "slow_step" {
  provisioner "local-exec" {
    command = "./slow-step.sh"
  }
}

ephemeral "iotauth_token" "coiote_late" {
  platform     = "coiote"
  min_validity = "3m"
  depends_on   = [terraform_data.slow_step]
}

resource "terraform_data" "coiote_step" {
  provisioner "local-exec" {
    command     = "./coiote-step.sh"
    environment = { COIOTE_AUTH = ephemeral.iotauth_token.coiote_late.authorization_header }
  }
}

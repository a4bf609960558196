# A configuration tested offline against iotauth-mock: see the guide
# "Testing your configuration offline" and run.sh beside this file.
terraform {
  required_version = ">= 1.10"
  required_providers {
    iotauth = {
      source = "iotauth/iotauth"
    }
  }
}

# Every setting comes from the environment: run.sh points
# IOTAUTH_<PLATFORM>_BASE_URL at the mock and sets the CI accounts' user
# names and passwords, exactly as a pipeline sets the real ones.
provider "iotauth" {}

data "iotauth_user_profile" "monogoto" {
  platform = "monogoto"
}

data "iotauth_user_profile" "bienport" {
  platform = "bienport"
}

ephemeral "iotauth_token" "coiote" {
  platform = "coiote"
}

variable "coiote_base_url" {
  description = "Where the Coiote API answers (the mock's address in CI)."
  type        = string
}

# A call with the token, as a pipeline makes it: the header reaches the
# command through its environment, never through the plan or the state.
resource "terraform_data" "coiote_check" {
  provisioner "local-exec" {
    command = "curl -fsS -o /dev/null -H \"Authorization: $AUTH\" \"$URL/api/coiotedm/v3/users/ci-ops\""
    environment = {
      AUTH = ephemeral.iotauth_token.coiote.authorization_header
      URL  = var.coiote_base_url
    }
  }
}

output "monogoto_customer_id" {
  value = data.iotauth_user_profile.monogoto.customer_id
}

output "bienport_organization_id" {
  value = data.iotauth_user_profile.bienport.organization_id
}

# A token for each platform, from the provider's credentials. Ephemeral: the
# token is never written to the plan or the state.
ephemeral "iotauth_token" "monogoto" {
  platform = "monogoto"
}

ephemeral "iotauth_token" "coiote" {
  platform = "coiote"
}

ephemeral "iotauth_token" "bienport" {
  platform = "bienport"
}

ephemeral "iotauth_token" "thingsboard" {
  platform = "thingsboard"
}

# ThingsBoard with an API key (ThingsBoard 4.3 and later) instead of a
# password: no login is sent, and the key itself is the token.
variable "thingsboard_api_key" {
  description = "A ThingsBoard API key, for example from a CI secret."
  type        = string
  sensitive   = true
  ephemeral   = true
}

ephemeral "iotauth_token" "thingsboard_ci" {
  platform = "thingsboard"
  api_key  = var.thingsboard_api_key
}

# Many accounts: per-block credentials override the provider's. for_each
# walks a plain map of user names (for_each cannot use sensitive or
# ephemeral values); the passwords come from an ephemeral variable.
variable "customer_users" {
  description = "Monogoto sub-account user names, by account name."
  type        = map(string)
  default     = {}
}

variable "customer_passwords" {
  description = "Passwords for customer_users, by the same account names."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
  default     = {}
}

ephemeral "iotauth_token" "customer" {
  for_each = var.customer_users

  platform = "monogoto"
  username = each.value
  password = var.customer_passwords[each.key]
}

# Consumer 1: another provider's configuration. The http provider-style
# "headers" map carries Authorization plus apikey (Monogoto) or
# OrganizationId (BienPort), or ThingsBoard's X-Authorization, as each
# platform needs.
#
# provider "restapi" {
#   uri     = "https://console.monogoto.io"
#   headers = ephemeral.iotauth_token.monogoto.headers
# }

# Consumer 2: a provisioner's environment. The token reaches the command
# without appearing in the configuration, the plan, the state or the log.
resource "terraform_data" "coiote_device_check" {
  provisioner "local-exec" {
    command = "curl -fsS -o /dev/null -H \"Authorization: $COIOTE_AUTH\" \"$COIOTE_URL/api/coiotedm/v3/devices\""
    environment = {
      COIOTE_AUTH = ephemeral.iotauth_token.coiote.authorization_header
      COIOTE_URL  = "https://eu.iot.avsystem.cloud"
    }
  }
}

resource "terraform_data" "bienport_check" {
  provisioner "local-exec" {
    command = "curl -fsS -o /dev/null -H \"Authorization: $AUTH\" -H \"OrganizationId: $ORG\" \"https://apigw.bienport.com/api/user/get-screen-name/$SCREEN_NAME\""
    environment = {
      AUTH        = ephemeral.iotauth_token.bienport.authorization_header
      ORG         = ephemeral.iotauth_token.bienport.organization_id
      SCREEN_NAME = "905554447788"
    }
  }
}

# ThingsBoard reads the token from X-Authorization, not Authorization.
resource "terraform_data" "thingsboard_user_check" {
  provisioner "local-exec" {
    command = "curl -fsS -o /dev/null -H \"X-Authorization: $TB_AUTH\" \"https://eu.thingsboard.cloud/api/auth/user\""
    environment = {
      TB_AUTH = ephemeral.iotauth_token.thingsboard_ci.authorization_header
    }
  }
}

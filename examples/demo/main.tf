# The configuration `make demo` applies against the built-in mock platforms
# (scripts/demo.sh starts them and sets the IOTAUTH_* variables). It logs in
# to every platform, uses each token against the platform's authorized
# endpoint from a provisioner, and outputs only non-secret facts.
terraform {
  required_version = ">= 1.10"
  required_providers {
    iotauth = {
      source = "iotauth/iotauth"
    }
  }
}

variable "monogoto_url" {
  type = string
}

variable "coiote_url" {
  type = string
}

variable "bienport_url" {
  type = string
}

variable "thingsboard_url" {
  type = string
}

variable "out_dir" {
  description = "Where each provisioner writes the HTTP status its token earned."
  type        = string
}

# User names and passwords come from IOTAUTH_<PLATFORM>_USERNAME and
# IOTAUTH_<PLATFORM>_PASSWORD.
provider "iotauth" {
  monogoto    = { base_url = var.monogoto_url }
  coiote      = { base_url = var.coiote_url }
  bienport    = { base_url = var.bienport_url }
  thingsboard = { base_url = var.thingsboard_url }
}

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

data "iotauth_user_profile" "monogoto" {
  platform = "monogoto"
}

data "iotauth_user_profile" "coiote" {
  platform = "coiote"
}

data "iotauth_user_profile" "bienport" {
  platform = "bienport"
}

data "iotauth_user_profile" "thingsboard" {
  platform = "thingsboard"
}

# Each provisioner calls the platform with the token and records only the
# HTTP status and the token's expiry: the token itself is never printed.
# curl -f fails the apply if the platform refuses the token.
resource "terraform_data" "monogoto_things" {
  triggers_replace = [timestamp()]
  provisioner "local-exec" {
    command = "curl -fsS -o /dev/null -w '%%{http_code}' -H \"Authorization: $AUTH\" -H \"apikey: $APIKEY\" \"$URL/things?limit=1&offset=0\" > \"$OUT/monogoto.status\" && printf '%s' \"$EXPIRES\" > \"$OUT/monogoto.expires\""
    environment = {
      AUTH    = ephemeral.iotauth_token.monogoto.authorization_header
      APIKEY  = ephemeral.iotauth_token.monogoto.customer_id
      EXPIRES = coalesce(ephemeral.iotauth_token.monogoto.expires_at, "unknown")
      URL     = var.monogoto_url
      OUT     = var.out_dir
    }
  }
}

resource "terraform_data" "coiote_devices" {
  triggers_replace = [timestamp()]
  provisioner "local-exec" {
    command = "curl -fsS -o /dev/null -w '%%{http_code}' -H \"Authorization: $AUTH\" \"$URL/api/coiotedm/v3/devices\" > \"$OUT/coiote.status\" && printf '%s' \"$EXPIRES\" > \"$OUT/coiote.expires\""
    environment = {
      AUTH    = ephemeral.iotauth_token.coiote.authorization_header
      EXPIRES = coalesce(ephemeral.iotauth_token.coiote.expires_at, "unknown")
      URL     = var.coiote_url
      OUT     = var.out_dir
    }
  }
}

resource "terraform_data" "bienport_screen_name" {
  triggers_replace = [timestamp()]
  provisioner "local-exec" {
    command = "curl -fsS -o /dev/null -w '%%{http_code}' -H \"Authorization: $AUTH\" -H \"OrganizationId: $ORG\" \"$URL/user/get-screen-name/$SCREEN_NAME\" > \"$OUT/bienport.status\" && printf '%s' \"$EXPIRES\" > \"$OUT/bienport.expires\""
    environment = {
      AUTH        = ephemeral.iotauth_token.bienport.authorization_header
      ORG         = ephemeral.iotauth_token.bienport.organization_id
      SCREEN_NAME = data.iotauth_user_profile.bienport.user_name
      EXPIRES     = coalesce(ephemeral.iotauth_token.bienport.expires_at, "unknown")
      URL         = var.bienport_url
      OUT         = var.out_dir
    }
  }
}

# ThingsBoard takes the token in X-Authorization, not Authorization.
resource "terraform_data" "thingsboard_user" {
  triggers_replace = [timestamp()]
  provisioner "local-exec" {
    command = "curl -fsS -o /dev/null -w '%%{http_code}' -H \"X-Authorization: $AUTH\" \"$URL/api/auth/user\" > \"$OUT/thingsboard.status\" && printf '%s' \"$EXPIRES\" > \"$OUT/thingsboard.expires\""
    environment = {
      AUTH    = ephemeral.iotauth_token.thingsboard.headers["X-Authorization"]
      EXPIRES = coalesce(ephemeral.iotauth_token.thingsboard.expires_at, "unknown")
      URL     = var.thingsboard_url
      OUT     = var.out_dir
    }
  }
}

output "monogoto" {
  value = {
    user                = data.iotauth_user_profile.monogoto.user_name
    customer_id         = data.iotauth_user_profile.monogoto.customer_id
    organization_ids    = data.iotauth_user_profile.monogoto.organization_ids
    permissions         = length(data.iotauth_user_profile.monogoto.permissions)
    two_factor_required = data.iotauth_user_profile.monogoto.monogoto.two_factor_authentication
  }
}

output "coiote" {
  value = {
    user      = data.iotauth_user_profile.coiote.user_name
    domain    = data.iotauth_user_profile.coiote.coiote.domain
    roles     = data.iotauth_user_profile.coiote.roles
    active    = data.iotauth_user_profile.coiote.coiote.active
    full_name = data.iotauth_user_profile.coiote.coiote.full_name
  }
}

output "bienport" {
  value = {
    user          = data.iotauth_user_profile.bienport.user_name
    organizations = [for o in data.iotauth_user_profile.bienport.bienport.organizations : "${o.name} (${o.id})"]
    gateways      = [for r in data.iotauth_user_profile.bienport.bienport.resources : r.resource_name if r.resource_type == "Gateway"]
  }
}

output "thingsboard" {
  value = {
    user        = data.iotauth_user_profile.thingsboard.user_name
    authority   = data.iotauth_user_profile.thingsboard.thingsboard.authority
    tenant_id   = data.iotauth_user_profile.thingsboard.organization_id
    customer_id = data.iotauth_user_profile.thingsboard.customer_id
  }
}

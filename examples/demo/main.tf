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

variable "base_urls" {
  description = "Each mock platform's base URL, by platform name."
  type        = map(string)
}

variable "out_dir" {
  description = "Where each provisioner writes the HTTP status its token earned."
  type        = string
}

# User names and passwords come from IOTAUTH_<PLATFORM>_USERNAME and
# IOTAUTH_<PLATFORM>_PASSWORD.
provider "iotauth" {
  monogoto    = { base_url = var.base_urls.monogoto }
  coiote      = { base_url = var.base_urls.coiote }
  bienport    = { base_url = var.base_urls.bienport }
  thingsboard = { base_url = var.base_urls.thingsboard }
}

ephemeral "iotauth_token" "demo" {
  for_each = var.base_urls
  platform = each.key
}

data "iotauth_user_profile" "demo" {
  for_each = var.base_urls
  platform = each.key
}

# Each provisioner calls the platform's authorized endpoint (below its base
# URL) with the token's headers: Authorization, plus apikey (Monogoto) or
# OrganizationId (BienPort); X-Authorization on ThingsBoard. It records only the HTTP status and the token's
# expiry: the token itself is never printed. curl -f fails the apply if the
# platform refuses the token.
resource "terraform_data" "authorized_call" {
  for_each = {
    monogoto    = "/things?limit=1&offset=0"
    coiote      = "/api/coiotedm/v3/devices"
    bienport    = "/user/get-screen-name/${data.iotauth_user_profile.demo["bienport"].user_name}"
    thingsboard = "/api/auth/user"
  }
  triggers_replace = [timestamp()]
  provisioner "local-exec" {
    command = "printf '%s\\n' \"$HEADERS\" | curl -fsS -o /dev/null -w '%%{http_code}' -H @- \"$URL\" > \"$OUT/${each.key}.status\" && printf '%s' \"$EXPIRES\" > \"$OUT/${each.key}.expires\""
    environment = {
      HEADERS = join("\n", [for name, value in ephemeral.iotauth_token.demo[each.key].headers : "${name}: ${value}"])
      EXPIRES = coalesce(ephemeral.iotauth_token.demo[each.key].expires_at, "unknown")
      URL     = "${var.base_urls[each.key]}${each.value}"
      OUT     = var.out_dir
    }
  }
}

output "monogoto" {
  value = {
    user                = data.iotauth_user_profile.demo["monogoto"].user_name
    customer_id         = data.iotauth_user_profile.demo["monogoto"].customer_id
    organization_ids    = data.iotauth_user_profile.demo["monogoto"].organization_ids
    permissions         = length(data.iotauth_user_profile.demo["monogoto"].permissions)
    two_factor_required = data.iotauth_user_profile.demo["monogoto"].monogoto.two_factor_authentication
  }
}

output "coiote" {
  value = {
    user      = data.iotauth_user_profile.demo["coiote"].user_name
    domain    = data.iotauth_user_profile.demo["coiote"].coiote.domain
    roles     = data.iotauth_user_profile.demo["coiote"].roles
    active    = data.iotauth_user_profile.demo["coiote"].coiote.active
    full_name = data.iotauth_user_profile.demo["coiote"].coiote.full_name
  }
}

output "bienport" {
  value = {
    user          = data.iotauth_user_profile.demo["bienport"].user_name
    organizations = [for o in data.iotauth_user_profile.demo["bienport"].bienport.organizations : "${o.name} (${o.id})"]
    gateways      = [for r in data.iotauth_user_profile.demo["bienport"].bienport.resources : r.resource_name if r.resource_type == "Gateway"]
  }
}

output "thingsboard" {
  value = {
    user        = data.iotauth_user_profile.demo["thingsboard"].user_name
    authority   = data.iotauth_user_profile.demo["thingsboard"].thingsboard.authority
    tenant_id   = data.iotauth_user_profile.demo["thingsboard"].organization_id
    customer_id = data.iotauth_user_profile.demo["thingsboard"].customer_id
  }
}

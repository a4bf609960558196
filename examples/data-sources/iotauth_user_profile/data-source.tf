# Non-secret account facts. This lands in state, so it holds no token and
# takes no password: the provider block's credentials are used.
data "iotauth_user_profile" "monogoto" {
  platform = "monogoto"
}

data "iotauth_user_profile" "bienport" {
  platform = "bienport"
}

output "monogoto_customer_id" {
  value = data.iotauth_user_profile.monogoto.customer_id
}

output "monogoto_can_edit_things" {
  value = contains(lookup(data.iotauth_user_profile.monogoto.permissions, "Things", []), "edit")
}

output "bienport_gateways" {
  value = [
    for r in data.iotauth_user_profile.bienport.bienport.resources : r.network_id
    if r.resource_type == "Gateway"
  ]
}

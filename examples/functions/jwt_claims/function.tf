# Read what the platform put into its token, for example the BienPort user ID
# (from the JSON held in the `sub` claim) and the expiry. The signature is not
# verified. The result of an ephemeral token is itself ephemeral, so use it
# where ephemeral values are allowed (here: a provisioner's environment).
ephemeral "iotauth_token" "bienport" {
  platform = "bienport"
}

locals {
  bienport_claims = provider::iotauth::jwt_claims(ephemeral.iotauth_token.bienport.token)
}

resource "terraform_data" "report" {
  provisioner "local-exec" {
    command = "echo \"BienPort user $USER_ID, token valid until epoch $EXP\""
    environment = {
      USER_ID = local.bienport_claims.sub.userid
      EXP     = local.bienport_claims.exp
    }
  }
}

# On a token that is not ephemeral (here a literal), the result can be used
# anywhere.
output "example_expiry" {
  value = provider::iotauth::jwt_claims("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE4OTM0NTYwMDB9.c2lnbmF0dXJl").exp
}

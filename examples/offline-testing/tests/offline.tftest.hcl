# `terraform test` (or `tofu test`) against iotauth-mock: the real provider,
# the mock's accounts from mock-config.json. run.sh sets the environment.

run "profiles_come_from_the_mock" {
  command = plan

  assert {
    condition     = data.iotauth_user_profile.monogoto.customer_id == "cid_ci-fleet"
    error_message = "The Monogoto profile is not the CI account's."
  }

  assert {
    condition     = data.iotauth_user_profile.bienport.organization_id == "20635"
    error_message = "The BienPort profile is not the CI account's."
  }

  assert {
    condition     = contains(keys(data.iotauth_user_profile.monogoto.permissions), "Things")
    error_message = "The Monogoto permissions were not read."
  }
}

run "apply_calls_the_platform_with_the_token" {
  command = apply

  assert {
    condition     = output.monogoto_customer_id == "cid_ci-fleet"
    error_message = "The output does not carry the customer ID."
  }
}

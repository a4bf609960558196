terraform {
  required_version = ">= 1.10"
  required_providers {
    iotauth = {
      source = "iotauth/iotauth"
    }
  }
}

variable "monogoto_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# Credentials can also come from the environment (IOTAUTH_MONOGOTO_USERNAME,
# IOTAUTH_MONOGOTO_PASSWORD, IOTAUTH_COIOTE_..., IOTAUTH_BIENPORT_...,
# IOTAUTH_THINGSBOARD_...), which keeps them out of the configuration
# altogether.
provider "iotauth" {
  monogoto = {
    # base_url defaults to https://console.monogoto.io
    username = "fleet-automation@example.com"
    password = var.monogoto_password
  }

  coiote = {
    base_url = "https://eu.iot.avsystem.cloud"
    # username and password from IOTAUTH_COIOTE_USERNAME / IOTAUTH_COIOTE_PASSWORD
  }

  bienport = {
    # username and password from IOTAUTH_BIENPORT_USERNAME / IOTAUTH_BIENPORT_PASSWORD
    remember_me = false
  }

  thingsboard = {
    # base_url defaults to https://thingsboard.cloud (North America); others are
    # https://eu.thingsboard.cloud, https://demo.thingsboard.io and self-hosted
    # installations such as http://tb.internal:8080.
    base_url = "https://eu.thingsboard.cloud"
    # username (the e-mail address) and password from IOTAUTH_THINGSBOARD_USERNAME /
    # IOTAUTH_THINGSBOARD_PASSWORD, or an API key (ThingsBoard 4.3 and later, and
    # the only way for accounts with two-factor authentication) from
    # IOTAUTH_THINGSBOARD_API_KEY.
  }

  # Monogoto's newer v1 API (api.monogoto.io, rotating refresh tokens, 5 logins
  # per minute) instead of the console API:
  #   monogoto = { api_version = "v1", username = "...", password = "..." }
  #
  # A Coiote IAM service account (SSO organisations) instead of a user:
  #   coiote = { client_id = "fleet-ci", client_secret = var.coiote_secret, realm = "coiote-cloud" }

  # Shared HTTP behaviour for every platform.
  request_timeout = "30s"
  max_retries     = 3
  retry_max_wait  = "30s"
}

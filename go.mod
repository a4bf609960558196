module github.com/iotauth/terraform-provider-iotauth

go 1.25.0

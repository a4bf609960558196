package main

import "github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"

// seedCredentials returns the mock's seeded account for a platform: the
// accounts of the vendors' own login examples.
func seedCredentials(pl string) (username, password string, ok bool) {
	switch pl {
	case "monogoto":
		return mock.SeedMonogotoDemo.UserName, mock.SeedMonogotoDemo.Password, true
	case "coiote":
		return mock.SeedCoioteOps.Login, mock.SeedCoioteOps.Password, true
	case "bienport":
		return mock.SeedBienportDemo.ScreenName, mock.SeedBienportDemo.Password, true
	}
	return "", "", false
}

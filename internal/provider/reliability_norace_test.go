//go:build !race

package provider

// raceEnabled: the tests run without -race (see reliability_race_test.go).
const raceEnabled = false

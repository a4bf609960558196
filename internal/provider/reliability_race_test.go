//go:build race

package provider

// raceEnabled: the tests run with -race, and so do the provider binaries
// they build (buildProvider).
const raceEnabled = true

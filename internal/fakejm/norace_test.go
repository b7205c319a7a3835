//go:build !race

package fakejm_test

// raceEnabled is true under the race detector.
const raceEnabled = false

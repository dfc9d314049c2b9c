//go:build !race

package webhook

// raceEnabled reports whether the tests run under the race detector.
const raceEnabled = false

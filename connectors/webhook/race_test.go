//go:build race

package webhook

// raceEnabled reports whether the tests run under the race detector, which
// slows SQLite (pure Go) down some twentyfold: sizes shrink to match.
const raceEnabled = true

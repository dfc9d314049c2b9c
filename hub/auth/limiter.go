package auth

import (
	"sync"
	"time"
)

// Limiter counts failures per key (an IP, an account) in a sliding window.
// It is per process: several hubs behind a balancer each count on their own.
// At most maxKeys keys are tracked; beyond that the stalest key is dropped,
// so a flood of new keys cannot exhaust memory.
type Limiter struct {
	mu      sync.Mutex
	max     int
	window  time.Duration
	maxKeys int
	now     func() time.Time
	fails   map[string][]time.Time
}

// NewLimiter allows max failures per key within window.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{max: max, window: window, maxKeys: 100_000, now: time.Now, fails: map[string][]time.Time{}}
}

// Blocked reports whether key has used up its failures, and how long until
// the oldest one leaves the window.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.prune(key)
	if len(recent) < l.max {
		return false, 0
	}
	return true, recent[0].Add(l.window).Sub(l.now())
}

// Fail records a failure for key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.prune(key)
	if _, tracked := l.fails[key]; !tracked && len(l.fails) >= l.maxKeys {
		l.evictStalest()
	}
	l.fails[key] = append(recent, l.now())
}

// Reset forgets key's failures (after a successful sign-in).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// prune drops key's failures older than the window and returns the rest.
func (l *Limiter) prune(key string) []time.Time {
	list := l.fails[key]
	cut := l.now().Add(-l.window)
	i := 0
	for i < len(list) && !list[i].After(cut) {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = list
	return list
}

func (l *Limiter) evictStalest() {
	var stalest string
	var at time.Time
	for k, v := range l.fails {
		if last := v[len(v)-1]; stalest == "" || last.Before(at) {
			stalest, at = k, last
		}
	}
	delete(l.fails, stalest)
}

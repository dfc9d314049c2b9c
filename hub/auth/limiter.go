package auth

import (
	"container/list"
	"sync"
	"time"
)

// DefaultMaxKeys bounds how many keys one Limiter tracks.
const DefaultMaxKeys = 100_000

// Limiter counts attempts per key (a client IP, an account) in a sliding
// window, to throttle password guessing. An attempt is recorded before the
// credentials are checked, so parallel guesses cannot overrun the limit, and
// withdrawn with Release when it succeeds: what stays are the failures.
//
// Counts live in memory and are per process: several hubs behind a load
// balancer each count on their own, so the effective limit is the per-process
// limit times the number of hubs. At most DefaultMaxKeys keys are tracked;
// beyond that the key whose newest attempt is oldest is dropped, so a flood
// of new keys (many IPs, made-up logins) cannot exhaust memory.
//
// A Limiter is safe for concurrent use.
type Limiter struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	maxKeys int
	now     func() time.Time
	keys    map[string]*list.Element // of *attempts
	order   *list.List               // oldest newest-attempt first
}

// attempts are one key's recent attempt times, oldest first.
type attempts struct {
	key   string
	times []time.Time
}

// NewLimiter allows limit attempts per key within window.
func NewLimiter(limit int, window time.Duration) *Limiter {
	return &Limiter{limit: limit, window: window, maxKeys: DefaultMaxKeys, now: time.Now,
		keys: map[string]*list.Element{}, order: list.New()}
}

// Acquire records an attempt for key and reports true, unless key already has
// its limit of attempts in the window: then it records nothing, reports false and how
// long until the oldest attempt leaves the window.
func (l *Limiter) Acquire(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.expire(now)
	e := l.keys[key]
	if e != nil {
		a := e.Value.(*attempts)
		a.times = recent(a.times, now.Add(-l.window))
		if len(a.times) >= l.limit {
			return false, a.times[0].Add(l.window).Sub(now)
		}
	}
	l.record(key, e, now)
	return true, 0
}

// Release withdraws key's newest attempt: it succeeded and is no failure.
func (l *Limiter) Release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.keys[key]
	if e == nil {
		return
	}
	a := e.Value.(*attempts)
	a.times = a.times[:len(a.times)-1]
	if len(a.times) == 0 {
		l.drop(e)
	}
}

// Reset forgets all of key's attempts (after a successful sign-in).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.keys[key]; e != nil {
		l.drop(e)
	}
}

// record appends an attempt at now to key (e may be nil for a new key) and
// moves the key to the back of the order, evicting the front when full.
func (l *Limiter) record(key string, e *list.Element, now time.Time) {
	if e == nil {
		if len(l.keys) >= l.maxKeys {
			l.drop(l.order.Front())
		}
		e = l.order.PushBack(&attempts{key: key})
		l.keys[key] = e
	}
	a := e.Value.(*attempts)
	a.times = append(a.times, now)
	l.order.MoveToBack(e)
}

// expire drops keys whose newest attempt has left the window. The order is
// by newest attempt, so it stops at the first key still in the window.
func (l *Limiter) expire(now time.Time) {
	cut := now.Add(-l.window)
	for e := l.order.Front(); e != nil; e = l.order.Front() {
		a := e.Value.(*attempts)
		if a.times[len(a.times)-1].After(cut) {
			return
		}
		l.drop(e)
	}
}

func (l *Limiter) drop(e *list.Element) {
	delete(l.keys, e.Value.(*attempts).key)
	l.order.Remove(e)
}

// recent returns the times after cut (times are in ascending order).
func recent(times []time.Time, cut time.Time) []time.Time {
	i := 0
	for i < len(times) && !times[i].After(cut) {
		i++
	}
	return times[i:]
}

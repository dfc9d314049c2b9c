package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// step is one call on a Limiter after moving its clock by advance.
type step struct {
	advance  time.Duration
	op       string // acquire, release, reset
	key      string
	wantOK   bool
	wantWait time.Duration
}

func TestLimiter(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"limit reached, then the oldest leaves the window", []step{
			{0, "acquire", "k", true, 0},
			{time.Minute, "acquire", "k", true, 0},
			{time.Minute, "acquire", "k", true, 0},
			{time.Minute, "acquire", "k", false, 7 * time.Minute},
			{7 * time.Minute, "acquire", "k", true, 0},
			{0, "acquire", "k", false, time.Minute},
		}},
		{"keys count apart", []step{
			{0, "acquire", "a", true, 0}, {0, "acquire", "a", true, 0}, {0, "acquire", "a", true, 0},
			{0, "acquire", "a", false, 10 * time.Minute},
			{0, "acquire", "b", true, 0},
		}},
		{"release withdraws a successful attempt", []step{
			{0, "acquire", "k", true, 0}, {0, "acquire", "k", true, 0},
			{0, "acquire", "k", true, 0}, {0, "release", "k", false, 0},
			{0, "acquire", "k", true, 0},
			{0, "acquire", "k", false, 10 * time.Minute},
		}},
		{"reset forgets every failure", []step{
			{0, "acquire", "k", true, 0}, {0, "acquire", "k", true, 0}, {0, "acquire", "k", true, 0},
			{0, "reset", "k", false, 0},
			{0, "acquire", "k", true, 0},
		}},
		{"release and reset of unknown keys do nothing", []step{
			{0, "release", "x", false, 0}, {0, "reset", "y", false, 0},
			{0, "acquire", "x", true, 0},
		}},
		{"a whole window later the key starts afresh", []step{
			{0, "acquire", "k", true, 0}, {0, "acquire", "k", true, 0}, {0, "acquire", "k", true, 0},
			{10 * time.Minute, "acquire", "k", true, 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, clock := testLimiter(3, 10*time.Minute)
			for i, s := range tt.steps {
				*clock = clock.Add(s.advance)
				if ok, wait := s.run(l); ok != s.wantOK || wait != s.wantWait {
					t.Fatalf("step %d (%s %s): got %v %v, want %v %v", i, s.op, s.key, ok, wait, s.wantOK, s.wantWait)
				}
			}
		})
	}
}

func (s step) run(l *Limiter) (bool, time.Duration) {
	switch s.op {
	case "acquire":
		return l.Acquire(s.key)
	case "release":
		l.Release(s.key)
	case "reset":
		l.Reset(s.key)
	}
	return false, 0
}

// testLimiter returns a limiter on a clock the test moves.
func testLimiter(limit int, window time.Duration) (*Limiter, *time.Time) {
	clock := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	l := NewLimiter(limit, window)
	l.now = func() time.Time { return clock }
	return l, &clock
}

func TestLimiterBoundsKeys(t *testing.T) {
	l, clock := testLimiter(1, time.Hour)
	l.maxKeys = 100
	for i := range 1000 {
		*clock = clock.Add(time.Second)
		l.Acquire(fmt.Sprint("key", i))
	}
	if len(l.keys) != 100 || l.order.Len() != 100 {
		t.Fatalf("tracking %d keys, %d in order", len(l.keys), l.order.Len())
	}
	if ok, _ := l.Acquire("key999"); ok {
		t.Fatal("the newest key was evicted")
	}
	if ok, _ := l.Acquire("key0"); !ok {
		t.Fatal("the oldest key was kept")
	}
}

func TestLimiterExpiresIdleKeys(t *testing.T) {
	l, clock := testLimiter(5, time.Minute)
	for i := range 50 {
		l.Acquire(fmt.Sprint("key", i))
	}
	*clock = clock.Add(2 * time.Minute)
	l.Acquire("fresh")
	if len(l.keys) != 1 {
		t.Fatalf("idle keys kept: %d", len(l.keys))
	}
}

// TestLimiterConcurrent checks that parallel attempts cannot overrun the limit.
func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter(5, time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for range 200 {
		wg.Go(func() {
			if ok, _ := l.Acquire("k"); ok {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if granted != 5 {
		t.Fatalf("granted %d attempts, want 5", granted)
	}
}

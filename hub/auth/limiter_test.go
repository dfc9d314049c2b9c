package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiterSlidingWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(3, 10*time.Minute)
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if blocked, _ := l.Blocked("ip"); blocked {
			t.Fatalf("blocked after %d failures", i)
		}
		l.Fail("ip")
		now = now.Add(time.Minute)
	}
	blocked, wait := l.Blocked("ip")
	if !blocked || wait != 7*time.Minute {
		t.Fatalf("blocked %v wait %v", blocked, wait)
	}
	now = now.Add(7 * time.Minute)
	if blocked, _ := l.Blocked("ip"); blocked {
		t.Fatal("still blocked after the first failure left the window")
	}
	l.Fail("ip")
	l.Reset("ip")
	if blocked, _ := l.Blocked("ip"); blocked {
		t.Fatal("reset did not clear")
	}
}

func TestLimiterBoundsKeys(t *testing.T) {
	l := NewLimiter(1, time.Hour)
	l.maxKeys = 100
	for i := 0; i < 1000; i++ {
		l.Fail(fmt.Sprint("key", i))
	}
	if len(l.fails) > 100 {
		t.Fatalf("tracking %d keys", len(l.fails))
	}
	if blocked, _ := l.Blocked("key999"); !blocked {
		t.Fatal("the newest key was evicted")
	}
}

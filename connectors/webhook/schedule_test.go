package webhook

import (
	"testing"
	"time"

	"rapport/model"
)

func TestBackoffSchedule(t *testing.T) {
	mid := func() float64 { return 0.5 } // no jitter
	want := []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
		5 * time.Hour, 10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour}
	for i, w := range want {
		d, ok := Backoff(i+1, mid)
		if !ok || d != w {
			t.Errorf("Backoff(%d) = %v %v, want %v", i+1, d, ok, w)
		}
	}
	if _, ok := Backoff(len(want)+1, mid); ok {
		t.Error("attempt after the last is still scheduled")
	}
	if d, ok := Backoff(0, mid); !ok || d != 0 {
		t.Errorf("Backoff(0) = %v %v", d, ok)
	}
	total := Default.Total()
	if total < 3*24*time.Hour || total > 80*time.Hour {
		t.Errorf("total %v, want about 3 days", total)
	}
	t.Logf("default schedule %s, total %v", Default, total)
}

func TestBackoffJitterBounds(t *testing.T) {
	for attempt := 2; attempt <= len(Default); attempt++ {
		base := Default[attempt-1]
		lo, _ := Backoff(attempt, func() float64 { return 0 })
		hi, _ := Backoff(attempt, func() float64 { return 0.999999999 })
		if lo != time.Duration(float64(base)*0.8) || hi > time.Duration(float64(base)*1.2) || hi < time.Duration(float64(base)*1.19) {
			t.Errorf("attempt %d: [%v, %v] for %v", attempt, lo, hi, base)
		}
		// Out-of-range jitter is clamped.
		if d, _ := Backoff(attempt, func() float64 { return 7 }); d > time.Duration(float64(base)*1.2) {
			t.Errorf("attempt %d: clamped jitter gives %v", attempt, d)
		}
		for range 200 {
			d, _ := Backoff(attempt, nil)
			if d < lo || d > time.Duration(float64(base)*1.2) {
				t.Fatalf("attempt %d: random jitter %v outside ±20%% of %v", attempt, d, base)
			}
		}
	}
	if d, _ := Backoff(1, nil); d != 0 {
		t.Errorf("first attempt delayed by %v", d)
	}
}

func TestParseSchedule(t *testing.T) {
	s, err := ParseSchedule("0, 10ms,50ms ,1s")
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 4 || s[1] != 10*time.Millisecond || s[3] != time.Second {
		t.Errorf("got %v", s)
	}
	if _, ok := s.Backoff(5, nil); ok {
		t.Error("short schedule: fifth attempt scheduled")
	}
	if s, err := ParseSchedule(""); err != nil || len(s) != len(Default) {
		t.Errorf("empty: %v %v", s, err)
	}
	if s, err := ParseSchedule(Default.String()); err != nil || s.String() != Default.String() {
		t.Errorf("round trip: %v %v", s, err)
	}
	for _, v := range []string{"1s,,2s", "-1s", "5", "1y", "200h"} {
		if _, err := ParseSchedule(v); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("ParseSchedule(%q) = %v", v, err)
		}
	}
}

package webhook

import (
	"math/rand/v2"
	"strings"
	"time"

	"rapport/model"
)

// Schedule lists the delay before each attempt, measured from the previous
// attempt's failure; element 0 is the delay before the first attempt. Its
// length is the number of attempts.
type Schedule []time.Duration

// Default is the Standard Webhooks / Svix-like schedule: immediately, then
// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h after each failure,
// ten attempts over about 3 days 3 hours (before jitter).
var Default = Schedule{
	0,
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	14 * time.Hour,
	20 * time.Hour,
	24 * time.Hour,
}

// Jitter is the relative spread Backoff applies: a delay d becomes a value in
// [d·(1−Jitter), d·(1+Jitter)], so that endpoints failing together do not
// retry together.
const Jitter = 0.2

// Backoff returns Default's delay before attempt number attempt (counting
// from 1: attempt 1 is the first delivery, made at once), with ±20% jitter;
// after attempt n failed, call Backoff(n+1). ok is false when attempt is past
// the last one: the message has failed for good. jitter returns a value in
// [0, 1); nil means math/rand/v2.Float64.
func Backoff(attempt int, jitter func() float64) (delay time.Duration, ok bool) {
	return Default.Backoff(attempt, jitter)
}

// Backoff is like the package-level Backoff for schedule s.
func (s Schedule) Backoff(attempt int, jitter func() float64) (delay time.Duration, ok bool) {
	if attempt < 1 {
		attempt = 1
	}
	if attempt > len(s) {
		return 0, false
	}
	d := s[attempt-1]
	if d <= 0 {
		return 0, true
	}
	if jitter == nil {
		jitter = rand.Float64
	}
	j := min(max(jitter(), 0), 1)
	return time.Duration(float64(d) * (1 - Jitter + 2*Jitter*j)), true
}

// Total returns the sum of s's delays without jitter: how long after the
// first attempt the last one is made.
func (s Schedule) Total() time.Duration {
	var t time.Duration
	for _, d := range s {
		t += d
	}
	return t
}

// String renders s in the form ParseSchedule reads, e.g. "0s,5s,5m0s".
func (s Schedule) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}

// ParseSchedule reads a comma-separated list of Go durations ("0,100ms,1s"),
// so that tests and operators can configure a schedule; "" gives Default.
// Delays must be between 0 and 7 days and there must be 1 to 100 of them.
// Errors are *model.Error with EINVALID.
func ParseSchedule(v string) (Schedule, error) {
	if strings.TrimSpace(v) == "" {
		return Default, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) > 100 {
		return nil, model.Errorf(model.EINVALID, "webhook retry schedule: at most 100 attempts")
	}
	s := make(Schedule, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "0" {
			s = append(s, 0)
			continue
		}
		d, err := time.ParseDuration(p)
		if err != nil || d < 0 || d > 7*24*time.Hour {
			return nil, model.Errorf(model.EINVALID, "webhook retry schedule: %q is not a duration between 0 and 168h", p)
		}
		s = append(s, d)
	}
	return s, nil
}

package model

import (
	"testing"
	"time"
)

func TestNumberFormatRender(t *testing.T) {
	at := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		f    NumberFormat
		n    int64
		site string
		want string
	}{
		{NumberFormat{Pattern: "R-{n:06}"}, 123, "", "R-000123"},
		{NumberFormat{Pattern: "Q-{yyyy}-{n:04}", YearlyReset: true}, 7, "", "Q-2026-0007"},
		{NumberFormat{Pattern: "{site}INV-{yy}/{n}"}, 1234567, "VL-", "VL-INV-26/1234567"},
	}
	for _, c := range cases {
		if err := c.f.check(); err != nil {
			t.Fatal(err)
		}
		if got := c.f.Render(c.n, at, c.site); got != c.want {
			t.Errorf("%s: got %q want %q", c.f.Pattern, got, c.want)
		}
	}
	for _, bad := range []string{"R-{x}", "no counter", "{n:0}"} {
		if err := (NumberFormat{Pattern: bad}).check(); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

package model

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// NumberFormat describes a kind of human-readable number: "R-{n:06}",
// "Q-{yyyy}-{n:04}", "{site}INV-{yyyy}-{n:05}". Placeholders: {n} or {n:0W}
// (zero-padded to W digits), {yyyy}, {yy}, {site}.
type NumberFormat struct {
	Pattern     string
	YearlyReset bool // restart at 1 each year in the installation's time zone
	Gapless     bool // allocated in the issuing transaction (invoices): no holes
}

// NumberKinds registers every numbered kind; later issues add theirs.
var NumberKinds = map[string]NumberFormat{}

// RegisterNumberKind adds a kind after checking its pattern.
func RegisterNumberKind(kind string, f NumberFormat) error {
	if err := f.check(); err != nil {
		return fmt.Errorf("model: number kind %s: %w", kind, err)
	}
	NumberKinds[kind] = f
	return nil
}

var numberPlaceholder = regexp.MustCompile(`\{(n(?::0(\d{1,2}))?|yyyy|yy|site)\}`)

func (f NumberFormat) check() error {
	if !strings.Contains(f.Pattern, "{n") || len(numberPlaceholder.FindAllString(f.Pattern, -1)) == 0 {
		return fmt.Errorf("pattern %q needs {n}", f.Pattern)
	}
	rest := numberPlaceholder.ReplaceAllString(f.Pattern, "")
	if strings.ContainsAny(rest, "{}") {
		return fmt.Errorf("pattern %q has an unknown placeholder", f.Pattern)
	}
	return nil
}

// Period returns the counter period of t: the year for yearly reset, else "".
func (f NumberFormat) Period(t time.Time) string {
	if f.YearlyReset {
		return strconv.Itoa(t.Year())
	}
	return ""
}

// Render formats counter value n issued at t (already in the installation's zone).
func (f NumberFormat) Render(n int64, t time.Time, site string) string {
	return numberPlaceholder.ReplaceAllStringFunc(f.Pattern, func(m string) string {
		sub := numberPlaceholder.FindStringSubmatch(m)
		switch {
		case sub[1] == "yyyy":
			return fmt.Sprintf("%04d", t.Year())
		case sub[1] == "yy":
			return fmt.Sprintf("%02d", t.Year()%100)
		case sub[1] == "site":
			return site
		case sub[2] != "":
			w, _ := strconv.Atoi(sub[2])
			return fmt.Sprintf("%0*d", w, n)
		}
		return strconv.FormatInt(n, 10)
	})
}

package console

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"rapport/model"
	"rapport/templates/locale"
)

// languages are the UI languages the catalogue has, by code.
var languages = map[string]language.Tag{"en": language.English, "ru": language.Russian}

// uiMatcher picks a UI language for a browser's Accept-Language.
var uiMatcher = language.NewMatcher([]language.Tag{language.English, language.Russian})

// view is one request's language, formatting locale and time zone: the
// catalogue and the formatters templates call ({{.T "key"}}, {{.Date x}}).
type view struct {
	Lang string // UI language: "en" or "ru"
	tag  language.Tag
	loc  *locale.Locale
	tz   *time.Location
	now  time.Time
}

// viewFor decides the language and zone of a request: the user's own
// choice, else the browser's Accept-Language, else the installation's.
// Dates and numbers follow the most precise locale of the UI language the
// user or the browser names ("en-GB" writes 26/11/2026 in English).
func (c *Console) viewFor(r *http.Request, u *model.User) *view {
	lang, formats := "", []string(nil)
	if u != nil && u.Language != "" {
		if base := baseOf(u.Language); texts[base] != nil {
			lang, formats = base, []string{u.Language}
		}
	}
	accepted, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if lang == "" && len(accepted) > 0 {
		if _, idx, conf := uiMatcher.Match(accepted...); conf > language.No {
			lang = []string{"en", "ru"}[idx]
		}
	}
	if lang == "" {
		lang = c.cfg.Language
	}
	if len(formats) == 0 {
		for _, t := range accepted {
			if baseOf(t.String()) == lang {
				formats = append(formats, t.String())
			}
		}
	}
	tz := c.cfg.Location
	if u != nil && u.TimeZone != "" {
		if l, err := time.LoadLocation(u.TimeZone); err == nil {
			tz = l
		}
	}
	return &view{Lang: lang, tag: languages[lang], loc: locale.Choose(append(formats, lang)...), tz: tz, now: time.Now().In(tz)}
}

// baseOf returns the language subtag of a tag: "en-GB" → "en".
func baseOf(tag string) string {
	b, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	return strings.ToLower(b)
}

// T returns the catalogue text of key in the view's language, with args
// filled in as fmt does. A key the catalogue lacks shows as itself (and the
// catalogue test fails).
func (v *view) T(key string, args ...any) string {
	s, ok := texts[v.Lang][key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// N returns the plural text of key for n ("%d contacts", "%d контакта"),
// the form chosen by CLDR's rules for the language.
func (v *view) N(key string, n int) string {
	forms, ok := plurals[v.Lang][key]
	if !ok {
		return key
	}
	abs := n
	if abs < 0 {
		abs = -abs
	}
	s, ok := forms[plural.Cardinal.MatchPlural(v.tag, abs, 0, 0, 0, 0)]
	if !ok {
		s = forms[plural.Other]
	}
	return fmt.Sprintf(s, v.Int(n))
}

// E translates the value of an enumeration ("status", "open") shown to
// people: an activity kind, a status, a priority.
func (v *view) E(group, value string) string {
	if s, ok := texts[v.Lang][group+"."+value]; ok {
		return s
	}
	return value
}

// moment converts the supported time values to a time in the view's zone;
// dates (model.Date) are days without a zone and stay as they are.
func (v *view) moment(x any) (t time.Time, isDate, ok bool) {
	switch t := x.(type) {
	case time.Time:
		return t.In(v.tz), false, !t.IsZero()
	case *time.Time:
		if t == nil {
			return time.Time{}, false, false
		}
		return t.In(v.tz), false, !t.IsZero()
	case model.Date:
		return t.Time, true, !t.IsZero()
	case *model.Date:
		if t == nil {
			return time.Time{}, false, false
		}
		return t.Time, true, !t.IsZero()
	}
	return time.Time{}, false, false
}

// Date formats a time (in the user's zone) or a date in the locale's
// medium style: "Nov 26, 2026", "26 нояб. 2026 г.". Empty for none.
func (v *view) Date(x any) string {
	t, _, ok := v.moment(x)
	if !ok {
		return ""
	}
	return v.loc.Date(t, locale.StyleMedium)
}

// LongDate formats a day in the locale's full style with its weekday.
func (v *view) LongDate(x any) string {
	t, _, ok := v.moment(x)
	if !ok {
		return ""
	}
	return v.loc.Date(t, locale.StyleFull)
}

// Time formats the time of day in the user's zone: "3:04 PM", "15:04".
func (v *view) Time(x any) string {
	t, isDate, ok := v.moment(x)
	if !ok || isDate {
		return ""
	}
	return v.loc.Date(t, locale.StyleTime)
}

// DateTime formats a moment as its date and time of day in the user's zone.
func (v *view) DateTime(x any) string {
	t, isDate, ok := v.moment(x)
	switch {
	case !ok:
		return ""
	case isDate:
		return v.Date(x)
	}
	return v.loc.Date(t, locale.StyleMedium) + ", " + v.loc.Date(t, locale.StyleTime)
}

// ISO writes a moment for the datetime attribute of <time> (RFC 3339, or
// YYYY-MM-DD for a date).
func (v *view) ISO(x any) string {
	t, isDate, ok := v.moment(x)
	switch {
	case !ok:
		return ""
	case isDate:
		return t.Format(model.DateLayout)
	}
	return t.Format(time.RFC3339)
}

// Day names a day relative to today where people do ("Today",
// "Yesterday", "Tomorrow"), else its full date.
func (v *view) Day(x any) string {
	t, _, ok := v.moment(x)
	if !ok {
		return ""
	}
	days := int(dayOf(t).Sub(dayOf(v.now)).Hours() / 24)
	switch days {
	case 0:
		return v.T("day.today")
	case -1:
		return v.T("day.yesterday")
	case 1:
		return v.T("day.tomorrow")
	}
	return v.loc.Date(t, locale.StyleFull)
}

// dayOf is the midnight (UTC-based) of t's calendar day, for day arithmetic
// that ignores zone offsets and daylight saving.
func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Int formats a whole number with the locale's grouping: "12,345", "12 345".
func (v *view) Int(n any) string {
	var d decimal.Decimal
	switch n := n.(type) {
	case int:
		d = decimal.NewFromInt(int64(n))
	case int64:
		d = decimal.NewFromInt(n)
	default:
		return fmt.Sprint(n)
	}
	return v.loc.Number(d, 0)
}

// Money formats an amount in its currency by the locale: "€1,234.50",
// "1 234,50 €". An unknown currency code shows the number and the code.
func (v *view) Money(d model.Decimal, code string) string {
	s, err := v.loc.Money(d.Decimal, code, -1)
	if err != nil {
		return v.loc.Number(d.Decimal, 2) + " " + code
	}
	return s
}

// Percent formats a percentage given in percent units: "25%", "25 %".
func (v *view) Percent(n int) string { return v.loc.Percent(decimal.NewFromInt(int64(n)), 0) }

// Zone names the view's time zone ("Europe/Moscow").
func (v *view) Zone() string { return v.tz.String() }

// Today is the user's current day, as a date.
func (v *view) Today() model.Date { return model.Date{Time: dayOf(v.now)} }

// Overdue reports whether a date is before the user's today.
func (v *view) Overdue(x any) bool {
	t, _, ok := v.moment(x)
	return ok && dayOf(t).Before(dayOf(v.now))
}

// Past reports whether a moment has passed.
func (v *view) Past(x any) bool {
	t, isDate, ok := v.moment(x)
	if isDate {
		return ok && dayOf(t).Before(dayOf(v.now))
	}
	return ok && t.Before(v.now)
}

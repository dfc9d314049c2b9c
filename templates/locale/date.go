package locale

import (
	"time"

	"github.com/goodsign/monday"
)

// Date styles: named layouts that each locale defines for itself (from the
// date-name library). Any other layout string is a Go reference layout such
// as "2 January 2006" or "02.01.2006", whose month and day names are
// translated.
const (
	StyleShort    = "short"    // 26.11.26, 11/26/26
	StyleMedium   = "medium"   // 26.11.2026, Nov 26, 2026
	StyleLong     = "long"     // 26. November 2026, 26 ноября 2026 г.
	StyleFull     = "full"     // Donnerstag, 26. November 2026
	StyleDateTime = "datetime" // 26.11.26 15:04
	StyleTime     = "time"     // 15:04, 3:04 PM
)

// styles maps a style name to the library's layouts per locale.
var styles = map[string]map[monday.Locale]string{
	StyleShort:    monday.ShortFormatsByLocale,
	StyleMedium:   monday.MediumFormatsByLocale,
	StyleLong:     monday.LongFormatsByLocale,
	StyleFull:     monday.FullFormatsByLocale,
	StyleDateTime: monday.DateTimeFormatsByLocale,
	StyleTime:     monday.TimeFormatsByLocale,
}

// IsStyle reports whether layout names a date style rather than a Go layout.
func IsStyle(layout string) bool {
	_, ok := styles[layout]
	return ok
}

// Layout returns the Go layout of a date style in this locale, "" for an
// unknown style. The empty style is StyleLong.
func (l *Locale) Layout(style string) string {
	if style == "" {
		style = StyleLong
	}
	byLocale, ok := styles[style]
	if !ok {
		return ""
	}
	if s, ok := byLocale[l.dates]; ok {
		return s
	}
	return byLocale[monday.LocaleEnUS]
}

// Date formats t with a style name or a Go layout, with the locale's month
// and day names (genitive months where the language uses them after a day
// number: "26 ноября 2026 г."). The empty layout is StyleLong. t is shown in
// its own location: convert it first.
func (l *Locale) Date(t time.Time, layout string) string {
	if s := l.Layout(layout); s != "" {
		layout = s
	}
	return monday.Format(t, layout, l.dates)
}

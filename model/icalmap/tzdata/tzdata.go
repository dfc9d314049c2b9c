// Package tzdata maps Windows time-zone names, as Outlook and Exchange write
// them into iCalendar TZIDs, to IANA names. The table is generated from
// CLDR's windowsZones.xml (see gen.go); it imports nothing of Rapport.
package tzdata

//go:generate go run gen.go

import (
	"strings"
)

var (
	foldedWindows = fold(windowsZones)
	foldedDisplay = foldDisplay(displayNames)
)

func fold(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// foldDisplay keys display names by their lower-cased text after the
// "(UTC+01:00) " prefix, which older Windows versions wrote as "(GMT+01:00)".
func foldDisplay(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[displayKey(k)] = v
	}
	return out
}

func displayKey(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "(") {
		if i := strings.IndexByte(s, ')'); i > 0 {
			s = s[i+1:]
		}
	}
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// WindowsToIANA returns the IANA zone of a Windows zone name such as
// "W. Europe Standard Time", case-insensitively.
func WindowsToIANA(name string) (string, bool) {
	iana, ok := foldedWindows[strings.ToLower(strings.TrimSpace(name))]
	return iana, ok
}

// DisplayToIANA returns the IANA zone of a Windows display name such as
// "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna".
func DisplayToIANA(display string) (string, bool) {
	if w, ok := foldedDisplay[displayKey(display)]; ok {
		return WindowsToIANA(w)
	}
	return "", false
}

package dav

import (
	"testing"
)

// FuzzParseXML: request bodies never panic the parser, and every failure is
// a client error.
func FuzzParseXML(f *testing.F) {
	for _, seed := range []string{
		`<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>`,
		`<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`,
		`<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x:a xmlns:x="u">v<b/></x:a></D:prop></D:set></D:propertyupdate>`,
		`<a><b></a>`, `<?xml version="1.0"?>`, "\x00<a/>",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		root, err := parseXML(body)
		if err != nil {
			if _, ok := statusOf[errCode(err)]; !ok {
				t.Fatalf("non-client error %v", err)
			}
			return
		}
		req, err := parsePropRequest(root)
		if err == nil {
			_ = req
		}
		if _, err := parseCalFilter(root); err == nil {
			_ = parseChanges(root)
		}
		_, _ = parseCardFilter(root)
	})
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            "plain",
		"a<b>&\"c\"":       "a&lt;b&gt;&amp;&#34;c&#34;",
		"BEGIN:X\r\nEND:X": "BEGIN:X&#13;\nEND:X",
		"bell\x07\xff":     "bell\uFFFD\uFFFD",
		"Звонок 🎌\tok":     "Звонок 🎌\tok",
	} {
		if got := escape(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
	}
}

package icalmap

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"rapport/model"
)

func mustLoc(t testing.TB, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func day(s string) *model.Date {
	d, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &d
}

func readFile(t testing.TB, name string) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func encode(t testing.TB, cal *ical.Calendar) []byte {
	var b bytes.Buffer
	if err := Encode(&b, cal); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// roundTrip renders a decoded object and decodes it again.
func roundTrip(t testing.TB, obj *Object, opt DecodeOptions) (*Object, []byte) {
	out := encode(t, ObjectCalendar(&obj.Activity, nil))
	again, err := Decode(out, opt)
	if err != nil {
		t.Fatalf("re-decode: %v\n%s", err, out)
	}
	return again, out
}

func TestDecodeClients(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	tests := []struct {
		file   string
		opt    DecodeOptions
		comp   string
		check  func(t *testing.T, a *model.Activity)
		extra  []string // substrings Extra keeps
		output []string // substrings of the re-rendered object
	}{
		{file: "thunderbird.ics", comp: "VEVENT", check: func(t *testing.T, a *model.Activity) {
			want(t, "subject", a.Subject, "Team-Jour fixe")
			want(t, "description", a.Description, "Wöchentlicher Abgleich, bitte pünktlich.\nAgenda im Wiki.")
			want(t, "start", a.StartAt, at("2025-03-10T08:00:00Z"))
			want(t, "end", a.EndAt, at("2025-03-10T08:30:00Z"))
			want(t, "zone", a.TimeZone, "Europe/Berlin")
			want(t, "rrule", a.RecurrenceRule, "FREQ=WEEKLY;BYDAY=MO")
			want(t, "remind", a.RemindAt, at("2025-03-10T07:45:00Z"))
			want(t, "location", a.Location, "Besprechungsraum 2")
			want(t, "tags", a.Tags, []string{"Business"})
		}, extra: []string{"RECURRENCE-ID;TZID=Europe/Berlin:20250324T090000", "EXDATE;TZID=Europe/Berlin:20250414T090000", "X-MOZ-GENERATION:3", "TRIGGER;VALUE=DURATION:-PT15M", "X-LIC-LOCATION"},
			output: []string{"DTSTART;TZID=Europe/Berlin:20250310T090000", "TRIGGER;VALUE=DURATION:-PT15M", "SUMMARY:Team-Jour fixe (verschoben)", "SEQUENCE:1"}},
		{file: "apple.ics", comp: "VEVENT", check: func(t *testing.T, a *model.Activity) {
			want(t, "all day", a.AllDay, true)
			want(t, "start date", a.StartDate, day("2025-04-21"))
			want(t, "end date", a.EndDate, day("2025-04-22"))
			want(t, "start", a.StartAt, (*time.Time)(nil))
			want(t, "remind", a.RemindAt, at("2025-04-20T09:00:00Z"))
			want(t, "location", a.Location, "Messegelände\nMessegelände, 30521 Hannover, Germany")
		}, extra: []string{"X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC", "X-APPLE-STRUCTURED-LOCATION", "CALSCALE:GREGORIAN", "X-WR-ALARMUID", "URL;VALUE=URI:https://www.hannovermesse.de"},
			output: []string{"DTSTART;VALUE=DATE:20250421", "DTEND;VALUE=DATE:20250423", "X-APPLE-DEFAULT-ALARM:TRUE"}},
		{file: "outlook.ics", comp: "VEVENT", check: func(t *testing.T, a *model.Activity) {
			want(t, "subject", a.Subject, "Angebotsbesprechung Müller GmbH")
			want(t, "start", a.StartAt, at("2025-05-20T08:30:00Z"))
			want(t, "end", a.EndAt, at("2025-05-20T09:30:00Z"))
			want(t, "zone", a.TimeZone, "Europe/Berlin")
			want(t, "class", a.Class, "private")
			want(t, "priority", a.Priority, "normal")
			want(t, "organizer", a.OrganizerEmail+"|"+a.OrganizerName, "anna.schmidt@example.com|Anna Schmidt")
			want(t, "attendees", a.Attendees, []model.Attendee{
				{Email: "jonas.weber@example.org", Name: "Jonas Weber", Role: "req-participant", Status: "accepted"},
				{Email: "lea@example.net", Name: "Lea Fischer", Role: "opt-participant", Status: "tentative"}})
			want(t, "remind", a.RemindAt, at("2025-05-20T08:00:00Z"))
		}, extra: []string{"TZID:W. Europe Standard Time", "X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "SUMMARY;LANGUAGE=de-de", "RSVP=TRUE", "PRIORITY:5"},
			output: []string{`DTSTART;TZID=W. Europe Standard Time:20250520T103000`, "PRIORITY:5", "CLASS:PRIVATE", "RSVP=TRUE"}},
		{file: "evolution.ics", comp: "VEVENT", check: func(t *testing.T, a *model.Activity) {
			want(t, "start", a.StartAt, at("2025-06-10T18:00:00Z"))
			want(t, "end", a.EndAt, at("2025-06-10T19:00:00Z"))
			want(t, "zone", a.TimeZone, "America/New_York")
		}, extra: []string{"/softwarestudio.org/Olson_20011030_5/America/New_York", "X-EVOLUTION-CALDAV-HREF"}},
		{file: "google.ics", comp: "VEVENT", check: func(t *testing.T, a *model.Activity) {
			want(t, "start", a.StartAt, at("2025-07-03T13:00:00Z"))
			want(t, "status", a.Status, "confirmed")
			want(t, "location", a.Location, "")
			want(t, "organizer", a.OrganizerEmail, "kunde@example.com")
			want(t, "attendees", len(a.Attendees), 2)
			want(t, "mia", a.Attendees[1], model.Attendee{Email: "mia@example.com", Name: "Mia Müller", Role: "req-participant", Status: "needs-action"})
			want(t, "remind", a.RemindAt, at("2025-07-03T12:50:00Z"))
		}, extra: []string{"X-GOOGLE-CONFERENCE", "ACTION:EMAIL", "STATUS:CONFIRMED", "X-NUM-GUESTS=0"},
			output: []string{"STATUS:CONFIRMED", "TRIGGER:-P0DT0H10M0S", "CUTYPE=INDIVIDUAL"}},
		{file: "tasks.ics", comp: "VTODO", check: func(t *testing.T, a *model.Activity) {
			want(t, "kind", a.Kind, model.KindTask)
			want(t, "status", a.Status, "completed")
			want(t, "priority", a.Priority, "high")
			want(t, "percent", a.PercentComplete, 100)
			want(t, "completed", a.CompletedAt, at("2025-07-15T10:10:00Z"))
			want(t, "due", a.DueAt, at("2025-07-16T10:00:00Z"))
			want(t, "start", a.StartAt, at("2025-07-14T07:00:00Z"))
			want(t, "zone", a.TimeZone, "Europe/Berlin")
			want(t, "tags", a.Tags, []string{"Vertrieb", "Kunde A"})
			want(t, "remind", a.RemindAt, (*time.Time)(nil)) // relative to DUE: kept in Extra
		}, extra: []string{"PRIORITY:2", "RELATED-TO;RELTYPE=PARENT", "TRIGGER;RELATED=END", "X-APPLE-SORT-ORDER"},
			output: []string{"PRIORITY:2", "PERCENT-COMPLETE:100", "STATUS:COMPLETED", "DUE;TZID=Europe/Berlin:20250716T120000", "BEGIN:VTIMEZONE"}},
		{file: "customtz.ics", comp: "VEVENT", check: func(t *testing.T, a *model.Activity) {
			want(t, "start", a.StartAt, at("2025-01-14T22:00:00Z")) // +11:00 in January
			want(t, "end", a.EndAt, at("2025-01-14T23:00:00Z"))
			want(t, "zone", a.TimeZone, "")
		}, extra: []string{"TZID:Customized Time Zone", "DTSTART;TZID=Customized Time Zone:20250115T090000"},
			output: []string{`DTSTART;TZID=Customized Time Zone:20250115T090000`, "TZID:Customized Time Zone"}},
		{file: "floating.ics", comp: "VEVENT", opt: DecodeOptions{DefaultZone: berlin}, check: func(t *testing.T, a *model.Activity) {
			want(t, "start", a.StartAt, at("2025-03-10T09:00:00Z"))
			want(t, "end", a.EndAt, at("2025-03-10T10:30:00Z"))
			want(t, "zone", a.TimeZone, "Europe/Berlin")
			want(t, "priority", a.Priority, "low")
		}, output: []string{"DTSTART:20250310T100000", "DURATION:PT1H30M", "PRIORITY:7"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			obj, err := Decode(readFile(t, tt.file), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if obj.Component != tt.comp {
				t.Fatalf("component %s", obj.Component)
			}
			tt.check(t, &obj.Activity)
			for _, s := range tt.extra {
				if !strings.Contains(obj.Activity.DAV.Extra, s) {
					t.Errorf("Extra lacks %q:\n%s", s, obj.Activity.DAV.Extra)
				}
			}
			again, out := roundTrip(t, obj, tt.opt)
			unfolded := strings.ReplaceAll(string(out), "\r\n ", "")
			for _, s := range tt.output {
				if !strings.Contains(unfolded, s) {
					t.Errorf("output lacks %q:\n%s", s, unfolded)
				}
			}
			if !reflect.DeepEqual(again.Activity, obj.Activity) {
				t.Errorf("round trip changed the activity:\n%+v\n%+v", obj.Activity, again.Activity)
			}
			if again.Activity.DAV.Extra != obj.Activity.DAV.Extra {
				t.Errorf("round trip changed Extra:\n%s\n---\n%s", obj.Activity.DAV.Extra, again.Activity.DAV.Extra)
			}
		})
	}
}

func want(t *testing.T, what string, got, exp any) {
	t.Helper()
	if !reflect.DeepEqual(got, exp) {
		if g, ok := got.(*time.Time); ok && g != nil {
			if e, ok := exp.(*time.Time); ok && e != nil && g.Equal(*e) {
				return
			}
			got = g.String()
		}
		if e, ok := exp.(*time.Time); ok && e != nil {
			exp = e.String()
		}
		t.Errorf("%s = %#v, want %#v", what, got, exp)
	}
}

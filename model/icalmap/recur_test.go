package icalmap

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"rapport/model"
)

func decodeFile(t testing.TB, name string) *Object {
	obj, err := Decode(readFile(t, name), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

func calendarOf(t testing.TB, a *model.Activity) *ical.Calendar {
	cal, err := parse(encode(t, ObjectCalendar(a, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func TestOverlaps(t *testing.T) {
	tb := calendarOf(t, &decodeFile(t, "thunderbird.ics").Activity)
	apple := calendarOf(t, &decodeFile(t, "apple.ics").Activity)
	task := calendarOf(t, &decodeFile(t, "tasks.ics").Activity)
	tests := []struct {
		name       string
		cal        *ical.Calendar
		start, end string
		want       bool
	}{
		{"before the series", tb, "2025-03-01T00:00:00Z", "2025-03-10T08:00:00Z", false},
		{"first instance, end edge is exclusive", tb, "2025-03-10T08:30:00Z", "2025-03-10T09:00:00Z", false},
		{"first instance", tb, "2025-03-10T08:29:59Z", "2025-03-10T09:00:00Z", true},
		{"open end", tb, "2030-01-01T00:00:00Z", "", true},
		{"winter instance at 09:00 CET", tb, "2025-03-17T08:00:00Z", "2025-03-17T08:01:00Z", true},
		{"summer instance stays at 09:00 CEST (07:00Z)", tb, "2025-04-07T07:00:00Z", "2025-04-07T07:01:00Z", true},
		{"summer instance is not at 08:00Z", tb, "2025-04-07T08:00:00Z", "2025-04-07T08:30:00Z", false},
		{"excluded date", tb, "2025-04-14T00:00:00Z", "2025-04-15T00:00:00Z", false},
		{"overridden instance moved away", tb, "2025-03-24T08:00:00Z", "2025-03-24T09:00:00Z", false},
		{"override's new time", tb, "2025-03-25T13:00:00Z", "2025-03-25T13:10:00Z", true},
		{"winter again after DST ends", tb, "2025-11-03T08:00:00Z", "2025-11-03T08:01:00Z", true},
		{"all-day: first day", apple, "2025-04-21T00:00:00Z", "2025-04-21T00:00:01Z", true},
		{"all-day: second day", apple, "2025-04-22T23:59:59Z", "2025-04-23T00:00:00Z", true},
		{"all-day: exclusive DTEND", apple, "2025-04-23T00:00:00Z", "2025-04-24T00:00:00Z", false},
		{"all-day: day before", apple, "2025-04-20T00:00:00Z", "2025-04-21T00:00:00Z", false},
		{"todo: between start and due", task, "2025-07-15T00:00:00Z", "2025-07-15T01:00:00Z", true},
		{"todo: after due", task, "2025-07-16T10:00:01Z", "2025-07-20T00:00:00Z", false},
		{"todo: before start", task, "2025-07-01T00:00:00Z", "2025-07-14T07:00:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var end time.Time
			if tt.end != "" {
				end = *at(tt.end)
			}
			if got := Overlaps(tt.cal, *at(tt.start), end); got != tt.want {
				t.Fatalf("Overlaps = %v", got)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	cal := calendarOf(t, &decodeFile(t, "thunderbird.ics").Activity)
	out := Expand(cal, *at("2025-03-17T00:00:00Z"), *at("2025-04-15T00:00:00Z"))
	var got []string
	for _, c := range out.Children {
		if c.Name == ical.CompTimezone {
			t.Fatal("expanded output needs no VTIMEZONE")
		}
		for _, name := range []string{ical.PropRecurrenceRule, ical.PropExceptionDates, ical.PropRecurrenceDates} {
			if c.Props.Get(name) != nil {
				t.Fatalf("instance keeps %s", name)
			}
		}
		got = append(got, propValue(c, ical.PropRecurrenceID)+" "+propValue(c, ical.PropDateTimeStart)+" "+propValue(c, ical.PropDateTimeEnd))
	}
	want := []string{
		"20250317T080000Z 20250317T080000Z 20250317T083000Z",
		"20250331T070000Z 20250331T070000Z 20250331T073000Z", // CEST: still 09:00 local
		"20250407T070000Z 20250407T070000Z 20250407T073000Z",
		"20250324T080000Z 20250325T130000Z 20250325T133000Z", // the override
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err := ical.NewEncoder(new(strings.Builder)).Encode(out); err != nil {
		t.Fatal(err)
	}
}

func TestLimitRecurrenceSet(t *testing.T) {
	cal := calendarOf(t, &decodeFile(t, "thunderbird.ics").Activity)
	count := func(c *ical.Calendar) (masters, overrides int) {
		for _, x := range c.Children {
			if x.Name == ical.CompEvent {
				if x.Props.Get(ical.PropRecurrenceID) != nil {
					overrides++
				} else {
					masters++
				}
			}
		}
		return
	}
	if m, o := count(LimitRecurrenceSet(cal, *at("2025-03-25T00:00:00Z"), *at("2025-03-26T00:00:00Z"))); m != 1 || o != 1 {
		t.Fatalf("in range: %d masters, %d overrides", m, o)
	}
	if m, o := count(LimitRecurrenceSet(cal, *at("2025-05-01T00:00:00Z"), *at("2025-06-01T00:00:00Z"))); m != 1 || o != 0 {
		t.Fatalf("out of range: %d masters, %d overrides", m, o)
	}
}

const secondly = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:s\r\nDTSTAMP:20250101T000000Z\r\n" +
	"DTSTART:20250101T000000Z\r\nRRULE:FREQ=SECONDLY\r\nSUMMARY:tick\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

func TestSecondlyIsCapped(t *testing.T) {
	obj, err := Decode([]byte(secondly), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cal := calendarOf(t, &obj.Activity)
	start := time.Now()
	out := Expand(cal, *at("2025-01-01T00:00:00Z"), *at("2026-01-01T00:00:00Z"))
	if len(out.Children) != MaxInstances {
		t.Fatalf("%d instances", len(out.Children))
	}
	if Overlaps(cal, *at("2030-01-01T00:00:00Z"), *at("2030-01-02T00:00:00Z")) {
		t.Fatal("an instance past the cap")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}

func TestDecodeErrors(t *testing.T) {
	ev := func(body string) string {
		return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + body + "END:VCALENDAR\r\n"
	}
	vevent := func(uid, extra string) string {
		return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250101T100000Z\r\n" + extra + "END:VEVENT\r\n"
	}
	tests := []struct {
		name, data, code string
		max              int
	}{
		{"garbage", "hello", model.EMALFORMED, 0},
		{"param panic", "BEGIN:VCALENDAR\r\nX;A=\"b\"c:d\r\nEND:VCALENDAR\r\n", model.EMALFORMED, 0},
		{"no component", ev(""), model.EINVALID, 0},
		{"no uid", ev(vevent("", "")), model.EINVALID, 0},
		{"mixed uids", ev(vevent("a", "") + vevent("b", "RECURRENCE-ID:20250108T100000Z\r\n")), model.EINVALID, 0},
		{"event and todo", ev(vevent("a", "") + "BEGIN:VTODO\r\nUID:a\r\nDTSTAMP:20250101T000000Z\r\nEND:VTODO\r\n"), model.EINVALID, 0},
		{"two masters", ev(vevent("a", "") + vevent("a", "")), model.EINVALID, 0},
		{"broken rrule", ev(vevent("a", "RRULE:FREQ=SOMETIMES\r\n")), model.EINVALID, 0},
		{"impossible rrule", ev(vevent("a", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\r\n")), model.EINVALID, 0},
		{"rule never met", ev(vevent("a", "RRULE:FREQ=DAILY;BYYEARDAY=-366;BYMONTH=12\r\n")), model.EINVALID, 0},
		{"unreachable hour", ev(vevent("a", "RRULE:FREQ=HOURLY;INTERVAL=6;BYHOUR=1\r\n")), model.EINVALID, 0},
		{"bad date", ev(vevent("a", "DTEND:2025-01-01\r\n")), model.EINVALID, 0},
		{"too large", ev(vevent("a", "")), model.ETOOLARGE, 50},
		{"deep", "BEGIN:VCALENDAR\r\n" + strings.Repeat("BEGIN:X\r\n", 20) + strings.Repeat("END:X\r\n", 20) + "END:VCALENDAR\r\n", model.EMALFORMED, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.data), DecodeOptions{MaxBytes: tt.max})
			if model.ErrorCode(err) != tt.code {
				t.Fatalf("got %v (%s), want %s", err, model.ErrorCode(err), tt.code)
			}
		})
	}
}

func TestResolveTZID(t *testing.T) {
	for tzid, want := range map[string]string{
		"Europe/Berlin":                                                "Europe/Berlin",
		"W. Europe Standard Time":                                      "Europe/Berlin",
		"w. europe standard time":                                      "Europe/Berlin",
		"Eastern Standard Time":                                        "America/New_York",
		"/mozilla.org/20050126_1/Europe/Berlin":                        "Europe/Berlin",
		"/softwarestudio.org/Olson_20011030_5/America/New_York":        "America/New_York",
		"/citadel.org/20190914_1/Asia/Tokyo":                           "Asia/Tokyo",
		"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna": "Europe/Berlin",
		"(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna": "Europe/Berlin",
		"(UTC+03:00) Somewhere Nobody Knows":                           "Etc/GMT-3",
		"UTC":                                                          "UTC",
	} {
		loc, ok := ResolveTZID(tzid)
		if !ok || loc.String() != want {
			t.Errorf("%q: %v %v, want %s", tzid, loc, ok, want)
		}
	}
	for _, tzid := range []string{"", "Local", "Mars/Olympus_Mons", "../../etc/passwd", "Customized Time Zone"} {
		if loc, ok := ResolveTZID(tzid); ok {
			t.Errorf("%q resolved to %v", tzid, loc)
		}
	}
}

// TestGeneratedVTimezones compiles the VTIMEZONEs Rapport writes back and
// checks them against Go's tzdata, years past the generated span included.
func TestGeneratedVTimezones(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "America/Sao_Paulo", "Africa/Casablanca", "Asia/Kolkata"} {
		loc := mustLoc(t, name)
		from := time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)
		tz := generateVTimezone(loc, name, from, from.AddDate(1, 0, 0))
		compiled, err := compileVTimezone(tz, name)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, componentText(tz))
		}
		limit := from.AddDate(12, 0, 0)
		if name == "Africa/Casablanca" { // Ramadan rules are not yearly: covered only while listed
			limit = from.AddDate(1, 0, 0)
		}
		for at := from; at.Before(limit); at = at.Add(7 * time.Hour) {
			_, want := at.In(loc).Zone()
			if _, got := at.In(compiled).Zone(); got != want {
				t.Fatalf("%s at %v: offset %d, want %d\n%s", name, at, got, want, componentText(tz))
			}
		}
	}
}

func TestWindowsTableLoads(t *testing.T) {
	for _, name := range []string{"W. Europe Standard Time", "Pacific Standard Time", "China Standard Time", "India Standard Time"} {
		if _, ok := ResolveTZID(name); !ok {
			t.Errorf("%s does not resolve", name)
		}
	}
}

func BenchmarkOverlaps(b *testing.B) {
	cal := calendarOf(b, &decodeFile(b, "thunderbird.ics").Activity)
	start, end := *at("2027-06-01T00:00:00Z"), *at("2027-06-08T00:00:00Z")
	b.ReportAllocs()
	for b.Loop() {
		if !Overlaps(cal, start, end) {
			b.Fatal("no overlap")
		}
	}
}

func BenchmarkObjectCalendar(b *testing.B) {
	a := decodeFile(b, "thunderbird.ics").Activity
	b.ReportAllocs()
	for b.Loop() {
		if err := Encode(new(strings.Builder), ObjectCalendar(&a, nil)); err != nil {
			b.Fatal(err)
		}
	}
}

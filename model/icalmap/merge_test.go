package icalmap

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"rapport/model"
)

func unfold(b []byte) string { return strings.ReplaceAll(string(b), "\r\n ", "") }

// TestCRMChanges edits decoded objects the way the CRM does and checks that
// changed fields are regenerated while the client's other lines survive.
func TestCRMChanges(t *testing.T) {
	t.Run("outlook: new subject and priority, same times", func(t *testing.T) {
		obj := decodeFile(t, "outlook.ics")
		a := obj.Activity
		a.Subject = "Angebot v2"
		a.Priority = "high"
		a.Attendees[1].Status = "accepted"
		out := unfold(encode(t, ObjectCalendar(&a, nil)))
		for _, s := range []string{"SUMMARY:Angebot v2", "PRIORITY:3", "DTSTART;TZID=W. Europe Standard Time:20250520T103000",
			"X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "PARTSTAT=ACCEPTED;ROLE=OPT-PARTICIPANT:mailto:lea@example.net", "RSVP=TRUE"} {
			if !strings.Contains(out, s) {
				t.Errorf("lacks %q:\n%s", s, out)
			}
		}
		if strings.Contains(out, "LANGUAGE=de-de") || strings.Contains(out, "PRIORITY:5") {
			t.Errorf("stale original lines:\n%s", out)
		}
	})
	t.Run("tasks: priority stays 2 while high, becomes 1 when urgent", func(t *testing.T) {
		a := decodeFile(t, "tasks.ics").Activity
		if out := unfold(encode(t, ObjectCalendar(&a, nil))); !strings.Contains(out, "PRIORITY:2") {
			t.Fatalf("PRIORITY:2 lost:\n%s", out)
		}
		a.Priority = "urgent"
		if out := unfold(encode(t, ObjectCalendar(&a, nil))); !strings.Contains(out, "PRIORITY:1") {
			t.Fatalf("no PRIORITY:1:\n%s", out)
		}
	})
	t.Run("thunderbird: moved start regenerates in the zone, keeps overrides", func(t *testing.T) {
		a := decodeFile(t, "thunderbird.ics").Activity
		s, e := a.StartAt.Add(time.Hour), a.EndAt.Add(time.Hour)
		a.StartAt, a.EndAt = &s, &e
		a.RemindAt = nil
		out := unfold(encode(t, ObjectCalendar(&a, nil)))
		for _, want := range []string{"DTSTART;TZID=Europe/Berlin:20250310T100000", "RECURRENCE-ID;TZID=Europe/Berlin:20250324T090000", "X-MOZ-GENERATION:3"} {
			if !strings.Contains(out, want) {
				t.Errorf("lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "-PT15M") {
			t.Errorf("removed reminder still there:\n%s", out)
		}
	})
	t.Run("crm-made activity", func(t *testing.T) {
		owner := "u1"
		start := time.Date(2025, 10, 20, 7, 0, 0, 0, time.UTC)
		end := start.Add(time.Hour)
		remind := start.Add(-10 * time.Minute)
		a := model.Activity{Meta: model.Meta{ID: "0195f0e0-0000-7000-8000-000000000001", Version: 3}, Kind: model.KindAppointment,
			Subject: "Review", StartAt: &start, EndAt: &end, TimeZone: "Europe/Berlin", RecurrenceRule: "FREQ=WEEKLY",
			RemindAt: &remind, Status: "tentative", Priority: "normal", Class: "confidential", OwnerID: &owner,
			Attendees: []model.Attendee{{UserID: "u2", Role: "chair", Status: "accepted"}}, Tags: []string{"Q4"}}
		people := func(id string) (Person, bool) {
			return map[string]Person{"u1": {"mia@example.com", "Mia"}, "u2": {"bob@example.com", "Bob"}}[id], true
		}
		data := encode(t, ObjectCalendar(&a, people))
		out := unfold(data)
		for _, want := range []string{"UID:0195f0e0-0000-7000-8000-000000000001", "DTSTART;TZID=Europe/Berlin:20251020T090000",
			"BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "TRIGGER:-PT10M", "STATUS:TENTATIVE",
			"CLASS:CONFIDENTIAL", "ORGANIZER;CN=Mia:mailto:mia@example.com", "SEQUENCE:2", "CATEGORIES:Q4"} {
			if !strings.Contains(out, want) {
				t.Errorf("lacks %q:\n%s", want, out)
			}
		}
		obj, err := Decode(data, DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := obj.Activity
		if !got.StartAt.Equal(start) || got.TimeZone != "Europe/Berlin" || !got.RemindAt.Equal(remind) || got.Status != "tentative" ||
			got.Class != "confidential" || !reflect.DeepEqual(got.Tags, a.Tags) || got.Attendees[0].Email != "bob@example.com" {
			t.Fatalf("%+v", got)
		}
	})
}

func TestFeedStillHasVTimezone(t *testing.T) {
	start := time.Date(2025, 10, 20, 7, 0, 0, 0, time.UTC)
	acts := []model.Activity{{Kind: model.KindCall, Subject: "Call", StartAt: &start, TimeZone: "America/New_York", DurationSeconds: 600, Priority: "normal"}}
	out := unfold(encode(t, Calendar("x", acts, nil)))
	for _, want := range []string{"TZID:America/New_York", "DTSTART;TZID=America/New_York:20251020T030000", "DURATION:PT600S", "CATEGORIES:Call", "SEQUENCE:0"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
}

func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.ics"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(secondly))
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, err := Decode(data, DecodeOptions{MaxBytes: 64 << 10})
		if err != nil {
			if _, ok := err.(*model.Error); !ok {
				t.Fatalf("not a *model.Error: %T %v", err, err)
			}
			return
		}
		cal := ObjectCalendar(&obj.Activity, nil)
		out := encode(t, cal)
		again, err := Decode(out, DecodeOptions{MaxBytes: 1 << 20})
		if err != nil {
			t.Fatalf("re-decode: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(again.Activity, obj.Activity) {
			t.Fatalf("fields changed:\n%+v\n%+v\n%s", obj.Activity, again.Activity, out)
		}
		Overlaps(cal, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{})
		Expand(cal, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC))
	})
}

package icalmap

import (
	"strings"
	"testing"
	"time"

	"rapport/model"
)

func meeting() *model.Activity {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	owner := "u1"
	return &model.Activity{Meta: model.Meta{ID: "a1", Version: 3, CreatedAt: start.Add(-48 * time.Hour), UpdatedAt: start.Add(-24 * time.Hour)},
		Kind: model.KindAppointment, Subject: "Демонстрация", StartAt: &start, EndAt: &end, TimeZone: "Europe/Moscow",
		OwnerID: &owner, Location: "Zoom",
		Attendees: []model.Attendee{
			{Email: "anna@example.org", Name: "Анна Петрова", Role: "req-participant", Status: "needs-action"},
			{Email: "bob@example.org", Role: "opt-participant", Status: "accepted"},
			{UserID: "u1", Role: "chair", Status: "accepted"},
		}}
}

func people(id string) (Person, bool) {
	return Person{Email: "ivan@staff.example.com", Name: "Иван Сидоров"}, id == "u1"
}

func TestInvitation(t *testing.T) {
	org := Person{Email: "calendar@example.com", Name: "Иван Сидоров"}
	for _, method := range []string{MethodRequest, MethodCancel} {
		data, err := EncodeBytes(Invitation(meeting(), method, org, people))
		if err != nil {
			t.Fatal(err)
		}
		out := strings.ReplaceAll(string(data), "\r\n ", "")
		for _, want := range []string{"METHOD:" + method, "ORGANIZER;CN=Иван Сидоров:mailto:calendar@example.com",
			"SEQUENCE:2", "UID:a1", "BEGIN:VTIMEZONE", "TZID=Europe/Moscow", "RSVP=TRUE:mailto:anna@example.org"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: missing %q in\n%s", method, want, out)
			}
		}
		if strings.Contains(out, "RSVP=TRUE:mailto:bob@example.org") {
			t.Errorf("%s: asked an attendee who answered to answer again", method)
		}
		if got := strings.Contains(out, "STATUS:CANCELLED"); got != (method == MethodCancel) {
			t.Errorf("%s: STATUS:CANCELLED present = %v", method, got)
		}
		if _, err := Decode(data, DecodeOptions{}); err != nil {
			t.Errorf("%s: our own invitation does not decode: %v", method, err)
		}
	}
}

func TestParseReply(t *testing.T) {
	reply := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0//EN\r\nMETHOD:REPLY\r\n" +
		"BEGIN:VEVENT\r\nUID:a1\r\nSEQUENCE:2\r\nDTSTAMP:20261201T120000Z\r\nDTSTART:20261203T100000Z\r\n" +
		"ATTENDEE;PARTSTAT=ACCEPTED;CN=\"Anna P\":MAILTO:Anna@Example.org\r\nCOMMENT:See you there\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	r, err := ParseReply([]byte(reply))
	if err != nil {
		t.Fatal(err)
	}
	if r.UID != "a1" || r.Sequence != 2 || r.Email != "anna@example.org" || r.Status != "accepted" || r.Comment != "See you there" || r.Name != "Anna P" {
		t.Errorf("reply = %+v", r)
	}
	for name, bad := range map[string]string{
		"request":     strings.Replace(reply, "METHOD:REPLY", "METHOD:REQUEST", 1),
		"no partstat": strings.Replace(reply, "PARTSTAT=ACCEPTED;", "", 1),
		"odd status":  strings.Replace(reply, "PARTSTAT=ACCEPTED", "PARTSTAT=MAYBE", 1),
		"no uid":      strings.Replace(reply, "UID:a1\r\n", "", 1),
		"garbage":     "BEGIN:VCALENDAR\r\nnot a line",
	} {
		if _, err := ParseReply([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

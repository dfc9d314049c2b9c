package model

import "testing"

// TestOutboundCalendar: an outbox mail carries an iMIP calendar with its
// method, or neither.
func TestOutboundCalendar(t *testing.T) {
	for _, c := range []struct {
		method, calendar string
		ok               bool
	}{
		{"", "", true},
		{"request", "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n", true},
		{"CANCEL", "", false},
		{"", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", false},
		{"PUBLISH", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", false},
	} {
		m := &OutboundMail{From: MailAddress{Email: "calendar@example.com"}, To: []MailAddress{{Email: "ann@example.org"}},
			Subject: "Invitation", CalendarMethod: c.method, Calendar: c.calendar}
		m.Normalize()
		if err := m.Validate(); (err == nil) != c.ok {
			t.Errorf("method %q, calendar %d bytes: %v", c.method, len(c.calendar), err)
		}
	}
}

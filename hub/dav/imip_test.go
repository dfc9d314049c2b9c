package dav_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/secret"
	"rapport/model/store"
)

// TestCalendarClientsScheduleThemselves: a CalDAV client's writes of a
// meeting with an outside attendee mail nothing (the client sends its own
// invitations), while the same meeting changed in the CRM is mailed.
func TestCalendarClientsScheduleThemselves(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		box, err := secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		mb := &model.Mailbox{Name: "Calendar", IMAPHost: "imap.example.com", Username: "calendar@example.com", Password: "secret",
			FromAddress: "calendar@example.com", SMTPHost: "smtp.example.com", Scheduling: true, Active: true}
		if err := g.s.CreateMailbox(sys, box, mb); err != nil {
			t.Fatal(err)
		}
		var queued []string
		g.s.SetInvitations(store.InvitationConfig{Mint: func(ref, _ string) (string, error) { return ref + ".1@example.com", nil },
			Enqueue: func(_ context.Context, id string) error { queued = append(queued, id); return nil }})

		const path = "/dav/calendars/mia/appointments/meet.ics"
		day := time.Now().UTC().Add(72 * time.Hour).Format("20060102")
		body := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:meet\r\nDTSTAMP:20261101T000000Z\r\n" +
			"DTSTART:" + day + "T090000Z\r\nDTEND:" + day + "T100000Z\r\nSUMMARY:Demo\r\n" +
			"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:ann@customer.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		want(t, putEvent(g, "mia", g.miaPass, path, body), http.StatusCreated)
		want(t, putEvent(g, "mia", g.miaPass, path, strings.Replace(body, "SUMMARY:Demo", "SUMMARY:Demo moved", 1)), http.StatusNoContent)
		if len(queued) != 0 {
			t.Fatalf("a DAV PUT mailed %d invitations", len(queued))
		}

		// The same meeting (it names no organizer) moved in the CRM is mailed.
		ctx := actorCtx(t, g.s, g.mia)
		page, err := store.List[model.Activity](ctx, g.s, store.ListParams{})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("activities %v %v", page, err)
		}
		if _, err := store.Update(ctx, g.s, page.Items[0].ID, 0, func(a *model.Activity) error { a.Location = "Room 4"; return nil }); err != nil {
			t.Fatal(err)
		}
		if len(queued) != 1 {
			t.Fatalf("a CRM change mailed %d invitations, want 1", len(queued))
		}
		want(t, g.do(http.MethodDelete, path, ""), http.StatusNoContent)
		if len(queued) != 1 {
			t.Fatalf("a DAV DELETE mailed %d more", len(queued)-1)
		}
	})
}

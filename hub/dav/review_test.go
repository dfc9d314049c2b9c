package dav_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
)

// crmAppointment makes, through the store, Mia's appointment with Ben and a
// contact without e-mail as attendees.
func crmAppointment(t *testing.T, g *rig) (*model.Activity, *model.Contact) {
	t.Helper()
	ctx := actorCtx(t, g.s, g.mia)
	olga := &model.Contact{FirstName: "Olga", LastName: "NoMail"}
	if err := store.Create(ctx, g.s, olga); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	a := &model.Activity{Kind: model.KindAppointment, Subject: "Planning", StartAt: &start, EndAt: &end, OwnerID: &g.mia.ID,
		Attendees: []model.Attendee{{UserID: g.ben.ID}, {ContactID: olga.ID}}}
	if err := store.Create(ctx, g.s, a); err != nil {
		t.Fatal(err)
	}
	return a, olga
}

func TestCRMAppointmentsThroughClients(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		a, olga := crmAppointment(t, g)
		ctx := actorCtx(t, g.s, g.mia)
		benPath := "/dav/calendars/ben/appointments/" + a.ID + ".ics"
		// Ben's client sends back what it got, with his answer.
		ics := want(t, g.doAs("ben", g.benPass, "GET", benPath, ""), http.StatusOK)
		if !strings.Contains(ics, "mailto:ben@example.com") {
			t.Fatalf("Ben is not an attendee:\n%s", ics)
		}
		answered := addPartstat(ics, "ben@example.com", "ACCEPTED")
		want(t, putEvent(g, "ben", g.benPass, benPath, answered), http.StatusNoContent)
		got, err := store.Get[model.Activity](ctx, g.s, a.ID)
		if err != nil || got.Attendees[0].Status != "accepted" {
			t.Fatalf("answer not stored: %+v %v", got, err)
		}
		// Mia's client renames it: the contact without e-mail stays an attendee.
		miaPath := "/dav/calendars/mia/appointments/" + a.ID + ".ics"
		ics = want(t, g.do("GET", miaPath, ""), http.StatusOK)
		want(t, putEvent(g, "mia", g.miaPass, miaPath, strings.Replace(ics, "SUMMARY:Planning", "SUMMARY:Planning 2027", 1)), http.StatusNoContent)
		got, _ = store.Get[model.Activity](ctx, g.s, a.ID)
		kept := false
		for _, at := range got.Attendees {
			kept = kept || at.ContactID == olga.ID
		}
		if got.Subject != "Planning 2027" || !kept {
			t.Errorf("after the organizer's edit: %+v", got)
		}
		// Ben deletes it; Mia's client, now showing him as declined, edits again: it stays out of his calendar.
		want(t, g.doAs("ben", g.benPass, "DELETE", benPath, ""), http.StatusNoContent)
		ics = want(t, g.do("GET", miaPath, ""), http.StatusOK)
		if !strings.Contains(ics, "PARTSTAT=DECLINED") {
			t.Fatalf("organizer does not see the decline:\n%s", ics)
		}
		want(t, putEvent(g, "mia", g.miaPass, miaPath, strings.Replace(ics, "SUMMARY:Planning 2027", "SUMMARY:Planning (final)", 1)), http.StatusNoContent)
		want(t, g.doAs("ben", g.benPass, "GET", benPath, ""), http.StatusNotFound)
		// An object keeps its UID.
		body := want(t, putEvent(g, "mia", g.miaPass, miaPath, strings.Replace(ics, "UID:"+a.ID, "UID:other", 1)), http.StatusConflict)
		if !strings.Contains(body, "no-uid-conflict") {
			t.Errorf("UID change: %s", body)
		}
	})
}

// addPartstat sets the PARTSTAT of one attendee line (unfolded first).
func addPartstat(ics, email, partstat string) string {
	ics = strings.ReplaceAll(ics, "\r\n ", "")
	var out []string
	for _, line := range strings.Split(ics, "\r\n") {
		if strings.HasPrefix(line, "ATTENDEE") && strings.HasSuffix(strings.ToLower(line), "mailto:"+email) {
			name, value, _ := strings.Cut(line, ":mailto:")
			var params []string
			for _, p := range strings.Split(name, ";") {
				if !strings.HasPrefix(p, "PARTSTAT=") {
					params = append(params, p)
				}
			}
			line = strings.Join(append(params, "PARTSTAT="+partstat), ";") + ":mailto:" + value
		}
		out = append(out, line)
	}
	return strings.Join(out, "\r\n")
}

func TestCollectionsStayPrivate(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		want(t, g.do("MKCALENDAR", "/dav/calendars/mia/fairs/", ""), http.StatusCreated)
		mia := actorCtx(t, g.s, g.mia)
		cal, err := g.s.DAVCollectionBySlug(mia, g.mia.ID, model.CollectionCalendar, "fairs")
		if err != nil {
			t.Fatal(err)
		}
		ben := actorCtx(t, g.s, g.ben)
		start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
		intruder := &model.Activity{Kind: model.KindAppointment, Subject: "ben-private-name", StartAt: &start, OwnerID: &g.ben.ID, CalendarID: &cal.ID}
		if err := store.Create(ben, g.s, intruder); err != nil {
			t.Fatal(err)
		}
		if body := want(t, g.do("PROPFIND", "/dav/calendars/mia/fairs/", propfind("<D:getetag/>"), "Depth", "1"), http.StatusMultiStatus); strings.Contains(body, intruder.ID) {
			t.Error("another user's activity shows in a personal calendar")
		}
		want(t, g.do("DELETE", "/dav/calendars/mia/fairs/", ""), http.StatusNoContent)
		if _, err := store.Get[model.Activity](ben, g.s, intruder.ID); err != nil {
			t.Errorf("deleting Mia's calendar deleted Ben's activity: %v", err)
		}
		// Mia creates a task for Ben; Ben deletes it: Mia's syncs never hear of it.
		tok := func(path string) string {
			body := want(t, g.do("REPORT", path, syncReport("", 0)), http.StatusMultiStatus)
			return body[strings.Index(body, "<D:sync-token>")+14 : strings.Index(body, "</D:sync-token>")]
		}
		tasksTok, apptTok := tok("/dav/calendars/mia/tasks/"), tok("/dav/calendars/mia/appointments/")
		secret := &model.Activity{Kind: model.KindTask, Subject: "for Ben", OwnerID: &g.ben.ID}
		if err := store.Create(mia, g.s, secret); err != nil {
			t.Fatal(err)
		}
		if err := store.Delete[model.Activity](ben, g.s, secret.ID, 0); err != nil {
			t.Fatal(err)
		}
		for path, token := range map[string]string{"/dav/calendars/mia/tasks/": tasksTok, "/dav/calendars/mia/appointments/": apptTok} {
			if body := want(t, g.do("REPORT", path, syncReport(token, 0)), http.StatusMultiStatus); strings.Contains(body, secret.ID) {
				t.Errorf("%s reports Ben's task: %s", path, body)
			}
		}
	})
}

func TestReviewedEdges(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		// A to-do from October to December and an event with only an RDATE are found in their ranges.
		todo := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VTODO\r\nUID:long\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Long\r\n" +
			"DTSTART:20261001T090000Z\r\nDUE:20261201T090000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
		want(t, putEvent(g, "mia", g.miaPass, "/dav/calendars/mia/tasks/long.ics", todo), http.StatusCreated)
		q := strings.Replace(calendarQuery("20261101T000000Z", "20261102T000000Z"), `name="VEVENT"`, `name="VTODO"`, 1)
		if body := want(t, g.do("REPORT", "/dav/calendars/mia/tasks/", q, "Depth", "1"), http.StatusMultiStatus); !strings.Contains(body, "long.ics") {
			t.Errorf("to-do spanning the range: %s", body)
		}
		want(t, putEvent(g, "mia", g.miaPass, "/dav/calendars/mia/appointments/rdate.ics", event("rdate", "Extra date", "RDATE:20261215T090000Z\r\n")), http.StatusCreated)
		if body := want(t, g.do("REPORT", "/dav/calendars/mia/appointments/", calendarQuery("20261215T000000Z", "20261216T000000Z"), "Depth", "1"), http.StatusMultiStatus); !strings.Contains(body, "rdate.ics") {
			t.Errorf("RDATE instance: %s", body)
		}
		// Dead properties can be changed and removed again.
		set := func(v string) string {
			return `<D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:x"><D:set><D:prop><X:foo>` + v + `</X:foo></D:prop></D:set></D:propertyupdate>`
		}
		for _, body := range []string{set("one"), set("two"), `<D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:x"><D:remove><D:prop><X:foo/></D:prop></D:remove></D:propertyupdate>`} {
			if got := want(t, g.do("PROPPATCH", "/dav/calendars/mia/tasks/", body), http.StatusMultiStatus); !strings.Contains(got, "200 OK") {
				t.Errorf("proppatch %s: %s", body, got)
			}
		}
		// E-mails with characters JSON escapes are found by substring.
		ctx := actorCtx(t, g.s, g.mia)
		if err := store.Create(ctx, g.s, &model.Contact{FirstName: "R", Emails: []model.Labeled{{Value: "r&d@nordwind.example"}}}); err != nil {
			t.Fatal(err)
		}
		q = `<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/></D:prop><CR:filter>` +
			`<CR:prop-filter name="EMAIL"><CR:text-match match-type="starts-with">r&amp;d@</CR:text-match></CR:prop-filter></CR:filter></CR:addressbook-query>`
		if body := want(t, g.do("REPORT", "/dav/addressbooks/mia/contacts/", q, "Depth", "1"), http.StatusMultiStatus); strings.Count(body, "<D:getetag>") != 1 {
			t.Errorf("r&d: %s", body)
		}
		// Another spelling of the user in a path redirects to the one URL.
		resp := g.do("PROPFIND", "/dav/addressbooks/mia@example.com/contacts/", "", "Depth", "0")
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/dav/addressbooks/mia/contacts/" {
			t.Errorf("e-mail path: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

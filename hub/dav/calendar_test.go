package dav_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-webdav/caldav"

	"rapport/model"
	"rapport/model/store"
)

func event(uid, summary, extra string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20261101T000000Z\r\n" +
		"DTSTART:20261102T090000Z\r\nDTEND:20261102T100000Z\r\nSUMMARY:" + summary + "\r\n" + extra + "END:VEVENT\r\nEND:VCALENDAR\r\n"
}

func putEvent(g *rig, user, pass, path, body string, headers ...string) *http.Response {
	return g.doAs(user, pass, "PUT", path, body, append([]string{"Content-Type", "text/calendar; charset=utf-8"}, headers...)...)
}

func calendarQuery(start, end string) string {
	return `<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>` +
		`<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="` + start + `" end="` + end + `"/>` +
		`</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`
}

func TestEventsAndRecurrence(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		const cal = "/dav/calendars/mia/appointments/"
		want(t, putEvent(g, "mia", g.miaPass, cal+"one.ics", event("one", "Kick-off", "X-CUSTOM:keep me\r\n")), http.StatusCreated)
		want(t, putEvent(g, "mia", g.miaPass, cal+"weekly.ics", event("weekly", "Stand-up", "RRULE:FREQ=WEEKLY;COUNT=10\r\n")), http.StatusCreated)
		// One month later only the weekly series has an instance.
		body := want(t, g.do("REPORT", cal, calendarQuery("20261130T000000Z", "20261201T000000Z"), "Depth", "1"), http.StatusMultiStatus)
		if !strings.Contains(body, "weekly.ics") || strings.Contains(body, "one.ics") {
			t.Errorf("query in week 5: %s", body)
		}
		body = want(t, g.do("REPORT", cal, calendarQuery("20261102T000000Z", "20261103T000000Z"), "Depth", "1"), http.StatusMultiStatus)
		if !strings.Contains(body, "weekly.ics") || !strings.Contains(body, "one.ics") {
			t.Errorf("query on day one: %s", body)
		}
		// Open-ended range, and after the series ended.
		body = want(t, g.do("REPORT", cal, strings.Replace(calendarQuery("20270301T000000Z", "x"), ` end="x"`, "", 1), "Depth", "1"), http.StatusMultiStatus)
		if strings.Contains(body, ".ics") {
			t.Errorf("after the series: %s", body)
		}
		// go-webdav's client finds it by UID and gets the object back.
		objs, err := g.calClient().QueryCalendar(context.Background(), cal, &caldav.CalendarQuery{
			CompRequest: caldav.CalendarCompRequest{Name: "VCALENDAR", AllProps: true, AllComps: true},
			CompFilter: caldav.CompFilter{Name: "VCALENDAR", Comps: []caldav.CompFilter{{Name: "VEVENT",
				Props: []caldav.PropFilter{{Name: "UID", TextMatch: &caldav.TextMatch{Text: "one"}}}}}},
		})
		if err != nil || len(objs) != 1 || objs[0].Data.Children[0].Props.Get("X-CUSTOM").Value != "keep me" {
			t.Fatalf("query by UID: %+v %v", objs, err)
		}
		// The event is an appointment in the CRM owned by Mia.
		ctx := actorCtx(t, g.s, g.mia)
		page, err := store.List[model.Activity](ctx, g.s, store.ListParams{})
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("activities %v %v", page, err)
		}
		for _, a := range page.Items {
			if a.Kind != model.KindAppointment || a.OwnerID == nil || *a.OwnerID != g.mia.ID {
				t.Errorf("activity %+v", a)
			}
		}
		// An update answers 204; a VTODO does not belong in appointments.
		want(t, putEvent(g, "mia", g.miaPass, cal+"one.ics", event("one", "Kick-off moved", "")), http.StatusNoContent)
		todo := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VTODO\r\nUID:t1\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Call back\r\nDUE:20261105T170000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
		if body := want(t, putEvent(g, "mia", g.miaPass, cal+"t1.ics", todo), http.StatusForbidden); !strings.Contains(body, "supported-calendar-component") {
			t.Errorf("todo in appointments: %s", body)
		}
		want(t, putEvent(g, "mia", g.miaPass, "/dav/calendars/mia/tasks/t1.ics", todo), http.StatusCreated)
		// A CRM edit is seen by the next sync.
		tasks, err := g.calClient().QueryCalendar(context.Background(), "/dav/calendars/mia/tasks/", &caldav.CalendarQuery{
			CompRequest: caldav.CalendarCompRequest{Name: "VCALENDAR", AllProps: true, AllComps: true},
			CompFilter:  caldav.CompFilter{Name: "VCALENDAR", Comps: []caldav.CompFilter{{Name: "VTODO"}}}})
		if err != nil || len(tasks) != 1 {
			t.Fatalf("tasks %+v %v", tasks, err)
		}
		// Bad input.
		for name, body := range map[string]string{
			"garbage": "BEGIN:VCALENDAR\r\nthis is not",
			"no uid":  strings.Replace(event("x", "No UID", ""), "UID:x\r\n", "", 1),
		} {
			if resp := putEvent(g, "mia", g.miaPass, cal+"bad.ics", body); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: %d %s", name, resp.StatusCode, read(t, resp))
			}
		}
		secondly := event("sec", "Every second", "RRULE:FREQ=SECONDLY\r\n")
		want(t, putEvent(g, "mia", g.miaPass, cal+"sec.ics", secondly), http.StatusCreated)
		start := time.Now()
		want(t, g.do("REPORT", cal, calendarQuery("20300101T000000Z", "20300102T000000Z"), "Depth", "1"), http.StatusMultiStatus)
		if time.Since(start) > 20*time.Second {
			t.Error("SECONDLY expansion is not capped")
		}
	})
}

func TestPersonalCalendars(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		mk := `<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>` +
			`<D:displayname>Trade fairs</D:displayname><C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>` +
			`</D:prop></D:set></C:mkcalendar>`
		want(t, g.do("MKCALENDAR", "/dav/calendars/mia/fairs/", mk), http.StatusCreated)
		want(t, g.do("MKCALENDAR", "/dav/calendars/mia/fairs/", mk), http.StatusMethodNotAllowed)
		want(t, g.do("MKCALENDAR", "/dav/calendars/mia/appointments/", ""), http.StatusMethodNotAllowed)
		want(t, g.do("MKCALENDAR", "/dav/addressbooks/mia/more/", ""), http.StatusForbidden)
		want(t, putEvent(g, "mia", g.miaPass, "/dav/calendars/mia/fairs/cebit.ics", event("cebit", "CeBIT", "")), http.StatusCreated)
		cals, err := g.calClient().FindCalendars(context.Background(), "/dav/calendars/mia/")
		if err != nil || len(cals) != 3 {
			t.Fatalf("calendars %+v %v", cals, err)
		}
		body := want(t, g.do("PROPFIND", "/dav/calendars/mia/appointments/", propfind("<D:getetag/>"), "Depth", "1"), http.StatusMultiStatus)
		if strings.Contains(body, "cebit") {
			t.Error("personal calendar event also in appointments")
		}
		body = want(t, g.do("PROPFIND", "/dav/calendars/mia/fairs/", propfind("<D:getetag/>"), "Depth", "1"), http.StatusMultiStatus)
		if !strings.Contains(body, "cebit.ics") {
			t.Errorf("fairs: %s", body)
		}
		// Extended MKCOL makes a calendar too.
		mkcol := `<?xml version="1.0"?><D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>` +
			`<D:resourcetype><D:collection/><C:calendar/></D:resourcetype><D:displayname>Holidays</D:displayname></D:prop></D:set></D:mkcol>`
		want(t, g.do("MKCOL", "/dav/calendars/mia/holidays/", mkcol), http.StatusCreated)
		want(t, g.do("DELETE", "/dav/calendars/mia/appointments/", ""), http.StatusForbidden)
		want(t, g.do("DELETE", "/dav/calendars/mia/fairs/", ""), http.StatusNoContent)
		want(t, g.do("PROPFIND", "/dav/calendars/mia/fairs/", "", "Depth", "0"), http.StatusNotFound)
		ctx := actorCtx(t, g.s, g.mia)
		if page, err := store.List[model.Activity](ctx, g.s, store.ListParams{}); err != nil || len(page.Items) != 0 {
			t.Errorf("deleting the calendar left its events: %v %v", page, err)
		}
	})
}

func TestAttendeesMayOnlyAnswer(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		const miaCal = "/dav/calendars/mia/appointments/"
		att := "ORGANIZER;CN=Mia Wolf:mailto:mia@example.com\r\nATTENDEE;CN=Ben Ames;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT:mailto:ben@example.com\r\n"
		want(t, putEvent(g, "mia", g.miaPass, miaCal+"review.ics", event("review", "Review", att)), http.StatusCreated)
		// Ben sees it in his calendar under the same UID.
		body := want(t, g.doAs("ben", g.benPass, "REPORT", "/dav/calendars/ben/appointments/", calendarQuery("20261101T000000Z", "20261201T000000Z"), "Depth", "1"), http.StatusMultiStatus)
		if !strings.Contains(body, "review.ics") {
			t.Fatalf("attendee does not see the appointment: %s", body)
		}
		benPath := "/dav/calendars/ben/appointments/review.ics"
		accepted := event("review", "Review", strings.Replace(att, "PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED", 1))
		want(t, putEvent(g, "ben", g.benPass, benPath, accepted), http.StatusNoContent)
		renamed := event("review", "Ben's review", strings.Replace(att, "PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED", 1))
		if body := want(t, putEvent(g, "ben", g.benPass, benPath, renamed), http.StatusForbidden); !strings.Contains(body, "need-privileges") {
			t.Errorf("attendee rename: %s", body)
		}
		ctx := actorCtx(t, g.s, g.mia)
		page, err := store.List[model.Activity](ctx, g.s, store.ListParams{})
		if err != nil || len(page.Items) != 1 {
			t.Fatal(page, err)
		}
		a := page.Items[0]
		if a.Subject != "Review" || len(a.Attendees) != 1 || a.Attendees[0].Status != "accepted" || a.Attendees[0].UserID != g.ben.ID {
			t.Errorf("after answers: %+v", a)
		}
		// Ben deleting it declines and leaves; Mia's appointment stays.
		want(t, g.doAs("ben", g.benPass, "DELETE", benPath, ""), http.StatusNoContent)
		want(t, g.doAs("ben", g.benPass, "GET", benPath, ""), http.StatusNotFound)
		want(t, g.do("GET", miaCal+"review.ics", ""), http.StatusOK)
	})
}

package dav_test

import (
	"net/http"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
)

func TestExpandAndLimitRecurrenceSet(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		const cal = "/dav/calendars/mia/appointments/"
		want(t, putEvent(g, "mia", g.miaPass, cal+"weekly.ics", event("weekly", "Stand-up", "RRULE:FREQ=WEEKLY;COUNT=10\r\n")), http.StatusCreated)
		q := func(data string) string {
			return want(t, g.do("REPORT", cal, `<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>`+data+`</D:prop>`+
				`<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20261109T000000Z" end="20261123T000000Z"/>`+
				`</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, "Depth", "1"), http.StatusMultiStatus)
		}
		body := q(`<C:calendar-data><C:expand start="20261109T000000Z" end="20261123T000000Z"/></C:calendar-data>`)
		if strings.Count(body, "BEGIN:VEVENT") != 2 || strings.Contains(body, "RRULE") || !strings.Contains(body, "RECURRENCE-ID") {
			t.Errorf("expanded: %s", body)
		}
		body = q(`<C:calendar-data><C:limit-recurrence-set start="20261109T000000Z" end="20261123T000000Z"/></C:calendar-data>`)
		if strings.Count(body, "BEGIN:VEVENT") != 1 || !strings.Contains(body, "RRULE:FREQ=WEEKLY;COUNT=10") {
			t.Errorf("limited: %s", body)
		}
	})
}

func TestMineAddressBookAndAttendeeLinks(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		ctx := actorCtx(t, g.s, g.mia)
		acc := &model.Account{Name: "Kranich AG"}
		if err := store.Create(ctx, g.s, acc); err != nil {
			t.Fatal(err)
		}
		own := &model.Contact{FirstName: "Eva", LastName: "Kranich", OwnerID: &g.mia.ID, AccountID: &acc.ID,
			Emails: []model.Labeled{{Value: "eva@kranich.example"}}}
		other := &model.Contact{FirstName: "Tom", LastName: "Other", OwnerID: &g.ben.ID}
		for _, c := range []*model.Contact{own, other} {
			if err := store.Create(ctx, g.s, c); err != nil {
				t.Fatal(err)
			}
		}
		want(t, g.do("PROPFIND", "/dav/addressbooks/mia/mine/", "", "Depth", "0"), http.StatusNotFound)
		if err := store.Create(ctx, g.s, &model.DAVCollection{OwnerID: g.mia.ID, Kind: model.CollectionAddressBook,
			Slug: model.SlugMine, Builtin: true, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		body := want(t, g.do("PROPFIND", "/dav/addressbooks/mia/mine/", propfind("<D:getetag/>"), "Depth", "1"), http.StatusMultiStatus)
		if !strings.Contains(body, own.ID) || strings.Contains(body, other.ID) {
			t.Errorf("mine: %s", body)
		}
		body = want(t, g.do("PROPFIND", "/dav/addressbooks/mia/", propfind("<D:resourcetype/>"), "Depth", "1"), http.StatusMultiStatus)
		if !strings.Contains(body, "/dav/addressbooks/mia/mine/") {
			t.Errorf("home does not list mine: %s", body)
		}
		// An attendee who is a contact links the appointment to the contact and the account.
		att := "ATTENDEE;CN=Eva;PARTSTAT=ACCEPTED:mailto:EVA@kranich.example\r\n"
		want(t, putEvent(g, "mia", g.miaPass, "/dav/calendars/mia/appointments/visit.ics", event("visit", "Visit", att)), http.StatusCreated)
		page, err := store.List[model.Activity](ctx, g.s, store.ListParams{Equals: map[string]string{"linked": "account:" + acc.ID}})
		if err != nil || len(page.Items) != 1 || page.Items[0].Attendees[0].ContactID != own.ID {
			t.Fatalf("timeline of the account: %+v %v", page.Items, err)
		}
	})
}

// TestTimeZonesFromClients: Outlook's Windows zone names and an unknown TZID
// with its own VTIMEZONE both land at the right UTC instant.
func TestTimeZonesFromClients(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		const cal = "/dav/calendars/mia/appointments/"
		outlook := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CalDavSynchronizer//EN\r\nBEGIN:VEVENT\r\nUID:outlook-1\r\nDTSTAMP:20261101T000000Z\r\n" +
			"DTSTART;TZID=W. Europe Standard Time:20260715T100000\r\nDTEND;TZID=W. Europe Standard Time:20260715T110000\r\nSUMMARY:Summer call\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		custom := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Odd//EN\r\nBEGIN:VTIMEZONE\r\nTZID:My Office Time\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n" +
			"TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:custom-1\r\nDTSTAMP:20261101T000000Z\r\n" +
			"DTSTART;TZID=My Office Time:20260715T100000\r\nDURATION:PT30M\r\nSUMMARY:Offshore sync\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		want(t, putEvent(g, "mia", g.miaPass, cal+"outlook.ics", outlook), http.StatusCreated)
		want(t, putEvent(g, "mia", g.miaPass, cal+"custom.ics", custom), http.StatusCreated)
		ctx := actorCtx(t, g.s, g.mia)
		page, err := store.List[model.Activity](ctx, g.s, store.ListParams{Sort: "subject"})
		if err != nil || len(page.Items) != 2 {
			t.Fatal(page, err)
		}
		got := map[string]string{}
		for _, a := range page.Items {
			got[a.Subject] = a.StartAt.UTC().Format("15:04") + " " + a.TimeZone
		}
		if got["Summer call"] != "08:00 Europe/Berlin" || !strings.HasPrefix(got["Offshore sync"], "04:30") {
			t.Errorf("times: %v", got)
		}
		// The client's zone is given back, and a query by UTC finds the event.
		body := want(t, g.do("GET", cal+"custom.ics", ""), http.StatusOK)
		if !strings.Contains(body, "TZID:My Office Time") {
			t.Errorf("custom zone not kept:\n%s", body)
		}
		body = want(t, g.do("REPORT", cal, calendarQuery("20260715T043000Z", "20260715T044500Z"), "Depth", "1"), http.StatusMultiStatus)
		if !strings.Contains(body, "custom.ics") || strings.Contains(body, "outlook.ics") {
			t.Errorf("query by UTC: %s", body)
		}
		// A to-do is found by its due date.
		todo := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VTODO\r\nUID:t2\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:File taxes\r\nDUE:20270410T170000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
		want(t, putEvent(g, "mia", g.miaPass, "/dav/calendars/mia/tasks/t2.ics", todo), http.StatusCreated)
		q := strings.Replace(calendarQuery("20270401T000000Z", "20270501T000000Z"), `name="VEVENT"`, `name="VTODO"`, 1)
		if body := want(t, g.do("REPORT", "/dav/calendars/mia/tasks/", q, "Depth", "1"), http.StatusMultiStatus); !strings.Contains(body, "t2.ics") {
			t.Errorf("todo by due date: %s", body)
		}
		q = strings.Replace(calendarQuery("20270501T000000Z", "20270601T000000Z"), `name="VEVENT"`, `name="VTODO"`, 1)
		if body := want(t, g.do("REPORT", "/dav/calendars/mia/tasks/", q, "Depth", "1"), http.StatusMultiStatus); strings.Contains(body, "t2.ics") {
			t.Errorf("todo outside its range: %s", body)
		}
	})
}

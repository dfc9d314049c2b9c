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

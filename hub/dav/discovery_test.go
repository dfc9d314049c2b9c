package dav_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestWellKnownAndAuth(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		for _, p := range []string{"/.well-known/caldav", "/.well-known/carddav/", "/.well-known/carddav"} {
			for _, m := range []string{"GET", "PROPFIND", "OPTIONS"} {
				resp := g.doAs("", "", m, p, "")
				if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/dav/" {
					t.Errorf("%s %s: %d → %q", m, p, resp.StatusCode, resp.Header.Get("Location"))
				}
			}
		}
		if resp := g.doAs("", "", "PROPFIND", "/", ""); resp.StatusCode != http.StatusMovedPermanently {
			t.Errorf("PROPFIND /: %d", resp.StatusCode)
		}
		resp := g.doAs("", "", "PROPFIND", "/dav/", "")
		want(t, resp, http.StatusUnauthorized)
		if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Basic realm="Rapport"`) {
			t.Errorf("challenge %q", got)
		}
		want(t, g.doAs("mia", "wrong", "PROPFIND", "/dav/", ""), http.StatusUnauthorized)
		// The e-mail works as the login too; account passwords do not by default.
		want(t, g.doAs("mia@example.com", g.miaPass, "PROPFIND", "/dav/", "", "Depth", "0"), http.StatusMultiStatus)
		want(t, g.doAs("mia", "a long enough password", "PROPFIND", "/dav/", ""), http.StatusUnauthorized)
		opts := g.do("OPTIONS", "/dav/calendars/mia/appointments/", "")
		want(t, opts, http.StatusOK)
		for _, c := range []string{"calendar-access", "addressbook", "extended-mkcol"} {
			if !strings.Contains(opts.Header.Get("DAV"), c) {
				t.Errorf("DAV header %q lacks %s", opts.Header.Get("DAV"), c)
			}
		}
	})
}

func TestDiscoveryWithGoWebdav(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		ctx := context.Background()
		cc := g.cardClient()
		principal, err := cc.FindCurrentUserPrincipal(ctx)
		if err != nil || principal != "/dav/principals/mia/" {
			t.Fatalf("principal %q %v", principal, err)
		}
		home, err := cc.FindAddressBookHomeSet(ctx, principal)
		if err != nil || home != "/dav/addressbooks/mia/" {
			t.Fatalf("address book home %q %v", home, err)
		}
		books, err := cc.FindAddressBooks(ctx, home)
		if err != nil || len(books) != 1 || books[0].Path != "/dav/addressbooks/mia/contacts/" {
			t.Fatalf("address books %+v %v", books, err)
		}
		kc := g.calClient()
		calHome, err := kc.FindCalendarHomeSet(ctx, principal)
		if err != nil || calHome != "/dav/calendars/mia/" {
			t.Fatalf("calendar home %q %v", calHome, err)
		}
		cals, err := kc.FindCalendars(ctx, calHome)
		if err != nil || len(cals) != 2 {
			t.Fatalf("calendars %+v %v", cals, err)
		}
		got := map[string][]string{}
		for _, c := range cals {
			got[c.Path] = c.SupportedComponentSet
		}
		if strings.Join(got["/dav/calendars/mia/appointments/"], ",") != "VEVENT" || strings.Join(got["/dav/calendars/mia/tasks/"], ",") != "VTODO" {
			t.Errorf("component sets %v", got)
		}
		body := want(t, g.do("PROPFIND", "/dav/principals/mia/", propfind(
			`<C:calendar-user-address-set/><D:principal-URL/><D:displayname/><D:resourcetype/><C:calendar-home-set/><CR:addressbook-home-set/>`),
			"Depth", "0"), http.StatusMultiStatus)
		for _, s := range []string{"mailto:mia@example.com", "<D:principal/>", "Mia Wolf", "/dav/calendars/mia/", "/dav/addressbooks/mia/"} {
			if !strings.Contains(body, s) {
				t.Errorf("principal lacks %q:\n%s", s, body)
			}
		}
	})
}

func TestCollectionProperties(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		body := want(t, g.do("PROPFIND", "/dav/calendars/mia/appointments/", propfind(
			`<CS:getctag/><D:sync-token/><D:supported-report-set/><D:current-user-privilege-set/><D:owner/>`+
				`<C:supported-calendar-component-set/><C:max-resource-size/><A:calendar-color/><A:calendar-order/><D:displayname/>`),
			"Depth", "0"), http.StatusMultiStatus)
		for _, s := range []string{"<CS:getctag>http://rapport.invalid/ns/sync/", "<C:calendar-query/>", "<D:sync-collection/>",
			"<D:write/>", `<C:comp name="VEVENT"/>`, "<C:max-resource-size>1048576", "Appointments", "/dav/principals/mia/"} {
			if !strings.Contains(body, s) {
				t.Errorf("collection lacks %q:\n%s", s, body)
			}
		}
		// The colour is not set yet: 404 for it, 200 for the rest.
		if !strings.Contains(body, "404 Not Found") {
			t.Errorf("unset colour should be 404:\n%s", body)
		}
		patch := `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:A="http://apple.com/ns/ical/" xmlns:X="urn:example:x">` +
			`<D:set><D:prop><D:displayname>Meetings</D:displayname><A:calendar-color>#FF0000FF</A:calendar-color><X:flavour>mint &amp; lime</X:flavour></D:prop></D:set></D:propertyupdate>`
		body = want(t, g.do("PROPPATCH", "/dav/calendars/mia/appointments/", patch), http.StatusMultiStatus)
		if strings.Contains(body, "403") || !strings.Contains(body, "200 OK") {
			t.Fatalf("proppatch: %s", body)
		}
		body = want(t, g.do("PROPFIND", "/dav/calendars/mia/appointments/", propfind(`<D:displayname/><A:calendar-color/><X:flavour xmlns:X="urn:example:x"/>`), "Depth", "0"), http.StatusMultiStatus)
		for _, s := range []string{"Meetings", "#FF0000FF", "mint &amp; lime"} {
			if !strings.Contains(body, s) {
				t.Errorf("after proppatch lacks %q:\n%s", s, body)
			}
		}
		// A protected property fails the whole update (403 + 424), nothing stored.
		bad := `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>Nope</D:displayname><D:getetag>"x"</D:getetag></D:prop></D:set></D:propertyupdate>`
		body = want(t, g.do("PROPPATCH", "/dav/calendars/mia/appointments/", bad), http.StatusMultiStatus)
		if !strings.Contains(body, "403 Forbidden") || !strings.Contains(body, "424 Failed Dependency") {
			t.Errorf("protected proppatch: %s", body)
		}
		body = want(t, g.do("PROPFIND", "/dav/calendars/mia/appointments/", propfind(`<D:displayname/>`), "Depth", "0"), http.StatusMultiStatus)
		if !strings.Contains(body, "Meetings") {
			t.Errorf("failed proppatch changed the name: %s", body)
		}
	})
}

func TestIsolationAndDepth(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		for _, p := range []string{"/dav/calendars/ben/appointments/", "/dav/addressbooks/ben/contacts/", "/dav/principals/ben/"} {
			want(t, g.do("PROPFIND", p, "", "Depth", "1"), http.StatusForbidden)
		}
		want(t, g.do("PUT", "/dav/calendars/ben/appointments/x.ics", "BEGIN:VCALENDAR", "Content-Type", "text/calendar"), http.StatusForbidden)
		want(t, g.do("GET", "/dav/addressbooks/ben/contacts/x.vcf", ""), http.StatusForbidden)
		body := want(t, g.do("PROPFIND", "/dav/calendars/mia/", "", "Depth", "infinity"), http.StatusForbidden)
		if !strings.Contains(body, "propfind-finite-depth") {
			t.Errorf("infinite depth: %s", body)
		}
		want(t, g.do("PROPFIND", "/dav/calendars/mia/nosuch/", "", "Depth", "0"), http.StatusNotFound)
		want(t, g.do("PROPFIND", "/dav/addressbooks/mia/mine/", "", "Depth", "0"), http.StatusNotFound)
	})
}

func propfind(props string) string {
	return `<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" ` +
		`xmlns:CR="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/" xmlns:A="http://apple.com/ns/ical/">` +
		`<D:prop>` + props + `</D:prop></D:propfind>`
}

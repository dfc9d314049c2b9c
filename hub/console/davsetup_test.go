package console_test

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"html"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	qr "github.com/piglig/go-qr"

	"rapport/model"
)

var (
	plistString = func(key string) *regexp.Regexp {
		return regexp.MustCompile(`<key>` + key + `</key>\s*<string>([^<]*)</string>`)
	}
	qrImage = regexp.MustCompile(`<img class="qr" src="data:image/png;base64,([^"]+)"`)
	icsLink = regexp.MustCompile(`<span class="secret">(http[^<]+\.ics)</span>`)
)

// TestDAVSetup draws each client's setup page with the user's addresses;
// the Apple profile is made only on a POST with the CSRF token and carries
// a new app password that signs in to DAV; the DAVx5 QR code decodes to
// the login address; the Outlook page makes and revokes an ICS link.
func TestDAVSetup(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		bob := g.user("bob", "Bob Builder", model.RoleAgent, nil)
		g.user("pat", "Pat Portal", model.RolePortal, nil)
		b := g.signIn("bob")
		base := g.srv.URL
		host := strings.TrimPrefix(base, "http://")
		profile := b.page("/profile")
		for _, cl := range []string{"thunderbird", "apple", "davx5", "outlook"} {
			if !strings.Contains(profile, `href="/profile/dav/`+cl+`"`) {
				t.Errorf("the profile does not link the %s page", cl)
			}
			page := b.page("/profile/dav/" + cl)
			for _, want := range []string{base + "/dav/addressbooks/bob/contacts/", base + "/dav/calendars/bob/appointments/",
				base + "/dav/calendars/bob/tasks/", base + "/dav/principals/bob/", "bob@example.com"} {
				if !strings.Contains(page, want) {
					t.Errorf("%s: no %s", cl, want)
				}
			}
		}
		if code, _ := b.get("/profile/dav/evolution"); code != http.StatusNotFound {
			t.Errorf("unknown client: %d", code)
		}

		// Apple: the GET makes no password; the POST makes one and the profile.
		apple := b.page("/profile/dav/apple")
		if pws, _ := g.s.AppPasswords(sys, bob.ID); len(pws) != 0 || strings.Contains(apple, "CardDAVPassword") {
			t.Fatalf("the Apple page made a password: %d", len(pws))
		}
		b.refusedWithoutToken(t, map[string]url.Values{"/profile/dav/apple": {"label": {"iPhone"}}, "/profile/dav/outlook/ics": {}})
		if r := b.post("/profile/dav/apple", url.Values{"csrf_token": {b.csrf(apple)}, "label": {"  "}}); r.code != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, `id="label-error"`) {
			t.Errorf("empty label: %d", r.code)
		}
		r := b.post("/profile/dav/apple", url.Values{"csrf_token": {b.csrf(apple)}, "label": {"Bob's iPhone <3"}})
		if r.code != http.StatusOK || r.hdr.Get("Content-Type") != "application/x-apple-aspen-config" || r.hdr.Get("Cache-Control") != "no-store" ||
			!strings.Contains(r.hdr.Get("Content-Disposition"), "rapport.mobileconfig") {
			t.Fatalf("profile: %d %v %.300s", r.code, r.hdr, r.body)
		}
		dec := xml.NewDecoder(strings.NewReader(r.body))
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("the profile is not well-formed XML: %v\n%s", err, r.body)
			}
		}
		for _, kind := range []string{"CardDAV", "CalDAV"} {
			for key, want := range map[string]string{"HostName": "127.0.0.1", "Username": "bob", "PrincipalURL": "/dav/principals/bob/"} {
				if m := plistString(kind + key).FindStringSubmatch(r.body); m == nil || m[1] != want {
					t.Errorf("%s%s: %v", kind, key, m)
				}
			}
			pw := plistString(kind + "Password").FindStringSubmatch(r.body)
			if pw == nil {
				t.Fatalf("no %s password", kind)
			}
			if u, err := g.s.AppPasswordAuth(sys, "bob", pw[1]); err != nil || u.ID != bob.ID {
				t.Errorf("the profile's %s password does not sign in: %v", kind, err)
			}
		}
		for _, want := range []string{"<string>com.apple.carddav.account</string>", "<string>com.apple.caldav.account</string>",
			"<key>CalDAVUseSSL</key>\n\t\t\t<false/>", "Bob&#39;s iPhone &lt;3"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the profile lacks %q", want)
			}
		}
		if pws, _ := g.s.AppPasswords(sys, bob.ID); len(pws) != 1 || pws[0].Label != "Bob's iPhone <3" {
			t.Errorf("app passwords after the profile: %+v", pws)
		}

		// DAVx5: the QR code decodes to the login address.
		davx5 := b.page("/profile/dav/davx5")
		m := qrImage.FindStringSubmatch(davx5)
		if m == nil {
			t.Fatal("no QR code")
		}
		raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		text, err := qr.Decode(img)
		if want := "caldav://bob@" + host + "/dav/"; err != nil || text != want {
			t.Errorf("the QR code reads %q (%v), want %q", text, err, want)
		}

		// Outlook: an ICS link, shown once, that works until revoked.
		outlook := b.page("/profile/dav/outlook")
		r = b.post("/profile/dav/outlook/ics", url.Values{"csrf_token": {b.csrf(outlook)}, "include_tasks": {"1"}})
		link := icsLink.FindStringSubmatch(r.body)
		if r.code != http.StatusOK || link == nil {
			t.Fatalf("ICS link: %d", r.code)
		}
		token := strings.TrimSuffix(strings.TrimPrefix(link[1], base+"/ics/"), ".ics")
		if u, f, err := g.s.ICSFeedAuth(sys, token); err != nil || u.ID != bob.ID || !f.IncludeTasks {
			t.Fatalf("the link's token: %v", err)
		}
		if again := b.page("/profile/dav/outlook"); strings.Contains(again, token) {
			t.Error("the ICS link is shown twice")
		}
		feeds, _ := g.s.ICSFeeds(sys, bob.ID)
		if len(feeds) != 1 {
			t.Fatalf("%d feeds", len(feeds))
		}
		b.refusedWithoutToken(t, map[string]url.Values{"/profile/ics/" + feeds[0].ID + "/revoke": {}})
		if _, _, err := g.s.ICSFeedAuth(sys, token); err != nil {
			t.Fatalf("a refused revoke revoked the link: %v", err)
		}
		if r := b.post("/profile/ics/"+feeds[0].ID+"/revoke", url.Values{"csrf_token": {b.csrf(outlook)}}); r.code != http.StatusSeeOther {
			t.Errorf("revoke: %d", r.code)
		}
		if _, _, err := g.s.ICSFeedAuth(sys, token); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("the revoked link still works: %v", err)
		}
		// Another user's feed cannot be revoked from here.
		if r := b.post("/profile/ics/"+model.NewID()+"/revoke", url.Values{"csrf_token": {b.csrf(outlook)}}); r.code != http.StatusNotFound {
			t.Errorf("revoke an unknown feed: %d", r.code)
		}

		pat := g.signIn("pat")
		if code, _ := pat.get("/profile/dav/apple"); code != http.StatusForbidden {
			t.Errorf("portal user: %d", code)
		}
		b.lang = "ru"
		if ru := b.page("/profile/dav/outlook"); !strings.Contains(ru, "Двусторонняя синхронизация") {
			t.Error("the Outlook page in Russian")
		}
	})
}

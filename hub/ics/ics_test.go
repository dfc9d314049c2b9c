package ics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/gorilla/mux"

	"rapport/hub/ics"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestCalendarFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := model.WithActor(context.Background(), model.System)
		mia := &model.User{Email: "mia@example.com", Name: "Mia Müller", Role: "agent"}
		bob := &model.User{Email: "bob@example.com", Name: "Bob", Role: "agent"}
		for _, u := range []*model.User{mia, bob} {
			if err := s.CreateUser(ctx, u, ""); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
		end, remind := start.Add(time.Hour), start.Add(-15*time.Minute)
		old := time.Now().UTC().AddDate(-2, 0, 0)
		day, _ := model.ParseDate(start.Format("2006-01-02"))
		due := start.Add(24 * time.Hour)
		acts := []*model.Activity{
			{Kind: model.KindAppointment, Subject: "Встреча с клиентом", StartAt: &start, EndAt: &end, RemindAt: &remind, OwnerID: &mia.ID,
				Location: "Office", Attendees: []model.Attendee{{Email: "client@example.ru", Name: "Клиент", Status: "accepted"}}},
			{Kind: model.KindAppointment, Subject: "Weekly sync", StartAt: &old, OwnerID: &mia.ID, RecurrenceRule: "FREQ=WEEKLY;BYDAY=MO"},
			{Kind: model.KindAppointment, Subject: "Bob's meeting with Mia", StartAt: &start, OwnerID: &bob.ID, Attendees: []model.Attendee{{UserID: mia.ID}}},
			{Kind: model.KindAppointment, Subject: "Offsite", AllDay: true, StartDate: &day, OwnerID: &mia.ID},
			{Kind: model.KindCall, Subject: "Call", StartAt: &start, DurationSeconds: 600, OwnerID: &mia.ID},
			{Kind: model.KindAppointment, Subject: "Ancient one-off", StartAt: &old, OwnerID: &mia.ID},
			{Kind: model.KindAppointment, Subject: "Bob only", StartAt: &start, OwnerID: &bob.ID},
			{Kind: model.KindTask, Subject: "Send the quote", DueAt: &due, Priority: "high", OwnerID: &mia.ID},
		}
		if err := store.CreateMany(ctx, s, acts); err != nil {
			t.Fatal(err)
		}
		plain, feed, err := s.CreateICSFeed(ctx, mia.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		r := mux.NewRouter()
		(&ics.Handler{Store: s}).Mount(r)
		srv := httptest.NewServer(r)
		defer srv.Close()

		resp, err := http.Get(srv.URL + "/ics/" + plain + ".ics")
		if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("%v %v", resp.StatusCode, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cal, err := ical.NewDecoder(strings.NewReader(string(body))).Decode()
		if err != nil {
			t.Fatalf("our feed does not parse: %v\n%s", err, body)
		}
		summaries := map[string]*ical.Component{}
		for _, c := range cal.Children {
			s, _ := c.Props.Text(ical.PropSummary)
			summaries[s] = c
		}
		for _, want := range []string{"Встреча с клиентом", "Weekly sync", "Bob's meeting with Mia", "Offsite", "Call", "Send the quote"} {
			if summaries[want] == nil {
				t.Errorf("missing %q in\n%s", want, body)
			}
		}
		for _, unwanted := range []string{"Ancient one-off", "Bob only"} {
			if summaries[unwanted] != nil {
				t.Errorf("%q should not be in Mia's feed", unwanted)
			}
		}
		text := string(body)
		for _, want := range []string{"RRULE:FREQ=WEEKLY;BYDAY=MO", "BEGIN:VALARM", "ORGANIZER;CN=Mia Müller:mailto:mia@example.com",
			"DTSTART;VALUE=DATE:" + day.Format("20060102"), "BEGIN:VTODO", "PRIORITY:3", "DURATION:PT600S", "SEQUENCE:0"} {
			if !strings.Contains(strings.ReplaceAll(text, "\r\n ", ""), want) {
				t.Errorf("feed lacks %q", want)
			}
		}
		req, _ := http.NewRequest("GET", srv.URL+"/ics/"+plain+".ics", nil)
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != http.StatusNotModified {
			t.Fatalf("If-None-Match: %d", resp.StatusCode)
		}
		if err := s.RevokeICSFeed(ctx, mia.ID, feed.ID); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/ics/" + plain + ".ics", "/ics/ics_unknown.ics"} {
			if resp, _ := http.Get(srv.URL + path); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
		}
	})
}

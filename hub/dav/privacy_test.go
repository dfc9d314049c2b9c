package dav_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-webdav/carddav"

	"rapport/model"
	"rapport/model/store"
)

// TestSyncAfterErasureAndPruning follows a CardDAV client through a privacy
// erasure (the erased card is reported gone) and a feed pruning that passes
// its sync token: the next sync-collection is 403 DAV:valid-sync-token
// (RFC 6578 §3.2), and a fresh sync from an empty token works and goes on
// working.
func TestSyncAfterErasureAndPruning(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		ctx := actorCtx(t, g.s, g.mia)
		cc := g.cardClient()
		bg := context.Background()
		const book = "/dav/addressbooks/mia/contacts/"
		lev := &model.Contact{FirstName: "Lev", LastName: "Orlov", Emails: []model.Labeled{{Value: "lev@example.ru"}}}
		jane := &model.Contact{FirstName: "Jane", LastName: "Doe", Emails: []model.Labeled{{Value: "jane@example.com"}},
			DAV: model.DAVLink{UID: "jane-uid", Name: "jane.vcf"}}
		for _, c := range []*model.Contact{lev, jane} {
			if err := store.Create(ctx, g.s, c); err != nil {
				t.Fatal(err)
			}
		}
		first, err := cc.SyncCollection(bg, book, &carddav.SyncQuery{})
		if err != nil || len(first.Updated) != 2 {
			t.Fatalf("first sync: %+v %v", first, err)
		}

		// The erasure reaches the client as a deletion of the card it knows.
		if _, err := g.s.EraseContact(sys, jane.ID, store.EraseOptions{}); err != nil {
			t.Fatal(err)
		}
		second, err := cc.SyncCollection(bg, book, &carddav.SyncQuery{SyncToken: first.SyncToken})
		if err != nil || !slices.Equal(second.Deleted, []string{book + "jane.vcf"}) || len(second.Updated) != 0 {
			t.Fatalf("sync after the erasure: %+v %v", second, err)
		}
		want(t, g.do("GET", book+"jane.vcf", ""), http.StatusNotFound)

		// More changes, then retention prunes every row but the newest: the
		// client's token is below the horizon now.
		ana := &model.Contact{FirstName: "Ana", LastName: "Lima"}
		if err := store.Create(ctx, g.s, ana); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Update(ctx, g.s, ana.ID, 0, func(c *model.Contact) error { c.Title = "CFO"; return nil }); err != nil {
			t.Fatal(err)
		}
		old := time.Now().UTC().Add(-100 * 24 * time.Hour)
		q := "UPDATE changes SET at = ?"
		if g.s.Engine() == "postgres" {
			q = "UPDATE changes SET at = $1"
		}
		if _, err := g.s.DB().Exec(q, old); err != nil {
			t.Fatal(err)
		}
		if n, err := g.s.PruneFeed(sys, time.Now().Add(-90*24*time.Hour), 1000); err != nil || n == 0 {
			t.Fatalf("pruned %d: %v", n, err)
		}
		body := want(t, g.do("REPORT", book, syncReport(second.SyncToken, 0)), http.StatusForbidden)
		if !strings.Contains(body, "<D:valid-sync-token") {
			t.Errorf("a token below the horizon: %s", body)
		}
		if _, err := cc.SyncCollection(bg, book, &carddav.SyncQuery{SyncToken: second.SyncToken}); err == nil {
			t.Error("the client synced with a pruned token")
		}

		// The client starts afresh: the live cards, a new token that works.
		fresh, err := cc.SyncCollection(bg, book, &carddav.SyncQuery{})
		if err != nil || len(fresh.Updated) != 2 || fresh.Updated[0].Path != book+lev.ID+".vcf" || fresh.Updated[1].Path != book+ana.ID+".vcf" {
			t.Fatalf("fresh sync: %+v %v", fresh, err)
		}
		idle, err := cc.SyncCollection(bg, book, &carddav.SyncQuery{SyncToken: fresh.SyncToken})
		if err != nil || len(idle.Updated)+len(idle.Deleted) != 0 {
			t.Fatalf("idle sync: %+v %v", idle, err)
		}
		eve := &model.Contact{FirstName: "Eve", LastName: "Park"}
		if err := store.Create(ctx, g.s, eve); err != nil {
			t.Fatal(err)
		}
		next, err := cc.SyncCollection(bg, book, &carddav.SyncQuery{SyncToken: idle.SyncToken})
		if err != nil || len(next.Updated) != 1 || next.Updated[0].Path != book+eve.ID+".vcf" {
			t.Fatalf("sync after a new card: %+v %v", next, err)
		}
		// The collection's own token (PROPFIND) is never below the horizon.
		body = want(t, g.do("PROPFIND", book, `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:sync-token/></D:prop></D:propfind>`,
			"Depth", "0"), http.StatusMultiStatus)
		h, _ := g.s.FeedHorizon(bg)
		if !strings.Contains(body, "sync-token") || strings.Contains(body, "/sync/0<") || h == 0 {
			t.Errorf("collection token (horizon %d): %s", h, body)
		}
	})
}

package dav_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav/carddav"

	"rapport/model"
	"rapport/model/store"
)

const annaDupCard = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:anna-2\r\nN:Berg;Anna;;;\r\nFN:Anna Berg\r\n" +
	"EMAIL;TYPE=HOME:anna.berg@mail.example\r\nEND:VCARD\r\n"

// TestMergedContactOverDAV: after a merge, a client that knew the loser's
// card learns from sync-collection that it is gone and the survivor
// changed; until it syncs, its GETs and PUTs of the old card reach the
// survivor and re-create nothing.
func TestMergedContactOverDAV(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		ctx := actorCtx(t, g.s, g.mia)
		cc := g.cardClient()
		bg := context.Background()
		const book = "/dav/addressbooks/mia/contacts/"
		want(t, putCard(g, "anna.vcf", annaCard), http.StatusCreated)
		want(t, putCard(g, "anna2.vcf", annaDupCard), http.StatusCreated)
		before, err := cc.SyncCollection(bg, book, &carddav.SyncQuery{})
		if err != nil || len(before.Updated) != 2 {
			t.Fatalf("first sync %+v %v", before, err)
		}
		survivor, loser := g.contactByUID(t, "anna-1"), g.contactByUID(t, "anna-2")
		if _, _, err := g.s.MergeContacts(ctx, survivor.ID, loser.ID, store.MergeOptions{}); err != nil {
			t.Fatal(err)
		}

		after, err := cc.SyncCollection(bg, book, &carddav.SyncQuery{SyncToken: before.SyncToken})
		if err != nil || !slices.Equal(after.Deleted, []string{book + "anna2.vcf"}) || len(after.Updated) != 1 || after.Updated[0].Path != book+"anna.vcf" {
			t.Fatalf("sync after the merge: %+v %v", after, err)
		}

		// The old name serves the survivor's card.
		obj, err := cc.GetAddressObject(bg, book+"anna2.vcf")
		if err != nil || obj.Card.Value(vcard.FieldUID) != "anna-1" || len(obj.Card[vcard.FieldEmail]) != 2 {
			t.Fatalf("GET of the merged card: %+v %v", obj, err)
		}

		// A PUT of the old card folds into the survivor; nothing is created.
		edited := strings.Replace(annaDupCard, "END:VCARD", "TEL;TYPE=CELL:+49 171 7654321\r\nEND:VCARD", 1)
		resp := putCard(g, "anna2.vcf", edited)
		want(t, resp, http.StatusNoContent)
		got := g.contactByUID(t, "anna-1")
		if len(got.Phones) != 2 || len(got.Emails) != 2 || got.DAV.Name != "anna.vcf" || resp.Header.Get("ETag") == obj.ETag {
			t.Errorf("survivor after the PUT: %+v %+v", got.Phones, got.DAV)
		}
		if page, _ := store.List[model.Contact](ctx, g.s, store.ListParams{}); len(page.Items) != 1 {
			t.Errorf("%d contacts after PUTs of the merged card", len(page.Items))
		}
		want(t, putCard(g, "anna2.vcf", annaDupCard, "If-None-Match", "*"), http.StatusPreconditionFailed)
		want(t, putCard(g, "anna2.vcf", annaDupCard, "If-Match", `"1-1"`), http.StatusPreconditionFailed)

		// The merged UID under a new name is the survivor's; DELETE of the
		// old name finds nothing to delete.
		body := want(t, putCard(g, "again.vcf", annaDupCard), http.StatusConflict)
		if !strings.Contains(body, "no-uid-conflict") || !strings.Contains(body, book+"anna.vcf") {
			t.Errorf("UID conflict: %s", body)
		}
		want(t, g.do("DELETE", book+"anna2.vcf", ""), http.StatusNotFound)
		if g.contactByUID(t, "anna-1") == nil {
			t.Error("DELETE of the merged name deleted the survivor")
		}
	})
}

// contactByUID returns the live contact with a DAV UID.
func (g *rig) contactByUID(t *testing.T, uid string) *model.Contact {
	t.Helper()
	page, err := store.List[model.Contact](sys, g.s, store.ListParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range page.Items {
		if c.DAV.UID == uid {
			return c
		}
	}
	t.Fatalf("no live contact with UID %s", uid)
	return nil
}

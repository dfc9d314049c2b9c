package dav

import (
	"context"
	"net/http"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/vcardmap"
)

// A merged contact's tombstone keeps its resource name and UID, which
// clients that have not synced since the merge still use. GET of the name
// answers the survivor's card; PUT to it folds the card into the survivor
// (never removing what the survivor has), so nothing is re-created; a new
// card carrying the merged UID is a UID conflict naming the survivor.
// Sync-collection reports the merged name as gone (its feed row is a
// delete), and DELETE of it is 404: the card is already gone.

// memberOrSurvivor returns the collection's member called name or, when
// the name was a merged contact's, its survivor.
func (h *Handler) memberOrSurvivor(ctx context.Context, c *collection, name string) (*store.DAVEntry, error) {
	e, err := h.member(ctx, c, name)
	if model.ErrorCode(err) != model.ENOTFOUND {
		return e, err
	}
	sur, err2 := h.survivorOf(ctx, c, name)
	switch {
	case err2 != nil:
		return nil, err2
	case sur == nil:
		return nil, err
	}
	return sur, nil
}

// survivorOf returns the survivor of the merged contact called name, nil
// when there is none in the collection.
func (h *Handler) survivorOf(ctx context.Context, c *collection, name string) (*store.DAVEntry, error) {
	sur, err := h.store.DAVSurvivorByName(ctx, c.scope, name, c.be.ext())
	switch model.ErrorCode(err) {
	case "":
		return &sur, nil
	case model.ENOTFOUND:
		return nil, nil
	}
	return nil, err
}

// putMerged folds a card PUT under a merged contact's name into the
// survivor with the merge's rules, the survivor keeping its own UID and
// name; conditions are judged against the survivor.
func (h *Handler) putMerged(w http.ResponseWriter, r *http.Request, c *collection, sur *store.DAVEntry, body []byte) error {
	if err := checkConditions(r, sur, c.be); err != nil {
		return err
	}
	card, err := vcardmap.Decode(body, int(h.cfg.MaxResourceSize))
	if err != nil {
		return validData(c, err)
	}
	ctx := r.Context()
	saved, err := store.Update(ctx, h.store, sur.ID, sur.Version, func(cur *model.Contact) error {
		if cur.AccountID == nil {
			if cur.AccountID, err = h.store.AccountForCompany(ctx, card.Company); err != nil {
				return err
			}
		}
		return model.MergeFields(cur, &card.Contact, nil)
	})
	if err != nil {
		return err
	}
	e, err := h.entryOf(ctx, c, saved, saved.AccountID)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", c.be.etag(e))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

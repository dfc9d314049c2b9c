package api

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"rapport/hub/auth"
	"rapport/model/store"
)

func init() {
	schemaTypes = append(schemaTypes, EraseRequest{}, store.EraseReport{}, store.EraseItem{}, store.EraseReview{})
}

// Privacy is the installation's data-protection settings for the API.
type Privacy struct {
	// Keep is the keep-list of erasures (model.ParsePrivacyKeep); nil is
	// model.DefaultPrivacyKeep.
	Keep []string
	// CollectBlobs deletes, once an erasure has committed, those of the
	// given blobs no row refers to (connectors/blobstore through cmd) and
	// returns how many it deleted; nil leaves them to the periodic
	// collector.
	CollectBlobs func(ctx context.Context, sha256s []string) (int, error)
}

// EraseRequest is the body of POST /contacts/{id}/erase: DryRun answers
// the same report and changes nothing.
type EraseRequest struct {
	DryRun bool `json:"dry_run"`
}

// mountPrivacy serves a person's data export and erasure (admins). It is
// mounted before the collections, like the merge.
func (a *API) mountPrivacy(r *mux.Router) {
	a.handle(r, http.MethodGet, "/contacts/{id}/privacy-export", operation{id: "export_contact_privacy", tag: "Contacts", kind: opCustom,
		summary: "Everything held about a person, as one zip: person.json and their files, streamed (admins; audited)"}, a.privacyExport)
	a.handle(r, http.MethodPost, "/contacts/{id}/erase", operation{id: "erase_contact", tag: "Contacts", kind: opCustom,
		request: "EraseRequest", schema: "EraseReport",
		summary: "Erase a person across records, history and logs, keeping what the keep-list requires; dry_run only reports (admins)"},
		a.eraseContact)
}

// privacyExport streams the export archive. Errors found before the first
// byte (not found, forbidden) are problems; a failure while streaming cuts
// the connection, so the client never takes a cut archive for a whole one.
func (a *API) privacyExport(w http.ResponseWriter, r *http.Request) {
	if err := requireAdmin(r.Context()); err != nil {
		fail(w, r, err)
		return
	}
	id := mux.Vars(r)["id"]
	body := &lazyBody{w: w, start: func(h http.Header) {
		fileHeaders(h, "application/zip", "person-"+id+".zip")
		h.Set("Cache-Control", "no-store")
	}}
	bw := bufio.NewWriterSize(body, 64<<10)
	_, err := a.store.PrivacyExport(r.Context(), id, bw, a.cfg.Blobs, auth.ClientIP(r))
	if err == nil {
		err = bw.Flush()
	}
	switch {
	case err == nil:
	case !body.started:
		fail(w, r, err)
	default:
		slog.WarnContext(r.Context(), "privacy export stopped", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// eraseContact erases the person and collects the files no row refers to
// any more.
func (a *API) eraseContact(w http.ResponseWriter, r *http.Request) {
	if err := requireAdmin(r.Context()); err != nil {
		fail(w, r, err)
		return
	}
	var in EraseRequest
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	rep, err := a.store.EraseContact(r.Context(), mux.Vars(r)["id"], store.EraseOptions{Keep: a.cfg.Privacy.Keep, DryRun: in.DryRun})
	if err != nil {
		fail(w, r, err)
		return
	}
	if !in.DryRun && a.cfg.Privacy.CollectBlobs != nil && len(rep.BlobHashes) > 0 {
		// The erasure stands; a file the collector could not take now goes
		// with its next periodic pass.
		n, err := a.cfg.Privacy.CollectBlobs(r.Context(), rep.BlobHashes)
		if err != nil {
			slog.WarnContext(r.Context(), "erase: collecting blobs", "err", err)
		}
		rep.BlobsDeleted = n
	}
	writeJSON(w, http.StatusOK, rep)
}

package store

import (
	"context"
	"errors"
	"slices"
	"sort"

	"rapport/model"
)

// AuditContactErased and AuditContactExported are the audit actions of a
// privacy erasure and export.
const (
	AuditContactErased   = "contact_erased"
	AuditContactExported = "contact_privacy_export"
)

// What an erasure did to a record or row, as its report names it.
const (
	// EraseErased: a tombstone whose personal fields are cleared.
	EraseErased = "erased"
	// EraseAnonymised: stays live (a request, a time entry), its link to
	// the person and what they wrote cleared.
	EraseAnonymised = "anonymised"
	// EraseUnlinked: stays live (the company's deal, quote, meeting); its
	// reference to the person goes and their details are scrubbed from
	// its text.
	EraseUnlinked = "unlinked"
	// EraseScrubbed: the person's details replaced by ErasedText in a
	// record, feed row or log row that is not otherwise about them.
	EraseScrubbed = "scrubbed"
	// EraseDeleted: a link or log row removed.
	EraseDeleted = "deleted"
	// EraseKept: left as it is by the installation's keep-list.
	EraseKept = "kept"
)

// EraseIDCap bounds the ids an erasure report lists per item; the counts
// are always complete.
const EraseIDCap = 100

// EraseOptions are an erasure's inputs: the installation's keep-list
// (model.ParsePrivacyKeep; nil is model.DefaultPrivacyKeep) and DryRun, which
// reports what would happen and changes nothing.
type EraseOptions struct {
	Keep   []string
	DryRun bool
}

// EraseReport says what an erasure did (or, dry, would do), per table.
type EraseReport struct {
	ContactID string   `json:"contact_id"`
	DryRun    bool     `json:"dry_run"`
	Keep      []string `json:"keep"`
	// Changed totals the items that are not kept; Kept those that are.
	Changed int         `json:"changed"`
	Kept    int         `json:"kept"`
	Items   []EraseItem `json:"items"`
	// Review lists what may still say something of the person but is not
	// the erasure's to change: configuration naming their address, details
	// they share with other records.
	Review []EraseReview `json:"review"`
	// Blobs counts the files (attachments, raw mail) no row refers to any
	// more; BlobsDeleted how many of them the caller's collector removed at
	// once (the rest go with the periodic collector).
	Blobs        int      `json:"blobs"`
	BlobsDeleted int      `json:"blobs_deleted"`
	BlobHashes   []string `json:"-"`
}

// EraseItem is what happened to the rows of one table: Action, how many
// (IDs lists the first EraseIDCap) and, for kept rows, why.
type EraseItem struct {
	Table  string   `json:"table"`
	Action string   `json:"action"`
	Count  int      `json:"count"`
	IDs    []string `json:"ids"`
	Reason string   `json:"reason,omitempty"`
}

// EraseReview is one thing an admin should look at after an erasure.
type EraseReview struct {
	Table string `json:"table"`
	ID    string `json:"id,omitempty"`
	Why   string `json:"why"`
}

// erasure is one run's state.
type erasure struct {
	p    *person
	keep []string
	// What earlier steps decided, for later ones: the requests anonymised,
	// leads erased, and every record erased (whose attachments go).
	requests, leads []string
	erased          map[string][]string
	// touched lists every record written, for the feed's history; kept
	// names the records the keep-list kept ("entity:id").
	touched []touched
	kept    map[string]string
	blobs   map[string]bool
	items   map[[2]string]*EraseItem
	order   [][2]string
	review  []EraseReview
}

// touched is a record an erasure wrote. cleared holds the JSON fields whose
// values its older feed rows must lose (erased and anonymised records),
// with the values they have now.
type touched struct {
	entity, id string
	cleared    map[string]any
}

func newErasure(p *person, keep []string) *erasure {
	return &erasure{p: p, keep: keep, erased: map[string][]string{}, kept: map[string]string{}, blobs: map[string]bool{},
		items: map[[2]string]*EraseItem{}}
}

// note counts one row of table under action.
func (e *erasure) note(table, action, id, reason string) {
	key := [2]string{table, action + "\x00" + reason}
	it := e.items[key]
	if it == nil {
		it = &EraseItem{Table: table, Action: action, IDs: []string{}, Reason: reason}
		e.items[key] = it
		e.order = append(e.order, key)
	}
	it.Count++
	if id != "" && len(it.IDs) < EraseIDCap {
		it.IDs = append(it.IDs, id)
	}
}

// noteN counts n rows of table under action at once.
func (e *erasure) noteN(table, action string, n int64) {
	for range n {
		e.note(table, action, "", "")
	}
}

// keeps reports whether the keep-list holds entry.
func (e *erasure) keeps(entry string) bool { return slices.Contains(e.keep, entry) }

// addBlob remembers a blob a row no longer refers to.
func (e *erasure) addBlob(sha string) {
	if len(sha) == 64 {
		e.blobs[sha] = true
	}
}

// report builds the report of the run.
func (e *erasure) report(id string, dry bool) *EraseReport {
	rep := &EraseReport{ContactID: id, DryRun: dry, Keep: slices.Clone(e.keep), Items: []EraseItem{}, Review: e.review}
	if rep.Review == nil {
		rep.Review = []EraseReview{}
	}
	for _, k := range e.order {
		it := *e.items[k]
		rep.Items = append(rep.Items, it)
		if it.Action == EraseKept {
			rep.Kept += it.Count
		} else {
			rep.Changed += it.Count
		}
	}
	for sha := range e.blobs {
		rep.BlobHashes = append(rep.BlobHashes, sha)
	}
	sort.Strings(rep.BlobHashes)
	rep.Blobs = len(rep.BlobHashes)
	return rep
}

// EraseContact erases a person, in one transaction: the contact becomes a
// tombstone whose personal fields are cleared (its id, owner and DAV name
// stay, so DAV clients and feed readers see it go), and every record, link,
// feed row and log that holds their data is erased, anonymised, unlinked or
// scrubbed by the rules of eraseSteps, except what the keep-list keeps
// (opts.Keep). The contact's feed row carries contact.erased. No mail goes
// out (no invitation updates). The report says what happened per table;
// its BlobHashes are the files no row refers to any more, for the caller
// to collect once it has committed. Admins only.
func (s *Store) EraseContact(ctx context.Context, id string, opts EraseOptions) (*EraseReport, error) {
	if !model.ActorFrom(ctx).IsAdmin() {
		return nil, model.Errorf(model.EFORBIDDEN, "erasing a person is for admins (with an admin-scoped token)")
	}
	keep := opts.Keep
	if keep == nil {
		keep = model.DefaultPrivacyKeep
	}
	var rep *EraseReport
	ctx = ClientScheduled(ctx) // an erasure mails nobody
	err := s.withDryRun(ctx, opts.DryRun, func(ctx context.Context) error {
		p, err := s.loadPerson(ctx, id, true)
		if err != nil {
			return err
		}
		e := newErasure(p, keep)
		if err := s.erase(ctx, e); err != nil {
			return err
		}
		rep = e.report(p.contact.ID, opts.DryRun)
		return s.Audit(ctx, AuditContactErased, p.contact.ID, "", "", map[string]any{
			"keep": keep, "changed": rep.Changed, "kept": rep.Kept, "blobs": rep.Blobs, "duplicates": len(p.ids) - 1})
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// withDryRun runs fn in one transaction, and with dry rolls it back once fn
// has succeeded: a dry run does the very same work as the real one.
func (s *Store) withDryRun(ctx context.Context, dry bool, fn func(ctx context.Context) error) error {
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := fn(ctx); err != nil || !dry {
			return err
		}
		return errDryRun
	})
	if errors.Is(err, errDryRun) {
		return nil
	}
	return err
}

// erase runs every step in order, in the transaction in ctx.
func (s *Store) erase(ctx context.Context, e *erasure) error {
	if err := s.shareCheck(ctx, e); err != nil {
		return err
	}
	for _, st := range eraseSteps {
		if err := st.run(ctx, s, e); err != nil {
			return err
		}
	}
	return nil
}

// shareCheck leaves out the e-mail addresses and phone numbers the person
// shares with other contacts or accounts (a switchboard, a team mailbox):
// records and logs are neither found nor scrubbed by them, since that would
// take the others' data. They are listed for review.
func (s *Store) shareCheck(ctx context.Context, e *erasure) error {
	p := e.p
	values := slices.Clone(p.emails)
	for _, ph := range p.phones {
		if n, ok := model.NormalizePhone(ph); ok {
			values = append(values, n)
		}
	}
	if len(values) == 0 {
		return nil
	}
	var shared []string
	err := s.conn(ctx).Table("search_keys").Where("entity IN ? AND value IN ? AND record_id NOT IN ?",
		[]string{"contact", "account"}, Dedupe(values), p.ids).Distinct("value").Pluck("value", &shared).Error
	if err != nil || len(shared) == 0 {
		return dbErr(err)
	}
	isShared := func(v string) bool {
		n, _ := model.NormalizePhone(v)
		return slices.Contains(shared, v) || (n != "" && slices.Contains(shared, n))
	}
	var left []string
	for _, v := range slices.Concat(p.emails, p.phones) {
		if isShared(v) {
			left = append(left, v)
		}
	}
	p.emails = slices.DeleteFunc(p.emails, isShared)
	p.phones = slices.DeleteFunc(p.phones, isShared)
	p.compile()
	for _, v := range left {
		e.review = append(e.review, EraseReview{Table: "search_keys",
			Why: "the person shares " + v + " with other contacts or accounts: it was left in their records and in the logs it appears in"})
	}
	return nil
}

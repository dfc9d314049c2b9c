package console

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/model"
	"rapport/model/store"
)

// Timeline sizes: "all" merges the newest of every source; one source pages
// through everything with the store's cursors.
const (
	timelineAllMax    = 60 // entries shown when every source is merged
	timelinePerSource = 30 // newest rows read from each source for "all"
	timelinePage      = 50 // entries per page of one source
	maxFiles          = 1000
)

// timelineShows are the timeline's filters, in the order offered.
var timelineShows = []string{"all", "activities", "mails", "documents", "files", "requests", "deals", "quotes", "orders"}

// timelineOpportunityShows are the filters of a deal's timeline: what can
// name a deal (activities linked to it, its files, quotes and orders).
var timelineOpportunityShows = []string{"all", "activities", "mails", "documents", "files", "quotes", "orders"}

// timelineBases are the record pages timelines sit on, by entity.
var timelineBases = map[string]string{"contact": "/contacts/", "account": "/accounts/", "opportunity": "/opportunities/"}

// timeline is the one chronology of a contact or an account: activities
// (appointments, calls, tasks, notes), mails, merged documents, files,
// requests, deals, quotes and orders — each read with the same store query
// and visibility as the API's lists, so a deal of another team stays hidden.
type timeline struct {
	Show    string // the filter: one of timelineShows
	Shows   []string
	Base    string // the record page's path
	Days    []timelineDay
	Count   int
	More    string // the next page's URL (one source), or ""
	Capped  bool   // "all" shows only the newest entries of each source
	Account bool   // an account's or a deal's timeline (entries name their contact)
	Names   *names
}

// timelineDay groups the entries of one day in the user's zone.
type timelineDay struct {
	Day     time.Time
	Entries []entry
}

// entry is one item of a timeline.
type entry struct {
	Kind     string // an activity kind, or request, deal, quote, order, file
	At       time.Time
	AllDay   bool
	Title    string
	Ref      string // a number: R-000123, Q-2026-0001
	Status   string // the status (its catalogue group is status.<Kind>)
	Text     string // an excerpt of the description
	Amount   *money
	Owner    *string // user id
	Contact  *string // the contact it is about (shown on account timelines)
	Link     string
	Priority string
}

// timeline reads the timeline of entity (contact, account or opportunity)
// id for the filter and cursor in query, collecting the ids it will name
// into ids.
func (c *Console) timeline(ctx context.Context, v *view, entity, id string, query url.Values, ids *nameIDs) (*timeline, error) {
	shows := timelineShows
	if entity == "opportunity" {
		shows = timelineOpportunityShows
	}
	t := &timeline{Show: query.Get("show"), Shows: shows, Base: timelineBases[entity] + id, Account: entity != "contact"}
	if !slices.Contains(shows, t.Show) {
		t.Show = "all"
	}
	var entries []entry
	if t.Show == "all" {
		for _, src := range shows[1:] {
			got, next, err := c.timelineSource(ctx, src, entity, id, timelinePerSource, "")
			if err != nil {
				return nil, err
			}
			t.Capped = t.Capped || next != ""
			entries = append(entries, got...)
		}
	} else {
		limit := timelinePage
		if t.Show == "files" {
			limit = maxFiles
		}
		got, next, err := c.timelineSource(ctx, t.Show, entity, id, limit, query.Get("after"))
		if err != nil {
			return nil, err
		}
		entries = got
		if next != "" && t.Show != "files" {
			t.More = t.Base + "?" + url.Values{"show": {t.Show}, "after": {next}}.Encode()
		}
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return b.At.Compare(a.At) })
	if t.Show == "all" && len(entries) > timelineAllMax {
		entries, t.Capped = entries[:timelineAllMax], true
	}
	t.Count = len(entries)
	for _, e := range entries {
		ids.user(e.Owner)
		ids.contact(e.Contact)
		day := dayOf(e.At.In(v.tz))
		if e.AllDay {
			day = dayOf(e.At)
		}
		if n := len(t.Days); n == 0 || !t.Days[n-1].Day.Equal(day) {
			t.Days = append(t.Days, timelineDay{Day: day})
		}
		t.Days[len(t.Days)-1].Entries = append(t.Days[len(t.Days)-1].Entries, e)
	}
	return t, nil
}

// timelineSource reads one source of the timeline, newest first: limit
// entries after cursor, and the cursor of the next page ("" at the end).
func (c *Console) timelineSource(ctx context.Context, src, entity, id string, limit int, cursor string) ([]entry, string, error) {
	s := c.cfg.Store
	ref := map[string]string{entity + "_id": id}
	lp := store.ListParams{Limit: limit, Cursor: cursor, Sort: "-created_at", Equals: ref}
	switch src {
	case "activities", "mails", "documents":
		kinds := map[string][]any{"activities": {model.KindAppointment, model.KindCall, model.KindTask, model.KindNote},
			"mails": {model.KindEmail}, "documents": {model.KindDocument}}[src]
		lp.Sort, lp.Equals = "-start", map[string]string{"linked": entity + ":" + id}
		lp.Filter = model.Filter{All: []model.Condition{{Field: "kind", Op: "in", Value: kinds}}}
		pg, err := store.List[model.Activity](ctx, s, lp)
		return mapItems(pg.Items, activityEntry), pg.NextCursor, err
	case "requests":
		pg, err := store.List[model.Request](ctx, s, lp)
		return mapItems(pg.Items, requestEntry), pg.NextCursor, err
	case "deals":
		pg, err := store.List[model.Opportunity](ctx, s, lp)
		return mapItems(pg.Items, dealEntry), pg.NextCursor, err
	case "quotes":
		pg, err := store.List[model.Quote](ctx, s, lp)
		return mapItems(pg.Items, quoteEntry), pg.NextCursor, err
	case "orders":
		pg, err := store.List[model.Order](ctx, s, lp)
		return mapItems(pg.Items, orderEntry), pg.NextCursor, err
	case "files":
		// A record's files are few; they come in one list, oldest first.
		files, err := s.AttachmentsOf(ctx, entity, id)
		if err != nil || cursor != "" {
			return nil, "", err
		}
		out := make([]entry, 0, len(files))
		for i := len(files) - 1; i >= 0 && len(out) < limit; i-- {
			f := &files[i]
			out = append(out, entry{Kind: "file", At: f.CreatedAt, Title: f.Filename, Text: f.ContentType,
				Owner: &f.CreatedBy, Link: "/api/v1/attachments/" + f.ID + "/content"})
		}
		if len(files) > limit {
			return out, "more", nil // a marker only: files have no cursor
		}
		return out, "", nil
	}
	return nil, "", nil
}

// mapItems turns records into entries.
func mapItems[P any](items []P, f func(P) entry) []entry {
	out := make([]entry, len(items))
	for i, it := range items {
		out[i] = f(it)
	}
	return out
}

func activityEntry(a *model.Activity) entry {
	e := entry{Kind: a.Kind, At: a.SortAt, Title: a.Subject, Status: a.Status, Text: excerpt(a.Description),
		Owner: a.OwnerID, Contact: a.ContactID, Priority: a.Priority}
	if a.AllDay && a.StartDate != nil {
		e.At, e.AllDay = a.StartDate.Time, true
	}
	return e
}

func requestEntry(r *model.Request) entry {
	return entry{Kind: "request", At: r.CreatedAt, Title: r.Subject, Ref: r.Number, Status: r.Status,
		Text: excerpt(r.Description), Owner: r.AssigneeID, Contact: r.ContactID, Priority: r.Priority, Link: "/requests/" + r.ID}
}

func dealEntry(o *model.Opportunity) entry {
	return entry{Kind: "deal", At: o.CreatedAt, Title: o.Name, Status: o.Outcome, Text: excerpt(o.NextStep),
		Amount: &money{o.Amount, o.Currency}, Owner: o.OwnerID, Contact: o.ContactID, Link: "/opportunities/" + o.ID}
}

func quoteEntry(q *model.Quote) entry {
	return entry{Kind: "quote", At: q.CreatedAt, Title: q.Number, Status: q.Status,
		Amount: &money{q.Total, q.Currency}, Owner: q.OwnerID, Contact: q.ContactID}
}

func orderEntry(o *model.Order) entry {
	return entry{Kind: "order", At: o.CreatedAt, Title: o.Number, Status: o.Status,
		Amount: &money{o.Total, o.Currency}, Owner: o.OwnerID, Contact: o.ContactID}
}

// excerpt shortens text for a timeline line: whitespace folded, at most 240
// characters.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= 240 {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:239])) + "…"
}

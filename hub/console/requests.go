package console

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"rapport/hub/outmail"
	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// Support desk limits.
const (
	queuesMax        = 200
	staffMax         = 500 // users offered as assignees
	timeEntriesMax   = 200
	kbSuggestions    = 5
	maxEventRunes    = 100_000
	maxTimeNoteRunes = 1000
)

// requestSorts are the orders of the requests list (key → store sort).
var requestSorts = map[string]string{"": "-last_activity_at", "created": "-created_at", "oldest": "created_at"}

// requestStatusFilters are the status filters offered: the open ones
// together, everything, or one status.
var requestStatusFilters = append([]string{"open", "all"}, model.RequestStatuses...)

// openStatuses are the statuses that still need work from the desk.
var openStatuses = []any{model.RequestNew, model.RequestOpen, model.RequestPendingCustomer, model.RequestPendingThirdParty}

// requestsData is the requests list.
type requestsData struct {
	Query      listQuery
	Queue      string // queue id filter
	Status     string // one of requestStatusFilters
	Unassigned bool
	Statuses   []string
	Sorts      []string
	Queues     []*model.Queue
	Items      []*model.Request
	Names      *names
	QueueNames map[string]string
	Pager      pager
	Empty      string // why "next request" found nothing
}

// requests lists requests with the desk's filters: a queue, a status (the
// open ones by default), only mine, only unassigned; sorted by last
// activity, creation, or oldest first; with "Next request" for each queue.
func (c *Console) requests(w http.ResponseWriter, r *http.Request) {
	p, err := c.requestsPage(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if partialTarget(r, "results") {
		p.Partial = "request-results"
	}
	c.render(w, r, http.StatusOK, "requests", p)
}

// requestsPage reads the requests list: the queues, a page of requests and
// the names on it, whatever the number of rows.
func (c *Console) requestsPage(r *http.Request) (*page, error) {
	ctx := r.Context()
	s := c.cfg.Store
	v := r.URL.Query()
	p := c.newPage(r, "requests")
	p.Title = p.T("requests.title")
	p.Done = doneKey(r)
	q := parseListQuery(v, requestSorts)
	d := &requestsData{Query: q, Queue: v.Get("queue"), Status: v.Get("status"), Unassigned: v.Get("unassigned") == "1",
		Statuses: requestStatusFilters, Sorts: []string{"", "created", "oldest"}, QueueNames: map[string]string{}}
	if !slices.Contains(requestStatusFilters, d.Status) {
		d.Status = "open"
	}
	if d.Queue != "" && !model.ValidID(d.Queue) {
		d.Queue = ""
	}
	p.Data = d
	queues, err := store.List[model.Queue](ctx, s, store.ListParams{Limit: queuesMax, Sort: "name"})
	if err != nil {
		return nil, err
	}
	for _, qu := range queues.Items {
		if qu.Active || qu.ID == d.Queue {
			d.Queues = append(d.Queues, qu)
		}
		d.QueueNames[qu.ID] = qu.Name
	}
	var f []model.Condition
	switch d.Status {
	case "open":
		f = append(f, model.Condition{Field: "status", Op: "in", Value: openStatuses})
	case "all":
	default:
		f = append(f, model.Condition{Field: "status", Op: "eq", Value: d.Status})
	}
	if d.Queue != "" {
		f = append(f, model.Condition{Field: "queue_id", Op: "eq", Value: d.Queue})
	}
	if q.Mine {
		f = append(f, model.Condition{Field: "assignee_id", Op: "eq", Value: model.ActorFrom(ctx).UserID})
	}
	if d.Unassigned {
		f = append(f, model.Condition{Field: "assignee_id", Op: "eq", Value: nil})
	}
	pg, err := store.List[model.Request](ctx, s, store.ListParams{Limit: c.cfg.PageSize, Cursor: q.After, Sort: requestSorts[q.Sort],
		Filter: model.Filter{All: f}})
	if err != nil {
		return nil, err
	}
	ids := &nameIDs{}
	for _, rq := range pg.Items {
		ids.user(rq.AssigneeID)
		ids.contact(rq.ContactID)
		ids.account(rq.AccountID)
	}
	if d.Names, err = ids.load(ctx, s); err != nil {
		return nil, err
	}
	d.Items, d.Pager = pg.Items, q.pagerFor("/requests", pg.NextCursor)
	for name, val := range map[string]string{"queue": d.Queue, "status": d.Status, "unassigned": map[bool]string{true: "1"}[d.Unassigned]} {
		if val != "" && (name != "status" || val != "open") {
			d.Pager = withParam(d.Pager, name, val)
		}
	}
	return p, nil
}

// nextRequest takes the first unassigned open request of a queue in the
// queue's order (store.NextRequest, the API's POST /queues/{id}/next) and
// opens it; an empty queue draws the list again with a notice.
func (c *Console) nextRequest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	queue := r.PostFormValue("queue")
	req, err := c.cfg.Store.NextRequest(ctx, queue)
	if err == nil {
		seeOther(w, r, "/requests/"+req.ID, "taken")
		return
	}
	qu, qerr := store.Get[model.Queue](ctx, c.cfg.Store, queue)
	if qerr != nil || model.ErrorCode(err) != model.ENOTFOUND {
		c.fail(w, r, errors.Join(qerr, err))
		return
	}
	r.URL.RawQuery = "queue=" + qu.ID
	p, perr := c.requestsPage(r)
	if perr != nil {
		c.fail(w, r, perr)
		return
	}
	p.Data.(*requestsData).Empty = p.T("requests.next.none", qu.Name)
	c.render(w, r, http.StatusOK, "requests", p)
}

// requestData is a request's page.
type requestData struct {
	Request     *model.Request
	Story       []storyEntry
	TimeEntries []*model.TimeEntry
	Minutes     int // the entries' sum
	KB          *model.KBSearchResult
	Queues      []*model.Queue
	Staff       []*model.User
	Names       *names
	CanMail     bool
	Statuses    []string // the statuses the request may move to
	Priorities  []string
	Today       string
	// Form is the form a refusal belongs to (reply, note, work, time), with
	// the reason and the values sent, so nothing typed is lost.
	Form, Refused string
	Sent          map[string]string
}

// storyEntry is one entry of the chronology as the page shows it.
type storyEntry struct {
	At       time.Time
	Activity *model.Activity
	Author   string
	Changes  []storyField // workflow changes
	Created  bool         // the request was opened
	Actor    string
}

// storyField is one changed workflow field, its values named.
type storyField struct {
	Field, Old, New string
}

// request is a request's page: its details, the whole chronology (mails,
// replies, internal notes, calls, status changes), reply by mail,
// internal note, status/priority/assignee/queue, time entries and
// answer-book suggestions.
func (c *Console) request(w http.ResponseWriter, r *http.Request) {
	c.renderRequest(w, r, mux.Vars(r)["id"], "", nil)
}

// renderRequest draws a request's page; form and refused say which form's
// write failed and why (nil when none).
func (c *Console) renderRequest(w http.ResponseWriter, r *http.Request, id, form string, refused error) {
	ctx := r.Context()
	s := c.cfg.Store
	req, err := store.Get[model.Request](ctx, s, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "requests")
	p.Title = req.Number + " · " + req.Subject
	p.Done = doneKey(r)
	d := &requestData{Request: req, CanMail: c.cfg.Mail != nil, Priorities: model.RequestPriorities,
		Today: p.Today().Format(model.DateLayout), Sent: map[string]string{}}
	p.Data = d
	for _, st := range model.RequestStatuses {
		if model.CanMoveRequest(req.Status, st) {
			d.Statuses = append(d.Statuses, st)
		}
	}
	story, err := s.RequestChronology(ctx, req.ID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	entries, err := store.List[model.TimeEntry](ctx, s, store.ListParams{Limit: timeEntriesMax, Sort: "-created_at",
		Equals: map[string]string{"request_id": req.ID}})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.TimeEntries = entries.Items
	if d.KB, err = s.SuggestKB(ctx, req.ID, kbSuggestions); err != nil {
		c.fail(w, r, err)
		return
	}
	queues, err := store.List[model.Queue](ctx, s, store.ListParams{Limit: queuesMax, Sort: "name"})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.Queues = queues.Items
	if d.Staff, err = staffMembers(ctx, s); err != nil {
		c.fail(w, r, err)
		return
	}
	ids := &nameIDs{}
	ids.contact(req.ContactID)
	ids.account(req.AccountID)
	ids.user(req.AssigneeID)
	for _, e := range story {
		if e.Activity != nil {
			ids.users = append(ids.users, e.Activity.CreatedBy)
		}
		if e.Change != nil {
			for _, f := range []string{"assignee_id"} {
				if fc, ok := e.Change.Fields[f]; ok {
					ids.users = append(ids.users, str(fc.Old), str(fc.New))
				}
			}
		}
	}
	for _, te := range d.TimeEntries {
		ids.users = append(ids.users, te.UserID)
		d.Minutes += te.Minutes
	}
	if d.Names, err = ids.load(ctx, s); err != nil {
		c.fail(w, r, err)
		return
	}
	queueNames := map[string]string{}
	for _, qu := range d.Queues {
		queueNames[qu.ID] = qu.Name
	}
	d.Story = storyOf(p.view, story, d.Names, queueNames)
	status := http.StatusOK
	if refused != nil {
		d.Form, d.Refused, status = form, refusal(p.view, refused), problem.Status(model.ErrorCode(refused))
		if errors.Is(refused, outmail.ErrNotConfigured) {
			d.Refused, status = p.T("request.reply.unconfigured"), http.StatusNotImplemented
		}
		for _, k := range []string{"text", "status", "body", "minutes", "day", "note", "billable"} {
			d.Sent[k] = r.PostFormValue(k)
		}
	}
	c.render(w, r, status, "request", p)
}

// str is the text of a change's value ("" for none).
func str(v any) string {
	s, _ := v.(string)
	return s
}

// storyOf turns the store's chronology into the page's, newest last: who
// wrote each activity, and workflow changes with their values named.
func storyOf(v *view, story []store.ChronologyEntry, n *names, queues map[string]string) []storyEntry {
	out := make([]storyEntry, 0, len(story))
	for _, e := range story {
		at, _ := time.Parse(time.RFC3339Nano, e.At)
		se := storyEntry{At: at, Activity: e.Activity}
		if e.Activity != nil {
			se.Author = n.User(&e.Activity.CreatedBy)
			out = append(out, se)
			continue
		}
		if e.Change == nil {
			continue
		}
		se.Actor = e.Change.Actor
		if len(e.Change.Fields) == 0 {
			se.Created = true
		}
		for _, f := range chronologyOrder {
			fc, ok := e.Change.Fields[f]
			if !ok {
				continue
			}
			name := func(x any) string {
				s := str(x)
				switch f {
				case "status":
					return v.E("status.request", s)
				case "priority":
					return v.E("priority", s)
				case "assignee_id":
					return n.User(&s)
				case "queue_id":
					return queues[s]
				case "sla_breached":
					if b, _ := x.(bool); b {
						return v.T("request.sla.breached")
					}
					return v.T("request.sla.ok")
				}
				return s
			}
			se.Changes = append(se.Changes, storyField{Field: f, Old: name(fc.Old), New: name(fc.New)})
		}
		if se.Created || len(se.Changes) > 0 {
			out = append(out, se)
		}
	}
	return out
}

// chronologyOrder is the order a change's fields are listed in.
var chronologyOrder = []string{"status", "priority", "assignee_id", "queue_id", "sla_breached"}

// replyRequest answers the request by mail through the API's composer
// (outmail: from the queue's mailbox, threaded under the customer's last
// mail, queued in the outbox with its delivery job), optionally moving it
// to a status.
func (c *Console) replyRequest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := mux.Vars(r)["id"]
	if _, err := store.Get[model.Request](ctx, c.cfg.Store, id); err != nil {
		c.fail(w, r, err)
		return
	}
	text := r.PostFormValue("text")
	var err error
	switch {
	case c.cfg.Mail == nil:
		err = outmail.ErrNotConfigured
	case len([]rune(text)) > maxEventRunes:
		err = fieldErr("text", "too long")
	default:
		_, err = c.cfg.Mail.Reply(ctx, id, outmail.Reply{Text: text, Status: strings.TrimSpace(r.PostFormValue("status"))})
	}
	c.afterRequestWrite(w, r, id, "reply", "replied", err)
}

// noteRequest adds an internal note (store.AddRequestEvent, as the API's
// POST /requests/{id}/events with type note), optionally moving the
// request to a status.
func (c *Console) noteRequest(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	body := strings.TrimSpace(r.PostFormValue("body"))
	var err error
	switch {
	case body == "":
		err = fieldErr("text", "required")
	case len([]rune(body)) > maxEventRunes:
		err = fieldErr("text", "too long")
	default:
		_, err = c.cfg.Store.AddRequestEvent(r.Context(), id, store.RequestEvent{Type: "note", Body: body,
			Status: strings.TrimSpace(r.PostFormValue("status"))})
	}
	c.afterRequestWrite(w, r, id, "note", "noted", err)
}

// updateRequest changes the request's status, priority, assignee and
// queue through the store's update (the API's PATCH /requests/{id}), with
// the version the form was drawn with.
func (c *Console) updateRequest(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	version, verr := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	var err error
	if verr != nil || version < 1 {
		err = fieldErr("version", "required")
	} else {
		_, err = store.Update(r.Context(), c.cfg.Store, id, version, func(q *model.Request) error {
			if st := strings.TrimSpace(r.PostFormValue("status")); st != "" {
				q.Status = st
			}
			if pr := strings.TrimSpace(r.PostFormValue("priority")); pr != "" {
				q.Priority = pr
			}
			q.AssigneeID = optionalID(r.PostFormValue("assignee_id"))
			q.QueueID = optionalID(r.PostFormValue("queue_id"))
			return nil
		})
	}
	c.afterRequestWrite(w, r, id, "work", "updated", err)
}

// optionalID reads a form's id field: nil for none.
func optionalID(s string) *string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return &s
}

// logTime books the signed-in user's time on the request (a time entry,
// as the API's POST /time-entries).
func (c *Console) logTime(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := mux.Vars(r)["id"]
	req, err := store.Get[model.Request](ctx, c.cfg.Store, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	te := &model.TimeEntry{RequestID: req.ID, Billable: r.PostFormValue("billable") == "1", Note: r.PostFormValue("note")}
	minutes, merr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("minutes")))
	day, derr := time.Parse(model.DateLayout, strings.TrimSpace(r.PostFormValue("day")))
	switch {
	case merr != nil:
		err = fieldErr("minutes", "a whole number")
	case derr != nil:
		err = fieldErr("day", "a date")
	case len([]rune(te.Note)) > maxTimeNoteRunes:
		err = fieldErr("note", "too long")
	default:
		te.Minutes, te.Day = minutes, model.Date{Time: day}
		err = store.Create(ctx, c.cfg.Store, te)
	}
	c.afterRequestWrite(w, r, id, "time", "logged", err)
}

// afterRequestWrite redirects to the request after a write, or draws it
// again with the refusal beside the form that failed.
func (c *Console) afterRequestWrite(w http.ResponseWriter, r *http.Request, id, form, done string, err error) {
	if err == nil {
		seeOther(w, r, "/requests/"+id, done)
		return
	}
	if code := model.ErrorCode(err); (code == model.ENOTFOUND || code == model.EINTERNAL) && !errors.Is(err, outmail.ErrNotConfigured) {
		c.fail(w, r, err)
		return
	}
	c.renderRequest(w, r, id, form, err)
}

package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// Board limits: each column shows its newest boardCards deals; its count
// and sums cover all of them (store.PipelineSums).
const (
	boardCards     = 50
	pipelinesMax   = 200
	closeOutcome   = "outcome:" // prefix of the move targets that close a deal
	maxReasonRunes = 500
)

// pipelinesData is the pipeline chooser.
type pipelinesData struct {
	Pipelines []*model.Pipeline
}

// pipelines lists the pipelines, each linking to its board; with only one
// active pipeline it opens that board directly.
func (c *Console) pipelines(w http.ResponseWriter, r *http.Request) {
	p := c.newPage(r, "pipelines")
	p.Title = p.T("pipelines.title")
	pg, err := store.List[model.Pipeline](r.Context(), c.cfg.Store, store.ListParams{Limit: pipelinesMax, Sort: "sort_order,name"})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p.Data = &pipelinesData{Pipelines: pg.Items}
	c.render(w, r, http.StatusOK, "pipelines", p)
}

// boardData is one pipeline's board.
type boardData struct {
	Pipeline  *model.Pipeline
	Pipelines []*model.Pipeline // for the chooser
	Columns   []boardColumn
	Mine      bool
	Names     *names
	// Refused names the deal whose move failed, and why.
	RefusedID, Refused string
	Targets            []moveTarget
}

// boardColumn is one stage with its deals.
type boardColumn struct {
	Stage    model.Stage
	Cards    []*model.Opportunity // the newest boardCards
	Count    int
	More     int // deals of the column not shown as cards
	Amounts  []money
	Weighted []money
}

// moveTarget is an option of a card's "move to" list: a stage of the
// pipeline, or an outcome that closes the deal.
type moveTarget struct {
	Value, Label string
	Close        bool
}

// board draws a pipeline's open deals in columns by stage. Every card
// carries a form (a stage list and a button) that moves it without
// JavaScript; static/board.js adds dragging a card onto another column,
// which submits that same form.
func (c *Console) board(w http.ResponseWriter, r *http.Request) {
	id, q := mux.Vars(r)["id"], r.URL.Query()
	if to := q.Get("pipeline"); to != "" && to != id && model.ValidID(to) { // the chooser, sent without JavaScript
		q.Del("pipeline")
		to = "/pipelines/" + to + "/board"
		if len(q) > 0 {
			to += "?" + q.Encode()
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	p, _, err := c.boardPage(r, id, q.Get("mine") == "1")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p.Done = doneKey(r)
	c.render(w, r, http.StatusOK, "board", p)
}

// boardPage reads a board with a number of queries that does not grow with
// the deals: the pipeline, the pipelines for the chooser, the sums per
// stage, the cards of each stage that has deals, and the names on them.
func (c *Console) boardPage(r *http.Request, id string, mine bool) (*page, *boardData, error) {
	ctx := r.Context()
	s := c.cfg.Store
	pl, err := store.Get[model.Pipeline](ctx, s, id)
	if err != nil {
		return nil, nil, err
	}
	p := c.newPage(r, "pipelines")
	p.Title = p.T("board.title", pl.Name)
	p.Scripts = []string{"board.js"}
	d := &boardData{Pipeline: pl, Mine: mine, Targets: moveTargets(p.view, pl)}
	p.Data = d
	all, err := store.List[model.Pipeline](ctx, s, store.ListParams{Limit: pipelinesMax, Sort: "sort_order,name"})
	if err != nil {
		return nil, nil, err
	}
	d.Pipelines = all.Items
	owner := ""
	if mine {
		owner = model.ActorFrom(ctx).UserID
	}
	sums, err := s.PipelineSums(ctx, pl.ID, owner)
	if err != nil {
		return nil, nil, err
	}
	d.Columns = make([]boardColumn, len(pl.Stages))
	cols := map[string]*boardColumn{}
	for i, st := range pl.Stages {
		d.Columns[i].Stage = st
		cols[st.Key] = &d.Columns[i]
	}
	for _, sum := range sums {
		if col := cols[sum.Stage]; col != nil { // not a stage since removed
			col.Count += int(sum.Deals)
			col.Amounts = append(col.Amounts, money{sum.Amount, sum.Currency})
			col.Weighted = append(col.Weighted, money{sum.Weighted, sum.Currency})
		}
	}
	ids := &nameIDs{}
	for i := range d.Columns {
		col := &d.Columns[i]
		if col.Count == 0 {
			continue
		}
		eq := map[string]string{"pipeline_id": pl.ID, "outcome": model.OutcomeOpen, "stage": col.Stage.Key}
		if owner != "" {
			eq["owner_id"] = owner
		}
		deals, err := store.List[model.Opportunity](ctx, s, store.ListParams{Limit: boardCards, Sort: "-created_at", Equals: eq})
		if err != nil {
			return nil, nil, err
		}
		col.Cards, col.More = deals.Items, max(col.Count-len(deals.Items), 0)
		for _, o := range deals.Items {
			ids.user(o.OwnerID)
			ids.account(o.AccountID)
		}
	}
	if d.Names, err = ids.load(ctx, s); err != nil {
		return nil, nil, err
	}
	return p, d, nil
}

// moveTargets are the stages of a pipeline, then the outcomes that close a
// deal there.
func moveTargets(v *view, pl *model.Pipeline) []moveTarget {
	out := make([]moveTarget, 0, len(pl.Stages)+3)
	for _, st := range pl.Stages {
		out = append(out, moveTarget{Value: st.Key, Label: st.Name})
	}
	for _, o := range model.Outcomes[1:] {
		out = append(out, moveTarget{Value: closeOutcome + o, Label: v.E("status.deal", o), Close: true})
	}
	return out
}

// moveOpportunity moves a deal to another stage, or closes it as won, lost
// or disqualified, through the store's update (the API's PATCH
// /opportunities/{id}): the same write rules — the stage must be one of
// the pipeline's, a lost or disqualified deal needs a reason, the actor
// must be allowed to change the deal, the stage history gets its row. The
// version the form was drawn with must still be current. A refused move
// draws the board again with the reason beside the card.
func (c *Console) moveOpportunity(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := mux.Vars(r)["id"]
	cur, err := store.Get[model.Opportunity](ctx, c.cfg.Store, id)
	if err != nil {
		c.fail(w, r, err) // 404 for a deal the user may not see
		return
	}
	target := strings.TrimSpace(r.PostFormValue("stage"))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	version, verr := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if verr != nil || version < 1 {
		version = 0
	}
	back := "/pipelines/" + cur.PipelineID + "/board"
	if r.PostFormValue("back") == "opportunity" {
		back = "/opportunities/" + cur.ID
	} else if r.PostFormValue("mine") == "1" {
		back += "?mine=1"
	}
	switch {
	case target == "":
		err = fieldErr("stage", "required")
	case version == 0:
		err = fieldErr("version", "required")
	case len([]rune(reason)) > maxReasonRunes:
		err = fieldErr("outcome_reason", "too long")
	default:
		_, err = store.Update(ctx, c.cfg.Store, id, version, func(o *model.Opportunity) error {
			if outcome, ok := strings.CutPrefix(target, closeOutcome); ok {
				o.Outcome = outcome
				if reason != "" {
					o.OutcomeReason = reason
				}
				return nil
			}
			o.Stage = target
			return nil
		})
	}
	if err == nil {
		seeOther(w, r, back, "moved")
		return
	}
	code := model.ErrorCode(err)
	if code == model.ENOTFOUND || code == model.EINTERNAL {
		c.fail(w, r, err)
		return
	}
	if strings.HasPrefix(back, "/opportunities/") {
		c.renderOpportunity(w, r, id, err)
		return
	}
	p, d, lerr := c.boardPage(r, cur.PipelineID, r.PostFormValue("mine") == "1")
	if lerr != nil {
		c.fail(w, r, lerr)
		return
	}
	d.RefusedID, d.Refused = cur.ID, refusal(p.view, err)
	c.render(w, r, problem.Status(model.ErrorCode(err)), "board", p)
}

// fieldErr is an EINVALID error about one field.
func fieldErr(field, msg string) error {
	fe := model.FieldErrors{}
	fe.Add(field, msg)
	return fe.Err()
}

// formVersion reads the version a form was drawn with (the API's
// If-Match): a field error "version" when it is missing or not a number.
func formVersion(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 1 {
		return 0, fieldErr("version", "required")
	}
	return v, nil
}

// refusedFields are the catalogue keys of the field errors people meet on
// the board and the desk (the store's messages are English).
var refusedFields = map[string]string{"outcome_reason": "refused.reason", "stage": "refused.stage", "version": "refused.version",
	"text": "refused.text", "status": "refused.status", "minutes": "refused.minutes", "day": "refused.day", "to": "refused.recipient",
	"quantity": "refused.quantity", "unit_price": "refused.price", "discount_percent": "refused.discount", "tax_rate": "refused.tax",
	"description": "refused.description", "reason": "refused.rejectreason"}

// refusal says in the user's language why the store refused a write: the
// rules people meet are translated; anything else shows the store's own
// (English) message after a translated lead.
func refusal(v *view, err error) string {
	var e *model.Error
	if !errors.As(err, &e) {
		return v.T("refused.other", model.ErrorMessage(err))
	}
	switch e.Code {
	case model.EFORBIDDEN:
		return v.T("refused.forbidden")
	case model.EPRECONDITION:
		return v.T("refused.changed")
	}
	for field := range e.Fields {
		if key, ok := refusedFields[field[strings.LastIndex(field, ".")+1:]]; ok { // "request.status", "lines[0].quantity"
			return v.T(key)
		}
	}
	return v.T("refused.other", e.Error())
}

// opportunityData is a deal's page.
type opportunityData struct {
	Opportunity *model.Opportunity
	Pipeline    *model.Pipeline
	Stage       model.Stage // the current stage (its checklist)
	StageIndex  int
	History     []historyRow
	Targets     []moveTarget
	Refused     string
	Timeline    *timeline
	Names       *names
}

// historyRow is one stage the deal entered.
type historyRow struct {
	Change   model.StageChange
	From, To string // stage names (keys of stages since removed)
}

// opportunity is a deal's page: its fields, its stage's checklist, its
// stage history, a form to move it, and its timeline.
func (c *Console) opportunity(w http.ResponseWriter, r *http.Request) {
	c.renderOpportunity(w, r, mux.Vars(r)["id"], nil)
}

// renderOpportunity draws a deal's page, with refused as the reason a move
// failed (nil when none).
func (c *Console) renderOpportunity(w http.ResponseWriter, r *http.Request, id string, refused error) {
	ctx := r.Context()
	s := c.cfg.Store
	o, err := store.Get[model.Opportunity](ctx, s, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	pl, err := store.Get[model.Pipeline](ctx, s, o.PipelineID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	hist, err := s.StageHistory(ctx, o.ID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "pipelines")
	p.Title = o.Name
	p.Done = doneKey(r)
	d := &opportunityData{Opportunity: o, Pipeline: pl, Targets: moveTargets(p.view, pl)}
	d.Stage, d.StageIndex, _ = pl.Stage(o.Stage)
	stageName := func(key string) string {
		if st, _, ok := pl.Stage(key); ok {
			return st.Name
		}
		return key
	}
	ids := &nameIDs{}
	ids.user(o.OwnerID)
	ids.account(o.AccountID)
	ids.contact(o.ContactID)
	for i := len(hist) - 1; i >= 0; i-- { // newest first
		h := hist[i]
		d.History = append(d.History, historyRow{Change: h, From: stageName(h.FromStage), To: stageName(h.ToStage)})
		ids.users = append(ids.users, h.ActorID)
	}
	status := http.StatusOK
	if refused != nil {
		d.Refused, status = refusal(p.view, refused), problem.Status(model.ErrorCode(refused))
	}
	p.Data = d
	tl, err := c.timeline(ctx, p.view, "opportunity", o.ID, r.URL.Query(), ids)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if tl.Names, err = ids.load(ctx, s); err != nil {
		c.fail(w, r, err)
		return
	}
	d.Timeline, d.Names = tl, tl.Names
	if partialTarget(r, "timeline") {
		p.Partial = "timeline"
	}
	c.render(w, r, status, "opportunity", p)
}

// HistoryActor names the user who moved a deal ("" for the system).
func (d *opportunityData) HistoryActor(id string) string {
	if id == "" {
		return ""
	}
	return d.Names.User(&id)
}

package console

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/emersion/go-ical"

	"rapport/model"
	"rapport/model/icalmap"
	"rapport/model/store"
)

// Home page limits: the home page is a summary, each panel links on.
const (
	homeAgendaMax   = 100 // appointments and calls of one day
	homeTasksMax    = 50
	homeRequestsMax = 20
	homeStepsMax    = 20
	homeStepsScan   = 500 // overdue deals read to find the most overdue
)

// homeData is the home page: the user's day and open work.
type homeData struct {
	Agenda    []agendaItem
	Tasks     []*model.Activity
	Requests  []*model.Request
	Pipeline  []pipelineRow
	DealCount int
	Steps     []*model.Opportunity
	Names     *names
}

// agendaItem is one appointment or call today (one instance of a series).
type agendaItem struct {
	Activity   *model.Activity
	Start, End time.Time
	AllDay     bool
}

// pipelineRow sums the user's open deals in one stage of a pipeline.
type pipelineRow struct {
	PipelineID      string
	Pipeline, Stage string
	Probability     int
	Deals           int
	Amounts         []money // per currency
	Weighted        []money
}

// money is an amount in a currency.
type money struct {
	Amount   model.Decimal
	Currency string
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	p := c.newPage(r, "home")
	p.Title = p.T("home.title")
	d, err := c.homeData(r.Context(), p.view)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p.Data = d
	c.render(w, r, http.StatusOK, "home", p)
}

// homeData reads the home page with a fixed number of queries, whatever the
// number of rows.
func (c *Console) homeData(ctx context.Context, v *view) (*homeData, error) {
	me := model.ActorFrom(ctx).UserID
	s := c.cfg.Store
	d := &homeData{}
	dayStart := time.Date(v.now.Year(), v.now.Month(), v.now.Day(), 0, 0, 0, 0, v.tz)
	dayEnd := dayStart.AddDate(0, 0, 1)
	var err error
	if d.Agenda, err = c.agenda(ctx, me, v, dayStart, dayEnd); err != nil {
		return nil, err
	}
	tasks, err := store.List[model.Activity](ctx, s, store.ListParams{Limit: homeTasksMax, Sort: "start", Filter: model.Filter{All: []model.Condition{
		{Field: "kind", Op: "eq", Value: model.KindTask},
		{Field: "owner_id", Op: "eq", Value: me},
		{Field: "status", Op: "in", Value: []any{"needs_action", "in_process"}},
		{Field: "due_at", Op: "lt", Value: dayEnd.UTC().Format(time.RFC3339Nano)},
	}}})
	if err != nil {
		return nil, err
	}
	d.Tasks = tasks.Items
	reqs, err := store.List[model.Request](ctx, s, store.ListParams{Limit: homeRequestsMax, Sort: "-last_activity_at", Filter: model.Filter{All: []model.Condition{
		{Field: "assignee_id", Op: "eq", Value: me},
		{Field: "status", Op: "in", Value: []any{model.RequestNew, model.RequestOpen, model.RequestPendingCustomer, model.RequestPendingThirdParty}},
	}}})
	if err != nil {
		return nil, err
	}
	d.Requests = reqs.Items
	if err := c.pipelineSummary(ctx, me, v, d); err != nil {
		return nil, err
	}
	ids := &nameIDs{}
	for _, it := range d.Agenda {
		ids.contact(it.Activity.ContactID)
		ids.account(it.Activity.AccountID)
	}
	for _, t := range d.Tasks {
		ids.contact(t.ContactID)
		ids.account(t.AccountID)
	}
	for _, rq := range d.Requests {
		ids.contact(rq.ContactID)
		ids.account(rq.AccountID)
	}
	for _, o := range d.Steps {
		ids.account(o.AccountID)
	}
	d.Names, err = ids.load(ctx, s)
	return d, err
}

// agenda lists the user's appointments and calls (owned or attended, as
// their CalDAV calendar shows them) with an instance in [start, end):
// candidates come from the calendar index, and each is expanded exactly,
// recurrences included.
func (c *Console) agenda(ctx context.Context, me string, v *view, start, end time.Time) ([]agendaItem, error) {
	s := c.cfg.Store
	ids, err := s.DAVActivitiesInRange(ctx, store.DAVScope{Slug: model.SlugAppointments, UserID: me}, start, end)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	acts, err := byID[model.Activity](ctx, s, ids[:min(len(ids), homeAgendaMax*2)])
	if err != nil {
		return nil, err
	}
	today := start.Format(model.DateLayout)
	var out []agendaItem
	for _, a := range acts {
		if a.Status == "cancelled" {
			continue
		}
		cal := icalmap.Expand(icalmap.ObjectCalendar(a, nil), start.UTC(), end.UTC())
		for _, comp := range cal.Children {
			if comp.Name != ical.CompEvent && comp.Name != ical.CompToDo {
				continue
			}
			it, ok := instanceOf(a, comp, v.tz, today)
			if ok {
				out = append(out, it)
			}
		}
	}
	slices.SortFunc(out, func(x, y agendaItem) int {
		if x.AllDay != y.AllDay {
			if x.AllDay {
				return -1
			}
			return 1
		}
		return x.Start.Compare(y.Start)
	})
	return out[:min(len(out), homeAgendaMax)], nil
}

// instanceOf reads one expanded instance. All-day instances are dates,
// which the expansion reads as UTC days: only today's date counts.
func instanceOf(a *model.Activity, comp *ical.Component, tz *time.Location, today string) (agendaItem, bool) {
	it := agendaItem{Activity: a}
	dt := comp.Props.Get(ical.PropDateTimeStart)
	if dt == nil {
		return it, false
	}
	if dt.ValueType() == ical.ValueDate {
		d, err := dt.DateTime(time.UTC)
		if err != nil {
			return it, false
		}
		last := d
		if e := comp.Props.Get(ical.PropDateTimeEnd); e != nil {
			if ed, err := e.DateTime(time.UTC); err == nil && ed.After(d) {
				last = ed.AddDate(0, 0, -1) // DTEND of a date is exclusive
			}
		}
		it.AllDay, it.Start = true, d
		return it, d.Format(model.DateLayout) <= today && today <= last.Format(model.DateLayout)
	}
	st, err := dt.DateTime(tz)
	if err != nil {
		return it, false
	}
	it.Start, it.End = st.In(tz), st.In(tz)
	if e := comp.Props.Get(ical.PropDateTimeEnd); e != nil {
		if et, err := e.DateTime(tz); err == nil {
			it.End = et.In(tz)
		}
	}
	return it, true
}

// pipelineSummary sums the user's open deals per pipeline stage, money per
// currency (no conversion: a missing exchange rate must not hide the
// panel), in one grouped query however many deals there are, and lists
// the deals whose next step is overdue, most overdue first.
func (c *Console) pipelineSummary(ctx context.Context, me string, v *view, d *homeData) error {
	s := c.cfg.Store
	sums, err := s.PipelineSums(ctx, "", me)
	if err != nil {
		return err
	}
	pipes, err := store.List[model.Pipeline](ctx, s, store.ListParams{Limit: 200})
	if err != nil {
		return err
	}
	type key struct{ pipeline, stage string }
	rows := map[key]*pipelineRow{}
	var order []key
	for _, pl := range pipes.Items {
		for _, st := range pl.Stages {
			k := key{pl.ID, st.Key}
			rows[k] = &pipelineRow{PipelineID: pl.ID, Pipeline: pl.Name, Stage: st.Name, Probability: st.Probability}
			order = append(order, k)
		}
	}
	for _, sum := range sums {
		d.DealCount += int(sum.Deals)
		row := rows[key{sum.PipelineID, sum.Stage}]
		if row == nil {
			continue // a stage since removed from its pipeline
		}
		row.Deals += int(sum.Deals)
		row.Amounts = addMoney(row.Amounts, sum.Amount, sum.Currency)
		row.Weighted = addMoney(row.Weighted, sum.Weighted, sum.Currency)
	}
	for _, k := range order {
		if row := rows[k]; row.Deals > 0 {
			d.Pipeline = append(d.Pipeline, *row)
		}
	}
	// next_step_due may be empty, so the store cannot sort on it: the
	// overdue ones are few, sorted here.
	steps, err := store.List[model.Opportunity](ctx, s, store.ListParams{Limit: homeStepsScan, Filter: model.Filter{All: []model.Condition{
		{Field: "owner_id", Op: "eq", Value: me},
		{Field: "outcome", Op: "eq", Value: model.OutcomeOpen},
		{Field: "next_step_due", Op: "lt", Value: v.now.Format(model.DateLayout)},
	}}})
	if err != nil {
		return err
	}
	d.Steps = steps.Items
	slices.SortStableFunc(d.Steps, func(x, y *model.Opportunity) int { return x.NextStepDue.Compare(y.NextStepDue.Time) })
	d.Steps = d.Steps[:min(len(d.Steps), homeStepsMax)]
	return nil
}

// addMoney adds an amount to the sum of its currency.
func addMoney(sums []money, amount model.Decimal, currency string) []money {
	for i := range sums {
		if sums[i].Currency == currency {
			sums[i].Amount = model.Decimal{Decimal: sums[i].Amount.Add(amount.Decimal)}
			return sums
		}
	}
	return append(sums, money{amount, currency})
}

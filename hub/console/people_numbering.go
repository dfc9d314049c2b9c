package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"rapport/model"
)

// numberingRow is one numbered kind of document: its format, its counter
// for the current period and the number the next document gets.
type numberingRow struct {
	Kind, Name, Pattern string
	YearlyReset         bool
	Gapless             bool
	Period              string // the counter's period: the year, or "" for one counter forever
	Next                int64
	Preview             string
	Value               string // the form's value: the next value, or what was typed
	formState
}

// numberingData is the numbering page: a row per kind, and the
// installation's time zone, in which yearly counters turn.
type numberingData struct {
	Rows []numberingRow
	Zone string
}

// kindName names a numbered kind of document in the user's language (the
// kind's own name for one registered later and not yet translated).
func kindName(v *view, kind string) string {
	switch kind {
	case model.RequestNumberKind:
		return v.T("people.numbering.request")
	case model.QuoteNumberKind:
		return v.T("people.numbering.quote")
	case model.OrderNumberKind:
		return v.T("people.numbering.order")
	case model.InvoiceNumberKind:
		return v.T("people.numbering.invoice")
	case model.RMANumberKind:
		return v.T("people.numbering.rma")
	case model.ContractNumberKind:
		return v.T("people.numbering.contract")
	}
	return kind
}

// adminNumbering shows every numbered kind of document (model.NumberKinds)
// with its format and the next number it will issue, and lets an admin
// move a counter up (store.SetNextNumber) to go on from the numbers of the
// system Rapport replaces. The formats are fixed in the program.
func (c *Console) adminNumbering(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	c.renderNumbering(w, r, http.StatusOK, "", formState{}, "")
}

// renderNumbering draws the numbering page; kind's form shows typed and
// the refusal in st.
func (c *Console) renderNumbering(w http.ResponseWriter, r *http.Request, status int, kind string, st formState, typed string) {
	s := c.cfg.Store
	counters, err := s.NumberCounters(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	next := map[counterKey]int64{}
	for _, n := range counters {
		next[counterKey{n.Kind, n.Period}] = n.NextValue
	}
	p := c.newPage(r, "admin")
	p.Title = p.T("admin.numbering")
	p.Done = doneKey(r)
	loc := s.Installation().Location
	if loc == nil {
		loc = time.UTC
	}
	now := time.Now().In(loc) // the installation's zone, where yearly counters turn
	rows := make([]numberingRow, 0, len(model.NumberKinds))
	for k, f := range model.NumberKinds {
		row := numberingRow{Kind: k, Name: kindName(p.view, k), Pattern: f.Pattern, YearlyReset: f.YearlyReset,
			Gapless: f.Gapless, Period: f.Period(now), Next: 1}
		if n, ok := next[counterKey{k, row.Period}]; ok {
			row.Next = n
		}
		row.Preview = f.Render(row.Next, now, s.Installation().Site)
		row.Value = strconv.FormatInt(row.Next, 10)
		if k == kind {
			row.Value, row.formState = typed, st
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b numberingRow) int { return strings.Compare(a.Name, b.Name) })
	p.Data = &numberingData{Rows: rows, Zone: loc.String()}
	c.render(w, r, status, "admin_numbering", p)
}

// setNextNumber moves one counter up to the value the form gives.
func (c *Console) setNextNumber(w http.ResponseWriter, r *http.Request) {
	if !c.requireAdmin(w, r) {
		return
	}
	kind, typed := mux.Vars(r)["kind"], strings.TrimSpace(r.PostFormValue("next_value"))
	v := c.newPage(r, "admin").view
	n, err := strconv.ParseInt(typed, 10, 64)
	if err == nil {
		_, err = c.cfg.Store.SetNextNumber(r.Context(), kind, n)
	} else {
		err = refuseFields(model.FieldErrors{"next_value": v.T("people.error.next_value")})
	}
	if model.ErrorCode(err) == model.ENOTFOUND {
		c.fail(w, r, err)
		return
	}
	if err != nil {
		var st formState
		status := st.refuse(v, err)
		c.renderNumbering(w, r, status, kind, st, typed)
		return
	}
	seeOther(w, r, "/admin/numbering", "number_set")
}

// counterKey names a number counter: its kind and period.
type counterKey struct{ kind, period string }

package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// Quote page limits.
const (
	quoteProducts  = 500 // active products offered by the line editor
	quoteRevisions = 50  // revisions of one number listed
)

// quoteStatuses are the status filter's choices, in the workflow's order.
var quoteStatuses = []string{model.QuoteDraft, model.QuoteSent, model.QuoteAccepted,
	model.QuoteRejected, model.QuoteExpired, model.QuoteSuperseded}

// quoteActions are the status actions offered as buttons (the API's POST
// /quotes/{id}/{action}), each shown when the quote's status allows it.
var quoteActions = map[string][]string{
	model.QuoteDraft:    {model.ActionSend},
	model.QuoteSent:     {model.ActionAccept, model.ActionReject, model.ActionExpire, model.ActionRevise},
	model.QuoteRejected: {model.ActionRevise},
	model.QuoteExpired:  {model.ActionRevise},
}

// quotesData is the quotes list.
type quotesData struct {
	listData[*model.Quote]
	Status   string
	Statuses []string
}

// quotes lists the quotes the user may see, newest first: search by
// number, a status filter, an account (?account_id=, shown by its name),
// "only mine", keyset pages.
func (c *Console) quotes(w http.ResponseWriter, r *http.Request) {
	p := c.newPage(r, "quotes")
	p.Title = p.T("quotes.title")
	v := r.URL.Query()
	q := parseListQuery(v, map[string]string{"": ""})
	params := store.ListParams{Limit: c.cfg.PageSize, Cursor: q.After, Sort: "-created_at", Q: q.Q, Equals: map[string]string{}}
	if q.Mine {
		params.Equals["owner_id"] = model.ActorFrom(r.Context()).UserID
	}
	d := &quotesData{Statuses: quoteStatuses}
	if st := v.Get("status"); slices.Contains(quoteStatuses, st) {
		params.Equals["status"], d.Status = st, st
	}
	if id := v.Get("account_id"); id != "" {
		acc, err := store.Get[model.Account](r.Context(), c.cfg.Store, id)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		params.Equals["account_id"], d.Account = acc.ID, acc
	}
	pg, err := store.List[model.Quote](r.Context(), c.cfg.Store, params)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	ids := &nameIDs{}
	for _, qt := range pg.Items {
		ids.account(qt.AccountID)
		ids.contact(qt.ContactID)
		ids.user(qt.OwnerID)
	}
	if d.Names, err = ids.load(r.Context(), c.cfg.Store); err != nil {
		c.fail(w, r, err)
		return
	}
	d.Query, d.Items, d.Pager = q, pg.Items, q.pagerFor("/quotes", pg.NextCursor)
	if d.Status != "" {
		d.Pager = withParam(d.Pager, "status", d.Status)
	}
	if d.Account != nil {
		d.Pager = withParam(d.Pager, "account_id", d.Account.ID)
	}
	p.Data = d
	if partialTarget(r, "results") {
		p.Partial = "quote-results"
	}
	c.render(w, r, http.StatusOK, "quotes", p)
}

// quoteData is a quote's page.
type quoteData struct {
	Quote     *model.Quote
	Lines     []model.Line
	Products  []*model.Product
	Revisions []*model.Quote
	Files     []model.Attachment // merged documents and other files of the quote
	Actions   []string
	Editable  bool // a draft the user may change
	CanWrite  bool // the user may change the quote (the API's policy)
	Names     *names
	// Refused says why the last write failed; RefusedLine names the line
	// whose form failed ("new" for the add form, "header" and "document"
	// for the header's and the documents' forms, "" for the others).
	Refused, RefusedLine string
	Form                 lineForm // what was typed in the refused form
	quoteDocs
}

// quoteState is what a quote page shows besides the quote: the reason the
// last write failed (nil when none), the form it came from (see
// quoteData.RefusedLine) and what was typed there.
type quoteState struct {
	refused error
	line    string
	form    lineForm
	header  *quoteHeader
}

// lineForm is a line form's input as typed.
type lineForm struct {
	ProductID, Description, Quantity, UnitPrice, DiscountPct, TaxRate string
}

// quote is a quote's page: header, lines with their editor, totals,
// revisions and status actions.
func (c *Console) quote(w http.ResponseWriter, r *http.Request) {
	c.renderQuote(w, r, mux.Vars(r)["id"], quoteState{})
}

// renderQuote draws a quote's page in state st. An htmx request targeting
// #quote-lines gets only the lines and totals.
func (c *Console) renderQuote(w http.ResponseWriter, r *http.Request, id string, st quoteState) {
	ctx := r.Context()
	s := c.cfg.Store
	qt, err := store.Get[model.Quote](ctx, s, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	lines, err := store.Lines[model.Quote](ctx, s, qt.ID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := c.newPage(r, "quotes")
	p.Title = p.T("quote.title", qt.Number, qt.Revision)
	p.Done = doneKey(r)
	d := &quoteData{Quote: qt, Lines: lines, Actions: quoteActions[qt.Status], Form: st.form}
	p.Data = d
	owner, team := qt.OwnerTeam()
	d.CanWrite = model.CanWrite(model.ActorFrom(ctx), qt.Entity(), owner, team)
	d.Editable = d.CanWrite && qt.LinesEditable() == nil
	if !d.CanWrite {
		d.Actions = nil
	}
	if d.Editable {
		pr, err := store.List[model.Product](ctx, s, store.ListParams{Limit: quoteProducts, Sort: "name", Equals: map[string]string{"active": "true"}})
		if err != nil {
			c.fail(w, r, err)
			return
		}
		d.Products = pr.Items
	}
	partial := partialTarget(r, "quote-lines")
	if !partial {
		revs, err := store.List[model.Quote](ctx, s, store.ListParams{Limit: quoteRevisions, Sort: "revision", Equals: map[string]string{"number": qt.Number}})
		if err != nil {
			c.fail(w, r, err)
			return
		}
		d.Revisions = revs.Items
		if d.Files, err = s.AttachmentsOf(ctx, "quote", qt.ID); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	ids := &nameIDs{}
	ids.user(qt.OwnerID)
	ids.account(qt.AccountID)
	ids.contact(qt.ContactID)
	if d.Names, err = ids.load(ctx, s); err != nil {
		c.fail(w, r, err)
		return
	}
	if !partial {
		if d.quoteDocs, err = c.quoteDocs(ctx, qt, d.Names, st.header, d.CanWrite); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	status := http.StatusOK
	if st.refused != nil {
		d.RefusedLine = st.line
		d.Refused, status = docRefusal(p.view, st.refused)
		if st.line == "header" {
			d.Header.Errors = fieldReasons(p.view, st.refused)
		}
	}
	if partial {
		// htmx swaps only successful answers: the refusal is drawn in the
		// swapped lines, so it answers 200 (without JavaScript the status
		// is the API's: 412, 422, 403, 409).
		p.Partial, status = "quote-lines", http.StatusOK
	}
	c.render(w, r, status, "quote", p)
}

// editQuoteLines adds, changes or removes one line of a draft quote
// through store.EditLines, the write of the API's line endpoints, with the
// version the form was drawn with (the API's If-Match). The store prices
// the lines and the totals. Without JavaScript a write that works answers
// 303 back to the quote; an htmx request gets the lines and totals. A
// refused write draws them again with the reason and what was typed.
func (c *Console) editQuoteLines(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := mux.Vars(r)["id"]
	cur, err := store.Get[model.Quote](ctx, c.cfg.Store, id)
	if err != nil {
		c.fail(w, r, err) // 404 for a quote the user may not see
		return
	}
	line := strings.TrimSpace(r.PostFormValue("line")) // "" adds a line
	form := lineForm{ProductID: strings.TrimSpace(r.PostFormValue("product_id")), Description: r.PostFormValue("description"),
		Quantity: r.PostFormValue("quantity"), UnitPrice: r.PostFormValue("unit_price"),
		DiscountPct: r.PostFormValue("discount_percent"), TaxRate: r.PostFormValue("tax_rate")}
	edit := store.LineEdit{}
	version, verr := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	in, err := form.input(line == "")
	switch {
	case verr != nil || version < 1:
		err = fieldErr("version", "required")
	case r.PostFormValue("remove") == "1" && line != "": // what the line's form holds does not matter
		err, edit.Remove = nil, []string{line}
	case err != nil:
	case line != "":
		edit.Change = map[string]model.LineInput{line: in}
	default:
		edit.Add = []model.LineInput{in}
	}
	if err == nil {
		_, _, err = store.EditLines[model.Quote](ctx, c.cfg.Store, cur.ID, version, edit)
	}
	if err == nil {
		if partialTarget(r, "quote-lines") {
			c.renderQuote(w, r, cur.ID, quoteState{})
			return
		}
		seeOther(w, r, "/quotes/"+cur.ID, "quote_saved")
		return
	}
	code := model.ErrorCode(err)
	if code == model.ENOTFOUND && line == "" || code == model.EINTERNAL {
		c.fail(w, r, err)
		return
	}
	if line == "" {
		line = "new"
	}
	c.renderQuote(w, r, cur.ID, quoteState{refused: err, line: line, form: form})
}

// input turns the typed line into the API's line input: empty fields are
// "not given" (the product's and price list's defaults on a new line).
func (f lineForm) input(isNew bool) (model.LineInput, error) {
	in := model.LineInput{}
	fe := model.FieldErrors{}
	if f.ProductID != "" {
		in.ProductID = &f.ProductID
	} else if isNew && strings.TrimSpace(f.Description) == "" {
		fe.Add("description", "required")
	}
	if d := strings.TrimSpace(f.Description); d != "" {
		in.Description = &d
	}
	for _, x := range []struct {
		field, s string
		dst      **model.Decimal
	}{{"quantity", f.Quantity, &in.Quantity}, {"unit_price", f.UnitPrice, &in.UnitPrice},
		{"discount_percent", f.DiscountPct, &in.DiscountPct}, {"tax_rate", f.TaxRate, &in.TaxRate}} {
		s := strings.ReplaceAll(strings.TrimSpace(x.s), ",", ".")
		if s == "" {
			continue
		}
		d, err := model.ParseDecimal(s)
		if err != nil {
			fe.Add(x.field, "a number")
			continue
		}
		*x.dst = &d
	}
	return in, fe.Err()
}

// quoteAction runs a status action (send, accept, reject, expire, revise)
// through the store functions of the API's POST /quotes/{id}/{action},
// with the form's version. Revising opens the new revision.
func (c *Console) quoteAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, action := mux.Vars(r)["id"], mux.Vars(r)["action"]
	cur, err := store.Get[model.Quote](ctx, c.cfg.Store, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	version, verr := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	to := "/quotes/" + cur.ID
	switch {
	case verr != nil || version < 1:
		err = fieldErr("version", "required")
	case !slices.Contains([]string{model.ActionSend, model.ActionAccept, model.ActionReject, model.ActionExpire, model.ActionRevise}, action):
		c.fail(w, r, model.Errorf(model.ENOTFOUND, "no quote action %q", action))
		return
	case action == model.ActionRevise:
		var next *model.Quote
		if next, err = c.cfg.Store.ReviseQuote(ctx, cur.ID, version); err == nil {
			to = "/quotes/" + next.ID
		}
	default:
		_, err = c.cfg.Store.QuoteAction(ctx, cur.ID, version, action, r.PostFormValue("reason"))
	}
	if err == nil {
		seeOther(w, r, to, "quote_"+action)
		return
	}
	if code := model.ErrorCode(err); code == model.ENOTFOUND || code == model.EINTERNAL {
		c.fail(w, r, err)
		return
	}
	c.renderQuote(w, r, cur.ID, quoteState{refused: err})
}

// LineRefused reports whether the refusal belongs to the form of line id.
func (d *quoteData) LineRefused(id string) bool { return d.Refused != "" && d.RefusedLine == id }

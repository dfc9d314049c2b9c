package api

import (
	"context"
	"net/http"
	"reflect"

	"github.com/gorilla/mux"

	"rapport/model"
	"rapport/model/store"
)

// mountBilling serves invoices, credit notes and billing runs.
func (a *API) mountBilling(r *mux.Router) {
	a.mountInvoices(r)
	a.mountBillingRuns(r)
}

// mountInvoices serves invoices and credit notes as priced documents (the
// handlers of quotes and orders) with their actions: issue, pay, credit.
// Their lines read with their sources (source_type, source_id); line
// writes answer like those of orders.
func (a *API) mountInvoices(r *mux.Router) {
	c := &collection[model.Invoice, *model.Invoice]{api: a, path: "/invoices", tag: "Invoices",
		filters: "number kind status account_id contact_id contract_id billing_run_id credit_of_id currency"}
	p := &pricedResource[model.Invoice, *model.Invoice]{c: c, create: a.store.CreateInvoice,
		action: func(ctx context.Context, id string, v int64, _, _ string) (model.Record, error) {
			return a.store.IssueInvoice(ctx, id, v)
		}}
	one, lines := "/invoices/{id}", "/invoices/{id}/lines"
	op := func(id, summary, request, schema string, status int) operation {
		return operation{id: id, tag: c.tag, kind: opCustom, summary: summary, request: request, schema: schema, status: status}
	}
	create := c.op("Create", "create", "Invoice", opCreate)
	create.kind, create.request, create.status = opCustom, "InvoiceCreate", http.StatusCreated
	for _, rt := range []struct {
		method, path string
		op           operation
		h            http.HandlerFunc
	}{
		{http.MethodGet, "/invoices", c.op("List", "list", "Invoice", opList), c.list},
		{http.MethodPost, "/invoices/search", c.op("Search", "search", "Invoice", opSearch), c.search},
		{http.MethodPost, "/invoices", create, p.createDoc},
		{http.MethodGet, one, c.op("Get", "get", "Invoice", opGet), c.get},
		{http.MethodPatch, one, c.op("Update", "patch", "Invoice", opPatch), p.patch},
		{http.MethodDelete, one, c.op("Delete", "delete", "Invoice", opDelete), p.delete},
		{http.MethodGet, one + "/history", c.op("History", "history", "Change", opHistory), c.history},
		{http.MethodGet, lines, op("list_invoice_lines", "Every line in order, with what it bills", "", "InvoiceLinePage", 0), a.invoiceLines},
		{http.MethodPost, lines, op("add_invoice_lines", "Add a manual line to a draft", "LineInput", "Line", http.StatusCreated), p.addLine},
		{http.MethodPut, lines, op("replace_invoice_lines", "Replace every line of a draft", "LinesReplace", "LinePage", 0), p.replaceLines},
		{http.MethodPost, lines + "/batch", op("batch_invoice_lines", "Set quantity, discount or tax on many lines of a draft (all or nothing)",
			"LineBatch", "LinePage", 0), p.batchLines},
		{http.MethodGet, lines + "/{line_id}", op("get_invoice_lines", "One line, with what it bills", "", "InvoiceLine", 0), a.invoiceLines},
		{http.MethodPatch, lines + "/{line_id}", op("patch_invoice_lines", "Change a line of a draft (fields left out stay)", "LineInput", "Line", 0), p.patchLine},
		{http.MethodDelete, lines + "/{line_id}", op("delete_invoice_lines", "Remove a line from a draft", "", "", http.StatusNoContent), p.deleteLine},
		{http.MethodPost, one + "/issue", op("issue_invoice", "Issue a draft with lines: its gapless number, issued today, due after its payment terms (event invoice.issued)",
			"ActionRequest", "Invoice", 0), p.runAction("issue")},
		{http.MethodPost, one + "/pay", op("pay_invoice", "Record the payment of an issued or overdue invoice (event invoice.paid)", "Payment", "Invoice", 0), invoiceAction(a, a.store.PayInvoice)},
		{http.MethodPost, one + "/credit", op("credit_invoice", "Make a draft credit note for some lines (or all) of an issued invoice",
			"CreditRequest", "Invoice", http.StatusCreated), invoiceAction(a, a.creditInvoice)},
	} {
		a.handle(r, rt.method, rt.path, rt.op, rt.h)
	}
}

// InvoiceLinePage is every line of an invoice, in order.
type InvoiceLinePage struct {
	Items []model.InvoiceLine `json:"items"`
}

// CreditRequest is the body of POST /invoices/{id}/credit: the lines to
// credit and how much of each; none credits everything left.
type CreditRequest struct {
	Lines []store.CreditLine `json:"lines"`
}

// invoiceLines answers an invoice's lines with their sources, or with
// {line_id} the one line.
func (a *API) invoiceLines(w http.ResponseWriter, r *http.Request) {
	lines, err := a.store.InvoiceLines(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	id, one := mux.Vars(r)["line_id"]
	if !one {
		writeJSON(w, http.StatusOK, InvoiceLinePage{Items: lines})
		return
	}
	for _, l := range lines {
		if l.ID == id {
			writeJSON(w, http.StatusOK, l)
			return
		}
	}
	fail(w, r, model.Errorf(model.ENOTFOUND, "no such line"))
}

// invoiceAction serves an invoice action whose optional body is a B: it
// answers with the invoice, or 201 with a new one (a credit note).
func invoiceAction[B any](a *API, act func(ctx context.Context, id string, version int64, in B) (*model.Invoice, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		version, err := ifMatch(r)
		var in B
		if err == nil {
			err = a.decodeOptional(w, r, &in)
		}
		var inv *model.Invoice
		if err == nil {
			inv, err = act(r.Context(), mux.Vars(r)["id"], version, in)
		}
		if err != nil {
			fail(w, r, err)
			return
		}
		status := http.StatusOK
		if inv.ID != mux.Vars(r)["id"] {
			status = http.StatusCreated
			w.Header().Set("Location", Prefix+"/invoices/"+inv.ID)
		}
		w.Header().Set("ETag", etag(inv.Version))
		writeJSON(w, status, inv)
	}
}

// creditInvoice makes a credit note (its lines are read with GET).
func (a *API) creditInvoice(ctx context.Context, id string, version int64, in CreditRequest) (*model.Invoice, error) {
	note, _, err := a.store.CreditInvoice(ctx, id, version, in.Lines)
	return note, err
}

// mountBillingRuns serves billing runs: read like any collection, started
// by an admin with POST.
func (a *API) mountBillingRuns(r *mux.Router) {
	c := &collection[model.BillingRun, *model.BillingRun]{api: a, path: "/billing-runs", tag: "Invoices", filters: "status period_start period_end"}
	start := operation{id: "create_billing_runs", tag: c.tag, kind: opCustom, request: "BillingRunRequest", schema: "BillingRun", status: http.StatusCreated,
		summary: "Bill a period (admins): draft invoices from fees, billable time, requests and orders; the same period again answers 200 with its run"}
	a.handle(r, http.MethodGet, "/billing-runs", c.op("List", "list", "BillingRun", opList), c.list)
	a.handle(r, http.MethodPost, "/billing-runs/search", c.op("Search", "search", "BillingRun", opSearch), c.search)
	a.handle(r, http.MethodPost, "/billing-runs", start, a.startBillingRun)
	a.handle(r, http.MethodGet, "/billing-runs/{id}", c.op("Get", "get", "BillingRun", opGet), c.get)
	a.handle(r, http.MethodGet, "/billing-runs/{id}/history", c.op("History", "history", "Change", opHistory), c.history)
	a.handle(r, http.MethodPost, "/billing-runs/{id}/resume", operation{id: "resume_billing_run", tag: c.tag, kind: opCustom, schema: "BillingRun",
		summary: "Run a finished or failed run again (admins): bills what its period holds that no invoice bills yet"}, a.resumeBillingRun)
}

// BillingRunRequest is the body of POST /billing-runs: the period's first
// and last day.
type BillingRunRequest struct {
	PeriodStart model.Date `json:"period_start"`
	PeriodEnd   model.Date `json:"period_end"`
}

// startBillingRun runs the period's billing in the request: 201 with the
// finished run, or 200 with the period's run that exists (a failed one is
// resumed first). The run goes on if the client hangs up.
func (a *API) startBillingRun(w http.ResponseWriter, r *http.Request) {
	var in BillingRunRequest
	if err := a.decodeStrict(w, r, &in); err != nil {
		fail(w, r, err)
		return
	}
	run, created, err := a.store.RunBilling(context.WithoutCancel(r.Context()), in.PeriodStart, in.PeriodEnd)
	if err != nil {
		fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/billing-runs/"+run.ID)
	}
	w.Header().Set("ETag", etag(run.Version))
	writeJSON(w, status, run)
}

func (a *API) resumeBillingRun(w http.ResponseWriter, r *http.Request) {
	run, err := a.store.ResumeBilling(context.WithoutCancel(r.Context()), mux.Vars(r)["id"])
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(run.Version))
	writeJSON(w, http.StatusOK, run)
}

// billingSchemaTypes are the billing types described in components/schemas
// (the records also in the webhook event catalogue).
var billingSchemaTypes = []any{model.Invoice{}, model.InvoiceLine{}, model.BillingRun{}, InvoiceLinePage{}, CreditRequest{},
	store.CreditLine{}, store.Payment{}, BillingRunRequest{}}

func init() { schemaTypes = append(schemaTypes, billingSchemaTypes...) }

// billingSchemas are the OpenAPI schemas of billing bodies that are not
// one Go type: an invoice with its first lines.
func billingSchemas() map[string]any {
	return map[string]any{"InvoiceCreate": withProperties(objectSchema(reflect.TypeOf(model.Invoice{})),
		map[string]any{"lines": map[string]any{"type": "array", "items": ref("LineInput")}})}
}

package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// nothingWritten fails when a refused request wrote invoices, lines,
// billing runs or feed rows.
func nothingWritten(c *client, fn func()) {
	c.t.Helper()
	tables := []string{"invoices", "invoice_lines", "billing_runs", "changes"}
	counts := func() (out []int64) {
		for _, t := range tables {
			out = append(out, count(c, t))
		}
		return out
	}
	before := fmt.Sprint(counts())
	fn()
	if after := fmt.Sprint(counts()); after != before {
		c.t.Fatalf("a refused request wrote: %s → %s", before, after)
	}
}

func TestInvoiceAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		account := c.want(c.do("POST", "/accounts", `{"name": "Acme"}`), 201)["id"].(string)
		body := fmt.Sprintf(`{"account_id": %q, "currency": "EUR", "payment_terms_days": 10, "status": "paid", "number": "X-1",
			"lines": [{"description": "Repair", "quantity": "2", "unit_price": "80", "tax_rate": "19"}]}`, account)
		inv := c.want(c.do("POST", "/invoices", body), 201)
		id := inv["id"].(string)
		if inv["number"] != "" || inv["status"] != "draft" || inv["kind"] != "invoice" || inv["total"] != "190.4" {
			t.Fatalf("draft %v", inv)
		}
		nothingWritten(c, func() {
			neg := fmt.Sprintf(`{"account_id": %q, "currency": "EUR", "lines": [{"description": "x", "unit_price": "-5"}]}`, account)
			c.want(c.do("POST", "/invoices", neg), 422)
			c.want(c.do("POST", "/invoices/"+id+"/lines", `{"description": "x", "unit_price": "10", "quantity": "-1"}`), 422)
			c.want(c.do("POST", "/invoices/"+id+"/lines", `{"description": "x", "unit_price": "-10"}`), 422)
			c.want(c.do("PATCH", "/invoices/"+id, `{"payment_terms_days": -1}`), 422)
			c.want(c.do("POST", "/invoices/"+id+"/pay", `{}`), 409)
			c.want(c.do("POST", "/invoices/"+id+"/credit", `{}`), 409)
		})
		line := c.want(c.do("POST", "/invoices/"+id+"/lines", `{"description": "Parts", "unit_price": "20"}`), 201)
		c.want(c.do("PATCH", "/invoices/"+id, `{"notes": "Thank you"}`), 200)
		issued := c.want(c.do("POST", "/invoices/"+id+"/issue", ""), 200)
		if issued["number"] != fmt.Sprintf("INV-%d-00001", time.Now().Year()) || issued["status"] != "issued" ||
			issued["due_date"] != time.Now().AddDate(0, 0, 10).Format(model.DateLayout) || issued["total"] != "210.4" {
			t.Fatalf("issued %v", issued)
		}
		// Editing an issued invoice: 409, credit it instead; nothing written.
		nothingWritten(c, func() {
			r := c.do("PATCH", "/invoices/"+id, `{"notes": "changed"}`)
			if r.Code != 409 || !strings.Contains(r.Body.String(), "credit it instead") {
				t.Fatalf("patch of an issued invoice: %d %s", r.Code, r.Body.String())
			}
			c.want(c.do("POST", "/invoices/"+id+"/lines", `{"description": "late", "unit_price": "1"}`), 409)
			c.want(c.do("PATCH", "/invoices/"+id+"/lines/"+line["id"].(string), `{"quantity": "3"}`), 409)
			c.want(c.do("PUT", "/invoices/"+id+"/lines", `{"lines": []}`), 409)
			c.want(c.do("DELETE", "/invoices/"+id+"/lines/"+line["id"].(string), ""), 409)
			c.want(c.do("DELETE", "/invoices/"+id, ""), 409)
			c.want(c.do("POST", "/invoices/"+id+"/issue", ""), 409)
			c.want(c.do("POST", "/invoices/"+id+"/credit", `{"lines": [{"line_id": "`+line["id"].(string)+`", "quantity": "2"}]}`), 409)
			c.want(c.do("POST", "/invoices/"+id+"/credit", `{"lines": [{"line_id": "`+line["id"].(string)+`", "quantity": "-1"}]}`), 422)
		})
		lines := c.want(c.do("GET", "/invoices/"+id+"/lines", ""), 200)["items"].([]any)
		first := lines[0].(map[string]any)
		if len(lines) != 2 || first["source_type"] != "manual" {
			t.Fatalf("lines %v", lines)
		}
		if one := c.want(c.do("GET", "/invoices/"+id+"/lines/"+first["id"].(string), ""), 200); one["description"] != "Repair" {
			t.Fatalf("line %v", one)
		}
		r := c.do("POST", "/invoices/"+id+"/credit", `{"lines": [{"line_id": "`+first["id"].(string)+`", "quantity": "1"}]}`)
		note := c.want(r, 201)
		if note["kind"] != "credit_note" || note["credit_of_id"] != id || note["total"] != "95.2" ||
			r.Header().Get("Location") != "/api/v1/invoices/"+note["id"].(string) {
			t.Fatalf("credit note %v", note)
		}
		c.want(c.do("POST", "/invoices/"+note["id"].(string)+"/issue", ""), 200)
		today := time.Now().Format(model.DateLayout)
		paid := c.want(c.do("POST", "/invoices/"+id+"/pay", `{"paid_on": "`+today+`", "payment_ref": "SEPA 42"}`), 200)
		if paid["status"] != "paid" || paid["paid_on"] != today || paid["payment_ref"] != "SEPA 42" {
			t.Fatalf("paid %v", paid)
		}
		if page := c.want(c.do("GET", "/invoices?kind=credit_note&credit_of_id="+id, ""), 200); len(page["items"].([]any)) != 1 {
			t.Fatalf("credit notes %v", page)
		}
		var evs []string
		for _, ch := range c.want(c.do("GET", "/invoices/"+id+"/history", ""), 200)["items"].([]any) {
			if ev, _ := ch.(map[string]any)["event"].(string); ev != "" {
				evs = append(evs, ev)
			}
		}
		if strings.Join(evs, " ") != "invoice.issued invoice.paid" {
			t.Fatalf("events %v", evs)
		}
		// A draft is deleted.
		draft := c.want(c.do("POST", "/invoices", fmt.Sprintf(`{"account_id": %q, "currency": "EUR"}`, account)), 201)
		c.want(c.do("DELETE", "/invoices/"+draft["id"].(string), ""), 204)
	})
}

func TestBillingRunAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		ctx := model.WithActor(context.Background(), model.System)
		product := c.want(c.do("POST", "/products", `{"sku": "S-1", "name": "Server"}`), 201)["id"].(string)
		account := c.want(c.do("POST", "/accounts", `{"name": "Acme"}`), 201)["id"].(string)
		first := time.Date(time.Now().Year(), time.Now().Month(), 1, 0, 0, 0, 0, time.UTC)
		period := func(from, to time.Time) string {
			return fmt.Sprintf(`{"period_start": %q, "period_end": %q}`, from.Format(model.DateLayout), to.Format(model.DateLayout))
		}
		month := period(first, first.AddDate(0, 1, -1))
		contract := &model.Contract{Name: "Care", AccountID: account, ProductIDs: []string{product}, StartDate: model.Date{Time: first},
			BillingMethod: model.BillFixedFee, FixedFee: model.Dec("400"), Currency: "EUR", TaxRate: model.Dec("20")}
		if err := store.Create(ctx, s, contract); err != nil {
			t.Fatal(err)
		}
		r := c.do("POST", "/billing-runs", month)
		run := c.want(r, 201)
		if run["status"] != "done" || run["invoice_count"] != float64(1) || run["totals"].(map[string]any)["EUR"] != "480" ||
			r.Header().Get("Location") != "/api/v1/billing-runs/"+run["id"].(string) {
			t.Fatalf("run %v", run)
		}
		runID := run["id"].(string)
		nothingWritten(c, func() {
			if again := c.want(c.do("POST", "/billing-runs", month), 200); again["id"] != runID || again["version"] != run["version"] {
				t.Fatalf("again %v", again)
			}
			c.want(c.do("POST", "/billing-runs", period(first.AddDate(0, 0, 14), first.AddDate(0, 1, 14))), 409)
			c.want(c.do("POST", "/billing-runs", period(first.AddDate(0, 2, 0), first.AddDate(0, 1, 0))), 422)
			c.want(c.do("POST", "/billing-runs", `{"period_start": "2026-13-01"}`), 422)
		})
		invoices := c.want(c.do("GET", "/invoices?billing_run_id="+runID, ""), 200)["items"].([]any)
		inv := invoices[0].(map[string]any)
		if len(invoices) != 1 || inv["contract_id"] != contract.ID || inv["total"] != "480" || inv["status"] != "draft" {
			t.Fatalf("invoices %v", invoices)
		}
		lines := c.want(c.do("GET", "/invoices/"+inv["id"].(string)+"/lines", ""), 200)["items"].([]any)
		if l := lines[0].(map[string]any); l["source_type"] != "fixed_fee" || l["source_id"] != contract.ID+":"+first.Format(model.DateLayout) {
			t.Fatalf("lines %v", lines)
		}
		c.want(c.do("DELETE", "/invoices/"+inv["id"].(string), ""), 204)
		if resumed := c.want(c.do("POST", "/billing-runs/"+runID+"/resume", ""), 200); resumed["invoice_count"] != float64(1) {
			t.Fatalf("resumed %v", resumed)
		}
		if got := c.want(c.do("GET", "/billing-runs/"+runID, ""), 200); got["status"] != "done" {
			t.Fatalf("get %v", got)
		}
		agent := &model.User{Email: "agent@example.com", Name: "Agent", Role: model.RoleAgent}
		if err := s.CreateUser(ctx, agent, ""); err != nil {
			t.Fatal(err)
		}
		c.actor = model.Actor{UserID: agent.ID, Name: agent.Name, Role: agent.Role}
		nothingWritten(c, func() {
			c.want(c.do("POST", "/billing-runs", period(first.AddDate(0, 3, 0), first.AddDate(0, 4, -1))), 403)
			c.want(c.do("POST", "/billing-runs/"+runID+"/resume", ""), 403)
		})
		c.want(c.do("GET", "/billing-runs?status=done", ""), 200)
	})
}

package api_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"testing"
	"time"

	"rapport/hub/api"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// commerceSetup creates an account, a product priced 100 EUR at 19 % tax
// and the price list; it returns their ids.
func commerceSetup(c *client) (account, product, list string) {
	account = c.want(c.do("POST", "/accounts", `{"name": "Acme"}`), 201)["id"].(string)
	p := c.want(c.do("POST", "/products", `{"sku": "W-1", "name": "Widget", "tax_rate": "19"}`), 201)
	if p["active"] != true || p["unit"] != "pc" {
		c.t.Fatalf("product defaults %v", p)
	}
	product = p["id"].(string)
	list = c.want(c.do("POST", "/price-lists", `{"name": "Standard", "currency": "EUR"}`), 201)["id"].(string)
	c.want(c.do("POST", "/price-lists/"+list+"/entries", fmt.Sprintf(`{"entries": [{"product_id": %q, "unit_price": "100"}]}`, product)), 200)
	return account, product, list
}

func count(c *client, table string) int64 {
	var n int64
	if err := c.s.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	return n
}

// unchanged fails when a refused request wrote quotes, lines or feed rows.
func unchanged(c *client, fn func()) {
	c.t.Helper()
	before := [3]int64{count(c, "quotes"), count(c, "quote_lines"), count(c, "changes")}
	fn()
	if after := [3]int64{count(c, "quotes"), count(c, "quote_lines"), count(c, "changes")}; after != before {
		c.t.Fatalf("a refused request wrote: %v → %v", before, after)
	}
}

func TestCatalogAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		_, product, list := commerceSetup(c)
		c.want(c.do("POST", "/products", `{"sku": "W-1", "name": "Clone"}`), 409)
		c.want(c.do("POST", "/products", `{"sku": "X", "name": "X", "tax_rate": 19.5}`), 201)
		e := c.want(c.do("GET", "/price-lists/"+list+"/entries/"+product, ""), 200)
		if e["unit_price"] != "100" {
			t.Fatalf("entry %v", e)
		}
		c.want(c.do("POST", "/price-lists/"+list+"/entries", `{"entries": [{"product_id": "`+product+`", "unit_price": "-1"}]}`), 422)
		page := c.want(c.do("GET", "/price-lists/"+list+"/entries?limit=10", ""), 200)
		if len(page["items"].([]any)) != 1 {
			t.Fatalf("entries %v", page)
		}
		c.want(c.do("POST", "/exchange-rates", `{"currency": "USD", "rate": "0.92", "valid_from": "2026-01-01"}`), 201)
		conv := c.want(c.do("GET", "/currency/convert?amount=250&currency=USD&date=2026-06-30", ""), 200)
		if conv["converted"] != "230" || conv["base"] != "EUR" {
			t.Fatalf("convert %v", conv)
		}
		c.want(c.do("GET", "/currency/convert?amount=1&currency=GBP", ""), 422)
		c.want(c.do("PUT", "/settings/base-currency", `{"currency": "USD"}`), 409)
		if b := c.want(c.do("GET", "/settings/base-currency", ""), 200); b["currency"] != "EUR" {
			t.Fatalf("base %v", b)
		}
	})
}

func TestQuoteAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		account, product, list := commerceSetup(c)
		body := fmt.Sprintf(`{"account_id": %q, "currency": "EUR", "price_list_id": %q, "rounding": "line",
			"lines": [{"product_id": %q, "quantity": "2"}, {"description": "Training", "unit_price": "80", "discount_percent": "25"}]}`, account, list, product)
		q := c.want(c.do("POST", "/quotes", body), 201)
		id := q["id"].(string)
		if q["number"] != fmt.Sprintf("Q-%d-0001", time.Now().Year()) || q["total"] != "298" || q["line_count"] != float64(2) {
			t.Fatalf("quote %v", q)
		}
		unchanged(c, func() {
			usd := fmt.Sprintf(`{"account_id": %q, "currency": "USD", "price_list_id": %q}`, account, list)
			c.want(c.do("POST", "/quotes", usd), 422)
			c.want(c.do("POST", "/quotes/"+id+"/lines", `{"description": "x", "unit_price": "1", "quantity": "-2"}`), 422)
			c.want(c.do("POST", "/quotes/"+id+"/lines", `{"description": "x", "unit_price": "-1"}`), 422)
			c.want(c.do("POST", "/quotes/"+id+"/lines", `{"description": "x", "unit_price": "1", "discount_percent": "101"}`), 422)
			c.want(c.do("POST", "/quotes/"+id+"/lines", `{"description": "x", "unit_price": "1"}`, "If-Match", `"7"`), 412)
		})
		line := c.want(c.do("POST", "/quotes/"+id+"/lines", `{"description": "Support", "unit_price": "10.005", "tax_rate": "19"}`), 201)
		if line["gross_amount"] != "11.91" {
			t.Fatalf("line %v", line)
		}
		lines := c.want(c.do("GET", "/quotes/"+id+"/lines", ""), 200)["items"].([]any)
		first := lines[0].(map[string]any)["id"].(string)
		c.want(c.do("PATCH", "/quotes/"+id+"/lines/"+first, `{"discount_percent": "50"}`), 200)
		q = c.want(c.do("GET", "/quotes/"+id, ""), 200)
		if q["version"] != float64(3) || q["total"] != "190.91" {
			t.Fatalf("after line edits %v", q)
		}
		c.want(c.do("POST", "/quotes/"+id+"/send", ""), 200)
		unchanged(c, func() {
			c.want(c.do("POST", "/quotes/"+id+"/lines", `{"description": "late", "unit_price": "1"}`), 409)
			c.want(c.do("PATCH", "/quotes/"+id, `{"currency": "USD"}`), 409)
			c.want(c.do("POST", "/quotes/"+id+"/reject", `{}`), 422)
			c.want(c.do("POST", "/quotes/"+id+"/order", ""), 409)
		})
		c.want(c.do("PATCH", "/quotes/"+id, `{"notes": "called back"}`), 200)
		acc := c.want(c.do("POST", "/quotes/"+id+"/accept", ""), 200)
		if acc["status"] != "accepted" {
			t.Fatalf("accept %v", acc)
		}
		unchanged(c, func() { c.want(c.do("POST", "/quotes/"+id+"/accept", ""), 409) })
		o := c.want(c.do("POST", "/quotes/"+id+"/order", ""), 201)
		if o["quote_id"] != id || o["total"] != "190.91" || o["billable"] != true {
			t.Fatalf("order %v", o)
		}
		hist := c.want(c.do("GET", "/quotes/"+id+"/history", ""), 200)["items"].([]any)
		events := map[string]bool{}
		for _, h := range hist {
			if ev, ok := h.(map[string]any)["event"].(string); ok {
				events[ev] = true
			}
		}
		if !events[model.EventQuoteSent] || !events[model.EventQuoteAccepted] {
			t.Fatalf("domain events %v", events)
		}
	})
}

func TestQuoteReviseAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		account, product, list := commerceSetup(c)
		q := c.want(c.do("POST", "/quotes", fmt.Sprintf(`{"account_id": %q, "currency": "EUR", "price_list_id": %q, "lines": [{"product_id": %q}]}`, account, list, product)), 201)
		id := q["id"].(string)
		c.want(c.do("POST", "/quotes/"+id+"/send", ""), 200)
		c.want(c.do("POST", "/quotes/"+id+"/reject", `{"reason": "too expensive"}`), 200)
		next := c.want(c.do("POST", "/quotes/"+id+"/revise", ""), 201)
		if next["revision"] != float64(2) || next["number"] != q["number"] || next["status"] != "draft" || next["previous_id"] != id {
			t.Fatalf("revision %v", next)
		}
		c.want(c.do("DELETE", "/quotes/"+id, ""), 409)
		c.want(c.do("DELETE", "/quotes/"+next["id"].(string), ""), 204)
	})
}

func TestOrderAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		account, product, list := commerceSetup(c)
		body := fmt.Sprintf(`{"account_id": %q, "currency": "EUR", "price_list_id": %q, "billable": false,
			"lines": [{"product_id": %q}, {"product_id": %q}, {"product_id": %q}]}`, account, list, product, product, product)
		o := c.want(c.do("POST", "/orders", body), 201)
		id := o["id"].(string)
		if o["billable"] != false || o["number"] != fmt.Sprintf("O-%d-00001", time.Now().Year()) || o["kind"] != "sales" {
			t.Fatalf("order %v", o)
		}
		lines := c.want(c.do("GET", "/orders/"+id+"/lines", ""), 200)["items"].([]any)
		a, b := lines[0].(map[string]any)["id"], lines[1].(map[string]any)["id"]
		before := count(c, "changes")
		c.want(c.do("POST", "/orders/"+id+"/lines/batch", fmt.Sprintf(`{"line_ids": [%q, %q, "nope"], "discount_percent": "10"}`, a, b)), 422)
		c.want(c.do("POST", "/orders/"+id+"/lines/batch", fmt.Sprintf(`{"line_ids": [%q], "quantity": "0"}`, a)), 422)
		c.want(c.do("POST", "/orders/"+id+"/lines/batch", `{"discount_percent": "10"}`), 422)
		if count(c, "changes") != before {
			t.Fatal("refused batches wrote")
		}
		page := c.want(c.do("POST", "/orders/"+id+"/lines/batch", fmt.Sprintf(`{"line_ids": [%q, %q], "discount_percent": "10", "quantity": "2"}`, a, b)), 200)
		if len(page["items"].([]any)) != 3 {
			t.Fatalf("batch %v", page)
		}
		o = c.want(c.do("GET", "/orders/"+id, ""), 200)
		// 2 lines of 2 × 100 − 10 % = 180 and one of 100, at 19 %
		if o["total"] != "547.4" || o["version"] != float64(2) {
			t.Fatalf("after batch %v", o)
		}
		c.want(c.do("POST", "/orders/"+id+"/confirm", ""), 200)
		c.want(c.do("POST", "/orders/"+id+"/fulfil", ""), 200)
		c.want(c.do("POST", "/orders/"+id+"/confirm", ""), 409)
		attachTo(c, "order", id)
	})
}

// attachTo uploads a file to a record through the generic attachments.
func attachTo(c *client, recordType, id string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("record_type", recordType)
	_ = mw.WriteField("record_id", id)
	fw, _ := mw.CreateFormFile("file", "delivery-note.txt")
	_, _ = fw.Write([]byte("signed"))
	_ = mw.Close()
	req := httptest.NewRequest("POST", api.Prefix+"/attachments", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req.WithContext(model.WithActor(context.Background(), c.actor)))
	if rec.Code != 201 {
		c.t.Fatalf("attach to %s: %d %s", recordType, rec.Code, rec.Body.String())
	}
}

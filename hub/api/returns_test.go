package api_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// afterSalesTables are the tables a refused registration or return request
// must leave as they were (with the change feed).
var afterSalesTables = []string{"registrations", "registration_transfers", "rmas", "rma_lines", "rma_status_changes", "orders", "activities", "contacts", "changes"}

// rejects sends a request (with headers, name and value pairs) that must
// fail with status, naming want in its problem, and write nothing.
func (c *client) rejects(method, path, body string, status int, want string, headers ...string) {
	c.t.Helper()
	before := make([]int64, len(afterSalesTables))
	for i, table := range afterSalesTables {
		before[i] = count(c, table)
	}
	p := c.want(c.do(method, path, body, headers...), status)
	if text := fmt.Sprint(p); !strings.Contains(text, want) {
		c.t.Errorf("%s %s: problem %s does not say %q", method, path, text, want)
	}
	for i, table := range afterSalesTables {
		if n := count(c, table); n != before[i] {
			c.t.Fatalf("%s %s: %s went from %d to %d rows", method, path, table, before[i], n)
		}
	}
}

func TestRegistrationsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		account, product, _ := commerceSetup(c)
		contact := c.want(c.do("POST", "/contacts", `{"first_name": "Ann", "account_id": "`+account+`", "emails": [{"value": "ann@acme.example"}]}`), 201)["id"].(string)
		other := c.want(c.do("POST", "/accounts", `{"name": "Globex"}`), 201)["id"].(string)
		c.actor = newAgent(t, s, "service@example.com")

		reg := c.want(c.do("POST", "/registrations", `{"product_id": "`+product+`", "serial": "sn 100", "contact_id": "`+contact+`", "purchase_date": "2026-01-10"}`), 201)
		id := reg["id"].(string)
		if reg["serial"] != "SN100" || reg["account_id"] != account || reg["status"] != "active" {
			t.Fatalf("%v", reg)
		}
		c.rejects("POST", "/registrations", `{"product_id": "`+product+`", "serial": "SN100"}`, 409, id)
		c.rejects("POST", "/registrations", `{"product_id": "`+product+`", "serial": "SN101", "account_id": "`+other+`", "contact_id": "`+contact+`"}`, 422, "does not belong")
		c.rejects("PATCH", "/registrations/"+id, `{"account_id": "`+other+`", "contact_id": null}`, 422, "transfer")
		if page := c.want(c.do("GET", "/registrations?serial=SN100&account_id="+account, ""), 200); len(page["items"].([]any)) != 1 {
			t.Fatalf("filtered %v", page)
		}

		// Quick registration: a new serial needs its product.
		c.rejects("POST", "/registrations/quick", `{"serial": "Q-1", "email": "nia@example.com"}`, 422, "product_id")
		c.rejects("POST", "/registrations/quick", `{"serial": "SN100", "email": "nia@example.com"}`, 409, "another owner")
		c.rejects("POST", "/registrations/quick", `{"serial": "Q-1", "email": "nia@example.com", "sku": "W-1", "colour": "red"}`, 422, "colour")
		quick := c.do("POST", "/registrations/quick", `{"serial": "q-1", "email": "Nia@Example.com", "sku": "W-1", "first_name": "Nia"}`)
		q := c.want(quick, 201)
		if q["serial"] != "Q-1" || q["contact_id"] == nil || !strings.HasSuffix(quick.Header().Get("Location"), "/registrations/"+q["id"].(string)) {
			t.Fatalf("quick %v", q)
		}
		if again := c.want(c.do("POST", "/registrations/quick", `{"serial": "Q-1", "email": "nia@example.com"}`), 200); again["id"] != q["id"] {
			t.Fatalf("again %v", again)
		}

		// Transfer to a new owner, keeping the history.
		c.rejects("POST", "/registrations/"+id+"/transfer", `{"contact_id": "`+contact+`"}`, 422, "already belongs")
		c.rejects("POST", "/registrations/"+id+"/transfer", `{"account_id": "`+other+`"}`, 412, "version", "If-Match", `"9"`)
		moved := c.want(c.do("POST", "/registrations/"+id+"/transfer", `{"account_id": "`+other+`", "note": "sold"}`, "If-Match", `"1"`), 200)
		if moved["account_id"] != other || moved["contact_id"] != nil {
			t.Fatalf("moved %v", moved)
		}
		owners := c.want(c.do("GET", "/registrations/"+id+"/transfers", ""), 200)["items"].([]any)
		if len(owners) != 1 || owners[0].(map[string]any)["from_contact_id"] != contact || owners[0].(map[string]any)["note"] != "sold" {
			t.Fatalf("owners %v", owners)
		}
		c.want(c.do("GET", "/registrations/"+model.NewID()+"/transfers", ""), 404)
	})
}

func TestReturnsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		account, product, list := commerceSetup(c)
		c.actor = newAgent(t, s, "service@example.com")
		c.want(c.do("POST", "/registrations", `{"product_id": "`+product+`", "serial": "SN-7", "account_id": "`+account+`"}`), 201)
		req := c.want(c.do("POST", "/requests", `{"subject": "It smokes", "account_id": "`+account+`"}`), 201)["id"].(string)
		line := func(serial string) string {
			return `"lines": [{"serial": "` + serial + `", "reason": "defective", "reason_text": "smoke", "action": "repair"}]`
		}

		// Bad input: a clear 4xx that writes nothing.
		c.rejects("POST", "/rmas", `{"request_id": "`+req+`", `+line("NOPE-9")+`}`, 422, "no registered unit with serial NOPE-9")
		c.rejects("POST", "/rmas", `{"request_id": "`+model.NewID()+`", `+line("SN-7")+`}`, 422, "no request with id")
		c.rejects("POST", "/rmas", `{"request_id": "`+req+`", "lines": [}`, 400, "JSON")
		c.rejects("POST", "/rmas", `{"request_id": "`+req+`", "lines": []}`, 422, "at least one line")
		c.rejects("POST", "/rmas", `{"request_id": "`+req+`", "status": 7, `+line("SN-7")+`}`, 422, "status")

		created := c.do("POST", "/rmas", `{"request_id": "`+req+`", "notes": "Customer drop-off", `+line("sn-7")+`}`)
		rma := c.want(created, 201)
		id := rma["id"].(string)
		if !regexp.MustCompile(`^RMA-\d{4}-000001$`).MatchString(rma["number"].(string)) || rma["status"] != "requested" || rma["account_id"] != account ||
			len(rma["lines"].([]any)) != 1 || created.Header().Get("ETag") != `"1"` {
			t.Fatalf("%v", rma)
		}
		c.rejects("POST", "/rmas/"+id+"/status", `{"status": "shipped_back"}`, 409, "received")
		c.rejects("PATCH", "/rmas/"+id, `{"status": "authorised"}`, 422, "/status")
		c.rejects("POST", "/rmas/"+id+"/status", `{"status": "rejected"}`, 422, "reject_reason")
		c.rejects("POST", "/rmas/"+id+"/service-order", `{"price_list_id": "`+list+`"}`, 409, "authorise")
		c.want(c.do("PATCH", "/rmas/"+id, `{"notes": "Drop-off at the front desk"}`), 200)

		moved := c.want(c.do("POST", "/rmas/"+id+"/status", `{"status": "authorised", "note": "under warranty?"}`), 200)
		if moved["status"] != "authorised" || moved["authorised_at"] == nil {
			t.Fatalf("%v", moved)
		}
		lines := c.want(c.do("PUT", "/rmas/"+id+"/lines", `{`+line("SN-7")+`}`), 200)["items"].([]any)
		if len(lines) != 1 || lines[0].(map[string]any)["product_id"] != product {
			t.Fatalf("lines %v", lines)
		}
		c.want(c.do("POST", "/rmas/"+id+"/work-log", `{"body": "Checked the fuse", "minutes": 15}`), 201)
		c.rejects("POST", "/rmas/"+id+"/work-log", `{"body": " ", "minutes": -1}`, 422, "body")
		order := c.do("POST", "/rmas/"+id+"/service-order", `{"price_list_id": "`+list+`"}`)
		o := c.want(order, 201)
		if o["kind"] != "repair" || o["billable"] != true || o["total"] != "119" || o["external_ref"] != rma["number"] ||
			order.Header().Get("Location") != "/api/v1/orders/"+o["id"].(string) {
			t.Fatalf("order %v", o)
		}
		c.rejects("POST", "/rmas/"+id+"/service-order", "", 409, "already has its service order")
		for _, st := range []string{"received", "in_repair", "shipped_back", "closed"} {
			c.want(c.do("POST", "/rmas/"+id+"/status", `{"status": "`+st+`", "carrier": "DHL"}`), 200)
		}
		c.rejects("PUT", "/rmas/"+id+"/lines", `{`+line("SN-7")+`}`, 409, "can no longer change")
		got := c.want(c.do("GET", "/rmas/"+id, ""), 200)
		if got["service_order_id"] != o["id"] || got["carrier"] != "DHL" || got["closed_at"] == nil {
			t.Fatalf("%v", got)
		}
		hist := c.want(c.do("GET", "/rmas/"+id+"/history", ""), 200)["items"].([]any)
		var types []string
		for _, h := range hist {
			types = append(types, h.(map[string]any)["type"].(string))
		}
		if strings.Join(types, " ") != "status status work status status status status" {
			t.Fatalf("history %v", types)
		}
		if page := c.want(c.do("GET", "/rmas?status=closed&request_id="+req, ""), 200); len(page["items"].([]any)) != 1 {
			t.Fatalf("list %v", page)
		}
		c.rejects("DELETE", "/rmas/"+id, "", 409, "closed")
		c.want(c.do("GET", "/rmas/"+id+"/changes", ""), 200)
	})
}

func TestAfterSalesEventCatalogue(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	c := newClient(t, s)
	items := c.want(c.do("GET", "/webhooks/event-types", ""), http.StatusOK)["items"].([]any)
	want := map[string]string{"rma.created": "number", "rma.status_changed": "status", "registration.transferred": "serial"}
	for _, it := range items {
		e := it.(map[string]any)
		field, ok := want[e["type"].(string)]
		if !ok {
			continue
		}
		data := e["schema"].(map[string]any)["properties"].(map[string]any)["data"].(map[string]any)
		record := data["anyOf"].([]any)[0].(map[string]any)["properties"].(map[string]any)
		if record[field] == nil || e["description"] == "" {
			t.Errorf("%s: %v", e["type"], e)
		}
		delete(want, e["type"].(string))
	}
	if len(want) > 0 {
		t.Errorf("missing from the catalogue: %v", want)
	}
}

package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestContractsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		id := func(m map[string]any) string { return m["id"].(string) }
		acme := id(c.want(c.do("POST", "/accounts", `{"name": "Acme"}`), http.StatusCreated))
		globex := id(c.want(c.do("POST", "/accounts", `{"name": "Globex"}`), http.StatusCreated))
		printer := id(c.want(c.do("POST", "/products", `{"sku": "PR-1", "name": "Printer", "active": true}`), http.StatusCreated))
		reg := &model.Registration{ProductID: printer, Serial: "pr 0002", AccountID: &globex}
		if err := store.Create(model.WithActor(context.Background(), model.System), s, reg); err != nil {
			t.Fatal(err)
		}
		c.want(c.do("POST", "/sla-targets", `{"priority": "normal", "contract_level": "gold", "first_response_minutes": 15, "resolution_minutes": 120}`), http.StatusCreated)
		today := time.Now().UTC()
		date := func(days int) string { return today.AddDate(0, 0, days).Format("2006-01-02") }
		contract := func(start, end int, extra string) string {
			return fmt.Sprintf(`{"name": "Gold support", "account_id": %q, "product_ids": [%q], "start_date": %q, "end_date": %q%s}`,
				acme, printer, date(start), date(end), extra)
		}

		gold := c.want(c.do("POST", "/contracts", contract(-10, 20, `, "level": "gold", "prepaid_unit": "requests", "prepaid_units": "1"`)), http.StatusCreated)
		if !strings.HasPrefix(gold["number"].(string), "SC-") || gold["kind"] != "service" || gold["status"] != "active" {
			t.Fatalf("%v", gold)
		}
		before := c.want(c.do("GET", "/changes?since=0&limit=1000", ""), http.StatusOK)
		c.want(c.do("POST", "/contracts", contract(15, 40, "")), http.StatusConflict)
		c.want(c.do("POST", "/contracts", contract(30, 40, `, "hourly_rate": "-5"`)), http.StatusUnprocessableEntity)
		c.want(c.do("POST", "/contracts", contract(30, 40, `, "level": "platinum"`)), http.StatusUnprocessableEntity)
		after := c.want(c.do("GET", "/changes?since=0&limit=1000", ""), http.StatusOK)
		if len(after["items"].([]any)) != len(before["items"].([]any)) {
			t.Errorf("refused contracts were written")
		}
		list := c.want(c.do("GET", "/contracts?account_id="+acme+"&level=gold", ""), http.StatusOK)
		if len(list["items"].([]any)) != 1 {
			t.Errorf("list %v", list)
		}

		check := func(body string) map[string]any {
			return c.want(c.do("POST", "/entitlement/check", body), http.StatusOK)
		}
		if v := check(`{"account_id": "` + acme + `", "product_id": "` + printer + `"}`); v["status"] != "covered" || v["units_left"] != "1" ||
			v["contract"].(map[string]any)["id"] != gold["id"] {
			t.Errorf("check %v", v)
		}
		if v := check(`{"registration_id": "` + reg.ID + `"}`); v["status"] != "not_covered" || v["contract"] != nil {
			t.Errorf("check the Globex unit %v", v)
		}
		if v := check(`{"account_id": "` + acme + `", "product_id": "` + printer + `", "day": "` + date(30) + `"}`); v["status"] != "expired" {
			t.Errorf("check after the end %v", v)
		}
		c.want(c.do("POST", "/entitlement/check", `{"account_id": "`+acme+`", "registration_id": "`+reg.ID+`"}`), http.StatusUnprocessableEntity)
		c.want(c.do("POST", "/entitlement/check", `{"product_id": "`+printer+`"}`), http.StatusUnprocessableEntity)

		req := c.want(c.do("POST", "/requests", `{"subject": "Jam", "account_id": "`+acme+`", "product_id": "`+printer+`"}`), http.StatusCreated)
		created, _ := time.Parse(time.RFC3339Nano, req["created_at"].(string))
		due, _ := time.Parse(time.RFC3339Nano, req["first_response_due"].(string))
		if req["entitlement"] != "covered" || req["contract_id"] != gold["id"] || due.Sub(created) != 15*time.Minute {
			t.Errorf("request %v", req)
		}
		c.want(c.do("POST", "/requests", `{"subject": "Not mine", "account_id": "`+acme+`", "registration_id": "`+reg.ID+`"}`), http.StatusUnprocessableEntity)
		next := c.want(c.do("POST", "/requests", `{"subject": "Again", "account_id": "`+acme+`", "product_id": "`+printer+`", "entitlement": "covered"}`), http.StatusCreated)
		if next["entitlement"] != "units_exhausted" {
			t.Errorf("second request %v", next)
		}
		usage := c.want(c.do("GET", "/contracts/"+id(gold)+"/usage", ""), http.StatusOK)
		if usage["prepaid_unit"] != "requests" || usage["used"] != "2" || usage["left"] != "0" || usage["requests"] != float64(2) {
			t.Errorf("usage %v", usage)
		}
		c.want(c.do("GET", "/contracts/"+model.NewID()+"/usage", ""), http.StatusNotFound)
	})
}

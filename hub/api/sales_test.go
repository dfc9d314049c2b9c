package api_test

import (
	"net/http"
	"strings"
	"testing"

	"rapport/model/store"
	"rapport/model/storetest"
)

func TestSalesOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		admin := c.actor
		p := c.want(c.do("POST", "/pipelines", `{"name": "New business", "active": true, "stages": [
			{"name": "Qualify", "probability": 10}, {"name": "Proposal", "probability": 60, "forecast_category": "best_case"}]}`), http.StatusCreated)
		pid := p["id"].(string)
		comp := c.want(c.do("POST", "/competitors", `{"name": "Rival Corp", "strengths": "price"}`), http.StatusCreated)

		// Agents manage deals, not pipelines.
		agent := newAgent(t, s, "rep@example.com")
		c.actor = agent
		c.want(c.do("POST", "/pipelines", `{"name": "Mine", "stages": [{"name": "A"}]}`), http.StatusForbidden)
		o := c.want(c.do("POST", "/opportunities", `{"name": "Deal", "amount": "2500.00", "currency": "EUR", "owner_id": "`+agent.UserID+`",
			"competitor_ids": ["`+comp["id"].(string)+`"], "next_step": "Call", "next_step_due": "2026-12-01"}`), http.StatusCreated)
		oid := o["id"].(string)
		if o["pipeline_id"] != pid || o["stage"] != "qualify" || o["probability"] != float64(10) || o["amount"] != "2500" || o["weighted_amount"] != "250" {
			t.Fatalf("%v", o)
		}
		moved := c.want(c.do("PATCH", "/opportunities/"+oid, `{"stage": "proposal"}`), http.StatusOK)
		if moved["probability"] != float64(60) || moved["forecast_category"] != "best_case" {
			t.Fatalf("%v", moved)
		}
		hist := c.want(c.do("GET", "/opportunities/"+oid+"/stages", ""), http.StatusOK)
		if items := hist["items"].([]any); len(items) != 2 || items[1].(map[string]any)["to_stage"] != "proposal" {
			t.Fatalf("%v", hist)
		}
		for _, bad := range []string{`{"stage": "nowhere"}`, `{"probability_override": 150}`, `{"amount": "-5"}`, `{"amount": 1.00001}`,
			`{"outcome": "lost"}`, `{"currency": "EURO"}`} {
			c.want(c.do("PATCH", "/opportunities/"+oid, bad), http.StatusUnprocessableEntity)
		}
		c.want(c.do("PATCH", "/opportunities/"+oid, `{"amount": 12}`), http.StatusOK)
		page := c.want(c.do("POST", "/opportunities/search", `{"all": [{"field": "amount", "op": "gte", "value": "10"}, {"field": "stage", "op": "eq", "value": "proposal"}]}`), http.StatusOK)
		if len(page["items"].([]any)) != 1 {
			t.Fatalf("decimal filter %v", page)
		}
		if page := c.want(c.do("GET", "/opportunities?sort=-amount", ""), http.StatusOK); len(page["items"].([]any)) != 1 {
			t.Fatalf("sort by amount %v", page)
		}

		// Leads: create, qualify, convert once.
		l := c.want(c.do("POST", "/leads", `{"first_name": "Ada", "company": "Engines Ltd", "emails": [{"value": "ada@engines.example"}],
			"qualification": [{"question": "Budget?", "answer": "yes", "score": 40}]}`), http.StatusCreated)
		lid := l["id"].(string)
		if l["score"] != float64(40) || l["status"] != "new" {
			t.Fatalf("%v", l)
		}
		c.want(c.do("PATCH", "/leads/"+lid, `{"status": "disqualified"}`), http.StatusUnprocessableEntity)
		conv := c.want(c.do("POST", "/leads/"+lid+"/convert", `{"opportunity": {"amount": "900", "currency": "EUR"}}`), http.StatusOK)
		if conv["status"] != "converted" || conv["opportunity_id"] == nil || conv["account_id"] == nil {
			t.Fatalf("%v", conv)
		}
		c.want(c.do("POST", "/leads/"+lid+"/convert", ``), http.StatusConflict)
		c.want(c.do("POST", "/leads/"+lid+"/convert", `{"bogus": 1}`), http.StatusUnprocessableEntity)

		// Another rep does not see this rep's team-scoped deals; admins do.
		c.actor = newAgent(t, s, "other.rep@example.com")
		c.want(c.do("GET", "/opportunities/"+oid, ""), http.StatusNotFound)
		c.actor = admin
		c.want(c.do("GET", "/opportunities/"+oid, ""), http.StatusOK)

		camp := c.want(c.do("POST", "/campaigns", `{"name": "Expo", "type": "trade_show", "currency": "EUR", "budget": "1000"}`), http.StatusCreated)
		if camp["status"] != "planned" || camp["budget"] != "1000" {
			t.Fatalf("%v", camp)
		}
		c.want(c.do("POST", "/campaigns", `{"name": "Expo", "type": "billboard", "currency": "EUR"}`), http.StatusUnprocessableEntity)
	})
}

func TestReportsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		c.want(c.do("POST", "/pipelines", `{"name": "New business", "active": true, "stages": [{"name": "Qualify", "probability": 25}]}`), http.StatusCreated)
		c.want(c.do("POST", "/opportunities", `{"name": "Deal", "amount": "1000", "currency": "EUR", "close_date": "2026-05-01"}`), http.StatusCreated)
		list := c.want(c.do("GET", "/reports", ""), http.StatusOK)
		if n := len(list["items"].([]any)); n < 17 {
			t.Fatalf("%d reports", n)
		}
		res := c.want(c.do("GET", "/reports/forecast?from=2026-01-01&to=2027-01-01&tz=Europe/Moscow", ""), http.StatusOK)
		rows := res["rows"].([]any)
		if len(rows) != 1 || rows[0].([]any)[0] != "2026-05" || rows[0].([]any)[6] != "250" || res["currency"] != "EUR" {
			t.Fatalf("%v", res)
		}
		r := c.do("GET", "/reports/forecast?from=2026-01-01&to=2027-01-01&format=csv", "")
		if r.Code != http.StatusOK || !strings.HasPrefix(r.Body.String(), "Group,Name,Deals,Pipeline") || !strings.Contains(r.Body.String(), "2026-05,2026-05,1,1000.00") {
			t.Fatalf("csv %d %s", r.Code, r.Body)
		}
		r = c.do("GET", "/reports/pipeline_by_stage?format=xlsx", "")
		if r.Code != http.StatusOK || !strings.HasPrefix(r.Body.String(), "PK") || !strings.Contains(r.Header().Get("Content-Disposition"), "pipeline_by_stage_") {
			t.Fatalf("xlsx %d %v", r.Code, r.Header())
		}
		c.want(c.do("GET", "/reports/nope", ""), http.StatusNotFound)
		for _, bad := range []string{"format=pdf", "group=planet", "from=yesterday", "tz=Nowhere/Land", "bogus=1%27%3B+DROP+TABLE+users", "days=-1"} {
			name := "forecast"
			if strings.HasPrefix(bad, "days") {
				name = "stalled_deals"
			}
			c.want(c.do("GET", "/reports/"+name+"?"+bad, ""), http.StatusUnprocessableEntity)
		}
	})
}

func TestReportDefinitionsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		c.want(c.do("POST", "/pipelines", `{"name": "P", "active": true, "stages": [{"name": "Qualify", "probability": 25}]}`), http.StatusCreated)
		c.want(c.do("POST", "/opportunities", `{"name": "Deal", "amount": "1000", "currency": "EUR", "close_date": "2026-05-01"}`), http.StatusCreated)
		def := `{"name": "Amount by stage", "entity": "opportunity", "group_by": ["stage"], "aggregates": [{"fn": "sum", "field": "amount"}]}`
		res := c.want(c.do("POST", "/reports/query?from=2026-01-01&to=2027-01-01", def), http.StatusOK)
		if rows := res["rows"].([]any); len(rows) != 1 || rows[0].([]any)[1] != "1000" {
			t.Fatalf("%v", res)
		}
		saved := c.want(c.do("POST", "/report-definitions", def), http.StatusCreated)
		r := c.do("GET", "/report-definitions/"+saved["id"].(string)+"/run?format=csv", "")
		if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "qualify,1000.00") {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		c.want(c.do("POST", "/report-definitions", `{"name": "x", "entity": "opportunity", "group_by": ["1=1) OR (1"]}`), http.StatusUnprocessableEntity)
		c.want(c.do("POST", "/reports/query", `{"name": "x", "entity": "opportunity", "aggregates": [{"fn": "sum", "field": "stage"}]}`), http.StatusUnprocessableEntity)
		// Someone else's definition is not theirs to run.
		c.actor = newAgent(t, s, "rep@example.com")
		c.want(c.do("GET", "/report-definitions/"+saved["id"].(string)+"/run", ""), http.StatusNotFound)
	})
}

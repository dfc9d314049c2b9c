package api_test

import (
	"net/http"
	"testing"

	"rapport/model/store"
	"rapport/model/storetest"
)

// feedAndRows returns the feed's last seq and the rows of table, to prove a
// refused request wrote nothing.
func (c *client) feedAndRows(table string) [2]int64 {
	c.t.Helper()
	var n int64
	if err := c.s.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	page := c.want(c.do("GET", "/changes?limit=1000", ""), http.StatusOK)
	seq, _ := page["next_since"].(float64)
	return [2]int64{int64(seq), n}
}

// refused sends a request that must fail with status and change nothing.
func (c *client) refused(table, method, path, body string, status int) {
	c.t.Helper()
	before := c.feedAndRows(table)
	c.want(c.do(method, path, body), status)
	if after := c.feedAndRows(table); after != before {
		c.t.Fatalf("%s %s wrote: %v → %v", method, path, before, after)
	}
}

func TestMarketingOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		id := func(m map[string]any) string { return m["id"].(string) }
		ada := id(c.want(c.do("POST", "/contacts", `{"first_name": "Ada", "last_name": "Lovelace", "emails": [{"value": "ada@example.com"}]}`), http.StatusCreated))
		bob := id(c.want(c.do("POST", "/contacts", `{"first_name": "Bob", "last_name": "Baker", "tags": ["vip"]}`), http.StatusCreated))

		// Lists: static with members, dynamic with a filter checked on save.
		static := id(c.want(c.do("POST", "/mailing-lists", `{"name": "Newsletter", "kind": "static"}`), http.StatusCreated))
		added := c.want(c.do("POST", "/mailing-lists/"+static+"/members", `{"contact_ids": ["`+ada+`", "`+bob+`"]}`), http.StatusOK)
		if len(added["added"].([]any)) != 2 {
			t.Fatalf("%v", added)
		}
		dynamic := id(c.want(c.do("POST", "/mailing-lists", `{"name": "VIPs", "kind": "dynamic", "filter": {"all": [{"field": "tags", "op": "contains", "value": "vip"}]}}`), http.StatusCreated))
		page := c.want(c.do("GET", "/mailing-lists/"+dynamic+"/members", ""), http.StatusOK)
		if items := page["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != bob {
			t.Fatalf("%v", page)
		}
		for _, bad := range []string{
			`{"name": "X", "kind": "dynamic", "filter": {"all": [{"field": "password", "op": "eq", "value": "x"}]}}`,
			`{"name": "X", "kind": "dynamic", "filter": {"all": [{"field": "id) OR (1=1", "op": "eq", "value": "x"}]}}`,
			`{"name": "X", "kind": "dynamic", "filter": {"all": [{"field": "first_name", "op": "like", "value": "%"}]}}`,
			`{"name": "X", "kind": "static", "filter": {"all": []}}`,
			`{"name": "X", "kind": "sometimes"}`,
		} {
			c.refused("mailing_lists", "POST", "/mailing-lists", bad, http.StatusUnprocessableEntity)
		}
		c.refused("mailing_lists", "PATCH", "/mailing-lists/"+dynamic, `{"filter": {"any": [{"field": "nope", "op": "eq", "value": 1}]}}`, http.StatusUnprocessableEntity)

		// Unsubscribe: out of every list; the feed says who and when.
		un := c.want(c.do("POST", "/contacts/"+bob+"/unsubscribe", ""), http.StatusOK)
		if un["unsubscribed"] != true || un["unsubscribed_at"] == nil {
			t.Fatalf("%v", un)
		}
		if items := c.want(c.do("GET", "/mailing-lists/"+dynamic+"/members", ""), http.StatusOK)["items"].([]any); len(items) != 0 {
			t.Fatalf("dynamic still has %v", items)
		}
		if items := c.want(c.do("GET", "/mailing-lists/"+static+"/members", ""), http.StatusOK)["items"].([]any); len(items) != 1 {
			t.Fatalf("static has %v", items)
		}
		hist := c.want(c.do("GET", "/contacts/"+bob+"/history", ""), http.StatusOK)["items"].([]any)
		last := hist[len(hist)-1].(map[string]any)
		if last["actor_id"] != c.actor.UserID || last["fields"].(map[string]any)["unsubscribed"] == nil {
			t.Fatalf("%v", last)
		}
		c.refused("mailing_list_members", "POST", "/mailing-lists/"+static+"/members", `{"contact_ids": ["`+bob+`"]}`, http.StatusUnprocessableEntity)

		// Campaign members: one, many, twice, from a list, summary.
		camp := id(c.want(c.do("POST", "/campaigns", `{"name": "Spring", "type": "email", "currency": "EUR"}`), http.StatusCreated))
		lead := id(c.want(c.do("POST", "/leads", `{"first_name": "Lee", "company": "Leads Ltd"}`), http.StatusCreated))
		c.want(c.do("POST", "/campaigns/"+camp+"/members", `{"entity": "lead", "record_id": "`+lead+`", "status": "sent"}`), http.StatusCreated)
		c.refused("campaign_members", "POST", "/campaigns/"+camp+"/members", `{"items": [{"entity": "contact", "record_id": "`+ada+`"}, {"entity": "lead", "record_id": "`+lead+`"}]}`, http.StatusConflict)
		c.refused("campaign_members", "POST", "/campaigns/"+camp+"/members", `{"entity": "contact", "record_id": "`+bob+`"}`, http.StatusUnprocessableEntity)
		res := c.want(c.do("POST", "/campaigns/"+camp+"/members/from-list", `{"mailing_list_id": "`+static+`"}`), http.StatusOK)
		if res["added"] != float64(1) { // ada; bob unsubscribed
			t.Fatalf("%v", res)
		}
		members := c.want(c.do("GET", "/campaigns/"+camp+"/members?entity=lead", ""), http.StatusOK)["items"].([]any)
		if len(members) != 1 {
			t.Fatalf("%v", members)
		}
		mid := id(members[0].(map[string]any))
		m := c.want(c.do("PATCH", "/campaigns/"+camp+"/members/"+mid, `{"status": "responded", "response": "Interested"}`), http.StatusOK)
		if m["responded_at"] == nil {
			t.Fatalf("%v", m)
		}
		c.refused("campaign_members", "PATCH", "/campaigns/"+camp+"/members/"+mid, `{"status": "ecstatic"}`, http.StatusUnprocessableEntity)
		sum := c.want(c.do("GET", "/campaigns/"+camp+"/members/summary", ""), http.StatusOK)
		if sum["total"] != float64(2) || sum["responded"] != float64(1) || sum["planned"] != float64(1) {
			t.Fatalf("%v", sum)
		}
		c.want(c.do("DELETE", "/campaigns/"+camp+"/members/"+mid, ""), http.StatusNoContent)
		c.want(c.do("POST", "/contacts/"+bob+"/resubscribe", ""), http.StatusOK)
		c.want(c.do("DELETE", "/mailing-lists/"+static+"/members/"+bob, ""), http.StatusNoContent)
		c.want(c.do("DELETE", "/mailing-lists/"+static+"/members/"+bob, ""), http.StatusNotFound)
	})
}

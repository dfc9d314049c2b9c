package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

func TestMergeContactsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		survivor := c.want(c.do("POST", "/contacts", `{"first_name": "Анна", "last_name": "Берг", "emails": [{"value": "anna@berg.example"}]}`), http.StatusCreated)
		loser := c.want(c.do("POST", "/contacts", `{"first_name": "Анна", "last_name": "Берг", "title": "CFO",
			"emails": [{"value": "Anna@Berg.example"}, {"value": "a.berg@mail.example"}], "custom_fields": {"source": "fair"}}`), http.StatusCreated)
		sid, lid := survivor["id"].(string), loser["id"].(string)
		act := c.want(c.do("POST", "/activities", `{"kind": "note", "subject": "Met", "contact_id": "`+lid+`"}`), http.StatusCreated)

		// The pair is suggested, the older contact first.
		dups := c.want(c.do("GET", "/contacts/duplicates", ""), http.StatusOK)
		items := dups["items"].([]any)
		if len(items) != 1 || dups["total"] != 1.0 {
			t.Fatalf("duplicates %v", dups)
		}
		pair := items[0].(map[string]any)
		if pair["a"].(map[string]any)["id"] != sid || pair["b"].(map[string]any)["id"] != lid || pair["score"].(float64) < 0.95 {
			t.Errorf("pair %v", pair)
		}

		before := c.want(c.do("GET", "/changes?since=0&limit=1000", ""), http.StatusOK)["next_since"]
		resp := c.do("POST", "/contacts/"+sid+"/merge", `{"loser_id": "`+lid+`", "fields": {"title": "loser"}}`)
		got := c.want(resp, http.StatusOK)
		merged := got["merged"].(map[string]any)
		if got["id"] != sid || got["title"] != "CFO" || len(got["emails"].([]any)) != 2 || merged["loser_id"] != lid ||
			merged["moved"].(map[string]any)["activity"] != 1.0 || resp.Header().Get("ETag") != fmt.Sprintf(`"%v"`, got["version"]) {
			t.Errorf("merge answer %v %s", got, resp.Header().Get("ETag"))
		}
		c.want(c.do("GET", "/contacts/"+lid, ""), http.StatusNotFound)
		if a := c.want(c.do("GET", "/activities/"+act["id"].(string), ""), http.StatusOK); a["contact_id"] != sid {
			t.Errorf("activity %v", a)
		}
		feed := c.want(c.do("GET", fmt.Sprintf("/changes?since=%v", before), ""), http.StatusOK)
		var events []string
		for _, it := range feed["items"].([]any) {
			ch := it.(map[string]any)
			if e, _ := ch["event"].(string); e != "" {
				events = append(events, e)
			}
		}
		if strings.Join(events, ",") != model.EventContactMerged {
			t.Errorf("feed events %v", events)
		}
		if d := c.want(c.do("GET", "/contacts/duplicates", ""), http.StatusOK); d["total"] != 0.0 {
			t.Errorf("merged pair still suggested: %v", d)
		}
		// A retried merge answers the survivor again; merging into the
		// tombstone names where its data went.
		c.want(c.do("POST", "/contacts/"+sid+"/merge", `{"loser_id": "`+lid+`"}`), http.StatusOK)
		p := c.want(c.do("POST", "/contacts/"+lid+"/merge", `{"loser_id": "`+sid+`"}`), http.StatusConflict)
		if !strings.Contains(fmt.Sprint(p["detail"]), sid) {
			t.Errorf("conflict %v", p)
		}
	})
}

func TestMergeAPIRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		a := c.want(c.do("POST", "/accounts", `{"name": "Acme Inc", "website": "https://acme.example"}`), http.StatusCreated)["id"].(string)
		b := c.want(c.do("POST", "/accounts", `{"name": "ACME Ltd", "website": "http://www.acme.example/"}`), http.StatusCreated)["id"].(string)
		if d := c.want(c.do("GET", "/accounts/duplicates?limit=1&min_score=0.5", ""), http.StatusOK); d["total"] != 1.0 {
			t.Errorf("account duplicates %v", d)
		}
		for _, tc := range []struct {
			name, path, body string
			status           int
			field            string
		}{
			{"into itself", "/accounts/" + a + "/merge", `{"loser_id": "` + a + `"}`, 422, ""},
			{"no loser", "/accounts/" + a + "/merge", `{}`, 422, "loser_id"},
			{"unknown body field", "/accounts/" + a + "/merge", `{"loser_id": "` + b + `", "keep": "all"}`, 422, ""},
			{"bad choice", "/accounts/" + a + "/merge", `{"loser_id": "` + b + `", "fields": {"name": "both"}}`, 422, "fields.name"},
			{"not a field", "/accounts/" + a + "/merge", `{"loser_id": "` + b + `", "fields": {"emails": "loser"}}`, 422, "fields.emails"},
			{"unknown survivor", "/accounts/" + model.NewID() + "/merge", `{"loser_id": "` + b + `"}`, 404, ""},
			{"malformed", "/accounts/" + a + "/merge", `{"loser_id": `, 400, ""},
			{"bad min_score", "/accounts/duplicates?min_score=high", "", 422, "min_score"},
			{"bad cursor", "/contacts/duplicates?cursor=zzz", "", 422, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				method := "POST"
				if tc.body == "" {
					method = "GET"
				}
				p := c.want(c.do(method, tc.path, tc.body), tc.status)
				if tc.field != "" && !strings.Contains(fmt.Sprint(p), tc.field) {
					t.Errorf("problem %v does not name %s", p, tc.field)
				}
			})
		}
		// Read-only credentials may look but not merge.
		c.actor.Scopes = []string{model.ScopeRead}
		c.want(c.do("GET", "/accounts/duplicates", ""), http.StatusOK)
		c.want(c.do("POST", "/accounts/"+a+"/merge", `{"loser_id": "`+b+`"}`), http.StatusForbidden)
		c.actor.Scopes = nil
		got := c.want(c.do("POST", "/accounts/"+a+"/merge", `{"loser_id": "`+b+`", "fields": {"name": "loser"}}`), http.StatusOK)
		if got["name"] != "ACME Ltd" {
			t.Errorf("merged account %v", got)
		}
	})
}

func TestMergeEventsInCatalogue(t *testing.T) {
	c := newClient(t, storetest.Open(t, "sqlite"))
	want := map[string]bool{model.EventContactMerged: true, model.EventAccountMerged: true}
	for _, it := range c.want(c.do("GET", "/webhooks/event-types", ""), http.StatusOK)["items"].([]any) {
		e := it.(map[string]any)
		if !want[e["type"].(string)] {
			continue
		}
		data := e["schema"].(map[string]any)["properties"].(map[string]any)["data"].(map[string]any)
		record := data["anyOf"].([]any)[0].(map[string]any)["properties"].(map[string]any)
		if record["merged_into_id"] == nil || e["description"] == "" {
			t.Errorf("%s: %v", e["type"], e)
		}
		delete(want, e["type"].(string))
	}
	if len(want) > 0 {
		t.Errorf("missing from the catalogue: %v", want)
	}
}

package api_test

import (
	"net/http"
	"strings"
	"testing"

	"rapport/model/store"
	"rapport/model/storetest"
)

const qualifyScript = `{"name": "Qualify", "questions": [
	{"id": "interested", "text": "Are you interested?", "kind": "yes_no", "choices": [{"value": "no", "next": "why"}], "next": "size"},
	{"id": "size", "text": "How many seats?", "kind": "number", "next": "industry", "maps_to": "custom_fields.seats"},
	{"id": "industry", "text": "Which industry?", "kind": "choice", "choices": [{"value": "retail"}, {"value": "banking"}], "maps_to": "industry"},
	{"id": "why", "text": "Why not?", "kind": "text", "maps_to": "notes"}]}`

func TestScriptsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		admin := c.actor
		sc := c.want(c.do("POST", "/scripts", qualifyScript), http.StatusCreated)["id"].(string)
		for _, bad := range []string{
			`{"name": "Loop", "questions": [{"id": "a", "text": "A?", "kind": "text", "next": "b"}, {"id": "b", "text": "B?", "kind": "yes_no", "choices": [{"value": "yes", "next": "a"}]}]}`,
			`{"name": "Self", "questions": [{"id": "a", "text": "A?", "kind": "text", "next": "a"}]}`,
			`{"name": "Dangling", "questions": [{"id": "a", "text": "A?", "kind": "text", "next": "nowhere"}]}`,
			`{"name": "Twice", "questions": [{"id": "a", "text": "A?", "kind": "text", "next": "a2"}, {"id": "a", "text": "B?", "kind": "text"}]}`,
			`{"name": "Orphan", "questions": [{"id": "a", "text": "A?", "kind": "text"}, {"id": "b", "text": "B?", "kind": "text"}]}`,
			`{"name": "Unsafe", "questions": [{"id": "a", "text": "A?", "kind": "text", "maps_to": "owner_id"}]}`,
			`{"name": "Empty", "questions": []}`,
		} {
			c.refused("scripts", "POST", "/scripts", bad, http.StatusUnprocessableEntity)
		}
		agent := newAgent(t, s, "caller@example.com")
		c.actor = agent
		c.want(c.do("POST", "/scripts", qualifyScript), http.StatusForbidden)

		lead := c.want(c.do("POST", "/leads", `{"first_name": "Ada", "company": "Engines", "notes": "Met at the fair"}`), http.StatusCreated)["id"].(string)
		call := c.want(c.do("POST", "/activities", `{"kind": "call", "subject": "Qualification call"}`), http.StatusCreated)["id"].(string)
		note := c.want(c.do("POST", "/activities", `{"kind": "note", "subject": "A note"}`), http.StatusCreated)["id"].(string)
		apply := `"apply_to": {"entity": "lead", "id": "` + lead + `"}`
		for _, bad := range []string{
			`{"activity_id": "` + call + `", "answers": [{"question_id": "size", "answer": 5}], ` + apply + `}`,                                                  // not the start
			`{"activity_id": "` + call + `", "answers": [{"question_id": "interested", "answer": "yes"}, {"question_id": "why", "answer": "x"}], ` + apply + `}`, // off the path
			`{"activity_id": "` + call + `", "answers": [{"question_id": "interested", "answer": "maybe"}]}`,
			`{"activity_id": "` + call + `", "answers": [{"question_id": "interested", "answer": true}, {"question_id": "size", "answer": "many"}]}`,
			`{"activity_id": "` + call + `", "answers": [{"question_id": "interested", "answer": "no"}, {"question_id": "why", "answer": "x"}, {"question_id": "size", "answer": 1}]}`,
			`{"activity_id": "` + note + `", "answers": [{"question_id": "interested", "answer": "yes"}]}`,
			`{"activity_id": "` + call + `", "answers": [{"question_id": "interested", "answer": "yes"}], "apply_to": {"entity": "account", "id": "` + lead + `"}}`,
		} {
			c.refused("activities", "POST", "/scripts/"+sc+"/run", bad, http.StatusUnprocessableEntity)
		}

		res := c.want(c.do("POST", "/scripts/"+sc+"/run", `{"activity_id": "`+call+`", "answers": [
			{"question_id": "interested", "answer": true}, {"question_id": "size", "answer": 25}, {"question_id": "industry", "answer": "banking"}], `+apply+`}`), http.StatusOK)
		desc := res["activity"].(map[string]any)["description"].(string)
		if !strings.Contains(desc, "Q: How many seats?\nA: 25") || !strings.Contains(desc, "Script “Qualify”") {
			t.Fatalf("%q", desc)
		}
		if res["applied"].(map[string]any)["industry"] != "banking" {
			t.Fatalf("%v", res)
		}
		l := c.want(c.do("GET", "/leads/"+lead, ""), http.StatusOK)
		if l["industry"] != "banking" || l["custom_fields"].(map[string]any)["seats"] != "25" || l["notes"] != "Met at the fair" {
			t.Fatalf("%v", l)
		}
		linked := c.want(c.do("GET", "/activities?linked=script:"+sc, ""), http.StatusOK)["items"].([]any)
		if len(linked) != 1 {
			t.Fatalf("%v", linked)
		}

		// The "no" branch appends to the notes of a contact; fields a
		// contact lacks are reported as skipped.
		c.actor = admin
		contact := c.want(c.do("POST", "/contacts", `{"first_name": "Bob"}`), http.StatusCreated)["id"].(string)
		res = c.want(c.do("POST", "/scripts/"+sc+"/run", `{"activity_id": "`+call+`", "answers": [
			{"question_id": "interested", "answer": "no"}, {"question_id": "why", "answer": "No budget"}], "apply_to": {"entity": "contact", "id": "`+contact+`"}}`), http.StatusOK)
		if got := c.want(c.do("GET", "/contacts/"+contact, ""), http.StatusOK)["notes"]; got != "No budget" {
			t.Fatalf("%v %v", got, res)
		}
	})
}

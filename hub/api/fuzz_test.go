package api_test

import (
	"testing"

	"rapport/model/storetest"
)

// FuzzContactBodies sends arbitrary bodies to create and patch: the API must
// answer 2xx or 4xx, never 5xx, and never panic.
func FuzzContactBodies(f *testing.F) {
	for _, seed := range []string{
		`{"first_name": "Иван", "emails": [{"value": "a@b.c"}]}`,
		`{"first_name": 5}`, `{"birthday": "2020-02-30"}`, `[]`, `null`, `{"custom_fields": {"a": [1, {"b": null}]}}`,
		`{"tags": ["` + "\u0000" + `"]}`, `{"phones": [{"value": "+1 (555) 0100 ext. 12"}]}`, `{"account_id": ""}`,
		`{"first_name": "a"}{"first_name": "b"}`, `{"display_name": "` + "\xff\xfe" + `"}`,
	} {
		f.Add(seed)
	}
	s := storetest.Open(f, "sqlite")
	c := newClient(f, s)
	id := c.do("POST", "/contacts", `{"first_name": "Seed"}`).json()["id"].(string)
	f.Fuzz(func(t *testing.T, body string) {
		c.t = t
		for _, r := range []response{c.do("POST", "/contacts", body), c.do("PATCH", "/contacts/"+id, body)} {
			if r.Code >= 500 {
				t.Fatalf("status %d for %q: %s", r.Code, body, r.Body.String())
			}
		}
	})
}

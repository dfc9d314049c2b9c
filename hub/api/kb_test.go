package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/model/store"
	"rapport/model/storetest"
)

func TestKBOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		a := c.want(c.do("POST", "/kb/articles", `{"question": "Как вернуть товар?", "answer": "Возвраты принимаются **30 дней**. <script>x</script>",
			"category": "returns", "tags": ["возврат"], "request_ids": ["`+strings.Repeat("a", 8)+`-0000-4000-8000-000000000000"]}`), http.StatusCreated)
		id := a["id"].(string)
		if a["status"] != "draft" || strings.Contains(a["answer_html"].(string), "<script") {
			t.Fatalf("%v", a)
		}
		c.want(c.do("PATCH", "/kb/articles/"+id, `{"status": "published"}`), http.StatusOK)
		vs := c.want(c.do("GET", "/kb/articles/"+id+"/versions", ""), http.StatusOK)
		if items := vs["items"].([]any); len(items) != 2 || items[1].(map[string]any)["event"] != "kb.article_published" {
			t.Fatalf("%v", vs)
		}
		if v := c.want(c.do("POST", "/kb/articles/"+id+"/view", ""), http.StatusOK); v["view_count"] != float64(1) {
			t.Fatalf("%v", v)
		}
		c.want(c.do("POST", "/kb/articles/"+id+"/votes", `{"helpful": false, "comment": "мало"}`), http.StatusCreated)
		c.want(c.do("POST", "/kb/articles/"+id+"/votes", `{"helpful": true}`), http.StatusOK)
		if v := c.want(c.do("GET", "/kb/articles/"+id+"/votes", ""), http.StatusOK); v["helpful"] != float64(1) || v["not_helpful"] != float64(0) {
			t.Fatalf("%v", v)
		}
		res := c.want(c.do("GET", "/kb/search?q="+url.QueryEscape("возвратов -курьер")+"&status=published", ""), http.StatusOK)
		items := res["items"].([]any)
		if len(items) != 1 || !strings.Contains(items[0].(map[string]any)["snippet"].(string), "<mark>Возвраты</mark>") {
			t.Fatalf("%v", res)
		}

		// Bad input: 4xx, nothing written.
		before := c.want(c.do("GET", "/changes", ""), http.StatusOK)
		for _, bad := range []struct{ method, path, body string }{
			{"POST", "/kb/articles", `{"question": ""}`},
			{"POST", "/kb/articles", `{"question": "q", "visibility": "everyone"}`},
			{"POST", "/kb/articles", `{"question": "q", "request_ids": ["nope"]}`},
			{"POST", "/kb/articles/" + id + "/votes", `{"comment": "no verdict"}`},
			{"POST", "/kb/articles/" + id + "/votes", `{"helpful": "yes"}`},
			{"GET", "/kb/search?q=" + url.QueryEscape("NOT x"), ""},
			{"GET", "/kb/search?q=" + url.QueryEscape(strings.Repeat("a ", 1000)), ""},
			{"GET", "/kb/search?q=x&limit=1000", ""},
			{"GET", "/kb/search?q=x&visibility=world", ""},
		} {
			r := c.do(bad.method, bad.path, bad.body)
			if r.Code < 400 || r.Code >= 500 || strings.Contains(strings.ToLower(r.Body.String()), "sql") {
				t.Errorf("%s %s %s: %d %s", bad.method, bad.path, bad.body, r.Code, r.Body.String())
			}
		}
		c.want(c.do("GET", "/kb/search?q="+url.QueryEscape(`"unbalanced (quote`), ""), http.StatusOK)
		c.want(c.do("POST", "/kb/articles/"+strings.Repeat("b", 8)+"-0000-4000-8000-000000000000/view", ""), http.StatusNotFound)
		after := c.want(c.do("GET", "/changes", ""), http.StatusOK)
		if len(after["items"].([]any)) != len(before["items"].([]any)) {
			t.Fatal("bad input wrote feed rows")
		}
		c.want(c.do("DELETE", "/kb/articles/"+id, ""), http.StatusNoContent)
		if res := c.want(c.do("GET", "/kb/search?q=возврат", ""), http.StatusOK); len(res["items"].([]any)) != 0 {
			t.Fatalf("deleted article found: %v", res)
		}
	})
}

func TestKBSuggestionsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClient(t, s)
		article := func(question, answer string) string {
			a := c.want(c.do("POST", "/kb/articles", `{"question": "`+question+`", "answer": "`+answer+`", "status": "published"}`), http.StatusCreated)
			return a["id"].(string)
		}
		returns := article("How do I return a product?", "Print the return label and ship the parcel back within 30 days.")
		invoices := article("Where can I download invoices?", "Invoices are listed under Billing as PDF files.")
		request := func(subject string) string {
			return c.want(c.do("POST", "/requests", `{"subject": "`+subject+`"}`), http.StatusCreated)["id"].(string)
		}
		id := request("Cannot return a parcel")
		res := c.want(c.do("GET", "/requests/"+id+"/kb-suggestions?limit=5", ""), http.StatusOK)
		items := res["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["id"] != returns || items[0].(map[string]any)["id"] == invoices ||
			!strings.Contains(items[0].(map[string]any)["snippet"].(string), "<mark>return</mark>") {
			t.Fatalf("%v", res)
		}
		// Linked to the request: no longer suggested.
		c.want(c.do("PATCH", "/kb/articles/"+returns, `{"request_ids": ["`+id+`"]}`), http.StatusOK)
		if res := c.want(c.do("GET", "/requests/"+id+"/kb-suggestions", ""), http.StatusOK); len(res["items"].([]any)) != 0 {
			t.Fatalf("linked article suggested: %v", res)
		}
		// No useful word: an empty list.
		empty := request("Hi, can you please help?")
		if res := c.want(c.do("GET", "/requests/"+empty+"/kb-suggestions", ""), http.StatusOK); len(res["items"].([]any)) != 0 {
			t.Fatalf("%v", res)
		}
		c.want(c.do("GET", "/requests/"+strings.Repeat("c", 8)+"-0000-4000-8000-000000000000/kb-suggestions", ""), http.StatusNotFound)
		for _, limit := range []string{"0", "21", "five"} {
			if r := c.do("GET", "/requests/"+id+"/kb-suggestions?limit="+limit, ""); r.Code != http.StatusUnprocessableEntity {
				t.Errorf("limit %s: %d %s", limit, r.Code, r.Body.String())
			}
		}
	})
}

package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
)

var articleLink = regexp.MustCompile(`<a href="/kb/articles/([0-9a-f-]{36})">`)

// TestAnswerBook searches with the API's boolean syntax and highlighted
// snippets, opens an article, previews and saves with the editor (create
// and update with the version), and checks the refusals: a query the
// parser refuses, a bad field, a stale version, no CSRF token, a portal
// user (whom the API refuses too).
func TestAnswerBook(t *testing.T) {
	eachRig(t, func(t *testing.T, g *rig) {
		ann := g.user("ann", "Ann Agent", model.RoleAgent, nil)
		g.user("pat", "Pat Portal", model.RolePortal, nil)
		g.create(g.as(ann),
			&model.KBArticle{Question: "How do I reset the router?", Answer: "Hold the **reset** button for ten seconds.", Category: "Network", Status: model.KBPublished},
			&model.KBArticle{Question: "Printer is offline", Answer: "Check the cable, then restart the printer.", Category: "Printing", Status: model.KBPublished},
			&model.KBArticle{Question: "Как сбросить пароль?", Answer: "Нажмите «Забыли пароль» на странице входа.", Visibility: model.KBCustomers})
		b := g.signIn("ann")

		// Without a query: the newest articles.
		home := b.page("/kb")
		if n := len(articleLink.FindAllString(home, -1)); n != 3 || !strings.Contains(home, `href="/kb" aria-current="page"`) {
			t.Errorf("the answer book lists %d articles", n)
		}
		// The API's syntax: OR, NOT, prefix*, Russian word forms; the
		// snippets carry the store's <mark>s.
		for q, want := range map[string][]string{
			"router OR printer":  {"How do I <mark>reset</mark>", "<mark>Printer</mark> is offline"},
			"restart -cable":     {},
			"print*":             {"<mark>Printer</mark> is offline"},
			"паролем":            {"Как сбросить <mark>пароль</mark>?"},
			`"reset button"`:     {"<mark>reset</mark>"},
			"router AND printer": {},
		} {
			page := b.page("/kb?q=" + url.QueryEscape(q))
			res := page[strings.Index(page, `<div id="results">`):]
			hits := articleLink.FindAllString(res, -1)
			if len(want) == 0 && len(hits) != 0 || len(want) > 0 && len(hits) == 0 {
				t.Errorf("%s: %d hits", q, len(hits))
			}
			for _, w := range want {
				if q == "router OR printer" && w == "How do I <mark>reset</mark>" {
					w = "How do I reset the <mark>router</mark>?"
				}
				if !strings.Contains(res, w) {
					t.Errorf("%s: no %q in %.600s", q, w, res)
				}
			}
			// The API finds the same articles.
			_, api := b.get("/api/v1/kb/search?q=" + url.QueryEscape(q))
			if strings.Count(api, `"question_html"`) != len(hits) {
				t.Errorf("%s: the console shows %d hits, the API %s", q, len(hits), api)
			}
		}
		if code, body := b.get("/kb?q=" + url.QueryEscape("-router")); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="q-error"`) {
			t.Errorf("a query of exclusions only: %d", code)
		}
		// htmx asks for the results alone.
		if frag := b.page("/kb?q=printer", "HX-Request", "true", "HX-Target", "div#results"); strings.Contains(frag, "<html") || !strings.HasPrefix(strings.TrimSpace(frag), `<div id="results">`) {
			t.Errorf("htmx fragment: %.200s", frag)
		}

		// The article, with its stored sanitised HTML.
		router := articleLink.FindStringSubmatch(b.page("/kb?q=router"))[1]
		art := b.page("/kb/articles/" + router)
		if !strings.Contains(art, "Hold the <strong>reset</strong> button") || !strings.Contains(art, `href="/kb/articles/`+router+`/edit"`) {
			t.Errorf("article page: %.1500s", art)
		}

		// The editor: preview writes nothing; save creates; edit updates.
		form := b.page("/kb/new")
		token := b.csrf(form)
		before, _ := store.List[model.KBArticle](sys, g.s, store.ListParams{})
		r := b.post("/kb/articles", url.Values{"csrf_token": {token}, "question": {"Screen flickers"},
			"answer": {"Update the **driver**.\n\n<script>alert(1)</script>"}, "visibility": {"internal"}, "status": {"draft"}, "preview": {"1"}})
		if r.code != http.StatusOK || !strings.Contains(r.body, "Update the <strong>driver</strong>.") || strings.Contains(r.body, "<script>alert") ||
			!strings.Contains(r.body, `value="Screen flickers"`) {
			t.Errorf("preview: %d %.2000s", r.code, r.body)
		}
		frag := b.post("/kb/articles", url.Values{"csrf_token": {token}, "answer": {"*x*"}}, "HX-Request", "true", "HX-Target", "section#preview")
		if frag.code != http.StatusOK || strings.Contains(frag.body, "<html") || !strings.Contains(frag.body, "<em>x</em>") {
			t.Errorf("htmx preview: %d %.300s", frag.code, frag.body)
		}
		after, _ := store.List[model.KBArticle](sys, g.s, store.ListParams{})
		if len(after.Items) != len(before.Items) {
			t.Fatal("a preview wrote an article")
		}
		r = b.post("/kb/articles", url.Values{"csrf_token": {token}, "question": {"Screen flickers"}, "answer": {"Update the **driver**."},
			"category": {"Display"}, "tags": {"screen, driver"}, "visibility": {"internal"}, "status": {"published"}})
		if r.code != http.StatusSeeOther || !strings.Contains(r.hdr.Get("Location"), "done=saved") {
			t.Fatalf("create: %d %.500s", r.code, r.body)
		}
		id := strings.TrimPrefix(strings.Split(r.hdr.Get("Location"), "?")[0], "/kb/articles/")
		a, err := store.Get[model.KBArticle](sys, g.s, id)
		if err != nil || a.Question != "Screen flickers" || strings.Join(a.Tags, "|") != "screen|driver" || a.Status != "published" || a.PublishedAt == nil {
			t.Fatalf("created: %+v %v", a, err)
		}
		if page := b.page("/kb/articles/" + id + "?done=saved"); !strings.Contains(page, "The article is saved.") {
			t.Error("no confirmation")
		}
		edit := b.page("/kb/articles/" + id + "/edit")
		if !strings.Contains(edit, `name="version" value="1"`) || !strings.Contains(edit, "Update the **driver**.") {
			t.Errorf("editor: %.2000s", edit)
		}
		save := func(version, question, visibility string) reply {
			return b.post("/kb/articles/"+id, url.Values{"csrf_token": {token}, "version": {version}, "question": {question},
				"answer": {"Update the driver, then restart."}, "tags": {"screen"}, "visibility": {visibility}, "status": {"published"}})
		}
		if r := save("1", "Screen flickers after an update", "customers"); r.code != http.StatusSeeOther {
			t.Fatalf("update: %d %.500s", r.code, r.body)
		}
		// The same version again: changed meanwhile (412), as If-Match.
		if r := save("1", "Lost update", "customers"); r.code != http.StatusPreconditionFailed || !strings.Contains(r.body, `value="Lost update"`) {
			t.Errorf("stale version: %d", r.code)
		}
		// A bad field: 422, the field marked, nothing written.
		if r := save("2", "", "everyone"); r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="question-error"`) {
			t.Errorf("empty question: %d %.3000s", r.code, r.body)
		}
		a, _ = store.Get[model.KBArticle](sys, g.s, id)
		if a.Version != 2 || a.Question != "Screen flickers after an update" || a.Visibility != "customers" {
			t.Errorf("after the refusals: %+v", a)
		}
		// The API reads what the console wrote.
		if _, api := b.get("/api/v1/kb/articles/" + id); !strings.Contains(api, "Screen flickers after an update") {
			t.Errorf("API: %s", api)
		}
		b.refusedWithoutToken(t, map[string]url.Values{
			"/kb/articles":       {"question": {"No token"}, "answer": {"x"}},
			"/kb/articles/" + id: {"version": {"2"}, "question": {"No token"}},
		})
		if code, _ := b.get("/kb/articles/" + model.NewID()); code != http.StatusNotFound {
			t.Errorf("unknown article: %d", code)
		}
		if code, _ := b.get("/kb/articles/" + model.NewID() + "/edit"); code != http.StatusNotFound {
			t.Errorf("editor of an unknown article: %d", code)
		}

		// A portal user may neither read nor write here, nor through the API.
		pat := g.signIn("pat")
		for _, path := range []string{"/kb", "/kb/new", "/kb/articles/" + id, "/kb/articles/" + id + "/edit"} {
			if code, _ := pat.get(path); code != http.StatusForbidden {
				t.Errorf("portal user on %s: %d", path, code)
			}
		}
		if r := pat.post("/kb/articles", url.Values{"question": {"Portal"}, "answer": {"x"}}); r.code != http.StatusForbidden {
			t.Errorf("portal user's article: %d", r.code)
		}
		if all, _ := store.List[model.KBArticle](sys, g.s, store.ListParams{}); len(all.Items) != 4 {
			t.Errorf("%d articles after the portal user's post", len(all.Items))
		}
		if code, _ := pat.get("/api/v1/kb/search?q=router"); code != http.StatusForbidden {
			t.Errorf("portal user on the API's search: %d", code)
		}
		b.lang = "ru"
		if ru := b.page("/kb"); !strings.Contains(ru, "Поиск в базе ответов") || !strings.Contains(ru, "Опубликована") {
			t.Error("the answer book in Russian")
		}
	})
}

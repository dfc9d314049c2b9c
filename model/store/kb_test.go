package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

var kbAdmin = model.WithActor(context.Background(), model.System)

// kbCorpus is the shared search corpus: key → question, answer.
var kbCorpus = map[string][2]string{
	"return":   {"How do I return a product?", "Returns are accepted within **30 days**. Print the return label and ship the parcel."},
	"refund":   {"When is my refund paid?", "Refunds are paid to the original card within five working days after we receive the returned goods."},
	"password": {"Resetting a forgotten password", "Open the sign-in page, choose *Forgot password* and follow the link in the e-mail."},
	"invoice":  {"Where can I download invoices?", "Invoices are listed under Billing. Each invoice can be downloaded as a PDF."},
	"shipping": {"Shipping costs abroad", "International shipping is charged by weight; express shipping costs extra."},
	"contract": {"Как продлить договор?", "Договоры продлеваются автоматически. Чтобы расторгнуть договор, напишите нам за месяц."},
	"delivery": {"Сроки доставки", "Доставка по России занимает от трёх до семи дней. Курьерская доставка быстрее."},
	"payment":  {"Способы оплаты", "Оплата картой или по счёту. Счета выставляются ежемесячно."},
	"mixed":    {"Returning goods bought in Russia", "Возврат товара: fill in the return form and send it with the parcel."},
}

// kbQueries is the shared table of queries and expected hits; every engine
// must return exactly these sets.
var kbQueries = []struct {
	q    string
	want []string
}{
	{"returns", []string{"return", "refund", "mixed"}},
	{"return label", []string{"return"}},
	{"return AND parcel", []string{"return", "mixed"}},
	{"return -label", []string{"refund", "mixed"}},
	{"return NOT label", []string{"refund", "mixed"}},
	{"invoice OR refund", []string{"invoice", "refund"}},
	{`"return label"`, []string{"return"}},
	{`"label return"`, nil},
	{"ship*", []string{"return", "shipping"}},
	{"(invoice OR password) AND pdf", []string{"invoice"}},
	{"(invoice OR password) -pdf", []string{"password"}},
	{"договоры", []string{"contract"}},
	{"договор", []string{"contract"}},
	{"доставки", []string{"delivery"}},
	{"доставка -курьерская", nil},
	{"счёт", []string{"payment"}},
	{"возврат return", []string{"mixed"}},
	{"Shipping", []string{"return", "shipping"}},
	{`"e-mail"`, []string{"password"}},
	{"e-mail", []string{"password"}},
	{"invoice OR", []string{"invoice"}},
	{"(invoice", []string{"invoice"}},
	{`"forgot password`, []string{"password"}},
	{"invoice NOT", []string{"invoice"}},
	{"nothingmatches", nil},
	{"billing AND (pdf OR nothing) AND -express", []string{"invoice"}},
}

func seedKB(t *testing.T, s *store.Store) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for key, qa := range kbCorpus {
		a := &model.KBArticle{Question: qa[0], Answer: qa[1], Category: "faq", Status: model.KBPublished}
		if err := store.Create(kbAdmin, s, a); err != nil {
			t.Fatal(err)
		}
		ids[a.ID] = key
	}
	return ids
}

func TestKBSearchSharedTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		keys := seedKB(t, s)
		for _, tc := range kbQueries {
			res, err := s.SearchKB(kbAdmin, model.KBSearchParams{Q: tc.q, Limit: 20})
			if err != nil {
				t.Errorf("%q: %v", tc.q, err)
				continue
			}
			var got []string
			for _, h := range res.Items {
				got = append(got, keys[h.ID])
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%q: got %v, want %v", tc.q, got, want)
			}
		}
	})
}

func TestKBSearchRanksAndHighlights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		keys := seedKB(t, s)
		res, err := s.SearchKB(kbAdmin, model.KBSearchParams{Q: "return label", Limit: 20})
		if err != nil || len(res.Items) != 1 || res.Ranking != "relevance" {
			t.Fatalf("%+v %v", res, err)
		}
		h := res.Items[0]
		if !strings.Contains(h.Snippet, "<mark>return</mark> <mark>label</mark>") || !strings.Contains(h.QuestionHTML, "<mark>return</mark>") {
			t.Fatalf("snippet %q question %q", h.Snippet, h.QuestionHTML)
		}
		// The article about returns outranks those that mention them once.
		res, err = s.SearchKB(kbAdmin, model.KBSearchParams{Q: "return", Limit: 20})
		if err != nil || len(res.Items) < 2 || keys[res.Items[0].ID] != "return" || res.Items[0].Score <= 0 {
			t.Fatalf("%+v %v", res, err)
		}
	})
}

func TestKBSearchRejectsBadQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedKB(t, s)
		long := strings.Repeat("word ", 1000)
		for _, q := range []string{"", "NOT", "-invoice", "NOT invoice", "invoice OR -pdf", long, strings.Repeat("(", 50) + "x",
			`"""`, "()", "-(-(-x))"} {
			_, err := s.SearchKB(kbAdmin, model.KBSearchParams{Q: q, Limit: 20})
			var e *model.Error
			if !asError(err, &e) || e.Code != model.EINVALID {
				t.Errorf("%q: %v", truncateForLog(q), err)
			}
		}
		for _, p := range []model.KBSearchParams{{Q: "x", Limit: 0}, {Q: "x", Limit: 20, Status: "gone"}, {Q: "x", Limit: 20, ProductID: "bad id"}} {
			if _, err := s.SearchKB(kbAdmin, p); err == nil {
				t.Errorf("%+v: no error", p)
			}
		}
	})
}

func truncateForLog(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func TestKBArticleLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := kbAdmin
		a := &model.KBArticle{Question: " Why? ", Answer: "Because <script>alert(1)</script> **bold** [x](javascript:alert(1))",
			RequestIDs: []string{model.NewID()}}
		if err := store.Create(ctx, s, a); err != nil {
			t.Fatal(err)
		}
		if a.Status != model.KBDraft || a.Visibility != model.KBInternal || a.PublishedAt != nil || a.Question != "Why?" ||
			strings.Contains(a.AnswerHTML, "<script") || strings.Contains(a.AnswerHTML, "javascript:") || !strings.Contains(a.AnswerHTML, "<strong>bold</strong>") {
			t.Fatalf("%+v", a)
		}
		a, err := store.Update(ctx, s, a.ID, 0, func(k *model.KBArticle) error { k.Status = model.KBPublished; return nil })
		if err != nil || a.PublishedAt == nil {
			t.Fatalf("%+v %v", a, err)
		}
		vs, err := s.KBArticleVersions(ctx, a.ID)
		if err != nil || len(vs) != 2 || vs[1].Event != model.EventKBArticlePublished || vs[1].Version != 2 {
			t.Fatalf("%+v %v", vs, err)
		}
		// Views are counters: no version, no feed row.
		seq, _ := s.LastSeq(ctx)
		for range 3 {
			if _, err := s.CountKBView(ctx, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := store.Get[model.KBArticle](ctx, s, a.ID)
		if seq2, _ := s.LastSeq(ctx); seq2 != seq || got.ViewCount != 3 || got.Version != 2 {
			t.Fatalf("seq %d→%d %+v", seq, seq2, got)
		}
		// One vote per user, changed by voting again.
		if _, created, err := s.VoteKB(ctx, a.ID, false, "unclear"); err != nil || !created {
			t.Fatal(err, created)
		}
		if _, created, err := s.VoteKB(ctx, a.ID, true, "now clear"); err != nil || created {
			t.Fatal(err, created)
		}
		sum, err := s.KBVotes(ctx, a.ID)
		if err != nil || sum.Helpful != 1 || sum.NotHelpful != 0 || len(sum.Items) != 1 || sum.Items[0].Comment != "now clear" {
			t.Fatalf("%+v %v", sum, err)
		}
		// Deleted: gone from search too.
		if err := s.DeleteKBArticle(ctx, a.ID, 0); err != nil {
			t.Fatal(err)
		}
		if res, err := s.SearchKB(ctx, model.KBSearchParams{Q: "bold", Limit: 20}); err != nil || len(res.Items) != 0 {
			t.Fatalf("%+v %v", res, err)
		}
	})
}

func TestKBBadInputWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := kbAdmin
		seq, _ := s.LastSeq(ctx)
		for _, a := range []*model.KBArticle{{Question: ""}, {Question: "q", Status: "archived"}, {Question: "q", Visibility: "world"},
			{Question: "q", RequestIDs: []string{"not an id"}}, {Question: "q", ProductID: ptr(model.NewID())},
			{Question: "q", Answer: strings.Repeat("x", model.MaxKBAnswerBytes+1)}} {
			if err := store.Create(ctx, s, a); err == nil {
				t.Errorf("%+v: no error", a.Question)
			}
		}
		var n int64
		s.DB().QueryRow("SELECT COUNT(*) FROM kb_article_text").Scan(&n)
		if seq2, _ := s.LastSeq(ctx); seq2 != seq || n != 0 {
			t.Fatalf("written: seq %d→%d, %d texts", seq, seq2, n)
		}
		if _, _, err := s.VoteKB(ctx, model.NewID(), true, ""); err == nil {
			t.Fatal("vote on a missing article")
		}
		if _, err := s.CountKBView(ctx, model.NewID()); err == nil {
			t.Fatal("view of a missing article")
		}
	})
}

func TestKBReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := kbAdmin
		a := &model.KBArticle{Question: "Q1", Category: "billing"}
		b := &model.KBArticle{Question: "Q2", Category: "billing"}
		for _, x := range []*model.KBArticle{a, b} {
			if err := store.Create(ctx, s, x); err != nil {
				t.Fatal(err)
			}
		}
		for range 3 {
			s.CountKBView(ctx, a.ID)
		}
		s.CountKBView(ctx, b.ID)
		s.VoteKB(ctx, a.ID, true, "")
		s.VoteKB(ctx, b.ID, false, "")
		usage := runReport(t, s, ctx, "kb_usage", "")
		if cell(t, usage, a.ID, "views") != int64(3) || cell(t, usage, a.ID, "helpful") != int64(1) ||
			text(cell(t, usage, a.ID, "helpful_share")) != "100" || cell(t, usage, b.ID, "not_helpful") != int64(1) {
			t.Fatalf("%+v", usage.Rows)
		}
		byCat := runReport(t, s, ctx, "kb_usage", "group=category")
		if cell(t, byCat, "billing", "views") != int64(4) || text(cell(t, byCat, "billing", "helpful_share")) != "50" {
			t.Fatalf("%+v", byCat.Rows)
		}
		defl := runReport(t, s, ctx, "kb_deflection", "")
		if len(defl.Rows) != 1 || defl.Rows[0][0] != int64(4) {
			t.Fatalf("%+v", defl.Rows)
		}
	})
}

func TestKBSuggestions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := kbAdmin
		keys := seedKB(t, s)
		id := func(key string) string {
			for id, k := range keys {
				if k == key {
					return id
				}
			}
			t.Fatalf("no article %s", key)
			return ""
		}
		suggest := func(r *model.Request, limit int) []string {
			t.Helper()
			res, err := s.SuggestKB(ctx, r.ID, limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range res.Items {
				got = append(got, keys[h.ID])
			}
			return got
		}
		newRequest := func(subject, description string, product *string) *model.Request {
			t.Helper()
			r := &model.Request{Subject: subject, Description: description, ProductID: product}
			if err := store.Create(ctx, s, r); err != nil {
				t.Fatal(err)
			}
			return r
		}

		// The article about returns, not the one about invoices.
		r := newRequest("Cannot return a parcel", "The courier would not take it back.", nil)
		if got := suggest(r, 5); len(got) == 0 || got[0] != "return" || slices.Contains(got, "invoice") || len(got) > 5 {
			t.Fatalf("suggested %v", got)
		}
		if got := suggest(r, 1); !slices.Equal(got, []string{"return"}) {
			t.Fatalf("limit 1: %v", got)
		}
		// Russian word forms, as the search stems them.
		if got := suggest(newRequest("Договоры не продлеваются", "", nil), 5); !slices.Equal(got, []string{"contract"}) {
			t.Fatalf("russian: %v", got)
		}
		// Drafts are not suggested; articles already linked to the request
		// are not either; other visibilities are.
		draft := &model.KBArticle{Question: "Parcel lost in transit", Answer: "Ask the courier about your parcel.", Status: model.KBDraft}
		if err := store.Create(ctx, s, draft); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Update(ctx, s, id("return"), 0, func(k *model.KBArticle) error {
			k.RequestIDs = []string{r.ID}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Update(ctx, s, id("mixed"), 0, func(k *model.KBArticle) error {
			k.Visibility = model.KBPublic
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := suggest(r, 5); len(got) == 0 || slices.Contains(got, "return") || slices.Contains(got, "") || got[0] != "mixed" {
			t.Fatalf("after linking: %v", got)
		}
		// The request's product first, even when it matches less well.
		p := &model.Product{SKU: "LAMP", Name: "Lamp", Active: true}
		if err := store.Create(ctx, s, p); err != nil {
			t.Fatal(err)
		}
		lamp := &model.KBArticle{Question: "Lamp care", Answer: "Wipe the lamp; it fits any parcel.", ProductID: &p.ID, Status: model.KBPublished}
		if err := store.Create(ctx, s, lamp); err != nil {
			t.Fatal(err)
		}
		keys[lamp.ID] = "lamp"
		got := suggest(newRequest("Cannot return a parcel", "Return label missing", &p.ID), 5)
		if len(got) < 2 || got[0] != "lamp" || got[1] != "return" {
			t.Fatalf("product first: %v", got)
		}
		if got := suggest(newRequest("Cannot return a parcel", "", nil), 5); slices.Index(got, "lamp") < 1 {
			t.Fatalf("without a product: %v", got)
		}

		// A long description: as many words as a query takes.
		long := strings.Repeat("parcel ", 3)
		for i := range 40 {
			long += strings.Repeat(string(rune('a'+i%26)), 40+i%20) + " "
		}
		if got := suggest(newRequest("Parcel", long, nil), 5); len(got) == 0 {
			t.Fatalf("long description: %v", got)
		}
		// Nothing to look for: an empty list, not an error.
		for _, subject := range []string{"Hi! Can you please help?", "12345 ???", "Здравствуйте, помогите пожалуйста"} {
			if got := suggest(newRequest(subject, "", nil), 5); len(got) != 0 {
				t.Errorf("%q: %v", subject, got)
			}
		}
		if _, err := s.SuggestKB(ctx, model.NewID(), 5); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("unknown request: %v", err)
		}
		for _, limit := range []int{0, 21} {
			if _, err := s.SuggestKB(ctx, r.ID, limit); model.ErrorCode(err) != model.EINVALID {
				t.Errorf("limit %d: %v", limit, err)
			}
		}
	})
}

// TestKBSearchRecency: past model.KBRankLimit matches, the newest come first
// (on both engines, with the query plans that make it fast); a filter that
// leaves fewer matches brings relevance back.
func TestKBSearchRecency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := kbAdmin
		var batch []*model.KBArticle
		for i := range model.KBRankLimit + 1 {
			category := "bulk"
			if i%1000 == 7 {
				category = "rare"
			}
			batch = append(batch, &model.KBArticle{Question: fmt.Sprint("Router question ", i), Answer: "Restart the router.",
				Category: category, Status: model.KBPublished})
		}
		for start := 0; start < len(batch); start += 1000 {
			if err := store.CreateMany(ctx, s, batch[start:min(start+1000, len(batch))]); err != nil {
				t.Fatal(err)
			}
		}
		// Edited last, so newest: the first three hits, newest first.
		var want []string
		for _, i := range []int{4000, 10, 2500} {
			a, err := store.Update(ctx, s, batch[i].ID, 0, func(k *model.KBArticle) error { k.Answer += " Then wait."; return nil })
			if err != nil {
				t.Fatal(err)
			}
			want = append([]string{a.ID}, want...)
		}
		res, err := s.SearchKB(ctx, model.KBSearchParams{Q: "router", Limit: 5})
		if err != nil || res.Ranking != "recency" || len(res.Items) != 5 {
			t.Fatalf("%+v %v", res, err)
		}
		for i, id := range want {
			if res.Items[i].ID != id {
				t.Fatalf("hit %d: %s, want %s", i, res.Items[i].ID, id)
			}
		}
		res, err = s.SearchKB(ctx, model.KBSearchParams{Q: "router", Limit: 20, Category: "rare"})
		if err != nil || res.Ranking != "relevance" || len(res.Items) != 5 {
			t.Fatalf("filtered: %+v %v", res, err)
		}
	})
}

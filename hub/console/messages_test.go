package console

import (
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/feature/plural"

	"rapport/hub/auth"
	"rapport/model"
	"rapport/model/store"
)

var verb = regexp.MustCompile(`%(\[\d+\])?[sdvq]`)

// verbs lists the fmt verbs of a text, sorted: both languages must take the
// same arguments.
func verbs(s string) []string {
	v := verb.FindAllString(s, -1)
	sort.Strings(v)
	return v
}

// TestCatalogue checks that every key has a text in every language, with
// the same arguments, and every plural the forms its language needs.
func TestCatalogue(t *testing.T) {
	for key, v := range catalogue {
		for lang, i := range langIndex {
			if strings.TrimSpace(v[i]) == "" {
				t.Errorf("%s: no %s text", key, lang)
			}
		}
		if !slices.Equal(verbs(v[0]), verbs(v[1])) {
			t.Errorf("%s: arguments differ: %q vs %q", key, v[0], v[1])
		}
	}
	need := map[string][]plural.Form{"en": {plural.One, plural.Other}, "ru": {plural.One, plural.Few, plural.Many, plural.Other}}
	for key := range pluralCatalogue {
		for lang, forms := range need {
			for _, f := range forms {
				s, ok := plurals[lang][key][f]
				if !ok || strings.Count(s, "%s") != 1 {
					t.Errorf("%s %s: form %v is %q", key, lang, f, s)
				}
			}
		}
	}
	if len(langIndex) != len(languages) {
		t.Errorf("the catalogue has %d languages, the console offers %d", len(langIndex), len(languages))
	}
}

// TestRussianPlurals spot-checks CLDR's rules through the catalogue.
func TestRussianPlurals(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "ru")
	v := (&Console{cfg: Config{Language: "en", Location: time.UTC}}).viewFor(r, nil)
	if v.Lang != "ru" {
		t.Fatalf("Accept-Language ru chose %q", v.Lang)
	}
	for n, want := range map[int]string{1: "1 минуту", 2: "2 минуты", 5: "5 минут", 11: "11 минут", 21: "21 минуту", 22: "22 минуты", 1000: "1 000 минут"} {
		if got := v.N("unit.minutes", n); strings.ReplaceAll(got, "\u00a0", " ") != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

// usedKeys finds the catalogue keys the templates and handlers name
// literally: .T "key", .N "key", T("key"), N("key") and the keys of
// the confirmations (done.*).
var literalKey = regexp.MustCompile(`(?:\.T|\.N|\bT\(|\bN\()\s*"([a-z0-9_]+(?:\.[a-z0-9_]+)+)"`)

// TestEveryKeyExists checks that the keys the console names exist, and
// that the catalogue holds no key nothing can name.
func TestEveryKeyExists(t *testing.T) {
	used := map[string]bool{}
	add := func(keys ...string) {
		for _, k := range keys {
			used[k] = true
		}
	}
	files, _ := fs.Glob(templateFS, "templates/*.html")
	goFiles, _ := filepath.Glob("*.go")
	for _, f := range goFiles {
		if !strings.HasSuffix(f, "_test.go") && !strings.HasPrefix(f, "messages") {
			files = append(files, f)
		}
	}
	for _, f := range files {
		b, err := fs.ReadFile(templateFS, f)
		if err != nil {
			b, err = os.ReadFile(f)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literalKey.FindAllStringSubmatch(string(b), -1) {
			add(m[1])
		}
	}
	// Keys built at run time from a group and a value.
	for _, list := range []string{"contacts", "accounts"} {
		add(list+".search", list+".search.hint")
	}
	for _, s := range []string{"name", "updated", "created"} {
		add("list.sort." + s)
	}
	for _, k := range refusedFields {
		add(k)
	}
	for _, f := range chronologyOrder {
		add("request.field." + f)
	}
	for _, sec := range adminSections {
		add(sec.Name, sec.About)
	}
	for k := range catalogue { // confirmations are asked for by name (seeOther)
		if strings.HasPrefix(k, "done.") {
			add(k)
		}
	}
	for _, p := range []string{auth.ProblemUnreadable, auth.ProblemExpired, auth.ProblemWrong, auth.ProblemRateLimited, auth.ProblemFailed, auth.ProblemSignOut} {
		add("login.error." + p)
	}
	for _, s := range timelineShows {
		add("timeline.show." + s)
	}
	for kind, statuses := range model.ActivityStatuses {
		add("kind." + kind)
		for _, s := range statuses {
			add("status." + kind + "." + s)
		}
	}
	add("kind.request", "kind.deal", "kind.quote", "kind.order", "kind.file")
	for _, s := range model.RequestStatuses {
		add("status.request." + s)
	}
	for _, s := range model.Outcomes {
		add("status.deal." + s)
	}
	for _, s := range []string{model.QuoteDraft, model.QuoteSent, model.QuoteAccepted, model.QuoteRejected, model.QuoteExpired, model.QuoteSuperseded} {
		add("status.quote." + s)
	}
	for _, s := range []string{model.OrderDraft, model.OrderConfirmed, model.OrderFulfilled, model.OrderCancelled} {
		add("status.order." + s)
	}
	for _, p := range model.Priorities {
		add("priority." + p)
	}
	for _, r := range model.Roles {
		add("role." + r)
	}
	add("profile.error.language", "profile.error.zone", "profile.error.current", "profile.error.mismatch",
		"profile.error.weak", "profile.error.ratelimit", "profile.error.label")
	for _, s := range model.KBStatuses {
		add("kb.status." + s)
	}
	for _, v := range model.KBVisibilities {
		add("kb.visibility." + v)
	}
	for _, a := range []string{model.ActionSend, model.ActionAccept, model.ActionReject, model.ActionExpire, model.ActionRevise} {
		add("quote.action." + a)
	}
	for _, cl := range davClients {
		add("dav.title."+cl, "dav.client."+cl)
	}
	for _, rp := range store.Reports() {
		for _, param := range rp.Params {
			add("report.param." + param.Name)
			for _, ch := range param.Choices {
				add("report.choice." + ch)
			}
		}
	}
	add(reportCatalogueKeys()...)
	for k := range used {
		_, text := catalogue[k]
		_, pl := pluralCatalogue[k]
		if !text && !pl {
			t.Errorf("key %q is used but not in the catalogue", k)
		}
	}
	for k := range catalogue {
		if !used[k] {
			t.Errorf("catalogue key %q is never used", k)
		}
	}
	for k := range pluralCatalogue {
		if !used[k] {
			t.Errorf("plural key %q is never used", k)
		}
	}
}

package console_test

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/model"
	"rapport/model/storetest"
)

// axeSource is axe-core 4.14.1 (npm axe-core, MPL-2.0, testdata/axe/LICENSE),
// the accessibility rules engine that browser extensions and CI tools use.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeRun checks the page against WCAG 2.1 A and AA and answers one line per
// violation: the rule, its help text and the elements it found.
const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
	.then(r => r.violations.map(v => v.impact + ' ' + v.id + ': ' + v.help + ' — ' +
		v.nodes.slice(0, 5).map(n => n.target.join(' ')).join(', ')))`

// shotName turns a path into a screenshot's file name.
var shotName = regexp.MustCompile(`[^a-z0-9]+`)

// TestAccessibility runs axe-core over the console's main pages in
// headless Chromium, as an administrator in English and as an agent in
// Russian, and fails on any WCAG 2.1 A/AA violation (labels, contrast,
// landmarks, names of controls, language). Markup does not depend on the
// engine, so it runs on SQLite only. It saves a screenshot of every page
// in both languages, and fails on any script error or CSP violation.
func TestAccessibility(t *testing.T) {
	g := newRig(t, storetest.Open(t, "sqlite"), withMail(&mailer{}))
	d := seedDesk(t, g)
	g.user("adam", "Adam Admin", model.RoleAdmin, nil)
	anna := g.user("anna", "Анна Кузнецова", model.RoleAgent, nil)
	if _, err := g.s.SetOwnPreferences(g.as(anna), "ru", "Europe/Moscow"); err != nil {
		t.Fatal(err)
	}
	pages := []string{"/", "/contacts", "/contacts/" + d.ivan.ID, "/accounts", "/accounts/" + d.acc.ID,
		"/pipelines", "/pipelines/" + d.pl.ID + "/board", "/opportunities/" + d.autumn.ID,
		"/requests", "/requests/" + d.request.ID, "/quotes", "/quotes/" + d.quote.ID,
		"/reports", "/reports/pipeline_by_stage?from=2020-01-01&to=2030-01-01",
		"/kb", "/kb/articles/" + d.article.ID, "/kb/articles/" + d.article.ID + "/edit",
		"/profile", "/profile/dav/thunderbird", "/profile/dav/apple", "/profile/dav/davx5", "/profile/dav/outlook",
		"/admin", "/admin/users", "/admin/users/new", "/admin/users/" + d.mia.ID, "/admin/teams", "/admin/territories",
		"/admin/roles", "/admin/numbering", "/admin/webhooks", "/admin/mailboxes", "/admin/quarantine", "/admin/templates",
		"/reports/saved/new"}
	c := newChrome(t, 3*time.Minute)
	c.open(g.srv.URL+"/login", `document.getElementById('login') !== null`)
	c.audit(g.srv.URL + "/login")
	for _, who := range []struct{ login, lang string }{{"adam", "en"}, {"anna", "ru"}} {
		c.signIn(g.srv.URL, who.login)
		for i, path := range pages {
			c.open(g.srv.URL+path, fmt.Sprintf(`document.readyState === 'complete' && document.documentElement.lang === %q`, who.lang))
			c.audit(who.login + " " + path)
			c.shot(fmt.Sprintf("%s-%02d-%s", who.login, i, shotName.ReplaceAllString(strings.Trim(path, "/"), "-")))
		}
		c.follow("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type=submit]`)))
		c.waitFor("signed out", `location.pathname === '/login' && document.getElementById('login') !== null`)
	}
}

// audit runs axe-core on the open page and reports its violations as
// errors of the test, named by what.
func (c *chrome) audit(what string) {
	c.t.Helper()
	loaded, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](`typeof axe === 'object'`))
	c.must("look for axe", err)
	if !loaded {
		_, err = chromedp.Run(c.ctx, chromedp.Evaluate[chromedp.Void](axeSource))
		c.must("load axe-core", err)
	}
	violations, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise))
	c.must("run axe-core on "+what, err)
	if len(violations) > 0 {
		c.t.Errorf("%s: %d accessibility violations:\n  %s", what, len(violations), strings.Join(violations, "\n  "))
	}
}

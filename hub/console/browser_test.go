package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"rapport/model"
	"rapport/model/store"
)

// chromiumPath is Debian's Chromium, which .ci/test-deps.sh installs
// (browser downloads do not work here).
const chromiumPath = "/usr/bin/chromium"

// watchProblems runs in every document before the page's own scripts and
// records what a person would see go wrong: script errors and CSP
// violations (an inline script or style the policy blocks).
const watchProblems = `window.__problems = [];
addEventListener('error', e => window.__problems.push('error: ' + e.message));
addEventListener('securitypolicyviolation', e => window.__problems.push('CSP: ' + e.violatedDirective + ' ' + e.blockedURI));
const consoleError = console.error;
console.error = (...args) => { window.__problems.push('console: ' + args.join(' ')); consoleError.apply(console, args); };`

// chrome drives one headless Chromium tab for a test: it fails the test on
// any script error or CSP violation a page reports, and saves screenshots
// in the test's artifact directory (or RAPPORT_SCREENSHOTS).
type chrome struct {
	t   *testing.T
	ctx context.Context
	dir string
}

// newChrome starts Chromium for t (stopped when t ends), with timeout for
// everything the test does in it.
func newChrome(t *testing.T, timeout time.Duration) *chrome {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("headless Chromium is needed at %s: install the Debian package chromium (sudo .ci/test-deps.sh): %v", chromiumPath, err)
	}
	dir := os.Getenv("RAPPORT_SCREENSHOTS")
	if dir == "" {
		dir = t.ArtifactDir()
	} else {
		dir = filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-"))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "en-US"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTime(); cancel(); cancelAlloc() })
	c := &chrome{t: t, ctx: ctx, dir: dir}
	c.must("start", chromedp.Do(ctx, chromedp.Navigate("about:blank")))
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchProblems})
	c.must("watch problems", err)
	return c
}

// must fails the test at step on err.
func (c *chrome) must(step string, err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatalf("%s: %v", step, err)
	}
}

// shot checks that the page reported no problem and saves its screenshot.
func (c *chrome) shot(name string) {
	c.t.Helper()
	problems, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]string](`window.__problems || []`))
	c.must("read problems", err)
	if len(problems) > 0 {
		c.t.Errorf("%s: the page reported %v", name, problems)
	}
	img, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	c.must("screenshot "+name, err)
	c.must("save "+name, os.WriteFile(filepath.Join(c.dir, name+".png"), img, 0o644))
}

// follow runs an action that loads a new page and waits for the load.
func (c *chrome) follow(step string, act chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	_, err := chromedp.Run(c.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, act))
	c.must(step, err)
}

// waitFor waits until the JavaScript predicate holds, failing with the
// page's text when it does not within 10 s.
func (c *chrome) waitFor(step, predicate string) {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var err error
	for {
		_, err = chromedp.Run(c.ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(time.Until(deadline))))
		// A navigation that replaces the document under the poll loses
		// its execution context: poll again in the new one.
		if err == nil || !strings.Contains(err.Error(), "Cannot find context") || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		text, _ := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
		c.t.Fatalf("%s: %v; the page reads:\n%.1500s", step, err, text)
	}
}

// open navigates to url and waits for predicate.
func (c *chrome) open(url, predicate string) {
	c.t.Helper()
	c.must("open "+url, chromedp.Do(c.ctx, chromedp.Navigate(url)))
	c.waitFor(url, predicate)
}

// signIn signs login in through the sign-in form (the page open, or
// base/login) and waits for the home page.
func (c *chrome) signIn(base, login string) {
	c.t.Helper()
	if path, _ := chromedp.Run(c.ctx, chromedp.Evaluate[string](`location.pathname`)); path != "/login" {
		c.open(base+"/login", `document.getElementById('login') !== null`)
	}
	c.must("fill in", chromedp.Do(c.ctx, chromedp.SendKeys(chromedp.ID("login"), login), chromedp.SendKeys(chromedp.ID("password"), password)))
	c.follow("sign in", chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)))
	c.waitFor("home", `location.pathname === '/' && document.querySelector('h1') !== null`)
}

// desk is what seedDesk made: an agent's customer with an account, an
// activity, a request, three deals on a pipeline, an answer, a quote.
type desk struct {
	mia            *model.User
	pl             *model.Pipeline
	acc            *model.Account
	ivan           *model.Contact
	request        *model.Request
	autumn, winter *model.Opportunity
	quote          *model.Quote
	article        *model.KBArticle
}

// seedDesk fills g with a working day's records: Ivan Sidorov of Romashka
// and 30 other contacts, Mia's call, request, deals and quote.
func seedDesk(t *testing.T, g *rig) desk {
	t.Helper()
	d := desk{mia: g.user("mia", "Mia Wallace", model.RoleAgent, nil), pl: g.pipeline()}
	d.acc = &model.Account{Name: "Ромашка", Industry: "Retail"}
	g.create(sys, d.acc)
	d.ivan = &model.Contact{FirstName: "Иван", LastName: "Сидоров", Title: "Директор", AccountID: &d.acc.ID,
		Emails: []model.Labeled{{Type: "work", Value: "ivan@romashka.example"}}, Phones: []model.Labeled{{Type: "mobile", Value: "+7 916 123-45-67"}}}
	g.create(sys, d.ivan)
	for i := range 30 {
		g.create(sys, &model.Contact{FirstName: []string{"Иван", "Anna", "Boris"}[i%3], LastName: fmt.Sprintf("Петров%d", i)})
	}
	at := time.Now().UTC().Add(-2 * time.Hour)
	d.request = &model.Request{Subject: "Invoice address is wrong", ContactID: &d.ivan.ID, AccountID: &d.acc.ID, AssigneeID: &d.mia.ID}
	g.create(g.as(d.mia),
		&model.Activity{Kind: model.KindCall, Subject: "Called about the delivery", StartAt: &at, ContactID: &d.ivan.ID, OwnerID: &d.mia.ID},
		d.request,
		&model.Opportunity{Name: "Summer stock", ContactID: &d.ivan.ID, AccountID: &d.acc.ID, Amount: model.Dec("250000"), Currency: "RUB"})
	d.autumn, d.winter = &model.Opportunity{Name: "Autumn stock", AccountID: &d.acc.ID, Amount: model.Dec("120000"), Currency: "RUB"},
		&model.Opportunity{Name: "Winter stock", AccountID: &d.acc.ID, Amount: model.Dec("4500"), Currency: "EUR"}
	g.create(g.as(d.mia), d.autumn, d.winter)
	d.article = &model.KBArticle{Question: "How do I correct an invoice address?", Answer: "Open the invoice and choose **Correct address**.",
		Category: "Billing", Status: model.KBPublished}
	g.create(g.as(d.mia), d.article)
	quoted := "Survey"
	d.quote = &model.Quote{AccountID: &d.acc.ID, OwnerID: &d.mia.ID, Pricing: model.Pricing{Currency: "EUR"}}
	if _, err := g.s.CreateQuote(g.as(d.mia), d.quote, []model.LineInput{{Description: &quoted, UnitPrice: ptr(model.Dec("10"))}}); err != nil {
		t.Fatal(err)
	}
	g.create(sys, &model.ExchangeRate{Currency: "RUB", Rate: model.Dec("0.01"), ValidFrom: model.Date{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}})
	return d
}

// TestBrowser signs in with headless Chromium, searches a contact as a
// person types, opens its 360° view and filters its timeline, moves deals
// on the board by mouse and keyboard, answers a request, runs a report and
// checks its chart, searches and edits the answer book and edits a quote,
// checking that htmx works under the CSP; it saves a screenshot of every
// page state.
func TestBrowser(t *testing.T) {
	m := &mailer{}
	eachRig(t, func(t *testing.T, g *rig) {
		sent := m.enqueued.Load()
		d := seedDesk(t, g)
		acc, pl, autumn, winter := d.acc, d.pl, d.autumn, d.winter
		c := newChrome(t, 45*time.Second)
		ctx, must, shot, follow, waitFor := c.ctx, c.must, c.shot, c.follow, c.waitFor

		// Anonymous: / leads to the sign-in form.
		must("open /", chromedp.Do(ctx, chromedp.Navigate(g.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("login"))))
		loc, err := chromedp.Run(ctx, chromedp.Location())
		must("location", err)
		if !strings.HasSuffix(loc, "/login") {
			t.Fatalf("anonymous / went to %s", loc)
		}
		shot("01-sign-in")
		must("fill in", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("login"), "mia"), chromedp.SendKeys(chromedp.ID("password"), password)))
		follow("sign in", chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)))
		waitFor("home", `document.querySelector('h1')?.textContent.includes('Hello, Mia Wallace')`)
		shot("02-home")

		// Search as you type: htmx replaces the results while the page stays.
		follow("contacts", chromedp.Click(chromedp.CSS(`nav a[href="/contacts"]`)))
		waitFor("contacts list", `document.querySelectorAll('#results tbody tr').length === 31`)
		shot("03-contacts")
		must("mark the page", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__samePage = true`)))
		must("type", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("q"), "сидор")))
		waitFor("results", `document.querySelectorAll('#results tbody tr').length === 1 &&
			document.querySelector('#results tbody').textContent.includes('Иван Сидоров')`)
		same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__samePage === true && document.activeElement.id === 'q'`))
		must("same page", err)
		if !same {
			t.Error("the search reloaded the page or lost the focus")
		}
		loc, err = chromedp.Run(ctx, chromedp.Location())
		must("location", err)
		if !strings.Contains(loc, "q=%D1%81%D0%B8%D0%B4%D0%BE%D1%80") {
			t.Errorf("the search is not in the address bar: %s", loc)
		}
		waitFor("announcement", `document.getElementById('results-status').textContent.includes('1 row shown')`)
		shot("04-search")

		// The 360° view, then its timeline narrowed to requests by htmx.
		follow("open contact", chromedp.Click(chromedp.CSS(`#results a[href^="/contacts/"]`)))
		waitFor("contact view", `document.querySelector('h1')?.textContent === 'Иван Сидоров'`)
		waitFor("timeline", `['Called about the delivery', 'Invoice address is wrong', 'Summer stock', 'RUB'].every(s => document.getElementById('timeline').textContent.includes(s))`)
		waitFor("duplicates panel", `document.querySelector('#dups[role="status"]')?.textContent.includes('No possible duplicates found.')`)
		shot("05-contact")
		must("filter", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__samePage = true`),
			chromedp.Click(chromedp.CSS(`#timeline .chips a[href*="show=requests"]`))))
		waitFor("requests only", `document.querySelector('#timeline a[aria-current="true"]')?.href.includes('show=requests') &&
			!document.getElementById('timeline').textContent.includes('Called about the delivery') && window.__samePage === true`)
		shot("06-contact-requests")

		must("account", chromedp.Do(ctx, chromedp.Navigate(g.srv.URL+"/accounts/"+acc.ID)))
		waitFor("account view", `document.querySelector('h1')?.textContent === 'Ромашка'`)
		shot("07-account")
		must("accounts", chromedp.Do(ctx, chromedp.Navigate(g.srv.URL+"/accounts")))
		waitFor("accounts list", `document.querySelectorAll('#results tbody tr').length === 1`)
		shot("08-accounts")
		must("profile", chromedp.Do(ctx, chromedp.Navigate(g.srv.URL+"/profile")))
		waitFor("profile", `document.getElementById('app-passwords') !== null`)
		shot("09-profile")

		// Keyboard: the first Tab reaches the skip link, which moves to main.
		must("reload home", chromedp.Do(ctx, chromedp.Navigate(g.srv.URL+"/")))
		waitFor("home again", `document.querySelector('h1') !== null`)
		must("tab", chromedp.Do(ctx, chromedp.KeyEvent("\t")))
		focus, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className + ':' + document.activeElement.getAttribute('href')`))
		must("focus", err)
		if focus != "skip:#main" {
			t.Errorf("the first Tab stop is %q, want the skip link", focus)
		}

		// The board: drag a card onto another stage (board.js submits the
		// card's own form), then move another with the keyboard alone.
		board := g.srv.URL + "/pipelines/" + pl.ID + "/board"
		must("board", chromedp.Do(ctx, chromedp.Navigate(board)))
		waitFor("board", `document.querySelectorAll('.column').length === 3 && document.querySelectorAll('.deal').length === 3`)
		shot("10-board")
		drag := fmt.Sprintf(`(() => {
			const card = document.querySelector('.deal[data-id="%s"]'), col = document.querySelector('.column[data-stage="negotiation"]');
			const dt = new DataTransfer();
			card.dispatchEvent(new DragEvent('dragstart', {bubbles: true, cancelable: true, dataTransfer: dt}));
			col.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
			col.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
		})()`, autumn.ID)
		follow("drag", chromedp.Evaluate[chromedp.Void](drag))
		waitFor("dragged", fmt.Sprintf(`document.querySelector('.column[data-stage="negotiation"] .deal[data-id="%s"]') !== null &&
			document.querySelector('main .notice.ok')?.textContent.includes('The deal is moved.')`, autumn.ID))
		if o := getDeal(t, g, autumn.ID); o.Stage != "negotiation" {
			t.Errorf("after the drag the deal is in %s", o.Stage)
		}
		shot("11-board-dragged")
		must("focus move", chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(`.deal[data-id="`+winter.ID+`"] summary`)), chromedp.KeyEvent("\r"), chromedp.KeyEvent("\t")))
		focus, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
		must("focus", err)
		if focus != "stage-"+winter.ID {
			t.Fatalf("Tab from the card's Move went to %q, not its stage list", focus)
		}
		must("choose", chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowDown)))
		waitFor("chosen", `document.activeElement.value === 'proposal'`)
		must("to the button", chromedp.Do(ctx, chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t")))
		focus, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.tagName + ':' + document.activeElement.type`))
		must("focus", err)
		if focus != "BUTTON:submit" {
			t.Fatalf("the second Tab from the stage list reached %q, not the Move button", focus)
		}
		follow("keyboard move", chromedp.KeyEvent("\r"))
		waitFor("moved by keyboard", fmt.Sprintf(`document.querySelector('.column[data-stage="proposal"] .deal[data-id="%s"]') !== null`, winter.ID))
		if o := getDeal(t, g, winter.ID); o.Stage != "proposal" {
			t.Errorf("after the keyboard move the deal is in %s", o.Stage)
		}
		follow("open deal", chromedp.Click(chromedp.CSS(`.deal[data-id="`+autumn.ID+`"] h3 a`)))
		waitFor("deal page", `document.querySelector('h1')?.textContent === 'Autumn stock' && document.body.textContent.includes('Qualify → Negotiation')`)
		shot("12-opportunity")

		// The desk: the queue list, the request, an answer by mail.
		must("requests", chromedp.Do(ctx, chromedp.Navigate(g.srv.URL+"/requests")))
		waitFor("requests", `document.querySelectorAll('#results tbody tr').length === 1`)
		shot("13-requests")
		// The filters swap the results in place (htmx) and keep the URL.
		must("filter requests", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__samePage = true;
			const s = document.getElementById('status'); s.value = 'resolved'; s.dispatchEvent(new Event('change', {bubbles: true}));`)))
		waitFor("filtered", `window.__samePage === true && document.querySelector('#results .empty') !== null && location.search.includes('status=resolved')`)
		must("unfilter", chromedp.Do(ctx, chromedp.Navigate(g.srv.URL+"/requests")))
		waitFor("requests again", `document.querySelectorAll('#results tbody tr').length === 1`)
		follow("open request", chromedp.Click(chromedp.CSS(`#results a[href^="/requests/"]`)))
		waitFor("request", `document.getElementById('reply-text') !== null`)
		shot("14-request")
		must("write", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("reply-text"), "Здравствуйте! Адрес в счёте исправлен.")))
		follow("send", chromedp.Click(chromedp.CSS(`form[action$="/reply"] button[type=submit]`)))
		waitFor("replied", `document.querySelector('main .notice.ok')?.textContent.includes('Your reply is queued') &&
			document.querySelector('#story li.mail')?.textContent.includes('Адрес в счёте исправлен')`)
		shot("15-request-replied")
		if got := m.enqueued.Load() - sent; got != 1 {
			t.Errorf("%d mails enqueued, want 1", got)
		}
		mails, err := store.List[model.OutboundMail](sys, g.s, store.ListParams{})
		if err != nil || len(mails.Items) != 1 || mails.Items[0].To[0].Email != "ivan@romashka.example" {
			t.Errorf("outbox: %+v %v", mails.Items, err)
		}

		// Reports: the catalogue, a report run from the form, its chart
		// drawn by Chart.js on the canvas (not blank) and its table.
		follow("reports", chromedp.Click(chromedp.CSS(`nav a[href="/reports"]`)))
		waitFor("catalogue", `document.querySelector('a[href="/reports/pipeline_by_stage"]') !== null`)
		shot("16-reports")
		follow("open report", chromedp.Click(chromedp.CSS(`a[href="/reports/pipeline_by_stage"]`)))
		waitFor("report form", `document.getElementById('p-from') !== null`)
		must("period", chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("p-from"), "2020-01-01"), chromedp.SetValue(chromedp.ID("p-to"), "2030-01-01")))
		follow("run report", chromedp.Click(chromedp.CSS(`.report-form button[type=submit]`)))
		waitFor("chart drawn", `(() => {
			const c = document.getElementById('report-chart');
			if (!c || !window.Chart || !Chart.getChart(c) || !c.dataset.drawn || c.width === 0) return false;
			const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
			let painted = 0;
			for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) painted++;
			return painted > 1000 && location.search.includes('from=2020-01-01');
		})()`)
		kind, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Chart.getChart(document.getElementById('report-chart')).config.type + ':' +
			Chart.getChart(document.getElementById('report-chart')).data.labels.join(',')`))
		must("chart", err)
		if kind != "bar:Qualify,Proposal,Negotiation" {
			t.Errorf("the chart is %q", kind)
		}
		waitFor("report table", `document.querySelectorAll('#report-table tbody tr').length === 3`)
		shot("17-report")

		// The answer book: search as you type (htmx), the highlighted
		// snippet, the article, and the editor's preview swapped in place.
		follow("answer book", chromedp.Click(chromedp.CSS(`nav a[href="/kb"]`)))
		must("type a query", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__samePage = true`), chromedp.SendKeys(chromedp.ID("q"), "invoice -printer")))
		waitFor("hits", `window.__samePage === true && document.querySelector('#results .hits mark')?.textContent.toLowerCase() === 'invoice' && location.search.includes('q=invoice')`)
		shot("18-kb-search")
		follow("open article", chromedp.Click(chromedp.CSS(`#results .hits a`)))
		waitFor("article", `document.querySelector('.answer strong')?.textContent === 'Correct address'`)
		follow("edit article", chromedp.Click(chromedp.CSS(`a[href$="/edit"]`)))
		must("write answer", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__samePage = true`),
			chromedp.SetValue(chromedp.ID("answer"), "Open the invoice, then *Correct address*.\n\n- check the postcode"),
			chromedp.Click(chromedp.CSS(`button[name="preview"]`))))
		waitFor("preview", `window.__samePage === true && document.querySelector('#preview em')?.textContent === 'Correct address' && document.querySelector('#preview li') !== null`)
		shot("19-kb-editor")

		// DAVx5's page: the QR code (a data: image the CSP allows) is drawn.
		must("davx5", chromedp.Do(ctx, chromedp.Navigate(g.srv.URL+"/profile/dav/davx5")))
		waitFor("qr", `document.querySelector('img.qr')?.complete && document.querySelector('img.qr').naturalWidth > 100`)
		shot("20-davx5")

		// A quote: add a line with htmx; the lines and totals change in
		// place (no reload) to the store's arithmetic.
		must("quotes", chromedp.Do(ctx, chromedp.Navigate(g.srv.URL+"/quotes")))
		waitFor("quote list", `document.querySelectorAll('#results tbody tr').length === 1`)
		follow("open quote", chromedp.Click(chromedp.CSS(`#results a[href^="/quotes/"]`)))
		waitFor("quote", `document.querySelector('[data-total]')?.dataset.total === '10'`)
		must("add a line", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__samePage = true`),
			chromedp.SendKeys(chromedp.ID("description"), "Installation"), chromedp.SetValue(chromedp.ID("quantity"), "2"),
			chromedp.SetValue(chromedp.ID("unit_price"), "45.50"), chromedp.SetValue(chromedp.ID("tax_rate"), "20"),
			chromedp.Click(chromedp.CSS(`#add-line button[type=submit]`))))
		waitFor("total changed", `window.__samePage === true && document.querySelector('[data-total]')?.dataset.total === '119.2' &&
			document.querySelectorAll('#quote-lines tbody tr').length === 2`)
		shot("21-quote")
	}, withMail(m))
}

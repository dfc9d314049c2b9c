package console_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"rapport/hub"
	"rapport/hub/api"
	"rapport/hub/auth"
	"rapport/hub/console"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// benchSite is one engine's seeded hub: the handler, a signed-in session and
// a contact with a full timeline.
type benchSite struct {
	h       http.Handler
	session *http.Cookie
	contact string
	account string
	board   string // a pipeline board with benchDeals open deals
	deal    string // a deal with a history and a timeline
	request string // a request with a long chronology
	report  string // the query of the board's pipeline_by_stage report
	quote   string // a draft quote with benchQuoteLines lines
	// quoteAccount is the account of the quote.
	quoteAccount string
	// commonContact is a seeded contact whose first name a tenth of all
	// contacts share (the duplicate look-up's costly case).
	commonContact string
}

// benchQuoteLines is the number of lines of the benchmark's quote.
const benchQuoteLines = 50

// benchDeals is the number of open deals on the benchmark's board.
const benchDeals = 2000

// benchSites keeps one seeded site per engine across benchmark rounds.
var benchSites = map[string]*benchSite{}

// BenchmarkPages renders console pages server-side, through the whole
// handler (session, CSRF context, queries, templates), over 100,000
// contacts: the contacts list (first page and a search), a contact's 360°
// view with a timeline of every kind, an account's, the home page, a
// pipeline board with 2,000 open deals, a deal's page, the requests list,
// a request with a long chronology, and the pipeline_by_stage report over
// the board's deals (form, chart data and table), the quotes list, a
// quote with 50 lines (its line editor and product picker), an account's
// quotes, a contact's edit form and a new one, a contact's likely
// duplicates (the panel of its view, for a rare name and for a first name
// a tenth of all contacts share), and the document templates.
func BenchmarkPages(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			site := benchSiteFor(b, engine)
			for _, p := range []struct{ name, path string }{
				{"contacts", "/contacts"},
				{"contacts-search", "/contacts?q=smith"},
				{"contacts-page-2", ""},
				{"contact-view", "/contacts/" + site.contact},
				{"contact-duplicates", "/contacts/" + site.contact + "?duplicates=1"},
				{"contact-duplicates-common-first-name", "/contacts/" + site.commonContact + "?duplicates=1"},
				{"account-view", "/accounts/" + site.account},
				{"home", "/"},
				{"board-2000-deals", site.board},
				{"opportunity", "/opportunities/" + site.deal},
				{"requests", "/requests"},
				{"request-view", "/requests/" + site.request},
				{"report-pipeline-by-stage", "/reports/pipeline_by_stage?" + site.report},
				{"quotes", "/quotes"},
				{"quote-50-lines", "/quotes/" + site.quote},
				{"quotes-of-account", "/quotes?account_id=" + site.quoteAccount},
				{"contact-edit", "/contacts/" + site.contact + "/edit"},
				{"contact-new", "/contacts/new"},
				{"templates", "/admin/templates"},
			} {
				b.Run(p.name, func(b *testing.B) {
					path := p.path
					if path == "" {
						path = site.secondPage(b)
					}
					var d []time.Duration
					for b.Loop() {
						req := httptest.NewRequest("GET", path, nil)
						req.AddCookie(site.session)
						rec := httptest.NewRecorder()
						t := time.Now()
						site.h.ServeHTTP(rec, req)
						d = append(d, time.Since(t))
						if rec.Code != http.StatusOK {
							b.Fatalf("%s: %d %.500s", path, rec.Code, rec.Body.String())
						}
					}
					storetest.ReportPercentiles(b, d)
				})
			}
		})
	}
}

// secondPage finds the "Next" link of the contacts list.
func (s *benchSite) secondPage(b *testing.B) string {
	req := httptest.NewRequest("GET", "/contacts", nil)
	req.AddCookie(s.session)
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	m := nextLink.FindStringSubmatch(rec.Body.String())
	if m == nil {
		b.Fatal("no next page")
	}
	return unescapeAmp(m[1])
}

func benchSiteFor(b *testing.B, engine string) *benchSite {
	s, fresh := storetest.Shared(b, engine)
	if !fresh {
		return benchSites[engine]
	}
	storetest.SeedContacts(b, s, 100_000)
	g := &rig{t: b, s: s}
	team := g.team("Sales")
	u := g.user("bench", "Bench Mark", model.RoleAgent, team)
	// The board's deals are a team mate's: the bench user sees them on the
	// board (team-scoped) while the home page, which sums the user's own
	// deals, stays comparable.
	seller := g.user("seller", "Sam Seller", model.RoleAgent, team)
	pl := g.pipeline()
	f := g.timelineFixture(u, 10)
	w := g.workFixture(u, pl, 20)
	qf := g.quoteFixture(u, team, benchQuoteLines)
	deals := make([]*model.Opportunity, 0, benchDeals)
	for i := range benchDeals {
		deals = append(deals, &model.Opportunity{Name: fmt.Sprintf("Bench deal %d", i), PipelineID: pl.ID, Stage: pl.Stages[i%len(pl.Stages)].Key,
			AccountID: &f.acc.ID, Amount: model.Dec(strconv.Itoa(100 + i)), Currency: []string{"EUR", "USD", "RUB"}[i%3]})
	}
	for start := 0; start < len(deals); start += 500 {
		if err := store.CreateMany(g.as(seller), s, deals[start:min(start+500, len(deals))]); err != nil {
			b.Fatal(err)
		}
	}
	for _, cur := range []string{"USD", "RUB"} {
		g.create(sys, &model.ExchangeRate{Currency: cur, Rate: model.Dec("0.5"), ValidFrom: model.Date{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}})
	}
	plain, _, err := s.CreateSession(sys, u.ID, "127.0.0.1", "bench")
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	authn := auth.New(auth.Config{Store: s, Logger: log})
	cons, err := console.New(console.Config{Store: s, Auth: authn, Logger: log, Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	srv := hub.New(hub.Config{Store: s, API: api.New(api.Config{Store: s}), Auth: authn, Console: cons, Logger: log})
	site := &benchSite{h: srv.Handler(), session: &http.Cookie{Name: auth.SessionCookie, Value: plain},
		contact: f.ct.ID, account: f.acc.ID, board: "/pipelines/" + pl.ID + "/board", deal: w.deal.ID, request: w.request.ID,
		report: "pipeline_id=" + pl.ID, quote: qf.q.ID, quoteAccount: *qf.q.AccountID}
	seeded, err := store.List[model.Contact](sys, s, store.ListParams{Limit: 1, Q: "smith"})
	if err != nil || len(seeded.Items) == 0 {
		b.Fatalf("no seeded contact: %v", err)
	}
	site.commonContact = seeded.Items[0].ID
	benchSites[engine] = site
	b.Logf("seeded %s: 100,000 contacts, a contact with %d timeline entries, %d open deals", engine, 10*8, benchDeals)
	return site
}

package console

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"rapport/hub/auth"
	"rapport/hub/merge"
	"rapport/hub/outmail"
	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

//go:embed templates/*.html
var templateFS embed.FS

// Config wires the console.
type Config struct {
	Store *store.Store
	Auth  *auth.Authenticator
	// Language is the installation's default UI language ("en" or "ru"):
	// for users who chose none and browsers that ask for neither.
	Language string
	// Location is the installation's time zone, for users who chose none.
	Location *time.Location
	// PageSize is how many rows a list page shows (default 50, at most 200).
	PageSize int
	// PublicURL is the hub's address as outsiders reach it (for the DAV
	// address the profile shows); empty: the host each request came to.
	PublicURL string
	// Mail composes and queues replies to requests: the composer the API's
	// POST /requests/{id}/reply uses (hub/outmail through cmd). Without it
	// the request page offers no reply by mail.
	Mail Mailer
	// Merge merges records into documents (the API's merge service): a
	// quote's DOCX/PDF and the templates' preview. Without it those pages
	// offer no documents.
	Merge *merge.Service
	// MailFetcher and MailRetrier are the mail ingest engine (fetch a
	// mailbox now, retry a quarantined message); nil hides those buttons.
	MailFetcher MailFetcher
	MailRetrier MailRetrier
	Logger      *slog.Logger
}

// MailFetcher asks a mailbox's supervisor to look for new mail at once.
type MailFetcher interface {
	FetchNow(ctx context.Context, mailboxID string) error
}

// MailRetrier runs a quarantined message through ingest again.
type MailRetrier interface {
	RetryQuarantine(ctx context.Context, id string) (*model.MailQuarantine, *model.MailMessage, error)
}

// Mailer queues an agent's answer to a request, and a record's document, by
// mail (*outmail.Composer).
type Mailer interface {
	Reply(ctx context.Context, requestID string, in outmail.Reply) (*model.OutboundMail, error)
	SendDocument(ctx context.Context, recordType, id string, in outmail.Document) (*model.OutboundMail, *merge.Document, error)
}

// Console serves the staff web console.
type Console struct {
	cfg    Config
	pages  map[string]*template.Template // page name → layout + page
	assets *assets
}

// New parses the templates and makes cfg.Auth draw its sign-in page in the
// console's layout and language.
func New(cfg Config) (*Console, error) {
	if cfg.Store == nil || cfg.Auth == nil {
		return nil, errors.New("console: Store and Auth are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if _, ok := languages[cfg.Language]; !ok {
		if cfg.Language != "" {
			return nil, fmt.Errorf("console: no UI language %q (use en or ru)", cfg.Language)
		}
		cfg.Language = "en"
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 50
	}
	cfg.PageSize = min(cfg.PageSize, 200)
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, assets: a}
	if c.pages, err = parsePages(); err != nil {
		return nil, err
	}
	cfg.Auth.SetLoginPage(c.loginPage)
	return c, nil
}

// parsePages builds one template per page: the layout and shared partials
// (names starting with "_") cloned with the page's own file.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	base := template.New("layout.html").Funcs(funcs)
	var pageFiles []string
	for _, n := range names {
		b := path.Base(n)
		if b == "layout.html" || strings.HasPrefix(b, "_") {
			if base, err = base.ParseFS(templateFS, n); err != nil {
				return nil, fmt.Errorf("console: %w", err)
			}
			continue
		}
		pageFiles = append(pageFiles, n)
	}
	out := map[string]*template.Template{}
	for _, n := range pageFiles {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(templateFS, n); err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
		out[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return out, nil
}

// Mount registers the console's routes on r. Pages need a staff session
// (auth.Pages); /static serves the embedded assets to anyone.
func (c *Console) Mount(r *mux.Router) {
	rt := routes{r: r, guard: c.cfg.Auth.Pages(c.refuse), c: c}
	get, post := rt.get, rt.post
	get("/", c.home)
	c.mountEditing(rt) // before /contacts/{id} and /quotes/{id}/{action}, which would take its paths
	get("/contacts", c.contacts)
	get("/contacts/{id}", c.contact)
	get("/accounts", c.accounts)
	get("/accounts/{id}", c.account)
	get("/profile", c.profile)
	post("/profile", c.savePreferences)
	post("/profile/password", c.changePassword)
	post("/profile/app-passwords", c.createAppPassword)
	post("/profile/app-passwords/{id}/revoke", c.revokeAppPassword)
	get("/profile/dav/{client}", c.davSetup)
	post("/profile/dav/apple", c.appleProfile)
	post("/profile/dav/outlook/ics", c.createICSFeed)
	post("/profile/ics/{id}/revoke", c.revokeICSFeed)
	get("/pipelines", c.pipelines)
	get("/pipelines/{id}/board", c.board)
	get("/opportunities/{id}", c.opportunity)
	post("/opportunities/{id}/stage", c.moveOpportunity)
	get("/requests", c.requests)
	post("/requests/next", c.nextRequest)
	get("/requests/{id}", c.request)
	post("/requests/{id}/reply", c.replyRequest)
	post("/requests/{id}/note", c.noteRequest)
	post("/requests/{id}/work", c.updateRequest)
	post("/requests/{id}/time", c.logTime)
	get("/quotes", c.quotes)
	get("/quotes/{id}", c.quote)
	post("/quotes/{id}/lines", c.editQuoteLines)
	post("/quotes/{id}/{action}", c.quoteAction)
	get("/reports", c.reports)
	get("/reports/{name}", c.report)
	c.mountReports(rt)
	get("/kb", c.kb)
	get("/kb/new", c.kbNew)
	post("/kb/articles", c.saveKBArticle)
	get("/kb/articles/{id}", c.kbArticle)
	post("/kb/articles/{id}", c.saveKBArticle)
	get("/kb/articles/{id}/edit", c.kbEdit)
	get("/admin", c.admin)
	c.mountPeople(rt)
	c.mountOperations(rt)
	r.PathPrefix("/static/").Handler(c.assets).Methods(http.MethodGet, http.MethodHead)
}

// routes registers pages behind the staff session guard.
type routes struct {
	r     *mux.Router
	guard func(http.Handler) http.Handler
	c     *Console
}

// get serves GET and HEAD on path.
func (rt routes) get(path string, h http.HandlerFunc) {
	rt.r.Handle(path, rt.guard(h)).Methods(http.MethodGet, http.MethodHead)
}

// maxFormBytes bounds the body of a console form (see upload for files).
const maxFormBytes = 256 << 10

// post serves POST on path with the form read before h runs: a body over
// maxFormBytes, or one that does not parse, answers 413 or 400 and h never
// sees it (handlers read fields with PostFormValue, which would take a
// broken form for an empty one).
func (rt routes) post(path string, h http.HandlerFunc) {
	rt.r.Handle(path, limitBody(maxFormBytes, rt.guard(rt.c.readForm(h)))).Methods(http.MethodPost)
}

// upload serves POST on path for a form with a file: h limits the body
// itself, to what its files may weigh.
func (rt routes) upload(path string, h http.HandlerFunc) {
	rt.r.Handle(path, rt.guard(h)).Methods(http.MethodPost)
}

// limitBody cuts a request body at limit bytes.
func limitBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// readForm parses a posted form (URL-encoded or multipart, within the body
// limit) before next; a form that cannot be read is refused.
func (c *Console) readForm(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := r.ParseMultipartForm(maxFormBytes)
		if errors.Is(err, http.ErrNotMultipart) {
			err = r.ParseForm()
		}
		if err != nil {
			u, _ := auth.UserFrom(r.Context())
			status := http.StatusBadRequest
			if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
				status = http.StatusRequestEntityTooLarge
			}
			c.renderError(w, r, status, c.viewFor(r, u))
			return
		}
		next(w, r)
	}
}

// page is what every template receives: the view (catalogue, formatting),
// the signed-in user, the form token, the active navigation item, and the
// page's own data.
type page struct {
	*view
	Title string // the page's <title> and <h1>, already translated
	Nav   string // the navigation item: "home", "contacts", … "admin"
	User  *model.User
	Admin bool // the user administers the installation (all of the administration pages)
	CSRF  string
	Done  string // catalogue key of a message confirming the last action
	Data  any
	// Partial renders only the template named here (an htmx swap).
	Partial string
	// Scripts are the page's own static scripts besides htmx (no inline
	// script: the CSP forbids it).
	Scripts []string
	assets  *assets
}

// Asset returns the cache-busting URL of an embedded static file.
func (p *page) Asset(name string) string { return p.assets.url(name) }

// newPage starts the page of a signed-in request.
func (c *Console) newPage(r *http.Request, nav string) *page {
	u, _ := auth.UserFrom(r.Context())
	return &page{view: c.viewFor(r, u), Nav: nav, User: u, Admin: model.ActorFrom(r.Context()).IsAdmin(),
		CSRF: auth.CSRFFrom(r.Context()), assets: c.assets}
}

// render executes a page template into a buffer first, so a template error
// becomes a clean 500 rather than half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := c.pages[name]
	if !ok {
		c.fail(w, r, fmt.Errorf("console: no page template %q", name))
		return
	}
	entry := "layout.html"
	if p.Partial != "" {
		entry = p.Partial
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, entry, p); err != nil {
		c.cfg.Logger.Error("console: render", "page", name, "err", err)
		if !errors.Is(err, context.Canceled) {
			c.renderError(w, r, http.StatusInternalServerError, p.view)
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", p.Lang)
	h.Add("Vary", "Accept-Language, HX-Request, HX-Target")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// fail answers err as an error page: 404 for records the user may not see
// (as the API answers), 403, 409, 422 or 500 (logged) for the rest.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	u, _ := auth.UserFrom(r.Context())
	status := problem.Status(model.ErrorCode(err))
	if status >= 500 {
		c.cfg.Logger.Error("console: page failed", "path", r.URL.Path, "err", err)
	}
	c.renderError(w, r, status, c.viewFor(r, u))
}

// refuse draws the refusals of auth.Pages.
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, err error) { c.fail(w, r, err) }

// renderError draws the error page for status in v's language.
func (c *Console) renderError(w http.ResponseWriter, r *http.Request, status int, v *view) {
	u, _ := auth.UserFrom(r.Context())
	p := &page{view: v, User: u, CSRF: auth.CSRFFrom(r.Context()), assets: c.assets, Data: status}
	switch status {
	case http.StatusNotFound:
		p.Title = v.T("error.notfound.title")
	case http.StatusForbidden:
		p.Title = v.T("error.forbidden.title")
	case http.StatusTooManyRequests:
		p.Title = v.T("error.ratelimit.title")
	default:
		if status < 500 {
			p.Title = v.T("error.request.title")
		} else {
			p.Title = v.T("error.server.title")
		}
	}
	var buf bytes.Buffer
	if err := c.pages["error"].ExecuteTemplate(&buf, "layout.html", p); err != nil {
		c.cfg.Logger.Error("console: render error page", "err", err)
		http.Error(w, http.StatusText(status), status)
		return
	}
	auth.SetPageHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// seeOther redirects after a successful form post (POST/redirect/GET), with
// a confirmation message key the next page shows.
func seeOther(w http.ResponseWriter, r *http.Request, to, done string) {
	if done != "" {
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "done=" + done
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// doneKey returns the confirmation shown for ?done=: a catalogue key
// "done.<name>", only known ones (the parameter is the user's to edit).
func doneKey(r *http.Request) string {
	k := "done." + r.URL.Query().Get("done")
	if _, ok := catalogue[k]; ok {
		return k
	}
	return ""
}

// partialTarget reports whether r is an htmx request that swaps only the
// element with id (HX-Target "tag#id"), not a history restore that needs the
// whole page.
func partialTarget(r *http.Request, id string) bool {
	if r.Header.Get("HX-Request") != "true" || r.Header.Get("HX-History-Restore-Request") == "true" {
		return false
	}
	_, got, ok := strings.Cut(r.Header.Get("HX-Target"), "#")
	return ok && got == id
}

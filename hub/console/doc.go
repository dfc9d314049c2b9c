// Package console is the staff web console: server-rendered pages (Go
// html/template) for the work that does not fit a mail or calendar client.
// Pages read and write through model/store with the signed-in user as the
// actor, so they see exactly what the API shows that user (store.List,
// store.Get and the policy table); htmx (vendored, embedded with go:embed)
// enhances them — search as you type, partial updates — but every page
// reads, and every form posts, without JavaScript.
//
// A page is a handler that loads its data, then calls render with a
// template under templates/ that defines "title" and "content" inside the
// shared layout. Every form carries the session's CSRF token (auth.Pages
// checks it), every text comes from the one message catalogue (messages.go,
// English and Russian), and dates, numbers and money are formatted in the
// user's locale and time zone (view.go). See docs/console.md.
//
// Reports draw their chart with Chart.js (vendored from npm like htmx,
// static/chart.umd.min.js, fed by a JSON block that static/report.js
// reads); the DAVx⁵ set-up page draws its QR code with
// github.com/piglig/go-qr.
//
// It imports model, model/store, model/icalmap, model/secret, hub/auth,
// hub/problem, hub/outmail (the composer's types: cmd injects the composer
// the API uses as Config.Mail), hub/merge (documents and template uploads,
// Config.Merge), templates/lang, templates/templatefile and
// templates/locale; never connectors (cmd injects what the hub needs from
// them).
package console

// Package auth is for authentication and sign-in on the hub's HTTP surfaces.
// It resolves credentials to a model.Actor — API tokens (Authorization:
// Bearer), browser session cookies with a per-session CSRF token, and HTTP
// Basic with per-device app passwords (for DAV) — and serves the browser
// sign-in (/login, /logout). Pages guards the staff console's pages with the
// same session and CSRF token the API accepts; the console draws the sign-in
// page in its own layout (SetLoginPage).
// Failed password and app-password checks are rate limited per client IP and
// per account, in memory and per process.
//
// It imports model, model/store, model/secret and hub/problem only; it must
// never import connectors (cmd injects what the hub needs from them).
package auth

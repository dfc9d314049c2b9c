// Package auth authenticates HTTP requests and serves the browser sign-in:
// API tokens (Authorization: Bearer), session cookies with a per-session CSRF
// token, HTTP Basic with per-device app passwords (for DAV), the /login and
// /logout pages, and rate limits on failed sign-ins.
//
// It imports model, model/store, model/secret and hub/problem; never connectors.
package auth

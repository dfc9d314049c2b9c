// Package hub is Rapport's HTTP server: routes.go mounts every surface
// (/api/v1, the sign-in pages, the staff console at /, /healthz, /readyz,
// /metrics, /dav, /ics, /in; /portal as a later issue adds it) behind shared
// middleware: panic recovery, request logging, metrics and security headers.
//
// hub and its sub-packages never import connectors; cmd/rapport injects them.
package hub

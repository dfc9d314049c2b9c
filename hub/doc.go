// Package hub is Rapport's HTTP server: routes.go mounts every surface
// (/api/v1, the sign-in pages, /healthz, /readyz, /metrics; /dav, /ics, /in and
// /portal as later issues add them) behind shared middleware: panic recovery,
// request logging, metrics and security headers.
//
// hub and its sub-packages never import connectors; cmd/rapport injects them.
package hub

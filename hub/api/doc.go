// Package api is the REST API under /api/v1: generic CRUD for every record
// collection, history and the change feed, tokens and app passwords,
// attachments, the audit log and the OpenAPI description. Handlers decode and
// check input, call model/store, and write JSON or problem+json.
//
// It imports model, model/store and hub/problem; never connectors (cmd injects
// them through the small interfaces declared here).
package api

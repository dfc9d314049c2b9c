// Package store is the only place that talks to the database: every GORM
// query, the change feed, visibility rules applied in queries, search keys,
// numbering and access records. Every write runs in one transaction together
// with its change-feed rows (WithTx); methods take ctx first and join an outer
// transaction carried in ctx.
//
// It imports model packages only (model, migrate, secret, icalmap).
package store

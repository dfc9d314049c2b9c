// Package dav serves CardDAV (RFC 6352) and CalDAV (RFC 4791) under /dav:
// each user's principal, the address books "contacts" (every contact the
// user may see) and optionally "mine", the calendars "appointments" and
// "tasks", and personal calendars made with MKCALENDAR. It answers PROPFIND,
// PROPPATCH, REPORT (multiget, calendar-query, addressbook-query and
// sync-collection from the change feed), MKCALENDAR, extended MKCOL, GET,
// PUT and DELETE itself, because go-webdav's server lacks sync-collection,
// PROPPATCH, MKCALENDAR and CTags; go-webdav's client drives the tests.
//
// Cards and events are mapped by model/vcardmap and model/icalmap; every
// write goes through model/store in one transaction with its change-feed
// row. The package imports model and hub/problem only, never connectors:
// photos reach the blob store through the Blobs interface.
package dav

// Package webhook is Rapport's outbound webhook delivery building block: an
// SSRF-safe HTTP client, Standard Webhooks signing (webhook-id,
// webhook-timestamp, webhook-signature "v1,<HMAC-SHA256>"), one delivery
// attempt classified into an Outcome, and the retry schedule.
//
// It does not know endpoints, events or the change feed: the dispatcher that
// follows the feed, keeps the delivery log and disables endpoints lives
// elsewhere and calls Deliverer.Send once per attempt with the Backoff delay
// in between.
//
// Egress is refused at connect time, in the dialer's Control hook, for
// loopback, private, link-local, CGNAT, cloud-metadata, ULA, multicast and
// other special-purpose addresses (see NewClient), so DNS rebinding cannot
// reach them; CheckURL refuses such literal addresses already when an
// endpoint is created. ClientOptions.Allow lets listed ranges through (tests,
// on-premise targets).
//
// Errors meant for clients are model.Error values (EINVALID).
//
// It imports model and model/store (the dispatcher) from this repository:
// never hub or another connector.
package webhook

package migrate

// m0013WebhookEvents lets one feed row make two deliveries to an endpoint:
// its created/updated/deleted event and its domain event (opportunity.won,
// request.assigned …).
const m0013WebhookEvents = `
DROP INDEX webhook_deliveries_event
;
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (endpoint_id, seq, event_type) WHERE seq > 0
`

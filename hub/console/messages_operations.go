package console

// operationsMessages are the texts of the administration of webhooks, mailboxes, the quarantine and document templates.
var operationsMessages = map[string][2]string{}

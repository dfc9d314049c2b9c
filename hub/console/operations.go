package console

// mountOperations registers the pages of webhooks, mailboxes, the quarantine and document templates.
func (c *Console) mountOperations(routes) {}

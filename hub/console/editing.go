package console

// mountEditing registers the pages of editing contacts and accounts, and a quote's documents.
func (c *Console) mountEditing(routes) {}

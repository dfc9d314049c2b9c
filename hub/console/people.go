package console

// mountPeople registers the pages of users, teams, territories, roles and numbering.
func (c *Console) mountPeople(routes) {}

package store

// OffboardRuleColumns maps each offboarding rule's "entity.field" to its
// "table.column", for the test that every user reference has a rule.
func OffboardRuleColumns() map[string]string {
	out := map[string]string{}
	for _, r := range offboardRules {
		out[r.entity+"."+r.field] = Tables[r.entity] + "." + r.column
	}
	return out
}

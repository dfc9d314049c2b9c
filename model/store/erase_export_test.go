package store

// EraseStepColumns maps each "table.column" an erase step names to the
// step's table, for the test that every column that may refer to a contact
// or hold a person's details is handled.
func EraseStepColumns() map[string]string {
	out := map[string]string{}
	for _, st := range eraseSteps {
		for _, c := range st.columns {
			out[st.table+"."+c] = st.table
		}
	}
	return out
}

// EraseLeftAlone returns the columns no erase step changes, with why.
func EraseLeftAlone() map[string]string { return eraseLeftAlone }

// EraseStepEntities lists the record entities that have an erase step.
func EraseStepEntities() []string {
	var out []string
	for _, st := range eraseSteps {
		if st.entity != "" {
			out = append(out, st.entity)
		}
	}
	return out
}

// MentionEntities returns the entities an erasure scrubs of the person's
// details and those whose mentions it lists for review.
func MentionEntities() (scrub, review []string) { return mentionEntities, mentionReview }

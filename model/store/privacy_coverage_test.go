package store_test

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"rapport/model/store"
	"rapport/model/storetest"
)

// contactColumn matches the columns that may hold a contact's id;
// personalColumn those that may hold a person's details.
var (
	contactColumn  = regexp.MustCompile(`^(.*_)?contact_ids?$|^record_id$`)
	personalColumn = regexp.MustCompile(`^(.*_)?(emails?|phones?|address(es)?)$|^(from|to|cc|bcc|reply_to|from_name|attendees|organizer_email)$`)
)

// TestEraseCoversEveryPersonColumn fails when a table of the migrated
// schema has a column that may refer to a contact or hold a person's
// details (by its name, as the merge's completeness test finds them) that
// no erase step handles and eraseLeftAlone does not explain; when a record
// type that refers to contacts (by what the merge follows) has no erase
// step; and when an entity is neither searched for mentions of the person
// nor listed for review.
func TestEraseCoversEveryPersonColumn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		for _, p := range unhandledPersonColumns(t, s) {
			t.Errorf("column %s may refer to a contact or hold a person's details, but no erase step handles it "+
				"(model/store/privacy_rules.go: eraseSteps, or eraseLeftAlone with the reason)", p)
		}
		// The check sees a table it was never told about.
		if _, err := s.DB().Exec(`CREATE TABLE zz_contact_notes (id VARCHAR(36) PRIMARY KEY, contact_id VARCHAR(36), email TEXT)`); err != nil {
			t.Fatal(err)
		}
		defer s.DB().Exec(`DROP TABLE zz_contact_notes`) //nolint:errcheck // the store is the test's own
		if got := unhandledPersonColumns(t, s); !slices.Equal(got, []string{"zz_contact_notes.contact_id", "zz_contact_notes.email"}) {
			t.Errorf("a new table's columns: %v", got)
		}
	})
	steps := store.EraseStepEntities()
	for _, rec := range store.MergeRecordTypes() {
		for _, col := range expectedRefColumns(t, rec) {
			if (strings.Contains(col, "contact") || strings.HasPrefix(col, "record_id") || strings.HasPrefix(col, "links")) &&
				rec.Entity() != "contact" && !slices.Contains(steps, rec.Entity()) {
				t.Errorf("%s (%s) may refer to a contact but has no erase step", rec.Entity(), reflect.TypeOf(rec).Elem().Name())
			}
		}
	}
	scrub, review := store.MentionEntities()
	for entity := range store.Tables {
		if !slices.Contains(scrub, entity) && !slices.Contains(review, entity) {
			t.Errorf("entity %s is neither searched for mentions of an erased person nor listed for review (privacy_tables.go)", entity)
		}
	}
}

// unhandledPersonColumns lists, sorted, the schema's columns that may refer
// to a contact or hold a person's details which no erase step handles and
// eraseLeftAlone does not explain.
func unhandledPersonColumns(t *testing.T, s *store.Store) []string {
	t.Helper()
	handled, left := store.EraseStepColumns(), store.EraseLeftAlone()
	var out []string
	checked := 0
	for _, tc := range schemaColumns(t, s) {
		key := tc[0] + "." + tc[1]
		if !contactColumn.MatchString(tc[1]) && !personalColumn.MatchString(tc[1]) {
			continue
		}
		checked++
		if handled[key] == "" && left[key] == "" {
			out = append(out, key)
		}
	}
	if checked < 40 {
		t.Fatalf("checked %d columns", checked)
	}
	slices.Sort(out)
	return out
}

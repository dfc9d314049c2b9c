package model

import (
	"reflect"
	"testing"
	"time"
)

func mergedContacts(t *testing.T, choices map[string]string) *Contact {
	t.Helper()
	bday := Date{Time: time.Date(1980, 5, 1, 0, 0, 0, 0, time.UTC)}
	acct := "0190aaaa-0000-7000-8000-000000000001"
	sur := &Contact{FirstName: "Anna", LastName: "Berg", Title: "Buyer", Notes: "Met at CeBIT.",
		Emails:       []Labeled{{Type: "work", Value: "anna@nordwind.example"}},
		Phones:       []Labeled{{Type: "work", Value: "+49 30 1234567"}},
		Tags:         []string{"vip"},
		CustomFields: map[string]any{"tier": "gold", "region": "north"},
		DAV:          DAVLink{UID: "survivor-uid", Name: "s.vcf"}}
	los := &Contact{FirstName: "Anna", MiddleName: "Maria", LastName: "Berg", Title: "CFO", Notes: "Prefers phone.",
		AccountID: &acct, Birthday: &bday, Unsubscribed: true,
		Emails:       []Labeled{{Type: "home", Value: "ANNA@nordwind.example"}, {Type: "home", Value: "a.berg@mail.example"}},
		Phones:       []Labeled{{Type: "mobile", Value: "+49 (30) 123-45-67"}, {Type: "mobile", Value: "+49 171 7654321"}},
		Tags:         []string{"berlin", "vip"},
		CustomFields: map[string]any{"tier": "silver", "source": "fair"},
		DAV:          DAVLink{UID: "loser-uid", Name: "l.vcf"}}
	sur.Normalize()
	los.Normalize()
	if err := MergeFields(sur, los, choices); err != nil {
		t.Fatal(err)
	}
	sur.Normalize()
	return sur
}

func TestMergeFieldsRules(t *testing.T) {
	c := mergedContacts(t, nil)
	if c.Title != "Buyer" || c.MiddleName != "Maria" || c.AccountID == nil || c.Birthday == nil || !c.Unsubscribed || c.UnsubscribedAt == nil {
		t.Errorf("empty fields not filled or set ones replaced: %+v", c)
	}
	if c.Notes != "Met at CeBIT.\n\nPrefers phone." {
		t.Errorf("notes %q", c.Notes)
	}
	var emails, phones []string
	for _, e := range c.Emails {
		emails = append(emails, e.Value)
	}
	for _, p := range c.Phones {
		phones = append(phones, p.Value)
	}
	if !reflect.DeepEqual(emails, []string{"anna@nordwind.example", "a.berg@mail.example"}) || len(phones) != 2 {
		t.Errorf("lists joined with repeats: %v %v", emails, phones)
	}
	if !reflect.DeepEqual(c.Tags, []string{"berlin", "vip"}) && !reflect.DeepEqual(c.Tags, []string{"vip", "berlin"}) {
		t.Errorf("tags %v", c.Tags)
	}
	if !reflect.DeepEqual(c.CustomFields, map[string]any{"tier": "gold", "region": "north", "source": "fair"}) {
		t.Errorf("custom fields %v", c.CustomFields)
	}
	if c.DAV.UID != "survivor-uid" || c.MergedIntoID != nil {
		t.Errorf("server fields merged: %+v", c.DAV)
	}
}

func TestMergeFieldsChoices(t *testing.T) {
	c := mergedContacts(t, map[string]string{"title": MergeLoser, "custom_fields.tier": MergeLoser,
		"custom_fields.source": MergeSurvivor, "notes": MergeSurvivor, "emails": MergeLoser})
	if c.Title != "CFO" || c.Notes != "Met at CeBIT." || c.CustomFields["tier"] != "silver" || c.CustomFields["source"] != nil ||
		len(c.Emails) != 2 || c.Emails[0].Type != "home" {
		t.Errorf("choices not applied: %+v", c)
	}
	for _, bad := range []map[string]string{{"title": "both"}, {"shoe_size": MergeLoser}, {"id": MergeLoser},
		{"dav": MergeLoser}, {"custom_fields.nope": MergeLoser}, {"merged_into_id": MergeLoser}} {
		err := MergeFields(&Contact{}, &Contact{}, bad)
		if ErrorCode(err) != EINVALID {
			t.Errorf("%v: %v", bad, err)
		}
	}
	if ErrorCode(MergeFields(&Contact{}, &Account{}, nil)) != EINVALID {
		t.Error("merged a contact into an account")
	}
}

func TestMergeFieldsAccounts(t *testing.T) {
	parent := "0190aaaa-0000-7000-8000-000000000002"
	sur := &Account{Name: "Nordwind GmbH", Phones: []Labeled{{Value: "+49 30 1111111", E164: "+49301111111"}}}
	los := &Account{Name: "Nordwind", Website: "https://nordwind.example", ParentID: &parent, Industry: "Logistics",
		Phones: []Labeled{{Value: "+49 (30) 111-11-11", E164: "+49301111111"}}}
	if err := MergeFields(sur, los, map[string]string{"name": MergeSurvivor}); err != nil {
		t.Fatal(err)
	}
	if sur.Name != "Nordwind GmbH" || sur.Website == "" || sur.ParentID == nil || sur.Industry != "Logistics" || len(sur.Phones) != 1 {
		t.Errorf("%+v", sur)
	}
	if los.ParentID == sur.ParentID {
		t.Error("the survivor shares a pointer with the loser")
	}
}

func TestMergeEventAndRefs(t *testing.T) {
	fields := map[string]FieldChange{"deleted_at": {New: "x"}, "merged_into_id": {New: "y"}}
	if DomainEvent("contact", OpDelete, fields) != EventContactMerged || DomainEvent("account", OpDelete, fields) != EventAccountMerged ||
		DomainEvent("contact", OpDelete, map[string]FieldChange{"deleted_at": {}}) != "" {
		t.Error("merge events")
	}
	for _, e := range []string{EventContactMerged, EventAccountMerged} {
		if DomainEvents[e] == "" || !ValidEventPattern(e) || EventEntity(e) != e[:7] {
			t.Errorf("%s is not in the webhook catalogue", e)
		}
	}
	c := &Contact{}
	c.DeletedAt = nil
	fe := FieldErrors{}
	id := "x"
	validateMergedInto(fe, &c.Meta, &id)
	if fe.Err() == nil {
		t.Error("a live record may carry a merge pointer")
	}
	a := &Activity{Links: []Link{{Entity: "contact", ID: "l"}}, Attendees: []Attendee{{ContactID: "l"}}}
	n := 0
	for _, r := range MergeRefs(a) {
		if r.Entity == "contact" && r.ID != nil && *r.ID == "l" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("activity merge refs: %d", n)
	}
}

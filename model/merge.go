package model

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// Merge choices: whose value a field keeps.
const (
	MergeSurvivor = "survivor"
	MergeLoser    = "loser"
)

// MergeEntities are the entities whose duplicates can be merged.
var MergeEntities = []string{"contact", "account"}

// Domain events of merges: the loser's tombstone (a delete that sets
// merged_into_id) carries them.
const (
	EventContactMerged = "contact.merged"
	EventAccountMerged = "account.merged"
)

// mergeEvent names the domain event of a write that is a merge's tombstone.
func mergeEvent(entity, op string, fields map[string]FieldChange) string {
	if _, ok := fields["merged_into_id"]; !ok || op != OpDelete {
		return ""
	}
	switch entity {
	case "contact":
		return EventContactMerged
	case "account":
		return EventAccountMerged
	}
	return ""
}

// Mergeable is implemented by the records whose duplicates can be merged:
// MergePointer is where the tombstone names its survivor.
type Mergeable interface {
	Record
	MergePointer() **string
}

// MergePointer implements Mergeable.
func (c *Contact) MergePointer() **string { return &c.MergedIntoID }

// MergePointer implements Mergeable.
func (a *Account) MergePointer() **string { return &a.MergedIntoID }

// validateMergedInto refuses a merge pointer on a live record: only the
// store's merge sets it, on the loser's tombstone.
func validateMergedInto(fe FieldErrors, m *Meta, mergedInto *string) {
	if mergedInto != nil && m.DeletedAt == nil {
		fe.Add("merged_into_id", "set by a merge only")
	}
}

// MergeDropsDuplicate reports whether a record of entity that would, once
// moved to the survivor, duplicate one the survivor already has (the same
// campaign membership twice) is deleted instead of moved.
func MergeDropsDuplicate(entity string) bool { return entity == "campaign_member" }

// MergeRefs lists every reference of rec that a merge follows: its Refs and
// the links Refs leaves out because they name their entity at run time or
// record what something became (an attachment's record, an activity's
// links, what a lead was converted into, the contact a mail came from).
// Each ID points into rec, so a merge rewrites it in place.
func MergeRefs(rec Record) []Ref {
	var refs []Ref
	if r, ok := rec.(Referrer); ok {
		refs = r.Refs()
	}
	switch r := rec.(type) {
	case *Attachment:
		refs = append(refs, Ref{"record_id", r.RecordType, &r.RecordID})
	case *Activity:
		for i := range r.Links {
			refs = append(refs, Ref{"links[" + itoa(i) + "].id", r.Links[i].Entity, &r.Links[i].ID})
		}
	case *Lead:
		refs = append(refs, Ref{"account_id", "account", r.AccountID}, Ref{"contact_id", "contact", r.ContactID},
			Ref{"opportunity_id", "opportunity", r.OpportunityID})
	case *MailMessage:
		refs = append(refs, Ref{"contact_id", "contact", r.ContactID})
	}
	return refs
}

// mergeSkipped are JSON fields a merge never carries over: the record's
// identity, its DAV link (the survivor keeps its own UID and resource
// name; the loser's stay on its tombstone, which resolves to the survivor)
// and the merge pointer itself.
var mergeSkipped = []string{"id", "version", "created_at", "updated_at", "created_by", "updated_by", "deleted_at",
	"dav", "merged_into_id"}

// mergeAppended are text fields whose two values are both kept, the
// survivor's first: notes are never thrown away.
var mergeAppended = []string{"notes"}

// MergeFields folds loser's values into survivor (two records of the same
// type). choices names fields, by JSON name, whose value is the loser's
// (MergeLoser) or stays the survivor's (MergeSurvivor); one custom field is
// "custom_fields.KEY". Every other field follows the rules: an empty value
// of the survivor takes the loser's, lists (e-mails, phones, addresses,
// URLs, tags) are joined without repeating a value, custom fields are
// joined with the survivor's values first, notes are appended, and a set
// flag (unsubscribed) stays set. An unknown field or choice is EINVALID.
func MergeFields(survivor, loser Record, choices map[string]string) error {
	sv, lv := reflect.ValueOf(survivor).Elem(), reflect.ValueOf(loser).Elem()
	if sv.Type() != lv.Type() {
		return Errorf(EINVALID, "cannot merge a %s into a %s", loser.Entity(), survivor.Entity())
	}
	fields := mergeableFields(sv.Type())
	if err := checkChoices(fields, sv, lv, choices); err != nil {
		return err
	}
	for name, idx := range fields {
		s, l := sv.FieldByIndex(idx), lv.FieldByIndex(idx)
		switch choices[name] {
		case MergeLoser:
			s.Set(cloneValue(l))
		case MergeSurvivor:
		default:
			mergeValue(name, s, l, customChoices(choices, name))
		}
	}
	return nil
}

// mergeableFields maps the JSON names of t's fields to their index paths,
// leaving out mergeSkipped and fields not in JSON.
func mergeableFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for _, f := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous || !f.IsExported() || name == "-" || name == "" || slices.Contains(mergeSkipped, name) {
			continue
		}
		out[name] = f.Index
	}
	return out
}

// checkChoices validates explicit choices against the record's fields.
func checkChoices(fields map[string][]int, sv, lv reflect.Value, choices map[string]string) error {
	fe := FieldErrors{}
	for name, choice := range choices {
		if choice != MergeSurvivor && choice != MergeLoser {
			fe.Add("fields."+name, "choose survivor or loser")
			continue
		}
		field, key, custom := strings.Cut(name, ".")
		idx, ok := fields[field]
		switch {
		case !ok:
			fe.Add("fields."+name, "not a field that can be merged")
		case custom && !hasMapKey(sv.FieldByIndex(idx), key) && !hasMapKey(lv.FieldByIndex(idx), key):
			fe.Add("fields."+name, "neither record has this custom field")
		}
	}
	return fe.Err()
}

func hasMapKey(v reflect.Value, key string) bool {
	return v.Kind() == reflect.Map && v.MapIndex(reflect.ValueOf(key)).IsValid()
}

// customChoices returns the per-key choices of map field name
// ("custom_fields.KEY": "loser" → KEY: "loser").
func customChoices(choices map[string]string, name string) map[string]string {
	out := map[string]string{}
	for k, v := range choices {
		if key, ok := strings.CutPrefix(k, name+"."); ok {
			out[key] = v
		}
	}
	return out
}

// mergeValue applies the default rules to one field.
func mergeValue(name string, s, l reflect.Value, keys map[string]string) {
	switch {
	case l.IsZero():
	case s.Kind() == reflect.Map:
		joinMaps(s, l, keys)
	case s.IsZero():
		s.Set(cloneValue(l))
	case s.Kind() == reflect.Slice:
		s.Set(joinLists(s, l))
	case s.Kind() == reflect.String && slices.Contains(mergeAppended, name) && !strings.Contains(s.String(), l.String()):
		s.SetString(s.String() + "\n\n" + l.String())
	}
}

// joinLists appends the loser's items the survivor's list lacks.
func joinLists(s, l reflect.Value) reflect.Value {
	out := cloneValue(s)
	seen := map[string]bool{}
	for i := range out.Len() {
		seen[itemKey(out.Index(i))] = true
	}
	for i := range l.Len() {
		if k := itemKey(l.Index(i)); !seen[k] {
			seen[k] = true
			out = reflect.Append(out, cloneValue(l.Index(i)))
		}
	}
	return out
}

// itemKey is what makes two list items the same: an e-mail's address, a
// phone's E.164 number, any other item's folded JSON.
func itemKey(v reflect.Value) string {
	if lab, ok := v.Interface().(Labeled); ok {
		if lab.E164 != "" {
			return lab.E164
		}
		return Fold(strings.TrimSpace(lab.Value))
	}
	b, _ := json.Marshal(v.Interface())
	return Fold(string(b))
}

// joinMaps adds the loser's keys to the survivor's map: keys chosen
// "loser" take the loser's value, keys chosen "survivor" stay as the
// survivor has them (or absent).
func joinMaps(s, l reflect.Value, choices map[string]string) {
	merged := reflect.MakeMap(s.Type())
	for _, k := range s.MapKeys() {
		merged.SetMapIndex(k, cloneValue(s.MapIndex(k)))
	}
	for _, k := range l.MapKeys() {
		switch choice := choices[k.String()]; {
		case choice == MergeLoser, choice == "" && !merged.MapIndex(k).IsValid():
			merged.SetMapIndex(k, cloneValue(l.MapIndex(k)))
		}
	}
	s.Set(merged)
}

// cloneValue deep-copies v through JSON, so the survivor shares nothing
// with the loser, whose tombstone is written after it.
func cloneValue(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type())
	b, err := json.Marshal(v.Interface())
	if err != nil || json.Unmarshal(b, out.Interface()) != nil {
		out.Elem().Set(v) // plain values (strings, numbers) copy as they are
	}
	return out.Elem()
}

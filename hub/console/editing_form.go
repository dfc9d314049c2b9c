package console

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"rapport/model"
)

// recordForm is the contact or account editor: the values shown (the
// record's, or what the user typed) and what refused or warned about them.
type recordForm struct {
	Entity, Nav string // "contact", "contacts"
	ID          string // "" while creating
	Version     int64
	// A contact's own fields.
	FirstName, MiddleName, LastName, DisplayName, Title, Birthday, Tags, Notes string
	Unsubscribed                                                               bool
	// An account's own fields.
	Name, Industry, Website string
	// Both.
	Language, OwnerID    string
	Emails, Phones, URLs []model.Labeled
	Addresses            []model.Address
	Link                 refInput // a contact's account, an account's parent
	// Seen are the likely duplicates the user was shown: saving again
	// saves anyway unless others turn up.
	Seen       []string
	Duplicates []dupHit
	Staff      []*model.User
	Errors     map[string]string // field, or list row ("emails.1") → why
	Refused    string
	Stale      bool // someone saved meanwhile: Version is theirs now
	birthday   *model.Date
	parseErrs  model.FieldErrors
	typeNames  map[string]string
}

// labelTypes are the kinds offered for each list's items (model.Labeled
// and model.Address types), the default first.
var labelTypes = map[string][]string{
	"emails":    {"work", "home", "other"},
	"phones":    {"work", "mobile", "home", "fax", "other"},
	"urls":      {"work", "home", "other"},
	"addresses": {"work", "home", "other"},
}

// typeLabels names the kinds in the user's language.
func typeLabels(v *view) map[string]string {
	return map[string]string{"work": v.T("edit.type.work"), "home": v.T("edit.type.home"), "mobile": v.T("edit.type.mobile"),
		"fax": v.T("edit.type.fax"), "other": v.T("edit.type.other")}
}

// readLabeled reads a list's rows (list_type and list_value, in order),
// leaving out empty ones as the model does, so a refused row's index is
// the row shown.
func readLabeled(v url.Values, list string) []model.Labeled {
	types := v[list+"_type"]
	var out []model.Labeled
	for i, val := range v[list+"_value"] {
		if val = strings.TrimSpace(val); val == "" {
			continue
		}
		l := model.Labeled{Value: val}
		if i < len(types) {
			l.Type = types[i]
		}
		out = append(out, l)
	}
	return out
}

// addressFields are the form fields of an address, in model.Address's order.
var addressFields = []string{"addr_type", "addr_street", "addr_postal_code", "addr_city", "addr_region", "addr_country"}

// readAddresses reads the address blocks, leaving out empty ones.
func readAddresses(v url.Values) []model.Address {
	var out []model.Address
	for i := range v["addr_type"] {
		part := func(f string) string {
			if vals := v[f]; i < len(vals) {
				return strings.TrimSpace(vals[i])
			}
			return ""
		}
		a := model.Address{Type: part("addr_type"), Street: part("addr_street"), PostalCode: part("addr_postal_code"),
			City: part("addr_city"), Region: part("addr_region"), Country: part("addr_country")}
		if a != (model.Address{Type: a.Type}) {
			out = append(out, a)
		}
	}
	return out
}

// splitIDs reads a comma-separated list of record ids.
func splitIDs(s string) []string {
	var out []string
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); model.ValidID(id) {
			out = append(out, id)
		}
	}
	return out
}

// option is a choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// inputView is a text field as the editor draws it.
type inputView struct {
	Name, Label, Value, Hint, Error string
}

// In describes the text field name with its label, value, reason and an
// optional hint.
func (f *recordForm) In(name, label, value string, hint ...string) inputView {
	in := inputView{Name: name, Label: label, Value: value, Error: f.Errors[name]}
	if len(hint) > 0 {
		in.Hint = hint[0]
	}
	return in
}

// rowView is one item of a list (an e-mail, a phone): its kind and value.
type rowView struct {
	ID, Value, Error string
	N                int // 1-based, for the label
	Types            []option
}

// rowsView is a list's rows: its items and one empty row to add another.
type rowsView struct {
	List, Label, TypeLabel, Mode string
	Rows                         []rowView
}

// Rows describes the list (emails, phones, urls) for the editor; mode is
// the inputmode of its values.
func (f *recordForm) Rows(list, label, typeLabel, mode string) rowsView {
	items := map[string][]model.Labeled{"emails": f.Emails, "phones": f.Phones, "urls": f.URLs}[list]
	out := rowsView{List: list, Label: label, TypeLabel: typeLabel, Mode: mode}
	for i, l := range append(slices.Clone(items), model.Labeled{}) {
		out.Rows = append(out.Rows, rowView{ID: list + "-" + strconv.Itoa(i), Value: l.Value, Error: f.Errors[list+"."+strconv.Itoa(i)], N: i + 1,
			Types: f.options(list, l.Type)})
	}
	return out
}

// addressView is one address block of the editor.
type addressView struct {
	model.Address
	N     int
	Types []option
}

// AddressRows describes the addresses and one empty block.
func (f *recordForm) AddressRows() []addressView {
	var out []addressView
	for i, a := range append(slices.Clone(f.Addresses), model.Address{}) {
		out = append(out, addressView{Address: a, N: i + 1, Types: f.options("addresses", a.Type)})
	}
	return out
}

// options are the kinds of list's items with current selected (kept when
// it is none of the usual ones).
func (f *recordForm) options(list, current string) []option {
	var out []option
	for _, t := range labelTypes[list] {
		out = append(out, option{Value: t, Label: f.typeNames[t], Selected: t == current})
	}
	if current != "" && !slices.Contains(labelTypes[list], current) {
		out = append(out, option{Value: current, Label: current, Selected: true})
	}
	return out
}

// Owners are the choices of the owner field: nobody, the staff, and the
// current owner when no longer among them (kept, never lost by a save).
func (f *recordForm) Owners(nobody, other string) []option {
	out := []option{{Value: "", Label: nobody, Selected: f.OwnerID == ""}}
	found := f.OwnerID == ""
	for _, u := range f.Staff {
		out = append(out, option{Value: u.ID, Label: u.Name, Selected: u.ID == f.OwnerID})
		found = found || u.ID == f.OwnerID
	}
	if !found {
		out = append(out, option{Value: f.OwnerID, Label: other, Selected: true})
	}
	return out
}

// SeenList is the hidden field of the duplicates already shown.
func (f *recordForm) SeenList() string { return strings.Join(f.Seen, ",") }

// refView is a link field as a form draws it.
type refView struct {
	refInput
	Label, Hint, Error, Choose string
}

// Ref describes the editor's link (a contact's account, an account's
// parent) with its label and hint.
func (f *recordForm) Ref(label, hint string) refView {
	return refView{refInput: f.Link, Label: label, Hint: hint, Error: f.Errors[f.Link.Field+"_id"]}
}

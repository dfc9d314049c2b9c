package lang

import (
	"fmt"
	"reflect"
	"sort"
	"sync"

	"rapport/model"
)

// Kind is the kind of a field in a Schema.
type Kind uint8

const (
	// KindAny is anything (custom fields): not checked further.
	KindAny Kind = iota
	KindText
	KindNumber
	KindBool
	KindDate
	KindTime
	KindRecord
	KindList
)

// Type is the type of a field, or of a record.
type Type struct {
	Kind Kind
	// Name is the record type ("quote") of records the schema knows by name.
	Name string
	// Fields are a KindRecord's fields by JSON name.
	Fields map[string]*Type
	// Elem is a KindList's item type.
	Elem *Type
}

// String names the type for messages.
func (t *Type) String() string {
	switch t.Kind {
	case KindText:
		return "text"
	case KindNumber:
		return "a number"
	case KindBool:
		return "true/false"
	case KindDate:
		return "a date"
	case KindTime:
		return "a time"
	case KindRecord:
		return "a record"
	case KindList:
		if t.Elem != nil && t.Elem.Kind == KindRecord {
			return "a list of records"
		}
		return "a list"
	}
	return "anything"
}

// FieldNames returns a record type's field names in order.
func (t *Type) FieldNames() []string {
	out := make([]string, 0, len(t.Fields))
	for n := range t.Fields {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Company is the installation's own details, the "company" of every
// document (letterhead, bank details). The hub fills it from its settings.
type Company struct {
	Name               string        `json:"name"`
	LegalName          string        `json:"legal_name"`
	Address            model.Address `json:"address"`
	Phone              string        `json:"phone"`
	Email              string        `json:"email"`
	Website            string        `json:"website"`
	TaxID              string        `json:"tax_id"`
	RegistrationNumber string        `json:"registration_number"`
	BankName           string        `json:"bank_name"`
	IBAN               string        `json:"iban"`
	BIC                string        `json:"bic"`
	LogoID             string        `json:"logo_id"` // attachment id of the logo image
}

// recordTypes are the record types documents are merged from, and the
// types their relations hold, by name.
var recordTypes = map[string]any{
	"contact":      model.Contact{},
	"account":      model.Account{},
	"user":         model.User{},
	"quote":        model.Quote{},
	"order":        model.Order{},
	"invoice":      model.Invoice{},
	"rma":          model.RMA{},
	"request":      model.Request{},
	"product":      model.Product{},
	"line":         model.Line{},
	"invoice_line": model.InvoiceLine{},
	"rma_line":     model.RMALine{},
	"company":      Company{},
}

// Relation is a related record (or list of records) that the merge layer
// adds to a record's data under Name.
type Relation struct {
	Name string // the key in the record's map: "account", "lines"
	Type string // the related record type
	Many bool   // a list of records
	// TopLevel relations are also top-level names of a document for the
	// record: a quote template may write {account.name} as well as
	// {quote.account.name}.
	TopLevel bool
}

// Relations are the related records of each record type, the one place that
// says what a document's data holds besides the record's own fields. The
// merge layer that builds the data and the lint that checks templates both
// follow it.
var Relations = map[string][]Relation{
	"contact": {{Name: "account", Type: "account", TopLevel: true}, {Name: "owner", Type: "user"}},
	"account": {{Name: "owner", Type: "user"}, {Name: "parent", Type: "account"}},
	"quote": {{Name: "account", Type: "account", TopLevel: true}, {Name: "contact", Type: "contact", TopLevel: true},
		{Name: "owner", Type: "user"}, {Name: "lines", Type: "line", Many: true}},
	"order": {{Name: "account", Type: "account", TopLevel: true}, {Name: "contact", Type: "contact", TopLevel: true},
		{Name: "owner", Type: "user"}, {Name: "quote", Type: "quote"}, {Name: "lines", Type: "line", Many: true}},
	"invoice": {{Name: "account", Type: "account", TopLevel: true}, {Name: "contact", Type: "contact", TopLevel: true},
		{Name: "owner", Type: "user"}, {Name: "lines", Type: "invoice_line", Many: true}},
	"rma": {{Name: "account", Type: "account", TopLevel: true}, {Name: "contact", Type: "contact", TopLevel: true},
		{Name: "owner", Type: "user"}, {Name: "request", Type: "request"}, {Name: "order", Type: "order"},
		{Name: "lines", Type: "rma_line", Many: true}},
	"request": {{Name: "account", Type: "account", TopLevel: true}, {Name: "contact", Type: "contact", TopLevel: true},
		{Name: "assignee", Type: "user"}, {Name: "product", Type: "product"}},
	"line":         {{Name: "product", Type: "product"}},
	"invoice_line": {{Name: "product", Type: "product"}},
	"rma_line":     {{Name: "product", Type: "product"}},
}

// Globals are the top-level names every document has: the installation
// ("company"), the date of the merge ("today"), and the user who merges
// ("user").
var Globals = map[string]string{"company": "company", "today": "", "user": "user"}

// Entities are the record types a document can be merged from.
var Entities = []string{"contact", "account", "quote", "order", "invoice", "rma", "request"}

// Schema knows the fields of every record type, for Lint.
type Schema struct {
	Records map[string]*Type
}

// DefaultSchema returns the schema of the model's record types (from their
// JSON tags) with Relations. It is built once.
var DefaultSchema = sync.OnceValue(func() *Schema {
	s := &Schema{Records: map[string]*Type{}}
	for name := range recordTypes {
		s.Records[name] = &Type{Kind: KindRecord, Name: name}
	}
	for name, v := range recordTypes {
		fillFields(s.Records[name], reflect.TypeOf(v))
	}
	for name, rels := range Relations {
		for _, r := range rels {
			t := s.Records[r.Type]
			if r.Many {
				t = &Type{Kind: KindList, Elem: t}
			}
			s.Records[name].Fields[r.Name] = t
		}
	}
	return s
})

// Roots returns the top-level names of a document merged from a record of
// type entity: the record, its TopLevel relations, and the Globals. For ""
// every record type's name is a root.
func (s *Schema) Roots(entity string) (map[string]*Type, error) {
	roots := map[string]*Type{}
	for name, rec := range Globals {
		roots[name] = &Type{Kind: KindDate}
		if rec != "" {
			roots[name] = s.Records[rec]
		}
	}
	if entity == "" {
		for _, e := range Entities {
			roots[e] = s.Records[e]
		}
		return roots, nil
	}
	t, ok := s.Records[entity]
	if !ok {
		return nil, fmt.Errorf("lang: no record type %q", entity)
	}
	roots[entity] = t
	for _, r := range Relations[entity] {
		if r.TopLevel {
			roots[r.Name] = t.Fields[r.Name]
		}
	}
	return roots, nil
}

// fillFields gives a record type the fields of a struct.
func fillFields(t *Type, st reflect.Type) {
	t.Fields = map[string]*Type{}
	for _, f := range jsonFields(st) {
		t.Fields[f.name] = typeOf(f.typ)
	}
}

// typeOf maps a Go type to a schema type.
func typeOf(t reflect.Type) *Type {
	switch t {
	case decimalType, plainDecimalType:
		return &Type{Kind: KindNumber}
	case dateType:
		return &Type{Kind: KindDate}
	case timeType:
		return &Type{Kind: KindTime}
	}
	if t.Kind() == reflect.Pointer {
		return typeOf(t.Elem())
	}
	if isLeaf(t) { // its own JSON form: not known here
		return &Type{Kind: KindAny}
	}
	switch t.Kind() {
	case reflect.String:
		return &Type{Kind: KindText}
	case reflect.Bool:
		return &Type{Kind: KindBool}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return &Type{Kind: KindNumber}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &Type{Kind: KindText}
		}
		return &Type{Kind: KindList, Elem: typeOf(t.Elem())}
	case reflect.Struct:
		rec := &Type{Kind: KindRecord}
		fillFields(rec, t)
		return rec
	}
	return &Type{Kind: KindAny}
}

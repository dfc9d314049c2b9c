package model

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Filter operators.
var FilterOps = []string{"eq", "ne", "lt", "lte", "gt", "gte", "in", "contains"}

// Condition is one test on a field: {"field": "owner_id", "op": "eq", "value": "..."}.
type Condition struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value any    `json:"value"`
}

// Filter is the one JSON filter form used by search, saved filters, mailing
// lists, reports and hooks: every condition in All must hold, and at least one
// in Any when Any is not empty.
type Filter struct {
	All []Condition `json:"all,omitempty"`
	Any []Condition `json:"any,omitempty"`
}

// ParseFilter decodes and checks the filter's shape (fields are checked
// against the collection by the store).
func ParseFilter(b []byte) (Filter, error) {
	var f Filter
	if !json.Valid(b) {
		return f, Errorf(EMALFORMED, "the filter is not valid JSON")
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return f, Errorf(EINVALID, "filter: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return f, f.Validate()
}

// Validate checks operators and value shapes.
func (f Filter) Validate() error {
	fe := FieldErrors{}
	check := func(group string, cs []Condition) {
		for i, c := range cs {
			name := fmt.Sprintf("%s[%d]", group, i)
			switch {
			case c.Field == "":
				fe.Add(name+".field", "required")
			case !contains(FilterOps, c.Op):
				fe.Add(name+".op", "must be one of "+strings.Join(FilterOps, ", "))
			case c.Op == "in":
				if _, ok := c.Value.([]any); !ok {
					fe.Add(name+".value", "in needs a list")
				}
			}
		}
	}
	check("all", f.All)
	check("any", f.Any)
	return fe.Err()
}

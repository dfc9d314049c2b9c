package lang

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"rapport/model"
)

// Value converts a Go value into the data tree templates read: structs
// become map[string]any keyed by their JSON names (embedded structs are
// flattened, "-" fields left out, every other field present even when
// empty), slices become []any, pointers are followed (nil stays nil).
// model.Decimal, model.Date and time.Time stay typed, so numbers format
// exactly and dates by the locale. Maps from model.ToMap (decimals and
// dates as strings, numbers as float64) are read too: money, number and
// date parse such strings, and comparisons with numbers do.
func Value(v any) any {
	if v == nil {
		return nil
	}
	return valueOf(reflect.ValueOf(v), 0)
}

// maxValueDepth bounds how deep Value follows nested values, so that a
// cycle (a map that holds itself) ends as nil instead of overflowing the
// stack.
const maxValueDepth = 32

// Map is Value for a struct or map, as the map a template reads; it returns
// an empty map for anything else.
func Map(v any) map[string]any {
	if m, ok := Value(v).(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

var (
	decimalType      = reflect.TypeFor[model.Decimal]()
	plainDecimalType = reflect.TypeFor[decimal.Decimal]()
	dateType         = reflect.TypeFor[model.Date]()
	timeType         = reflect.TypeFor[time.Time]()
	marshalerType    = reflect.TypeFor[json.Marshaler]()
)

// valueOf converts one reflected value at the given depth.
func valueOf(rv reflect.Value, depth int) any {
	if depth > maxValueDepth {
		return nil
	}
	switch rv.Type() {
	case decimalType, dateType, timeType:
		return rv.Interface()
	case plainDecimalType:
		return model.Decimal{Decimal: rv.Interface().(decimal.Decimal)}
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return valueOf(rv.Elem(), depth+1)
	}
	if isLeaf(rv.Type()) { // a type with its own JSON form
		return viaJSON(rv)
	}
	switch rv.Kind() {
	case reflect.Struct:
		return structMap(rv, depth)
	case reflect.Map:
		return mapValue(rv, depth)
	case reflect.Slice, reflect.Array:
		return sliceValue(rv, depth)
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return model.Decimal{Decimal: decimal.NewFromUint64(rv.Uint())}
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	}
	return nil
}

// viaJSON converts a value with its own JSON form through that form.
func viaJSON(rv reflect.Value) any {
	b, err := json.Marshal(rv.Interface())
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// mapValue converts a map with string keys; other maps become nil.
func mapValue(rv reflect.Value, depth int) any {
	if rv.IsNil() {
		return nil
	}
	if rv.Type().Key().Kind() != reflect.String {
		return nil
	}
	out := make(map[string]any, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		out[it.Key().String()] = valueOf(it.Value(), depth+1)
	}
	return out
}

// sliceValue converts a slice or an array to []any ([]byte to a string).
func sliceValue(rv reflect.Value, depth int) any {
	if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
		return string(rv.Bytes())
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = valueOf(rv.Index(i), depth+1)
	}
	return out
}

// jsonField is a struct field by its JSON name and its index path.
type jsonField struct {
	name  string
	index []int
	typ   reflect.Type
}

var fieldCache sync.Map // reflect.Type → []jsonField

// jsonFields lists a struct type's fields the way encoding/json names them
// (tag name or Go name; embedded structs without a tag flattened).
func jsonFields(t reflect.Type) []jsonField {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]jsonField)
	}
	var out []jsonField
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tagName, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		switch {
		case tagName == "-" || (!sf.IsExported() && !sf.Anonymous):
			continue
		case sf.Anonymous && tagName == "" && indirect(sf.Type).Kind() == reflect.Struct && !isLeaf(indirect(sf.Type)):
			for _, inner := range jsonFields(indirect(sf.Type)) {
				inner.index = append([]int{i}, inner.index...)
				out = append(out, inner)
			}
			continue
		case !sf.IsExported():
			continue
		}
		if tagName == "" {
			tagName = sf.Name
		}
		out = append(out, jsonField{name: tagName, index: []int{i}, typ: sf.Type})
	}
	fieldCache.Store(t, out)
	return out
}

// isLeaf reports whether a struct type is a value of its own (a decimal, a
// date, a time) rather than a record of fields.
func isLeaf(t reflect.Type) bool {
	switch t {
	case decimalType, plainDecimalType, dateType, timeType:
		return true
	}
	return t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType)
}

// indirect returns the type a pointer type points to.
func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// structMap converts a struct by its JSON field names.
func structMap(rv reflect.Value, depth int) map[string]any {
	fields := jsonFields(rv.Type())
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		fv, err := rv.FieldByIndexErr(f.index)
		if err != nil { // a nil embedded pointer
			out[f.name] = nil
			continue
		}
		out[f.name] = valueOf(fv, depth+1)
	}
	return out
}

// asList returns v as a list: []any, or any other slice through reflection.
func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []map[string]any:
		out := make([]any, len(x))
		for i, m := range x {
			out[i] = m
		}
		return out, true
	case nil, string:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out, _ := sliceValue(rv, 0).([]any)
	return out, out != nil
}

// listLen returns the length of a list without converting it, and
// whether v is a list.
func listLen(v any) (int, bool) {
	switch x := v.(type) {
	case []any:
		return len(x), true
	case nil, string:
		return 0, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return 0, false
	}
	return rv.Len(), true
}

// step goes one path part down from v: a map key or a list index.
func step(v any, part string) (any, map[string]any) {
	switch x := v.(type) {
	case map[string]any:
		return x[part], x
	case nil:
		return nil, nil
	}
	if !isIndex(part) {
		return nil, nil
	}
	list, ok := asList(v)
	if !ok {
		return nil, nil
	}
	i, _ := strconv.Atoi(part)
	if i >= len(list) {
		return nil, nil
	}
	return list[i], nil
}

// at follows a relative path from v.
func at(v any, parts []string) (any, map[string]any) {
	var owner map[string]any
	for _, p := range parts {
		v, owner = step(v, p)
	}
	return v, owner
}

// toDecimal returns v as a decimal: numbers always, strings when they hold
// a decimal number (the JSON form of model.Decimal).
func toDecimal(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case model.Decimal:
		return x.Decimal, true
	case decimal.Decimal:
		return x, true
	case int64:
		return decimal.NewFromInt(x), true
	case int:
		return decimal.NewFromInt(int64(x)), true
	case float64:
		return decimal.NewFromFloat(x), true
	case string:
		d, err := decimal.NewFromString(strings.TrimSpace(x))
		return d, err == nil
	}
	return decimal.Decimal{}, false
}

// isNumber reports whether v is typed as a number.
func isNumber(v any) bool {
	switch v.(type) {
	case model.Decimal, decimal.Decimal, int64, int, float64:
		return true
	}
	return false
}

// toTime returns v as a time; date reports a calendar date (no time of
// day). Strings in the JSON forms "2006-01-02" and RFC 3339 are read.
func toTime(v any) (t time.Time, date, ok bool) {
	switch x := v.(type) {
	case model.Date:
		return x.Time, true, true
	case time.Time:
		return x, false, true
	case string:
		s := strings.TrimSpace(x)
		if d, err := time.Parse(model.DateLayout, s); err == nil {
			return d, true, true
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, false, true
		}
	}
	return time.Time{}, false, false
}

// isTime reports whether v is typed as a date or a time.
func isTime(v any) bool {
	switch v.(type) {
	case model.Date, time.Time:
		return true
	}
	return false
}

// isEmpty reports whether v is nothing: nil, "", or an empty list or map.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case map[string]any:
		return len(x) == 0
	}
	if l, ok := asList(v); ok {
		return len(l) == 0
	}
	return false
}

// truthy is a condition's truth: empty values, false, zero numbers and
// zero dates are false.
func truthy(v any) bool {
	if isEmpty(v) {
		return false
	}
	switch x := v.(type) {
	case bool:
		return x
	case model.Date:
		return !x.IsZero()
	case time.Time:
		return !x.IsZero()
	}
	if isNumber(v) {
		d, _ := toDecimal(v)
		return !d.IsZero()
	}
	return true
}

// kindName names v's kind for messages.
func kindName(v any) string {
	switch v.(type) {
	case nil:
		return "empty"
	case string:
		return "text"
	case bool:
		return "true/false"
	case map[string]any:
		return "a record"
	case model.Date:
		return "a date"
	case time.Time:
		return "a time"
	}
	if isNumber(v) {
		return "a number"
	}
	if _, ok := asList(v); ok {
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// equal compares for = and !=: numbers by value, dates by instant, other
// values as they are; nil equals the empty string.
func equal(x, y any) bool {
	switch {
	case isNumber(x) || isNumber(y):
		a, ok1 := toDecimal(x)
		b, ok2 := toDecimal(y)
		return ok1 && ok2 && a.Equal(b)
	case isTime(x) || isTime(y):
		a, _, ok1 := toTime(x)
		b, _, ok2 := toTime(y)
		return ok1 && ok2 && a.Equal(b)
	case isEmpty(x) && isEmpty(y):
		return true
	}
	switch a := x.(type) {
	case string:
		b, ok := y.(string)
		return ok && a == b
	case bool:
		b, ok := y.(bool)
		return ok && a == b
	}
	return false
}

// order compares for < <= > >=: numbers, dates and times, or texts.
func order(x, y any) (int, error) {
	switch {
	case isNumber(x) || isNumber(y):
		a, ok1 := toDecimal(x)
		b, ok2 := toDecimal(y)
		if ok1 && ok2 {
			return a.Cmp(b), nil
		}
	case isTime(x) || isTime(y):
		a, _, ok1 := toTime(x)
		b, _, ok2 := toTime(y)
		if ok1 && ok2 {
			return a.Compare(b), nil
		}
	default:
		a, ok1 := x.(string)
		b, ok2 := y.(string)
		if ok1 && ok2 {
			return strings.Compare(a, b), nil
		}
	}
	return 0, fmt.Errorf("cannot compare %s with %s", kindName(x), kindName(y))
}

package lang

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"rapport/templates/locale"
)

// Formatter is a stage of a pipeline ({x | name arg ...}). Format layers may
// add their own through Config.Formatters.
type Formatter struct {
	// MinArgs and MaxArgs bound the number of arguments.
	MinArgs, MaxArgs int
	// Check, when set, checks the arguments at parse time: args holds each
	// literal argument's value (decimal.Decimal, string or bool) and nil for
	// arguments that are fields. It returns a message, or "" when fine.
	Check func(args []any) string
	// Apply formats v with the evaluated arguments.
	Apply func(c *Call, v any, args []any) (any, error)
}

// Call is what a formatter may ask about its evaluation. It is valid
// during the formatter's call only.
type Call struct {
	scope *Scope
	owner map[string]any
}

// Env returns the evaluation's environment (locale, time zone ...).
func (c *Call) Env() *Env { return &c.scope.r.env }

// Currency returns the currency money uses for the value: the "currency"
// field of the record holding the value, else of the records whose lists
// the loops around walk (a quote's lines take the quote's currency), else
// Env.Currency; "" when none names one.
func (c *Call) Currency() string {
	if cur := currencyOf(c.owner); cur != "" {
		return cur
	}
	for sc := c.scope; sc.parent != nil; sc = sc.parent {
		if cur := currencyOf(sc.owner); cur != "" {
			return cur
		}
	}
	return c.scope.r.env.Currency
}

// currencyOf returns a record's "currency" field.
func currencyOf(m map[string]any) string {
	s, _ := m["currency"].(string)
	return s
}

// rawHTML is text the template marked with | raw: the HTML renderer
// sanitises it instead of escaping it.
type rawHTML string

// Object is a value that is not text, such as an image a format layer's
// formatter returns; the output chunk carries it, with Fallback as its text.
type Object interface {
	Fallback() string
}

// builtins are the formatters every template has.
var builtins = map[string]*Formatter{
	"money":   {MaxArgs: 2, Check: checkMoneyArgs, Apply: formatMoney},
	"number":  {MaxArgs: 1, Check: checkPlaces, Apply: numberFormatter((*locale.Locale).Number)},
	"percent": {MaxArgs: 1, Check: checkPlaces, Apply: numberFormatter((*locale.Locale).Percent)},
	"date":    {MaxArgs: 1, Check: checkDateLayout, Apply: formatDate},
	"upper":   {Apply: textFormatter((*locale.Locale).Upper)},
	"lower":   {Apply: textFormatter((*locale.Locale).Lower)},
	"title":   {Apply: textFormatter((*locale.Locale).Title)},
	"trim":    {Apply: textFormatter(func(_ *locale.Locale, s string) string { return strings.TrimSpace(s) })},
	"default": {MinArgs: 1, MaxArgs: 1, Apply: formatDefault},
	"join":    {MaxArgs: 1, Check: checkString("join's separator"), Apply: formatJoin},
	"raw":     {Apply: formatRaw},
}

// sortedKeys returns a set's keys in order.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// places reads an optional number-of-places argument; -1 when absent.
func places(args []any, i int) (int, error) {
	if i >= len(args) || args[i] == nil {
		return -1, nil
	}
	d, ok := toDecimal(args[i])
	if !ok || !d.IsInteger() || d.IsNegative() || d.GreaterThan(decimal.NewFromInt(locale.MaxPlaces)) {
		return 0, fmt.Errorf("the number of decimal places must be a whole number from 0 to %d", locale.MaxPlaces)
	}
	return int(d.IntPart()), nil
}

// checkPlaces checks a literal places argument.
func checkPlaces(args []any) string {
	if _, err := places(args, 0); err != nil && len(args) > 0 && args[0] != nil {
		return err.Error()
	}
	return ""
}

// checkMoneyArgs checks money's literal arguments: a currency code and
// places, in either order.
func checkMoneyArgs(args []any) string {
	for i, a := range args {
		switch a := a.(type) {
		case string:
			if _, err := locale.Default().Money(decimal.Zero, a, -1); err != nil {
				return err.Error()
			}
		case decimal.Decimal:
			if _, err := places(args, i); err != nil {
				return err.Error()
			}
		case bool:
			return "takes a currency code and a number of decimal places"
		}
	}
	return ""
}

// checkDateLayout checks a literal date layout.
func checkDateLayout(args []any) string {
	if len(args) == 0 || args[0] == nil {
		return ""
	}
	s, ok := args[0].(string)
	if !ok {
		return `the layout must be a string such as "2 January 2006" or "long"`
	}
	if !locale.IsStyle(s) && !isLayout(s) {
		return fmt.Sprintf(`%q has no date elements; use short, medium, long, full, datetime, time, or a layout such as "2 January 2006"`, s)
	}
	return ""
}

// checkString returns a check that a literal argument is a string.
func checkString(what string) func([]any) string {
	return func(args []any) string {
		if len(args) > 0 && args[0] != nil {
			if _, ok := args[0].(string); !ok {
				return what + " must be a string"
			}
		}
		return ""
	}
}

// number reads a formatter's input as a number; ok is false for empty.
func number(v any) (decimal.Decimal, bool, error) {
	if isEmpty(v) {
		return decimal.Decimal{}, false, nil
	}
	d, ok := toDecimal(v)
	if !ok {
		return d, false, fmt.Errorf("%s is not a number", quoteValue(v))
	}
	return d, true, nil
}

// quoteValue shows a value in a message, shortened.
func quoteValue(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	if _, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// formatMoney: {x | money}, {x | money "EUR"}, {x | money 4}.
func formatMoney(c *Call, v any, args []any) (any, error) {
	d, ok, err := number(v)
	if !ok {
		return "", err
	}
	cur, p := "", -1
	for i, a := range args {
		switch a := a.(type) {
		case string:
			cur = a
		case nil:
		default:
			if p, err = places(args, i); err != nil {
				return nil, err
			}
		}
	}
	if cur == "" {
		cur = c.Currency()
	}
	if cur == "" {
		return nil, errors.New(`no currency: the record has no currency field; write money "EUR"`)
	}
	return c.Env().Locale.Money(d, cur, p)
}

// numberFormatter makes number ({x | number 2}) and percent ({x | percent}
// of a value in percent units: 19 → 19%), which take the decimal places.
func numberFormatter(f func(*locale.Locale, decimal.Decimal, int) string) func(*Call, any, []any) (any, error) {
	return func(c *Call, v any, args []any) (any, error) {
		d, ok, err := number(v)
		if !ok {
			return "", err
		}
		p, err := places(args, 0)
		if err != nil {
			return nil, err
		}
		return f(c.Env().Locale, d, p), nil
	}
}

// formatDate: {x | date}, {x | date "short"}, {x | date "2 January 2006"}.
func formatDate(c *Call, v any, args []any) (any, error) {
	if isEmpty(v) {
		return "", nil
	}
	t, isDate, ok := toTime(v)
	if !ok {
		return nil, fmt.Errorf("%s is not a date", quoteValue(v))
	}
	layout := ""
	if len(args) > 0 && args[0] != nil {
		s, ok := args[0].(string)
		if !ok || (!locale.IsStyle(s) && !isLayout(s)) {
			return nil, fmt.Errorf("%s is not a date layout", quoteValue(args[0]))
		}
		layout = s
	}
	if !isDate {
		t = t.In(c.Env().Location)
	}
	return c.Env().Locale.Date(t, layout), nil
}

// refTime is a moment that prints differently from every layout element.
var refTime = time.Date(2001, 3, 4, 5, 6, 7, 0, time.UTC)

// isLayout reports whether s has at least one element of a Go time layout.
func isLayout(s string) bool { return refTime.Format(s) != s }

// textFormatter makes a formatter that changes a value's text.
func textFormatter(f func(*locale.Locale, string) string) func(*Call, any, []any) (any, error) {
	return func(c *Call, v any, _ []any) (any, error) {
		s, err := display(v, c.Env())
		if err != nil {
			return nil, err
		}
		return f(c.Env().Locale, s), nil
	}
}

// formatDefault: {x | default "—"} gives the argument when x is empty.
func formatDefault(_ *Call, v any, args []any) (any, error) {
	if isEmpty(v) {
		return args[0], nil
	}
	return v, nil
}

// formatJoin: {contact.tags | join ", "}.
func formatJoin(c *Call, v any, args []any) (any, error) {
	if isEmpty(v) {
		return "", nil
	}
	list, ok := asList(v)
	if !ok {
		list = []any{v}
	}
	sep := ", "
	if len(args) > 0 {
		sep, _ = args[0].(string)
	}
	parts := make([]string, len(list))
	for i, item := range list {
		s, err := display(item, c.Env())
		if err != nil {
			return nil, err
		}
		parts[i] = s
	}
	return strings.Join(parts, sep), nil
}

// formatRaw: {x | raw} marks text as HTML for the HTML renderer, which
// sanitises it; other renderers write it as text.
func formatRaw(c *Call, v any, _ []any) (any, error) {
	s, err := display(v, c.Env())
	return rawHTML(s), err
}

package dav

import (
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-vcard"

	"rapport/model"
	"rapport/model/icalmap"
)

// textMatch is a CALDAV or CARDDAV text-match.
type textMatch struct {
	text      string
	collation string // i;ascii-casemap, i;unicode-casemap or i;octet
	matchType string // equals, contains, starts-with, ends-with
	negate    bool
}

func parseTextMatch(n *node, defaultCollation string) (*textMatch, error) {
	if n == nil {
		return nil, nil
	}
	t := &textMatch{text: n.Text, collation: n.attr("collation"), matchType: n.attr("match-type"),
		negate: n.attr("negate-condition") == "yes"}
	if t.collation == "" {
		t.collation = defaultCollation
	}
	if t.matchType == "" {
		t.matchType = "contains"
	}
	switch t.collation {
	case "i;ascii-casemap", "i;unicode-casemap", "i;octet":
	default:
		return nil, precondition(403, nsCard, "supported-collation", "unsupported collation "+t.collation)
	}
	switch t.matchType {
	case "equals", "contains", "starts-with", "ends-with":
	default:
		return nil, precondition(403, nsCard, "supported-filter", "unsupported match-type "+t.matchType)
	}
	return t, nil
}

// fold applies the collation to s.
func (t *textMatch) fold(s string) string {
	switch t.collation {
	case "i;octet":
		return s
	case "i;ascii-casemap":
		return asciiLower(s)
	}
	return model.Fold(s)
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// match tests one value.
func (t *textMatch) match(value string) bool {
	v, want := t.fold(value), t.fold(t.text)
	var ok bool
	switch t.matchType {
	case "equals":
		ok = v == want
	case "starts-with":
		ok = strings.HasPrefix(v, want)
	case "ends-with":
		ok = strings.HasSuffix(v, want)
	default:
		ok = strings.Contains(v, want)
	}
	return ok != t.negate
}

// cardFilter is an addressbook-query filter (RFC 6352 10.5).
type cardFilter struct {
	allOf bool
	props []cardPropFilter
}

type cardPropFilter struct {
	name       string
	allOf      bool
	notDefined bool
	texts      []*textMatch
	params     []paramFilter
}

type paramFilter struct {
	name       string
	notDefined bool
	text       *textMatch
}

func parseCardFilter(n *node) (cardFilter, error) {
	f := cardFilter{allOf: n != nil && n.attr("test") == "allof"}
	for _, pf := range n.childrenOrNil() {
		if pf.Name != xmlName(nsCard, "prop-filter") {
			continue
		}
		p := cardPropFilter{name: strings.ToUpper(pf.attr("name")), allOf: pf.attr("test") == "allof",
			notDefined: pf.child(nsCard, "is-not-defined") != nil}
		for _, c := range pf.Children {
			switch c.Name {
			case xmlName(nsCard, "text-match"):
				t, err := parseTextMatch(c, "i;unicode-casemap")
				if err != nil {
					return f, err
				}
				p.texts = append(p.texts, t)
			case xmlName(nsCard, "param-filter"):
				pm, err := parseParamFilter(c, nsCard, "i;unicode-casemap")
				if err != nil {
					return f, err
				}
				p.params = append(p.params, pm)
			}
		}
		f.props = append(f.props, p)
	}
	return f, nil
}

func parseParamFilter(n *node, ns, collation string) (paramFilter, error) {
	t, err := parseTextMatch(n.child(ns, "text-match"), collation)
	return paramFilter{name: strings.ToUpper(n.attr("name")), notDefined: n.child(ns, "is-not-defined") != nil, text: t}, err
}

// matchCard applies the filter; an empty filter matches every card.
func (f cardFilter) matchCard(card vcard.Card) bool {
	if len(f.props) == 0 {
		return true
	}
	for _, p := range f.props {
		ok := p.match(card[p.name])
		if ok && !f.allOf {
			return true
		}
		if !ok && f.allOf {
			return false
		}
	}
	return f.allOf
}

func (p cardPropFilter) match(fields []*vcard.Field) bool {
	if p.notDefined {
		return len(fields) == 0
	}
	if len(fields) == 0 {
		return false
	}
	tests := len(p.texts) + len(p.params)
	if tests == 0 {
		return true
	}
	passed := 0
	for _, t := range p.texts {
		if anyField(fields, func(f *vcard.Field) bool { return t.match(f.Value) }) {
			passed++
		}
	}
	for _, pm := range p.params {
		if anyField(fields, func(f *vcard.Field) bool { return pm.match(f.Params[pm.name]) }) {
			passed++
		}
	}
	if p.allOf {
		return passed == tests
	}
	return passed > 0
}

func anyField(fields []*vcard.Field, ok func(*vcard.Field) bool) bool {
	for _, f := range fields {
		if ok(f) {
			return true
		}
	}
	return false
}

func (pm paramFilter) match(values []string) bool {
	if pm.notDefined {
		return len(values) == 0
	}
	if len(values) == 0 {
		return false
	}
	if pm.text == nil {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if pm.text.match(part) {
				return true
			}
		}
	}
	return false
}

// calFilter is a calendar-query comp-filter (RFC 4791 9.7).
type calFilter struct {
	name       string
	notDefined bool
	start, end time.Time
	hasRange   bool
	comps      []calFilter
	props      []calPropFilter
}

type calPropFilter struct {
	name       string
	notDefined bool
	start, end time.Time
	hasRange   bool
	text       *textMatch
	params     []paramFilter
}

func parseCalFilter(n *node) (calFilter, error) {
	f := calFilter{name: strings.ToUpper(n.attr("name")), notDefined: n.child(nsCal, "is-not-defined") != nil}
	for _, c := range n.Children {
		switch c.Name {
		case xmlName(nsCal, "time-range"):
			start, end, err := timeRange(c)
			if err != nil {
				return f, err
			}
			f.start, f.end, f.hasRange = start, end, true
		case xmlName(nsCal, "comp-filter"):
			sub, err := parseCalFilter(c)
			if err != nil {
				return f, err
			}
			f.comps = append(f.comps, sub)
		case xmlName(nsCal, "prop-filter"):
			p, err := parseCalPropFilter(c)
			if err != nil {
				return f, err
			}
			f.props = append(f.props, p)
		}
	}
	return f, nil
}

func parseCalPropFilter(n *node) (calPropFilter, error) {
	p := calPropFilter{name: strings.ToUpper(n.attr("name")), notDefined: n.child(nsCal, "is-not-defined") != nil}
	var err error
	if tr := n.child(nsCal, "time-range"); tr != nil {
		if p.start, p.end, err = timeRange(tr); err != nil {
			return p, err
		}
		p.hasRange = true
	}
	if p.text, err = parseTextMatch(n.child(nsCal, "text-match"), "i;ascii-casemap"); err != nil {
		return p, err
	}
	for _, c := range n.Children {
		if c.Name == xmlName(nsCal, "param-filter") {
			pm, err := parseParamFilter(c, nsCal, "i;ascii-casemap")
			if err != nil {
				return p, err
			}
			p.params = append(p.params, pm)
		}
	}
	return p, nil
}

// matchCalendar applies the VCALENDAR filter to one object.
func (f calFilter) matchCalendar(cal *ical.Calendar) bool {
	if f.name != "VCALENDAR" {
		return false
	}
	for _, sub := range f.comps {
		if !sub.matchIn(cal, cal.Component) {
			return false
		}
	}
	return true
}

// matchIn tests the filter against parent's children of its name.
func (f calFilter) matchIn(cal *ical.Calendar, parent *ical.Component) bool {
	var found []*ical.Component
	for _, c := range parent.Children {
		if c.Name == f.name {
			found = append(found, c)
		}
	}
	if f.notDefined {
		return len(found) == 0
	}
	if len(found) == 0 {
		return false
	}
	if f.hasRange && parent == cal.Component && !icalmap.Overlaps(cal, f.start, f.end) {
		return false
	}
	for _, c := range found {
		if f.matchComponent(cal, c) {
			return true
		}
	}
	return false
}

func (f calFilter) matchComponent(cal *ical.Calendar, c *ical.Component) bool {
	for _, p := range f.props {
		if !p.match(c) {
			return false
		}
	}
	for _, sub := range f.comps {
		if !sub.matchIn(cal, c) {
			return false
		}
	}
	return true
}

func (p calPropFilter) match(c *ical.Component) bool {
	props := c.Props.Values(p.name)
	if p.notDefined {
		return len(props) == 0
	}
	for i := range props {
		if p.matchProp(&props[i]) {
			return true
		}
	}
	return false
}

func (p calPropFilter) matchProp(prop *ical.Prop) bool {
	if p.hasRange {
		t, err := prop.DateTime(time.UTC)
		if err != nil || t.Before(p.start) || (!p.end.IsZero() && !t.Before(p.end)) {
			return false
		}
	}
	if p.text != nil && !p.text.match(prop.Value) {
		return false
	}
	for _, pm := range p.params {
		if !pm.match(prop.Params.Values(pm.name)) {
			return false
		}
	}
	return true
}

// limitOf reads a CARDDAV or DAV limit/nresults; 0 means none.
func limitOf(n *node, ns string) int {
	l := n.child(ns, "limit").child(ns, "nresults")
	if l == nil {
		return 0
	}
	v, err := strconv.Atoi(strings.TrimSpace(l.Text))
	if err != nil || v < 0 {
		return 0
	}
	return v
}

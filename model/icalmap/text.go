package icalmap

import (
	"sort"
	"strings"

	"github.com/emersion/go-ical"
)

// escapeText escapes a TEXT value (RFC 5545 3.3.11); CRs are dropped so a
// CRM value never yields a line go-ical refuses to write.
func escapeText(s string) string {
	if !strings.ContainsAny(s, "\\;,\n\r") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', ';', ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// splitText unescapes a TEXT value into its comma-separated items; a
// lone backslash stays as it is, as clients write it.
func splitText(v string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && i+1 < len(v):
			i++
			switch n := v[i]; n {
			case 'n', 'N':
				b.WriteByte('\n')
			case '\\', ';', ',', ':', '"':
				b.WriteByte(n)
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		case c == ',':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(out, b.String())
}

// unescapeText reads a single TEXT value; unescaped commas, which some
// clients write in SUMMARY, stay commas.
func unescapeText(v string) string { return strings.Join(splitText(v), ",") }

func textProp(name, v string) *ical.Prop {
	p := ical.NewProp(name)
	p.Value = escapeText(v)
	return p
}

// propLine renders a property as go-ical writes it (sorted parameters,
// quoted where needed), for comparing properties.
func propLine(p *ical.Prop) string {
	var b strings.Builder
	b.WriteString(p.Name)
	names := make([]string, 0, len(p.Params))
	for k := range p.Params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString(";" + k + "=")
		for i, v := range p.Params[k] {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(v, ";:,") {
				b.WriteString(`"` + v + `"`)
			} else {
				b.WriteString(v)
			}
		}
	}
	b.WriteString(":" + p.Value)
	return b.String()
}

// propsLines renders a list of properties as sorted lines.
func propsLines(ps []ical.Prop) []string {
	out := make([]string, len(ps))
	for i := range ps {
		out[i] = propLine(&ps[i])
	}
	sort.Strings(out)
	return out
}

func sameLines(a, b []ical.Prop) bool {
	if len(a) != len(b) {
		return false
	}
	la, lb := propsLines(a), propsLines(b)
	for i := range la {
		if la[i] != lb[i] {
			return false
		}
	}
	return true
}

// componentText renders a component's lines, children included.
func componentText(c *ical.Component) string {
	var b strings.Builder
	b.WriteString("BEGIN:" + c.Name + "\n")
	names := make([]string, 0, len(c.Props))
	for k := range c.Props {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for i := range c.Props[k] {
			b.WriteString(propLine(&c.Props[k][i]) + "\n")
		}
	}
	for _, ch := range c.Children {
		b.WriteString(componentText(ch))
	}
	b.WriteString("END:" + c.Name + "\n")
	return b.String()
}

// mailtoAddress returns the lower-cased e-mail of a mailto: URI.
func mailtoAddress(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if len(v) < 7 || !strings.EqualFold(v[:7], "mailto:") {
		return "", false
	}
	email := strings.ToLower(strings.TrimSpace(v[7:]))
	return email, email != ""
}

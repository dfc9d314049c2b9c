package mailmsg

import (
	"mime"
	"net/mail"
	"strings"
	"unicode/utf8"

	message "github.com/emersion/go-message"
)

// maxAddresses bounds the addresses read from one field.
const maxAddresses = 1000

// addresses reads an address list: strictly with net/mail when it can
// (quoted pairs, comments, groups), else leniently, as mail programs
// display what broken mailers wrote ("tim@a.example concierge@a.example",
// "Mikel@Lindsaar <x@y>", raw 8-bit names, unknown charsets). Entries without
// a usable address are left out.
func (p *parser) addresses(v string) []Address {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	var out []Address
	if list, ok := strictAddresses(v); ok {
		for _, a := range list {
			out = appendAddress(out, a.Name, a.Address, p.hint)
		}
	} else {
		for _, piece := range splitAddressList(v) {
			for _, a := range lenientAddress(piece) {
				out = appendAddress(out, a[0], a[1], p.hint)
			}
		}
	}
	if len(out) > maxAddresses {
		out = out[:maxAddresses]
	}
	return out
}

func strictAddresses(v string) ([]*mail.Address, bool) {
	if !utf8.ValidString(v) {
		return nil, false
	}
	parser := mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: message.CharsetReader}}
	list, err := parser.ParseList(v)
	return list, err == nil
}

// appendAddress normalises one entry and appends it when its address is usable.
func appendAddress(out []Address, name, addr, hint string) []Address {
	email := normEmail(addr)
	if email == "" {
		return out
	}
	name = collapseSpace(decodeWords(strings.Trim(strings.TrimSpace(name), `"'`), hint))
	if strings.EqualFold(name, email) {
		name = ""
	}
	return append(out, Address{Name: name, Email: email})
}

// normEmail trims, drops a mailto: prefix, a source route and stray brackets
// and quotes, and lower-cases; "" when the result does not look like
// local@domain.
func normEmail(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "mailto:"), "MAILTO:")
	s = strings.Trim(s, "<>'` \t")
	if strings.HasPrefix(s, "@") { // obsolete source route: @relay:user@host
		if _, after, ok := strings.Cut(s, ":"); ok {
			s = after
		}
	}
	s = strings.TrimRight(s, ".")
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || len(s) > 320 || strings.ContainsAny(s, " \t\r\n<>,;") || !utf8.ValidString(s) {
		return ""
	}
	return strings.ToLower(s)
}

// splitAddressList splits on commas and semicolons outside quotes, angle
// brackets and comments, and drops group names ("Undisclosed recipients:").
func splitAddressList(v string) []string {
	var pieces []string
	var cur strings.Builder
	quoted, angle, comment := false, 0, 0
	for i := 0; i < len(v) && len(pieces) < maxAddresses; i++ {
		c := v[i]
		switch {
		case c == '\\' && quoted && i+1 < len(v):
			cur.WriteByte(c)
			i++
			c = v[i]
		case c == '"' && comment == 0:
			quoted = !quoted
		case quoted:
		case c == '(':
			comment++
		case c == ')' && comment > 0:
			comment--
		case comment > 0:
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case angle == 0 && (c == ',' || c == ';'):
			pieces = append(pieces, cur.String())
			cur.Reset()
			continue
		case angle == 0 && c == ':' && !strings.ContainsAny(cur.String(), "@<"):
			cur.Reset() // a group name
			continue
		}
		cur.WriteByte(c)
	}
	return append(pieces, cur.String())
}

// lenientAddress reads one list entry as name/address pairs: the address in
// angle brackets with the text before it as the name, or every word with an
// @ (with a comment as the name).
func lenientAddress(piece string) [][2]string {
	if i := strings.LastIndexByte(piece, '<'); i >= 0 {
		if j := strings.IndexByte(piece[i:], '>'); j > 0 {
			return [][2]string{{stripComments(piece[:i]), stripComments(piece[i+1 : i+j])}}
		}
	}
	name := ""
	if i := strings.IndexByte(piece, '('); i >= 0 {
		if j := strings.IndexByte(piece[i:], ')'); j > 0 {
			name = piece[i+1 : i+j]
		}
	}
	var out [][2]string
	for _, w := range strings.Fields(stripComments(piece)) {
		if strings.Contains(w, "@") {
			out = append(out, [2]string{name, w})
		}
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && depth > 0:
			i++
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

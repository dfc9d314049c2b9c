package contactfile

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"

	"rapport/model"
)

// toUTF8 decodes text in the named charset. With none named, valid UTF-8 is
// kept and anything else is read as windows-1251, which is what Excel and
// Outlook write on Russian Windows.
func toUTF8(b []byte, charset string) (string, error) {
	if charset == "" {
		if utf8.Valid(b) {
			return string(b), nil
		}
		out, err := charmap.Windows1251.NewDecoder().Bytes(b)
		return string(out), err
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return "", fmt.Errorf("unknown CHARSET %q", charset)
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return "", fmt.Errorf("text is not valid %s", charset)
	}
	return string(out), nil
}

// newlines turns CRLF and lone CR into LF. Readers apply it to every value:
// neither format can write a lone CR back (vCard has no escape for it, CSV
// writers drop it), and one spelling keeps round trips exact.
var newlines = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// syntax says which separators split does not cut at.
type syntax int

const (
	escaped syntax = iota // vCard values: a backslash protects the next byte
	quoted                // vCard parameters: nothing inside double quotes counts
)

// cut splits s at the first sep that is not protected under syn.
func cut(s string, sep byte, syn syntax) (before, after string, found bool) {
	inQuotes := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case syn == quoted && c == '"':
			inQuotes = !inQuotes
		case syn == escaped && c == '\\':
			i++
		case c == sep && !inQuotes:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// split cuts s at every unprotected sep.
func split(s string, sep byte, syn syntax) []string {
	var out []string
	for {
		before, after, found := cut(s, sep, syn)
		out = append(out, before)
		if !found {
			return out
		}
		s = after
	}
}

// unescape resolves vCard backslash escapes. vCard 2.1 escapes only ";"
// (newlines travel quoted-printable), so its other backslashes are text;
// 3.0 and 4.0 also escape "\\", "," and newlines. Unknown escapes are kept.
func unescape(s string, v21 bool) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch next := s[i+1]; {
		case next == ';', !v21 && (next == '\\' || next == ',' || next == ':'):
			b.WriteByte(next)
		case !v21 && (next == 'n' || next == 'N'):
			b.WriteByte('\n')
		default:
			b.WriteByte('\\')
			continue
		}
		i++
	}
	return b.String()
}

// escaper escapes text for vCard 4.0: every separator any property uses, and
// newlines (CR, LF and CRLF all become one "\n").
var escaper = strings.NewReplacer(`\`, `\\`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`, ",", `\,`, ";", `\;`)

// escapeJoin escapes each part and joins them with sep: ";" for the
// components of N and ADR, "," for CATEGORIES.
func escapeJoin(sep string, parts ...string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = escaper.Replace(p)
	}
	return strings.Join(out, sep)
}

// dateLayouts are the birthday spellings read: ISO, vCard basic, and what
// Excel writes in Russian and US locales.
var dateLayouts = []string{"2006-01-02", "20060102", "2.1.2006", "1/2/2006"}

// parseDate reads a birthday. No date, a year-less one (vCard "--MMDD") and
// Outlook's "0/0/00" are no birthday rather than an error.
func parseDate(s string) (*model.Date, error) {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "T") // a date-time keeps its date
	if strings.HasPrefix(s, "--") || strings.Trim(s, "0/.-") == "" {
		return nil, nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return &model.Date{Time: t}, nil
		}
	}
	return nil, errors.New("not a date (write YYYY-MM-DD)")
}

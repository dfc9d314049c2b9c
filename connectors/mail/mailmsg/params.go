package mailmsg

import (
	"sort"
	"strconv"
	"strings"
)

// maxParams bounds the parameters read from one field.
const maxParams = 64

// parseValue reads a field with parameters (Content-Type, Content-Disposition)
// the lenient way: the value lower-cased, parameter names lower-cased, quoted
// strings unescaped, RFC 2231 continuations and charsets joined and decoded
// (any charset, not only UTF-8 as mime.ParseMediaType), RFC 2047 words in
// values decoded as mailers write them, and junk skipped rather than failing
// the whole field.
func parseValue(field, hint string) (string, map[string]string) {
	value, rest, _ := strings.Cut(field, ";")
	value = strings.ToLower(strings.TrimSpace(value))
	raw := rawParams(rest)
	params := make(map[string]string, len(raw))
	ext := map[string][]extPiece{}
	for _, kv := range raw {
		name, sect, isExt := splitParamName(kv[0])
		if sect < 0 && !isExt {
			if _, dup := params[name]; !dup {
				params[name] = decodeWords(kv[1], hint)
			}
			continue
		}
		ext[name] = append(ext[name], extPiece{max(sect, 0), isExt, kv[1]})
	}
	for name, pieces := range ext {
		params[name] = joinExtended(pieces, hint) // the RFC 2231 form wins over a plain twin
	}
	return value, params
}

// rawParams splits "; a=1; b="x;y"" into name/value pairs.
func rawParams(s string) [][2]string {
	var out [][2]string
	for len(s) > 0 && len(out) < maxParams {
		s = strings.TrimLeft(s, " \t\r\n;")
		eq := strings.IndexAny(s, "=;")
		if eq < 0 {
			break
		}
		if s[eq] == ';' {
			s = s[eq:] // a name without a value
			continue
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t\r\n")
		var val string
		val, s = paramValue(s)
		if name != "" {
			out = append(out, [2]string{name, val})
		}
	}
	return out
}

// paramValue reads a quoted string or a token up to the next semicolon.
func paramValue(s string) (val, rest string) {
	if !strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s, ';')
		if end < 0 {
			end = len(s)
		}
		return strings.Trim(strings.TrimSpace(s[:end]), `\"`), s[end:]
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		case '\r', '\n':
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), "" // unterminated: keep what there is
}

// splitParamName splits "name*2*" into name, section 2, extended; a name
// without a section has section -1.
func splitParamName(n string) (name string, section int, extended bool) {
	extended = strings.HasSuffix(n, "*")
	n = strings.TrimSuffix(n, "*")
	base, num, found := strings.Cut(n, "*")
	if !found {
		return n, -1, extended
	}
	i, err := strconv.Atoi(num)
	if err != nil || i < 0 || i >= maxParams {
		return base, maxParams, extended
	}
	return base, i, extended
}

type extPiece struct {
	section  int
	extended bool // percent-encoded, the first one with charset'language'
	value    string
}

// joinExtended assembles RFC 2231 sections in order and decodes them.
func joinExtended(pieces []extPiece, hint string) string {
	sort.SliceStable(pieces, func(i, j int) bool { return pieces[i].section < pieces[j].section })
	charset := ""
	var buf []byte
	for i, p := range pieces {
		v := p.value
		if p.extended {
			if i == 0 {
				if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
					charset, v = parts[0], parts[2]
				}
			}
			buf = append(buf, percentDecode(v)...)
		} else {
			buf = append(buf, v...)
		}
	}
	if charset == "" {
		return decodeWords(string(buf), hint)
	}
	return toUTF8(charset, buf)
}

func percentDecode(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return b
}

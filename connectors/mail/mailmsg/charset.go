package mailmsg

import (
	"bytes"
	"encoding/base64"
	"io"
	"strings"
	"unicode/utf8"

	message "github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // KOI8-R, windows-1251, ISO-2022-JP, GB18030 … for message.CharsetReader
	"golang.org/x/text/encoding/charmap"
)

// fallbackCharset reads undeclared 8-bit text that is not UTF-8: the
// superset of Latin-1 that mail programs have always assumed.
const fallbackCharset = "windows-1252"

// charsetAliases are labels seen in mail that the IANA and WHATWG tables
// do not know.
var charsetAliases = map[string]string{
	"utf8":           "utf-8",
	"unicode-1-1":    "utf-8",
	"x-unknown":      "",
	"unknown-8bit":   "",
	"x-user-defined": "",
	"cp1250":         "windows-1250",
	"cp1251":         "windows-1251",
	"cp1252":         "windows-1252",
	"win-1251":       "windows-1251",
	"x-cp1251":       "windows-1251",
	"cp866":          "ibm866",
	"cp932":          "shift_jis",
	"x-sjis":         "shift_jis",
	"sjis":           "shift_jis",
	"shift-jis":      "shift_jis",
	"x-euc-jp":       "euc-jp",
	"ks_c_5601":      "euc-kr",
	"gb2312-80":      "gb2312",
}

// normCharset lower-cases a charset label and resolves the aliases above;
// "" means unknown or none.
func normCharset(label string) string {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if alias, ok := charsetAliases[label]; ok {
		return alias
	}
	if label == "us-ascii" || label == "ascii" || label == "ansi_x3.4-1968" {
		return "utf-8" // its superset: 8-bit bytes in "ASCII" text are nearly always UTF-8 or undeclared
	}
	return label
}

// toUTF8 converts b from charset (a label, possibly empty or unknown) to
// valid UTF-8. Bytes that are already valid UTF-8 under an undeclared or
// ASCII label stay as they are; anything unreadable falls back to
// windows-1252, so the result is always valid UTF-8.
func toUTF8(charset string, b []byte) string {
	s, _ := convert(charset, b)
	return s
}

// convert is toUTF8 that also reports whether the text was read as
// declared (false: the fallback was needed).
func convert(charset string, b []byte) (string, bool) {
	cs := normCharset(charset)
	if cs == "" || cs == "utf-8" {
		if utf8.Valid(b) {
			return string(b), true
		}
		return fromFallback(b), false
	}
	if isASCII(b) && asciiCompatible(cs) {
		return string(b), true
	}
	if message.CharsetReader == nil {
		return fromFallback(b), false
	}
	r, err := message.CharsetReader(cs, bytes.NewReader(b))
	if err != nil {
		return fromFallback(b), false
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return fromFallback(b), false
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), true
}

// asciiCompatible reports whether ASCII bytes mean ASCII in charset cs;
// the 7-bit ISO-2022 and UTF-7/16/32 encodings are the exceptions.
func asciiCompatible(cs string) bool {
	return !strings.HasPrefix(cs, "iso-2022") && !strings.HasPrefix(cs, "utf-7") &&
		!strings.HasPrefix(cs, "utf-16") && !strings.HasPrefix(cs, "utf-32") && cs != "hz-gb-2312"
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func fromFallback(b []byte) string {
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// decodeBase64Lenient decodes base64 ignoring whitespace, missing or wrong
// padding and anything after the first invalid byte.
func decodeBase64Lenient(s string) []byte {
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			break
		}
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out, err := base64.RawStdEncoding.DecodeString(string(clean))
	if err != nil {
		return nil
	}
	return out
}

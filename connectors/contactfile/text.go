package contactfile

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"rapport/model"
)

// decodeText reads a file's bytes as text: valid UTF-8 as it is, anything
// else as windows-1251, which is what Excel writes on Russian Windows.
func decodeText(b []byte) (string, error) {
	if utf8.Valid(b) {
		return string(b), nil
	}
	out, err := charmap.Windows1251.NewDecoder().Bytes(b)
	return string(out), err
}

// newlines turns CRLF and lone CR into LF. The CSV reader applies it to
// every value: writers drop a lone CR, and one spelling keeps round trips
// exact.
var newlines = strings.NewReplacer("\r\n", "\n", "\r", "\n")

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

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

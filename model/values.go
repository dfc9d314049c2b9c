package model

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Labeled is a typed value such as an e-mail address or phone number:
// {"type": "work", "value": "..."}. Phones also carry their E.164 form,
// computed by Normalize and used for matching.
type Labeled struct {
	Type  string `json:"type"`
	Value string `json:"value"`
	E164  string `json:"e164,omitempty"`
}

// Address is a postal address.
type Address struct {
	Type       string `json:"type"`
	Street     string `json:"street"`
	City       string `json:"city"`
	Region     string `json:"region"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// Date is a calendar date without a time zone, written YYYY-MM-DD.
type Date struct{ time.Time }

// DateLayout is the JSON and storage layout of Date.
const DateLayout = "2006-01-02"

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("date must be YYYY-MM-DD")
	}
	return Date{t}, nil
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return d.Format(DateLayout) }

// MarshalJSON writes "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "YYYY-MM-DD".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date must be a string YYYY-MM-DD")
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Value stores the date as text so both engines compare it the same way.
func (d Date) Value() (driver.Value, error) { return d.String(), nil }

// Scan reads a date stored as text or time.
func (d *Date) Scan(v any) error {
	switch x := v.(type) {
	case string:
		p, err := ParseDate(x[:min(len(x), 10)])
		*d = p
		return err
	case []byte:
		return d.Scan(string(x))
	case time.Time:
		*d = Date{time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC)}
		return nil
	}
	return fmt.Errorf("model: cannot scan %T into Date", v)
}

// ValidTimeZone reports whether name is an IANA zone ("Europe/Moscow",
// "UTC"); Go's special "Local" means the server's zone and is refused.
func ValidTimeZone(name string) bool {
	if name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// Fold case-folds s for matching and sorting in any script (SQLite's lower()
// is ASCII-only, so folded copies are stored).
func Fold(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// ValidEmail reports whether s is a bare e-mail address.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@") && !strings.ContainsAny(s, " <>")
}

// ValidURL reports whether s is an absolute http(s) URL.
func ValidURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// DefaultRegion is the region assumed for phone numbers written without a
// country code. The installation may change it at start-up.
var DefaultRegion = "US"

// phoneCache remembers recent normalisations: parsing is regexp-heavy and an
// import normalises each number several times (parse, validate, match).
var phoneCache = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

const phoneCacheSize = 50_000

// NormalizePhone returns the E.164 form of a phone number, or "" and false
// when it is not a plausible number.
func NormalizePhone(s string) (string, bool) {
	key := DefaultRegion + "|" + s
	phoneCache.Lock()
	e, ok := phoneCache.m[key]
	phoneCache.Unlock()
	if !ok {
		e, _ = normalizePhone(s)
		phoneCache.Lock()
		if len(phoneCache.m) >= phoneCacheSize {
			clear(phoneCache.m)
		}
		phoneCache.m[key] = e
		phoneCache.Unlock()
	}
	return e, e != ""
}

func normalizePhone(s string) (string, bool) {
	if strings.TrimSpace(s) == "" {
		return "", false
	}
	hasDigit := false
	for _, r := range s {
		if unicode.IsDigit(r) {
			hasDigit = true
		} else if unicode.IsLetter(r) && !strings.ContainsRune("xXеЕ", r) && !strings.Contains(strings.ToLower(s), "ext") {
			return "", false
		}
	}
	if !hasDigit {
		return "", false
	}
	n, err := phonenumbers.Parse(s, DefaultRegion)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}

// cleanLabeled trims entries, drops empty ones and lower-cases types.
func cleanLabeled(list []Labeled, defType string) []Labeled {
	out := make([]Labeled, 0, len(list))
	for _, l := range list {
		l.Type = strings.ToLower(strings.TrimSpace(l.Type))
		l.Value = strings.TrimSpace(l.Value)
		l.E164 = ""
		if l.Value == "" {
			continue
		}
		if l.Type == "" {
			l.Type = defType
		}
		out = append(out, l)
	}
	return out
}

func cleanAddresses(list []Address) []Address {
	out := make([]Address, 0, len(list))
	for _, a := range list {
		a.Type = strings.ToLower(strings.TrimSpace(a.Type))
		a.Street, a.City, a.Region = strings.TrimSpace(a.Street), strings.TrimSpace(a.City), strings.TrimSpace(a.Region)
		a.PostalCode, a.Country = strings.TrimSpace(a.PostalCode), strings.TrimSpace(a.Country)
		if a == (Address{Type: a.Type}) {
			continue
		}
		if a.Type == "" {
			a.Type = "work"
		}
		out = append(out, a)
	}
	return out
}

func cleanTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || seen[Fold(t)] {
			continue
		}
		seen[Fold(t)] = true
		out = append(out, t)
	}
	return out
}

func validateEmails(fe FieldErrors, field string, list []Labeled) {
	for i, e := range list {
		if !ValidEmail(e.Value) {
			fe.Add(fmt.Sprintf("%s[%d].value", field, i), "not a valid e-mail address")
		}
	}
}

// normalizePhones sets each phone's E.164 form ("" when not a valid number).
func normalizePhones(list []Labeled) {
	for i := range list {
		list[i].E164, _ = NormalizePhone(list[i].Value)
	}
}

func validatePhones(fe FieldErrors, field string, list []Labeled) {
	for i, p := range list {
		if p.E164 == "" {
			fe.Add(fmt.Sprintf("%s[%d].value", field, i), "not a valid phone number")
		}
	}
}

func phoneKeys(list []Labeled) []SearchKey {
	var keys []SearchKey
	for _, p := range list {
		if p.E164 != "" {
			keys = append(keys, SearchKey{KeyPhone, p.E164})
		}
	}
	return keys
}

func validateRef(fe FieldErrors, field string, id *string) {
	if id != nil && *id != "" && !ValidID(*id) {
		fe.Add(field, "not a valid id")
	}
}

// emptyToNil turns a pointer to "" into nil so optional references clear cleanly.
func emptyToNil(p **string) {
	if *p != nil && strings.TrimSpace(**p) == "" {
		*p = nil
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

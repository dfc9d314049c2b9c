package locale

import (
	"fmt"
	"strings"
	"sync"

	"github.com/bojanz/currency"
	"github.com/goodsign/monday"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// DefaultName is the locale used when nothing else names a supported one.
const DefaultName = "en-US"

// Locale formats values for one language and region. Get and Choose return
// shared instances; a Locale is immutable.
type Locale struct {
	tag   language.Tag
	name  string
	dates monday.Locale
	// numbers is the base CLDR formatter the patterns are learnt from.
	numbers currency.Formatter
	// plain is the pattern of plain numbers; money holds the pattern of each
	// currency met so far (code → *pattern).
	plain *pattern
	money sync.Map
	// pctPrefix and pctSuffix surround the number of a percentage ("", "%"
	// in English, "", "\u00a0%" in German and Russian).
	pctPrefix, pctSuffix string
}

var (
	// supported are the locales the date-name library knows, as language
	// tags; the matcher picks the closest one for a requested tag.
	supported, matcher = supportedLocales()
	cache              sync.Map // canonical tag string → *Locale
)

// supportedLocales lists monday's locales as language tags.
func supportedLocales() ([]monday.Locale, language.Matcher) {
	list := monday.ListLocales()
	tags := make([]language.Tag, len(list))
	for i, l := range list {
		tags[i] = language.MustParse(string(l))
	}
	return list, language.NewMatcher(tags)
}

// Get returns the locale for a BCP 47 tag or a POSIX-style name ("ru",
// "ru-RU", "de_AT", "en-gb"). A tag whose language has date names is
// accepted, and its own region's number and money conventions are used
// ("de-AT" formats numbers as Austria does, with German month names).
func Get(name string) (*Locale, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, fmt.Errorf("locale: empty locale name")
	}
	tag, err := language.Parse(strings.ReplaceAll(name, "_", "-"))
	if err != nil {
		return nil, fmt.Errorf("locale: %q is not a language tag", name)
	}
	_, idx, conf := matcher.Match(tag)
	if conf < language.High {
		return nil, fmt.Errorf("locale: %q is not supported", name)
	}
	if _, c := tag.Region(); c != language.Exact {
		// "ru" → "ru-RU", "en" → "en-US": the region the dates come from.
		tag = language.MustParse(string(supported[idx]))
	}
	key := tag.String()
	if l, ok := cache.Load(key); ok {
		return l.(*Locale), nil
	}
	l, err := build(tag, supported[idx])
	if err != nil {
		return nil, err
	}
	actual, _ := cache.LoadOrStore(key, l)
	return actual.(*Locale), nil
}

// Default returns the en-US locale.
func Default() *Locale {
	l, err := Get(DefaultName)
	if err != nil {
		panic(err) // monday always knows en_US
	}
	return l
}

// Choose returns the first supported locale among the candidates, skipping
// empty and unknown names, or Default. Callers pass them in priority order:
// the template's own setting, then the contact's and the account's language,
// then the installation default.
func Choose(candidates ...string) *Locale {
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if l, err := Get(c); err == nil {
			return l
		}
	}
	return Default()
}

// build makes the locale for a canonical tag with its date-name locale.
func build(tag language.Tag, dates monday.Locale) (*Locale, error) {
	l := &Locale{tag: tag, name: tag.String(), dates: dates}
	l.numbers = *currency.NewFormatter(currency.NewLocale(l.name))
	var err error
	if l.plain, err = derive(l.numbers, numberCurrency, currency.DisplayNone); err != nil {
		return nil, err
	}
	l.pctPrefix, l.pctSuffix = percentAffixes(tag)
	return l, nil
}

// String returns the locale's BCP 47 tag, e.g. "ru-RU".
func (l *Locale) String() string { return l.name }

// Tag returns the locale's language tag.
func (l *Locale) Tag() language.Tag { return l.tag }

// Upper returns s in upper case by the locale's rules.
func (l *Locale) Upper(s string) string { return cases.Upper(l.tag).String(s) }

// Lower returns s in lower case by the locale's rules.
func (l *Locale) Lower(s string) string { return cases.Lower(l.tag).String(s) }

// Title returns s with each word's first letter in upper case and the rest
// in lower case, by the locale's rules.
func (l *Locale) Title(s string) string { return cases.Title(l.tag).String(s) }

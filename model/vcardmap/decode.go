package vcardmap

import (
	"encoding/base64"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-vcard"

	"rapport/model"
)

// Photo is an embedded contact photo (binary data and media type, e.g. image/jpeg).
type Photo struct {
	Data      []byte
	MediaType string
}

// Card is one decoded vCard.
type Card struct {
	// Contact holds the mapped fields, with Contact.DAV.UID and
	// Contact.DAV.Extra set; ID and Meta are left zero. It is not
	// normalised: the caller runs Normalize and Validate.
	Contact model.Contact
	// Company is the first ORG component: the account's name.
	Company string
	// Photo is the embedded PHOTO (3.0 ENCODING=b, 2.1 BASE64 or a 4.0
	// data: URI), nil if none.
	Photo *Photo
	// Version is "2.1", "3.0" or "4.0" as received ("" when the card has
	// no VERSION).
	Version string
	// OddPhones are TEL values that are no phone number Rapport can
	// normalise ("112", "ext. 12"): kept verbatim in Extra, not in Phones,
	// so a DAV client's card is stored whole; an import may refuse them.
	OddPhones []string
}

// Decode parses exactly one vCard (a CardDAV resource). Errors are *model.Error:
// EMALFORMED for syntax (no BEGIN:VCARD/END:VCARD, bad lines, bad base64, bad encoding),
// EINVALID for more than one card in the input or a BDAY that is no date
// (Fields["birthday"]), ETOOLARGE when len(data) > maxBytes.
// Messages about a line start with "line N: ", N counted from the start of data.
func Decode(data []byte, maxBytes int) (*Card, error) {
	if len(data) > maxBytes {
		return nil, model.Errorf(model.ETOOLARGE, "the vCard is larger than the limit of %d bytes", maxBytes)
	}
	// CR, LF and CRLF all end a line; a CR cannot stand inside a value.
	props, err := lex(newlines.Replace(strings.TrimPrefix(string(data), "\ufeff")))
	if err != nil {
		return nil, err
	}
	card := &Card{}
	for _, p := range props {
		if p.name == vcard.FieldVersion {
			card.Version = strings.TrimSpace(p.value)
			break
		}
	}
	for i := range props {
		if err := props[i].decode(card.Version == "2.1"); err != nil {
			return nil, model.Errorf(model.EMALFORMED, "line %d: %v", props[i].line, err)
		}
	}
	if err := card.fill(props); err != nil {
		return nil, err
	}
	return card, nil
}

// lex cuts text into the content lines of its one card.
func lex(text string) ([]prop, error) {
	var props []prop
	state := 0 // 0 before BEGIN:VCARD, 1 inside, 2 after END:VCARD
	for l := range unfold(text) {
		switch {
		case isBlank(l.text):
		case isLine(l.text, "BEGIN:VCARD") && state == 0:
			state = 1
		case isLine(l.text, "BEGIN:VCARD") && state == 2:
			return nil, model.Errorf(model.EINVALID, "line %d: more than one vCard; send one card per resource", l.line)
		case isLine(l.text, "BEGIN:VCARD"):
			return nil, model.Errorf(model.EMALFORMED, "line %d: BEGIN:VCARD inside a card", l.line)
		case state == 0:
			return nil, model.Errorf(model.EMALFORMED, "line %d: not a vCard: no BEGIN:VCARD line", l.line)
		case state == 2:
			return nil, model.Errorf(model.EMALFORMED, "line %d: text after END:VCARD", l.line)
		case isLine(l.text, "END:VCARD"):
			state = 2
		default:
			p, err := parseLine(l.text)
			if err != nil {
				return nil, model.Errorf(model.EMALFORMED, "line %d: %v", l.line, err)
			}
			p.line = l.line
			props = append(props, p)
		}
	}
	switch state {
	case 0:
		return nil, model.Errorf(model.EMALFORMED, "not a vCard: no BEGIN:VCARD line")
	case 1:
		return nil, model.Errorf(model.EMALFORMED, "no END:VCARD")
	}
	return props, nil
}

// Kinds of content lines, by what Decode and Encode do with them.
const (
	kindOther    = iota // unmapped: kept in Extra and written back as it is
	kindDrop            // regenerated (VERSION, PRODID, REV) or empty
	kindUID             // the UID
	kindSingle          // a property of singles
	kindList            // a property of lists
	kindFallback        // a mapped property with a value Rapport cannot hold (BDAY:--0412): kept in Extra, written back while the contact has no value of its own
	kindURL             // a URL that is not http(s), or a TEL that is no phone number: kept and always written back
)

// classify says what a content line is; Decode and Encode (for the lines
// in Extra) agree on it. A PHOTO is kindOther here: Decode takes the first
// embedded one before asking.
func classify(p *prop) int {
	switch p.name {
	case vcard.FieldVersion, vcard.FieldProductID, vcard.FieldRevision:
		return kindDrop
	case vcard.FieldUID:
		return kindUID
	case vcard.FieldBirthday:
		if birthday(p) == "" {
			return kindFallback
		}
		return kindSingle
	case vcard.FieldURL:
		if !model.ValidURL(strings.TrimSpace(unescape(p.value))) {
			return kindURL
		}
	case vcard.FieldTelephone:
		if v := strings.TrimSpace(unescape(p.value)); v != "" && !validPhone(v) {
			return kindURL
		}
	}
	if findSingle(p.name) >= 0 {
		return kindSingle
	}
	if l := findList(p.name); l >= 0 {
		if lists[l].read(p) == nil {
			return kindDrop
		}
		return kindList
	}
	return kindOther
}

func findSingle(name string) int {
	return slices.IndexFunc(singles, func(s single) bool { return s.name == name })
}

func findList(name string) int {
	return slices.IndexFunc(lists, func(l list) bool { return l.name == name })
}

// groupLabels maps each group (lower case) to its X-ABLabel.
func groupLabels(props []prop) map[string]string {
	var m map[string]string
	for _, p := range props {
		if p.group != "" && p.name == "X-ABLABEL" {
			if m == nil {
				m = map[string]string{}
			}
			m[strings.ToLower(p.group)] = strings.TrimSpace(unescape(p.value))
		}
	}
	return m
}

// fill maps the content lines into k. Extra gets the shadows, in the order
// Encode writes their properties, then every other kept line in card order.
func (k *Card) fill(props []prop) error {
	byName := map[string][]*prop{}
	var others []string
	fallbacks := map[string]int{}
	v4 := k.Version == "4.0"
	for i := range props {
		p := &props[i]
		if p.name == vcard.FieldPhoto && k.Photo == nil {
			ph, err := photoOf(p)
			if err != nil {
				return model.Errorf(model.EMALFORMED, "line %d: %v", p.line, err)
			}
			if k.Photo = ph; ph != nil {
				continue
			}
		}
		switch classify(p) {
		case kindUID:
			if k.Contact.DAV.UID == "" {
				k.Contact.DAV.UID = strings.TrimSpace(unescape(p.value))
			}
		case kindSingle, kindList:
			byName[p.name] = append(byName[p.name], p)
		case kindFallback:
			if p.name == vcard.FieldBirthday && !validBirthday(p) {
				fe := model.FieldErrors{}
				fe.Add("birthday", "not a date (write YYYY-MM-DD)")
				return &model.Error{Code: model.EINVALID, Message: "validation failed", Fields: fe}
			}
			fallbacks[p.name]++
			others = append(others, p.raw)
		case kindURL:
			if p.name == vcard.FieldTelephone {
				k.OddPhones = append(k.OddPhones, strings.TrimSpace(unescape(p.value)))
			}
			others = append(others, p.raw)
		case kindOther:
			others = append(others, p.raw)
		}
	}
	var shadows []string
	for _, s := range singles {
		ps := byName[s.name]
		if len(ps) == 0 {
			continue
		}
		v := s.read(ps)
		s.set(k, v)
		lossy := false
		switch s.name {
		case vcard.FieldNote, vcard.FieldCategories: // several lose nothing when joined into one
			lossy = slices.ContainsFunc(ps, func(p *prop) bool { return !lossless(p, s.value(nil, s.read([]*prop{p}), v4), "", "") })
		default: // a fallback BDAY next to a date is kept with it
			value := s.value(nil, v, v4)
			if s.name == vcard.FieldBirthday && plainDate(ps[0].value) {
				value = []byte(ps[0].value) // 19850412 and 1985-04-12 say the same
			}
			lossy = len(ps)+fallbacks[s.name] > 1 || !lossless(ps[0], value, "", "")
		}
		for _, p := range ps {
			if lossy {
				shadows = append(shadows, p.raw)
			}
		}
	}
	labels := groupLabels(props)
	for _, l := range lists {
		for _, p := range prefSorted(byName[l.name]) {
			item := l.read(p)
			item[0] = labelOf(p, l.labels, labels)
			l.add(&k.Contact, item)
			if !lossless(p, l.value(nil, item), vcardType(l.labels, item[0]), ignoredTypes(l.name)) {
				shadows = append(shadows, p.raw)
			}
		}
	}
	k.Contact.DAV.Extra = strings.Join(append(shadows, others...), "\n")
	return nil
}

// validPhone reports whether v normalises to E.164 (a "tel:" URI of vCard
// 4.0 included), as model.Contact.Validate requires.
func validPhone(v string) bool {
	_, ok := model.NormalizePhone(strings.TrimPrefix(v, "tel:"))
	return ok
}

// plainDate reports whether v is a date alone, basic or extended.
func plainDate(v string) bool {
	_, err1 := time.Parse("20060102", v)
	_, err2 := time.Parse(model.DateLayout, v)
	return err1 == nil || err2 == nil
}

// ignoredTypes is the TYPE a property's lines may carry without meaning
// anything Rapport loses.
func ignoredTypes(name string) string {
	switch name {
	case vcard.FieldEmail:
		return "internet"
	case vcard.FieldTelephone:
		return "voice"
	}
	return ""
}

// lossless reports whether writing the line's mapped value back (value,
// TYPE typ) says all the line says: no group, no parameter but TYPE (typ,
// pref and ignored), PREF=1 and a default VALUE, and a value of the same
// structure.
func lossless(p *prop, value []byte, typ, ignored string) bool {
	if p.group != "" {
		return false
	}
	hasType := false
	for key, vals := range p.params {
		switch key {
		case vcard.ParamType:
			for _, t := range typesOf(p) {
				switch {
				case t == typ:
					hasType = true
				case t != "pref" && t != ignored:
					return false
				}
			}
		case vcard.ParamPreferred:
			if slices.ContainsFunc(vals, func(v string) bool { return strings.TrimSpace(v) != "1" }) {
				return false
			}
		case vcard.ParamValue:
			if slices.ContainsFunc(vals, func(v string) bool { v = strings.ToLower(v); return v != "text" && v != "uri" && v != "date" }) {
				return false
			}
		default:
			return false
		}
	}
	if hasType != (typ != "") {
		return false
	}
	return p.value == string(value) || slices.EqualFunc(structure(p.value), structure(string(value)), slices.Equal)
}

// structure splits a value at unescaped ";" and then ",", unescaped, with
// trailing empty components dropped: two values with the same structure
// say the same.
func structure(v string) [][]string {
	parts := split(v, ';', escaped)
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	out := make([][]string, len(parts))
	for i, part := range parts {
		out[i] = unescapeAll(split(part, ',', escaped))
	}
	return out
}

// photoOf returns the embedded image of a PHOTO line: ENCODING=b (3.0),
// BASE64 (2.1) or a data: URI (4.0, and some 3.0 writers). A PHOTO that
// refers to a URL, or holds no data, gives nil.
func photoOf(p *prop) (*Photo, error) {
	if p.binary {
		data, _ := base64.StdEncoding.DecodeString(p.value)
		if len(data) == 0 {
			return nil, nil
		}
		return &Photo{Data: data, MediaType: mediaType(p.params.Get(vcard.ParamType), data)}, nil
	}
	v := strings.TrimSpace(p.value)
	if len(v) < 5 || !strings.EqualFold(v[:5], "data:") {
		return nil, nil
	}
	head, b64, ok := strings.Cut(v[5:], ",")
	mt, isBase64 := strings.CutSuffix(strings.ToLower(head), ";base64")
	if !ok || !isBase64 {
		return nil, nil // percent-encoded data: kept in Extra
	}
	data, err := decodeBase64(b64)
	if err != nil {
		return nil, errBase64
	}
	if len(data) == 0 {
		return nil, nil
	}
	mt, _, _ = strings.Cut(mt, ";")
	return &Photo{Data: data, MediaType: mediaType(mt, data)}, nil
}

// mediaType turns a 2.1/3.0 TYPE ("JPEG") or a media type into a media
// type, sniffing the common image formats when the card names none.
func mediaType(t string, data []byte) string {
	t = strings.ToLower(strings.TrimSpace(t))
	switch {
	case strings.Contains(t, "/"):
		return t
	case t != "":
		return "image/" + t
	case len(data) > 3 && data[0] == 0xff && data[1] == 0xd8:
		return "image/jpeg"
	case len(data) > 4 && string(data[1:4]) == "PNG":
		return "image/png"
	case len(data) > 4 && string(data[:4]) == "GIF8":
		return "image/gif"
	}
	return "application/octet-stream"
}

package vcardmap

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-vcard"

	"rapport/model"
)

// ProdID identifies Rapport in the cards it writes.
const ProdID = "-//Rapport//Rapport CRM//EN"

// maxLine is RFC 6350's line length in octets; longer lines are folded.
const maxLine = 75

// EncodeOptions say how to render a contact.
type EncodeOptions struct {
	// Version is "3.0" (the default) or "4.0".
	Version string
	// Company is the name of the contact's account, written as ORG.
	Company string
	// Photo is written as PHOTO when not nil.
	Photo *Photo
}

// Encode renders c as one vCard with CRLF line endings, lines folded at 75 octets on UTF-8 boundaries.
// UID is c.DAV.UIDOr(c.ID); properties in c.DAV.Extra are emitted too.
func Encode(c *model.Contact, opt EncodeOptions) []byte {
	return AppendEncode(nil, c, opt)
}

// AppendEncode is Encode appending to dst (for streaming 10,000 cards without garbage).
func AppendEncode(dst []byte, c *model.Contact, opt EncodeOptions) []byte {
	e := encoder{b: dst, v4: opt.Version == "4.0"}
	x := parseExtra(c.DAV.Extra)
	e.put("BEGIN:VCARD")
	e.end()
	if e.v4 {
		e.put("VERSION:4.0")
	} else {
		e.put("VERSION:3.0")
	}
	e.end()
	e.put("PRODID:" + ProdID)
	e.end()
	if uid := c.DAV.UIDOr(c.ID); uid != "" {
		e.put("UID:")
		e.scratch = appendEscaped(e.scratch[:0], uid)
		e.putValue()
	}
	for i := range singles {
		e.single(&singles[i], x, c, &opt)
	}
	for i := range lists {
		e.list(&lists[i], x, c)
	}
	if opt.Photo != nil {
		e.photo(opt.Photo)
	}
	if !c.UpdatedAt.IsZero() {
		layout := "2006-01-02T15:04:05Z"
		if e.v4 {
			layout = "20060102T150405Z"
		}
		e.put("REV:")
		e.scratch = c.UpdatedAt.UTC().AppendFormat(e.scratch[:0], layout)
		e.putValue()
	}
	for _, p := range x.others {
		if x.keep(p, c, &opt) {
			e.other(p)
		}
	}
	e.put("END:VCARD")
	e.end()
	return e.b
}

// encoder appends folded content lines to b; col is the length of the
// current physical line.
type encoder struct {
	b, scratch []byte
	col        int
	v4         bool
}

// put appends s to the current line, folding before the line would pass
// 75 octets, never inside a UTF-8 sequence (unless s is not UTF-8 there).
func (e *encoder) put(s string) { putFolded(e, s) }

func putFolded[T string | []byte](e *encoder, s T) {
	for len(s) > 0 {
		room := maxLine - e.col
		if len(s) <= room {
			e.b = append(e.b, s...)
			e.col += len(s)
			return
		}
		cut := room
		for back := 0; back < utf8.UTFMax-1 && cut > 0 && !utf8.RuneStart(s[cut]); back++ {
			cut--
		}
		if !utf8.RuneStart(s[cut]) {
			cut = room
		}
		e.b = append(append(e.b, s[:cut]...), "\r\n "...)
		e.col = 1
		s = s[cut:]
	}
}

func (e *encoder) end() {
	e.b = append(e.b, "\r\n"...)
	e.col = 0
}

// putValue writes the scratch buffer and ends the line.
func (e *encoder) putValue() {
	putFolded(e, e.scratch)
	e.end()
}

func (e *encoder) name(group, name string) {
	if group != "" {
		e.put(group)
		e.put(".")
	}
	e.put(name)
}

// line writes a line kept in Extra as it is.
func (e *encoder) line(p *prop) {
	e.put(p.raw)
	e.end()
}

// single writes the shadow lines of s while the contact's value is the
// one they give, else the value.
func (e *encoder) single(s *single, x *extra, c *model.Contact, opt *EncodeOptions) {
	cur := s.get(c, opt)
	if sh := x.singles[s.name]; len(sh) > 0 && s.same(s.read(sh), cur) {
		x.usedSingle[s.name] = true
		for _, p := range sh {
			x.use(p)
			e.line(p)
		}
		return
	}
	if len(cur) == 0 && s.name != vcard.FieldFormattedName {
		return
	}
	e.put(s.name)
	e.put(":")
	e.scratch = s.value(e.scratch[:0], cur, e.v4)
	e.putValue()
}

// list writes one line per item: its shadow when Extra has one for the
// item, else a line typed by its label. The first of several is preferred.
// A label vCard has no TYPE for is written as Apple does: a group with
// an X-ABLabel.
func (e *encoder) list(l *list, x *extra, c *model.Contact) {
	items := l.items(c)
	shadow := x.match(l, items)
	for i, it := range items {
		if shadow != nil && shadow[i] != nil {
			x.use(shadow[i])
			e.line(shadow[i])
			continue
		}
		label := strings.ToLower(strings.TrimSpace(it[0]))
		typ, group := vcardType(l.labels, label), ""
		if typ == "" && label != "" {
			group = x.newGroup()
		}
		pref := i == 0 && len(items) > 1
		e.name(group, l.name)
		switch {
		case pref && e.v4:
			e.put(";PREF=1")
		case pref && typ == "":
			e.put(";TYPE=pref")
		case pref:
			typ += ",pref"
		}
		if typ != "" {
			e.put(";TYPE=")
			e.put(typ)
		}
		e.put(":")
		e.scratch = l.value(e.scratch[:0], it)
		e.putValue()
		if group != "" {
			e.name(group, "X-ABLabel:")
			e.scratch = appendEscaped(e.scratch[:0], it[0])
			e.putValue()
		}
	}
}

// photo writes an embedded PHOTO: ENCODING=b in 3.0, a data: URI in 4.0.
func (e *encoder) photo(ph *Photo) {
	mt, _, _ := strings.Cut(ph.MediaType, ";")
	mt = mediaType(mt, ph.Data)
	sub, image := strings.CutPrefix(mt, "image/")
	switch {
	case e.v4:
		e.put("PHOTO:data:")
		e.put(mt)
		e.put(";base64,")
	case image: // TYPE=JPEG, as 3.0 writers do
		e.put("PHOTO;ENCODING=b;TYPE=")
		e.put(strings.ToUpper(sub))
		e.put(":")
	default:
		e.put("PHOTO;ENCODING=b;TYPE=\"")
		e.put(mt)
		e.put("\":")
	}
	e.scratch = base64.StdEncoding.AppendEncode(e.scratch[:0], ph.Data)
	e.putValue()
}

// other writes a kept line, turning an inline binary value (ENCODING=b) into
// a data: URI in 4.0, which has no ENCODING. A data: URI is a valid 3.0
// value too and stays one.
func (e *encoder) other(p *prop) {
	switch {
	case e.v4 && p.binary:
		e.name(p.group, p.name)
		e.params(p, "ENCODING", vcard.ParamType)
		e.put(":data:")
		e.put(binaryType(p.name, p.params.Get(vcard.ParamType)))
		e.put(";base64,")
		e.put(strings.Join(strings.Fields(p.value), ""))
		e.end()
	default:
		e.line(p)
	}
}

// params writes p's parameters but the skipped ones.
func (e *encoder) params(p *prop, skip ...string) {
	for _, k := range sortedKeys(p.params) {
		if slices.Contains(skip, k) {
			continue
		}
		for _, v := range p.params[k] {
			e.put(";" + k + "=" + paramValue(v))
		}
	}
}

// binaryType is the media type of a 3.0 inline value of the property.
func binaryType(name, t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	switch {
	case strings.Contains(t, "/"):
		return t
	case t == "":
		return "application/octet-stream"
	case name == vcard.FieldSound:
		return "audio/" + t
	case name == vcard.FieldKey:
		return "application/" + t
	}
	return "image/" + t
}

// extra is Contact.DAV.Extra parsed for Encode: the shadows of mapped
// properties and the other kept lines, in order.
type extra struct {
	singles    map[string][]*prop
	lists      map[string][]*prop
	others     []*prop
	labels     map[string]string
	groups     map[string]bool // groups that hold a shadow → whether one was written
	usedSingle map[string]bool
	lastItem   int // the highest N of the "itemN" groups in use
}

// parseExtra reads Extra; a line that does not parse (Extra is Rapport's
// own text, so none should) is dropped.
func parseExtra(s string) *extra {
	x := &extra{}
	if s == "" {
		return x
	}
	x.singles, x.lists, x.groups, x.usedSingle = map[string][]*prop{}, map[string][]*prop{}, map[string]bool{}, map[string]bool{}
	var props []prop
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if isBlank(line) {
			continue
		}
		if p, err := parseLine(line); err == nil {
			p.binary = strings.EqualFold(p.params.Get("ENCODING"), "b")
			props = append(props, p)
		}
	}
	x.labels = groupLabels(props)
	for i := range props {
		p := &props[i]
		if n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(p.group), "item")); err == nil && n < 1<<20 {
			x.lastItem = max(x.lastItem, n)
		}
		kind := classify(p)
		switch kind {
		case kindSingle:
			x.singles[p.name] = append(x.singles[p.name], p)
		case kindList:
			x.lists[p.name] = append(x.lists[p.name], p)
		case kindOther, kindURL, kindFallback:
			x.others = append(x.others, p)
		}
		if p.group != "" && (kind == kindSingle || kind == kindList) {
			x.groups[strings.ToLower(p.group)] = false
		}
	}
	return x
}

// use notes that a shadow was written, so its group's other lines are too.
func (x *extra) use(p *prop) {
	if p.group != "" {
		x.groups[strings.ToLower(p.group)] = true
	}
}

// keep says whether a kept line is written: not when it belongs to a group
// whose shadows were all replaced (an X-ABLabel of a changed e-mail), and
// a fallback (BDAY:--0412) only while the contact has no value of its own
// or the property's shadows were written.
func (x *extra) keep(p *prop, c *model.Contact, opt *EncodeOptions) bool {
	if used, ok := x.groups[strings.ToLower(p.group)]; ok && !used {
		return false
	}
	if classify(p) == kindFallback {
		if i := findSingle(p.name); i >= 0 {
			return len(singles[i].get(c, opt)) == 0 || x.usedSingle[p.name]
		}
	}
	return true
}

// match pairs items with the shadows that give them: first those that give
// exactly the item, then those equal to it as Normalize leaves both (an
// e-mail in lower case, a type defaulted), so that a normalised look-alike
// never takes the shadow of the very item. nil when there are no shadows.
func (x *extra) match(l *list, items [][]string) []*prop {
	sh := x.lists[l.name]
	if len(sh) == 0 {
		return nil
	}
	got := make([][]string, len(sh))
	for j, p := range sh {
		got[j] = l.read(p)
		got[j][0] = labelOf(p, l.labels, x.labels)
	}
	out := make([]*prop, len(items))
	used := make([]bool, len(sh))
	for _, same := range []func(a, b []string) bool{slices.Equal[[]string], func(a, b []string) bool {
		na := l.norm(a)
		return na != nil && slices.Equal(na, l.norm(b))
	}} {
		for i, it := range items {
			for j := range sh {
				if out[i] == nil && !used[j] && same(got[j], it) {
					out[i], used[j] = sh[j], true
				}
			}
		}
	}
	return out
}

// newGroup names a group for a custom label, after those Extra uses.
func (x *extra) newGroup() string {
	x.lastItem++
	return "item" + strconv.Itoa(x.lastItem)
}

package office

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Namespaces of DOCX.
const (
	nsW       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsWStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
	nsWP      = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
	nsRels    = "http://schemas.openxmlformats.org/package/2006/relationships"
	nsCT      = "http://schemas.openxmlformats.org/package/2006/content-types"
	relImage  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"

	contentTypes = "[Content_Types].xml"
	ctPrefix     = "application/vnd.openxmlformats-officedocument.wordprocessingml."
)

// Content types of a Word document's main part: a document, a template
// (.dotx, merged into a document), and those with macros (refused).
const (
	ctDocument = ctPrefix + "document.main+xml"
	ctTemplate = ctPrefix + "template.main+xml"
	ctMacros   = "application/vnd.ms-word."
)

// docxTextParts maps the content types of parts with text to their place.
var docxTextParts = map[string]string{
	ctPrefix + "header+xml": "header", ctPrefix + "footer+xml": "footer",
	ctPrefix + "footnotes+xml": "", ctPrefix + "endnotes+xml": "",
}

// docxFormat is Word's format. It remembers the package files that new
// pictures change: the content types and each text part's relationships.
type docxFormat struct {
	ctypes   []byte          // [Content_Types].xml
	template bool            // a .dotx: its content types are rewritten as a document's
	defaults map[string]bool // extensions with a Default content type
	rels     map[string]*docxRels
	relsOf   map[string]string // text part → its relationships entry
}

// docxRels is a relationships part: its bytes and the ids it uses.
type docxRels struct {
	src []byte
	ids map[string]bool
}

// partRels are the relationships a merge adds to one part.
type partRels struct {
	ids  map[*picture]string
	list []*picture
}

var docxVocab = sync.OnceValue(func() *vocab {
	v := &vocab{kinds: map[xml.Name]ekind{}, inert: map[xml.Name]bool{}}
	for _, ns := range []string{nsW, nsWStrict} {
		for name, k := range map[string]ekind{"p": ePara, "tbl": eTable, "tr": eRow, "tc": eCell, "r": eRun,
			"hyperlink": eLink, "t": eText, "txbxContent": eContainer, "footnote": eContainer, "endnote": eContainer,
			"pPr": eProps, "rPr": eProps, "sectPr": eSectPr} {
			v.kinds[xml.Name{Space: ns, Local: name}] = k
		}
		for _, name := range []string{"proofErr", "bookmarkStart", "bookmarkEnd", "lastRenderedPageBreak", "permStart",
			"permEnd", "ins", "smartTag", "customXml", "commentRangeStart", "commentRangeEnd", "softHyphen",
			"moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd"} {
			v.inert[xml.Name{Space: ns, Local: name}] = true
		}
	}
	v.kinds[xml.Name{Space: nsWP, Local: "docPr"}] = eDrawingID
	v.label = func(t *token) (string, bool) {
		switch t.name.Local {
		case "txbxContent":
			return "text box", true
		case "footnote", "endnote":
			if _, sep := attr(t.attr, t.name.Space, "type"); sep {
				return "", false // separators
			}
			return t.name.Local, true
		}
		return "", false
	}
	return v
})

func (*docxFormat) vocab() *vocab    { return docxVocab() }
func (*docxFormat) mediaDir() string { return "word/media/" }

// parts reads the content types: the main part, headers, footers,
// footnotes and endnotes, and their relationships.
func (f *docxFormat) parts(a *archive, lim Limits) ([]partSpec, error) {
	src, err := a.read(contentTypes, lim.MaxPartBytes)
	if err != nil {
		return nil, err
	}
	f.ctypes, f.defaults = src, map[string]bool{}
	overrides := map[string]string{}
	err = scanXML(contentTypes, src, func(t *token) error {
		if t.kind != tokStart || t.name.Space != nsCT {
			return nil
		}
		switch t.name.Local {
		case "Default":
			ext, _ := attr(t.attr, "", "Extension")
			f.defaults[strings.ToLower(ext)] = true
		case "Override":
			name, _ := attr(t.attr, "", "PartName")
			ct, _ := attr(t.attr, "", "ContentType")
			overrides[strings.TrimPrefix(name, "/")] = ct
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var main string
	for name, ct := range overrides {
		switch {
		case strings.HasPrefix(ct, ctMacros) && strings.Contains(ct, "main+xml"):
			return nil, errorf(ErrUnsafe, contentTypes, "documents with macros are refused: save the template as .docx")
		case (ct == ctDocument || ct == ctTemplate) && a.has(name):
			main = name
			if ct == ctTemplate {
				f.ctypes, f.template = bytes.Replace(f.ctypes, []byte(ctTemplate), []byte(ctDocument), 1), true
			}
		}
	}
	if main == "" {
		if !a.has("word/document.xml") {
			return nil, errorf(ErrNotDocument, "", "not a Word document: it has no word/document.xml")
		}
		main = "word/document.xml"
	}
	specs := []partSpec{{name: main}}
	var others []partSpec
	for name, ct := range overrides {
		if label, ok := docxTextParts[ct]; ok && a.has(name) && name != main {
			root := ""
			if label != "" {
				root = label + " " + partNumber(name)
			}
			others = append(others, partSpec{name: name, root: root})
		}
	}
	slices.SortFunc(others, func(x, y partSpec) int { return strings.Compare(x.root+x.name, y.root+y.name) })
	specs = append(specs, others...)
	return specs, f.readRels(a, lim, specs)
}

// partNumber returns the number in a part's file name ("header2.xml" →
// "2"), or "1".
func partNumber(name string) string {
	base := strings.TrimSuffix(path.Base(name), path.Ext(name))
	i := len(base)
	for i > 0 && base[i-1] >= '0' && base[i-1] <= '9' {
		i--
	}
	if i == len(base) {
		return "1"
	}
	return base[i:]
}

// relsName returns the relationships entry of a part.
func relsName(name string) string {
	dir, file := path.Split(name)
	return dir + "_rels/" + file + ".rels"
}

// readRels reads the relationship ids of every text part.
func (f *docxFormat) readRels(a *archive, lim Limits, specs []partSpec) error {
	f.rels, f.relsOf = map[string]*docxRels{}, map[string]string{}
	for _, sp := range specs {
		rn := relsName(sp.name)
		f.relsOf[sp.name] = rn
		if !a.has(rn) {
			continue
		}
		src, err := a.read(rn, lim.MaxPartBytes)
		if err != nil {
			return err
		}
		r := &docxRels{src: src, ids: map[string]bool{}}
		err = scanXML(rn, src, func(t *token) error {
			if t.kind == tokStart && t.name.Local == "Relationship" {
				id, _ := attr(t.attr, "", "Id")
				r.ids[id] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		f.rels[rn] = r
	}
	return nil
}

// content is the body without its final section properties.
func (*docxFormat) content(p *part) (start, end int, hooks []repl) {
	body, sect := docxBody(p)
	if body < 0 {
		return 0, 0, nil
	}
	start, end = p.elems[body].inner, p.elems[body].close
	if sect >= 0 {
		end = p.elems[sect].start
	}
	return start, end, nil
}

// docxBody returns the w:body element and its final w:sectPr (-1: none).
func docxBody(p *part) (body, sect int) {
	body = p.childNamed(0, "body")
	if body < 0 {
		return -1, -1
	}
	if last := p.elems[body].lastChild; last >= 0 && p.elems[last].kind == eSectPr {
		return body, last
	}
	return body, -1
}

// childNamed returns the first child of element parent (-1: the root)
// with the given local name, or -1.
func (p *part) childNamed(parent int, local string) int {
	for i := range p.elems {
		if p.elems[i].parent == parent && p.elems[i].name.Local == local {
			return i
		}
	}
	return -1
}

// separator is a section break that repeats the body's page settings
// (headers, page size, margins), or a page break.
func (*docxFormat) separator(p *part) string {
	if _, sect := docxBody(p); sect >= 0 {
		return "<w:p><w:pPr>" + string(p.src[p.elems[sect].start:p.elems[sect].end]) + "</w:pPr></w:p>"
	}
	return `<w:p><w:r><w:br w:type="page"/></w:r></w:p>`
}

// docxBreaks writes a line break or tab inside a w:t.
func docxBreaks(w sink) func(rune) {
	return func(r rune) {
		if r == '\n' {
			w.WriteString(`</w:t><w:br/>` + docxTextOpen)
		} else {
			w.WriteString(`</w:t><w:tab/>` + docxTextOpen)
		}
	}
}

func (*docxFormat) writeText(wk *walker, s string) {
	escapeText(wk.w, s, docxBreaks(wk.w), nil)
}

// writePicture closes the w:t, writes an inline drawing in the same run
// (so it keeps the run's formatting) and opens a new w:t.
func (*docxFormat) writePicture(wk *walker, pic *picture, w, h int64) {
	rid := wk.m.rel(wk.p, pic)
	wk.m.ids++
	id := strconv.Itoa(wk.m.ids)
	fmt.Fprintf(wk.w, `</w:t><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0" xmlns:wp="%s">`+
		`<wp:extent cx="%d" cy="%d"/><wp:docPr id="%s" name="Picture %s"/>`+
		`<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">`+
		`<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">`+
		`<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">`+
		`<pic:nvPicPr><pic:cNvPr id="0" name="%s"/><pic:cNvPicPr/></pic:nvPicPr>`+
		`<pic:blipFill><a:blip r:embed="%s" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>`+
		`<a:stretch><a:fillRect/></a:stretch></pic:blipFill>`+
		`<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="%d" cy="%d"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>`+
		`</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing>`+docxTextOpen,
		nsWP, w, h, id, id, path.Base(pic.name), rid, w, h)
}

// rel returns the relationship id of a picture in a part, adding the
// relationship on first use.
func (m *merge) rel(p *part, pic *picture) string {
	r := m.rels[p]
	if r == nil {
		r = &partRels{ids: map[*picture]string{}}
		m.rels[p] = r
	}
	if id, ok := r.ids[pic]; ok {
		return id
	}
	f := m.doc.f.(*docxFormat)
	taken := f.rels[f.relsOf[p.name]]
	id := ""
	for n := len(r.list) + 1; id == "" || taken != nil && taken.ids[id]; n++ {
		id = "rIdRapportImage" + strconv.Itoa(n)
	}
	r.ids[pic] = id
	r.list = append(r.list, pic)
	return id
}

func (*docxFormat) fixed(string) []byte { return nil }

func (f *docxFormat) dependent(name string) bool {
	return name == contentTypes || f.rels[name] != nil
}

// finish writes the content types (with the pictures' extensions), the
// relationships of parts that gained pictures, and the pictures.
func (f *docxFormat) finish(m *merge, zw *zip.Writer, deferred []*zip.File) error {
	relsOut := map[string][]byte{}
	for _, p := range m.doc.parts {
		if r := m.rels[p]; r != nil {
			rn := f.relsOf[p.name]
			relsOut[rn] = f.addRels(rn, p.name, r)
		}
	}
	for _, file := range deferred {
		var data []byte
		if file.Name == contentTypes {
			data = f.addTypes(m.order)
		} else {
			data = relsOut[file.Name]
			delete(relsOut, file.Name)
		}
		if data == nil {
			if err := copyEntry(zw, file); err != nil {
				return err
			}
			continue
		}
		if err := writeEntry(zw, file.Name, data, file); err != nil {
			return err
		}
	}
	for _, rn := range sortedKeys(relsOut) {
		if err := writeEntry(zw, rn, relsOut[rn], nil); err != nil {
			return err
		}
	}
	return writePictures(zw, m.order)
}

// addTypes returns the content types with a Default for every picture
// extension they lack, or nil when they need no change.
func (f *docxFormat) addTypes(pics []*picture) []byte {
	var add strings.Builder
	seen := map[string]bool{}
	for _, pic := range pics {
		if !f.defaults[pic.ext] && !seen[pic.ext] {
			seen[pic.ext] = true
			fmt.Fprintf(&add, `<Default Extension="%s" ContentType="%s"/>`, pic.ext, pic.mime)
		}
	}
	if add.Len() == 0 && !f.template {
		return nil
	}
	return insertBefore(f.ctypes, "</Types>", add.String())
}

// addRels returns a part's relationships with its new pictures.
func (f *docxFormat) addRels(rn, partName string, r *partRels) []byte {
	var add strings.Builder
	dir := path.Dir(partName) + "/"
	for _, pic := range r.list {
		target := "/" + pic.name
		if rel, ok := strings.CutPrefix(pic.name, dir); ok {
			target = rel
		}
		fmt.Fprintf(&add, `<Relationship Id="%s" Type="%s" Target="%s"/>`, r.ids[pic], relImage, target)
	}
	if old := f.rels[rn]; old != nil {
		return insertBefore(old.src, "</Relationships>", add.String())
	}
	return []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Relationships xmlns="` + nsRels + `">` + add.String() + `</Relationships>`)
}

// selfClosingRoot matches a root element written as <Name .../>.
var selfClosingRoot = regexp.MustCompile(`/>\s*$`)

// insertBefore inserts text before the last occurrence of the closing tag
// end, or, when the root element closes itself (<Types/>), turns it into
// an element with the text inside.
func insertBefore(src []byte, end, text string) []byte {
	if i := bytes.LastIndex(src, []byte(end)); i >= 0 {
		return slices.Concat(src[:i], []byte(text), src[i:])
	}
	if loc := selfClosingRoot.FindIndex(src); loc != nil {
		return slices.Concat(src[:loc[0]], []byte(">"+text+end), src[loc[1]:])
	}
	return src
}

// writePictures adds the merged pictures, stored (they are compressed).
func writePictures(zw *zip.Writer, pics []*picture) error {
	for _, pic := range pics {
		if err := writeStored(zw, pic.name, pic.data); err != nil {
			return err
		}
	}
	return nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

package office

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Namespaces of ODF.
const (
	nsOffice   = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	nsText     = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	nsTable    = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
	nsDraw     = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
	nsStyle    = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
	nsSVG      = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
	nsXLink    = "http://www.w3.org/1999/xlink"
	nsFO       = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
	odtMime    = "application/vnd.oasis.opendocument.text"
	odtManifst = "META-INF/manifest.xml"

	// odtBreakStyle is the paragraph style of the page breaks between the
	// records of a combined document.
	odtBreakStyle = "RapportRecordBreak"
)

// odtFormat is LibreOffice Writer's format. It remembers the manifest,
// which lists new pictures.
type odtFormat struct {
	manifest []byte
	template bool // an .ott: merged into a text document
}

// odtLeading are the elements at the start of office:text that a combined
// document keeps once, before the records.
var odtLeading = map[string]bool{"sequence-decls": true, "variable-decls": true, "user-field-decls": true,
	"dde-connection-decls": true, "alphabetical-index-auto-mark-file": true, "forms": true, "tracked-changes": true,
	"calculation-settings": true, "content-validations": true, "label-ranges": true}

var odtVocab = sync.OnceValue(func() *vocab {
	v := &vocab{kinds: map[xml.Name]ekind{}, inert: map[xml.Name]bool{}, charText: true}
	for name, k := range map[xml.Name]ekind{
		{Space: nsText, Local: "p"}: ePara, {Space: nsText, Local: "h"}: ePara,
		{Space: nsTable, Local: "table"}: eTable, {Space: nsTable, Local: "table-header-rows"}: eRowGroup,
		{Space: nsTable, Local: "table-rows"}: eRowGroup, {Space: nsTable, Local: "table-row-group"}: eRowGroup,
		{Space: nsTable, Local: "table-row"}: eRow, {Space: nsTable, Local: "table-cell"}: eCell,
		{Space: nsText, Local: "span"}: eRun, {Space: nsText, Local: "a"}: eLink, {Space: nsText, Local: "s"}: eSpace,
		{Space: nsDraw, Local: "text-box"}: eContainer, {Space: nsText, Local: "note"}: eContainer,
	} {
		v.kinds[name] = k
	}
	for _, local := range []string{"header", "footer", "header-left", "footer-left", "header-first", "footer-first"} {
		v.kinds[xml.Name{Space: nsStyle, Local: local}] = eContainer
	}
	for _, local := range []string{"bookmark", "bookmark-start", "bookmark-end", "soft-page-break", "reference-mark",
		"reference-mark-start", "reference-mark-end", "change-start", "change-end", "alphabetical-index-mark",
		"alphabetical-index-mark-start", "alphabetical-index-mark-end", "toc-mark", "toc-mark-start", "toc-mark-end"} {
		v.inert[xml.Name{Space: nsText, Local: local}] = true
	}
	v.label = func(t *token) (string, bool) {
		switch {
		case t.name.Space == nsStyle:
			label, _, _ := strings.Cut(t.name.Local, "-")
			return label, true
		case t.name.Local == "text-box":
			return "text box", true
		}
		class, _ := attr(t.attr, nsText, "note-class")
		if class == "" {
			class = "footnote"
		}
		return class, true
	}
	v.spaces = func(t *token) string {
		n := 1
		if c, ok := attr(t.attr, nsText, "c"); ok {
			n, _ = strconv.Atoi(c)
		}
		return strings.Repeat(" ", max(1, min(n, 1000)))
	}
	return v
})

func (*odtFormat) vocab() *vocab    { return odtVocab() }
func (*odtFormat) mediaDir() string { return "Pictures/" }

// parts checks the mimetype (the first entry) and the manifest; the parts
// with text are content.xml and styles.xml (headers and footers).
func (f *odtFormat) parts(a *archive, lim Limits) ([]partSpec, error) {
	first := a.files[0]
	if first.Name != "mimetype" {
		return nil, errorf(ErrNotDocument, "", "not an ODT document: the first entry must be mimetype, not %s", first.Name)
	}
	mime, err := a.read("mimetype", 256)
	if err != nil {
		return nil, err
	}
	switch m := strings.TrimSpace(string(mime)); m {
	case odtMime:
	case odtMime + "-template":
		f.template = true
	default:
		return nil, errorf(ErrNotDocument, "mimetype", "not a text document: the mimetype is %q", m)
	}
	for _, name := range []string{"content.xml", odtManifst} {
		if !a.has(name) {
			return nil, errorf(ErrNotDocument, "", "not an ODT document: it has no %s", name)
		}
	}
	if f.manifest, err = a.read(odtManifst, lim.MaxPartBytes); err != nil {
		return nil, err
	}
	if f.template {
		f.manifest = bytes.Replace(f.manifest, []byte(odtMime+"-template"), []byte(odtMime), 1)
	}
	specs := []partSpec{{name: "content.xml"}}
	if a.has("styles.xml") {
		specs = append(specs, partSpec{name: "styles.xml"})
	}
	return specs, nil
}

// content is office:text after its declarations; the hook adds the style
// of the page breaks between records to the automatic styles.
func (*odtFormat) content(p *part) (start, end int, hooks []repl) {
	body := p.childNamed(0, "body")
	if body < 0 {
		return 0, 0, nil
	}
	text := p.childNamed(body, "text")
	if text < 0 {
		return 0, 0, nil
	}
	start, end = p.elems[text].inner, p.elems[text].close
	for i := text + 1; i < len(p.elems) && p.elems[i].start < end; i++ {
		if e := &p.elems[i]; e.parent == text {
			if !odtLeading[e.name.Local] {
				break
			}
			start = e.end
		}
	}
	style := `<style:style xmlns:style="` + nsStyle + `" xmlns:fo="` + nsFO + `" style:name="` + odtBreakStyle + `" style:family="paragraph">` +
		`<style:paragraph-properties fo:break-before="page" fo:margin-top="0cm" fo:margin-bottom="0cm" fo:line-height="0.05cm"/>` +
		`<style:text-properties fo:font-size="1pt"/></style:style>`
	whole := `<office:automatic-styles>` + style + `</office:automatic-styles>`
	switch as := p.childNamed(0, "automatic-styles"); {
	case as < 0:
		b := p.elems[body].start
		hooks = []repl{{start: b, end: b, kind: nHook, lit: whole}}
	case p.elems[as].inner == p.elems[as].end:
		hooks = []repl{{start: p.elems[as].start, end: p.elems[as].end, kind: nHook, lit: whole}}
	default:
		c := p.elems[as].close
		hooks = []repl{{start: c, end: c, kind: nHook, lit: style}}
	}
	return start, end, hooks
}

// separator is an empty paragraph that starts a new page.
func (*odtFormat) separator(p *part) string {
	return `<text:p text:style-name="` + odtBreakStyle + `"/>`
}

func (*odtFormat) writeText(wk *walker, s string) {
	escapeText(wk.w, s, func(r rune) {
		if r == '\n' {
			wk.w.WriteString("<text:line-break/>")
		} else {
			wk.w.WriteString("<text:tab/>")
		}
	}, &wk.blank)
}

func (*odtFormat) writePicture(wk *walker, pic *picture, w, h int64) {
	wk.m.ids++
	fmt.Fprintf(wk.w, `<draw:frame xmlns:draw="%s" xmlns:svg="%s" xmlns:xlink="%s" draw:name="RapportImage%d" text:anchor-type="as-char" svg:width="%s" svg:height="%s" draw:z-index="0">`+
		`<draw:image xlink:href="%s" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad" draw:mime-type="%s"/></draw:frame>`,
		nsDraw, nsSVG, nsXLink, wk.m.ids, cm(w), cm(h), pic.name, pic.mime)
	wk.blank = false
}

// cm writes EMU as centimetres.
func cm(emu int64) string { return strconv.FormatFloat(float64(emu)/emuPerCM, 'f', 4, 64) + "cm" }

func (*odtFormat) dependent(name string) bool { return name == odtManifst }

// fixed makes a template's mimetype a text document's.
func (f *odtFormat) fixed(name string) []byte {
	if f.template && name == "mimetype" {
		return []byte(odtMime)
	}
	return nil
}

// finish writes the manifest with the pictures, and the pictures.
func (f *odtFormat) finish(m *merge, zw *zip.Writer, deferred []*zip.File) error {
	for _, file := range deferred {
		if len(m.order) == 0 && !f.template {
			if err := copyEntry(zw, file); err != nil {
				return err
			}
			continue
		}
		var add strings.Builder
		for _, pic := range m.order {
			fmt.Fprintf(&add, `<manifest:file-entry manifest:full-path="%s" manifest:media-type="%s"/>`, pic.name, pic.mime)
		}
		if err := writeEntry(zw, file.Name, insertBefore(f.manifest, "</manifest:manifest>", add.String()), file); err != nil {
			return err
		}
	}
	return writePictures(zw, m.order)
}

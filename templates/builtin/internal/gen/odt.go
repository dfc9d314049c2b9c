package gen

import (
	"fmt"
	"strings"
)

// Namespaces of ODF.
const odfNS = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ` +
	`xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" ` +
	`xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" ` +
	`xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ` +
	`xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" ` +
	`xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" ` +
	`xmlns:xlink="http://www.w3.org/1999/xlink" ` +
	`xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3"`

// odtFonts declares the one font.
const odtFonts = `<office:font-face-decls><style:font-face style:name="` + font + `" svg:font-family="` + font +
	`" style:font-family-generic="swiss" style:font-pitch="variable"/></office:font-face-decls>`

// odt writes a document as a Writer file.
func odt(d *doc) ([]byte, error) {
	body, header, footer := &oWriter{prefix: "Table"}, &oWriter{prefix: "HeaderTable"}, &oWriter{prefix: "FooterTable"}
	for _, w := range []struct {
		w  *oWriter
		bs []block
	}{{body, d.body}, {header, d.header}, {footer, d.footer}} {
		if err := w.w.blocks(w.bs); err != nil {
			return nil, err
		}
	}
	content := xmlHead + `<office:document-content ` + odfNS + `>` + odtFonts +
		`<office:automatic-styles>` + body.autos.String() + oCellStyles + `</office:automatic-styles>` +
		`<office:body><office:text>` + body.b.String() + `</office:text></office:body></office:document-content>`
	styles := xmlHead + `<office:document-styles ` + odfNS + `>` + odtFonts +
		`<office:styles>` + oStyles(d.lang) + `</office:styles><office:automatic-styles>` + oPageLayout() +
		header.autos.String() + footer.autos.String() + oCellStyles + `</office:automatic-styles>` +
		`<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">` +
		`<style:header>` + header.b.String() + `</style:header><style:footer>` + footer.b.String() + `</style:footer>` +
		`</style:master-page></office:master-styles></office:document-styles>`
	const mime = "application/vnd.oasis.opendocument.text"
	return zipEntries([]entry{
		{"mimetype", []byte(mime)},
		{"META-INF/manifest.xml", []byte(xmlHead + `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">` +
			`<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="` + mime + `"/>` +
			`<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>` +
			`<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>` +
			`<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/></manifest:manifest>`)},
		{"meta.xml", []byte(xmlHead + `<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ` +
			`xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3">` +
			`<office:meta><meta:generator>Rapport</meta:generator><dc:title>` + esc(d.title) + `</dc:title>` +
			`<dc:language>` + d.lang.tag + `</dc:language></office:meta></office:document-meta>`)},
		{"styles.xml", []byte(styles)},
		{"content.xml", []byte(content)},
	})
}

// oWriter writes blocks of one part, and the automatic styles of its
// tables.
type oWriter struct {
	b, autos strings.Builder
	prefix   string // of table names: body and header tables need names of their own
	tables   int
}

// blocks writes paragraphs and tables.
func (w *oWriter) blocks(bs []block) error {
	for _, bl := range bs {
		switch x := bl.(type) {
		case para:
			oPara(&w.b, x)
		case table:
			if err := w.table(&x); err != nil {
				return err
			}
		}
	}
	return nil
}

// oStyleName is the Writer name of a paragraph style.
func oStyleName(id string) string {
	if id == "Normal" {
		return "Standard"
	}
	return id
}

// oPara writes a paragraph. ODF collapses blanks, so a blank at the start
// or after another blank is written as text:s.
func oPara(b *strings.Builder, pa para) {
	fmt.Fprintf(b, `<text:p text:style-name="%s">`, oStyleName(pa.style))
	blank := true // at the start, a blank would be dropped
	for _, r := range pa.runs {
		switch r.kind {
		case runText:
			if r.strong {
				b.WriteString(`<text:span text:style-name="Strong">`)
			}
			for _, ch := range r.text {
				switch {
				case ch == ' ' && blank:
					b.WriteString("<text:s/>")
				case ch == ' ':
					b.WriteByte(' ')
					blank = true
				default:
					b.WriteString(esc(string(ch)))
					blank = false
				}
			}
			if r.strong {
				b.WriteString("</text:span>")
			}
		case runBreak:
			b.WriteString("<text:line-break/>")
			blank = true
		case runTab:
			b.WriteString("<text:tab/>")
			blank = false
		case runPage:
			b.WriteString(`<text:page-number text:select-page="current">1</text:page-number>`)
			blank = false
		case runPages:
			b.WriteString("<text:page-count>1</text:page-count>")
			blank = false
		}
	}
	b.WriteString("</text:p>")
}

// oCellNames are the cell styles of each look (oCellStyles).
var oCellNames = map[look]string{plain: "CellPlain", head: "CellHead", line: "CellLine", grand: "CellGrand", grid: "CellGrid"}

// oCellStyles are the automatic cell and row styles every part with tables
// uses: the padding of Word's cell margins, and each look's borders.
var oCellStyles = func() string {
	props := map[look]string{
		plain: `fo:border="none"`,
		head:  `fo:border="none" fo:background-color="#` + accent + `"`,
		line:  `fo:border-top="none" fo:border-left="none" fo:border-right="none" fo:border-bottom="0.5pt solid #` + lightGrey + `"`,
		grand: `fo:border-top="1pt solid #` + accent + `" fo:border-left="none" fo:border-right="none" fo:border-bottom="none"`,
		grid:  `fo:border="0.5pt solid #` + lightGrey + `"`,
	}
	var b strings.Builder
	for _, lk := range []look{plain, head, line, grand, grid} {
		fmt.Fprintf(&b, `<style:style style:name="%s" style:family="table-cell"><style:table-cell-properties `+
			`fo:padding-top="0.07cm" fo:padding-bottom="0.07cm" fo:padding-left="0.15cm" fo:padding-right="0.15cm" %s/></style:style>`,
			oCellNames[lk], props[lk])
	}
	b.WriteString(`<style:style style:name="Row" style:family="table-row"><style:table-row-properties fo:keep-together="always"/></style:style>`)
	return b.String()
}()

// table writes a table with its own table and column styles; heading rows
// repeat on each page.
func (w *oWriter) table(t *table) error {
	if err := check(t); err != nil {
		return err
	}
	w.tables++
	name := fmt.Sprintf("%s%d", w.prefix, w.tables)
	fmt.Fprintf(&w.autos, `<style:style style:name="%s" style:family="table"><style:table-properties style:width="%s" table:align="left"/></style:style>`,
		name, cmLen(sum(t.widths)))
	fmt.Fprintf(&w.b, `<table:table table:name="%s" table:style-name="%s">`, name, name)
	for i, wd := range t.widths {
		col := fmt.Sprintf("%s.%c", name, 'A'+i)
		fmt.Fprintf(&w.autos, `<style:style style:name="%s" style:family="table-column"><style:table-column-properties style:column-width="%s"/></style:style>`,
			col, cmLen(wd))
		fmt.Fprintf(&w.b, `<table:table-column table:style-name="%s"/>`, col)
	}
	for i, r := range t.rows {
		if i == 0 && t.head > 0 {
			w.b.WriteString("<table:table-header-rows>")
		}
		w.b.WriteString(`<table:table-row table:style-name="Row">`)
		for _, c := range r.cells {
			fmt.Fprintf(&w.b, `<table:table-cell table:style-name="%s" office:value-type="string"`, oCellNames[r.look])
			if c.span > 1 {
				fmt.Fprintf(&w.b, ` table:number-columns-spanned="%d"`, c.span)
			}
			w.b.WriteString(">")
			for _, pa := range c.paras {
				oPara(&w.b, pa)
			}
			w.b.WriteString("</table:table-cell>" + strings.Repeat("<table:covered-table-cell/>", c.span-1))
		}
		w.b.WriteString("</table:table-row>")
		if i == t.head-1 {
			w.b.WriteString("</table:table-header-rows>")
		}
	}
	w.b.WriteString("</table:table>")
	return nil
}

// oPageLayout is A4 with the margins of the Word version: the header and
// footer grow towards the body, which starts and ends where Word's does.
func oPageLayout() string {
	return fmt.Sprintf(`<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="%s" fo:page-height="%s" `+
		`style:print-orientation="portrait" fo:margin-top="%s" fo:margin-bottom="%s" fo:margin-left="%s" fo:margin-right="%s"/>`+
		`<style:header-style><style:header-footer-properties fo:min-height="%s" fo:margin-bottom="0.4cm"/></style:header-style>`+
		`<style:footer-style><style:header-footer-properties fo:min-height="%s" fo:margin-top="0.4cm"/></style:footer-style></style:page-layout>`,
		cmLen(pageWidth), cmLen(pageHeight), cmLen(headerFooterDistance), cmLen(headerFooterDistance), cmLen(marginSide), cmLen(marginSide),
		cmLen(marginTop-headerFooterDistance), cmLen(marginBottom-headerFooterDistance))
}

// oStyles writes the common styles: the defaults (font, size, language),
// Strong, and the paragraph styles.
func oStyles(l language) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<style:default-style style:family="paragraph"><style:paragraph-properties fo:margin-top="0pt" fo:margin-bottom="0pt"/>`+
		`<style:text-properties style:font-name="%s" style:font-name-complex="%s" fo:font-size="%s" style:font-size-complex="%s" `+
		`fo:language="%s" fo:country="%s"/></style:default-style>`, font, font, ptLen(baseSize), ptLen(baseSize), l.language, l.country)
	b.WriteString(`<style:style style:name="Strong" style:family="text"><style:text-properties fo:font-weight="bold" style:font-weight-complex="bold"/></style:style>`)
	for _, s := range styles {
		oStyle(&b, s)
	}
	return b.String()
}

// oStyle writes a paragraph style.
func oStyle(b *strings.Builder, s pstyle) {
	if s.id == "Normal" {
		b.WriteString(`<style:style style:name="Standard" style:family="paragraph" style:class="text">`)
	} else {
		fmt.Fprintf(b, `<style:style style:name="%s" style:display-name="%s" style:family="paragraph" style:parent-style-name="Standard" style:class="text">`,
			s.id, s.name)
	}
	fmt.Fprintf(b, `<style:paragraph-properties fo:margin-top="%s" fo:margin-bottom="%s"`, ptLen(s.before), ptLen(s.after))
	if s.indent > 0 {
		fmt.Fprintf(b, ` fo:margin-left="%s"`, cmLen(s.indent))
	}
	if s.hanging > 0 {
		fmt.Fprintf(b, ` fo:text-indent="%s"`, cmLen(-s.hanging))
	}
	if s.align != "" {
		fmt.Fprintf(b, ` fo:text-align="%s"`, map[string]string{"right": "end", "center": "center"}[s.align])
	}
	if s.keepNext {
		b.WriteString(` fo:keep-with-next="always"`)
	}
	if s.rule != "" {
		fmt.Fprintf(b, ` fo:border-%s="0.75pt solid #%s" fo:padding-%s="0.1cm"`, s.rule, s.ruleColor(), s.rule)
	}
	b.WriteString("/>")
	b.WriteString("<style:text-properties")
	if s.size > 0 {
		fmt.Fprintf(b, ` fo:font-size="%s" style:font-size-complex="%s"`, ptLen(s.size), ptLen(s.size))
	}
	if s.bold {
		b.WriteString(` fo:font-weight="bold" style:font-weight-complex="bold"`)
	}
	if s.italic {
		b.WriteString(` fo:font-style="italic" style:font-style-complex="italic"`)
	}
	if s.color != "" {
		fmt.Fprintf(b, ` fo:color="#%s"`, s.color)
	}
	b.WriteString("/></style:style>")
}

package gen

import (
	"fmt"
	"strings"
)

// Namespaces of WordprocessingML.
const (
	wNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	relNS  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	ctWord = "application/vnd.openxmlformats-officedocument.wordprocessingml."
)

// Page geometry (A4) shared by both formats, in centimetres: the header
// and footer sit 1 cm from the edges; the body starts below the letterhead.
const (
	pageWidth, pageHeight = 21.0, 29.7
	marginSide            = 2.0
	marginTop             = 4.0
	marginBottom          = 3.0
	headerFooterDistance  = 1.0
)

// docx writes a document as a Word file.
func docx(d *doc) ([]byte, error) {
	body, err := wBlocks(d.body)
	if err != nil {
		return nil, err
	}
	header, err := wBlocks(d.header)
	if err != nil {
		return nil, err
	}
	footer, err := wBlocks(d.footer)
	if err != nil {
		return nil, err
	}
	sect := fmt.Sprintf(`<w:sectPr><w:headerReference w:type="default" r:id="rIdHeader1"/><w:footerReference w:type="default" r:id="rIdFooter1"/>`+
		`<w:pgSz w:w="%d" w:h="%d"/><w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="%d" w:footer="%d" w:gutter="0"/>`+
		`<w:cols w:space="708"/></w:sectPr>`,
		twips(pageWidth), twips(pageHeight), twips(marginTop), twips(marginSide), twips(marginBottom), twips(marginSide),
		twips(headerFooterDistance), twips(headerFooterDistance))
	return zipEntries([]entry{
		{"[Content_Types].xml", []byte(xmlHead + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="` + ctWord + `document.main+xml"/>` +
			`<Override PartName="/word/styles.xml" ContentType="` + ctWord + `styles+xml"/>` +
			`<Override PartName="/word/settings.xml" ContentType="` + ctWord + `settings+xml"/>` +
			`<Override PartName="/word/header1.xml" ContentType="` + ctWord + `header+xml"/>` +
			`<Override PartName="/word/footer1.xml" ContentType="` + ctWord + `footer+xml"/>` +
			`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>`)},
		{"_rels/.rels", []byte(xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + relNS + `officeDocument" Target="word/document.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
			`</Relationships>`)},
		{"docProps/core.xml", []byte(xmlHead + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ` +
			`xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>` + esc(d.title) + `</dc:title><dc:creator>Rapport</dc:creator>` +
			`<dc:language>` + d.lang.tag + `</dc:language></cp:coreProperties>`)},
		{"word/document.xml", []byte(xmlHead + `<w:document ` + wNS + `><w:body>` + body + sect + `</w:body></w:document>`)},
		{"word/_rels/document.xml.rels", []byte(xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rIdStyles" Type="` + relNS + `styles" Target="styles.xml"/>` +
			`<Relationship Id="rIdSettings" Type="` + relNS + `settings" Target="settings.xml"/>` +
			`<Relationship Id="rIdHeader1" Type="` + relNS + `header" Target="header1.xml"/>` +
			`<Relationship Id="rIdFooter1" Type="` + relNS + `footer" Target="footer1.xml"/></Relationships>`)},
		{"word/styles.xml", []byte(wStyles(d.lang.tag))},
		{"word/settings.xml", []byte(xmlHead + `<w:settings ` + wNS + `><w:defaultTabStop w:val="709"/>` +
			`<w:characterSpacingControl w:val="doNotCompress"/><w:compat>` +
			`<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>` +
			`</w:compat></w:settings>`)},
		{"word/header1.xml", []byte(xmlHead + `<w:hdr ` + wNS + `>` + header + `</w:hdr>`)},
		{"word/footer1.xml", []byte(xmlHead + `<w:ftr ` + wNS + `>` + footer + `</w:ftr>`)},
	})
}

// wBlocks writes paragraphs and tables.
func wBlocks(bs []block) (string, error) {
	var b strings.Builder
	for _, bl := range bs {
		switch x := bl.(type) {
		case para:
			wPara(&b, x)
		case table:
			if err := wTable(&b, &x); err != nil {
				return "", err
			}
		}
	}
	return b.String(), nil
}

// wPara writes a paragraph: its style, and runs with the character style
// Strong where marked.
func wPara(b *strings.Builder, pa para) {
	fmt.Fprintf(b, `<w:p><w:pPr><w:pStyle w:val="%s"/></w:pPr>`, pa.style)
	for _, r := range pa.runs {
		open := "<w:r>"
		if r.strong {
			open = `<w:r><w:rPr><w:rStyle w:val="Strong"/></w:rPr>`
		}
		switch r.kind {
		case runText:
			b.WriteString(open + `<w:t xml:space="preserve">` + esc(r.text) + `</w:t></w:r>`)
		case runBreak:
			b.WriteString(open + `<w:br/></w:r>`)
		case runTab:
			b.WriteString(open + `<w:tab/></w:r>`)
		case runPage, runPages:
			instr := " PAGE "
			if r.kind == runPages {
				instr = " NUMPAGES "
			}
			b.WriteString(`<w:fldSimple w:instr="` + instr + `">` + open + `<w:t>1</w:t></w:r></w:fldSimple>`)
		}
	}
	b.WriteString("</w:p>")
}

// wLook returns the cell properties that draw a row's look.
func wLook(lk look) string {
	border := func(side string, size int, color string) string {
		return fmt.Sprintf(`<w:%s w:val="single" w:sz="%d" w:space="0" w:color="%s"/>`, side, size, color)
	}
	switch lk {
	case head:
		return `<w:shd w:val="clear" w:color="auto" w:fill="` + accent + `"/>`
	case line:
		return "<w:tcBorders>" + border("bottom", 4, lightGrey) + "</w:tcBorders>"
	case grand:
		return "<w:tcBorders>" + border("top", 8, accent) + "</w:tcBorders>"
	case grid:
		return "<w:tcBorders>" + border("top", 4, lightGrey) + border("left", 4, lightGrey) +
			border("bottom", 4, lightGrey) + border("right", 4, lightGrey) + "</w:tcBorders>"
	}
	return ""
}

// wTable writes a table with fixed columns; heading rows repeat on each
// page and no row breaks across pages.
func wTable(b *strings.Builder, t *table) error {
	if err := check(t); err != nil {
		return err
	}
	fmt.Fprintf(b, `<w:tbl><w:tblPr><w:tblW w:w="%d" w:type="dxa"/><w:tblLayout w:type="fixed"/>`+
		`<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="85" w:type="dxa"/><w:bottom w:w="40" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>`+
		`</w:tblPr><w:tblGrid>`, twips(sum(t.widths)))
	for _, w := range t.widths {
		fmt.Fprintf(b, `<w:gridCol w:w="%d"/>`, twips(w))
	}
	b.WriteString("</w:tblGrid>")
	for i, r := range t.rows {
		b.WriteString("<w:tr><w:trPr><w:cantSplit/>")
		if i < t.head {
			b.WriteString("<w:tblHeader/>")
		}
		b.WriteString("</w:trPr>")
		col := 0
		for _, c := range r.cells {
			fmt.Fprintf(b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/>`, twips(spanWidth(t, col, c.span)))
			if c.span > 1 {
				fmt.Fprintf(b, `<w:gridSpan w:val="%d"/>`, c.span)
			}
			b.WriteString(wLook(r.look) + "</w:tcPr>")
			for _, pa := range c.paras {
				wPara(b, pa)
			}
			b.WriteString("</w:tc>")
			col += c.span
		}
		b.WriteString("</w:tr>")
	}
	// Word needs a paragraph between a table and whatever follows it; the
	// caller writes it (a table is never the last block of a part).
	b.WriteString("</w:tbl>")
	return nil
}

// wStyles writes styles.xml: the defaults (font, size, language), the
// table and character defaults Word expects, Strong, and the paragraph
// styles.
func wStyles(lang string) string {
	var b strings.Builder
	b.WriteString(xmlHead + `<w:styles ` + wNS + `><w:docDefaults><w:rPrDefault><w:rPr>` +
		`<w:rFonts w:ascii="` + font + `" w:hAnsi="` + font + `" w:eastAsia="` + font + `" w:cs="` + font + `"/>` +
		fmt.Sprintf(`<w:sz w:val="%d"/><w:szCs w:val="%d"/>`, baseSize*2, baseSize*2) +
		`<w:lang w:val="` + lang + `" w:eastAsia="` + lang + `" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>` +
		`<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
		`<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/>` +
		`<w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>` +
		`<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/>` +
		`<w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>` +
		`<w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
		`<w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/><w:basedOn w:val="DefaultParagraphFont"/>` +
		`<w:uiPriority w:val="22"/><w:qFormat/><w:rPr><w:b/><w:bCs/></w:rPr></w:style>`)
	for _, s := range styles {
		wStyle(&b, s)
	}
	b.WriteString("</w:styles>")
	return b.String()
}

// wStyle writes a paragraph style, its properties in the order the schema
// wants them.
func wStyle(b *strings.Builder, s pstyle) {
	if s.id == "Normal" {
		b.WriteString(`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>`)
	} else {
		fmt.Fprintf(b, `<w:style w:type="paragraph" w:customStyle="1" w:styleId="%s"><w:name w:val="%s"/><w:basedOn w:val="Normal"/><w:qFormat/>`, s.id, s.name)
	}
	b.WriteString("<w:pPr>")
	if s.keepNext {
		b.WriteString("<w:keepNext/>")
	}
	if s.rule != "" {
		fmt.Fprintf(b, `<w:pBdr><w:%s w:val="single" w:sz="6" w:space="4" w:color="%s"/></w:pBdr>`, s.rule, s.ruleColor())
	}
	fmt.Fprintf(b, `<w:spacing w:before="%d" w:after="%d"/>`, int(s.before*20), int(s.after*20))
	if s.indent > 0 {
		fmt.Fprintf(b, `<w:ind w:left="%d"`, twips(s.indent))
		if s.hanging > 0 {
			fmt.Fprintf(b, ` w:hanging="%d"`, twips(s.hanging))
		}
		b.WriteString("/>")
	}
	if s.align != "" {
		fmt.Fprintf(b, `<w:jc w:val="%s"/>`, map[string]string{"right": "right", "center": "center"}[s.align])
	}
	b.WriteString("</w:pPr><w:rPr>")
	if s.bold {
		b.WriteString("<w:b/><w:bCs/>")
	}
	if s.italic {
		b.WriteString("<w:i/><w:iCs/>")
	}
	if s.color != "" {
		fmt.Fprintf(b, `<w:color w:val="%s"/>`, s.color)
	}
	if s.size > 0 {
		fmt.Fprintf(b, `<w:sz w:val="%d"/><w:szCs w:val="%d"/>`, int(s.size*2), int(s.size*2))
	}
	b.WriteString("</w:rPr></w:style>")
}

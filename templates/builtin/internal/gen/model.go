package gen

import "strings"

// doc is one built-in document, written both as DOCX and as ODT.
type doc struct {
	key    string // the file name without its extension: "quote-en"
	title  string // the document's title property
	lang   language
	header []block
	footer []block
	body   []block
}

// block is a paragraph or a table.
type block interface{ isBlock() }

// para is a paragraph of one of the styles in styles.go.
type para struct {
	style string
	runs  []run
}

// runKind is what a run holds.
type runKind uint8

const (
	runText runKind = iota
	runBreak
	runTab
	runPage  // the page number field
	runPages // the page count field
)

// run is a piece of a paragraph: text (strong or not), a line break, a
// tab, or a page field.
type run struct {
	kind   runKind
	text   string
	strong bool
}

// table is a table with fixed column widths.
type table struct {
	widths []float64 // centimetres
	head   int       // leading rows that repeat on every page
	rows   []row
}

// look is how a row's cells are drawn.
type look uint8

const (
	plain look = iota // no borders
	head              // shaded with the accent colour (white heading text)
	line              // a thin rule below
	grand             // an accent rule above (the grand total)
	grid              // thin lines all round (a form, such as bank details)
)

// row is a table row.
type row struct {
	look  look
	cells []cell
}

// cell is a table cell spanning one or more columns.
type cell struct {
	span  int
	paras []para
}

func (para) isBlock()  {}
func (table) isBlock() {}

// Markers in paragraph text for the page fields: private-use characters
// that no template text holds.
const (
	pageNo    = "\uE000"
	pageCount = "\uE001"
)

// p makes a paragraph from text with a little markup: **strong**, "\n" a
// line break, "\t" a tab, pageNo and pageCount the page fields.
func p(style, text string) para {
	pa := para{style: style}
	for i, part := range strings.Split(text, "**") {
		strong := i%2 == 1
		for text := part; text != ""; {
			j := strings.IndexAny(text, "\n\t"+pageNo+pageCount)
			if j < 0 {
				pa.runs = append(pa.runs, run{text: text, strong: strong})
				break
			}
			if j > 0 {
				pa.runs = append(pa.runs, run{text: text[:j], strong: strong})
			}
			text = text[j:]
			switch {
			case text[0] == '\n':
				pa.runs, text = append(pa.runs, run{kind: runBreak}), text[1:]
			case text[0] == '\t':
				pa.runs, text = append(pa.runs, run{kind: runTab}), text[1:]
			case strings.HasPrefix(text, pageNo):
				pa.runs, text = append(pa.runs, run{kind: runPage}), text[len(pageNo):]
			default:
				pa.runs, text = append(pa.runs, run{kind: runPages}), text[len(pageCount):]
			}
		}
	}
	return pa
}

// ps makes paragraphs of one style.
func ps(style string, texts ...string) []para {
	out := make([]para, len(texts))
	for i, t := range texts {
		out[i] = p(style, t)
	}
	return out
}

// c makes a cell of one column.
func c(paras ...para) cell { return cell{span: 1, paras: paras} }

// span makes a cell over n columns.
func span(n int, paras ...para) cell { return cell{span: n, paras: paras} }

// tr makes a row.
func tr(lk look, cells ...cell) row { return row{look: lk, cells: cells} }

// blocks turns paragraphs into blocks.
func blocks(paras ...para) []block {
	out := make([]block, len(paras))
	for i, pa := range paras {
		out[i] = pa
	}
	return out
}

// cat joins lists of blocks.
func cat(parts ...[]block) []block {
	var out []block
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

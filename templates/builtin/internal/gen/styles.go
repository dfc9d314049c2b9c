package gen

// Colours of the documents: an accent for headings, rules and the heading
// row of tables, grey for small print, a light grey for rules between lines.
const (
	accent    = "1F4E79"
	grey      = "595959"
	lightGrey = "BFBFBF"
	white     = "FFFFFF"
	font      = "Arial" // LibreOffice substitutes a metric-compatible font
)

// pstyle is a paragraph style. Sizes are points, indents centimetres.
type pstyle struct {
	id, name      string
	size          float64
	bold, italic  bool
	color         string
	align         string // "", "right" or "center"
	before, after float64
	keepNext      bool
	indent        float64
	hanging       float64 // the first line starts this much left of indent; a tab goes back to indent
	rule          string  // "top" or "bottom": a rule on that side
}

// baseSize is the size of Normal text.
const baseSize = 10

// styles are the paragraph styles every document has, Normal first. The
// ids are Word style ids and Writer style names alike (Normal is Writer's
// "Standard"); the names avoid Word's built-in ones (Title, Footer,
// Signature), whose definitions Word would otherwise mix in.
var styles = []pstyle{
	{id: "Normal", name: "Normal", size: baseSize, after: 6},
	{id: "DocTitle", name: "Document Title", size: 15, bold: true, color: accent, before: 14, after: 8, keepNext: true},
	{id: "SectionHeading", name: "Section Heading", size: 10.5, bold: true, color: accent, before: 10, after: 4, keepNext: true},
	{id: "CompanyName", name: "Company Name", size: 13, bold: true, color: accent, align: "right", after: 2},
	{id: "Letterhead", name: "Letterhead", size: 8, color: grey, align: "right"},
	{id: "Logo", name: "Logo"},
	{id: "Rule", name: "Rule", size: 2, rule: "bottom", after: 4},
	{id: "PageFooter", name: "Page Footer", size: 7.5, color: grey, align: "center", rule: "top"},
	{id: "AddressBlock", name: "Address Block"},
	{id: "Details", name: "Details", size: 9, indent: 3.2, hanging: 3.2},
	{id: "Indented", name: "Indented", indent: 1, after: 6},
	{id: "TableHeading", name: "Table Heading", size: 8.5, bold: true, color: white, keepNext: true},
	{id: "TableHeadingNumber", name: "Table Heading Number", size: 8.5, bold: true, color: white, align: "right", keepNext: true},
	{id: "TableText", name: "Table Text", size: 9},
	{id: "TableNumber", name: "Table Number", size: 9, align: "right"},
	{id: "Remark", name: "Remark", size: 9, italic: true, color: grey, before: 6, after: 6},
	{id: "Close", name: "Complimentary Close", after: 6, keepNext: true},
	{id: "SignOff", name: "Sign-off", before: 24, keepNext: true},
}

// ruleColor is the colour of a style's rule: light above the footer, the
// accent under the letterhead.
func (s pstyle) ruleColor() string {
	if s.rule == "top" {
		return lightGrey
	}
	return accent
}

package contactfile

import (
	"bytes"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestWriteXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, sampleContacts(), resolveAccount); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{"Contacts"}) {
		t.Fatalf("sheets %q", sheets)
	}
	rows, err := f.GetRows("Contacts")
	if err != nil || len(rows) != 4 || !slices.Equal(rows[0], exportHeader()) {
		t.Fatalf("%v %q", err, rows)
	}
	cell := func(row int, col string) string {
		i := slices.Index(exportHeader(), col)
		if i >= len(rows[row]) {
			return ""
		}
		return rows[row][i]
	}
	for _, tt := range []struct {
		row       int
		col, want string
	}{
		{1, "last_name", "Чайковский 🎻"},
		{1, "company", accountName},
		{1, "phone", "+7 916 000-00-01"}, // no formula guard: XLSX cells are typed strings
		{1, "birthday", "1840-05-07"},
		{2, "display_name", "李伟 (Li Wei) 😀"},
		{3, "display_name", `=HYPERLINK("http://evil.example")`},
	} {
		if got := cell(tt.row, tt.col); got != tt.want {
			t.Errorf("row %d %s = %q, want %q", tt.row, tt.col, got, tt.want)
		}
	}
	if typ, _ := f.GetCellType("Contacts", cellOf(t, "phone", 2)); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
		t.Errorf("phone cell type %v, want a string", typ)
	}
	if formula, _ := f.GetCellFormula("Contacts", cellOf(t, "display_name", 4)); formula != "" {
		t.Errorf("display name holds a formula %q", formula)
	}
}

// cellOf names the cell of an export column in a sheet row.
func cellOf(t *testing.T, col string, row int) string {
	t.Helper()
	name, err := excelize.CoordinatesToCellName(slices.Index(exportHeader(), col)+1, row)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

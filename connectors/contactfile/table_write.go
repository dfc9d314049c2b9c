package contactfile

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"rapport/model"
)

// WriteCSV writes UTF-8 CSV with a BOM (so Excel shows Cyrillic correctly),
// CRLF line ends and a header of JSON field names (see columns.go). The
// first e-mail and phone go in email and phone, all of them in emails and
// phones as "type:value; …"; the first address fills street … country, all
// of them go in addresses as JSON. A cell starting with = + - @ (a phone
// "+7 …" too), a tab, CR or ' gets a leading ' so that a spreadsheet shows
// text instead of running a formula; ReadCSV removes it again.
func WriteCSV(w io.Writer, contacts []*model.Contact, accountName func(id string) string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("contactfile: write: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	err := cw.Write(exportHeader())
	for i := 0; err == nil && i < len(contacts); i++ {
		rec := exportRecord(contacts[i], accountName)
		for j := range rec {
			rec[j] = guard(rec[j])
		}
		err = cw.Write(rec)
	}
	if cw.Flush(); err == nil {
		err = cw.Error()
	}
	if err != nil {
		return fmt.Errorf("contactfile: write: %w", err)
	}
	return nil
}

// formulaStarts are the first characters that make a spreadsheet cell a
// formula (or hide one), and the guard character itself so guarding stays
// reversible.
const formulaStarts = "=+-@\t\r'"

func guard(v string) string {
	if v != "" && strings.IndexByte(formulaStarts, v[0]) >= 0 {
		return "'" + v
	}
	return v
}

func unguard(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.IndexByte(formulaStarts, v[1]) >= 0 {
		return v[1:]
	}
	return v
}

// WriteXLSX writes one sheet "Contacts" with the CSV columns, every cell a
// string (so phones and ids stay text and nothing is a formula). It streams
// rows, so 100,000 contacts stay fast and small in memory. Excel keeps at
// most 32,767 characters in a cell; longer notes are cut there.
func WriteXLSX(w io.Writer, contacts []*model.Contact, accountName func(id string) string) error {
	if len(contacts) >= excelize.TotalRows {
		return model.Errorf(model.ETOOLARGE, "an XLSX sheet holds at most %d contacts; export CSV instead", excelize.TotalRows-1)
	}
	f := excelize.NewFile()
	defer f.Close()
	sw, err := contactSheet(f)
	if err != nil {
		return fmt.Errorf("contactfile: xlsx: %w", err)
	}
	for i, c := range contacts {
		if err := sw.SetRow(cellName(i+2), cells(exportRecord(c, accountName))); err != nil {
			return fmt.Errorf("contactfile: xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("contactfile: xlsx: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("contactfile: write: %w", err)
	}
	return nil
}

// contactSheet renames the default sheet and starts it with a bold, frozen
// header row.
func contactSheet(f *excelize.File) (*excelize.StreamWriter, error) {
	if err := f.SetSheetName(f.GetSheetName(0), "Contacts"); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter("Contacts")
	if err != nil {
		return nil, err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	return sw, sw.SetRow("A1", cells(exportHeader()), excelize.RowOpts{StyleID: bold})
}

// cellName is the name of column A in a row; row numbers here are always
// valid, which is the only way CoordinatesToCellName fails.
func cellName(row int) string {
	name, _ := excelize.CoordinatesToCellName(1, row)
	return name
}

func exportHeader() []string {
	h := make([]string, len(exportColumns))
	for i, col := range exportColumns {
		h[i] = col.name
	}
	return h
}

func exportRecord(c *model.Contact, accountName func(string) string) []string {
	x := exported{Contact: c, company: companyOf(c, accountName)}
	rec := make([]string, len(exportColumns))
	for i, col := range exportColumns {
		rec[i] = col.get(x)
	}
	return rec
}

func cells(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

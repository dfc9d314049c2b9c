package contactfile

import (
	"io"

	"github.com/xuri/excelize/v2"

	"rapport/model"
)

// WriteXLSX writes one sheet "Contacts" with the CSV columns, streamed so
// large exports stay fast and small in memory.
func WriteXLSX(w io.Writer, contacts []*model.Contact, accountName func(id string) string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Contacts"); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter("Contacts")
	if err != nil {
		return err
	}
	cols := exportColumns()
	if err := sw.SetRow("A1", cells(headerOf(cols))); err != nil {
		return err
	}
	for i, c := range contacts {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells(recordOf(c, cols, accountName))); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

func cells(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

package contactfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"rapport/model"
)

var utf8BOM = []byte("\xef\xbb\xbf")

// ReadCSV parses CSV as Excel writes it: UTF-8 with or without a BOM, or
// windows-1251 (taken when the bytes are not valid UTF-8); comma or semicolon
// separated (whichever the header line has more of). Headers match in English
// and Russian (see columns.go); unknown headers are returned once in ignored.
// A line with broken quoting becomes an error row; when the reader cannot
// resynchronise, the rows so far are kept and an error row ends the list.
func ReadCSV(r io.Reader, maxBytes int64) (rows []Row, ignored []string, err error) {
	data, err := readAll(r, maxBytes)
	if err != nil {
		return nil, nil, err
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, nil, err
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sniffComma(text)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, model.Errorf(model.EINVALID, "the CSV file has no readable header line: %v", csvMessage(err))
	}
	cols, ignored := mapHeader(header)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, ignored, nil
		}
		if err != nil {
			// The reader resumes at the next record; an unterminated quote
			// runs to the end of the file and so ends the list.
			rows = append(rows, Row{Line: errLine(err), Err: model.Errorf(model.EINVALID, "%s", csvMessage(err))})
			continue
		}
		if blank(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		rows = append(rows, rowFromRecord(line, rec, cols))
	}
}

// decodeText strips a BOM and converts windows-1251 to UTF-8.
func decodeText(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if utf8.Valid(data) {
		return string(data), nil
	}
	s, err := charmap.Windows1251.NewDecoder().Bytes(data)
	if err != nil {
		return "", model.Errorf(model.EINVALID, "the CSV file is neither UTF-8 nor windows-1251")
	}
	return string(s), nil
}

func sniffComma(text string) rune {
	head, _, _ := strings.Cut(text, "\n")
	if strings.Count(head, ";") > strings.Count(head, ",") {
		return ';'
	}
	return ','
}

func mapHeader(header []string) ([]*column, []string) {
	cols := make([]*column, len(header))
	var ignored []string
	for i, h := range header {
		if c, ok := lookupColumn(h); ok {
			cols[i] = &c
		} else if strings.TrimSpace(h) != "" {
			ignored = append(ignored, h)
		}
	}
	return cols, ignored
}

func rowFromRecord(line int, rec []string, cols []*column) Row {
	c := &model.Contact{}
	company := ""
	for i, v := range rec {
		v = strings.TrimSpace(v)
		if i >= len(cols) || cols[i] == nil || v == "" {
			continue
		}
		if cols[i].name == companyColumn {
			company = v
			continue
		}
		cols[i].set(c, v)
	}
	return finish(line, c, company)
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func errLine(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.StartLine
	}
	return 0
}

func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "broken CSV quoting (" + pe.Err.Error() + ")"
	}
	return err.Error()
}

// WriteCSV writes UTF-8 CSV with a BOM (so Excel shows Cyrillic correctly),
// CRLF line ends and the JSON field names as the header.
func WriteCSV(w io.Writer, contacts []*model.Contact, accountName func(id string) string) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cols := exportColumns()
	if err := cw.Write(headerOf(cols)); err != nil {
		return err
	}
	for _, c := range contacts {
		if err := cw.Write(recordOf(c, cols, accountName)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func headerOf(cols []column) []string {
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = c.name
	}
	return h
}

func recordOf(c *model.Contact, cols []column, accountName func(string) string) []string {
	rec := make([]string, len(cols))
	for i, col := range cols {
		if col.name == companyColumn {
			rec[i] = orgName(c, accountName)
		} else {
			rec[i] = col.get(c)
		}
	}
	return rec
}

package contactfile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"rapport/model"
)

// ReadCSV parses CSV as Excel writes it: UTF-8 with or without a BOM, or
// windows-1251 (taken when the bytes are not valid UTF-8); separated by
// commas, semicolons or tabs, whichever the header line has most of. Header
// names match case-insensitively in English and Russian (see columns.go);
// company goes to Row.Company. Unknown headers are returned once each in
// ignored. A line with broken quoting becomes an error row naming the line
// and the lines after it are still read. A cell Rapport guarded against
// formula injection ("'=…", see WriteCSV) is read back without the guard.
// Ids and timestamps are recognised but not imported: the store assigns
// them. A header with no known column at all fails the whole file.
func ReadCSV(r io.Reader, maxBytes int64) (rows []Row, ignored []string, err error) {
	data, err := readAll(r, maxBytes)
	if err != nil {
		return nil, nil, err
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, nil, model.Errorf(model.EMALFORMED, "the CSV file is neither UTF-8 nor windows-1251")
	}
	text = strings.TrimPrefix(text, "\ufeff")
	imp := csvImport{}
	readRecords(text, sniffComma(text), imp.record)
	return imp.rows, imp.ignored, imp.err
}

// sniffComma picks the separator the header line uses most (Excel writes
// ";" where the decimal separator is a comma, as in Russia).
func sniffComma(text string) rune {
	head, _, _ := strings.Cut(text, "\n")
	best, most := ',', 0
	for _, sep := range []rune{',', ';', '\t'} {
		if n := strings.Count(head, string(sep)); n > most {
			best, most = sep, n
		}
	}
	return best
}

// readRecords parses text, calling emit with each record or parse error and
// its line until emit returns false. After an error that ran to the end of
// the text (an unterminated quote swallows the rest of the file), it starts
// again on the line after the one that failed, so a broken line costs only
// its own row.
func readRecords(text string, comma rune, emit func(line int, rec []string, err error) bool) {
	for skipped := 0; text != ""; {
		cr := csv.NewReader(strings.NewReader(text))
		cr.Comma, cr.FieldsPerRecord, cr.ReuseRecord = comma, -1, true
		restart := 0
		for restart == 0 {
			rec, err := cr.Read()
			var pe *csv.ParseError
			switch {
			case errors.Is(err, io.EOF):
				return
			case errors.As(err, &pe):
				if cr.InputOffset() == int64(len(text)) {
					restart = pe.StartLine
				}
				if !emit(skipped+pe.StartLine, nil, pe.Err) {
					return
				}
			case err != nil || len(rec) == 0: // a strings.Reader fails no other way
				return
			default:
				line, _ := cr.FieldPos(0)
				if !emit(skipped+line, rec, nil) {
					return
				}
			}
		}
		text, skipped = dropLines(text, restart), skipped+restart
	}
}

// dropLines returns text without its first n lines.
func dropLines(text string, n int) string {
	for ; n > 0 && text != ""; n-- {
		_, text, _ = strings.Cut(text, "\n")
	}
	return text
}

// csvImport turns the records of one file into rows.
type csvImport struct {
	cols    []*column // by cell position; nil for an ignored header
	rows    []Row
	ignored []string
	err     error
}

func (p *csvImport) record(line int, rec []string, err error) bool {
	switch {
	case p.cols == nil && err != nil:
		p.err = model.Errorf(model.EMALFORMED, "line %d: the CSV header is unreadable (%v)", line, err)
		return false
	case p.cols == nil:
		if !p.header(rec) {
			p.err = model.Errorf(model.EMALFORMED, "line %d: the header names no known column (such as first_name, "+
				"last_name, email, phone, Имя, Фамилия); is the first line a header?", line)
			return false
		}
	case err != nil:
		p.rows = append(p.rows, rowError(line, model.EMALFORMED, "line %d: broken CSV quoting (%v)", line, err))
	case !slices.ContainsFunc(rec, func(v string) bool { return !isBlank(v) }):
		// Excel writes rows of bare separators below the data.
	default:
		p.rows = append(p.rows, p.row(line, rec))
	}
	return true
}

// header maps the header cells to columns and reports whether any is known.
func (p *csvImport) header(rec []string) bool {
	p.cols = make([]*column, len(rec))
	known, seen := false, map[string]bool{}
	for i, h := range rec {
		p.cols[i] = headerIndex[headerKey(h)]
		known = known || p.cols[i] != nil
		if p.cols[i] == nil && !isBlank(h) && !seen[h] {
			seen[h] = true
			p.ignored = append(p.ignored, h)
		}
	}
	return known
}

func (p *csvImport) row(line int, rec []string) Row {
	b := rowBuilder{c: &model.Contact{}, fe: model.FieldErrors{}}
	for i, v := range rec {
		col := (*column)(nil)
		if i < len(p.cols) {
			col = p.cols[i]
		}
		v = newlines.Replace(unguard(v)) // Normalize trims what needs trimming; notes keep their spaces
		switch {
		case col == nil || col.set == nil || isBlank(v):
		case strings.IndexByte(v, 0) >= 0:
			b.fe.Add(col.name, "NUL character in a value")
		default:
			col.set(&b, v)
		}
	}
	return b.finish(line)
}

// finish merges the flat address and single e-mail/phone columns with the
// list columns without repeating what both carry, as they do in Rapport's
// own exports.
func (b *rowBuilder) finish(line int) Row {
	c := b.c
	if b.addr != (model.Address{}) && !slices.ContainsFunc(c.Addresses, func(a model.Address) bool {
		a.Type = ""
		return a == b.addr
	}) {
		c.Addresses = append([]model.Address{b.addr}, c.Addresses...)
	}
	c.Emails, c.Phones = dedupeLabeled(c.Emails), dedupeLabeled(c.Phones)
	return finish(fmt.Sprintf("line %d", line), line, c, b.company, b.fe)
}

// dedupeLabeled keeps the first of equal values, with the first type given.
func dedupeLabeled(list []model.Labeled) []model.Labeled {
	out := list[:0]
	seen := map[string]int{}
	for _, l := range list {
		key := strings.ToLower(strings.TrimSpace(l.Value))
		if i, ok := seen[key]; ok {
			fill(&out[i].Type, l.Type)
			continue
		}
		seen[key] = len(out)
		out = append(out, l)
	}
	return out
}

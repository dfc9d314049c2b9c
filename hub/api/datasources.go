package api

import (
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strings"

	"github.com/gorilla/mux"
	"github.com/xuri/excelize/v2"

	"rapport/model"
	"rapport/model/store"
)

// Data sources are contacts as a table for Word's and Writer's own mail
// merge: one row per contact with stable column names (dataSourceColumns),
// as CSV or XLSX. They are written here rather than by connectors/contactfile,
// whose columns serve a lossless export and import (JSON lists, ids);
// these are the flat fields a letter prints.

// dataSourcePage is how many contacts a data source reads at a time: rows
// stream out page by page, never all contacts in memory.
const dataSourcePage = 1000

// dataSourceFilters are the equality filters of the contacts data source
// (those of the contact list).
const dataSourceFilters = "q filter account_id owner_id language tag sort"

func (a *API) mountDataSources(r *mux.Router) {
	for _, ext := range []string{"csv", "xlsx"} {
		a.handle(r, http.MethodGet, "/contacts/datasource."+ext, operation{id: "contacts_datasource_" + ext, tag: "Templates",
			summary: "Contacts as a " + strings.ToUpper(ext) + " mail-merge data source (filter: q=, the list filters, or filter= with the search filter's JSON)",
			params:  strings.Fields(dataSourceFilters)}, a.contactsDataSource(ext))
		a.handle(r, http.MethodGet, "/mailing-lists/{id}/datasource."+ext, operation{id: "mailing_list_datasource_" + ext, tag: "Templates",
			summary: "A mailing list's subscribed members as a " + strings.ToUpper(ext) + " mail-merge data source"}, a.listDataSource(ext))
	}
}

// contactPager returns a page of contacts after a cursor.
type contactPager func(ctx context.Context, cursor string) (store.Page[*model.Contact], error)

func (a *API) contactsDataSource(ext string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := dataSourceParams(r)
		if err != nil {
			fail(w, r, err)
			return
		}
		a.writeDataSource(w, r, ext, "contacts", func(ctx context.Context, cursor string) (store.Page[*model.Contact], error) {
			p.Cursor = cursor
			return store.List[model.Contact](ctx, a.store, p)
		})
	}
}

func (a *API) listDataSource(ext string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, err := store.Get[model.MailingList](r.Context(), a.store, mux.Vars(r)["id"])
		if err != nil {
			fail(w, r, err)
			return
		}
		a.writeDataSource(w, r, ext, l.Name, func(ctx context.Context, cursor string) (store.Page[*model.Contact], error) {
			return a.store.MailingListMembers(ctx, l.ID, store.ListParams{Cursor: cursor, Limit: dataSourcePage})
		})
	}
}

// dataSourceParams reads the contact list's parameters, and filter= with
// a search filter as JSON; paging is the data source's own.
func dataSourceParams(r *http.Request) (store.ListParams, error) {
	p, err := listParams(r)
	if err != nil {
		return p, err
	}
	if f, ok := p.Equals["filter"]; ok {
		delete(p.Equals, "filter")
		if p.Filter, err = model.ParseFilter([]byte(f)); err != nil {
			return p, err
		}
	}
	p.Cursor, p.Limit = "", dataSourcePage
	return p, nil
}

// writeDataSource writes every contact next pages through. Errors before
// the first row (a bad filter, an unknown list) are problems; XLSX is
// written only at the end, so its errors are too. A CSV that fails after
// its first rows is cut off (the connection is aborted), never ended as if
// complete.
func (a *API) writeDataSource(w http.ResponseWriter, r *http.Request, ext, name string, next contactPager) {
	ctx := r.Context()
	page, err := next(ctx, "")
	if err != nil {
		fail(w, r, err)
		return
	}
	sheet := newSheet(ext, w, name)
	for err == nil {
		var rows [][]string
		if rows, err = a.dataSourceRows(ctx, page.Items); err == nil {
			err = sheet.rows(rows)
		}
		if err != nil || page.NextCursor == "" {
			break
		}
		page, err = next(ctx, page.NextCursor)
	}
	if err == nil {
		err = sheet.finish()
	}
	if err != nil {
		sheet.fail(w, r, err)
	}
}

// dataSourceRows turns contacts into rows, with their accounts read in one
// query.
func (a *API) dataSourceRows(ctx context.Context, contacts []*model.Contact) ([][]string, error) {
	var ids []any
	for _, c := range contacts {
		if c.AccountID != nil {
			ids = append(ids, *c.AccountID)
		}
	}
	accounts := map[string]*model.Account{}
	if len(ids) > 0 {
		page, err := store.List[model.Account](ctx, a.store, store.ListParams{Limit: len(ids),
			Filter: model.Filter{All: []model.Condition{{Field: "id", Op: "in", Value: ids}}}})
		if err != nil {
			return nil, err
		}
		for _, acc := range page.Items {
			accounts[acc.ID] = acc
		}
	}
	rows := make([][]string, len(contacts))
	for i, c := range contacts {
		src := sourceContact{Contact: c}
		if c.AccountID != nil {
			src.account = accounts[*c.AccountID]
		}
		rows[i] = src.row()
	}
	return rows, nil
}

// sourceContact is a contact with its account, as a data source row sees it.
type sourceContact struct {
	*model.Contact
	account *model.Account
}

// address is the contact's first address, else its account's: a letter
// to someone without an address of their own goes to the company.
func (c sourceContact) address() model.Address {
	switch {
	case len(c.Addresses) > 0:
		return c.Addresses[0]
	case c.account != nil && len(c.account.Addresses) > 0:
		return c.account.Addresses[0]
	}
	return model.Address{}
}

// dataSourceColumn is one column: its name, stable and documented in
// docs/templates.md, and its value.
type dataSourceColumn struct {
	name  string
	value func(c sourceContact) string
}

// dataSourceColumns are the columns of every data source, in order.
var dataSourceColumns = []dataSourceColumn{
	{"id", func(c sourceContact) string { return c.ID }},
	{"display_name", func(c sourceContact) string { return c.DisplayName }},
	// The form of address (Ms, Dr, г-жа) is the custom field the built-in
	// letters read too; title is the job title.
	{"salutation", func(c sourceContact) string { s, _ := c.CustomFields["salutation"].(string); return s }},
	{"first_name", func(c sourceContact) string { return c.FirstName }},
	{"middle_name", func(c sourceContact) string { return c.MiddleName }},
	{"last_name", func(c sourceContact) string { return c.LastName }},
	{"title", func(c sourceContact) string { return c.Title }},
	{"account_name", func(c sourceContact) string {
		if c.account == nil {
			return ""
		}
		return c.account.Name
	}},
	{"email", func(c sourceContact) string { return firstOf(c.Emails, "") }},
	{"phone", func(c sourceContact) string { return firstOf(c.Phones, "") }},
	{"mobile", func(c sourceContact) string { return firstOf(c.Phones, "mobile") }},
	{"street", func(c sourceContact) string { return c.address().Street }},
	{"postal_code", func(c sourceContact) string { return c.address().PostalCode }},
	{"city", func(c sourceContact) string { return c.address().City }},
	{"region", func(c sourceContact) string { return c.address().Region }},
	{"country", func(c sourceContact) string { return c.address().Country }},
	{"language", func(c sourceContact) string { return c.Language }},
	{"birthday", func(c sourceContact) string {
		if c.Birthday == nil {
			return ""
		}
		return c.Birthday.String()
	}},
}

// firstOf returns the first value of a type ("" for any).
func firstOf(list []model.Labeled, typ string) string {
	for _, l := range list {
		if typ == "" || l.Type == typ {
			return l.Value
		}
	}
	return ""
}

func (c sourceContact) row() []string {
	out := make([]string, len(dataSourceColumns))
	for i, col := range dataSourceColumns {
		out[i] = col.value(c)
	}
	return out
}

func dataSourceHeader() []string {
	out := make([]string, len(dataSourceColumns))
	for i, col := range dataSourceColumns {
		out[i] = col.name
	}
	return out
}

// sheet is a data source being written.
type sheet interface {
	rows(rows [][]string) error
	finish() error
	// fail reports an error of rows or finish to the client.
	fail(w http.ResponseWriter, r *http.Request, err error)
}

// newSheet starts a data source called name.
func newSheet(ext string, w http.ResponseWriter, name string) sheet {
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": name + "." + ext})
	if ext == "xlsx" {
		return &xlsxSheet{w: w, disposition: disposition}
	}
	return &csvSheet{w: w, disposition: disposition}
}

// csvSheet writes UTF-8 CSV with a BOM (Word and Excel then read Cyrillic
// right) and CRLF line ends, row by row.
type csvSheet struct {
	w           http.ResponseWriter
	disposition string
	cw          *csv.Writer
}

func (s *csvSheet) rows(rows [][]string) error {
	if s.cw == nil {
		h := s.w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", s.disposition)
		s.w.WriteHeader(http.StatusOK)
		if _, err := io.WriteString(s.w, "\ufeff"); err != nil {
			return err
		}
		s.cw = csv.NewWriter(s.w)
		s.cw.UseCRLF = true
		if err := s.cw.Write(dataSourceHeader()); err != nil {
			return err
		}
	}
	for _, row := range rows {
		for i := range row {
			row[i] = guardCell(row[i])
		}
	}
	return s.cw.WriteAll(rows) // flushes each page
}

func (s *csvSheet) finish() error {
	if s.cw == nil {
		return s.rows(nil) // no contacts: the header alone
	}
	return nil
}

// fail aborts the response: rows have gone out, so a problem document
// cannot follow, and a cut connection tells the client the file is not
// whole.
func (s *csvSheet) fail(_ http.ResponseWriter, r *http.Request, err error) {
	slog.ErrorContext(r.Context(), "data source cut off", "path", r.URL.Path, "err", err)
	panic(http.ErrAbortHandler)
}

// formulaLike is a cell a spreadsheet would run as a formula: it starts
// with = + - @ (or a tab or CR) and is not just a number or phone number.
var formulaLike = regexp.MustCompile(`^[=+\-@\t\r]`)

var phoneLike = regexp.MustCompile(`^[+\-]?[0-9][0-9 ()./\-]*$`)

// guardCell puts a ' before a cell a spreadsheet opening the CSV would run
// as a formula (CSV injection). Phone numbers ("+7 495 …") stay as they
// are: Word prints a data source's text as it is, ' included.
func guardCell(v string) string {
	if formulaLike.MatchString(v) && !phoneLike.MatchString(v) {
		return "'" + v
	}
	return v
}

// xlsxSheet builds one sheet "Contacts", every cell a string (phones and
// ids stay text, nothing is a formula), in excelize's stream writer, which
// keeps large sheets on disk; the file goes out at the end.
type xlsxSheet struct {
	w           http.ResponseWriter
	disposition string
	f           *excelize.File
	sw          *excelize.StreamWriter
	n           int
}

func (s *xlsxSheet) rows(rows [][]string) error {
	if s.f == nil {
		if err := s.start(); err != nil {
			return err
		}
	}
	for _, row := range rows {
		if s.n+1 >= excelize.TotalRows {
			return model.Errorf(model.ETOOLARGE, "an XLSX sheet holds at most %d contacts; use the CSV data source", excelize.TotalRows-1)
		}
		s.n++
		if err := s.sw.SetRow(cellAt(s.n+1), stringCells(row)); err != nil {
			return err
		}
	}
	return nil
}

func (s *xlsxSheet) start() error {
	s.f = excelize.NewFile()
	if err := s.f.SetSheetName(s.f.GetSheetName(0), "Contacts"); err != nil {
		return err
	}
	var err error
	if s.sw, err = s.f.NewStreamWriter("Contacts"); err != nil {
		return err
	}
	return s.sw.SetRow("A1", stringCells(dataSourceHeader()))
}

func (s *xlsxSheet) finish() error {
	if s.f == nil {
		if err := s.start(); err != nil {
			return err
		}
	}
	defer s.close()
	if err := s.sw.Flush(); err != nil {
		return err
	}
	h := s.w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", s.disposition)
	_ = s.f.Write(s.w) // the client went away: nothing left to tell it
	return nil
}

// fail answers with a problem: nothing of the file has gone out yet.
func (s *xlsxSheet) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.close()
	fail(w, r, err)
}

// close removes the stream writer's temporary files.
func (s *xlsxSheet) close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// cellAt names column A of a row (always valid for the rows written).
func cellAt(row int) string {
	name, _ := excelize.CoordinatesToCellName(1, row)
	return name
}

func stringCells(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

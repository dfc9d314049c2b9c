package store

import (
	"context"
	"fmt"

	"rapport/model"
	"rapport/model/migrate"
)

// Duplicate handling modes of an import.
const (
	OnDuplicateSkip   = "skip"
	OnDuplicateUpdate = "update"
	OnDuplicateCreate = "create"
)

// ImportRow is one parsed input record: a contact (with the company name the
// file gave, if any) or the reason it could not be parsed.
type ImportRow struct {
	Line    int
	Contact *model.Contact
	Company string
	Err     error
}

// RowError reports why one input row was not imported.
type RowError struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// ImportResult counts what an import did.
type ImportResult struct {
	Created, Updated, Skipped, Failed int
	Errors                            []RowError
}

// importBatch is how many rows are written per transaction.
const importBatch = 2000

// ImportContacts writes parsed rows in batches with multi-row inserts. Each
// contact whose e-mail or phone already exists is skipped, merged into the
// existing contact, or created anyway, per onDuplicate. Company names resolve
// to accounts (created when missing). A batch that fails is retried row by
// row so one bad row never costs the valid ones.
func (s *Store) ImportContacts(ctx context.Context, rows []ImportRow, onDuplicate string) (ImportResult, error) {
	var res ImportResult
	switch onDuplicate {
	case OnDuplicateSkip, OnDuplicateUpdate, OnDuplicateCreate:
	default:
		return res, model.Errorf(model.EINVALID, "on-duplicate must be skip, update or create")
	}
	seen := map[model.SearchKey]string{} // keys imported so far → contact id
	for start := 0; start < len(rows); start += importBatch {
		batch := rows[start:min(start+importBatch, len(rows))]
		if err := s.importBatch(ctx, batch, onDuplicate, seen, &res); err != nil {
			return res, err
		}
	}
	if res.Created > 1000 && s.engine == migrate.Postgres {
		// Fresh statistics keep duplicate and search lookups on their indexes.
		_ = s.conn(ctx).Exec("ANALYZE contacts, search_keys, accounts").Error
	}
	return res, nil
}

func (s *Store) importBatch(ctx context.Context, batch []ImportRow, mode string, seen map[model.SearchKey]string, res *ImportResult) error {
	var fresh []ImportRow
	for _, r := range batch {
		if r.Err != nil {
			res.Failed++ // parse errors already name their card or line
			res.Errors = append(res.Errors, RowError{Line: r.Line, Message: errorText(r.Err)})
			continue
		}
		r.Contact.Normalize()
		fresh = append(fresh, r)
	}
	if err := s.resolveCompanies(ctx, fresh); err != nil {
		return err
	}
	dups, err := s.DuplicateContacts(ctx, keysOf(fresh))
	if err != nil {
		return err
	}
	var creates []ImportRow
	pending := map[model.SearchKey]*model.Contact{} // keys of rows this batch will create
	for _, r := range fresh {
		existing := duplicateOf(r.Contact, dups, seen)
		twin := pendingTwin(r.Contact, pending)
		switch {
		case mode == OnDuplicateCreate || (existing == "" && twin == nil):
			creates = append(creates, r)
			for _, k := range r.Contact.DuplicateKeys() {
				pending[k] = r.Contact
			}
		case mode == OnDuplicateSkip:
			res.Skipped++
		case existing != "":
			s.mergeInto(ctx, existing, r, res)
		default:
			mergeContact(twin, r.Contact) // the same person twice in one file
			res.Updated++
		}
	}
	s.createRows(ctx, creates, res)
	for _, r := range creates {
		if r.Contact.ID != "" && r.Contact.Version > 0 {
			for _, k := range r.Contact.DuplicateKeys() {
				seen[k] = r.Contact.ID
			}
		}
	}
	return nil
}

// createRows inserts rows in one transaction, falling back to one
// transaction per row when the batch fails.
func (s *Store) createRows(ctx context.Context, rows []ImportRow, res *ImportResult) {
	if len(rows) == 0 {
		return
	}
	contacts := make([]*model.Contact, len(rows))
	for i, r := range rows {
		contacts[i] = r.Contact
	}
	if err := CreateMany(ctx, s, contacts); err == nil {
		res.Created += len(rows)
		return
	}
	for _, r := range rows {
		r.Contact.Meta = model.Meta{}
		if err := Create(ctx, s, r.Contact); err != nil {
			r.Contact.Version = 0
			res.fail(r.Line, err)
			continue
		}
		res.Created++
	}
}

// mergeInto merges the imported row into the existing contact id.
func (s *Store) mergeInto(ctx context.Context, id string, r ImportRow, res *ImportResult) {
	_, err := Update(ctx, s, id, 0, func(c *model.Contact) error { mergeContact(c, r.Contact); return nil })
	if err != nil {
		res.fail(r.Line, err)
		return
	}
	res.Updated++
}

// mergeContact fills c's empty fields and adds new e-mails, phones and tags from in.
func mergeContact(c, in *model.Contact) {
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&c.FirstName, in.FirstName)
	fill(&c.MiddleName, in.MiddleName)
	fill(&c.LastName, in.LastName)
	fill(&c.Title, in.Title)
	fill(&c.Language, in.Language)
	fill(&c.Notes, in.Notes)
	if c.AccountID == nil {
		c.AccountID = in.AccountID
	}
	if c.Birthday == nil {
		c.Birthday = in.Birthday
	}
	c.Emails = mergeLabeled(c.Emails, in.Emails)
	c.Phones = mergeLabeled(c.Phones, in.Phones)
	c.Tags = append(c.Tags, in.Tags...)
	if len(c.Addresses) == 0 {
		c.Addresses = in.Addresses
	}
}

func mergeLabeled(have, add []model.Labeled) []model.Labeled {
	known := map[string]bool{}
	for _, l := range have {
		known[model.Fold(l.Value)] = true
	}
	for _, l := range add {
		if !known[model.Fold(l.Value)] {
			have = append(have, l)
			known[model.Fold(l.Value)] = true
		}
	}
	return have
}

// resolveCompanies points rows at accounts by company name (folded),
// creating the missing accounts in one insert.
func (s *Store) resolveCompanies(ctx context.Context, rows []ImportRow) error {
	names := map[string]string{} // folded → as written
	for _, r := range rows {
		if r.Company != "" && r.Contact.AccountID == nil {
			names[model.Fold(r.Company)] = r.Company
		}
	}
	if len(names) == 0 {
		return nil
	}
	folded := make([]string, 0, len(names))
	for f := range names {
		folded = append(folded, f)
	}
	var found []model.Account
	if err := s.conn(ctx).Where("sort_name IN ? AND deleted_at IS NULL", folded).Find(&found).Error; err != nil {
		return dbErr(err)
	}
	ids := map[string]string{}
	for _, a := range found {
		ids[a.SortName] = a.ID
	}
	var missing []*model.Account
	for f, name := range names {
		if _, ok := ids[f]; !ok {
			missing = append(missing, &model.Account{Name: name})
		}
	}
	if err := CreateMany(ctx, s, missing); err != nil {
		return fmt.Errorf("store: creating accounts for companies: %w", err)
	}
	for _, a := range missing {
		ids[a.SortName] = a.ID
	}
	for _, r := range rows {
		if id, ok := ids[model.Fold(r.Company)]; ok && r.Contact.AccountID == nil {
			r.Contact.AccountID = &id
		}
	}
	return nil
}

func keysOf(rows []ImportRow) []model.SearchKey {
	var keys []model.SearchKey
	for _, r := range rows {
		keys = append(keys, r.Contact.DuplicateKeys()...)
	}
	return keys
}

func duplicateOf(c *model.Contact, dups map[model.SearchKey][]string, seen map[model.SearchKey]string) string {
	for _, k := range c.DuplicateKeys() {
		if ids := dups[k]; len(ids) > 0 {
			return ids[0]
		}
		if id, ok := seen[k]; ok {
			return id
		}
	}
	return ""
}

func pendingTwin(c *model.Contact, pending map[model.SearchKey]*model.Contact) *model.Contact {
	for _, k := range c.DuplicateKeys() {
		if p, ok := pending[k]; ok {
			return p
		}
	}
	return nil
}

// fail records a row that parsed but could not be written.
func (r *ImportResult) fail(line int, err error) {
	r.Failed++
	r.Errors = append(r.Errors, RowError{Line: line, Message: fmt.Sprintf("line %d: %s", line, errorText(err))})
}

func errorText(err error) string {
	var me *model.Error
	if asModelError(err, &me) {
		return me.Error()
	}
	return err.Error()
}

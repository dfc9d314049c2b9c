package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"rapport/model"
)

// ErasedText replaces the person's name, e-mail addresses and phone numbers
// where an erasure scrubs text that stays (a deal's description, an old
// feed row of a record that named them).
const ErasedText = "[erased]"

// privacyPage is how many rows a privacy export or erasure holds at a time.
const privacyPage = 200

// person is who a privacy export or erasure is about: the contact, the
// tombstones of the duplicates merged into it (their data is the same
// person's), and what identifies them in text.
type person struct {
	contact *model.Contact
	ids     []string // the contact first, then its merged duplicates
	emails  []string // lower case, from every version of every id
	phones  []string // as written and in E.164
	names   []string // full names of two words or more
	re      *regexp.Regexp
}

// loadPerson reads the live contact id (locked for update when forUpdate),
// the duplicates merged into it and every e-mail address, phone number and
// name any version of them carried.
func (s *Store) loadPerson(ctx context.Context, id string, forUpdate bool) (*person, error) {
	var c *model.Contact
	var err error
	if forUpdate {
		c, err = getForUpdate[model.Contact](ctx, s, id)
	} else {
		c, err = Get[model.Contact](ctx, s, id)
	}
	if model.ErrorCode(err) == model.ENOTFOUND {
		return nil, s.explainErased(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	p := &person{contact: c}
	if p.ids, err = s.mergedChain(ctx, c.ID); err != nil {
		return nil, err
	}
	var versions []model.Contact
	if err := s.conn(ctx).Where("id IN ?", p.ids).Find(&versions).Error; err != nil {
		return nil, dbErr(err)
	}
	for i := range versions {
		p.learn(&versions[i])
	}
	// Older versions: an address changed since still names the person in
	// mail logs and other records' text.
	var snaps []string
	if err := s.conn(ctx).Model(&model.Change{}).Where("entity = ? AND record_id IN ?", "contact", p.ids).Pluck("snapshot", &snaps).Error; err != nil {
		return nil, dbErr(err)
	}
	for _, snap := range snaps {
		var old model.Contact
		if json.Unmarshal([]byte(snap), &old) == nil {
			p.learn(&old)
		}
	}
	p.compile()
	return p, nil
}

// explainErased turns a contact that is not live into the right answer:
// erased before, or merged into one that was (EGONE), merged into a live
// one (ECONFLICT naming it), or not found.
func (s *Store) explainErased(ctx context.Context, id string) error {
	if !model.ValidID(id) {
		return notFound()
	}
	chain := []string{id}
	for hop := 0; hop < maxMergeHops; hop++ {
		var rows []struct{ MergedIntoID *string }
		if err := s.conn(ctx).Table("contacts").Select("merged_into_id").Where("id = ?", chain[len(chain)-1]).Find(&rows).Error; err != nil {
			return dbErr(err)
		}
		if len(rows) == 0 || rows[0].MergedIntoID == nil {
			break
		}
		chain = append(chain, *rows[0].MergedIntoID)
	}
	var at []model.AuditEvent
	err := s.conn(ctx).Where("action = ? AND target_id IN ?", AuditContactErased, chain).Order("at").Limit(1).Find(&at).Error
	if err != nil {
		return dbErr(err)
	}
	switch {
	case len(at) > 0 && at[0].TargetID == id:
		return model.Errorf(model.EGONE, "contact %s was erased on %s", id, at[0].At.UTC().Format("2006-01-02"))
	case len(at) > 0:
		return model.Errorf(model.EGONE, "contact %s was merged into %s, which was erased on %s", id, at[0].TargetID, at[0].At.UTC().Format("2006-01-02"))
	}
	live, err := s.MergedInto(ctx, "contact", id)
	if err != nil {
		return err
	}
	return model.Errorf(model.ECONFLICT, "contact %s was merged into %s; that one holds the person's data now", id, live)
}

// mergedChain returns id and every contact merged into it, directly or
// through other merged ones.
func (s *Store) mergedChain(ctx context.Context, id string) ([]string, error) {
	out := []string{id}
	next := []string{id}
	for hop := 0; len(next) > 0 && hop < maxMergeHops; hop++ {
		var more []string
		if err := s.conn(ctx).Table("contacts").Where("merged_into_id IN ?", next).Order("id").Pluck("id", &more).Error; err != nil {
			return nil, dbErr(err)
		}
		out = append(out, more...)
		next = more
	}
	return out, nil
}

// learn adds what a version of the contact says of the person.
func (p *person) learn(c *model.Contact) {
	for _, e := range c.Emails {
		if v := strings.ToLower(strings.TrimSpace(e.Value)); v != "" && !slices.Contains(p.emails, v) {
			p.emails = append(p.emails, v)
		}
	}
	for _, ph := range c.Phones {
		for _, v := range []string{strings.TrimSpace(ph.Value), ph.E164} {
			if len(v) >= 5 && !slices.Contains(p.phones, v) {
				p.phones = append(p.phones, v)
			}
		}
	}
	first, middle, last := c.FirstName, c.MiddleName, c.LastName
	for _, n := range []string{c.DisplayName, joinNonEmpty(first, last), joinNonEmpty(first, middle, last), joinNonEmpty(last, first)} {
		n = strings.Join(strings.Fields(n), " ")
		if strings.Count(n, " ") >= 1 && utf8.RuneCountInString(n) >= 5 && !slices.Contains(p.names, n) {
			p.names = append(p.names, n)
		}
	}
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, s := range parts {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// compile builds the expression that finds the person's details in text and
// in JSON (where they appear escaped), longest first.
func (p *person) compile() {
	var alts []string
	for _, n := range p.needles() {
		alts = append(alts, regexp.QuoteMeta(n))
		if b, err := json.Marshal(n); err == nil {
			if esc := string(b[1 : len(b)-1]); esc != n {
				alts = append(alts, regexp.QuoteMeta(esc))
			}
		}
	}
	if len(alts) == 0 {
		return
	}
	sort.SliceStable(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	p.re = regexp.MustCompile(`(?i)` + strings.Join(alts, "|"))
}

// needles lists everything that identifies the person in text.
func (p *person) needles() []string {
	return slices.Concat(p.emails, p.phones, p.names)
}

// isPerson reports whether id is the contact or one of its merged duplicates.
func (p *person) isPerson(id string) bool { return slices.Contains(p.ids, id) }

// hasEmail reports whether addr is one of the person's addresses.
func (p *person) hasEmail(addr string) bool {
	return slices.Contains(p.emails, strings.ToLower(strings.TrimSpace(addr)))
}

// mentions reports whether text names the person.
func (p *person) mentions(text string) bool { return p.re != nil && p.re.MatchString(text) }

// scrubText replaces the person's details in text.
func (p *person) scrubText(text string) string {
	if p.re == nil {
		return text
	}
	return p.re.ReplaceAllLiteralString(text, ErasedText)
}

// scrubJSON replaces the person's details inside the strings of a JSON
// document and reports whether anything changed.
func (p *person) scrubJSON(doc []byte) ([]byte, bool) {
	if p.re == nil || !p.re.Match(doc) {
		return doc, false
	}
	return p.re.ReplaceAllLiteral(doc, []byte(ErasedText)), true
}

// scrubRecord replaces the person's details in every text of rec (JSON
// contents included) and reports whether anything changed.
func (p *person) scrubRecord(rec model.Record) (bool, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return false, fmt.Errorf("store: privacy: %w", err)
	}
	out, changed := p.scrubJSON(b)
	if !changed {
		return false, nil
	}
	return true, json.Unmarshal(out, rec)
}

// sqlMentions returns a condition on columns matching rows whose text may
// name the person, for a scan: e-mails case-insensitively, the rest as
// written. "" when the person has no details to look for.
func (p *person) sqlMentions(columns ...string) (string, []any) {
	var conds []string
	var args []any
	for _, col := range columns {
		col = quoteIdent(col)
		for _, e := range p.emails {
			conds = append(conds, "instr(lower("+col+"), ?) > 0")
			args = append(args, e)
		}
		for _, n := range slices.Concat(p.phones, p.names) {
			conds = append(conds, "instr("+col+", ?) > 0")
			args = append(args, n)
		}
	}
	return strings.Join(conds, " OR "), args
}

// contactCond is the condition selecting the rows of plan that may refer to
// the person through its contact references (a superset where a JSON
// needle matches; model.MergeRefs decides), "" when plan has none.
func (p *person) contactCond(plan refPlan) (string, []any) {
	var conds []string
	var args []any
	for _, c := range plan.columns {
		if c.entity != "" && c.entity != "contact" {
			continue
		}
		switch {
		case c.needle != "":
			for _, id := range p.ids {
				conds = append(conds, "instr("+c.column+", ?) > 0")
				args = append(args, fmt.Sprintf(c.needle, id))
			}
		case c.entityColumn != "":
			conds = append(conds, "("+c.column+" IN ? AND "+c.entityColumn+" = ?)")
			args = append(args, p.ids, "contact")
		default:
			conds = append(conds, c.column+" IN ?")
			args = append(args, p.ids)
		}
	}
	return strings.Join(conds, " OR "), args
}

// refersTo reports whether rec refers to the person (by model.MergeRefs).
func (p *person) refersTo(rec model.Record) bool {
	for _, r := range model.MergeRefs(rec) {
		if r.ID != nil && r.Entity == "contact" && p.isPerson(*r.ID) {
			return true
		}
	}
	return false
}

// planOf returns the merge plan of entity: where its records refer to
// contacts and accounts.
func (s *Store) planOf(entity string) (refPlan, error) {
	plans, err := s.mergePlans()
	if err != nil {
		return refPlan{}, err
	}
	for _, p := range plans {
		if p.entity == entity {
			return p, nil
		}
	}
	return refPlan{entity: entity, table: Tables[entity]}, nil
}

// orConds joins conditions with OR, leaving out empty ones; "" when none.
func orConds(parts ...sqlCond) sqlCond {
	var out sqlCond
	var texts []string
	for _, c := range parts {
		if c.sql == "" {
			continue
		}
		texts = append(texts, "("+c.sql+")")
		out.args = append(out.args, c.args...)
	}
	out.sql = strings.Join(texts, " OR ")
	return out
}

// sqlCond is a SQL condition with its arguments.
type sqlCond struct {
	sql  string
	args []any
}

func cond(sql string, args ...any) sqlCond { return sqlCond{sql, args} }

// inCond is "column IN ids", nothing when ids is empty.
func inCond(column string, ids []string) sqlCond {
	if len(ids) == 0 {
		return sqlCond{}
	}
	return cond(column+" IN ?", ids)
}

// eachRecord calls fn with every row of entity's table that c selects,
// deleted ones included, in id order, holding privacyPage rows at a time.
// With lock (an erasure on PostgreSQL) the rows are locked for update.
func (s *Store) eachRecord(ctx context.Context, entity string, c sqlCond, lock bool, fn func(model.Record) error) error {
	if c.sql == "" {
		return nil
	}
	proto := newRecord(entity)
	if proto == nil {
		return fmt.Errorf("store: privacy: no record type for %s", entity)
	}
	typ := reflect.TypeOf(proto).Elem()
	after := ""
	for {
		rows := reflect.New(reflect.SliceOf(typ))
		q := s.conn(ctx).Table(Tables[entity]).Where("("+c.sql+")", c.args...).Where("id > ?", after).Order("id").Limit(privacyPage)
		if lock && s.engine == "postgres" {
			q = q.Clauses(forUpdate())
		}
		if err := q.Find(rows.Interface()).Error; err != nil {
			return dbErr(err)
		}
		list := rows.Elem()
		for i := range list.Len() {
			if err := fn(list.Index(i).Addr().Interface().(model.Record)); err != nil {
				return err
			}
		}
		if list.Len() < privacyPage {
			return nil
		}
		after = list.Index(list.Len() - 1).Addr().Interface().(model.Record).RecordMeta().ID
	}
}

// eachRow is eachRecord for a table without a record type: rows of T in
// keyColumn order from after (its zero), key giving a row's value.
func eachRow[T any](ctx context.Context, s *Store, table, keyColumn string, after any, c sqlCond, key func(*T) any, fn func(*T) error) error {
	if c.sql == "" {
		return nil
	}
	for {
		var rows []T
		q := s.conn(ctx).Table(table).Where("("+c.sql+")", c.args...).Where(keyColumn+" > ?", after).Order(keyColumn).Limit(privacyPage)
		if err := q.Find(&rows).Error; err != nil {
			return dbErr(err)
		}
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < privacyPage {
			return nil
		}
		after = key(&rows[len(rows)-1])
	}
}

// zeroExcept clears every field of rec (its Meta aside) but those whose
// JSON names keep lists; fields hidden from JSON (sort keys) are cleared too.
func zeroExcept(rec model.Record, keep ...string) {
	v := reflect.ValueOf(rec).Elem()
	for _, f := range reflect.VisibleFields(v.Type()) {
		if f.Anonymous || !f.IsExported() || len(f.Index) > 1 {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if slices.Contains(keep, name) {
			continue
		}
		v.FieldByIndex(f.Index).SetZero()
	}
}

// clearJSON clears the fields of rec with the given JSON names.
func clearJSON(rec model.Record, names ...string) {
	v := reflect.ValueOf(rec).Elem()
	for _, f := range reflect.VisibleFields(v.Type()) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.Anonymous && f.IsExported() && len(f.Index) == 1 && slices.Contains(names, name) {
			v.FieldByIndex(f.Index).SetZero()
		}
	}
}

// maskedDiff is the feed's record of a privacy write: which fields changed
// and their new values, never the old ones (they are what is erased).
func maskedDiff(before, after map[string]any) map[string]model.FieldChange {
	diff := model.Diff(before, after)
	for k, f := range diff {
		diff[k] = model.FieldChange{New: f.New}
	}
	return diff
}

// rewriteInPlace stores rec as it is now without a new version or feed row:
// how a privacy step changes a tombstone, which is history.
func (s *Store) rewriteInPlace(ctx context.Context, rec model.Record) error {
	return dbErr(s.conn(ctx).Model(rec).Select("*").Omit("id", "created_at", "created_by").Updates(rec).Error)
}

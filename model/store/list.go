package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"rapport/model"
	"rapport/model/migrate"
)

// ListParams selects a page of a collection.
type ListParams struct {
	Limit  int
	Cursor string
	Sort   string            // "name,-updated_at"
	Q      string            // names, e-mails, phones, company
	Equals map[string]string // field → value equality filters from the query string
	Filter model.Filter
	// within narrows the list further (a mailing list's members); only
	// store functions set it.
	within func(q *gorm.DB) *gorm.DB
}

// Page is one page of results; NextCursor is empty on the last page.
type Page[P any] struct {
	Items      []P
	NextCursor string
}

// column describes a filterable, sortable field of an entity.
type column struct {
	name     string // database column
	kind     reflect.Kind
	time     bool
	tags     bool // a JSON list of strings matched with contains / tag=
	nullable bool // may be NULL: filterable, not sortable (keyset cursors need values)
	decimal  bool // a model.Decimal, stored as 1/10,000 units
	date     bool // a model.Date, stored as YYYY-MM-DD text
}

var (
	columnsMu sync.Mutex
	columns   = map[string]map[string]column{} // entity → JSON name → column
)

// sortAliases lets clients sort by the name they see while the store uses
// the folded sort column.
var sortAliases = map[string]string{"name": "sort_name", "display_name": "sort_name", "start": "sort_at"}

// relatedSearch widens q= on an entity to a related record's keys: a contact
// is found by its company's name.
var relatedSearch = map[string][2]string{"contact": {"account_id", "account"}}

// List returns a page of live records the actor may see.
func List[T any, P RecordPtr[T]](ctx context.Context, s *Store, p ListParams) (Page[P], error) {
	var page Page[P]
	entity := EntityOf[T, P]()
	cols, err := columnsOf[T](s, entity)
	if err != nil {
		return page, err
	}
	q, err := visible(s.conn(ctx).Model(P(new(T))).Where("deleted_at IS NULL"), model.ActorFrom(ctx), entity)
	if err != nil {
		return page, err
	}
	if q, err = applyFilters(q, entity, cols, p); err != nil {
		return page, err
	}
	if p.within != nil {
		q = p.within(q)
	}
	q, walk, err := s.applySearch(ctx, q, entity, p.Q)
	if err != nil {
		return page, err
	}
	order, err := parseSort(cols, p.Sort, entity)
	if err != nil {
		return page, err
	}
	if p.Cursor != "" {
		if q, err = applyCursor(q, order, p.Cursor); err != nil {
			return page, err
		}
	}
	limit := clampLimit(p.Limit, 5000) // the API allows 500; internal walks take more
	orderSQL := make([]string, len(order))
	for i, o := range order {
		orderSQL[i] = o.col.name + map[bool]string{true: " DESC", false: " ASC"}[o.desc]
	}
	q = q.Order(strings.Join(orderSQL, ", ")).Limit(limit + 1)
	if walk {
		// Pick the page's ids first, so walking the sort index reads index
		// entries only, then load those rows.
		q = s.conn(ctx).Model(P(new(T))).Where("id IN (?)", q.Select("id")).Order(strings.Join(orderSQL, ", "))
	}
	var items []P
	if err := q.Find(&items).Error; err != nil {
		return page, dbErr(err)
	}
	if len(items) > limit {
		items = items[:limit]
		page.NextCursor = encodeCursor(order, items[limit-1])
	}
	page.Items = items
	return page, nil
}

func columnsOf[T any](s *Store, entity string) (map[string]column, error) {
	columnsMu.Lock()
	defer columnsMu.Unlock()
	if c, ok := columns[entity]; ok {
		return c, nil
	}
	sch, err := schema.Parse(new(T), &sync.Map{}, s.db.NamingStrategy)
	if err != nil {
		return nil, fmt.Errorf("store: schema: %w", err)
	}
	cols := map[string]column{}
	for _, f := range sch.Fields {
		jsonName, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.DBName == "" || f.DBName == "password_hash" {
			continue
		}
		if jsonName == "-" || jsonName == "" {
			jsonName = f.DBName // sort_name, sort_at: sortable, not shown
		}
		ft, nullable := f.FieldType, false
		if ft.Kind() == reflect.Pointer {
			ft, nullable = ft.Elem(), true
		}
		c := column{name: f.DBName, kind: ft.Kind(), time: ft == reflect.TypeOf(time.Time{}), nullable: nullable,
			decimal: ft == reflect.TypeOf(model.Decimal{}), date: ft == reflect.TypeOf(model.Date{})}
		if ft == reflect.TypeOf([]string{}) {
			c.tags = true
		} else if f.Serializer != nil || ft.Kind() == reflect.Slice || ft.Kind() == reflect.Map {
			continue
		}
		cols[jsonName] = c
	}
	columns[entity] = cols
	return cols, nil
}

// linkedParam filters activities to one record's timeline: linked=entity:id.
const linkedParam = "linked"

func applyFilters(q *gorm.DB, entity string, cols map[string]column, p ListParams) (*gorm.DB, error) {
	fe := model.FieldErrors{}
	for field, v := range p.Equals {
		if field == "tag" {
			field = "tags"
		}
		if field == linkedParam && entity == "activity" {
			entity, id, ok := strings.Cut(v, ":")
			if !ok || !model.ValidID(id) {
				fe.Add(linkedParam, "use linked=ENTITY:ID, e.g. linked=contact:0190…")
				continue
			}
			q = q.Where("id IN (SELECT activity_id FROM activity_links WHERE entity = ? AND record_id = ?)", entity, id)
			continue
		}
		c, ok := cols[field]
		if !ok {
			fe.Add(field, "not a filterable field")
			continue
		}
		op := "eq"
		if c.tags {
			op = "contains"
		}
		cond, args, err := condition(c, op, v)
		if err != nil {
			fe.Add(field, err.Error())
			continue
		}
		q = q.Where(cond, args...)
	}
	for i, c := range p.Filter.All {
		cond, args, err := filterCondition(cols, c)
		if err != nil {
			fe.Add(fmt.Sprintf("all[%d]", i), err.Error())
			continue
		}
		q = q.Where(cond, args...)
	}
	if len(p.Filter.Any) > 0 {
		var parts []string
		var all []any
		for i, c := range p.Filter.Any {
			cond, args, err := filterCondition(cols, c)
			if err != nil {
				fe.Add(fmt.Sprintf("any[%d]", i), err.Error())
				continue
			}
			parts = append(parts, "("+cond+")")
			all = append(all, args...)
		}
		if len(parts) > 0 {
			q = q.Where(strings.Join(parts, " OR "), all...)
		}
	}
	return q, fe.Err()
}

func filterCondition(cols map[string]column, c model.Condition) (string, []any, error) {
	col, ok := cols[c.Field]
	if !ok {
		return "", nil, fmt.Errorf("unknown field %q", c.Field)
	}
	return condition(col, c.Op, c.Value)
}

var sqlOps = map[string]string{"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}

// condition renders one test as SQL with bound arguments.
func condition(c column, op string, v any) (string, []any, error) {
	if c.tags {
		if op != "contains" && op != "eq" {
			return "", nil, fmt.Errorf("lists support contains only")
		}
		s, ok := v.(string)
		if !ok {
			return "", nil, fmt.Errorf("value must be a string")
		}
		b, _ := json.Marshal(s)
		// Tags are stored as a JSON array of strings; matching the quoted
		// element is exact and works the same on both engines.
		return "instr(" + c.name + ", ?) > 0", []any{string(b)}, nil
	}
	if v == nil {
		switch op {
		case "eq":
			return c.name + " IS NULL", nil, nil
		case "ne":
			return c.name + " IS NOT NULL", nil, nil
		}
		return "", nil, fmt.Errorf("null compares with eq or ne only")
	}
	switch op {
	case "in":
		list, ok := v.([]any)
		if !ok {
			return "", nil, fmt.Errorf("in needs a list")
		}
		vals := make([]any, 0, len(list))
		for _, x := range list {
			cv, err := convert(c, x)
			if err != nil {
				return "", nil, err
			}
			vals = append(vals, cv)
		}
		return c.name + " IN ?", []any{vals}, nil
	case "contains":
		s, ok := v.(string)
		if !ok || c.kind != reflect.String {
			return "", nil, fmt.Errorf("contains needs a text field and a string")
		}
		if _, err := convert(c, s); err != nil {
			return "", nil, err
		}
		return "instr(" + c.name + ", ?) > 0", []any{s}, nil
	}
	sqlOp, ok := sqlOps[op]
	if !ok {
		return "", nil, fmt.Errorf("unknown op %q", op)
	}
	cv, err := convert(c, v)
	if err != nil {
		return "", nil, err
	}
	return c.name + " " + sqlOp + " ?", []any{cv}, nil
}

// convert turns a query-string or JSON value into the column's Go type.
func convert(c column, v any) (any, error) {
	s := fmt.Sprint(v)
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return nil, fmt.Errorf("not valid text")
	}
	switch {
	case c.decimal:
		d, err := model.ParseDecimal(s)
		if err != nil || !d.Fits() {
			return nil, fmt.Errorf("%q is not a decimal number with at most 4 places", s)
		}
		return d.Value()
	case c.time:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an RFC 3339 time", s)
		}
		return t.UTC(), nil
	case c.kind == reflect.Bool:
		switch s {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not true or false", s)
	case c.kind >= reflect.Int && c.kind <= reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return n, nil
	}
	return s, nil
}

// A PostgreSQL search walks the list's sort index when every term matches at
// least searchWalkMin records (see applySearch). Up to searchWalkMax matches
// a term's ids are hashed: at most searchWalkMax rows of ~64 bytes (1.3 MB),
// which the planner hashes under the default work_mem. Variables so tests
// can exercise every plan on small data.
var (
	searchWalkMin = 1000
	searchWalkMax = 20000
)

// applySearch restricts q to records whose search keys match every term.
// For entities found through a related record (a contact by its company),
// a record matches by its own keys or the related record's.
//
// By default the matching ids drive the query: an id subquery per term (own
// and related matches folded with UNION) that both engines run from the
// search_keys index, looking up each match and sorting them all; that is
// quick while some term is rare. When every term matches thousands of
// records, PostgreSQL (whose estimates for prefix ranges can be far off)
// would load and sort them all, often after a sequential scan. So on
// PostgreSQL each term's matches are counted first, up to searchWalkMax; if
// every term has at least searchWalkMin, the query walks the sort index and
// tests each entry until the page is full, and walk is true: the caller then
// selects the page's ids alone (an index-only walk) and loads those rows. A
// term's test is an IN over its hashed ids (written so the planner cannot
// turn it into a join), or, above searchWalkMax matches, where most entries
// pass, a probe of the entry's own keys. SQLite keeps the default plan; its
// walk is no faster.
func (s *Store) applySearch(ctx context.Context, q *gorm.DB, entity, text string) (*gorm.DB, bool, error) {
	type match struct {
		own, rel        string // key conditions
		ownArgs, relArg []any
		count           int // capped at searchWalkMax
		exact           bool
	}
	rel, hasRel := relatedSearch[entity]
	var matches []match
	for _, t := range model.ParseQuery(text) {
		var m match
		m.own, m.ownArgs = keyMatch(entity, t)
		m.exact = !t.Prefix // an e-mail or phone: a few records, not counted
		if hasRel {
			m.rel, m.relArg = keyMatch(rel[1], t)
		}
		matches = append(matches, m)
	}
	ids := func(cond string) string { return "SELECT record_id FROM search_keys WHERE " + cond }
	related := func(cond string) string {
		return "SELECT id FROM " + Tables[entity] + " WHERE " + rel[0] + " IN (" + ids(cond) + ")"
	}
	// Count each term's matches up to searchWalkMax, stopping at a rare one.
	walk := s.engine == migrate.Postgres && len(matches) > 0
	for i := 0; walk && i < len(matches); i++ {
		m := &matches[i]
		if m.exact {
			walk = false
			break
		}
		sub, args := ids(m.own), m.ownArgs
		if hasRel {
			sub, args = sub+" UNION ALL "+related(m.rel), slices.Concat(args, m.relArg)
		}
		err := s.conn(ctx).Raw("SELECT count(*) FROM ("+sub+" LIMIT ?) m", slices.Concat(args, []any{searchWalkMax})...).Scan(&m.count).Error
		if err != nil {
			return nil, false, dbErr(err)
		}
		walk = m.count >= searchWalkMin
	}
	// The LIMITs cut nothing (the counts were below) but cap the planner's
	// row estimates, so it hashes; constants, so generic plans do too.
	limit := " LIMIT " + strconv.Itoa(searchWalkMax)
	for _, m := range matches {
		var cond string
		switch {
		case !walk && hasRel:
			cond = "id IN (" + ids(m.own) + " UNION " + related(m.rel) + ")"
		case !walk:
			cond = "id IN (" + ids(m.own) + ")"
		case m.count >= searchWalkMax:
			// OFFSET 0 keeps each EXISTS a per-row subplan.
			probe := func(col, cond string) string {
				return "EXISTS (SELECT 1 FROM search_keys k WHERE k.record_id = " + Tables[entity] + "." + col + " AND " + cond + " OFFSET 0)"
			}
			cond = probe("id", m.own)
			if hasRel {
				cond = "(" + cond + " OR " + probe(rel[0], m.rel) + ")"
			}
		case hasRel:
			// An OR of IN tests stays two hashed subplans.
			cond = "(id IN (" + ids(m.own) + limit + ") OR id IN (" + related(m.rel) + limit + "))"
		default:
			// IS TRUE keeps the IN test a hashed subplan, not a join.
			cond = "(id IN (" + ids(m.own) + limit + ")) IS TRUE"
		}
		q = q.Where(cond, slices.Concat(m.ownArgs, m.relArg)...)
	}
	return q, walk, nil
}

// prefixEnd is above every character, so [w, w+prefixEnd) spans all keys
// starting with w in a byte-ordered index.
const prefixEnd = "\U0010FFFF"

// keyMatch is the search_keys condition for one term.
func keyMatch(entity string, t model.QueryTerm) (string, []any) {
	if t.Prefix {
		return "entity = ? AND kind = ? AND value >= ? AND value < ?", []any{entity, t.Kind, t.Value, t.Value + prefixEnd}
	}
	return "entity = ? AND kind = ? AND value = ?", []any{entity, t.Kind, t.Value}
}

type orderBy struct {
	field string // JSON name, for the cursor
	col   column
	desc  bool
}

func parseSort(cols map[string]column, spec, entity string) ([]orderBy, error) {
	if spec == "" {
		if _, ok := cols["sort_name"]; ok {
			spec = "sort_name"
		}
	}
	var out []orderBy
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		desc := strings.HasPrefix(part, "-")
		name := strings.TrimPrefix(part, "-")
		if alias, ok := sortAliases[name]; ok {
			if _, has := cols[alias]; has {
				name = alias
			}
		}
		c, ok := cols[name]
		if !ok || c.tags || name == "id" {
			return nil, model.Errorf(model.EINVALID, "cannot sort %s by %q", entity, name)
		}
		if c.nullable {
			return nil, model.Errorf(model.EINVALID, "cannot sort %s by %q: it may be empty; filter on it instead", entity, name)
		}
		out = append(out, orderBy{name, c, desc})
	}
	// id breaks ties so every row has one place and cursors never skip.
	return append(out, orderBy{"id", column{name: "id", kind: reflect.String}, false}), nil
}

func encodeCursor(order []orderBy, last any) string {
	m, _ := model.ToMap(last)
	meta := reflect.ValueOf(last).Elem()
	vals := make([]any, len(order))
	for i, o := range order {
		if v, ok := m[o.field]; ok {
			vals[i] = v
			continue
		}
		// Hidden sort columns (sort_name, sort_at) are not in the JSON.
		vals[i] = fieldByColumn(meta, o.col.name)
	}
	b, _ := json.Marshal(vals)
	return base64.RawURLEncoding.EncodeToString(b)
}

// fieldByColumn finds the struct field stored in column col, looking into
// embedded structs (Meta).
func fieldByColumn(v reflect.Value, col string) any {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Anonymous && v.Field(i).Kind() == reflect.Struct {
			if x := fieldByColumn(v.Field(i), col); x != nil {
				return x
			}
			continue
		}
		if (schema.NamingStrategy{}).ColumnName("", t.Field(i).Name) == col {
			return v.Field(i).Interface()
		}
	}
	return nil
}

// applyCursor adds the keyset condition "after the cursor row" for a mixed
// ascending/descending order: (a > x) OR (a = x AND b < y) OR ...
func applyCursor(q *gorm.DB, order []orderBy, cursor string) (*gorm.DB, error) {
	bad := model.Errorf(model.EINVALID, "cursor is not valid for this list")
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, bad
	}
	var vals []any
	if err := json.Unmarshal(b, &vals); err != nil || len(vals) != len(order) {
		return nil, bad
	}
	conv := make([]any, len(vals))
	for i, v := range vals {
		if v == nil {
			return nil, bad // nullable sort columns cannot page by keyset
		}
		if conv[i], err = convert(order[i].col, v); err != nil {
			return nil, bad
		}
	}
	var ors []string
	var args []any
	for i, o := range order {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, order[j].col.name+" = ?")
			args = append(args, conv[j])
		}
		op := " > ?"
		if o.desc {
			op = " < ?"
		}
		ands = append(ands, o.col.name+op)
		args = append(args, conv[i])
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return q.Where("("+strings.Join(ors, " OR ")+")", args...), nil
}

package merge

import (
	"context"
	"maps"
	"slices"

	"rapport/model"
	"rapport/model/store"
	"rapport/templates/lang"
	"rapport/templates/office"
)

// relationDepth is how many levels of related records a document's data
// holds below its record: {quote.contact.account.name} and
// {quote.lines.0.product.name} are two levels down.
const relationDepth = 2

// kind is what the data builder needs of a record type.
type kind struct {
	// list returns a page of the live records the actor may see.
	list func(ctx context.Context, s *store.Store, p store.ListParams) ([]model.Record, string, error)
	// lines returns a document's lines in order (nil for types without).
	lines func(ctx context.Context, s *store.Store, id string) (any, error)
}

// kinds are the record types of documents and of their relations
// (lang.Relations); TestKindsCoverRelations checks that none is missing.
var kinds = map[string]kind{
	"contact": {list: listOf[model.Contact]},
	"account": {list: listOf[model.Account]},
	"user":    {list: listOf[model.User]},
	"product": {list: listOf[model.Product]},
	"request": {list: listOf[model.Request]},
	"quote": {list: listOf[model.Quote], lines: func(ctx context.Context, s *store.Store, id string) (any, error) {
		return store.Lines[model.Quote](ctx, s, id)
	}},
	"order": {list: listOf[model.Order], lines: func(ctx context.Context, s *store.Store, id string) (any, error) {
		return store.Lines[model.Order](ctx, s, id)
	}},
	"invoice": {list: listOf[model.Invoice], lines: func(ctx context.Context, s *store.Store, id string) (any, error) {
		return s.InvoiceLines(ctx, id)
	}},
	"rma": {list: listOf[model.RMA], lines: func(ctx context.Context, s *store.Store, id string) (any, error) {
		return s.RMALines(ctx, id)
	}},
}

// listOf lists records of type T as model.Records.
func listOf[T any, P store.RecordPtr[T]](ctx context.Context, s *store.Store, p store.ListParams) ([]model.Record, string, error) {
	page, err := store.List[T, P](ctx, s, p)
	if err != nil {
		return nil, "", err
	}
	return asRecords(page.Items), page.NextCursor, nil
}

// idsIn is the filter of the records with the given ids.
func idsIn(ids []string) model.Filter {
	vals := make([]any, len(ids))
	for i, id := range ids {
		vals[i] = id
	}
	return model.Filter{All: []model.Condition{{Field: "id", Op: "in", Value: vals}}}
}

// builder builds the data of documents merged from one template. It loads
// related records a level at a time for all the documents it builds
// together, one query per record type and level (a quote's products, a
// mailing's accounts), and remembers the records it loaded, so a page of
// letters to the contacts of one account reads that account once.
type builder struct {
	s      *Service
	t      *Template
	loaded map[string]map[string]model.Record // type → id → record; nil: not visible
	images *images
	user   map[string]any
}

// newBuilder returns a builder for documents from t.
func (s *Service) newBuilder(t *Template) *builder {
	return &builder{s: s, t: t, loaded: map[string]map[string]model.Record{}, images: s.newImages()}
}

// forget drops the records loaded so far (not the user), so that a bulk
// merge holds the related records of one page at a time.
func (b *builder) forget() { clear(b.loaded) }

// built is the data of one record's document.
type built struct {
	office.Record
	title string // names the document: a number, a name
}

// records builds the documents' data of recs, records of the template's
// type, in order.
func (b *builder) records(ctx context.Context, recs []model.Record) ([]built, error) {
	if err := b.loadUser(ctx); err != nil {
		return nil, err
	}
	roots := make([]node, len(recs))
	for i, r := range recs {
		roots[i] = node{typ: b.t.RecordType, m: lang.Map(r)}
	}
	if err := b.fill(ctx, roots, 0); err != nil {
		return nil, err
	}
	company := lang.Map(&b.s.cfg.Company)
	out := make([]built, len(recs))
	for i, n := range roots {
		data := map[string]any{n.typ: n.m, "company": company, "user": b.user}
		for _, rel := range lang.Relations[n.typ] {
			if rel.TopLevel {
				data[rel.Name] = n.m[rel.Name]
			}
		}
		out[i] = built{Record: office.Record{Data: data, Env: b.s.env(b.t, data, n.m)}, title: title(n.m)}
	}
	return out, nil
}

// title names a record in file names: its number, else its name.
func title(m map[string]any) string {
	for _, f := range []string{"number", "display_name", "name", "id"} {
		if v := field(m, f); v != "" {
			return v
		}
	}
	return ""
}

// loadUser loads the actor's own user record once: the "user" of every
// document (none for the CLI's and the system's work).
func (b *builder) loadUser(ctx context.Context) error {
	id := model.ActorFrom(ctx).UserID
	if b.user != nil || id == "" {
		return nil
	}
	users, err := b.byIDs(ctx, "user", []string{id})
	if err != nil {
		return err
	}
	if u := users[id]; u != nil {
		b.user = lang.Map(u)
	}
	return nil
}

// node is a record's data in a document's tree, and its type.
type node struct {
	typ string
	m   map[string]any
}

// fill adds the related records of nodes, and theirs, down to
// relationDepth. Every place in the tree gets a map of its own (the same
// account under a quote and under its contact), so the data is a tree.
// A related record the actor may not see is left out, like a missing one.
func (b *builder) fill(ctx context.Context, nodes []node, depth int) error {
	if depth >= relationDepth || len(nodes) == 0 {
		return nil
	}
	var next []node
	want := map[string][]string{}
	for _, n := range nodes {
		for _, rel := range lang.Relations[n.typ] {
			if !rel.Many {
				if id := field(n.m, rel.Name+"_id"); id != "" {
					want[rel.Type] = append(want[rel.Type], id)
				}
				continue
			}
			items, err := b.lines(ctx, n, rel)
			if err != nil {
				return err
			}
			next = append(next, items...)
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(want)) {
		if _, err := b.byIDs(ctx, typ, want[typ]); err != nil {
			return err
		}
	}
	for _, n := range nodes {
		for _, rel := range lang.Relations[n.typ] {
			if rel.Many {
				continue
			}
			n.m[rel.Name] = nil
			if rec := b.loaded[rel.Type][field(n.m, rel.Name+"_id")]; rec != nil {
				m := lang.Map(rec)
				n.m[rel.Name] = m
				next = append(next, node{typ: rel.Type, m: m})
			}
		}
	}
	return b.fill(ctx, next, depth+1)
}

// lines loads the list relation rel of a document (its lines) into its
// data and returns the lines as nodes.
func (b *builder) lines(ctx context.Context, n node, rel lang.Relation) ([]node, error) {
	load := kinds[n.typ].lines
	if load == nil {
		return nil, model.Errorf(model.EINTERNAL, "merge: no lines of %s", n.typ)
	}
	lines, err := load(ctx, b.s.store, field(n.m, "id"))
	if err != nil {
		return nil, err
	}
	items, _ := lang.Value(lines).([]any)
	out := make([]node, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, node{typ: rel.Type, m: m})
		}
	}
	n.m[rel.Name] = items
	return out, nil
}

// byIDs loads the records of typ with ids that are not loaded yet, in
// queries of up to pageSize ids, and returns every one of ids by id (nil:
// missing or not visible to the actor).
func (b *builder) byIDs(ctx context.Context, typ string, ids []string) (map[string]model.Record, error) {
	k, ok := kinds[typ]
	if !ok {
		return nil, model.Errorf(model.EINTERNAL, "merge: no record type %s", typ)
	}
	have := b.loaded[typ]
	if have == nil {
		have = map[string]model.Record{}
		b.loaded[typ] = have
	}
	var missing []string
	for _, id := range ids {
		if _, ok := have[id]; !ok && model.ValidID(id) {
			missing = append(missing, id)
			have[id] = nil
		}
	}
	for start := 0; start < len(missing); start += pageSize {
		chunk := missing[start:min(start+pageSize, len(missing))]
		recs, _, err := k.list(ctx, b.s.store, store.ListParams{Limit: len(chunk), Filter: idsIn(chunk)})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			have[r.RecordMeta().ID] = r
		}
	}
	out := make(map[string]model.Record, len(ids))
	for _, id := range ids {
		out[id] = have[id]
	}
	return out, nil
}

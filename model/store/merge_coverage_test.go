package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// refName matches the JSON and column names that hold a contact's or an
// account's id: contact_id, account_id, from_contact_id, contact_ids …
var refName = regexp.MustCompile(`^(.*_)?(contact|account)_ids?$`)

// TestMergeKnowsEveryRecordType fails when an entity of store.Tables, or a
// type of package model that is a record (has an Entity method), is not
// among the types a merge searches.
func TestMergeKnowsEveryRecordType(t *testing.T) {
	known := map[string]bool{}
	names := map[string]bool{}
	for _, r := range store.MergeRecordTypes() {
		known[r.Entity()] = true
		names[reflect.TypeOf(r).Elem().Name()] = true
	}
	for entity := range store.Tables {
		if !known[entity] {
			t.Errorf("entity %s (table %s) is not in store.recordTypes: a merge would not look for references in it", entity, store.Tables[entity])
		}
	}
	for _, typ := range modelRecordTypes(t) {
		if !names[typ] {
			t.Errorf("model.%s is a record but not in store.recordTypes", typ)
		}
	}
}

// modelRecordTypes parses package model's sources for the receivers of
// Entity methods.
func modelRecordTypes(t *testing.T) []string {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), "..", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range pkgs["model"].Files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "Entity" {
				continue
			}
			typ := fn.Recv.List[0].Type
			if star, ok := typ.(*ast.StarExpr); ok {
				typ = star.X
			}
			out = append(out, typ.(*ast.Ident).Name)
		}
	}
	if len(out) < 40 {
		t.Fatalf("found only %d record types in package model", len(out))
	}
	return out
}

// TestMergeFollowsEveryReference walks every record type's fields, JSON
// contents included, for anything that holds a contact's or account's id
// (by name, or an id beside an entity name) and fails when the merge's
// plan does not search it: declare it in the type's Refs or in
// model.MergeRefs.
func TestMergeFollowsEveryReference(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		plan, err := s.MergePlanColumns()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range store.MergeRecordTypes() {
			table := store.Tables[rec.Entity()]
			for _, want := range expectedRefColumns(t, rec) {
				if !slices.Contains(plan[table], want) {
					t.Errorf("%s: %s holds contact or account ids but a merge does not search it (have %v)", rec.Entity(), want, plan[table])
				}
			}
		}
		if len(plan["activities"]) < 3 || len(plan["attachments"]) != 1 || len(plan["campaign_members"]) != 1 {
			t.Errorf("plan %v", plan)
		}
	})
}

// expectedRefColumns lists, as store.MergePlanColumns spells them, where
// rec's type keeps contact or account ids.
func expectedRefColumns(t *testing.T, rec model.Record) []string {
	sch, err := schema.Parse(rec, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	typ := reflect.TypeOf(rec).Elem()
	polymorphic := hasJSON(typ, "record_type", "entity") && hasJSON(typ, "record_id")
	for _, f := range reflect.VisibleFields(typ) {
		name := jsonName(f)
		if f.Anonymous || name == "" {
			continue
		}
		field := sch.LookUpField(f.Name)
		if field == nil || field.DBName == "" {
			continue
		}
		if refName.MatchString(name) || (polymorphic && name == "record_id") {
			if f.Type.Kind() == reflect.Slice {
				out = append(out, field.DBName+`:"%s"`)
			} else {
				out = append(out, field.DBName)
			}
		}
		if strings.Contains(f.Tag.Get("gorm"), "serializer:json") {
			for _, key := range nestedRefKeys(f.Type, 0) {
				out = append(out, field.DBName+`:"`+key+`":"%s"`)
			}
		}
	}
	return out
}

// nestedRefKeys lists the JSON keys inside values of type t that hold
// contact or account ids, or the id of a link naming its entity.
func nestedRefKeys(t reflect.Type, depth int) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || depth > 4 {
		return nil
	}
	var out []string
	link := hasJSON(t, "entity", "record_type") && hasJSON(t, "id", "record_id")
	for _, f := range reflect.VisibleFields(t) {
		name := jsonName(f)
		switch {
		case name == "":
		case refName.MatchString(name), link && (name == "id" || name == "record_id"):
			out = append(out, name)
		default:
			out = append(out, nestedRefKeys(f.Type, depth+1)...)
		}
	}
	return out
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

func hasJSON(t reflect.Type, names ...string) bool {
	for _, f := range reflect.VisibleFields(t) {
		if slices.Contains(names, jsonName(f)) {
			return true
		}
	}
	return false
}

// mergeIgnored are id columns a merge leaves alone, and why.
var mergeIgnored = map[string]string{
	"changes.record_id":            "the feed is history: old rows keep naming the loser, whose tombstone points on",
	"webhook_deliveries.record_id": "delivery log of events already sent",
	"search_keys.record_id":        "derived: rewritten with every record version",
	"activity_links.record_id":     "derived from the activity, rewritten when the activity moves",
	"inbound_messages.record_id":   "processing log of inbound webhooks (what a message created)",
}

// TestMergeCoversEverySchemaColumn lists every column of the migrated
// schema named like a contact or account id (or a polymorphic record_id)
// and fails on one that a merge neither searches, rewrites as a link, nor
// ignores on purpose.
func TestMergeCoversEverySchemaColumn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		plan, err := s.MergePlanColumns()
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, tc := range schemaColumns(t, s) {
			table, column := tc[0], tc[1]
			if !refName.MatchString(column) && column != "record_id" {
				continue
			}
			checked++
			key := table + "." + column
			searched := slices.ContainsFunc(plan[table], func(c string) bool { return strings.Split(c, ":")[0] == column })
			if !searched && !slices.Contains(store.MergeLinkColumns(), key) && mergeIgnored[key] == "" {
				t.Errorf("column %s may hold a contact or account id, but a merge neither moves it nor says why not", key)
			}
		}
		if checked < 30 {
			t.Fatalf("checked %d columns", checked)
		}
	})
}

// schemaColumns lists every (table, column) of the migrated schema, from
// the database's own catalogue: a table a later migration adds is in it
// without any change here (the merge's and the erasure's completeness
// tests read it).
func schemaColumns(t *testing.T, s *store.Store) [][2]string {
	t.Helper()
	q := `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	if s.Engine() == "sqlite" {
		q = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`
	}
	rows, err := s.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		out = append(out, [2]string{table, column})
	}
	if err := rows.Err(); err != nil || len(out) < 300 {
		t.Fatalf("the catalogue lists %d columns: %v", len(out), err)
	}
	return out
}

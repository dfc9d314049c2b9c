package store

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"gorm.io/gorm/schema"

	"rapport/model"
)

// recordTypes holds a zero record of every entity in Tables: the types a
// merge searches for references to the loser. A test fails when an entity
// of Tables, or a record type of package model, is missing here.
var recordTypes = []model.Record{
	&model.User{}, &model.Team{}, &model.Territory{}, &model.Account{}, &model.Contact{}, &model.Activity{},
	&model.Attachment{}, &model.DAVCollection{}, &model.WebhookEndpoint{}, &model.WebForm{}, &model.InboundHook{},
	&model.Pipeline{}, &model.Opportunity{}, &model.Competitor{}, &model.Lead{}, &model.Campaign{},
	&model.ReportDefinition{}, &model.CampaignMember{}, &model.MailingList{}, &model.Script{}, &model.Product{},
	&model.PriceList{}, &model.ExchangeRate{}, &model.Quote{}, &model.Order{}, &model.KBArticle{}, &model.KBVote{},
	&model.Request{}, &model.Queue{}, &model.SLATarget{}, &model.TimeEntry{}, &model.Registration{}, &model.RMA{},
	&model.Contract{}, &model.Invoice{}, &model.BillingRun{}, &model.DocumentTemplate{},
	&model.Mailbox{}, &model.MailMessage{}, &model.MailQuarantine{}, &model.OutboundMail{}, &model.MailSuppression{},
}

// refColumn is a column of a table that may hold the id of a contact or
// account.
type refColumn struct {
	column string
	// needle is the text around the id inside a JSON column (fmt verb for
	// the id: `"contact_id":"%s"`, or `"%s"` in a list of ids); empty for
	// a plain id column.
	needle string
	// entity is "contact" or "account", or empty when the record names it
	// (an attachment's record_type, an activity link's entity).
	entity string
	// entityColumn is the plain column that names the entity of a
	// polymorphic reference, when there is one ("record_type").
	entityColumn string
}

// refPlan is where one entity's records may refer to contacts or accounts.
type refPlan struct {
	entity  string
	table   string
	typ     reflect.Type
	columns []refColumn
}

var (
	refPlansOnce sync.Once
	refPlans     []refPlan
	refPlansErr  error
)

// mergePlans derives, once, every table and column a merge must search:
// each record type is filled with marker values and its model.MergeRefs
// read back, so a reference a record type declares is found without
// being listed here.
func (s *Store) mergePlans() ([]refPlan, error) {
	refPlansOnce.Do(func() {
		cache := &sync.Map{}
		for _, rec := range recordTypes {
			p, err := planFor(rec, cache, s.db.NamingStrategy)
			if err != nil {
				refPlansErr = err
				return
			}
			if len(p.columns) > 0 {
				refPlans = append(refPlans, p)
			}
		}
	})
	return refPlans, refPlansErr
}

// marker is where a probe value was put: a top-level field, and the JSON
// key holding it when it sits inside that field's JSON.
type marker struct {
	field  reflect.StructField
	nested bool
	key    string
}

// planFor probes one record type.
func planFor(rec model.Record, cache *sync.Map, naming schema.Namer) (refPlan, error) {
	t := reflect.TypeOf(rec).Elem()
	sch, err := schema.Parse(rec, cache, naming)
	if err != nil {
		return refPlan{}, fmt.Errorf("store: schema of %s: %w", rec.Entity(), err)
	}
	probe := reflect.New(t)
	markers := map[string]marker{}
	for _, f := range reflect.VisibleFields(t) {
		if f.IsExported() && !f.Anonymous {
			fillMarkers(probe.Elem().FieldByIndex(f.Index), marker{field: f}, markers)
		}
	}
	plan := refPlan{entity: rec.Entity(), table: Tables[rec.Entity()], typ: t}
	seen := map[refColumn]bool{}
	for _, ref := range model.MergeRefs(probe.Interface().(model.Record)) {
		m, ok := markers[deref(ref.ID)]
		if !ok {
			continue
		}
		c := refColumn{column: columnOf(sch, m.field), entity: ref.Entity}
		if em, dynamic := markers[ref.Entity]; dynamic {
			c.entity = ""
			if !em.nested {
				c.entityColumn = columnOf(sch, em.field)
			}
		} else if !slices.Contains(model.MergeEntities, ref.Entity) {
			continue
		}
		if m.nested {
			c.needle = `"%s"`
			if m.key != "" {
				c.needle = `"` + m.key + `":"%s"`
			}
		}
		if c.column == "" {
			return refPlan{}, fmt.Errorf("store: %s.%s refers to records but is not a column", rec.Entity(), ref.Field)
		}
		if !seen[c] {
			seen[c] = true
			plan.columns = append(plan.columns, c)
		}
	}
	return plan, nil
}

// columnOf is the database column of a record's field, "" when it has none.
func columnOf(sch *schema.Schema, f reflect.StructField) string {
	if field := sch.LookUpField(f.Name); field != nil {
		return field.DBName
	}
	return ""
}

// fillMarkers puts a unique marker into every string of v (a field of a
// probe record), descending into fields stored as JSON, and notes where.
func fillMarkers(v reflect.Value, at marker, markers map[string]marker) {
	stored := at.nested || strings.Contains(at.field.Tag.Get("gorm"), "serializer:json")
	switch v.Kind() {
	case reflect.String:
		m := fmt.Sprintf("probe-%d", len(markers))
		v.SetString(m)
		markers[m] = at
	case reflect.Pointer:
		if v.Type().Elem().Kind() == reflect.String || (stored && v.Type().Elem().Kind() == reflect.Struct) {
			v.Set(reflect.New(v.Type().Elem()))
			fillMarkers(v.Elem(), at, markers)
		}
	case reflect.Slice:
		if stored {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
			in := at
			in.nested, in.key = true, ""
			fillMarkers(v.Index(0), in, markers)
		}
	case reflect.Struct:
		if !stored {
			return
		}
		for _, f := range reflect.VisibleFields(v.Type()) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.IsExported() && !f.Anonymous && name != "-" {
				in := at
				in.nested, in.key = true, name
				fillMarkers(v.FieldByIndex(f.Index), in, markers)
			}
		}
	}
}

// loserRows loads the live records of plan that may refer to the loser of
// a merge of entity, as a slice of plan's type (empty when plan cannot
// refer to entity): a superset, since a JSON needle may match elsewhere;
// model.MergeRefs decides. The merged pair itself is left out.
func (s *Store) loserRows(ctx context.Context, plan refPlan, entity, loser, survivor string) (reflect.Value, error) {
	var conds []string
	var args []any
	for _, c := range plan.columns {
		if c.entity != "" && c.entity != entity {
			continue
		}
		cond, arg := c.column+" = ?", any(loser)
		if c.needle != "" {
			cond, arg = "instr("+c.column+", ?) > 0", fmt.Sprintf(c.needle, loser)
		}
		args = append(args, arg)
		if c.entityColumn != "" {
			cond += " AND " + c.entityColumn + " = ?"
			args = append(args, entity)
		}
		conds = append(conds, "("+cond+")")
	}
	rows := reflect.New(reflect.SliceOf(plan.typ))
	if len(conds) == 0 {
		return rows.Elem(), nil
	}
	q := s.conn(ctx).Table(plan.table).Where("deleted_at IS NULL").Where("("+strings.Join(conds, " OR ")+")", args...)
	if plan.entity == entity {
		q = q.Where("id NOT IN ?", []string{loser, survivor})
	}
	if s.engine == "postgres" {
		q = q.Clauses(forUpdate())
	}
	if err := q.Order("id").Find(rows.Interface()).Error; err != nil {
		return reflect.Value{}, dbErr(err)
	}
	return rows.Elem(), nil
}

// moveRefs moves every live record that refers to the loser over to the
// survivor, each as a new version with its feed row, whatever the actor
// may see: leaving a record on a tombstone would strand it. It returns how
// many records moved, per entity.
func (s *Store) moveRefs(ctx context.Context, entity, loser, survivor string) (Moved, error) {
	plans, err := s.mergePlans()
	if err != nil {
		return nil, err
	}
	moved := Moved{}
	for _, plan := range plans {
		list, err := s.loserRows(ctx, plan, entity, loser, survivor)
		if err != nil {
			return nil, err
		}
		for i := range list.Len() {
			rec := list.Index(i).Addr().Interface().(model.Record)
			did, err := s.moveOne(ctx, plan, rec, entity, loser, survivor)
			if err != nil {
				return nil, fmt.Errorf("moving %s %s: %w", plan.entity, rec.RecordMeta().ID, err)
			}
			if did {
				moved[plan.entity]++
			}
		}
	}
	return moved, s.moveLinks(ctx, entity, loser, survivor, moved)
}

// moveOne points rec's references to the loser at the survivor and writes
// it. A record that would then duplicate one of the survivor's (the same
// campaign membership) is deleted instead, where the model allows it.
func (s *Store) moveOne(ctx context.Context, plan refPlan, rec model.Record, entity, loser, survivor string) (bool, error) {
	before, err := model.ToMap(rec)
	if err != nil {
		return false, err
	}
	n := 0
	for _, r := range model.MergeRefs(rec) {
		if r.ID != nil && *r.ID == loser && r.Entity == entity {
			*r.ID = survivor
			n++
		}
	}
	if n == 0 {
		return false, nil // the JSON needle matched something else
	}
	after, err := model.ToMap(rec)
	if err != nil {
		return false, err
	}
	write := func(ctx context.Context) error {
		return s.writeVersion(ctx, rec, rec.RecordMeta().Version, model.OpUpdate, model.Diff(before, after))
	}
	if !model.MergeDropsDuplicate(plan.entity) {
		return true, write(ctx)
	}
	err = s.WithTx(ctx, write)
	if model.ErrorCode(err) != model.ECONFLICT {
		return true, err
	}
	orig := reflect.New(plan.typ).Interface().(model.Record)
	if err := s.conn(ctx).Table(plan.table).Where("id = ?", rec.RecordMeta().ID).Take(orig).Error; err != nil {
		return false, dbErr(err)
	}
	return true, s.tombstone(ctx, orig)
}

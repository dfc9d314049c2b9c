package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"rapport/model"
)

// Offboarding actions.
const (
	OffboardReassigned      = "reassigned"
	OffboardAttendeeRemoved = "attendee_removed"
	OffboardDeleted         = "deleted"
	OffboardKept            = "kept"
)

// offboardRule decides the fate of one user reference (entity and JSON
// field) when its user leaves. match selects the records that point at the
// leaver, open narrows them to those that still need someone (nil: all),
// apply moves one of them, and left says why the rest stay. A rule without
// apply keeps everything. TestOffboardRulesCoverEveryUserReference fails
// when a record type's user reference has no rule here.
type offboardRule struct {
	entity, field, action string
	column                string // where field is stored
	match                 func(q *gorm.DB, o *offboarding) *gorm.DB
	open                  func(q *gorm.DB, o *offboarding) *gorm.DB
	apply                 func(ctx context.Context, s *Store, id string, o *offboarding) error
	left                  string
}

// offboardRules run in this order, each on what the ones before left.
var offboardRules = []offboardRule{
	reassignRule[model.Account]("owner_id", nil, "", nil),
	reassignRule[model.Contact]("owner_id", nil, "", nil),
	reassignRule[model.Lead]("owner_id", statusNotIn(model.LeadConverted, model.LeadDisqualified), "converted and disqualified leads are history", nil),
	reassignRule[model.Opportunity]("owner_id", whereSQL("outcome = ?", model.OutcomeOpen), "won and lost deals keep their owner (commission, reports)", nil),
	reassignRule[model.Quote]("owner_id", statusIn(model.QuoteDraft, model.QuoteSent), "accepted, rejected, expired and superseded quotes are history", nil),
	reassignRule[model.Order]("owner_id", statusIn(model.OrderDraft, model.OrderConfirmed), "fulfilled and cancelled orders are history", nil),
	reassignRule[model.Invoice]("owner_id", statusIn(model.InvoiceDraft), "an issued invoice never changes (credit it and issue another)", nil),
	reassignRule[model.Contract]("owner_id", openContract, "cancelled and ended contracts are history", nil),
	reassignRule[model.Request]("assignee_id", statusNotIn(model.RequestResolved, model.RequestClosed), "resolved and closed requests keep who worked them", nil),
	reassignRule[model.RMA]("owner_id", statusNotIn(model.RMAClosed, model.RMARejected), "closed and rejected returns are history", nil),
	reassignRule[model.Activity]("owner_id", openActivity, "notes, mails, documents, finished tasks and past or cancelled appointments and calls are history", handOverActivity),
	attendeeRule(),
	reassignRule[model.Campaign]("owner_id", statusIn("planned", "active"), "completed and cancelled campaigns are history", nil),
	reassignRule[model.Territory]("owner_id", nil, "", nil),
	reassignRule[model.WebForm]("owner_id", nil, "", nil),
	reassignRule[model.InboundHook]("owner_id", nil, "", nil),
	reassignRule[model.ReportDefinition]("owner_id", nil, "", nil),
	restHookRule(),
	keepRule[model.Team]("manager_id", "a team's manager is an organisational choice: name a new one (PATCH /teams/{id})"),
	keepRule[model.DAVCollection]("owner_id", "DAV address books and calendars are personal settings (the open appointments in them moved)"),
	keepRule[model.TimeEntry]("user_id", "time worked stays booked to who worked it"),
	keepRule[model.KBVote]("user_id", "a vote is its voter's opinion"),
}

// run applies the rule to the leaver's records and reports what moved and
// what stayed.
func (r offboardRule) run(ctx context.Context, s *Store, o *offboarding) (OffboardItem, error) {
	item := OffboardItem{Entity: r.entity, Field: r.field, Action: r.action, IDs: []string{}, Left: []OffboardLeft{}}
	failed := map[string]string{} // id → why it could not move
	if r.apply != nil {
		ids, err := r.candidates(ctx, s, o)
		if err != nil {
			return item, err
		}
		for _, id := range ids {
			err := r.apply(ctx, s, id, o)
			if err != nil && !recordRefused(err) {
				return item, fmt.Errorf("store: offboarding %s %s: %w", r.entity, id, err)
			}
			if err != nil {
				failed[id] = err.Error() // a *model.Error: safe to show, with its fields
				continue
			}
			item.Count++
			item.IDs = appendCapped(item.IDs, id)
		}
	}
	left, err := r.leftovers(ctx, s, o, failed)
	item.Left = left
	return item, err
}

// recordRefused reports whether err is one record's own refusal (it no
// longer validates, a rule forbids the change), which leaves that record
// with its user, rather than a failure of the whole offboarding.
func recordRefused(err error) bool {
	var e *model.Error
	return errors.As(err, &e) && e.Code != model.EINTERNAL
}

// base selects the live records of the rule's entity that point at the leaver.
func (r offboardRule) base(ctx context.Context, s *Store, o *offboarding) *gorm.DB {
	return r.match(s.conn(ctx).Table(Tables[r.entity]).Where("deleted_at IS NULL"), o)
}

// candidates lists the ids of the records the rule moves, oldest first.
func (r offboardRule) candidates(ctx context.Context, s *Store, o *offboarding) ([]string, error) {
	q := r.base(ctx, s, o)
	if r.open != nil {
		q = r.open(q, o)
	}
	var ids []string
	return ids, dbErr(q.Order("created_at, id").Pluck("id", &ids).Error)
}

// leftovers groups what still points at the leaver after the rule ran: the
// records that refused to move, by message, and the rest with the rule's
// reason.
func (r offboardRule) leftovers(ctx context.Context, s *Store, o *offboarding, failed map[string]string) ([]OffboardLeft, error) {
	var total int64
	if err := r.base(ctx, s, o).Count(&total).Error; err != nil {
		return nil, dbErr(err)
	}
	var ids []string
	if err := r.base(ctx, s, o).Order("created_at, id").Limit(OffboardIDCap+len(failed)).Pluck("id", &ids).Error; err != nil {
		return nil, dbErr(err)
	}
	rest := OffboardLeft{Reason: r.left, Count: int(total) - len(failed), IDs: []string{}}
	for _, id := range ids {
		if _, ok := failed[id]; !ok {
			rest.IDs = appendCapped(rest.IDs, id)
		}
	}
	out := refusals(failed)
	if rest.Count > 0 {
		out = append(out, rest)
	}
	return out, nil
}

// refusals groups the records that refused to move by their message.
func refusals(failed map[string]string) []OffboardLeft {
	out := []OffboardLeft{}
	at := map[string]int{}
	for id, msg := range failed {
		reason := "could not move: " + msg
		i, ok := at[reason]
		if !ok {
			i, at[reason] = len(out), len(out)
			out = append(out, OffboardLeft{Reason: reason, IDs: []string{}})
		}
		out[i].Count++
		out[i].IDs = appendCapped(out[i].IDs, id)
	}
	return out
}

func appendCapped(ids []string, id string) []string {
	if len(ids) >= OffboardIDCap {
		return ids
	}
	return append(ids, id)
}

// reassignRule makes the heir the user in field of the leaver's open records
// of type P; also (when set) adjusts the record along.
func reassignRule[T any, P RecordPtr[T]](field string, open func(*gorm.DB, *offboarding) *gorm.DB, left string, also func(P, *offboarding)) offboardRule {
	column, index := userField(reflect.TypeFor[T](), field)
	if left == "" {
		left = "not moved"
	}
	return offboardRule{entity: EntityOf[T, P](), field: field, column: column, action: OffboardReassigned, match: columnIs(column), open: open, left: left,
		apply: func(ctx context.Context, s *Store, id string, o *offboarding) error {
			_, err := Update(ctx, s, id, 0, func(rec P) error {
				setUser(reflect.ValueOf(rec).Elem().FieldByIndex(index), o.heir.ID)
				if also != nil {
					also(rec, o)
				}
				return nil
			})
			return err
		}}
}

// keepRule leaves every record of type P that points at the leaver in field.
func keepRule[T any, P RecordPtr[T]](field, why string) offboardRule {
	column, _ := userField(reflect.TypeFor[T](), field)
	return offboardRule{entity: EntityOf[T, P](), field: field, column: column, action: OffboardKept, match: columnIs(column), left: why}
}

// attendeeRule takes the leaver off the attendees of future appointments
// and calls (whoever owns them): they will not come, and the heir did not
// accept anyone's invitation. Past ones keep their attendees as history.
func attendeeRule() offboardRule {
	return offboardRule{entity: "activity", field: "attendees[].user_id", column: "attendees", action: OffboardAttendeeRemoved,
		match: func(q *gorm.DB, o *offboarding) *gorm.DB {
			return q.Where("instr(attendees, ?) > 0", attendeeNeedle(o.leaver.ID))
		},
		open: futureMeeting, left: "past and cancelled appointments and calls keep their attendees (history)",
		apply: func(ctx context.Context, s *Store, id string, o *offboarding) error {
			_, err := Update(ctx, s, id, 0, func(a *model.Activity) error {
				kept := make([]model.Attendee, 0, len(a.Attendees)) // a new array: the old version still uses its own
				for _, at := range a.Attendees {
					if at.UserID != o.leaver.ID {
						kept = append(kept, at)
					}
				}
				a.Attendees = kept
				return nil
			})
			return err
		}}
}

// restHookRule unsubscribes the REST hooks the leaver made: they send
// what the leaver may see, and the integration that made them can no
// longer sign in as the leaver to renew or remove them.
func restHookRule() offboardRule {
	return offboardRule{entity: "webhook_endpoint", field: "owner_id", column: "owner_id", action: OffboardDeleted, match: columnIs("owner_id"),
		left: "not deleted",
		apply: func(ctx context.Context, s *Store, id string, _ *offboarding) error {
			return Delete[model.WebhookEndpoint](ctx, s, id, 0)
		}}
}

// handOverActivity moves an activity out of the leaver's personal calendar
// (calendars are per user, so the heir would not see it there) and drops
// an organizer that was the leaver, so the heir, its owner, organises it.
func handOverActivity(a *model.Activity, o *offboarding) {
	a.CalendarID = nil
	if strings.EqualFold(a.OrganizerEmail, o.leaver.Email) {
		a.OrganizerEmail, a.OrganizerName = "", ""
	}
}

// openActivity selects tasks still to do and appointments and calls still
// to come.
func openActivity(q *gorm.DB, o *offboarding) *gorm.DB {
	return q.Where("(kind = ? AND status IN ?) OR ("+meetingToCome+")",
		append([]any{model.KindTask, []string{"needs_action", "in_process"}}, meetingArgs(o)...)...)
}

// futureMeeting selects appointments and calls still to come.
func futureMeeting(q *gorm.DB, o *offboarding) *gorm.DB {
	return q.Where(meetingToCome, meetingArgs(o)...)
}

// meetingToCome matches appointments and calls neither cancelled nor held
// that start from now on or recur past now.
const meetingToCome = "kind IN ? AND status IN ? AND (sort_at >= ? OR (recurrence_rule <> '' AND (recurrence_end IS NULL OR recurrence_end >= ?)))"

func meetingArgs(o *offboarding) []any {
	return []any{[]string{model.KindAppointment, model.KindCall}, []string{"confirmed", "tentative", "planned"}, o.now, o.now}
}

// openContract selects draft contracts and active ones not yet ended.
func openContract(q *gorm.DB, o *offboarding) *gorm.DB {
	return q.Where("status IN ? AND (end_date IS NULL OR end_date >= ?)", []string{model.ContractDraft, model.ContractActive}, o.today)
}

func columnIs(column string) func(*gorm.DB, *offboarding) *gorm.DB {
	return func(q *gorm.DB, o *offboarding) *gorm.DB { return q.Where(column+" = ?", o.leaver.ID) }
}

func whereSQL(cond string, args ...any) func(*gorm.DB, *offboarding) *gorm.DB {
	return func(q *gorm.DB, _ *offboarding) *gorm.DB { return q.Where(cond, args...) }
}

func statusIn(statuses ...string) func(*gorm.DB, *offboarding) *gorm.DB {
	return whereSQL("status IN ?", statuses)
}

func statusNotIn(statuses ...string) func(*gorm.DB, *offboarding) *gorm.DB {
	return whereSQL("status NOT IN ?", statuses)
}

// userField finds the field of struct t (embedded structs included) whose
// JSON name is name, and returns its column and index. It panics when
// there is none: the rule table is wrong, which every test run shows.
func userField(t reflect.Type, name string) (string, []int) {
	f, ok := fieldByJSON(t, name)
	if !ok || (f.Type.Kind() != reflect.String && f.Type != reflect.TypeFor[*string]()) {
		panic(fmt.Sprintf("store: %s has no user field %q", t.Name(), name))
	}
	for _, part := range strings.Split(f.Tag.Get("gorm"), ";") {
		if col, ok := strings.CutPrefix(part, "column:"); ok {
			return col, f.Index
		}
	}
	return schema.NamingStrategy{}.ColumnName("", f.Name), f.Index
}

// fieldByJSON finds a field by its JSON name, looking into embedded structs.
func fieldByJSON(t reflect.Type, name string) (reflect.StructField, bool) {
	return t.FieldByNameFunc(func(goName string) bool {
		f, _ := t.FieldByName(goName)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		return tag == name
	})
}

// setUser points a string or *string field at id.
func setUser(v reflect.Value, id string) {
	if v.Kind() == reflect.String {
		v.SetString(id)
		return
	}
	v.Set(reflect.ValueOf(&id))
}

package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"rapport/model"
)

// DAVScope names one DAV collection's members: the address book of every
// visible contact, the user's own contacts, the appointments and calls the
// user owns or attends, the user's tasks, or one personal calendar.
type DAVScope struct {
	Slug       string // model.SlugContacts, SlugMine, SlugAppointments, SlugTasks, or a personal calendar's slug
	UserID     string
	CalendarID string // set for personal calendars
}

// Entity returns the entity the scope lists.
func (sc DAVScope) Entity() string {
	if sc.Slug == model.SlugContacts || sc.Slug == model.SlugMine {
		return "contact"
	}
	return "activity"
}

// where restricts q to the scope's live members (columns qualified, since
// contact queries join accounts).
func (sc DAVScope) where(q *gorm.DB) *gorm.DB {
	t := sc.table() + "."
	q = q.Where(t + "deleted_at IS NULL")
	switch {
	case sc.CalendarID != "":
		return q.Where(t+"calendar_id = ? AND "+t+"owner_id = ?", sc.CalendarID, sc.UserID)
	case sc.Slug == model.SlugContacts:
		return q
	case sc.Slug == model.SlugMine:
		return q.Where(t+"owner_id = ?", sc.UserID)
	case sc.Slug == model.SlugTasks:
		return q.Where(t+"kind = ? AND "+t+"calendar_id IS NULL AND "+t+"owner_id = ?", model.KindTask, sc.UserID)
	}
	return q.Where(t+"kind IN ? AND "+t+"calendar_id IS NULL AND ("+t+"owner_id = ? OR instr("+t+"attendees, ?) > 0)",
		[]string{model.KindAppointment, model.KindCall}, sc.UserID, attendeeNeedle(sc.UserID))
}

func attendeeNeedle(userID string) string { return `"user_id":"` + userID + `"` }

// table returns the scope's table.
func (sc DAVScope) table() string { return Tables[sc.Entity()] }

// DAVEntry is what a collection listing needs of one member: its id, name,
// version and, for contacts, the version of its account (whose name is the
// card's ORG), which together make the ETag.
type DAVEntry struct {
	ID             string
	Name           string `gorm:"column:dav_name"`
	UID            string `gorm:"column:dav_uid"`
	Version        int64
	AccountVersion int64
}

// DAVEntries lists the scope's members, oldest first.
func (s *Store) DAVEntries(ctx context.Context, sc DAVScope) ([]DAVEntry, error) {
	var out []DAVEntry
	q, err := s.davQuery(ctx, sc)
	if err != nil {
		return nil, err
	}
	return out, dbErr(q.Find(&out).Error)
}

// davQuery selects entry columns of the scope's members (contacts joined to
// their account's version).
func (s *Store) davQuery(ctx context.Context, sc DAVScope) (*gorm.DB, error) {
	if !model.ActorFrom(ctx).IsStaff() {
		return nil, model.Errorf(model.EFORBIDDEN, "staff only")
	}
	t := sc.table()
	q := s.conn(ctx).Table(t)
	if sc.Entity() == "contact" {
		q = q.Select("contacts.id, contacts.dav_name, contacts.dav_uid, contacts.version, COALESCE(accounts.version, 0) AS account_version").
			Joins("LEFT JOIN accounts ON accounts.id = contacts.account_id")
		return sc.where(q).Order("contacts.created_at, contacts.id"), nil
	}
	return sc.where(q.Select("id, dav_name, dav_uid, version, 0 AS account_version")).Order("created_at, id"), nil
}

// DAVLookup finds the scope's members by resource name: a stored DAV name,
// or the id of a record the CRM created ("{id}.vcf"). The map is keyed by
// the name asked for.
func (s *Store) DAVLookup(ctx context.Context, sc DAVScope, names []string, ext string) (map[string]DAVEntry, error) {
	if len(names) > 200 {
		return s.davLookupAll(ctx, sc, names, ext)
	}
	out := make(map[string]DAVEntry, len(names))
	col := sc.table() + "."
	for start := 0; start < len(names); start += 500 {
		chunk := names[start:min(start+500, len(names))]
		ids := make([]string, 0, len(chunk))
		for _, n := range chunk {
			if id, ok := strings.CutSuffix(n, ext); ok && model.ValidID(id) {
				ids = append(ids, id)
			}
		}
		// Two indexed lookups: by stored name, then by id for CRM-made records.
		if err := s.davLookupWhere(ctx, sc, ext, out, col+"dav_name IN ?", chunk); err != nil {
			return nil, err
		}
		missing := ids[:0]
		for _, id := range ids {
			if _, ok := out[id+ext]; !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			if err := s.davLookupWhere(ctx, sc, ext, out, col+"id IN ? AND "+col+"dav_name = ''", missing); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (s *Store) davLookupWhere(ctx context.Context, sc DAVScope, ext string, out map[string]DAVEntry, where string, args []string) error {
	q, err := s.davQuery(ctx, sc)
	if err != nil {
		return err
	}
	var rows []DAVEntry
	if err := q.Where(where, args).Find(&rows).Error; err != nil {
		return dbErr(err)
	}
	for _, e := range rows {
		out[model.DAVLink{Name: e.Name}.NameOr(e.ID, ext)] = e
	}
	return nil
}

// davLookupAll serves large multigets from one listing of the scope rather
// than thousands of bound parameters.
func (s *Store) davLookupAll(ctx context.Context, sc DAVScope, names []string, ext string) (map[string]DAVEntry, error) {
	all, err := s.DAVEntries(ctx, sc)
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	out := make(map[string]DAVEntry, len(names))
	for _, e := range all {
		if name := (model.DAVLink{Name: e.Name}).NameOr(e.ID, ext); want[name] {
			out[name] = e
		}
	}
	return out, nil
}

// DAVEntriesByID returns the scope's members among ids, keyed by id.
func (s *Store) DAVEntriesByID(ctx context.Context, sc DAVScope, ids []string) (map[string]DAVEntry, error) {
	out := make(map[string]DAVEntry, len(ids))
	for start := 0; start < len(ids); start += 500 {
		q, err := s.davQuery(ctx, sc)
		if err != nil {
			return nil, err
		}
		var rows []DAVEntry
		if err := q.Where(sc.table()+".id IN ?", ids[start:min(start+500, len(ids))]).Find(&rows).Error; err != nil {
			return nil, dbErr(err)
		}
		for _, r := range rows {
			out[r.ID] = r
		}
	}
	return out, nil
}

// DAVByUID returns the scope's member whose UID is uid (a DAV UID, or the
// id of a CRM-made record), or ENOTFOUND.
func (s *Store) DAVByUID(ctx context.Context, sc DAVScope, uid string) (DAVEntry, error) {
	q, err := s.davQuery(ctx, sc)
	if err != nil {
		return DAVEntry{}, err
	}
	col := sc.table() + "."
	var rows []DAVEntry
	cond := col + "dav_uid = ?"
	args := []any{uid}
	if model.ValidID(uid) {
		cond = "(" + cond + " OR (" + col + "dav_uid = '' AND " + col + "id = ?))"
		args = append(args, uid)
	}
	if err := q.Where(cond, args...).Limit(1).Find(&rows).Error; err != nil {
		return DAVEntry{}, dbErr(err)
	}
	if len(rows) == 0 {
		return DAVEntry{}, notFound()
	}
	return rows[0], nil
}

// DAVContacts loads live contacts by id, in any order.
func (s *Store) DAVContacts(ctx context.Context, ids []string) ([]model.Contact, error) {
	return davLoad[model.Contact](ctx, s, ids)
}

// DAVActivities loads live activities by id, in any order.
func (s *Store) DAVActivities(ctx context.Context, ids []string) ([]model.Activity, error) {
	return davLoad[model.Activity](ctx, s, ids)
}

func davLoad[T any](ctx context.Context, s *Store, ids []string) ([]T, error) {
	out := make([]T, 0, len(ids))
	for start := 0; start < len(ids); start += 500 {
		var rows []T
		err := s.conn(ctx).Where("deleted_at IS NULL AND id IN ?", ids[start:min(start+500, len(ids))]).Find(&rows).Error
		if err != nil {
			return nil, dbErr(err)
		}
		out = append(out, rows...)
	}
	return out, nil
}

// DAVActivitiesInRange returns the ids of the scope's members that may
// overlap [start, end) (a zero end is open): one-off items by their times,
// recurring ones by their first start and recurrence end. The caller checks
// each candidate's instances exactly.
func (s *Store) DAVActivitiesInRange(ctx context.Context, sc DAVScope, start, end time.Time) ([]string, error) {
	q, err := s.davQuery(ctx, sc)
	if err != nil {
		return nil, err
	}
	if end.IsZero() {
		end = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	// All-day items are stored by date; a day of slack on either side covers
	// every zone, and the exact check follows. Extra dates (RDATE) without a
	// rule are always candidates.
	lo, hi := start.Add(-50*time.Hour), end.Add(50*time.Hour)
	q = q.Where(`(
		(recurrence_rule = '' AND (
			(start_at IS NOT NULL AND start_at < ? AND COALESCE(end_at, due_at, start_at) >= ?) OR
			(start_date IS NOT NULL AND start_date < ? AND COALESCE(end_date, start_date) >= ?) OR
			(start_at IS NULL AND start_date IS NULL) OR
			instr(dav_extra, 'RDATE') > 0))
		OR (recurrence_rule <> '' AND sort_at < ? AND (recurrence_end IS NULL OR recurrence_end >= ?)))`,
		end, lo, hi.Format(model.DateLayout), lo.Format(model.DateLayout), hi, start)
	return davIDs(q)
}

// DAVContactsByEmail returns the ids of the scope's contacts with an e-mail
// address equal to email (exact, from the search index) or, with contains,
// holding it as a substring.
func (s *Store) DAVContactsByEmail(ctx context.Context, sc DAVScope, email string, contains bool) ([]string, error) {
	q, err := s.davQuery(ctx, sc)
	if err != nil {
		return nil, err
	}
	email = strings.ToLower(email)
	if contains {
		q = q.Where("contacts.id IN (SELECT record_id FROM search_keys WHERE entity = 'contact' AND kind = ? AND value LIKE ? ESCAPE '\\')",
			model.KeyEmail, "%"+likeEscaper.Replace(email)+"%")
	} else {
		q = q.Where("contacts.id IN (SELECT record_id FROM search_keys WHERE entity = 'contact' AND kind = ? AND value = ?)", model.KeyEmail, email)
	}
	return davIDs(q)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

// DAVChange is one member of a sync-collection answer: a resource that
// changed since the client's token (Entry set) or left the collection
// (Entry nil; Name is its last resource name).
type DAVChange struct {
	ID    string
	Name  string
	Entry *DAVEntry
}

// DAVChanges returns what changed in the scope after feed seq since, up to
// limit feed rows; next is the seq to hand out as the new sync token and
// truncated says the client must ask again. A since beyond the feed's head is
// EINVALID (a token this installation never issued), and so is one below the
// feed horizon (its changes were pruned: the client must sync afresh).
func (s *Store) DAVChanges(ctx context.Context, sc DAVScope, ext string, since int64, limit int) (out []DAVChange, next int64, truncated bool, err error) {
	head, err := s.LastSeq(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	if since < 0 || since > head {
		return nil, 0, false, model.Errorf(model.EINVALID, "unknown sync token")
	}
	var rows []model.Change
	err = s.conn(ctx).Select("seq, entity, record_id, fields, snapshot").
		Where("seq > ? AND seq <= ? AND entity IN ?", since, head, davFeedEntities(sc)).
		Order("seq").Limit(limit + 1).Find(&rows).Error
	if err != nil {
		return nil, 0, false, dbErr(err)
	}
	if err := s.belowHorizon(ctx, since); err != nil {
		if model.ErrorCode(err) == model.EGONE {
			return nil, 0, false, model.Errorf(model.EINVALID, "the sync token is older than the change feed's horizon")
		}
		return nil, 0, false, err
	}
	next = head
	if len(rows) > limit {
		rows, truncated = rows[:limit], true
		next = rows[len(rows)-1].Seq
	}
	ids, mentioned, err := s.davChangedIDs(ctx, sc, rows)
	if err != nil {
		return nil, 0, false, err
	}
	out, err = s.davResolveChanges(ctx, sc, ext, ids, mentioned)
	return out, next, truncated, err
}

// davFeedEntities are the feed entities whose changes alter a scope's
// members: a contact's card shows its account's name.
func davFeedEntities(sc DAVScope) []string {
	if sc.Entity() == "contact" {
		return []string{"contact", "account"}
	}
	return []string{"activity"}
}

// davChangedIDs returns the member ids the feed rows touch, in feed order,
// and which of them mention the scope's user or calendar (so that a removal
// is reported only to collections that could have held the record).
func (s *Store) davChangedIDs(ctx context.Context, sc DAVScope, rows []model.Change) ([]string, map[string]bool, error) {
	var ids, accounts []string
	mentioned := map[string]bool{}
	seen := map[string]bool{}
	for _, c := range rows {
		if c.Entity == "account" {
			accounts = append(accounts, c.RecordID)
			continue
		}
		if !seen[c.RecordID] {
			seen[c.RecordID] = true
			ids = append(ids, c.RecordID)
		}
		if sc.Slug == model.SlugContacts || sc.holdsVersion(c) {
			mentioned[c.RecordID] = true
		}
	}
	if len(accounts) > 0 {
		var more []string
		q := sc.where(s.conn(ctx).Table("contacts")).Where("account_id IN ?", Dedupe(accounts))
		if err := q.Pluck("id", &more).Error; err != nil {
			return nil, nil, dbErr(err)
		}
		for _, id := range more {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids, mentioned, nil
}

// Dedupe is model.Dedupe for convenience inside the store.
func Dedupe(list []string) []string { return model.Dedupe(list) }

// davMembership is what decides whether an activity version belonged to a
// user's calendar: its owner, user attendees and personal calendar.
type davMembership struct {
	OwnerID    string           `json:"owner_id"`
	CalendarID string           `json:"calendar_id"`
	Attendees  []model.Attendee `json:"attendees"`
}

func (m davMembership) has(sc DAVScope) bool {
	if sc.CalendarID != "" {
		return m.CalendarID == sc.CalendarID && m.OwnerID == sc.UserID
	}
	if m.OwnerID == sc.UserID {
		return true
	}
	for _, at := range m.Attendees {
		if at.UserID == sc.UserID {
			return true
		}
	}
	return false
}

// holdsVersion reports whether the record, before or after change c, was
// the user's (owned or attended, or in the personal calendar): only then
// is its removal reported to this collection.
func (sc DAVScope) holdsVersion(c model.Change) bool {
	var after davMembership
	if json.Unmarshal(c.Snapshot, &after) == nil && after.has(sc) {
		return true
	}
	before := after
	if f, ok := c.Fields["owner_id"]; ok {
		before.OwnerID, _ = f.Old.(string)
	}
	if f, ok := c.Fields["calendar_id"]; ok {
		before.CalendarID, _ = f.Old.(string)
	}
	if f, ok := c.Fields["attendees"]; ok {
		before.Attendees = nil
		if b, err := json.Marshal(f.Old); err == nil {
			_ = json.Unmarshal(b, &before.Attendees)
		}
	}
	return before.has(sc)
}

// davResolveChanges splits changed ids into current members and removals.
func (s *Store) davResolveChanges(ctx context.Context, sc DAVScope, ext string, ids []string, mentioned map[string]bool) ([]DAVChange, error) {
	present, err := s.DAVEntriesByID(ctx, sc, ids)
	if err != nil {
		return nil, err
	}
	out := make([]DAVChange, 0, len(ids))
	var goneIDs []string
	for _, id := range ids {
		if e, ok := present[id]; ok {
			out = append(out, DAVChange{ID: id, Name: model.DAVLink{Name: e.Name}.NameOr(id, ext), Entry: &e})
		} else if mentioned[id] {
			goneIDs = append(goneIDs, id)
		}
	}
	for start := 0; start < len(goneIDs); start += 500 {
		var names []DAVEntry
		err := s.conn(ctx).Table(sc.table()).Select("id, dav_name").Where("id IN ?", goneIDs[start:min(start+500, len(goneIDs))]).Find(&names).Error
		if err != nil {
			return nil, dbErr(err)
		}
		for _, n := range names {
			out = append(out, DAVChange{ID: n.ID, Name: model.DAVLink{Name: n.Name}.NameOr(n.ID, ext)})
		}
	}
	return out, nil
}

// DAVSyncSeq returns the newest feed seq that touched the scope's entities or
// the collection's own settings (collectionID may be empty): the collection's
// sync token and CTag. It is never below the feed horizon, whose token stays
// valid when retention pruned the rows that touched the collection.
func (s *Store) DAVSyncSeq(ctx context.Context, sc DAVScope, collectionID string) (int64, error) {
	best, err := s.FeedHorizon(ctx)
	if err != nil {
		return 0, err
	}
	for _, e := range davFeedEntities(sc) {
		var seq *int64
		if err := s.conn(ctx).Model(&model.Change{}).Select("MAX(seq)").Where("entity = ?", e).Scan(&seq).Error; err != nil {
			return 0, dbErr(err)
		}
		if seq != nil && *seq > best {
			best = *seq
		}
	}
	if collectionID != "" {
		var seq *int64
		err := s.conn(ctx).Model(&model.Change{}).Select("MAX(seq)").Where("entity = ? AND record_id = ?", "dav_collection", collectionID).Scan(&seq).Error
		if err != nil {
			return 0, dbErr(err)
		}
		if seq != nil && *seq > best {
			best = *seq
		}
	}
	return best, nil
}

// DAVCollections returns the user's stored collection settings of kind.
func (s *Store) DAVCollections(ctx context.Context, userID, kind string) ([]model.DAVCollection, error) {
	var out []model.DAVCollection
	err := s.conn(ctx).Where("owner_id = ? AND kind = ? AND deleted_at IS NULL", userID, kind).Order("sort_order, created_at").Find(&out).Error
	return out, dbErr(err)
}

// DAVCollectionBySlug returns one of the user's collection rows, or ENOTFOUND.
func (s *Store) DAVCollectionBySlug(ctx context.Context, userID, kind, slug string) (*model.DAVCollection, error) {
	var out model.DAVCollection
	err := s.conn(ctx).Where("owner_id = ? AND kind = ? AND slug = ? AND deleted_at IS NULL", userID, kind, slug).Take(&out).Error
	if err != nil {
		return nil, dbErr(err)
	}
	return &out, nil
}

// DAVUIDContains returns the ids of the scope's members whose UID contains
// text (ASCII case-insensitively): the candidates of a UID lookup.
func (s *Store) DAVUIDContains(ctx context.Context, sc DAVScope, text string) ([]string, error) {
	q, err := s.davQuery(ctx, sc)
	if err != nil {
		return nil, err
	}
	col := sc.table() + "."
	return davIDs(q.Where("(instr(lower("+col+"dav_uid), lower(?)) > 0 OR ("+col+"dav_uid = '' AND instr("+col+"id, lower(?)) > 0))", text, text))
}

// davIDs runs a member query and returns the ids it finds.
func davIDs(q *gorm.DB) ([]string, error) {
	var rows []DAVEntry
	if err := q.Find(&rows).Error; err != nil {
		return nil, dbErr(err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

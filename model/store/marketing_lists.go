package store

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"rapport/model"
)

// The marketing rules register themselves here rather than in sales.go's
// table, so the marketing files stay self-contained.
func init() {
	writeRules["mailing_list"] = mailingListRule
	writeRules["campaign_member"] = campaignMemberRule
}

// maxMembersPerCall bounds the ids one add names.
const maxMembersPerCall = 1000

// mailingListRule keeps a list's kind and checks a dynamic list's filter
// against the contact columns when it is saved, so that a list never holds
// a filter its reads would refuse.
func mailingListRule(ctx context.Context, s *Store, rec, prev model.Record) error {
	l := rec.(*model.MailingList)
	if prev != nil && prev.(*model.MailingList).Kind != l.Kind {
		return fieldErr("kind", "a list's kind cannot change; make a new list")
	}
	if l.Kind != model.ListDynamic || l.Filter == nil {
		return nil
	}
	cols, err := columnsOf[model.Contact](s, "contact")
	if err != nil {
		return err
	}
	_, err = applyFilters(s.conn(ctx).Model(&model.Contact{}), "contact", cols, ListParams{Filter: *l.Filter})
	return prefixFields(err, "filter.")
}

// SetUnsubscribed sets or clears a contact's unsubscribe flag; the change
// feed records who did it and when.
func (s *Store) SetUnsubscribed(ctx context.Context, contactID string, unsubscribed bool) (*model.Contact, error) {
	return Update(ctx, s, contactID, 0, func(c *model.Contact) error {
		c.Unsubscribed = unsubscribed
		return nil
	})
}

// MailingListMembers returns a page of a list's members: a static list's
// contacts, or the contacts its filter matches now; unsubscribed contacts
// are left out of both. Pages follow the contacts' name order with a
// keyset cursor.
func (s *Store) MailingListMembers(ctx context.Context, listID string, p ListParams) (Page[*model.Contact], error) {
	l, err := Get[model.MailingList](ctx, s, listID)
	if err != nil {
		return Page[*model.Contact]{}, err
	}
	return List[model.Contact](ctx, s, membersParams(l, p))
}

// membersParams narrows p to the members of l.
func membersParams(l *model.MailingList, p ListParams) ListParams {
	p.Equals, p.Sort = nil, ""
	p.Filter = model.Filter{}
	if l.Kind == model.ListDynamic && l.Filter != nil {
		p.Filter = *l.Filter
	}
	static := l.Kind == model.ListStatic
	p.within = func(q *gorm.DB) *gorm.DB {
		q = q.Where("unsubscribed = ?", false)
		if static {
			q = q.Where("id IN (SELECT contact_id FROM mailing_list_members WHERE list_id = ?)", l.ID)
		}
		return q
	}
	return p
}

// AddListMembers puts contacts on a static list, in one transaction with
// the list's change. Contacts already on it are left as they are (a list
// is a set), and their ids are not in the result; unknown and unsubscribed
// contacts are refused and nothing is added.
func (s *Store) AddListMembers(ctx context.Context, listID string, contactIDs []string) ([]string, error) {
	ids := slices.Compact(slices.Sorted(slices.Values(contactIDs)))
	if len(ids) == 0 || len(ids) > maxMembersPerCall {
		return nil, fieldErr("contact_ids", fmt.Sprintf("give 1 to %d contact ids", maxMembersPerCall))
	}
	var added []string
	err := s.changeStaticList(ctx, listID, func(ctx context.Context, l *model.MailingList) (map[string]model.FieldChange, error) {
		if err := s.checkSubscribed(ctx, "contact_ids.", ids); err != nil {
			return nil, err
		}
		var have []string
		err := s.conn(ctx).Model(&model.MailingListMember{}).Where("list_id = ? AND contact_id IN ?", l.ID, ids).Pluck("contact_id", &have).Error
		if err != nil {
			return nil, dbErr(err)
		}
		a, t := model.ActorFrom(ctx), now()
		var rows []model.MailingListMember
		for _, id := range ids {
			if !slices.Contains(have, id) {
				rows = append(rows, model.MailingListMember{ListID: l.ID, ContactID: id, AddedAt: t, AddedBy: a.UserID})
				added = append(added, id)
			}
		}
		if len(rows) == 0 {
			return nil, nil
		}
		err = s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, s.batchRows(4)).Error
		return map[string]model.FieldChange{"members_added": {Old: nil, New: added}}, dbErr(err)
	})
	return added, err
}

// RemoveListMember takes a contact off a static list.
func (s *Store) RemoveListMember(ctx context.Context, listID, contactID string) error {
	return s.changeStaticList(ctx, listID, func(ctx context.Context, l *model.MailingList) (map[string]model.FieldChange, error) {
		res := s.conn(ctx).Where("list_id = ? AND contact_id = ?", l.ID, contactID).Delete(&model.MailingListMember{})
		if res.Error != nil {
			return nil, dbErr(res.Error)
		}
		if res.RowsAffected == 0 {
			return nil, model.Errorf(model.ENOTFOUND, "the contact is not on this list")
		}
		return map[string]model.FieldChange{"members_removed": {Old: []string{contactID}, New: nil}}, nil
	})
}

// changeStaticList runs change on a static list the actor may write, in one
// transaction, and writes the list's next version with the fields change
// reports (none: nothing changed, no version).
func (s *Store) changeStaticList(ctx context.Context, listID string,
	change func(ctx context.Context, l *model.MailingList) (map[string]model.FieldChange, error)) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		l, err := getForUpdate[model.MailingList](ctx, s, listID)
		if err == nil {
			err = authorizeWrite(model.ActorFrom(ctx), l)
		}
		if err != nil {
			return err
		}
		if l.Kind != model.ListStatic {
			return model.Errorf(model.ECONFLICT, "a dynamic list's members come from its filter; change the filter instead")
		}
		diff, err := change(ctx, l)
		if err != nil || len(diff) == 0 {
			return err
		}
		return s.writeVersion(ctx, l, l.Version, model.OpUpdate, diff)
	})
}

// checkSubscribed refuses ids that are not live contacts, or whose contact
// unsubscribed, naming each as field+id.
func (s *Store) checkSubscribed(ctx context.Context, field string, ids []string) error {
	var rows []struct {
		ID           string
		Unsubscribed bool
	}
	valid := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !model.ValidID(id) })
	if len(valid) > 0 {
		err := s.conn(ctx).Model(&model.Contact{}).Select("id, unsubscribed").
			Where("id IN ? AND deleted_at IS NULL", valid).Find(&rows).Error
		if err != nil {
			return dbErr(err)
		}
	}
	state := map[string]bool{}
	for _, r := range rows {
		state[r.ID] = r.Unsubscribed
	}
	fe := model.FieldErrors{}
	for _, id := range ids {
		unsub, ok := state[id]
		switch {
		case !ok:
			fe.Add(field+id, "no contact with this id")
		case unsub:
			fe.Add(field+id, "the contact unsubscribed from marketing")
		}
	}
	return fe.Err()
}

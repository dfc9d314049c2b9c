package store

import (
	"context"

	"rapport/model"
)

// AccountForCompany returns the id of the live account named company
// (compared folded), creating the account when there is none: a card's ORG
// links its contact to an account.
func (s *Store) AccountForCompany(ctx context.Context, company string) (*string, error) {
	if company == "" {
		return nil, nil
	}
	row := ImportRow{Contact: &model.Contact{}, Company: company}
	if err := s.resolveCompanies(ctx, []ImportRow{row}); err != nil {
		return nil, err
	}
	return row.Contact.AccountID, nil
}

// AccountNames returns the names of the given accounts, tombstones included.
func (s *Store) AccountNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	var rows []model.Account
	for start := 0; start < len(ids); start += 500 {
		if err := s.conn(ctx).Select("id, name").Where("id IN ?", ids[start:min(start+500, len(ids))]).Find(&rows).Error; err != nil {
			return nil, dbErr(err)
		}
		for _, a := range rows {
			out[a.ID] = a.Name
		}
	}
	return out, nil
}

// EmailMatch is a live contact or user found by e-mail address.
type EmailMatch struct {
	UserID    string
	ContactID string
	AccountID string
}

// MatchEmails finds, for each address, an active user with that e-mail and
// the oldest live contact with it: how calendar attendees join the CRM.
func (s *Store) MatchEmails(ctx context.Context, emails []string) (map[string]EmailMatch, error) {
	out := map[string]EmailMatch{}
	if len(emails) == 0 {
		return out, nil
	}
	var users []model.User
	if err := s.conn(ctx).Select("id, email").Where("email IN ? AND deleted_at IS NULL AND disabled = ?", emails, false).Find(&users).Error; err != nil {
		return nil, dbErr(err)
	}
	for _, u := range users {
		m := out[u.Email]
		m.UserID = u.ID
		out[u.Email] = m
	}
	var keys []struct{ RecordID, Value string }
	err := s.conn(ctx).Table("search_keys").Select("record_id, value").
		Where("entity = 'contact' AND kind = ? AND value IN ?", model.KeyEmail, emails).Order("record_id").Find(&keys).Error
	if err != nil {
		return nil, dbErr(err)
	}
	for _, k := range keys {
		m := out[k.Value]
		if m.ContactID != "" {
			continue
		}
		var c model.Contact
		if err := s.conn(ctx).Select("id, account_id").Where("id = ? AND deleted_at IS NULL", k.RecordID).Take(&c).Error; err != nil {
			continue
		}
		m.ContactID = c.ID
		if c.AccountID != nil {
			m.AccountID = *c.AccountID
		}
		out[k.Value] = m
	}
	return out, nil
}

// UserDirectory returns every user's id, username, name and e-mail (for
// organizers and attendees in calendar objects).
func (s *Store) UserDirectory(ctx context.Context) (map[string]model.User, error) {
	var users []model.User
	if err := s.conn(ctx).Select("id, username, name, email").Find(&users).Error; err != nil {
		return nil, dbErr(err)
	}
	out := make(map[string]model.User, len(users))
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}

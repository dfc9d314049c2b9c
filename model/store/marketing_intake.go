package store

import (
	"context"
	"maps"
	"strings"

	"rapport/model"
)

// recordFromIntake writes the intake's record of the rules' target and
// returns its id; update says whether a record found by e-mail takes the
// intake's values (a signed webhook may; a public form may not).
func (s *Store) recordFromIntake(ctx context.Context, r *model.IntakeRules, in model.Intake, update bool, channel string) (string, error) {
	switch r.Target {
	case model.TargetLead:
		return s.leadFromIntake(ctx, in, r.OwnerID, update)
	case model.TargetRequest:
		return s.requestFromIntake(ctx, in, r.OwnerID, channel)
	}
	return s.contactFromIntake(ctx, in, r.OwnerID, update)
}

// requestFromIntake makes a support request from a form or a system: the
// person asking is the contact with the e-mail address (never changed by
// the intake), else a new one; the request is theirs and their account's.
func (s *Store) requestFromIntake(ctx context.Context, in model.Intake, owner *string, channel string) (string, error) {
	r := in.Request(channel)
	if in["email"] != "" || in["last_name"] != "" || in["display_name"] != "" {
		contactID, err := s.contactFromIntake(ctx, in, owner, false)
		if err != nil {
			return "", err
		}
		c, err := Get[model.Contact](ctx, s, contactID)
		if err != nil {
			return "", err
		}
		r.ContactID, r.AccountID = &c.ID, c.AccountID
	}
	if err := Create(ctx, s, r); err != nil {
		return "", err
	}
	return r.ID, nil
}

// leadFromIntake finds the oldest live, unconverted lead with the intake's
// e-mail address or creates one. A converted lead is history: a new
// enquiry from the same address makes a new lead.
func (s *Store) leadFromIntake(ctx context.Context, in model.Intake, owner *string, update bool) (string, error) {
	l := in.Lead()
	l.OwnerID = owner
	if email := strings.ToLower(in["email"]); email != "" {
		id, err := s.openLeadByEmail(ctx, email)
		if err != nil {
			return "", err
		}
		if id != "" {
			if update {
				_, err = Update(ctx, s, id, 0, func(cur *model.Lead) error { updateLead(cur, l, in); return nil })
			}
			return id, err
		}
	}
	if err := Create(ctx, s, l); err != nil {
		return "", err
	}
	return l.ID, nil
}

// openLeadByEmail returns the id of the oldest live, unconverted lead with
// the e-mail address, or "".
func (s *Store) openLeadByEmail(ctx context.Context, email string) (string, error) {
	var ids []string
	err := s.conn(ctx).Model(&model.Lead{}).
		Where("deleted_at IS NULL AND status <> ?", model.LeadConverted).
		Where("id IN (SELECT record_id FROM search_keys WHERE entity = ? AND kind = ? AND value = ?)", "lead", model.KeyEmail, email).
		Order("created_at, id").Limit(1).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return "", dbErr(err)
	}
	return ids[0], nil
}

// updateLead writes what a signed intake supplied over a stored lead: the
// fields it names replace theirs (the display name is derived again from
// new names unless one is given), e-mails, phones and tags are added, and
// custom fields merged.
func updateLead(cur, in *model.Lead, fields model.Intake) {
	named := map[string][2]*string{"first_name": {&cur.FirstName, &in.FirstName}, "last_name": {&cur.LastName, &in.LastName},
		"display_name": {&cur.DisplayName, &in.DisplayName}, "title": {&cur.Title, &in.Title}, "company": {&cur.Company, &in.Company},
		"industry": {&cur.Industry, &in.Industry}, "website": {&cur.Website, &in.Website}, "language": {&cur.Language, &in.Language},
		"source": {&cur.Source, &in.Source}, "notes": {&cur.Notes, &in.Notes}}
	for field, p := range named {
		if fields[field] != "" {
			*p[0] = *p[1]
		}
	}
	if fields["display_name"] == "" && (fields["first_name"] != "" || fields["last_name"] != "") {
		cur.DisplayName = ""
	}
	if in.CampaignID != nil {
		cur.CampaignID = in.CampaignID
	}
	cur.Emails = mergeLabeled(cur.Emails, in.Emails)
	cur.Phones = mergeLabeled(cur.Phones, in.Phones)
	cur.Tags = append(cur.Tags, in.Tags...)
	if len(in.Addresses) > 0 {
		cur.Addresses = in.Addresses
	}
	if len(in.CustomFields) > 0 && cur.CustomFields == nil {
		cur.CustomFields = map[string]any{}
	}
	maps.Copy(cur.CustomFields, in.CustomFields)
}

package store

import (
	"context"

	"rapport/model"
)

// LeadConversion says what converting a lead makes or links. Empty ids
// mean "make one from the lead"; a nil Opportunity means none.
type LeadConversion struct {
	AccountID   string             `json:"account_id"` // an existing account; else one is found by company name or made
	ContactID   string             `json:"contact_id"` // an existing contact; else one is made from the lead
	Opportunity *model.Opportunity `json:"opportunity"`
}

// ConvertLead turns a qualified (or any unconverted) lead into an account,
// a contact and optionally an opportunity, in one transaction: the new
// records carry the lead's owner, team, territory, source campaign and
// channel, the lead is marked converted and points at them, and its
// activities join the contact's timeline. Converting twice is a conflict.
func (s *Store) ConvertLead(ctx context.Context, id string, c LeadConversion) (*model.Lead, error) {
	var out *model.Lead
	err := s.WithTx(ctx, func(ctx context.Context) error {
		l, err := getForUpdate[model.Lead](ctx, s, id)
		if err == nil {
			err = authorizeWrite(model.ActorFrom(ctx), l)
		}
		if err != nil {
			return err
		}
		if l.Status == model.LeadConverted {
			return model.Errorf(model.ECONFLICT, "the lead was converted already")
		}
		accountID, err := s.conversionAccount(ctx, l, c.AccountID)
		if err != nil {
			return err
		}
		contactID, err := s.conversionContact(ctx, l, c.ContactID, accountID)
		if err != nil {
			return err
		}
		var oppID *string
		if o := c.Opportunity; o != nil {
			if err := s.conversionOpportunity(ctx, l, o, accountID, contactID); err != nil {
				return err
			}
			oppID = &o.ID
		}
		if err := s.linkLeadActivities(ctx, l.ID, contactID); err != nil {
			return err
		}
		return s.markConverted(ctx, l, accountID, contactID, oppID, &out)
	})
	return out, err
}

// conversionAccount returns the given account, else the live account named
// like the lead's company, else a new one (none when the lead has no
// company).
func (s *Store) conversionAccount(ctx context.Context, l *model.Lead, id string) (*string, error) {
	if id != "" {
		a, err := Get[model.Account](ctx, s, id)
		if err != nil {
			return nil, fieldErr("account_id", "no account with id "+id)
		}
		return &a.ID, nil
	}
	if l.Company == "" {
		return nil, nil
	}
	return s.AccountForCompany(ctx, l.Company)
}

// conversionContact returns the given contact, else a new one with the
// lead's person details.
func (s *Store) conversionContact(ctx context.Context, l *model.Lead, id string, accountID *string) (*string, error) {
	if id != "" {
		c, err := Get[model.Contact](ctx, s, id)
		if err != nil {
			return nil, fieldErr("contact_id", "no contact with id "+id)
		}
		return &c.ID, nil
	}
	c := &model.Contact{FirstName: l.FirstName, LastName: l.LastName, DisplayName: l.DisplayName, Title: l.Title,
		AccountID: accountID, OwnerID: l.OwnerID, Language: l.Language, Emails: l.Emails, Phones: l.Phones,
		Addresses: l.Addresses, Tags: l.Tags, Notes: l.Notes}
	if err := Create(ctx, s, c); err != nil {
		return nil, prefixFields(err, "contact.")
	}
	return &c.ID, nil
}

// conversionOpportunity makes the deal with the lead's attribution.
func (s *Store) conversionOpportunity(ctx context.Context, l *model.Lead, o *model.Opportunity, accountID, contactID *string) error {
	o.Meta = model.Meta{}
	o.AccountID, o.ContactID, o.LeadID = accountID, contactID, &l.ID
	if o.Name == "" {
		o.Name = l.Company
		if o.Name == "" {
			o.Name = l.DisplayName
		}
	}
	if o.OwnerID == nil {
		o.OwnerID = l.OwnerID
	}
	if o.TeamID == nil {
		o.TeamID = l.TeamID
	}
	if o.TerritoryID == nil {
		o.TerritoryID = l.TerritoryID
	}
	if o.CampaignID == nil {
		o.CampaignID = l.CampaignID
	}
	if o.Source == "" {
		o.Source = l.Source
	}
	return prefixFields(Create(ctx, s, o), "opportunity.")
}

// linkLeadActivities adds the contact to the links of every activity on
// the lead's timeline.
func (s *Store) linkLeadActivities(ctx context.Context, leadID string, contactID *string) error {
	var ids []string
	err := s.conn(ctx).Table("activity_links").Where("entity = ? AND record_id = ?", "lead", leadID).Pluck("activity_id", &ids).Error
	if err != nil {
		return dbErr(err)
	}
	for _, id := range ids {
		_, err := Update(ctx, s, id, 0, func(a *model.Activity) error {
			if a.ContactID == nil {
				a.ContactID = contactID
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// markConverted writes the lead's new status and what it became.
func (s *Store) markConverted(ctx context.Context, l *model.Lead, accountID, contactID, oppID *string, out **model.Lead) error {
	old := *l
	t := now()
	l.Status, l.ConvertedAt, l.AccountID, l.ContactID, l.OpportunityID = model.LeadConverted, &t, accountID, contactID, oppID
	before, err := model.ToMap(&old)
	if err != nil {
		return err
	}
	after, err := model.ToMap(l)
	if err != nil {
		return err
	}
	*out = l
	return s.writeVersion(ctx, l, old.Version, model.OpUpdate, model.Diff(before, after))
}

// prefixFields prefixes the field names of a validation error, so that the
// fields of a record made on the side name it ("opportunity.stage").
func prefixFields(err error, prefix string) error {
	me, ok := err.(*model.Error)
	if !ok || len(me.Fields) == 0 {
		return err
	}
	fields := map[string]string{}
	for k, v := range me.Fields {
		fields[prefix+k] = v
	}
	return &model.Error{Code: me.Code, Message: me.Message, Fields: fields}
}

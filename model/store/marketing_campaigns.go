package store

import (
	"context"
	"slices"
	"strings"

	"rapport/model"
)

// campaignMemberRule stamps when a member first responded, and carries a
// member's unsubscribe over to the contact, so that every later list and
// campaign leaves the person out.
func campaignMemberRule(ctx context.Context, s *Store, rec, prev model.Record) error {
	m := rec.(*model.CampaignMember)
	if m.Responded() && m.RespondedAt == nil {
		t := now()
		m.RespondedAt = &t
	}
	wasUnsub := prev != nil && prev.(*model.CampaignMember).Status == model.MemberUnsubscribed
	if m.Status != model.MemberUnsubscribed || wasUnsub || m.RecordType != "contact" {
		return nil
	}
	_, err := s.SetUnsubscribed(ctx, m.RecordID, true)
	return err
}

// CampaignMembers returns a page of a campaign's members; p may filter by
// status and entity.
func (s *Store) CampaignMembers(ctx context.Context, campaignID string, p ListParams) (Page[*model.CampaignMember], error) {
	if _, err := Get[model.Campaign](ctx, s, campaignID); err != nil {
		return Page[*model.CampaignMember]{}, err
	}
	if p.Equals == nil {
		p.Equals = map[string]string{}
	}
	p.Equals["campaign_id"] = campaignID
	if p.Sort == "" {
		p.Sort = "created_at"
	}
	return List[model.CampaignMember](ctx, s, p)
}

// AddCampaignMembers adds contacts and leads to a campaign, all or none, in
// one transaction. Adding a record that is a member already, or naming one
// twice, is a conflict (a member carries a status and a response that a
// second add would silently keep or reset); unknown records, leads the actor
// cannot see and unsubscribed contacts are refused.
func (s *Store) AddCampaignMembers(ctx context.Context, campaignID string, ms []*model.CampaignMember) error {
	if len(ms) == 0 || len(ms) > maxMembersPerCall {
		return fieldErr("items", "give 1 to 1000 members")
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := Get[model.Campaign](ctx, s, campaignID); err != nil {
			return err
		}
		byType := map[string][]string{}
		for _, m := range ms {
			m.Meta, m.CampaignID, m.ListID = model.Meta{}, campaignID, nil
			m.Normalize()
			if err := m.Validate(); err != nil {
				return err
			}
			if slices.Contains(byType[m.RecordType], m.RecordID) {
				return model.Errorf(model.ECONFLICT, "%s %s is given twice", m.RecordType, m.RecordID)
			}
			byType[m.RecordType] = append(byType[m.RecordType], m.RecordID)
		}
		if err := s.checkMemberRecords(ctx, byType); err != nil {
			return err
		}
		have, err := s.memberIDs(ctx, campaignID, append(append([]string{}, byType["contact"]...), byType["lead"]...))
		if err != nil {
			return err
		}
		if len(have) > 0 {
			return model.Errorf(model.ECONFLICT, "already members of this campaign: %s", strings.Join(have, ", "))
		}
		return CreateMany(ctx, s, ms)
	})
}

// checkMemberRecords checks that contacts exist and did not unsubscribe,
// and that leads exist and are visible to the actor. Invalid entities are
// left to the member's own validation.
func (s *Store) checkMemberRecords(ctx context.Context, byType map[string][]string) error {
	if ids := byType["contact"]; len(ids) > 0 {
		if err := s.checkSubscribed(ctx, "record_id.", ids); err != nil {
			return err
		}
	}
	ids := byType["lead"]
	if len(ids) == 0 {
		return nil
	}
	q, err := visible(s.conn(ctx).Model(&model.Lead{}).Where("deleted_at IS NULL"), model.ActorFrom(ctx), "lead")
	if err != nil {
		return err
	}
	var found []string
	valid := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !model.ValidID(id) })
	if err := q.Where("id IN ?", valid).Pluck("id", &found).Error; err != nil {
		return dbErr(err)
	}
	fe := model.FieldErrors{}
	for _, id := range ids {
		if !slices.Contains(found, id) {
			fe.Add("record_id."+id, "no lead with this id")
		}
	}
	return fe.Err()
}

// memberIDs returns which of ids are live members of the campaign, or all
// its members' record ids when ids is nil.
func (s *Store) memberIDs(ctx context.Context, campaignID string, ids []string) ([]string, error) {
	q := s.conn(ctx).Model(&model.CampaignMember{}).Where("campaign_id = ? AND deleted_at IS NULL", campaignID)
	if ids != nil {
		q = q.Where("record_id IN ?", append(ids, ""))
	}
	var out []string
	return out, dbErr(q.Pluck("record_id", &out).Error)
}

// AddCampaignMembersFromList adds a mailing list's current members (its
// subscribed contacts) to a campaign as planned members, in one
// transaction. Contacts that are members already are skipped, so running it
// again adds only who joined the list since.
func (s *Store) AddCampaignMembersFromList(ctx context.Context, campaignID, listID string) (model.FromListResult, error) {
	var res model.FromListResult
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := Get[model.Campaign](ctx, s, campaignID); err != nil {
			return err
		}
		l, err := Get[model.MailingList](ctx, s, listID)
		if err != nil {
			return fieldErr("mailing_list_id", "no mailing list with id "+listID)
		}
		have, err := s.memberIDs(ctx, campaignID, nil)
		if err != nil {
			return err
		}
		member := make(map[string]bool, len(have))
		for _, id := range have {
			member[id] = true
		}
		var ms []*model.CampaignMember
		err = s.eachListMember(ctx, l, func(c *model.Contact) {
			if member[c.ID] {
				res.AlreadyMember++
				return
			}
			ms = append(ms, &model.CampaignMember{CampaignID: campaignID, RecordType: "contact", RecordID: c.ID, ListID: &l.ID})
		})
		if err != nil {
			return err
		}
		res.Added = len(ms)
		return CreateMany(ctx, s, ms)
	})
	return res, err
}

// eachListMember calls fn with every current member of l, page by page.
func (s *Store) eachListMember(ctx context.Context, l *model.MailingList, fn func(c *model.Contact)) error {
	p := ListParams{Limit: 5000}
	for {
		page, err := List[model.Contact](ctx, s, membersParams(l, p))
		if err != nil {
			return err
		}
		for _, c := range page.Items {
			fn(c)
		}
		if page.NextCursor == "" {
			return nil
		}
		p.Cursor = page.NextCursor
	}
}

// UpdateCampaignMember changes a member of the campaign (status, response).
func (s *Store) UpdateCampaignMember(ctx context.Context, campaignID, memberID string, ifVersion int64,
	mutate func(m *model.CampaignMember) error) (*model.CampaignMember, error) {
	return Update(ctx, s, memberID, ifVersion, func(m *model.CampaignMember) error {
		if m.CampaignID != campaignID {
			return notFound()
		}
		return mutate(m)
	})
}

// RemoveCampaignMember deletes a member of the campaign.
func (s *Store) RemoveCampaignMember(ctx context.Context, campaignID, memberID string, ifVersion int64) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		m, err := Get[model.CampaignMember](ctx, s, memberID)
		if err != nil {
			return err
		}
		if m.CampaignID != campaignID {
			return notFound()
		}
		return Delete[model.CampaignMember](ctx, s, memberID, ifVersion)
	})
}

// CampaignMemberSummary counts a campaign's live members per status (every
// status present, zero when none) and in total.
func (s *Store) CampaignMemberSummary(ctx context.Context, campaignID string) (map[string]int64, error) {
	if _, err := Get[model.Campaign](ctx, s, campaignID); err != nil {
		return nil, err
	}
	var rows []struct {
		Status string
		N      int64
	}
	err := s.conn(ctx).Model(&model.CampaignMember{}).Select("status, COUNT(*) AS n").
		Where("campaign_id = ? AND deleted_at IS NULL", campaignID).Group("status").Scan(&rows).Error
	if err != nil {
		return nil, dbErr(err)
	}
	out := map[string]int64{"total": 0}
	for _, st := range model.MemberStatuses {
		out[st] = 0
	}
	for _, r := range rows {
		out[r.Status] += r.N
		out["total"] += r.N
	}
	return out, nil
}

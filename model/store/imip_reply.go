package store

import (
	"context"
	"slices"
	"strings"

	"rapport/model"
	"rapport/model/icalmap"
)

// ApplyInvitationReply records an attendee's answer to an invitation (an
// iMIP REPLY read by the mail pipeline from mail message mailMessageID):
// that attendee's participation status on the appointment or call whose UID
// (its DAV UID, or its id for meetings made in the CRM) the reply names, so
// the activity's version rises, its feed row goes out and CalDAV clients
// show the answer; a comment becomes a note on the meeting's timeline. It
// returns the meeting. A reply the store cannot take is an error for the
// pipeline to log (the message stays logged, not quarantined): ENOTFOUND
// for an unknown UID, EFORBIDDEN for a sender who is not an attendee,
// ECONFLICT for an answer to an invitation superseded since (a SEQUENCE
// below the last one mailed), EINVALID for an answer about one occurrence
// of a series, which the CRM does not track apart.
func (s *Store) ApplyInvitationReply(ctx context.Context, r *icalmap.Reply, mailMessageID string) (*model.Activity, error) {
	if r.RecurrenceID != "" {
		return nil, model.Errorf(model.EINVALID, "a reply about one occurrence (RECURRENCE-ID %s) is not recorded: the CRM keeps one answer per attendee and series", r.RecurrenceID)
	}
	var out *model.Activity
	err := s.WithTx(ctx, func(ctx context.Context) error {
		id, err := s.meetingByUID(ctx, r.UID)
		if err != nil {
			return err
		}
		sent, err := s.invitationSequence(ctx, id)
		if err != nil {
			return err
		}
		if sent != nil && r.Sequence < *sent {
			return model.Errorf(model.ECONFLICT, "a reply to an older invitation (SEQUENCE %d, the last one sent is %d): ignored", r.Sequence, *sent)
		}
		if out, err = Update(ctx, s, id, 0, func(a *model.Activity) error { return answer(a, r) }); err != nil {
			return err
		}
		if strings.TrimSpace(r.Comment) == "" {
			return nil
		}
		return s.noteReply(ctx, out, r, mailMessageID)
	})
	return out, err
}

// meetingByUID finds the live appointment or call a UID names: a client's
// UID, else an id (the UID of meetings made in the CRM). Several calendars
// may hold one client UID; the oldest copy is the organizer's.
func (s *Store) meetingByUID(ctx context.Context, uid string) (string, error) {
	q := s.conn(ctx).Model(&model.Activity{}).Where("deleted_at IS NULL AND kind IN ?", []string{model.KindAppointment, model.KindCall})
	if model.ValidID(uid) {
		q = q.Where("dav_uid = ? OR id = ?", uid, uid)
	} else {
		q = q.Where("dav_uid = ?", uid)
	}
	var ids []string
	if err := q.Order("created_at, id").Limit(1).Pluck("id", &ids).Error; err != nil {
		return "", dbErr(err)
	}
	if len(ids) == 0 {
		return "", model.Errorf(model.ENOTFOUND, "no appointment or call has the UID %q of this reply", truncate(uid, 200))
	}
	return ids[0], nil
}

// answer sets the replying attendee's status (and name, when the calendar
// had none).
func answer(a *model.Activity, r *icalmap.Reply) error {
	i := slices.IndexFunc(a.Attendees, func(at model.Attendee) bool { return strings.EqualFold(at.Email, r.Email) })
	if i < 0 {
		return model.Errorf(model.EFORBIDDEN, "%s is not an attendee of %q: the reply is not recorded", r.Email, a.Subject)
	}
	a.Attendees = slices.Clone(a.Attendees) // the version before keeps its own
	a.Attendees[i].Status = r.Status
	if a.Attendees[i].Name == "" {
		a.Attendees[i].Name = cleanText(r.Name, 200)
	}
	return nil
}

// noteReply writes the attendee's comment as a note linked to the meeting,
// its account and contact, the attendee's contact and the reply's mail.
func (s *Store) noteReply(ctx context.Context, a *model.Activity, r *icalmap.Reply, mailMessageID string) error {
	who := r.Email
	links := []model.Link{{Entity: "activity", ID: a.ID}}
	for _, at := range a.Attendees {
		if strings.EqualFold(at.Email, r.Email) {
			who = firstNonEmpty(at.Name, r.Email)
			if at.ContactID != "" {
				links = append(links, model.Link{Entity: "contact", ID: at.ContactID})
			}
		}
	}
	if model.ValidID(mailMessageID) {
		links = append(links, model.Link{Entity: "mail_message", ID: mailMessageID})
	}
	note := &model.Activity{Kind: model.KindNote, Subject: cleanText(who+" ("+r.Status+"): "+a.Subject, 500),
		Description: cleanText(r.Comment, 10000), OwnerID: a.OwnerID, AccountID: a.AccountID, ContactID: a.ContactID, Links: links}
	return Create(ctx, s, note)
}

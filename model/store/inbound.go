package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"rapport/model"
	"rapport/model/secret"
)

// CreateWebForm stores a web form under a fresh public key.
func (s *Store) CreateWebForm(ctx context.Context, f *model.WebForm) error {
	f.Key = secret.NewToken("wf_")
	return Create(ctx, s, f)
}

// CreateInboundHook stores an inbound webhook under a fresh public key with
// the sender's signing secret.
func (s *Store) CreateInboundHook(ctx context.Context, h *model.InboundHook, signingSecret string) error {
	h.Key, h.Secret = secret.NewToken("ih_"), signingSecret
	return Create(ctx, s, h)
}

// SetInboundHookSecret replaces the sender's signing secret of a hook at
// once, and audits it. The secret is not part of the record's JSON, so it
// leaves no trace in the change feed.
func (s *Store) SetInboundHookSecret(ctx context.Context, id, signingSecret string) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		h, err := getForUpdate[model.InboundHook](ctx, s, id)
		if err == nil {
			err = authorizeWrite(model.ActorFrom(ctx), h)
		}
		if err != nil {
			return err
		}
		if err := s.conn(ctx).Model(h).Update("secret", signingSecret).Error; err != nil {
			return dbErr(err)
		}
		return s.Audit(ctx, model.AuditInboundSecretSet, id, "", "", nil)
	})
}

// intakeActor is who a public submission acts as: the hub itself, named
// after the form or hook, so the history says where a record came from.
func intakeActor(kind, name string) model.Actor {
	return model.Actor{Name: kind + " " + name, Role: model.RoleAdmin, Internal: true}
}

// byKey loads the active form or hook with a public key; inactive and
// unknown keys are both not found.
func byKey[T any, P RecordPtr[T]](ctx context.Context, s *Store, key string) (P, error) {
	rec := P(new(T))
	err := s.conn(ctx).Where("key = ? AND active = ? AND deleted_at IS NULL", key, true).Take(rec).Error
	return rec, dbErr(err)
}

// WebFormByKey returns the active web form with a public key.
func (s *Store) WebFormByKey(ctx context.Context, key string) (*model.WebForm, error) {
	return byKey[model.WebForm](ctx, s, key)
}

// InboundHookByKey returns the active inbound hook with a public key.
func (s *Store) InboundHookByKey(ctx context.Context, key string) (*model.InboundHook, error) {
	return byKey[model.InboundHook](ctx, s, key)
}

// Submission is what a web form received besides its fields.
type Submission struct {
	ClientIP  string
	UserAgent string
	Referer   string
}

// SubmitWebForm turns a form submission into its target in one
// transaction: a contact or lead (a new one, or the live contact, or
// unconverted lead, that already has the submitted e-mail address, which a
// public form never changes) and a note on its timeline with everything
// submitted. It returns the contact or lead.
func (s *Store) SubmitWebForm(ctx context.Context, f *model.WebForm, in model.Intake, sub Submission) (string, error) {
	ctx = model.WithActor(ctx, intakeActor("web form", f.Name))
	var id string
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if id, err = s.recordFromIntake(ctx, &f.IntakeRules, in, false, "web"); err != nil {
			return err
		}
		desc := intakeSummary(in) + fmt.Sprintf("\nfrom %s (%s)", sub.ClientIP, sub.UserAgent)
		if sub.Referer != "" {
			desc += "\non " + sub.Referer
		}
		note := &model.Activity{Kind: model.KindNote, Subject: "Web form “" + f.Name + "” submitted", Description: desc,
			OwnerID: f.OwnerID, Tags: []string{"web-form"}, Links: []model.Link{{Entity: "web_form", ID: f.ID}}}
		if f.Target == model.TargetContact {
			note.ContactID = &id
		} else {
			note.Links = append(note.Links, model.Link{Entity: f.Target, ID: id})
		}
		return Create(ctx, s, note)
	})
	return id, err
}

// intakeSummary lists the submitted fields, one per line, sorted.
func intakeSummary(in model.Intake) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(in)) {
		fmt.Fprintf(&b, "%s: %s\n", k, in[k])
	}
	return b.String()
}

// contactFromIntake finds the live contact with the intake's e-mail address
// or creates one. update says whether a found contact takes the intake's
// values (a signed webhook may; a public form may not).
func (s *Store) contactFromIntake(ctx context.Context, in model.Intake, owner *string, update bool) (string, error) {
	c, company, err := in.Contact()
	if err != nil {
		return "", err
	}
	if c.OwnerID = owner; company != "" {
		if c.AccountID, err = s.AccountForCompany(ctx, company); err != nil {
			return "", err
		}
	}
	if email := in["email"]; email != "" {
		found, err := s.MatchEmails(ctx, []string{strings.ToLower(email)})
		if err != nil {
			return "", err
		}
		if id := found[strings.ToLower(email)].ContactID; id != "" {
			if update {
				_, err = Update(ctx, s, id, 0, func(cur *model.Contact) error { updateContact(cur, c, in); return nil })
			}
			return id, err
		}
	}
	return c.ID, Create(ctx, s, c)
}

// updateContact writes what a signed intake supplied over a stored
// contact: the fields it names replace theirs (the display name is derived
// again from new names), and mergeContact adds its e-mails, phones, tags
// and the rest.
func updateContact(cur, in *model.Contact, fields model.Intake) {
	named := map[string]*string{"first_name": &cur.FirstName, "middle_name": &cur.MiddleName, "last_name": &cur.LastName,
		"display_name": &cur.DisplayName, "title": &cur.Title, "language": &cur.Language, "notes": &cur.Notes}
	for field, dst := range named {
		if fields[field] != "" {
			*dst = ""
		}
	}
	if fields["display_name"] == "" && (fields["first_name"] != "" || fields["last_name"] != "") {
		cur.DisplayName = ""
	}
	if in.AccountID != nil {
		cur.AccountID = nil
	}
	if in.Birthday != nil {
		cur.Birthday = nil
	}
	mergeContact(cur, in)
	if in.DisplayName != "" && fields["display_name"] != "" {
		cur.DisplayName = in.DisplayName
	}
	cur.URLs = mergeLabeled(cur.URLs, in.URLs)
	if len(in.CustomFields) > 0 && cur.CustomFields == nil {
		cur.CustomFields = map[string]any{}
	}
	maps.Copy(cur.CustomFields, in.CustomFields)
}

// ReceiveInboundWebhook stores a verified webhook and, in the same
// transaction, calls enqueue to queue the job that processes it, so that
// the sender can be answered at once. A webhook-id the hook has seen
// before is not stored again: it returns the earlier message and
// duplicate true.
func (s *Store) ReceiveInboundWebhook(ctx context.Context, h *model.InboundHook, webhookID string, payload []byte,
	enqueue func(ctx context.Context, messageID string) error) (msg *model.InboundMessage, duplicate bool, err error) {
	msg = &model.InboundMessage{ID: model.NewID(), HookID: h.ID, WebhookID: webhookID, ReceivedAt: now(),
		Payload: model.RawJSON(payload), Status: model.InboundQueued}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(msg)
		if res.Error != nil {
			return dbErr(res.Error)
		}
		if res.RowsAffected == 0 {
			duplicate, msg = true, &model.InboundMessage{}
			return dbErr(s.conn(ctx).Where("hook_id = ? AND webhook_id = ?", h.ID, webhookID).Take(msg).Error)
		}
		return enqueue(ctx, msg.ID)
	})
	return msg, duplicate, err
}

// ProcessInboundMessage turns a received webhook into its hook's target in
// one transaction, and marks it processed, or failed with the reason when
// the payload cannot become a record (such a message is not retried; the
// error is in the hook's log). Database errors are returned, for the job to
// retry. A message already settled is left alone (jobs run at least once).
func (s *Store) ProcessInboundMessage(ctx context.Context, id string) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		var msg model.InboundMessage
		if err := s.conn(ctx).Where("id = ? AND status = ?", id, model.InboundQueued).Take(&msg).Error; err != nil {
			if model.ErrorCode(dbErr(err)) == model.ENOTFOUND {
				return nil
			}
			return dbErr(err)
		}
		var h model.InboundHook
		if err := s.conn(ctx).Where("id = ?", msg.HookID).Take(&h).Error; err != nil {
			return dbErr(err)
		}
		recordID, err := s.intakeMessage(ctx, &h, &msg)
		set := map[string]any{"status": model.InboundProcessed, "record_id": recordID, "processed_at": now()}
		if err != nil {
			if !isPayloadError(err) {
				return err
			}
			set["status"], set["error"] = model.InboundFailed, truncate(err.Error(), 1000)
		}
		return dbErr(s.conn(ctx).Model(&model.InboundMessage{}).Where("id = ?", id).Updates(set).Error)
	})
}

// intakeMessage writes one message's record in a savepoint, so that a
// payload that fails validation leaves nothing behind but the message's
// failed status.
func (s *Store) intakeMessage(ctx context.Context, h *model.InboundHook, msg *model.InboundMessage) (string, error) {
	var id string
	err := s.WithTx(model.WithActor(ctx, intakeActor("inbound hook", h.Name)), func(ctx context.Context) error {
		in, err := h.Intake(msg.Payload)
		if err == nil {
			id, err = s.recordFromIntake(ctx, &h.IntakeRules, in, h.MatchOn == "email", "api")
		}
		return err
	})
	return id, err
}

// isPayloadError reports whether err is the payload's fault (invalid
// values, a reference to nothing), which retrying cannot mend, rather than
// the database's or a conflict with a concurrent write.
func isPayloadError(err error) bool {
	var me *model.Error
	if !errors.As(err, &me) {
		return false
	}
	switch me.Code {
	case model.EINVALID, model.EMALFORMED, model.ETOOLARGE, model.ENOTFOUND, model.EFORBIDDEN:
		return true
	}
	return false
}

// InboundMessages returns a page of a hook's received webhooks, newest
// first, after the cursor, and the cursor of the next page (zero at the
// end).
func (s *Store) InboundMessages(ctx context.Context, hookID string, after LogCursor, limit int) ([]model.InboundMessage, LogCursor, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, LogCursor{}, err
	}
	limit = clampLimit(limit, 500)
	q := after.after(s.conn(ctx).Where("hook_id = ?", hookID), "received_at")
	var out []model.InboundMessage
	if err := q.Order("received_at DESC, id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, LogCursor{}, dbErr(err)
	}
	if len(out) == 0 {
		return out, LogCursor{}, nil
	}
	last := out[len(out)-1]
	return out, nextLogCursor(len(out), limit, last.ReceivedAt, last.ID), nil
}

// PurgeInboundMessages deletes settled inbound messages received before
// before (the log's retention); their webhook-ids may then be processed
// again, which senders do not retry for that long.
func (s *Store) PurgeInboundMessages(ctx context.Context, before time.Time) (int64, error) {
	res := s.conn(ctx).Where("received_at < ? AND status <> ?", before, model.InboundQueued).Delete(&model.InboundMessage{})
	return res.RowsAffected, dbErr(res.Error)
}

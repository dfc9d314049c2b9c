package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"rapport/model"
)

func init() { writeRules["request"] = requestRule }

// Calendar is the working-time calendar SLA due times are computed with.
var Calendar model.WorkCalendar = model.AroundTheClock{}

// requestRule keeps a request's workflow and service-level clock: a number
// on create; allowed status moves only; when it was resolved, closed or
// reopened; its entitlement under the account's service contracts, checked
// on create and whenever its account, product, registration or contract
// changes; SLA due times from the targets of its priority at its
// contract's level.
func requestRule(ctx context.Context, s *Store, rec, prev model.Record) error {
	r := rec.(*model.Request)
	t := now()
	if prev == nil {
		n, err := s.NextNumber(ctx, model.RequestNumberKind)
		if err != nil {
			return err
		}
		r.Number, r.LastActivityAt = n, t
		r.FirstResponseAt, r.ResolvedAt, r.ClosedAt, r.SLABreached, r.ReopenCount = nil, nil, nil, false, 0
		r.Rating, r.FeedbackComment, r.FeedbackAt = 0, "", nil
		stampStatus(r, model.RequestNew, t)
		if err := s.applyEntitlement(ctx, r, nil); err != nil {
			return err
		}
		return s.setDue(ctx, r)
	}
	old := prev.(*model.Request)
	if !model.CanMoveRequest(old.Status, r.Status) {
		return fieldErr("status", "a "+strings.ReplaceAll(old.Status, "_", " ")+" request cannot become "+
			strings.ReplaceAll(r.Status, "_", " ")+moveHint(old.Status))
	}
	stampStatus(r, old.Status, t)
	if r.ResolvedAt != nil && old.ResolvedAt == nil && r.ResolutionDue != nil && t.After(*r.ResolutionDue) {
		r.SLABreached = true
	}
	if coverageChanged(r, old) {
		if err := s.applyEntitlement(ctx, r, old); err != nil {
			return err
		}
	}
	if r.Priority != old.Priority || !sameRef(r.ContractID, old.ContractID) {
		return s.setDue(ctx, r)
	}
	return nil
}

// coverageChanged reports whether an update touches what the request's
// entitlement depends on.
func coverageChanged(r, old *model.Request) bool {
	return !sameRef(r.AccountID, old.AccountID) || !sameRef(r.ProductID, old.ProductID) ||
		!sameRef(r.RegistrationID, old.RegistrationID) || !sameRef(r.ContractID, old.ContractID)
}

func sameRef(a, b *string) bool { return deref(a) == deref(b) }

// applyEntitlement completes a request about a registered unit (its owner
// account and its product) and records its entitlement today: the verdict
// and the contract it falls under. A contract the client names must be one
// of the account's in force covering the request; otherwise the covering
// contract is found. old is the request before an update (nil on create).
func (s *Store) applyEntitlement(ctx context.Context, r, old *model.Request) error {
	q := EntitlementQuery{AccountID: deref(r.AccountID), ProductID: deref(r.ProductID), RegistrationID: deref(r.RegistrationID),
		Day: s.todayDate(), request: r.ID}
	if err := s.completeFromRegistration(ctx, r, old, &q); err != nil {
		return err
	}
	covering, err := s.coveringContracts(ctx, q)
	if err != nil {
		return err
	}
	named := r.ContractID != nil && (old == nil || !sameRef(r.ContractID, old.ContractID))
	if named {
		i := slices.IndexFunc(covering, func(c *model.Contract) bool { return c.ID == *r.ContractID && c.InForce(q.Day) })
		if i < 0 {
			return fieldErr("contract_id", "not a contract of the request's account in force today covering its product or registration")
		}
		covering = covering[i : i+1]
	}
	res, err := s.verdict(ctx, q, covering)
	if err != nil {
		return err
	}
	r.Entitlement, r.ContractID = res.Status, nil
	if res.Status == model.EntitlementCovered || res.Status == model.EntitlementExhausted {
		r.ContractID = &res.Contract.ID
	}
	return nil
}

// completeFromRegistration fills the request's account and product from
// its registration and refuses a registration of another account, or of
// another product than the one the client sets along with it.
func (s *Store) completeFromRegistration(ctx context.Context, r, old *model.Request, q *EntitlementQuery) error {
	reg, err := s.resolveRegistration(ctx, q)
	if reg == nil || err != nil {
		return err
	}
	if r.ProductID != nil && *r.ProductID != reg.ProductID {
		productKept := old != nil && sameRef(r.ProductID, old.ProductID)
		if !productKept {
			return fieldErr("product_id", "registration "+reg.Serial+" is of another product")
		}
		q.ProductID = reg.ProductID // the registration changed: the product follows it
	}
	r.AccountID, r.ProductID = nilIfEmpty(q.AccountID), &q.ProductID
	return nil
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func moveHint(from string) string {
	if from == model.RequestClosed {
		return "; reopen it first (status open)"
	}
	return ""
}

// stampStatus records the moment a request was resolved or closed, and
// counts a reopening.
func stampStatus(r *model.Request, from string, t time.Time) {
	switch {
	case r.Status == from:
	case r.Status == model.RequestResolved:
		r.ResolvedAt = &t
	case r.Status == model.RequestClosed:
		r.ClosedAt = &t
		if r.ResolvedAt == nil {
			r.ResolvedAt = &t
		}
	case !model.IsOpenRequest(from):
		r.ReopenCount++
		r.ResolvedAt, r.ClosedAt = nil, nil
	}
}

// setDue computes the SLA due times from the request's creation with the
// targets of its priority at its contract's level, else at the default
// level (none: no SLA clock).
func (s *Store) setDue(ctx context.Context, r *model.Request) error {
	var target model.SLATarget
	err := s.conn(ctx).Where("priority = ? AND deleted_at IS NULL", r.Priority).
		Where("(contract_level = '' OR contract_level = (SELECT level FROM contracts WHERE id = ?))", deref(r.ContractID)).
		Order("contract_level DESC").Take(&target).Error
	if err != nil {
		if model.ErrorCode(dbErr(err)) == model.ENOTFOUND {
			r.FirstResponseDue, r.ResolutionDue = nil, nil
			return nil
		}
		return dbErr(err)
	}
	start := r.CreatedAt
	first := Calendar.Add(start, time.Duration(target.FirstResponseMinutes)*time.Minute)
	resolve := Calendar.Add(start, time.Duration(target.ResolutionMinutes)*time.Minute)
	r.FirstResponseDue, r.ResolutionDue = &first, &resolve
	return nil
}

// RequestEvent is an entry added to a request's chronology.
type RequestEvent struct {
	Type            string `json:"type"` // reply, note, call, mail_in, mail_out
	Subject         string `json:"subject"`
	Body            string `json:"body"`
	DurationSeconds int    `json:"duration_seconds"` // calls
	Status          string `json:"status"`           // optionally move the request in the same step
}

// requestEventKinds maps event types to the activity they are and whether
// the customer sees them.
var requestEventKinds = map[string]struct {
	kind, status string
	public       bool
}{
	"reply":    {model.KindEmail, "sent", true},
	"mail_out": {model.KindEmail, "sent", true},
	"mail_in":  {model.KindEmail, "received", true},
	"note":     {model.KindNote, "done", false},
	"call":     {model.KindCall, "held", true},
}

// AddRequestEvent adds a reply, internal note, call or mail to a request's
// chronology as an activity linked to it, and moves the request's clock in
// the same transaction: the first answer to the customer (reply, outgoing
// mail or call) stamps first_response_at; a customer's mail reopens a
// request waiting for them or already resolved; a given status is applied.
func (s *Store) AddRequestEvent(ctx context.Context, requestID string, ev RequestEvent) (*model.Activity, error) {
	k, ok := requestEventKinds[ev.Type]
	if !ok {
		return nil, fieldErr("type", "one of reply, note, call, mail_in, mail_out")
	}
	if ev.DurationSeconds < 0 || (ev.Type != "call" && ev.DurationSeconds != 0) {
		return nil, fieldErr("duration_seconds", "zero or more, for calls only")
	}
	var a *model.Activity
	err := s.WithTx(ctx, func(ctx context.Context) error {
		r, err := Get[model.Request](ctx, s, requestID)
		if err != nil {
			return err
		}
		a = eventActivity(r, ev, k.kind, k.status, k.public)
		if err := Create(ctx, s, a); err != nil {
			return err
		}
		_, err = Update(serverWrite(ctx), s, r.ID, 0, func(r *model.Request) error { return applyEvent(r, ev, k.public) })
		if err == nil {
			s.tagEvent(ctx, requestEventName(ev))
		}
		return prefixFields(err, "request.")
	})
	return a, err
}

func requestEventName(ev RequestEvent) string {
	if ev.Type == "reply" || ev.Type == "mail_out" {
		return model.EventRequestReplied
	}
	return ""
}

// eventActivity is the activity an event is on the request's timeline.
func eventActivity(r *model.Request, ev RequestEvent, kind, status string, public bool) *model.Activity {
	subject := ev.Subject
	if subject == "" {
		subject = map[string]string{"reply": "Reply", "mail_out": "Mail to the customer", "mail_in": "Mail from the customer",
			"note": "Internal note", "call": "Call"}[ev.Type] + ": " + r.Subject
	}
	class := "public"
	if !public {
		class = "private"
	}
	t := now()
	return &model.Activity{Kind: kind, Status: status, Subject: subject, Description: ev.Body, Class: class,
		AccountID: r.AccountID, ContactID: r.ContactID, DurationSeconds: ev.DurationSeconds, StartAt: &t,
		Links: []model.Link{{Entity: "request", ID: r.ID}}, Tags: []string{"request-" + ev.Type}}
}

// applyEvent moves the request's clock and status for an event.
func applyEvent(r *model.Request, ev RequestEvent, public bool) error {
	t := now()
	r.LastActivityAt = t
	answered := public && ev.Type != "mail_in"
	if answered && r.FirstResponseAt == nil {
		r.FirstResponseAt = &t
		if r.FirstResponseDue != nil && t.After(*r.FirstResponseDue) {
			r.SLABreached = true
		}
	}
	next := ev.Status
	if next == "" && ev.Type == "mail_in" && (r.Status == model.RequestPendingCustomer || r.Status == model.RequestResolved) {
		next = model.RequestOpen
	}
	if next == "" && r.Status == model.RequestNew && answered {
		next = model.RequestOpen
	}
	if next != "" {
		r.Status = next
	}
	return nil
}

// RequestFeedback records the customer's rating (1–5) and comment on a
// resolved or closed request.
func (s *Store) RequestFeedback(ctx context.Context, id string, rating int, comment string) (*model.Request, error) {
	if rating < 1 || rating > 5 {
		return nil, fieldErr("rating", "from 1 to 5")
	}
	if len(comment) > 5000 {
		return nil, fieldErr("comment", "at most 5,000 characters")
	}
	return Update(serverWrite(ctx), s, id, 0, func(r *model.Request) error {
		if model.IsOpenRequest(r.Status) {
			return model.Errorf(model.ECONFLICT, "feedback is for resolved or closed requests")
		}
		t := now()
		r.Rating, r.FeedbackComment, r.FeedbackAt = rating, strings.TrimSpace(comment), &t
		return nil
	})
}

// RequestLink is a link between two requests.
type RequestLink struct {
	RequestID string    `gorm:"primaryKey;size:36" json:"request_id"`
	OtherID   string    `gorm:"primaryKey;size:36" json:"other_id"`
	Kind      string    `gorm:"size:16;not null" json:"kind"` // duplicate, related
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `gorm:"size:36" json:"created_by"`
}

// TableName names the table.
func (RequestLink) TableName() string { return "request_links" }

// LinkRequests links two requests both ways (duplicate or related).
func (s *Store) LinkRequests(ctx context.Context, id, otherID, kind string) error {
	if kind != "duplicate" && kind != "related" {
		return fieldErr("kind", "duplicate or related")
	}
	if id == otherID {
		return fieldErr("other_id", "a request cannot be linked to itself")
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		for _, rid := range []string{id, otherID} {
			if _, err := Get[model.Request](ctx, s, rid); err != nil {
				return fieldErr("other_id", "no request "+rid)
			}
		}
		t, by := now(), model.ActorFrom(ctx).UserID
		rows := []RequestLink{{id, otherID, kind, t, by}, {otherID, id, kind, t, by}}
		if err := s.conn(ctx).Save(&rows).Error; err != nil {
			return dbErr(err)
		}
		return s.Audit(ctx, "request_linked", id, otherID, "", map[string]any{"kind": kind})
	})
}

// RequestLinks lists a request's links.
func (s *Store) RequestLinks(ctx context.Context, id string) ([]RequestLink, error) {
	var out []RequestLink
	return out, dbErr(s.conn(ctx).Where("request_id = ?", id).Order("created_at").Find(&out).Error)
}

// MarkSLABreaches flags open requests that have passed a target they have
// not met (first response or resolution) as breached, each in its own
// write with the request.sla_breached event; at most limit per call. It
// returns how many it flagged.
func (s *Store) MarkSLABreaches(ctx context.Context, limit int) (int, error) {
	t := now()
	var ids []string
	err := s.conn(ctx).Model(&model.Request{}).
		Where("sla_breached = ? AND deleted_at IS NULL AND status NOT IN ?", false, []string{model.RequestResolved, model.RequestClosed}).
		Where("(first_response_at IS NULL AND first_response_due < ?) OR (resolved_at IS NULL AND resolution_due < ?)", t, t).
		Order("resolution_due").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return 0, dbErr(err)
	}
	for _, id := range ids {
		if _, err := Update(serverWrite(ctx), s, id, 0, func(r *model.Request) error { r.SLABreached = true; return nil }); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

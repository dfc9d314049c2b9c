package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-ical"

	"rapport/model"
	"rapport/model/icalmap"
)

// InvitationConfig turns on calendar invitations by mail (SetInvitations).
type InvitationConfig struct {
	// Mint returns a new Message-ID for mail about ref on the sender's
	// domain (mailmsg.Tokens in cmd); invitations use "a-" and the
	// activity's id.
	Mint func(ref, domain string) (string, error)
	// Enqueue queues an outbox mail's delivery in the write's transaction.
	Enqueue Enqueue
	// Logger hears, once until it changes, why nothing is sent (no active
	// scheduling mailbox); nil: slog's default.
	Logger *slog.Logger
}

// invitationMailer is the enabled configuration and whether the missing
// scheduling mailbox has been logged already.
type invitationMailer struct {
	InvitationConfig
	warned atomic.Bool
}

// SetInvitations makes every write of an appointment or call with outside
// attendees (not through a calendar client: see ClientScheduled) mail them
// iMIP invitations in the same transaction: REQUEST when it is created or
// changes, CANCEL when it is cancelled or deleted and to attendees taken off
// it. Call it before serving.
func (s *Store) SetInvitations(cfg InvitationConfig) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s.invitations = &invitationMailer{InvitationConfig: cfg}
}

type clientScheduledKey struct{}

// ClientScheduled marks ctx as a calendar client's (CalDAV's) write: such a
// client mails its own invitations, or the user chose not to, so the store
// sends none for writes in ctx.
func ClientScheduled(ctx context.Context) context.Context {
	return context.WithValue(ctx, clientScheduledKey{}, true)
}

func isClientScheduled(ctx context.Context) bool {
	v, _ := ctx.Value(clientScheduledKey{}).(bool)
	return v
}

// appointmentEdit is one activity as a transaction found it (nil when it
// created it) and left it.
type appointmentEdit struct{ before, after *model.Activity }

// queueInvitations mails the invitations a transaction's activity writes
// call for, in that transaction, just before its feed rows are appended.
// It looks at each activity's state before and after the whole
// transaction, so a write in several steps sends one mail.
func (s *Store) queueInvitations(ctx context.Context, st *txState) error {
	if s.invitations == nil || isClientScheduled(ctx) {
		return nil
	}
	edits, err := appointmentEdits(st.changes)
	if err != nil {
		return err
	}
	for _, e := range edits {
		if err := s.invite(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// appointmentEdits rebuilds, from the queued changes, the first and last
// state of every appointment or call with attendees that have an e-mail.
// The state before is the last snapshot with each changed field set back
// to its oldest value.
func appointmentEdits(changes []*pendingChange) ([]appointmentEdit, error) {
	type group struct {
		created bool
		last    []byte
		old     map[string]any
	}
	var order []string
	groups := map[string]*group{}
	for _, pc := range changes {
		c := pc.change
		if c.Entity != "activity" {
			continue
		}
		g := groups[c.RecordID]
		if g == nil {
			g = &group{created: c.Op == model.OpCreate, old: map[string]any{}}
			groups[c.RecordID] = g
			order = append(order, c.RecordID)
		}
		g.last = c.Snapshot
		for k, f := range c.Fields {
			if _, seen := g.old[k]; !seen {
				g.old[k] = f.Old
			}
		}
	}
	var out []appointmentEdit
	for _, id := range order {
		g := groups[id]
		e := appointmentEdit{after: &model.Activity{}}
		if err := json.Unmarshal(g.last, e.after); err != nil {
			return nil, fmt.Errorf("store: invitations: %w", err)
		}
		if !g.created {
			var err error
			if e.before, err = stateBefore(g.last, g.old); err != nil {
				return nil, err
			}
		}
		if mailedAttendees(e.after) || (e.before != nil && mailedAttendees(e.before)) {
			out = append(out, e)
		}
	}
	return out, nil
}

// stateBefore is the snapshot with the changed fields' old values.
func stateBefore(snapshot []byte, old map[string]any) (*model.Activity, error) {
	m := map[string]any{}
	if err := json.Unmarshal(snapshot, &m); err != nil {
		return nil, fmt.Errorf("store: invitations: %w", err)
	}
	for k, v := range old {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("store: invitations: %w", err)
	}
	a := &model.Activity{}
	if err := json.Unmarshal(b, a); err != nil {
		return nil, fmt.Errorf("store: invitations: %w", err)
	}
	return a, nil
}

// mailedAttendees reports whether a is a meeting with an attendee who is
// reached by mail: an address and no user.
func mailedAttendees(a *model.Activity) bool {
	if a.Kind != model.KindAppointment && a.Kind != model.KindCall {
		return false
	}
	return slices.ContainsFunc(a.Attendees, func(at model.Attendee) bool { return at.Email != "" && at.UserID == "" })
}

// invitationPlan is what one edit sends: a REQUEST to guests and a CANCEL
// to those it names, at one SEQUENCE.
type invitationPlan struct {
	request, cancel []model.Attendee
	cancelAll       bool // the meeting itself is off: CANCEL with its own state
}

// invite sends what one edited meeting calls for: nothing when it is over,
// organised elsewhere, or Rapport has no scheduling mailbox.
func (s *Store) invite(ctx context.Context, e appointmentEdit) error {
	a := e.after
	if meetingOver(a, now()) {
		return nil
	}
	mb, err := s.schedulingMailbox(ctx)
	if err != nil || mb == nil {
		return err
	}
	people, err := s.meetingPeople(ctx, a)
	if err != nil {
		return err
	}
	sent, err := s.invitationSequence(ctx, a.ID)
	if err != nil {
		return err
	}
	owner, _ := people.person(a.OwnerID)
	if !organizedHere(a, mb.FromAddress, owner.Email, sent != nil) {
		return nil
	}
	staff, err := s.staffAddresses(ctx, e)
	if err != nil {
		return err
	}
	plan := planInvitations(e, guestsOf(a, staff, mb.FromAddress), staff, mb.FromAddress, sent != nil)
	if len(plan.request) == 0 && len(plan.cancel) == 0 {
		return nil
	}
	seq := nextSequence(a, people.lookup, sent)
	organizer := icalmap.Person{Email: mb.FromAddress, Name: firstNonEmpty(owner.Name, mb.FromName)}
	inv := invitation{mailbox: mb, organizer: organizer, people: people, seq: seq}
	if len(plan.request) > 0 {
		if err := s.queueInvitation(ctx, inv, a, icalmap.MethodRequest, plan.request, e.before != nil && sent != nil); err != nil {
			return err
		}
	}
	if len(plan.cancel) > 0 {
		gone := *a
		if !plan.cancelAll {
			gone.Attendees = plan.cancel // a CANCEL names the attendees it removes (RFC 5546 3.2.5)
		}
		if err := s.queueInvitation(ctx, inv, &gone, icalmap.MethodCancel, plan.cancel, false); err != nil {
			return err
		}
	}
	return s.conn(ctx).Exec("UPDATE activities SET invitation_sequence = ? WHERE id = ?", seq, a.ID).Error
}

// organizedHere reports whether Rapport organises a meeting: it names no
// organizer (made in the CRM), or the scheduling address, or its owner once
// Rapport has invited for it (the owner's calendar client writes the owner
// back as ORGANIZER). Any other organizer — a customer's meeting copied into
// the CRM, or one the owner's calendar client sent invitations for itself —
// is not Rapport's to mail about: a second organizer for one UID confuses
// every calendar.
func organizedHere(a *model.Activity, scheduling, owner string, invited bool) bool {
	switch a.OrganizerEmail {
	case "", scheduling:
		return true
	case owner:
		return invited
	}
	return false
}

// planInvitations decides who hears what. A live meeting sends REQUEST to
// its guests when it is new or changed in what they see, and CANCEL to
// invited guests taken off it; a meeting cancelled or deleted since the
// last invitation sends CANCEL to every guest.
func planInvitations(e appointmentEdit, guests []model.Attendee, staff map[string]bool, organizer string, invited bool) invitationPlan {
	var removed []model.Attendee
	if e.before != nil {
		kept := map[string]bool{}
		for _, g := range guests {
			kept[g.Email] = true
		}
		for _, g := range guestsOf(e.before, staff, organizer) {
			if !kept[g.Email] {
				removed = append(removed, g)
			}
		}
	}
	switch {
	case !liveMeeting(e.after):
		if !invited || (e.before != nil && !liveMeeting(e.before)) {
			return invitationPlan{}
		}
		return invitationPlan{cancel: append(guests, removed...), cancelAll: true}
	case e.before == nil || !liveMeeting(e.before) || viewOfMeeting(e.before, staff, organizer) != viewOfMeeting(e.after, staff, organizer):
		p := invitationPlan{request: guests}
		if invited {
			p.cancel = removed
		}
		return p
	}
	return invitationPlan{}
}

// liveMeeting reports whether a is a meeting that takes place: an
// appointment or call with a start, not cancelled or deleted.
func liveMeeting(a *model.Activity) bool {
	switch {
	case a.DeletedAt != nil, a.Kind != model.KindAppointment && a.Kind != model.KindCall:
		return false
	case a.StartAt == nil && (!a.AllDay || a.StartDate == nil):
		return false
	}
	return a.Status != "cancelled" && a.Status != "not_held"
}

// meetingOver reports whether every instance of a ended before t: there is
// nothing left to invite anyone to (imports of past meetings send nothing).
func meetingOver(a *model.Activity, t time.Time) bool {
	if a.RecurrenceRule != "" {
		return a.RecurrenceEnd != nil && a.RecurrenceEnd.Before(t)
	}
	var end time.Time
	switch {
	case a.AllDay && a.EndDate != nil:
		end = a.EndDate.AddDate(0, 0, 1)
	case a.AllDay && a.StartDate != nil:
		end = a.StartDate.AddDate(0, 0, 1)
	case a.EndAt != nil:
		end = *a.EndAt
	case a.StartAt != nil:
		end = a.StartAt.Add(time.Duration(a.DurationSeconds) * time.Second)
	default:
		return false
	}
	return end.Before(t)
}

// meetingView is what a guest's calendar shows of a meeting; a change to
// it sends an updated REQUEST (answers, tags or links do not).
type meetingView struct {
	Kind, Subject, Description, Location, TimeZone, Rule, Status, Owner string
	Start, End, StartDate, EndDate                                      int64
	AllDay                                                              bool
	Duration                                                            int
	Guests                                                              string
}

func viewOfMeeting(a *model.Activity, staff map[string]bool, organizer string) meetingView {
	var guests []string
	for _, g := range guestsOf(a, staff, organizer) {
		guests = append(guests, g.Email+"|"+g.Role)
	}
	slices.Sort(guests)
	return meetingView{Kind: a.Kind, Subject: a.Subject, Description: a.Description, Location: a.Location,
		TimeZone: a.TimeZone, Rule: a.RecurrenceRule, Status: a.Status, Owner: deref(a.OwnerID),
		Start: nanosOf(a.StartAt), End: nanosOf(a.EndAt), StartDate: dateNanosOf(a.StartDate), EndDate: dateNanosOf(a.EndDate),
		AllDay: a.AllDay, Duration: a.DurationSeconds, Guests: strings.Join(guests, ",")}
}

// nanosOf is t as Unix nanoseconds, 0 for none: comparable in a view.
func nanosOf(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixNano()
}

// dateNanosOf is a date as Unix nanoseconds, 0 for none.
func dateNanosOf(d *model.Date) int64 {
	if d == nil {
		return 0
	}
	return d.UnixNano()
}

// guestsOf lists a's outside attendees: an address that is neither a
// user's nor the organizer's, each once.
func guestsOf(a *model.Activity, staff map[string]bool, organizer string) []model.Attendee {
	var out []model.Attendee
	seen := map[string]bool{}
	for _, at := range a.Attendees {
		if at.Email == "" || at.UserID != "" || staff[at.Email] || at.Email == organizer || seen[at.Email] {
			continue
		}
		seen[at.Email] = true
		out = append(out, at)
	}
	return out
}

// staffAddresses returns which attendee addresses of the edit are staff
// users' (they see the meeting over CalDAV, not by mail).
func (s *Store) staffAddresses(ctx context.Context, e appointmentEdit) (map[string]bool, error) {
	var emails []string
	for _, a := range []*model.Activity{e.before, e.after} {
		if a == nil {
			continue
		}
		for _, at := range a.Attendees {
			if at.Email != "" && at.UserID == "" {
				emails = append(emails, at.Email)
			}
		}
	}
	var found []string
	err := s.conn(ctx).Model(&model.User{}).Where("email IN ? AND role <> ? AND deleted_at IS NULL", model.Dedupe(emails), model.RolePortal).
		Pluck("email", &found).Error
	out := make(map[string]bool, len(found))
	for _, e := range found {
		out[e] = true
	}
	return out, dbErr(err)
}

// schedulingMailbox returns the active scheduling mailbox, or nil (logged
// once) when there is none: then no invitation can be sent.
func (s *Store) schedulingMailbox(ctx context.Context) (*model.Mailbox, error) {
	var boxes []model.Mailbox
	err := s.conn(ctx).Where("scheduling = ? AND active = ? AND deleted_at IS NULL", true, true).Limit(1).Find(&boxes).Error
	if err != nil {
		return nil, dbErr(err)
	}
	inv := s.invitations
	if len(boxes) == 0 || boxes[0].FromAddress == "" {
		if inv.warned.CompareAndSwap(false, true) {
			inv.Logger.Warn("calendar invitations are not sent: no active mailbox is marked scheduling (its address organises them)")
		}
		return nil, nil
	}
	inv.warned.Store(false)
	return &boxes[0], nil
}

// invitationSequence returns the SEQUENCE of the last invitation mailed for
// an activity, nil when none was.
func (s *Store) invitationSequence(ctx context.Context, id string) (*int, error) {
	var seq []sql.NullInt64
	err := s.conn(ctx).Table("activities").Where("id = ?", id).Pluck("invitation_sequence", &seq).Error
	if err != nil || len(seq) == 0 || !seq[0].Valid {
		return nil, dbErr(err)
	}
	n := int(seq[0].Int64)
	return &n, nil
}

// nextSequence is the SEQUENCE of the next invitation: what CalDAV clients
// see (the activity's version − 1, or the client's own when larger), and
// always above the last one mailed, so guests' calendars take the update.
func nextSequence(a *model.Activity, people icalmap.People, sent *int) int {
	seq := 0
	if ev := firstComponent(icalmap.ObjectCalendar(a, people)); ev != nil {
		if p := ev.Props.Get(ical.PropSequence); p != nil {
			seq, _ = strconv.Atoi(strings.TrimSpace(p.Value))
		}
	}
	if sent != nil {
		seq = max(seq, *sent+1)
	}
	return seq
}

func firstComponent(cal *ical.Calendar) *ical.Component {
	for _, c := range cal.Children {
		if c.Name == ical.CompEvent || c.Name == ical.CompToDo {
			return c
		}
	}
	return nil
}

// meetingDirectory holds the users a meeting names: its owner and user
// attendees, as calendars show them.
type meetingDirectory map[string]model.User

func (d meetingDirectory) lookup(id string) (icalmap.Person, bool) {
	u, ok := d[id]
	return icalmap.Person{Email: u.Email, Name: u.Name}, ok
}

func (d meetingDirectory) person(id *string) (model.User, bool) {
	if id == nil {
		return model.User{}, false
	}
	u, ok := d[*id]
	return u, ok
}

// meetingPeople loads the users a meeting names.
func (s *Store) meetingPeople(ctx context.Context, a *model.Activity) (meetingDirectory, error) {
	ids := []string{}
	if a.OwnerID != nil {
		ids = append(ids, *a.OwnerID)
	}
	for _, at := range a.Attendees {
		if at.UserID != "" {
			ids = append(ids, at.UserID)
		}
	}
	var users []model.User
	if len(ids) > 0 {
		if err := s.conn(ctx).Select("id, name, email, language, time_zone").Where("id IN ?", model.Dedupe(ids)).Find(&users).Error; err != nil {
			return nil, dbErr(err)
		}
	}
	out := make(meetingDirectory, len(users))
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}

// invitation is what every mail of one edit shares.
type invitation struct {
	mailbox   *model.Mailbox
	organizer icalmap.Person
	people    meetingDirectory
	seq       int
}

// invitationRecipients bounds the guests of one invitation mail (the
// outbox takes 100 recipients a mail); a larger meeting gets several.
const invitationRecipients = 100

// queueInvitation puts the iMIP mail about a (method, to guests) in the
// outbox: the calendar at the edit's SEQUENCE and a short text in the
// organizer's language.
func (s *Store) queueInvitation(ctx context.Context, inv invitation, a *model.Activity, method string, to []model.Attendee, update bool) error {
	cal := icalmap.Invitation(a, method, inv.organizer, inv.people.lookup)
	if ev := firstComponent(cal); ev != nil {
		p := ical.NewProp(ical.PropSequence)
		p.Value = strconv.Itoa(inv.seq)
		ev.Props.Set(p)
	}
	data, err := icalmap.EncodeBytes(cal)
	if err != nil {
		return fmt.Errorf("store: invitation: %w", err)
	}
	owner, _ := inv.people.person(a.OwnerID)
	tx := mailTextsFor(owner.Language)
	subject := tx.invitationSubject(method, update, a)
	text := tx.invitationText(method, inv.organizer.Name, a, zoneOf(s.location(), a.TimeZone, owner.TimeZone))
	for chunk := range slices.Chunk(to, invitationRecipients) {
		msgID, err := s.invitations.Mint("a-"+a.ID, domainOf(inv.mailbox.FromAddress))
		if err != nil {
			return fmt.Errorf("store: invitation Message-ID: %w", err)
		}
		m := &model.OutboundMail{MailboxID: &inv.mailbox.ID, From: model.MailAddress{Name: inv.organizer.Name, Email: inv.mailbox.FromAddress},
			Subject: subject, Text: text, MessageID: msgID, CalendarMethod: method, Calendar: string(data)}
		for _, g := range chunk {
			m.To = append(m.To, model.MailAddress{Name: g.Name, Email: g.Email})
			if g.ContactID != "" && m.ContactID == nil {
				m.ContactID = &g.ContactID // on the guest's timeline, else the meeting's contact's
			}
		}
		if m.ContactID == nil {
			m.ContactID = a.ContactID
		}
		if err := s.QueueMail(ctx, m, s.invitations.Enqueue); err != nil {
			return err
		}
	}
	return nil
}

// location is the installation's time zone.
func (s *Store) location() *time.Location {
	if s.install.Location == nil {
		return time.UTC
	}
	return s.install.Location
}

// zoneOf returns the first IANA zone of names that loads, else def.
func zoneOf(def *time.Location, names ...string) *time.Location {
	for _, n := range names {
		if n == "" {
			continue
		}
		if loc, err := time.LoadLocation(n); err == nil {
			return loc
		}
	}
	return def
}

// domainOf is the domain of an address.
func domainOf(address string) string {
	_, domain, _ := strings.Cut(address, "@")
	return domain
}

func firstNonEmpty(list ...string) string {
	for _, v := range list {
		if v != "" {
			return v
		}
	}
	return ""
}

package store

import (
	"fmt"
	"strings"
	"time"

	"rapport/model"
)

// mailTexts are the words of the mail the store writes itself (calendar
// invitations, reminders) in one language. They are short on purpose: an
// invitation's calendar part carries the meeting, and a reminder links to
// the record.
type mailTexts struct {
	invite, update, cancel    string // invitation subjects
	invites, cancels          string // the organizer (%s) invites, cancels
	reminder, dueNotice       string // reminder subjects
	when, where, due, link    string // labels
	dateTime, date, clockTime string // time layouts
}

var mailLanguages = map[string]*mailTexts{
	"en": {invite: "Invitation", update: "Updated invitation", cancel: "Cancelled",
		invites: "%s invites you to this meeting.", cancels: "%s has cancelled this meeting.",
		reminder: "Reminder", dueNotice: "Task due",
		when: "When", where: "Where", due: "Due", link: "Open",
		dateTime: "Mon 2 Jan 2006 15:04", date: "Mon 2 Jan 2006", clockTime: "15:04"},
	"ru": {invite: "Приглашение", update: "Встреча изменена", cancel: "Встреча отменена",
		invites: "%s приглашает вас на встречу.", cancels: "%s отменяет встречу.",
		reminder: "Напоминание", dueNotice: "Срок задачи",
		when: "Когда", where: "Где", due: "Срок", link: "Открыть",
		dateTime: "02.01.2006 15:04", date: "02.01.2006", clockTime: "15:04"},
}

// mailTextsFor picks the texts of a user's language ("ru", "ru-RU" …),
// English by default.
func mailTextsFor(lang string) *mailTexts {
	lang = strings.ToLower(lang)
	if strings.HasPrefix(lang, "ru") {
		return mailLanguages["ru"]
	}
	return mailLanguages["en"]
}

// invitationSubject is an invitation mail's subject.
func (t *mailTexts) invitationSubject(method string, update bool, a *model.Activity) string {
	prefix := t.invite
	switch {
	case method == "CANCEL":
		prefix = t.cancel
	case update:
		prefix = t.update
	}
	return cleanText(prefix+": "+a.Subject, 500)
}

// invitationText is an invitation mail's text: who invites (or cancels),
// what, when and where, and the meeting's description.
func (t *mailTexts) invitationText(method, organizer string, a *model.Activity, loc *time.Location) string {
	var b strings.Builder
	line := t.invites
	if method == "CANCEL" {
		line = t.cancels
	}
	fmt.Fprintf(&b, line+"\n\n", organizer)
	t.describe(&b, a, loc)
	if a.Description != "" {
		b.WriteString("\n" + a.Description + "\n")
	}
	return b.String()
}

// reminderText is a reminder's text: the activity and, when the hub's
// public address is known, a link to it.
func (t *mailTexts) reminderText(a *model.Activity, loc *time.Location, link string) string {
	var b strings.Builder
	t.describe(&b, a, loc)
	if link != "" {
		b.WriteString("\n" + t.link + ": " + link + "\n")
	}
	return b.String()
}

// describe writes the subject, time and place of an activity.
func (t *mailTexts) describe(b *strings.Builder, a *model.Activity, loc *time.Location) {
	b.WriteString(a.Subject + "\n")
	if when := t.whenText(a, loc); when != "" {
		b.WriteString(t.when + ": " + when + "\n")
	}
	if a.DueAt != nil && a.Kind == model.KindTask {
		b.WriteString(t.due + ": " + a.DueAt.In(loc).Format(t.dateTime) + " (" + loc.String() + ")\n")
	}
	if a.Location != "" {
		b.WriteString(t.where + ": " + a.Location + "\n")
	}
}

// whenText writes an activity's time in loc: "Mon 3 Dec 2026 10:00–11:00
// (Europe/Moscow)", or its dates when it lasts all day.
func (t *mailTexts) whenText(a *model.Activity, loc *time.Location) string {
	switch {
	case a.AllDay && a.StartDate != nil:
		s := a.StartDate.Format(t.date)
		if a.EndDate != nil && !a.EndDate.Equal(a.StartDate.Time) {
			s += " – " + a.EndDate.Format(t.date)
		}
		return s
	case a.StartAt == nil:
		return ""
	}
	start := a.StartAt.In(loc)
	s := start.Format(t.dateTime)
	end := a.EndAt
	if end == nil && a.DurationSeconds > 0 {
		e := a.StartAt.Add(time.Duration(a.DurationSeconds) * time.Second)
		end = &e
	}
	if end != nil && end.After(*a.StartAt) {
		e := end.In(loc)
		if y, m, d := e.Date(); y == start.Year() && m == start.Month() && d == start.Day() {
			s += "–" + e.Format(t.clockTime)
		} else {
			s += " – " + e.Format(t.dateTime)
		}
	}
	return s + " (" + loc.String() + ")"
}

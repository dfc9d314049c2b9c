package store

import (
	"context"
	"regexp"

	"rapport/model"
)

// languageTag is the shape of a stored language preference: a BCP 47
// language with optional subtags ("ru", "en-GB", "zh-Hant-TW").
var languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$`)

// SetOwnPreferences changes the language and time zone of the signed-in
// user's own record: the one part of a user record every employee may change
// for themselves (everything else about users is the admins'). Empty values
// mean "not set" (the browser's language, the installation's zone). Like
// any update it writes the next version with its change-feed row, by the
// user, in one transaction.
func (s *Store) SetOwnPreferences(ctx context.Context, language, timeZone string) (*model.User, error) {
	a := model.ActorFrom(ctx)
	switch {
	case !a.IsStaff() || a.UserID == "" || a.Internal:
		return nil, model.Errorf(model.EFORBIDDEN, "only a signed-in employee has preferences")
	case !a.HasScope(model.ScopeWrite):
		return nil, model.Errorf(model.EFORBIDDEN, "this token may not write")
	}
	fe := model.FieldErrors{}
	if language != "" && !languageTag.MatchString(language) {
		fe.Add("language", "not a language tag such as en or ru")
	}
	if timeZone != "" && !model.ValidTimeZone(timeZone) {
		fe.Add("time_zone", "unknown IANA time zone")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	// The policy table lets only admins write users; this narrow change of
	// the caller's own two fields is allowed to everyone, so it runs as an
	// internal write that still names the user as its actor.
	self := a
	self.Internal = true
	return Update[model.User](model.WithActor(ctx, self), s, a.UserID, 0, func(u *model.User) error {
		u.Language, u.TimeZone = language, timeZone
		return nil
	})
}

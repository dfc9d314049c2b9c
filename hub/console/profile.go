package console

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"rapport/hub/auth"
	"rapport/model"
)

// profileData is the own-profile page: preferences, password and the DAV
// app passwords of the signed-in user.
type profileData struct {
	Language, TimeZone string            // the form's values
	Languages          []choice          // the language options
	Zones              []string          // suggestions for the zone field
	Errors             map[string]string // field → message shown beside it
	AppPasswords       []model.AppPassword
	NewPassword        string // a just-created app password, shown once
	NewLabel           string
	DAVURL             string
	Label              string // the label field of the create form, kept on errors
}

// choice is an option of a select.
type choice struct{ Value, Label string }

func (c *Console) profile(w http.ResponseWriter, r *http.Request) {
	p, _, err := c.profilePage(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p.Done = doneKey(r)
	c.render(w, r, http.StatusOK, "profile", p)
}

// profilePage loads the profile page with the user's current values.
func (c *Console) profilePage(r *http.Request) (*page, *profileData, error) {
	p := c.newPage(r, "profile")
	p.Title = p.T("profile.title")
	u := p.User
	pws, err := c.cfg.Store.AppPasswords(r.Context(), u.ID)
	if err != nil {
		return nil, nil, err
	}
	d := &profileData{Language: u.Language, TimeZone: u.TimeZone, Zones: commonZones, Errors: map[string]string{},
		AppPasswords: pws, DAVURL: c.publicBase(r) + "/dav/"}
	d.Languages = []choice{{"", p.T("profile.language.browser")}, {"en", "English"}, {"ru", "Русский"}}
	if u.Language != "" && u.Language != "en" && u.Language != "ru" {
		d.Languages = append(d.Languages, choice{u.Language, u.Language})
	}
	p.Data = d
	return p, d, nil
}

// savePreferences stores the user's language and time zone.
func (c *Console) savePreferences(w http.ResponseWriter, r *http.Request) {
	lang, zone := strings.TrimSpace(r.PostFormValue("language")), strings.TrimSpace(r.PostFormValue("time_zone"))
	fields := map[string]string{}
	if lang != "" && lang != "en" && lang != "ru" {
		if u, _ := auth.UserFrom(r.Context()); u == nil || u.Language != lang {
			fields["language"] = "profile.error.language"
		}
	}
	if zone != "" && !model.ValidTimeZone(zone) {
		fields["time_zone"] = "profile.error.zone"
	}
	if len(fields) == 0 {
		_, err := c.cfg.Store.SetOwnPreferences(r.Context(), lang, zone)
		if err == nil {
			seeOther(w, r, "/profile", "preferences")
			return
		}
		if model.ErrorCode(err) != model.EINVALID {
			c.fail(w, r, err)
			return
		}
		fields["time_zone"] = "profile.error.zone"
	}
	p, d, err := c.profilePage(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.Language, d.TimeZone = lang, zone
	for f, key := range fields {
		d.Errors[f] = p.T(key)
	}
	c.render(w, r, http.StatusUnprocessableEntity, "profile", p)
}

// changePassword checks the current password, sets the new one (ending
// every other session) and signs this browser in again.
func (c *Console) changePassword(w http.ResponseWriter, r *http.Request) {
	current, next, again := r.PostFormValue("current_password"), r.PostFormValue("new_password"), r.PostFormValue("confirm_password")
	fields := map[string]string{}
	status := http.StatusUnprocessableEntity
	switch {
	case current == "":
		fields["current_password"] = "profile.error.current"
	case next != again:
		fields["confirm_password"] = "profile.error.mismatch"
	default:
		wait, err := c.cfg.Auth.ChangePassword(w, r, current, next)
		switch model.ErrorCode(err) {
		case "":
			seeOther(w, r, "/profile", "password")
			return
		case model.EUNAUTHORIZED:
			fields["current_password"], status = "profile.error.current", http.StatusUnauthorized
		case model.ERATELIMIT:
			auth.SetRetryAfter(w, wait)
			fields["current_password"], status = "profile.error.ratelimit", http.StatusTooManyRequests
		case model.EINVALID:
			fields["new_password"] = "profile.error.weak"
		default:
			c.fail(w, r, err)
			return
		}
	}
	p, d, err := c.profilePage(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for f, key := range fields {
		d.Errors[f] = p.T(key)
	}
	c.render(w, r, status, "profile", p)
}

// createAppPassword issues a DAV password for one device and shows it once
// (the answer is never cached: pages are no-store).
func (c *Console) createAppPassword(w http.ResponseWriter, r *http.Request) {
	label := strings.TrimSpace(r.PostFormValue("label"))
	var plain string
	var err error
	switch {
	case label == "" || utf8.RuneCountInString(label) > 200:
		err = model.Errorf(model.EINVALID, "label")
	default:
		plain, _, err = c.cfg.Store.CreateAppPassword(r.Context(), model.ActorFrom(r.Context()).UserID, label)
		if err != nil && model.ErrorCode(err) != model.EINVALID {
			c.fail(w, r, err)
			return
		}
	}
	p, d, perr := c.profilePage(r)
	if perr != nil {
		c.fail(w, r, perr)
		return
	}
	status := http.StatusOK
	if err != nil {
		d.Errors["label"], d.Label, status = p.T("profile.error.label"), label, http.StatusUnprocessableEntity
	} else {
		d.NewPassword, d.NewLabel = plain, label
	}
	c.render(w, r, status, "profile", p)
}

// revokeAppPassword revokes one device's password at once.
func (c *Console) revokeAppPassword(w http.ResponseWriter, r *http.Request) {
	err := c.cfg.Store.RevokeAppPassword(r.Context(), model.ActorFrom(r.Context()).UserID, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, err)
		return
	}
	seeOther(w, r, "/profile#app-passwords", "revoked")
}

// publicBase is the hub's address as the user's devices reach it.
func (c *Console) publicBase(r *http.Request) string {
	if c.cfg.PublicURL != "" {
		return strings.TrimRight(c.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// commonZones are the time zones the zone field suggests (any IANA zone
// may be typed): where Rapport's users mostly are, west to east.
var commonZones = []string{
	"Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Phoenix",
	"America/Chicago", "America/Mexico_City", "America/New_York", "America/Toronto", "America/Bogota",
	"America/Sao_Paulo", "America/Argentina/Buenos_Aires", "Atlantic/Reykjavik", "UTC", "Europe/London",
	"Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Amsterdam", "Europe/Brussels",
	"Europe/Zurich", "Europe/Vienna", "Europe/Rome", "Europe/Madrid", "Europe/Stockholm", "Europe/Oslo",
	"Europe/Copenhagen", "Europe/Warsaw", "Europe/Prague", "Europe/Budapest", "Europe/Helsinki",
	"Europe/Riga", "Europe/Vilnius", "Europe/Tallinn", "Europe/Kaliningrad", "Europe/Kyiv", "Europe/Minsk",
	"Europe/Istanbul", "Europe/Athens", "Europe/Bucharest", "Europe/Sofia", "Europe/Moscow",
	"Europe/Samara", "Asia/Tbilisi", "Asia/Yerevan", "Asia/Baku", "Asia/Dubai", "Asia/Yekaterinburg",
	"Asia/Tashkent", "Asia/Almaty", "Asia/Karachi", "Asia/Kolkata", "Asia/Omsk", "Asia/Novosibirsk",
	"Asia/Krasnoyarsk", "Asia/Bangkok", "Asia/Irkutsk", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Singapore",
	"Asia/Yakutsk", "Asia/Tokyo", "Asia/Seoul", "Asia/Vladivostok", "Australia/Perth", "Australia/Sydney",
	"Asia/Magadan", "Asia/Kamchatka", "Pacific/Auckland",
}

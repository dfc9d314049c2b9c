package console

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	ttemplate "text/template"
	"unicode/utf8"

	"github.com/gorilla/mux"
	qr "github.com/piglig/go-qr"

	"rapport/model"
)

// davClients are the clients the DAV setup pages explain, in the order the
// profile lists them.
var davClients = []string{"thunderbird", "apple", "davx5", "outlook"}

// davSetupData is a DAV setup page: the addresses a client needs.
type davSetupData struct {
	Client    string
	Clients   []string
	Base      string // https://crm.example.com
	Host      string // crm.example.com
	Root      string // Base + /dav/
	Principal string
	Contacts  string // the built-in collections' URLs
	Calendar  string
	Tasks     string
	Username  string
	Email     string
	// DAVx5
	LoginURI string       // what the QR code holds
	QR       template.URL // data: URI of the QR code's PNG
	// Apple
	Label  string
	Errors map[string]string
	// Outlook
	Feeds      []model.ICSFeed
	NewFeedURL string // a just-created ICS link, shown once
}

// davSetup draws the setup page of one client.
func (c *Console) davSetup(w http.ResponseWriter, r *http.Request) {
	p, _, err := c.davSetupPage(r, mux.Vars(r)["client"])
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p.Done = doneKey(r)
	c.render(w, r, http.StatusOK, "davsetup", p)
}

// davSetupPage loads a client's setup page.
func (c *Console) davSetupPage(r *http.Request, client string) (*page, *davSetupData, error) {
	known := false
	for _, cl := range davClients {
		known = known || cl == client
	}
	if !known {
		return nil, nil, model.Errorf(model.ENOTFOUND, "no setup page for %q", client)
	}
	p := c.newPage(r, "profile")
	p.Title = p.T("dav.title." + client)
	u := p.User
	base := c.publicBase(r)
	host := base
	if pu, err := url.Parse(base); err == nil {
		host = pu.Host
	}
	user := url.PathEscape(u.Username)
	d := &davSetupData{Client: client, Clients: davClients, Base: base, Host: host, Root: base + "/dav/",
		Principal: base + "/dav/principals/" + user + "/", Username: u.Username, Email: u.Email,
		Contacts: base + "/dav/addressbooks/" + user + "/" + model.SlugContacts + "/",
		Calendar: base + "/dav/calendars/" + user + "/" + model.SlugAppointments + "/",
		Tasks:    base + "/dav/calendars/" + user + "/" + model.SlugTasks + "/", Errors: map[string]string{}}
	switch client {
	case "davx5":
		d.LoginURI = davx5LoginURI(base, u.Username)
		png, err := qrPNG(d.LoginURI)
		if err != nil {
			return nil, nil, err
		}
		d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)) //nolint:gosec // our own PNG
	case "outlook":
		feeds, err := c.cfg.Store.ICSFeeds(r.Context(), u.ID)
		if err != nil {
			return nil, nil, err
		}
		d.Feeds = feeds
	case "apple":
		d.Label = p.T("dav.apple.label.default")
	}
	p.Data = d
	return p, d, nil
}

// davx5LoginURI is the address DAVx5 opens its login with, URL and user
// filled in: caldavs://user@host/dav/ (caldav:// for a hub without TLS),
// the scheme DAVx5 registers for CalDAV/CardDAV logins.
func davx5LoginURI(base, username string) string {
	scheme, rest := "caldavs", strings.TrimPrefix(base, "https://")
	if strings.HasPrefix(base, "http://") {
		scheme, rest = "caldav", strings.TrimPrefix(base, "http://")
	}
	return (&url.URL{Scheme: scheme, User: url.User(username), Host: rest, Path: "/dav/"}).String()
}

// qrPNG draws text as a QR code (medium error correction, 6 px modules,
// the standard 4-module quiet zone).
func qrPNG(text string) ([]byte, error) {
	code, err := qr.EncodeText(text, qr.Medium)
	if err != nil {
		return nil, fmt.Errorf("console: QR code: %w", err)
	}
	return code.ToPNGBytes(qr.NewQrCodeImgConfig(6, 4))
}

// appleProfile creates an app password for an Apple device and answers
// with a configuration profile (.mobileconfig) holding a CardDAV and a
// CalDAV account with the user's login and that password. Only a POST
// with the CSRF token makes one (a GET could be triggered from elsewhere),
// and the answer is never cached.
func (c *Console) appleProfile(w http.ResponseWriter, r *http.Request) {
	label := strings.TrimSpace(r.PostFormValue("label"))
	if label == "" || utf8.RuneCountInString(label) > 200 {
		p, d, err := c.davSetupPage(r, "apple")
		if err != nil {
			c.fail(w, r, err)
			return
		}
		d.Label, d.Errors["label"] = label, p.T("profile.error.label")
		c.render(w, r, http.StatusUnprocessableEntity, "davsetup", p)
		return
	}
	u := model.ActorFrom(r.Context())
	plain, pw, err := c.cfg.Store.CreateAppPassword(r.Context(), u.UserID, label)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	_, d, err := c.davSetupPage(r, "apple")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	body, err := mobileConfig(d, pw.ID, label, plain)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-apple-aspen-config")
	h.Set("Content-Disposition", `attachment; filename="rapport.mobileconfig"`)
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// mobileConfigTemplate is an Apple configuration profile with a CardDAV and
// a CalDAV account payload (Apple's Configuration Profile Reference).
var mobileConfigTemplate = ttemplate.Must(ttemplate.New("mobileconfig").Funcs(ttemplate.FuncMap{"x": xmlText}).Parse(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>PayloadContent</key>
	<array>
{{- range .Accounts}}
		<dict>
			<key>{{.Kind}}AccountDescription</key>
			<string>{{x .Description}}</string>
			<key>{{.Kind}}HostName</key>
			<string>{{x $.Host}}</string>
			<key>{{.Kind}}Port</key>
			<integer>{{$.Port}}</integer>
			<key>{{.Kind}}PrincipalURL</key>
			<string>{{x $.Principal}}</string>
			<key>{{.Kind}}UseSSL</key>
			<{{if $.SSL}}true{{else}}false{{end}}/>
			<key>{{.Kind}}Username</key>
			<string>{{x $.Username}}</string>
			<key>{{.Kind}}Password</key>
			<string>{{x $.Password}}</string>
			<key>PayloadDisplayName</key>
			<string>{{x .Description}}</string>
			<key>PayloadIdentifier</key>
			<string>{{x $.Identifier}}.{{.Type}}</string>
			<key>PayloadType</key>
			<string>com.apple.{{.Type}}.account</string>
			<key>PayloadUUID</key>
			<string>{{.UUID}}</string>
			<key>PayloadVersion</key>
			<integer>1</integer>
		</dict>
{{- end}}
	</array>
	<key>PayloadDisplayName</key>
	<string>{{x .Name}}</string>
	<key>PayloadDescription</key>
	<string>{{x .Label}}</string>
	<key>PayloadIdentifier</key>
	<string>{{x .Identifier}}</string>
	<key>PayloadType</key>
	<string>Configuration</string>
	<key>PayloadUUID</key>
	<string>{{.UUID}}</string>
	<key>PayloadVersion</key>
	<integer>1</integer>
</dict>
</plist>
`))

// xmlText escapes a string for XML character data.
func xmlText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// mobileAccount is one account payload of a profile.
type mobileAccount struct{ Kind, Type, Description, UUID string }

// mobileConfig writes the profile of d's addresses with the app password
// plain (labelled label, id passwordID).
func mobileConfig(d *davSetupData, passwordID, label, plain string) ([]byte, error) {
	u, err := url.Parse(d.Base)
	if err != nil {
		return nil, fmt.Errorf("console: the hub's address: %w", err)
	}
	ssl := u.Scheme == "https"
	port := u.Port()
	if port == "" {
		port = map[bool]string{true: "443", false: "80"}[ssl]
	}
	principal := strings.TrimPrefix(d.Principal, d.Base)
	data := map[string]any{
		"Host": u.Hostname(), "Port": port, "SSL": ssl, "Principal": principal, "Username": d.Username, "Password": plain,
		"Name": "Rapport (" + u.Hostname() + ")", "Label": label, "UUID": strings.ToUpper(passwordID),
		"Identifier": "rapport." + u.Hostname() + "." + passwordID,
		"Accounts": []mobileAccount{
			{Kind: "CardDAV", Type: "carddav", Description: "Rapport " + d.Username + " — contacts", UUID: strings.ToUpper(model.NewID())},
			{Kind: "CalDAV", Type: "caldav", Description: "Rapport " + d.Username + " — calendars", UUID: strings.ToUpper(model.NewID())},
		},
	}
	var b bytes.Buffer
	if err := mobileConfigTemplate.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("console: mobileconfig: %w", err)
	}
	return b.Bytes(), nil
}

// createICSFeed issues a calendar subscription link (the API's POST
// /ics-feeds) and shows it once on the Outlook page.
func (c *Console) createICSFeed(w http.ResponseWriter, r *http.Request) {
	plain, _, err := c.cfg.Store.CreateICSFeed(r.Context(), model.ActorFrom(r.Context()).UserID, r.PostFormValue("include_tasks") == "1")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p, d, err := c.davSetupPage(r, "outlook")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.NewFeedURL = d.Base + "/ics/" + plain + ".ics"
	c.render(w, r, http.StatusOK, "davsetup", p)
}

// revokeICSFeed revokes one of the user's calendar links (the API's
// DELETE /ics-feeds/{id}).
func (c *Console) revokeICSFeed(w http.ResponseWriter, r *http.Request) {
	if err := c.cfg.Store.RevokeICSFeed(r.Context(), model.ActorFrom(r.Context()).UserID, mux.Vars(r)["id"]); err != nil {
		c.fail(w, r, err)
		return
	}
	seeOther(w, r, "/profile/dav/outlook#ics", "feed_revoked")
}

package model

import (
	"net"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Mailbox TLS modes (IMAP and SMTP alike).
const (
	TLSImplicit = "implicit" // TLS from the first byte (IMAP 993, SMTP 465)
	TLSStartTLS = "starttls" // upgraded with STARTTLS (IMAP 143, SMTP 587)
	TLSPlain    = "plain"    // no TLS: loopback servers only
)

// MailTLSModes lists the TLS modes of a mailbox's servers.
var MailTLSModes = []string{TLSImplicit, TLSStartTLS, TLSPlain}

// Mailbox authentication methods.
const (
	MailAuthPassword    = "password"
	MailAuthXOAuth2     = "xoauth2"     // Gmail, Microsoft 365
	MailAuthOAuthBearer = "oauthbearer" // RFC 7628
)

// MailAuthMethods lists how a mailbox may log in.
var MailAuthMethods = []string{MailAuthPassword, MailAuthXOAuth2, MailAuthOAuthBearer}

// What the engine does with a message once it is stored.
const (
	MailAfterLeave = "leave" // nothing: the checkpoint says it was read
	MailAfterMove  = "move"  // move it to MoveTo
	MailAfterFlag  = "flag"  // set \Flagged
)

// MailAfterActions lists the after-processing actions.
var MailAfterActions = []string{MailAfterLeave, MailAfterMove, MailAfterFlag}

// OAuthProvider is what Rapport knows of an OAuth2 provider for mail.
type OAuthProvider struct {
	TokenURL string
	Scopes   []string
}

// OAuthProviders are the OAuth2 providers with known endpoints; "custom"
// needs its token URL and scopes given.
var OAuthProviders = map[string]OAuthProvider{
	"gmail": {TokenURL: "https://oauth2.googleapis.com/token", Scopes: []string{"https://mail.google.com/"}},
	// "common" serves work and school accounts of any tenant; a mailbox
	// of one tenant may give its own token URL.
	"microsoft": {TokenURL: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
		Scopes: []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send", "offline_access"}},
	"custom": {},
}

// Mailbox is an IMAP mailbox Rapport reads support mail from, with the SMTP
// identity its replies go out under. Secrets (passwords, the OAuth2 client
// secret and refresh token) are written through the API and CLI but never
// shown again: the store seals them with the server key into the *Sealed
// fields, which no JSON carries, and lists which are set in Secrets.
type Mailbox struct {
	Meta
	Name string `gorm:"size:200;not null" json:"name"`

	IMAPHost string `gorm:"column:imap_host;size:255;not null" json:"imap_host"`
	IMAPPort int    `gorm:"column:imap_port;not null" json:"imap_port"` // 0 on input: 993 (implicit) or 143
	IMAPTLS  string `gorm:"column:imap_tls;size:16;not null" json:"imap_tls"`
	Username string `gorm:"size:320;not null" json:"username"`
	Auth     string `gorm:"size:16;not null" json:"auth"`
	// Password is write-only: sealed into PasswordSealed, never output.
	Password       string `gorm:"-" json:"password,omitempty"`
	PasswordSealed []byte `json:"-"`

	// OAuth2 (auth xoauth2 or oauthbearer): the provider's token endpoint
	// turns the refresh token into access tokens.
	OAuthProvider           string   `gorm:"column:oauth_provider;size:16;not null" json:"oauth_provider"`
	OAuthClientID           string   `gorm:"column:oauth_client_id;size:500;not null" json:"oauth_client_id"`
	OAuthClientSecret       string   `gorm:"-" json:"oauth_client_secret,omitempty"`
	OAuthClientSecretSealed []byte   `gorm:"column:oauth_client_secret_sealed" json:"-"`
	OAuthTokenURL           string   `gorm:"column:oauth_token_url;size:2048;not null" json:"oauth_token_url"`
	OAuthRefreshToken       string   `gorm:"-" json:"oauth_refresh_token,omitempty"`
	OAuthRefreshTokenSealed []byte   `gorm:"column:oauth_refresh_token_sealed" json:"-"`
	OAuthScopes             []string `gorm:"column:oauth_scopes;serializer:json" json:"oauth_scopes"`

	// Folders are read in order; the first is watched with IDLE.
	Folders []string `gorm:"serializer:json" json:"folders"`
	// QueueID is the queue new requests from this mailbox go to.
	QueueID         *string `gorm:"size:36" json:"queue_id"`
	AfterProcessing string  `gorm:"size:8;not null" json:"after_processing"`
	MoveTo          string  `gorm:"size:255;not null" json:"move_to"`

	// The identity replies and acknowledgements go out under. Without an
	// SMTP username the server is used without AUTH; without an SMTP
	// password an OAuth2 mailbox logs in with its access token.
	FromAddress        string `gorm:"size:320;not null" json:"from_address"`
	FromName           string `gorm:"size:200;not null" json:"from_name"`
	SMTPHost           string `gorm:"column:smtp_host;size:255;not null" json:"smtp_host"`
	SMTPPort           int    `gorm:"column:smtp_port;not null" json:"smtp_port"` // 0 on input: 465 (implicit) or 587
	SMTPTLS            string `gorm:"column:smtp_tls;size:16;not null" json:"smtp_tls"`
	SMTPUsername       string `gorm:"column:smtp_username;size:320;not null" json:"smtp_username"`
	SMTPPassword       string `gorm:"-" json:"smtp_password,omitempty"`
	SMTPPasswordSealed []byte `gorm:"column:smtp_password_sealed" json:"-"`

	// Scheduling marks the mailbox whose address organises calendar
	// invitations (iMIP), so attendees' answers come back to it.
	Scheduling bool `gorm:"not null" json:"scheduling"`
	Active     bool `gorm:"not null" json:"active"`

	// Secrets lists the secrets that are set ("password", "smtp_password",
	// "oauth_client_secret", "oauth_refresh_token"); derived.
	Secrets []string `gorm:"serializer:json" json:"secrets"`
	// SecretsChangedAt is when a secret was last set or dropped (kept by
	// the store), so that a new password is a change in the record's
	// history, without the password.
	SecretsChangedAt *time.Time `json:"secrets_changed_at"`
}

// Entity implements Record.
func (*Mailbox) Entity() string { return "mailbox" }

// TableName names the table.
func (Mailbox) TableName() string { return "mailboxes" }

// Refs implements Referrer.
func (m *Mailbox) Refs() []Ref { return []Ref{{"queue_id", "queue", m.QueueID}} }

// MailboxSecret is one secret of a mailbox: its JSON name, where its
// plaintext (write-only) and sealed form live, and whether the mailbox's
// settings use it.
type MailboxSecret struct {
	Name      string
	Plaintext *string
	Sealed    *[]byte
	Used      bool
}

// SecretFields lists the mailbox's secrets.
func (m *Mailbox) SecretFields() []MailboxSecret {
	return []MailboxSecret{
		{"password", &m.Password, &m.PasswordSealed, m.Auth == MailAuthPassword},
		{"smtp_password", &m.SMTPPassword, &m.SMTPPasswordSealed, m.SMTPUsername != ""},
		{"oauth_client_secret", &m.OAuthClientSecret, &m.OAuthClientSecretSealed, m.OAuth()},
		{"oauth_refresh_token", &m.OAuthRefreshToken, &m.OAuthRefreshTokenSealed, m.OAuth()},
	}
}

// normalizeSecrets drops the secrets the settings no longer use (a
// password once the mailbox moves to OAuth2) and lists those that are set.
func (m *Mailbox) normalizeSecrets() {
	m.Secrets = []string{}
	for _, s := range m.SecretFields() {
		if !s.Used {
			*s.Plaintext, *s.Sealed = "", nil
		}
		if *s.Plaintext != "" || len(*s.Sealed) > 0 {
			m.Secrets = append(m.Secrets, s.Name)
		}
	}
}

// OAuth reports whether the mailbox logs in with OAuth2.
func (m *Mailbox) OAuth() bool { return m.Auth == MailAuthXOAuth2 || m.Auth == MailAuthOAuthBearer }

// HasSecret reports whether the named secret is set (as Normalize found it).
func (m *Mailbox) HasSecret(name string) bool { return slices.Contains(m.Secrets, name) }

// Normalize implements Record: defaults for ports, TLS, auth, folders and
// the OAuth2 provider's endpoint and scopes.
func (m *Mailbox) Normalize() {
	m.Name = strings.TrimSpace(m.Name)
	m.IMAPHost = strings.ToLower(strings.TrimSpace(m.IMAPHost))
	m.IMAPTLS = lowerOr(m.IMAPTLS, TLSImplicit)
	if m.IMAPPort == 0 {
		m.IMAPPort = map[bool]int{true: 993, false: 143}[m.IMAPTLS == TLSImplicit]
	}
	m.Username = strings.TrimSpace(m.Username)
	m.Auth = lowerOr(m.Auth, MailAuthPassword)
	m.normalizeOAuth()
	for i, f := range m.Folders {
		m.Folders[i] = strings.TrimSpace(f)
	}
	m.Folders = Dedupe(m.Folders)
	if len(m.Folders) == 0 {
		m.Folders = []string{"INBOX"}
	}
	emptyToNil(&m.QueueID)
	m.AfterProcessing = lowerOr(m.AfterProcessing, MailAfterLeave)
	m.MoveTo = strings.TrimSpace(m.MoveTo)
	m.FromAddress = strings.ToLower(strings.TrimSpace(m.FromAddress))
	m.FromName = strings.TrimSpace(m.FromName)
	m.SMTPHost = strings.ToLower(strings.TrimSpace(m.SMTPHost))
	m.SMTPUsername = strings.TrimSpace(m.SMTPUsername)
	if m.SMTPHost != "" {
		m.SMTPTLS = lowerOr(m.SMTPTLS, TLSStartTLS)
		if m.SMTPPort == 0 {
			m.SMTPPort = map[bool]int{true: 465, false: 587}[m.SMTPTLS == TLSImplicit]
		}
	}
	m.normalizeSecrets()
}

func (m *Mailbox) normalizeOAuth() {
	m.OAuthProvider = strings.ToLower(strings.TrimSpace(m.OAuthProvider))
	m.OAuthClientID = strings.TrimSpace(m.OAuthClientID)
	m.OAuthTokenURL = strings.TrimSpace(m.OAuthTokenURL)
	if !m.OAuth() {
		m.OAuthProvider, m.OAuthClientID, m.OAuthTokenURL, m.OAuthScopes = "", "", "", nil
	}
	if p, ok := OAuthProviders[m.OAuthProvider]; ok && m.OAuth() {
		if m.OAuthTokenURL == "" {
			m.OAuthTokenURL = p.TokenURL
		}
		if len(m.OAuthScopes) == 0 {
			m.OAuthScopes = slices.Clone(p.Scopes)
		}
	}
	if m.OAuthScopes == nil {
		m.OAuthScopes = []string{}
	}
}

// lowerOr is s trimmed and lower-cased, or def when empty.
func lowerOr(s, def string) string {
	if s = strings.ToLower(strings.TrimSpace(s)); s == "" {
		return def
	}
	return s
}

// maxSecretBytes bounds a secret's plaintext (OAuth2 refresh tokens of
// Microsoft run to about 2 KB).
const maxSecretBytes = 8 << 10

// Validate implements Record.
func (m *Mailbox) Validate() error {
	fe := FieldErrors{}
	if m.Name == "" {
		fe.Add("name", "required")
	}
	validateServer(fe, "imap", m.IMAPHost, m.IMAPPort, m.IMAPTLS)
	if m.Username == "" {
		fe.Add("username", "required")
	}
	m.validateAuth(fe)
	m.validateFolders(fe)
	validateRef(fe, "queue_id", m.QueueID)
	m.validateSMTP(fe)
	for _, s := range m.SecretFields() {
		if len(*s.Plaintext) > maxSecretBytes || strings.ContainsRune(*s.Plaintext, 0) {
			fe.Add(s.Name, "at most 8 KB of text")
		}
	}
	return fe.Err()
}

func (m *Mailbox) validateAuth(fe FieldErrors) {
	oneOf(fe, "auth", m.Auth, MailAuthMethods)
	if m.Auth == MailAuthPassword && !m.HasSecret("password") {
		fe.Add("password", "required for password login")
	}
	if !m.OAuth() {
		return
	}
	if _, ok := OAuthProviders[m.OAuthProvider]; !ok {
		fe.Add("oauth_provider", "one of gmail, microsoft, custom")
	}
	if m.OAuthClientID == "" {
		fe.Add("oauth_client_id", "required for OAuth2")
	}
	if !strings.HasPrefix(m.OAuthTokenURL, "https://") || !ValidURL(m.OAuthTokenURL) {
		fe.Add("oauth_token_url", "an https URL (required for a custom provider)")
	}
	if len(m.OAuthScopes) == 0 {
		fe.Add("oauth_scopes", "at least one scope (required for a custom provider)")
	}
	if !m.HasSecret("oauth_refresh_token") {
		fe.Add("oauth_refresh_token", "required for OAuth2: the refresh token of the mailbox's account")
	}
}

// mailFolderBytes bounds a folder name (modified UTF-7 names grow).
const mailFolderBytes = 255

func (m *Mailbox) validateFolders(fe FieldErrors) {
	if len(m.Folders) > 20 {
		fe.Add("folders", "at most 20 folders")
	}
	for i, f := range m.Folders {
		if msg := checkFolder(f); msg != "" {
			fe.Add("folders["+itoa(i)+"]", msg)
		}
	}
	oneOf(fe, "after_processing", m.AfterProcessing, MailAfterActions)
	switch {
	case m.AfterProcessing != MailAfterMove && m.MoveTo != "":
		fe.Add("move_to", "only with after_processing move")
	case m.AfterProcessing != MailAfterMove:
	case m.MoveTo == "":
		fe.Add("move_to", "required to move processed mail")
	case slices.Contains(m.Folders, m.MoveTo):
		fe.Add("move_to", "must not be a folder that is read")
	default:
		if msg := checkFolder(m.MoveTo); msg != "" {
			fe.Add("move_to", msg)
		}
	}
}

// checkFolder returns why name cannot be an IMAP folder name, or "".
func checkFolder(name string) string {
	if name == "" || len(name) > mailFolderBytes || strings.ContainsFunc(name, unicode.IsControl) {
		return "a folder name of 1 to 255 bytes without control characters"
	}
	return ""
}

func (m *Mailbox) validateSMTP(fe FieldErrors) {
	if m.FromAddress != "" && !ValidEmail(m.FromAddress) {
		fe.Add("from_address", "not a valid e-mail address")
	}
	if m.SMTPHost == "" {
		if m.SMTPUsername != "" || m.HasSecret("smtp_password") {
			fe.Add("smtp_host", "required with an SMTP login")
		}
		if m.Scheduling {
			fe.Add("smtp_host", "the scheduling mailbox sends invitations: give its SMTP server")
		}
		return
	}
	validateServer(fe, "smtp", m.SMTPHost, m.SMTPPort, m.SMTPTLS)
	if m.FromAddress == "" {
		fe.Add("from_address", "required to send mail")
	}
	if m.SMTPUsername != "" && !m.HasSecret("smtp_password") && !m.OAuth() {
		fe.Add("smtp_password", "required for the SMTP login (OAuth2 mailboxes may use their token)")
	}
	if m.SMTPUsername == "" && m.HasSecret("smtp_password") {
		fe.Add("smtp_username", "required with an SMTP password")
	}
}

var hostPattern = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$`)

// validateServer checks a host, port and TLS mode, prefix naming the
// fields ("imap" → imap_host, imap_port, imap_tls).
func validateServer(fe FieldErrors, prefix, host string, port int, tls string) {
	if host == "" || len(host) > 253 || (net.ParseIP(host) == nil && !hostPattern.MatchString(host)) {
		fe.Add(prefix+"_host", "a host name or IP address")
	}
	if port < 1 || port > 65535 {
		fe.Add(prefix+"_port", "from 1 to 65535")
	}
	oneOf(fe, prefix+"_tls", tls, MailTLSModes)
	if tls == TLSPlain && host != "" && !LoopbackHost(host) {
		fe.Add(prefix+"_tls", "plain (unencrypted) connections only to this machine (localhost, 127.0.0.1, ::1); use implicit or starttls")
	}
}

// LoopbackHost reports whether host names this machine: "localhost" (or a
// name under .localhost) or a loopback address. Other names could resolve
// anywhere, so they never get a plain connection.
func LoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Mailbox states, as the ingest engine reports them.
const (
	MailboxIdle       = "idle"        // waiting for mail (IDLE or the poll timer), or not started yet
	MailboxConnecting = "connecting"  // dialling and logging in
	MailboxRunning    = "running"     // fetching new mail
	MailboxError      = "error"       // the last attempt failed; retried with backoff at NextRetryAt
	MailboxAuthFailed = "auth_failed" // the server refused the login: stopped until the mailbox is changed
	MailboxStopped    = "stopped"     // inactive, deleted, or the engine is shut down
)

// MailboxStates lists the states of a mailbox.
var MailboxStates = []string{MailboxIdle, MailboxConnecting, MailboxRunning, MailboxError, MailboxAuthFailed, MailboxStopped}

// MailboxStatus is how a mailbox's engine is doing. It lives apart from
// the Mailbox record and outside the change feed: it changes on every poll,
// and the feed (webhooks, DAV sync, replication) carries business data,
// not heartbeats.
type MailboxStatus struct {
	MailboxID string `gorm:"primaryKey;size:36" json:"mailbox_id"`
	State     string `gorm:"size:16;not null" json:"state"`
	LastError string `gorm:"size:1000;not null" json:"last_error"`
	// LastFetchAt is when the engine last looked for mail, LastSuccessAt
	// when a look last ended without error.
	LastFetchAt   *time.Time `json:"last_fetch_at"`
	LastSuccessAt *time.Time `json:"last_success_at"`
	// NextRetryAt is when a mailbox in error tries again.
	NextRetryAt *time.Time `json:"next_retry_at"`
	// Idle says the server offers IDLE and the engine waits with it
	// (new mail arrives at once) rather than polling.
	Idle      bool      `gorm:"not null" json:"idle"`
	UpdatedAt time.Time `gorm:"not null" json:"updated_at"`
}

// TableName names the table.
func (MailboxStatus) TableName() string { return "mailbox_states" }

// MailCheckpoint is how far the engine has read one folder: its
// UIDVALIDITY and the highest UID accounted for (stored or quarantined).
type MailCheckpoint struct {
	MailboxID   string    `gorm:"primaryKey;size:36" json:"mailbox_id"`
	Folder      string    `gorm:"primaryKey;size:255" json:"folder"`
	UIDValidity uint32    `gorm:"column:uidvalidity;not null" json:"uidvalidity"`
	LastUID     uint32    `gorm:"column:last_uid;not null" json:"last_uid"`
	UpdatedAt   time.Time `gorm:"not null" json:"updated_at"`
}

// TableName names the table.
func (MailCheckpoint) TableName() string { return "mail_checkpoints" }

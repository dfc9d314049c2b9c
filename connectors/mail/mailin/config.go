package mailin

import (
	"cmp"
	"crypto/tls"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"rapport/connectors/mail/mailauth"
	"rapport/model"
)

// TLS modes of a mailbox.
const (
	TLSImplicit = "implicit" // TLS from the first byte (port 993)
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (port 143); refused if the server cannot
	TLSPlain    = "plain"    // no TLS at all: loopback servers only
)

// Authentication methods. An empty Auth picks AuthPassword without a token
// source, else OAUTHBEARER when the server offers it and XOAUTH2 otherwise.
const (
	AuthPassword    = "password"
	AuthXOAuth2     = "xoauth2"     // Gmail, Microsoft 365
	AuthOAuthBearer = "oauthbearer" // RFC 7628
)

// After-processing actions, applied to a message once the handler took it.
const (
	ActionLeave = "leave" // nothing: the checkpoint alone says the message was read
	ActionMove  = "move"  // UID MOVE to Config.MoveTo (COPY, STORE \Deleted, EXPUNGE without MOVE)
	ActionFlag  = "flag"  // STORE +FLAGS (\Flagged)
)

// Defaults of a Config's zero fields.
const (
	DefaultMaxSize      = 25 << 20
	DefaultPollInterval = time.Minute
	DefaultDialTimeout  = 30 * time.Second
	DefaultRetryMin     = 2 * time.Second
	DefaultRetryMax     = 5 * time.Minute
)

// Config is one mailbox as the engine sees it: where to connect, how to log
// in and what to do with what it reads. Secrets arrive decrypted; the
// package never stores them.
type Config struct {
	Mailbox string // the mailbox's id, handed back in every Message and Status

	Host      string
	Port      int         // 0: 993 for TLSImplicit, 143 otherwise
	TLS       string      // TLSImplicit (default), TLSStartTLS or TLSPlain
	TLSConfig *tls.Config // nil: the system roots; ServerName defaults to Host

	Username    string
	Password    string             // for AuthPassword
	TokenSource oauth2.TokenSource // for XOAUTH2 / OAUTHBEARER: OAuth.TokenSource, or any source that caches its token
	Auth        string             // AuthPassword, AuthXOAuth2, AuthOAuthBearer or "" (see the constants)

	Folders []string // nil: INBOX. The first one is watched with IDLE.
	After   string   // ActionLeave (default), ActionMove or ActionFlag
	MoveTo  string   // the folder for ActionMove; created when missing

	MaxSize      int64         // bytes; larger messages are handed over TooLarge, unread. 0: DefaultMaxSize
	PollInterval time.Duration // without IDLE, and for the folders after the first. 0: DefaultPollInterval
	DialTimeout  time.Duration // 0: DefaultDialTimeout
	RetryMin     time.Duration // first reconnect delay, doubled per failure with jitter. 0: DefaultRetryMin
	RetryMax     time.Duration // 0: DefaultRetryMax
	NoIdle       bool          // poll even when the server offers IDLE (for servers whose IDLE is broken)
}

// Validate checks a configuration and fills in its defaults. Problems are
// one *model.Error (EINVALID) with a message per field.
func (c *Config) Validate() error {
	fe := model.FieldErrors{}
	c.Host = strings.TrimSpace(c.Host)
	if c.Host == "" {
		fe.Add("host", "is required")
	}
	if c.TLS == "" {
		c.TLS = TLSImplicit
	}
	switch c.TLS {
	case TLSImplicit, TLSStartTLS:
	case TLSPlain:
		if c.Host != "" && !mailauth.Loopback(c.Host) {
			fe.Add("tls", "plain IMAP is allowed to loopback servers only")
		}
	default:
		fe.Add("tls", "must be implicit, starttls or plain")
	}
	if c.Port == 0 {
		c.Port = 143
		if c.TLS == TLSImplicit {
			c.Port = 993
		}
	}
	if c.Port < 1 || c.Port > 65535 {
		fe.Add("port", "must be between 1 and 65535")
	}
	c.validateAuth(fe)
	c.validateFolders(fe)
	if c.MaxSize < 0 || c.PollInterval < 0 || c.DialTimeout < 0 || c.RetryMin < 0 || c.RetryMax < 0 {
		fe.Add("limits", "must not be negative")
	}
	c.MaxSize = cmp.Or(c.MaxSize, DefaultMaxSize)
	c.PollInterval = cmp.Or(c.PollInterval, DefaultPollInterval)
	c.DialTimeout = cmp.Or(c.DialTimeout, DefaultDialTimeout)
	c.RetryMin = cmp.Or(c.RetryMin, DefaultRetryMin)
	c.RetryMax = max(cmp.Or(c.RetryMax, DefaultRetryMax), c.RetryMin)
	return fe.Err()
}

func (c *Config) validateAuth(fe model.FieldErrors) {
	if c.Username == "" {
		fe.Add("username", "is required")
	}
	switch c.Auth {
	case "":
	case AuthPassword:
		if c.TokenSource != nil {
			fe.Add("auth", "password login does not take an OAuth2 token")
		}
	case AuthXOAuth2, AuthOAuthBearer:
		if c.TokenSource == nil {
			fe.Add("auth", "OAuth2 needs a token source (refresh token)")
		}
	default:
		fe.Add("auth", "must be password, xoauth2 or oauthbearer")
	}
	if c.TokenSource == nil && c.Password == "" {
		fe.Add("password", "is required without OAuth2")
	}
}

func (c *Config) validateFolders(fe model.FieldErrors) {
	if len(c.Folders) == 0 {
		c.Folders = []string{"INBOX"}
	}
	for _, f := range c.Folders {
		if strings.TrimSpace(f) == "" {
			fe.Add("folders", "must not be empty")
		}
	}
	if c.After == "" {
		c.After = ActionLeave
	}
	switch c.After {
	case ActionLeave, ActionFlag:
	case ActionMove:
		if c.MoveTo == "" {
			fe.Add("move_to", "is required to move processed mail")
		} else if slices.Contains(c.Folders, c.MoveTo) {
			fe.Add("move_to", "must not be a folder that is read")
		}
	default:
		fe.Add("after", "must be leave, move or flag")
	}
}

// address is host:port for dialling.
func (c *Config) address() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

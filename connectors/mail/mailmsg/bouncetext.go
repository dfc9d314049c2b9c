package mailmsg

import (
	"regexp"
	"strings"
)

// bounceFormat is one mail server's plain-text bounce: how to recognise it
// and how its recipients are listed. Phrases are matched in ASCII lower case.
type bounceFormat struct {
	name      string
	signature []string       // the server's fixed wording
	delayed   []string       // wording of a delay warning
	recipient *regexp.Regexp // a line that starts a recipient block; group 1 is the address
}

// bounceFormats are the servers whose non-DSN bounces are read, most
// specific first.
var bounceFormats = []bounceFormat{
	{
		name:      "qmail",
		signature: []string{"qmail-send program", "i'm afraid i wasn't able to deliver your message"},
		delayed:   []string{"i'm still trying"},
		recipient: regexp.MustCompile(`^<([^<>\s]+@[^<>\s]+)>:\s*(.*)$`),
	},
	{
		name:      "postfix",
		signature: []string{"this is the mail system at host", "this is the postfix program at host"},
		delayed:   []string{"this is a warning only", "delayed mail"},
		recipient: regexp.MustCompile(`^<([^<>\s]+@[^<>\s]+)>(?: \(expanded from <[^>]*>\))?:\s*(.*)$`),
	},
	{
		name:      "exim",
		signature: []string{"created automatically by mail delivery software"},
		delayed:   []string{"has not yet been delivered"},
		recipient: regexp.MustCompile(`^ {2}([^<>\s:]+@[^<>\s:]+?)(?::.*)?$`),
	},
	{
		name:      "sendmail",
		signature: []string{"----- the following addresses had"},
		delayed:   []string{"transient non-fatal errors", "warning message only"},
		recipient: regexp.MustCompile(`^[ \t]*<?([^<>\s]+@[^<>\s.]+\.[^<>\s]+?)>?(?:\.\.\..*)?$`),
	},
}

// originalMarkers start the copy of the returned message in a bounce (at
// the start of a line, after dashes); the recipients are listed before it.
var originalMarkers = []string{"below this line is a copy of the message", "this is a copy of the message",
	"this is a copy of your message", "original message", "returned message", "the header of the original message",
	"transcript of session follows"}

// failurePhrases introduce the failed addresses in bounces of other servers
// (Exchange, Gmail, Yandex, Mail.ru, Lotus …).
var failurePhrases = []string{"delivery has failed to these recipients", "delivery failed to these recipients",
	"delivery to the following recipient failed", "delivery to the following recipients failed",
	"the following address(es) failed", "the following addresses failed", "the following recipients failed",
	"could not be delivered to", "wasn't delivered to", "message was not delivered", "unable to deliver",
	"undeliverable to", "не может быть доставлено", "не удалось доставить", "не доставлено",
	"konnte nicht zugestellt", "n'a pas pu être remis"}

var emailInText = regexp.MustCompile(`[A-Za-z0-9._%+'=-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)

// bounceTextLimit is how much of a bounce's text is searched for its
// recipients: servers list them first, and the regular expressions cost
// time in proportion to the text.
const bounceTextLimit = 32 << 10

// parseBounceText reads the recipients of a bounce written for people.
// format names the server recognised ("" when none was: then only a
// generic scan after a failure phrase is tried, and "text" is returned when
// it finds addresses).
func parseBounceText(text string) (format string, rcpts []Recipient) {
	head := text[:min(len(text), bounceTextLimit)]
	head = head[:originalStart(head)]
	lower := asciiLower(head)
	for _, f := range bounceFormats {
		if indexAny(lower, f.signature) < 0 {
			continue
		}
		action := "failed"
		if indexAny(lower, f.delayed) >= 0 {
			action = "delayed"
		}
		if rcpts = recipientBlocks(head, f.recipient, action); len(rcpts) > 0 {
			return f.name, rcpts
		}
	}
	for _, phrase := range failurePhrases {
		if i := strings.Index(lower, phrase); i >= 0 {
			if rcpts = genericRecipients(head[i+len(phrase):]); len(rcpts) > 0 {
				return "text", rcpts
			}
		}
	}
	return "", nil
}

// originalStart is where the copy of the returned message begins: a line
// of dashes and a marker, or len(text).
func originalStart(text string) int {
	at := 0
	for line := range strings.Lines(text) {
		l := strings.TrimLeft(asciiLower(line), " \t")
		if strings.HasPrefix(l, "--") || strings.HasPrefix(l, "original message follows") {
			l = strings.TrimLeft(l, "- ")
			for _, m := range originalMarkers {
				if strings.HasPrefix(l, m) {
					return at
				}
			}
		}
		at += len(line)
	}
	return len(text)
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay valid.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// indexAny returns the offset of the first phrase found in s, or -1.
func indexAny(s string, phrases []string) int {
	for _, p := range phrases {
		if i := strings.Index(s, p); i >= 0 {
			return i
		}
	}
	return -1
}

// recipientBlocks collects each line matching re with the lines that
// follow it, up to a blank line, as its diagnostic.
func recipientBlocks(text string, re *regexp.Regexp, action string) []Recipient {
	var out []Recipient
	var cur *Recipient
	var diag []string
	closeBlock := func() {
		if cur != nil {
			cur.Diagnostic = collapseSpace(strings.Join(diag, " "))
			out = append(out, judge(*cur))
			cur, diag = nil, nil
		}
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if m := matchAddressLine(re, line); m != nil && normEmail(m[1]) != "" && len(out) < maxRecipients {
			closeBlock()
			cur = &Recipient{Address: normEmail(m[1]), Action: action}
			if len(m) > 2 {
				diag = append(diag, m[2])
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			closeBlock()
		} else if cur != nil {
			diag = append(diag, line)
		}
	}
	closeBlock()
	return dedupeRecipients(out)
}

// matchAddressLine applies a recipient pattern to lines that can hold one.
func matchAddressLine(re *regexp.Regexp, line string) []string {
	if len(line) > 1000 || !strings.Contains(line, "@") {
		return nil
	}
	return re.FindStringSubmatch(line)
}

// genericRecipients takes the addresses on the lines after a failure
// phrase, up to the first blank line after them.
func genericRecipients(text string) []Recipient {
	var out []Recipient
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if i > 30 || (strings.TrimSpace(line) == "" && len(out) > 0) {
			break
		}
		if !strings.Contains(line, "@") {
			continue
		}
		for _, a := range emailInText.FindAllString(clip(line, 1000), 5) {
			if email := normEmail(a); email != "" {
				r := Recipient{Address: email, Action: "failed", Diagnostic: collapseSpace(line)}
				out = append(out, judge(r))
			}
		}
	}
	return dedupeRecipients(out)
}

func dedupeRecipients(in []Recipient) []Recipient {
	seen := map[string]bool{}
	out := in[:0]
	for _, r := range in {
		if !seen[r.Address] {
			seen[r.Address] = true
			out = append(out, r)
		}
	}
	return out
}

// originalIDInText finds the Message-ID of the returned message quoted in a
// bounce's text.
var originalIDInText = regexp.MustCompile(`(?im)^[ \t]*Message-Id:[ \t]*<([^<>\s]+)>`)

func messageIDInText(text string) string {
	if m := originalIDInText.FindStringSubmatch(text[:min(len(text), 8*bounceTextLimit)]); m != nil {
		return m[1]
	}
	return ""
}

package mailmsg

import (
	"bufio"
	"regexp"
	"strings"
)

// Recipient is one recipient of a delivery report.
type Recipient struct {
	Address    string // normalised
	Action     string // failed, delayed, delivered, relayed, expanded; "" when not said
	Status     string // enhanced status code (RFC 3463), e.g. 5.1.1; "" when not said
	Diagnostic string // the receiving server's words, on one line
	RemoteMTA  string
	// Hard marks a permanent failure of the address itself (unknown user,
	// no such domain, disabled mailbox): the address is bouncing. A full
	// mailbox, a delay or a policy refusal of our mail is soft.
	Hard bool
}

// Failed reports whether delivery to this recipient failed for good.
func (r Recipient) Failed() bool { return r.Action == "failed" }

// DSN is a delivery status notification (RFC 3464).
type DSN struct {
	ReportingMTA       string
	OriginalEnvelopeID string
	Recipients         []Recipient
}

// maxRecipients bounds the recipients read from one report.
const maxRecipients = 1000

// ParseDSN reads the text of message/delivery-status parts: groups of
// fields separated by blank lines, the first about the message, then one
// per recipient. It is lenient: groups without a recipient (the prose some
// servers put in that part) are skipped, a missing Status is taken from the
// diagnostic, a missing Action from the status class. It never fails; a
// report it cannot read has no Recipients.
func ParseDSN(text string) DSN {
	var d DSN
	for _, group := range fieldGroups(text) {
		if len(d.Recipients) >= maxRecipients {
			break
		}
		if v := group["reporting-mta"]; v != "" && d.ReportingMTA == "" {
			d.ReportingMTA = typedValue(v)
		}
		if v := group["original-envelope-id"]; v != "" && d.OriginalEnvelopeID == "" {
			d.OriginalEnvelopeID = strings.TrimSpace(v)
		}
		addr := normEmail(typedValue(group["final-recipient"]))
		if addr == "" {
			addr = normEmail(typedValue(group["original-recipient"]))
		}
		if addr == "" {
			continue
		}
		r := Recipient{
			Address:    addr,
			Action:     strings.ToLower(firstWord(group["action"])),
			Status:     enhancedStatus(group["status"]),
			Diagnostic: typedValue(group["diagnostic-code"]),
			RemoteMTA:  typedValue(group["remote-mta"]),
		}
		d.Recipients = append(d.Recipients, judge(r))
	}
	return d
}

// fieldGroups splits text into blank-line separated groups of fields,
// joining continuation lines; names are lower-cased, the first value wins.
func fieldGroups(text string) []map[string]string {
	var groups []map[string]string
	cur := map[string]string{}
	last := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), maxReportBytes)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.TrimSpace(line) == "":
			if len(cur) > 0 {
				groups = append(groups, cur)
				cur = map[string]string{}
			}
			last = ""
		case (line[0] == ' ' || line[0] == '\t') && last != "":
			cur[last] += " " + strings.TrimSpace(line)
		default:
			name, value, ok := strings.Cut(line, ":")
			name = strings.ToLower(strings.TrimSpace(name))
			if !ok || name == "" || strings.ContainsAny(name, " \t") {
				last = ""
				continue
			}
			if _, dup := cur[name]; dup {
				last = ""
				continue
			}
			cur[name], last = strings.TrimSpace(value), name
		}
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

// typedValue drops the type of "rfc822; user@example.com" or "smtp; 550 …".
func typedValue(v string) string {
	if _, after, ok := strings.Cut(v, ";"); ok {
		v = after
	}
	return collapseSpace(v)
}

func firstWord(v string) string {
	f := strings.Fields(v)
	if len(f) == 0 {
		return ""
	}
	return strings.Trim(f[0], ";,()")
}

var (
	enhancedCode = regexp.MustCompile(`\b([245])\.(\d{1,3})\.(\d{1,3})\b`)
	smtpCode     = regexp.MustCompile(`\b([245])\d\d\b`)
	// softWords mark a failure that is about the moment or about our mail,
	// not about the address.
	softWords = regexp.MustCompile(`(?i)quota|mailbox (is )?full|mailbox size|insufficient (system )?storage|too many|try again later|temporar|greylist|rate limit|spam|blocked|blacklist|block ?list|reputation|policy`)
)

func enhancedStatus(v string) string {
	return enhancedCode.FindString(v)
}

// judge fills in what a report left out and decides hard or soft.
func judge(r Recipient) Recipient {
	if r.Status == "" {
		r.Status = enhancedStatus(r.Diagnostic)
	}
	class := ""
	if r.Status != "" {
		class = r.Status[:1]
	} else if m := smtpCode.FindStringSubmatch(r.Diagnostic); m != nil {
		class = m[1]
	}
	if r.Action == "" {
		switch class {
		case "5":
			r.Action = "failed"
		case "4":
			r.Action = "delayed"
		case "2":
			r.Action = "delivered"
		}
	}
	r.Hard = r.Action == "failed" && class != "4" && hardStatus(r.Status) && !softWords.MatchString(r.Diagnostic)
	return r
}

// hardStatus reports whether a permanent status code blames the address
// (RFC 3463 subjects): addressing (X.1.*), a disabled mailbox (X.2.0, X.2.1),
// an unroutable destination (X.4.4), sendmail's catch-all 5.3.0 for unknown
// users, or no code at all. Full mailboxes, message size, protocol, content
// and policy (X.7.*) refusals are soft.
func hardStatus(status string) bool {
	m := enhancedCode.FindStringSubmatch(status)
	if m == nil {
		return true
	}
	switch subject, detail := m[2], m[3]; subject {
	case "0", "1":
		return true
	case "2":
		return detail == "0" || detail == "1"
	case "3":
		return detail == "0"
	case "4":
		return detail == "4"
	}
	return false
}

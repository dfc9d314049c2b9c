package model

import (
	"slices"
	"strings"
)

// EventContactErased is the domain event of a privacy erasure: the erased
// contact's tombstone (a delete whose personal fields are cleared) carries it.
const EventContactErased = "contact.erased"

// Keep-list entries: what an erasure leaves in place because the law of the
// installation requires it. The installation names them (rapport's
// --privacy-keep); DefaultPrivacyKeep applies otherwise.
const (
	// KeepInvoices keeps issued invoices and credit notes that name the
	// person as issued (tax law), and the person's name and postal
	// addresses on the erased contact: the billing name and address.
	KeepInvoices = "invoices"
	// KeepOrders keeps confirmed and fulfilled orders that name the person
	// (commercial records), with the name and addresses as for invoices.
	KeepOrders = "orders"
	// KeepContracts keeps service contracts that name the person, except
	// drafts, with the name and addresses as for invoices.
	KeepContracts = "contracts"
	// KeepSuppressions keeps the person's addresses on the mail
	// suppression list, so that no mail goes to them again.
	KeepSuppressions = "suppressions"
)

// PrivacyKeepChoices lists every keep-list entry with what it keeps.
var PrivacyKeepChoices = map[string]string{
	KeepInvoices:     "issued invoices and credit notes naming the person stay as issued; the erased contact keeps the name and postal addresses they were billed to",
	KeepOrders:       "confirmed and fulfilled orders naming the person stay; the erased contact keeps the name and postal addresses",
	KeepContracts:    "service contracts naming the person (not drafts) stay; the erased contact keeps the name and postal addresses",
	KeepSuppressions: "the person's e-mail addresses stay on the suppression list, so nothing is mailed to them again",
}

// DefaultPrivacyKeep is the keep-list when the installation names none:
// issued invoices (tax law).
var DefaultPrivacyKeep = []string{KeepInvoices}

// ParsePrivacyKeep reads a comma-separated keep-list ("invoices,contracts");
// "none" keeps nothing and "" is DefaultPrivacyKeep. Unknown entries are
// EINVALID, naming the choices.
func ParsePrivacyKeep(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return slices.Clone(DefaultPrivacyKeep), nil
	case "none":
		return []string{}, nil
	}
	out := []string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		if _, ok := PrivacyKeepChoices[part]; !ok {
			choices := make([]string, 0, len(PrivacyKeepChoices))
			for k := range PrivacyKeepChoices {
				choices = append(choices, k)
			}
			slices.Sort(choices)
			return nil, Errorf(EINVALID, "unknown privacy keep-list entry %q: choose from %s, or none", part, strings.Join(choices, ", "))
		}
		if !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	slices.Sort(out)
	return out, nil
}

package model

import (
	"slices"
	"testing"
)

func TestParsePrivacyKeep(t *testing.T) {
	for in, want := range map[string][]string{
		"":                                 DefaultPrivacyKeep,
		"none":                             {},
		"invoices":                         {KeepInvoices},
		" Contracts , invoices,contracts ": {KeepContracts, KeepInvoices},
		"suppressions,orders":              {KeepOrders, KeepSuppressions},
	} {
		got, err := ParsePrivacyKeep(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"receipts", "invoices,", "none,invoices"} {
		if _, err := ParsePrivacyKeep(bad); ErrorCode(err) != EINVALID {
			t.Errorf("%q: %v", bad, err)
		}
	}
	got, _ := ParsePrivacyKeep("")
	got[0] = "changed"
	if DefaultPrivacyKeep[0] != KeepInvoices {
		t.Error("the default keep-list shares its array with callers")
	}
	if DomainEvents[EventContactErased] == "" || !ValidEventPattern(EventContactErased) || EventEntity(EventContactErased) != "contact" {
		t.Error("contact.erased is not in the webhook catalogue")
	}
}

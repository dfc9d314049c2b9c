package model

import (
	"strings"
	"testing"
)

func TestIntakeContact(t *testing.T) {
	c, company, err := Intake{"first_name": "Ada", "email": "ada@example.com", "mobile": "+44 20 7946 0000", "tags": "a, ,b",
		"city": "London", "custom_fields.size": "L", "birthday": "1815-12-10", "website": "https://ada.example"}.Contact()
	if err != nil || company != "" || c.Emails[0].Value != "ada@example.com" || c.Phones[0].Type != "mobile" ||
		strings.Join(c.Tags, "|") != "a|b" || c.Addresses[0].City != "London" || c.CustomFields["size"] != "L" ||
		c.Birthday.String() != "1815-12-10" || c.URLs[0].Value != "https://ada.example" {
		t.Fatalf("%+v %q %v", c, company, err)
	}
	if _, _, err := (Intake{"birthday": "10.12.1815"}).Contact(); ErrorCode(err) != EINVALID {
		t.Errorf("bad birthday: %v", err)
	}
	if c, _, _ := (Intake{"email": "x@example.com"}).Contact(); len(c.Addresses) != 0 || len(c.Phones) != 0 {
		t.Errorf("empty values made entries: %+v", c)
	}
}

// FuzzInboundHookIntake: any payload either maps or is refused as
// invalid; nothing panics.
func FuzzInboundHookIntake(f *testing.F) {
	f.Add([]byte(`{"data":{"email":"a@example.com","tags":["x","y"],"n":1.5}}`), "data.email")
	f.Add([]byte(`[1,2,{"a":null}]`), "#.a")
	f.Add([]byte(`{"a":{"b":{"c":[[1]]}}}`), "a.b.c")
	f.Fuzz(func(t *testing.T, payload []byte, path string) {
		h := &InboundHook{IntakeRules: IntakeRules{Mapping: map[string]string{"email": path, "tags": path}, Required: []string{"email"}}}
		in, err := h.Intake(payload)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("%v", err)
			}
			return
		}
		if _, _, err := in.Contact(); err != nil && ErrorCode(err) != EINVALID {
			t.Fatalf("%v", err)
		}
	})
}

package icalmap

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"rapport/model"
)

func TestEmptyCalendarStillEncodes(t *testing.T) {
	var b bytes.Buffer
	if err := ical.NewEncoder(&b).Encode(Calendar("Empty", nil, nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := ical.NewDecoder(&b).Decode(); err != nil {
		t.Fatal(err)
	}
}

func TestTaskAndCancelledCall(t *testing.T) {
	a := model.Activity{Kind: model.KindTask, Subject: "Task; with, commas", Status: "completed", Priority: "urgent", PercentComplete: 100}
	c := Component(&a, nil)
	var b bytes.Buffer
	cal := Calendar("x", []model.Activity{a}, nil)
	if err := ical.NewEncoder(&b).Encode(cal); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"STATUS:COMPLETED", "PRIORITY:1", "PERCENT-COMPLETE:100", `SUMMARY:Task\; with\, commas`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if c.Name != ical.CompToDo {
		t.Fatal(c.Name)
	}
}

func TestLongLinesFoldAtUTF8Boundaries(t *testing.T) {
	a := model.Activity{Kind: model.KindTask, Subject: strings.Repeat("Длинная тема встречи ", 12), Status: "needs_action", Priority: "low"}
	var b bytes.Buffer
	if err := Encode(&b, Calendar("x", []model.Activity{a}, nil)); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(b.String(), "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Fatalf("line of %d octets (valid UTF-8: %v): %q", len(l), utf8.ValidString(l), l)
		}
	}
	cal, err := ical.NewDecoder(&b).Decode()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := cal.Children[0].Props.Text(ical.PropSummary); got != a.Subject {
		t.Fatalf("unfolded %q", got)
	}
}

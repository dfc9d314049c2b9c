package icalmap

import (
	"bytes"
	"strings"
	"testing"

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

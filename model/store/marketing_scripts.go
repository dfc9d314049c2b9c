package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"rapport/model"
)

// RunScript stores a call's pass through a script in one transaction:
// answers are checked against the script's branching, the questions and
// answers are appended to the call's description (where every client, the
// CalDAV ones included, shows them) with the call linked to the script and
// the record, and mapped answers are written into the lead or contact.
func (s *Store) RunScript(ctx context.Context, scriptID string, run model.ScriptRun) (*model.ScriptResult, error) {
	var out *model.ScriptResult
	err := s.WithTx(ctx, func(ctx context.Context) error {
		sc, err := Get[model.Script](ctx, s, scriptID)
		if err != nil {
			return err
		}
		qs, texts, err := sc.Path(run.Answers)
		if err != nil {
			return err
		}
		if t := run.ApplyTo; t != nil && (!slices.Contains(model.MemberEntities, t.Entity) || !model.ValidID(t.ID)) {
			return fieldErr("apply_to", "a lead or contact: {\"entity\": \"lead\", \"id\": \"…\"}")
		}
		act, err := s.recordScriptCall(ctx, sc, run, qs, texts)
		if err != nil {
			return err
		}
		out = &model.ScriptResult{Activity: act, Applied: map[string]string{}, Skipped: []string{}}
		return s.applyAnswers(ctx, run.ApplyTo, qs, texts, out)
	})
	return out, err
}

// recordScriptCall appends the questions and answers to the call activity
// and links it to the script and the record.
func (s *Store) recordScriptCall(ctx context.Context, sc *model.Script, run model.ScriptRun, qs []*model.ScriptQuestion,
	texts []string) (*model.Activity, error) {
	act, err := Update(ctx, s, run.ActivityID, 0, func(a *model.Activity) error {
		if a.Kind != model.KindCall {
			return fieldErr("activity_id", "a script's answers go on a call, not a "+a.Kind)
		}
		var b strings.Builder
		if a.Description != "" {
			b.WriteString(a.Description + "\n\n")
		}
		fmt.Fprintf(&b, "Script “%s”:\n", sc.Name)
		for i, q := range qs {
			fmt.Fprintf(&b, "Q: %s\nA: %s\n", q.Text, texts[i])
		}
		a.Description = strings.TrimRight(b.String(), "\n")
		a.Links = appendLink(a.Links, model.Link{Entity: "script", ID: sc.ID})
		if t := run.ApplyTo; t != nil {
			a.Links = appendLink(a.Links, model.Link{Entity: t.Entity, ID: t.ID})
		}
		return nil
	})
	if model.ErrorCode(err) == model.ENOTFOUND {
		return nil, fieldErr("activity_id", "no activity with id "+run.ActivityID)
	}
	return act, err
}

func appendLink(links []model.Link, l model.Link) []model.Link {
	if slices.Contains(links, l) {
		return links
	}
	return append(links, l)
}

// applyAnswers writes the mapped answers into the target record.
func (s *Store) applyAnswers(ctx context.Context, t *model.ScriptTarget, qs []*model.ScriptQuestion, texts []string,
	out *model.ScriptResult) error {
	if t == nil {
		return nil
	}
	set := func(fields map[string]*string, custom *map[string]any) {
		for i, q := range qs {
			if q.MapsTo != "" {
				setAnswer(fields, custom, q.MapsTo, texts[i], out)
			}
		}
	}
	var err error
	if t.Entity == "lead" {
		_, err = Update(ctx, s, t.ID, 0, func(l *model.Lead) error {
			set(map[string]*string{"title": &l.Title, "company": &l.Company, "industry": &l.Industry, "website": &l.Website,
				"language": &l.Language, "notes": &l.Notes}, &l.CustomFields)
			return nil
		})
	} else {
		_, err = Update(ctx, s, t.ID, 0, func(c *model.Contact) error {
			set(map[string]*string{"title": &c.Title, "language": &c.Language, "notes": &c.Notes}, &c.CustomFields)
			return nil
		})
	}
	if model.ErrorCode(err) == model.ENOTFOUND {
		return fieldErr("apply_to.id", "no "+t.Entity+" with id "+t.ID)
	}
	return prefixFields(err, t.Entity+".")
}

// setAnswer writes one answer: notes get it as a new line, custom fields
// and the other fields take it; a field the record lacks is reported.
func setAnswer(fields map[string]*string, custom *map[string]any, field, value string, out *model.ScriptResult) {
	if name, ok := strings.CutPrefix(field, "custom_fields."); ok {
		if *custom == nil {
			*custom = map[string]any{}
		}
		(*custom)[name] = value
		out.Applied[field] = value
		return
	}
	p, ok := fields[field]
	switch {
	case !ok:
		out.Skipped = append(out.Skipped, field)
		return
	case field == "notes" && *p != "":
		*p += "\n" + value
	default:
		*p = value
	}
	out.Applied[field] = value
}

package model

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Script question kinds.
const (
	QuestionText   = "text"
	QuestionChoice = "choice"
	QuestionNumber = "number"
	QuestionYesNo  = "yes_no"
)

// QuestionKinds lists the kinds a script question may have.
var QuestionKinds = []string{QuestionText, QuestionChoice, QuestionNumber, QuestionYesNo}

// ScriptFields are the lead and contact fields a script's answers may be
// written to (besides custom_fields.<name>): descriptive text a caller
// learns on the phone, never names, addresses, owners or statuses, which
// other rules keep consistent. Notes take the answer as a new line.
var ScriptFields = map[string][]string{
	"lead":    {"title", "company", "industry", "website", "language", "notes"},
	"contact": {"title", "language", "notes"},
}

// ScriptChoice is one answer of a choice or yes/no question, and the
// question it leads to (empty: the question's default next).
type ScriptChoice struct {
	Value string `json:"value"`
	Next  string `json:"next,omitempty"`
}

// ScriptQuestion is one step of a script.
type ScriptQuestion struct {
	ID      string         `json:"id"`
	Text    string         `json:"text"`
	Kind    string         `json:"kind"`
	Choices []ScriptChoice `json:"choices,omitempty"`
	// Next is the question after this one unless the answer's choice says
	// otherwise; empty ends the script.
	Next string `json:"next,omitempty"`
	// MapsTo names the lead or contact field the answer is written to.
	MapsTo string `json:"maps_to,omitempty"`
}

// Script is a telemarketing script: questions with branching by answer. The
// first question is where every call starts.
type Script struct {
	Meta
	Name        string           `gorm:"size:200;not null" json:"name"`
	Description string           `json:"description"`
	Questions   []ScriptQuestion `gorm:"serializer:json" json:"questions"`
	SortName    string           `gorm:"size:200;not null" json:"-"`
}

// Entity implements Record.
func (*Script) Entity() string { return "script" }

// SearchKeys returns the folded words q= matches.
func (s *Script) SearchKeys() []SearchKey { return wordKeys(s.Name) }

// Normalize implements Record.
func (s *Script) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.SortName = Fold(s.Name)
	for i := range s.Questions {
		q := &s.Questions[i]
		q.ID, q.Text, q.Next, q.MapsTo = strings.TrimSpace(q.ID), strings.TrimSpace(q.Text), strings.TrimSpace(q.Next), strings.TrimSpace(q.MapsTo)
		q.Kind = strings.ToLower(strings.TrimSpace(q.Kind))
		for j := range q.Choices {
			q.Choices[j].Value, q.Choices[j].Next = strings.TrimSpace(q.Choices[j].Value), strings.TrimSpace(q.Choices[j].Next)
		}
	}
	if s.Questions == nil {
		s.Questions = []ScriptQuestion{}
	}
}

var questionID = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// maxQuestions bounds a script.
const maxQuestions = 200

// Validate implements Record: every question well formed, ids unique,
// every next naming a question, and the graph from the first question free
// of cycles and reaching every question.
func (s *Script) Validate() error {
	fe := FieldErrors{}
	if s.Name == "" {
		fe.Add("name", "required")
	}
	if len(s.Questions) == 0 || len(s.Questions) > maxQuestions {
		fe.Add("questions", "give 1 to 200 questions; the first is where a call starts")
		return fe.Err()
	}
	seen := map[string]bool{}
	for i, q := range s.Questions {
		name := "questions[" + itoa(i) + "]"
		if !questionID.MatchString(q.ID) || seen[q.ID] {
			fe.Add(name+".id", "a unique id of 1 to 64 characters a-z, 0-9, _ and -")
		}
		seen[q.ID] = true
		q.validate(fe, name)
	}
	if len(fe) == 0 {
		s.validateGraph(fe, seen)
	}
	return fe.Err()
}

// validate checks one question on its own.
func (q *ScriptQuestion) validate(fe FieldErrors, name string) {
	if q.Text == "" || len(q.Text) > 2000 {
		fe.Add(name+".text", "1 to 2000 bytes")
	}
	if !contains(QuestionKinds, q.Kind) {
		fe.Add(name+".kind", "one of "+strings.Join(QuestionKinds, ", "))
	}
	switch {
	case q.Kind == QuestionChoice && len(q.Choices) == 0:
		fe.Add(name+".choices", "a choice question needs choices")
	case (q.Kind == QuestionText || q.Kind == QuestionNumber) && len(q.Choices) > 0:
		fe.Add(name+".choices", "only choice and yes_no questions have choices")
	}
	values := map[string]bool{}
	for j, c := range q.Choices {
		if c.Value == "" || values[c.Value] || (q.Kind == QuestionYesNo && c.Value != "yes" && c.Value != "no") {
			fe.Add(name+".choices["+itoa(j)+"].value", "unique and not empty (yes or no for yes_no)")
		}
		values[c.Value] = true
	}
	if q.MapsTo != "" && !validMapsTo(q.MapsTo) {
		fe.Add(name+".maps_to", "one of "+strings.Join(ScriptFields["lead"], ", ")+" or custom_fields.<name>")
	}
}

func validMapsTo(f string) bool {
	if name, ok := strings.CutPrefix(f, customFieldPrefix); ok {
		return name != "" && len(name) <= 64
	}
	return contains(ScriptFields["lead"], f) || contains(ScriptFields["contact"], f)
}

// nexts lists the questions q may lead to.
func (q *ScriptQuestion) nexts() []string {
	var out []string
	for _, c := range q.Choices {
		if c.Next != "" {
			out = append(out, c.Next)
		}
	}
	if q.Next != "" {
		out = append(out, q.Next)
	}
	return out
}

// validateGraph checks nexts, cycles and reachability with a depth-first
// walk from the first question.
func (s *Script) validateGraph(fe FieldErrors, ids map[string]bool) {
	byID := map[string]*ScriptQuestion{}
	for i := range s.Questions {
		byID[s.Questions[i].ID] = &s.Questions[i]
		for _, n := range s.Questions[i].nexts() {
			if !ids[n] {
				fe.Add("questions["+itoa(i)+"].next", "no question "+n)
			}
		}
	}
	if len(fe) > 0 {
		return
	}
	const (
		open = 1
		done = 2
	)
	state := map[string]int{}
	var walk func(id string) string
	walk = func(id string) string {
		state[id] = open
		for _, n := range byID[id].nexts() {
			if state[n] == open {
				return id + " → " + n
			}
			if state[n] == 0 {
				if c := walk(n); c != "" {
					return c
				}
			}
		}
		state[id] = done
		return ""
	}
	if c := walk(s.Questions[0].ID); c != "" {
		fe.Add("questions", "the branching has a cycle at "+c)
		return
	}
	for i, q := range s.Questions {
		if state[q.ID] == 0 {
			fe.Add("questions["+itoa(i)+"]", "cannot be reached from the first question")
		}
	}
}

// ScriptAnswer is the answer a call gave to one question.
type ScriptAnswer struct {
	QuestionID string `json:"question_id"`
	Answer     any    `json:"answer"`
}

// Path checks answers against the script: they must follow its branching
// from the first question (a call may end early), each fit its question's
// kind. It returns the questions answered and the answers as text.
func (s *Script) Path(answers []ScriptAnswer) ([]*ScriptQuestion, []string, error) {
	if len(answers) == 0 || len(answers) > maxQuestions {
		return nil, nil, fieldErr("answers", "give 1 to 200 answers")
	}
	qs := make([]*ScriptQuestion, 0, len(answers))
	texts := make([]string, 0, len(answers))
	expect := s.Questions[0].ID
	for i, a := range answers {
		name := "answers[" + itoa(i) + "]"
		if expect == "" {
			return nil, nil, fieldErr(name, "the script ended before this answer")
		}
		if a.QuestionID != expect {
			return nil, nil, fieldErr(name+".question_id", "off the script's path: the next question is "+expect)
		}
		q := s.question(expect)
		text, err := q.answerText(a.Answer)
		if err != nil {
			return nil, nil, fieldErr(name+".answer", err.Error())
		}
		qs, texts = append(qs, q), append(texts, text)
		expect = q.after(text)
	}
	return qs, texts, nil
}

func (s *Script) question(id string) *ScriptQuestion {
	i := slices.IndexFunc(s.Questions, func(q ScriptQuestion) bool { return q.ID == id })
	return &s.Questions[i]
}

// after returns the question that follows answer.
func (q *ScriptQuestion) after(answer string) string {
	for _, c := range q.Choices {
		if c.Value == answer && c.Next != "" {
			return c.Next
		}
	}
	return q.Next
}

// answerText checks an answer against the question's kind and returns it
// as text.
func (q *ScriptQuestion) answerText(v any) (string, error) {
	switch q.Kind {
	case QuestionNumber:
		if f, ok := v.(float64); ok {
			return strconv.FormatFloat(f, 'f', -1, 64), nil
		}
		if s, ok := v.(string); ok {
			if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				return strings.TrimSpace(s), nil
			}
		}
		return "", fmt.Errorf("a number")
	case QuestionYesNo:
		switch v {
		case true, "yes":
			return "yes", nil
		case false, "no":
			return "no", nil
		}
		return "", fmt.Errorf("yes or no")
	}
	s, ok := v.(string)
	s = strings.TrimSpace(s)
	if !ok || s == "" || len(s) > 2000 {
		return "", fmt.Errorf("text of 1 to 2000 bytes")
	}
	if q.Kind == QuestionChoice && !slices.ContainsFunc(q.Choices, func(c ScriptChoice) bool { return c.Value == s }) {
		return "", fmt.Errorf("one of the question's choices")
	}
	return s, nil
}

// ScriptTarget names the lead or contact a call's answers are written to.
type ScriptTarget struct {
	Entity string `json:"entity"` // lead or contact
	ID     string `json:"id"`
}

// ScriptRun is one call's pass through a script: the call activity the
// questions and answers are stored on, the answers in order, and
// optionally the record mapped answers go to.
type ScriptRun struct {
	ActivityID string         `json:"activity_id"`
	Answers    []ScriptAnswer `json:"answers"`
	ApplyTo    *ScriptTarget  `json:"apply_to"`
}

// ScriptResult is what a run wrote: the call, the fields set on the lead
// or contact, and the mapped fields that record does not have.
type ScriptResult struct {
	Activity *Activity         `json:"activity"`
	Applied  map[string]string `json:"applied"`
	Skipped  []string          `json:"skipped"`
}

package model

import (
	"regexp"
	"strings"
)

// Stage is one step of a sales cycle. Opportunities in a pipeline stand in
// one of its stages while open; winning or losing is their outcome, not a
// stage, so a deal lost in negotiation still shows where it was lost.
type Stage struct {
	// Key names the stage for good within its pipeline ("qualify");
	// renaming a stage keeps its key, so history and reports stay joined.
	Key  string `json:"key"`
	Name string `json:"name"`
	// Probability is the default win probability (0–100) of deals here.
	Probability int `json:"probability"`
	// ForecastCategory is the default category of deals here.
	ForecastCategory string `json:"forecast_category"`
	// Checklist lists the standard steps of this stage.
	Checklist []string `json:"checklist"`
}

// Forecast categories of an opportunity.
const (
	ForecastPipeline = "pipeline"
	ForecastBestCase = "best_case"
	ForecastCommit   = "commit"
	ForecastClosed   = "closed"
	ForecastOmitted  = "omitted" // lost or disqualified: out of the forecast
)

// ForecastCategories lists the categories a stage or deal may have.
var ForecastCategories = []string{ForecastPipeline, ForecastBestCase, ForecastCommit, ForecastClosed, ForecastOmitted}

// Pipeline is a sales-cycle model: ordered stages with default
// probabilities and checklists. An installation has several (new business,
// renewals, partners).
type Pipeline struct {
	Meta
	Name        string  `gorm:"size:200;not null" json:"name"`
	Description string  `json:"description"`
	Stages      []Stage `gorm:"serializer:json" json:"stages"`
	Active      bool    `gorm:"not null" json:"active"`
	SortOrder   int     `gorm:"not null" json:"sort_order"`
}

// Entity implements Record.
func (*Pipeline) Entity() string { return "pipeline" }

var stageKeyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Normalize implements Record. A stage without a key gets one from its name.
func (p *Pipeline) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.Description = strings.TrimSpace(p.Description)
	for i := range p.Stages {
		st := &p.Stages[i]
		st.Name = strings.TrimSpace(st.Name)
		st.Key = strings.ToLower(strings.TrimSpace(st.Key))
		if st.Key == "" {
			st.Key = slugKey(st.Name)
		}
		if st.ForecastCategory == "" {
			st.ForecastCategory = ForecastPipeline
		}
		if st.Checklist == nil {
			st.Checklist = []string{}
		}
	}
}

// slugKey makes a stage key from a name: "Needs analysis" → "needs-analysis".
func slugKey(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// Validate implements Record.
func (p *Pipeline) Validate() error {
	fe := FieldErrors{}
	if p.Name == "" {
		fe.Add("name", "required")
	}
	if len(p.Stages) == 0 {
		fe.Add("stages", "at least one stage")
	}
	if len(p.Stages) > 50 {
		fe.Add("stages", "at most 50 stages")
	}
	seen := map[string]bool{}
	for i, st := range p.Stages {
		at := "stages[" + itoa(i) + "]"
		switch {
		case st.Name == "":
			fe.Add(at+".name", "required")
		case !stageKeyPattern.MatchString(st.Key):
			fe.Add(at+".key", "lower-case letters, digits, - and _ (give a key for a name without Latin letters)")
		case seen[st.Key]:
			fe.Add(at+".key", "used by another stage")
		}
		seen[st.Key] = true
		if st.Probability < 0 || st.Probability > 100 {
			fe.Add(at+".probability", "from 0 to 100")
		}
		if !contains(ForecastCategories, st.ForecastCategory) {
			fe.Add(at+".forecast_category", "one of "+strings.Join(ForecastCategories, ", "))
		}
	}
	return fe.Err()
}

// Stage returns the stage with key, if the pipeline has it.
func (p *Pipeline) Stage(key string) (Stage, int, bool) {
	for i, st := range p.Stages {
		if st.Key == key {
			return st, i, true
		}
	}
	return Stage{}, -1, false
}

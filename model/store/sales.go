package store

import (
	"context"
	"slices"
	"strings"

	"rapport/model"
)

// writeRule derives and checks what a record's own Validate cannot, because
// it needs other records: it runs in the write's transaction after
// Normalize, before Validate, with prev nil on create. It may change rec
// and write rows of its own (history) in the same transaction.
type writeRule func(ctx context.Context, s *Store, rec, prev model.Record) error

// writeRules holds the rules per entity.
var writeRules = map[string]writeRule{
	"opportunity": opportunityRule,
	"pipeline":    pipelineRule,
}

// opportunityRule places a deal in its pipeline: the default pipeline when
// none is given, a stage that pipeline has (the first one by default), the
// stage's probability and forecast category unless overridden, when it
// closed, and a stage-history row for every stage it enters.
func opportunityRule(ctx context.Context, s *Store, rec, prev model.Record) error {
	o := rec.(*model.Opportunity)
	var old *model.Opportunity
	if prev != nil {
		old = prev.(*model.Opportunity)
	}
	p, err := s.pipelineFor(ctx, o.PipelineID)
	if err != nil {
		return err
	}
	o.PipelineID = p.ID
	if o.Stage == "" && old == nil {
		o.Stage = p.Stages[0].Key
	}
	stage, _, ok := p.Stage(o.Stage)
	if !ok {
		return fieldErr("stage", "pipeline "+p.Name+" has no stage "+o.Stage+"; its stages: "+stageKeys(p))
	}
	stageMoved := old == nil || old.Stage != o.Stage || old.PipelineID != o.PipelineID
	applyStageDefaults(o, old, stage, stageMoved)
	t := now()
	if stageMoved {
		o.StageChangedAt = t
		from := ""
		if old != nil {
			from = old.Stage
		}
		sc := &model.StageChange{OpportunityID: o.ID, PipelineID: o.PipelineID, FromStage: from, ToStage: o.Stage, At: t,
			ActorID: model.ActorFrom(ctx).UserID}
		if err := s.conn(ctx).Create(sc).Error; err != nil {
			return dbErr(err)
		}
	}
	switch {
	case o.IsOpen():
		o.ClosedAt = nil
	case old == nil || old.IsOpen():
		o.ClosedAt = &t
	}
	return nil
}

// applyStageDefaults gives an open deal its stage's probability (unless
// overridden) and, when the category was the old stage's default or is
// unset, the new stage's forecast category; the outcome rules then apply.
func applyStageDefaults(o, old *model.Opportunity, stage model.Stage, stageMoved bool) {
	if o.ProbabilityOverride == nil {
		o.Probability = stage.Probability
	}
	keepCategory := o.ForecastCategory != "" && !stageMoved
	if old != nil && stageMoved && o.ForecastCategory != old.ForecastCategory {
		keepCategory = true // changed along with the stage, on purpose
	}
	if !keepCategory || (old != nil && !old.IsOpen() && o.IsOpen()) {
		o.ForecastCategory = stage.ForecastCategory
	}
	o.Normalize() // the outcome's probability and category, the weighted amount
}

// pipelineFor loads a live pipeline, or the default one (the first active
// pipeline by sort order) when id is empty.
func (s *Store) pipelineFor(ctx context.Context, id string) (*model.Pipeline, error) {
	var p model.Pipeline
	q := s.conn(ctx).Where("deleted_at IS NULL")
	if id != "" {
		q = q.Where("id = ?", id)
	} else {
		q = q.Where("active = ?", true).Order("sort_order, created_at")
	}
	if err := q.Take(&p).Error; err != nil {
		if model.ErrorCode(dbErr(err)) == model.ENOTFOUND {
			if id == "" {
				return nil, fieldErr("pipeline_id", "no active pipeline; create one first (POST /api/v1/pipelines)")
			}
			return nil, fieldErr("pipeline_id", "no pipeline with id "+id)
		}
		return nil, dbErr(err)
	}
	return &p, nil
}

func stageKeys(p *model.Pipeline) string {
	keys := make([]string, len(p.Stages))
	for i, st := range p.Stages {
		keys[i] = st.Key
	}
	return strings.Join(keys, ", ")
}

// pipelineRule refuses to drop a stage that open deals still stand in.
func pipelineRule(ctx context.Context, s *Store, rec, prev model.Record) error {
	if prev == nil {
		return nil
	}
	p, old := rec.(*model.Pipeline), prev.(*model.Pipeline)
	var dropped []string
	for _, st := range old.Stages {
		if _, _, ok := p.Stage(st.Key); !ok {
			dropped = append(dropped, st.Key)
		}
	}
	if len(dropped) == 0 {
		return nil
	}
	var used []string
	err := s.conn(ctx).Model(&model.Opportunity{}).Distinct("stage").
		Where("pipeline_id = ? AND stage IN ? AND deleted_at IS NULL", p.ID, dropped).Pluck("stage", &used).Error
	if err != nil {
		return dbErr(err)
	}
	if len(used) > 0 {
		slices.Sort(used)
		return model.Errorf(model.ECONFLICT, "deals still stand in stage %s; move them first", strings.Join(used, ", "))
	}
	return nil
}

// StageHistory returns the stages an opportunity went through, oldest
// first.
func (s *Store) StageHistory(ctx context.Context, opportunityID string) ([]model.StageChange, error) {
	if _, err := Get[model.Opportunity](ctx, s, opportunityID); err != nil {
		return nil, err
	}
	var out []model.StageChange
	return out, dbErr(s.conn(ctx).Where("opportunity_id = ?", opportunityID).Order("at, id").Find(&out).Error)
}

// fieldErr is an EINVALID error about one field.
func fieldErr(field, msg string) error {
	fe := model.FieldErrors{}
	fe.Add(field, msg)
	return fe.Err()
}

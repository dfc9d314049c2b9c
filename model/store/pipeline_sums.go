package store

import (
	"context"

	"rapport/model"
)

// StageSum is what a pipeline board shows of one stage in one currency:
// how many open deals stand there and their amounts.
type StageSum struct {
	PipelineID string
	Stage      string
	Currency   string
	Deals      int64
	Amount     model.Decimal
	Weighted   model.Decimal
}

// PipelineSums counts and sums a pipeline's open deals per stage and
// currency — every pipeline's when pipelineID is empty; the ones the actor
// in ctx may see (List's visibility), only ownerID's when it is not empty —
// in one query, whatever the number of deals. Amounts are not converted: a
// board sums each currency apart.
func (s *Store) PipelineSums(ctx context.Context, pipelineID, ownerID string) ([]StageSum, error) {
	q, err := visible(s.conn(ctx).Model(&model.Opportunity{}).Where("deleted_at IS NULL"), model.ActorFrom(ctx), "opportunity")
	if err != nil {
		return nil, err
	}
	q = q.Where("outcome = ?", model.OutcomeOpen)
	if pipelineID != "" {
		q = q.Where("pipeline_id = ?", pipelineID)
	}
	if ownerID != "" {
		q = q.Where("owner_id = ?", ownerID)
	}
	var out []StageSum
	err = q.Select("pipeline_id, stage, currency, COUNT(*) AS deals, SUM(amount) AS amount, SUM(weighted_amount) AS weighted").
		Group("pipeline_id, stage, currency").Order("pipeline_id, stage, currency").Scan(&out).Error
	return out, dbErr(err)
}

package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"rapport/model"
)

func init() {
	addReports(pipelineByStage, forecastReport, expectedRevenue, winLossByReason, winRateByRep, salesCycle,
		stageFunnel, stalledDeals, overdueNextSteps, competitorWinLoss, topAccounts, territoryPerformance)
}

// Column helpers.
func col(key, label, typ string) model.ReportColumn {
	return model.ReportColumn{Key: key, Label: label, Type: typ}
}

var (
	groupCols = []model.ReportColumn{col("group", "Group", model.ColText), col("label", "Name", model.ColText)}
	byParam   = model.ReportParam{Name: "group", Description: "what a row is", Default: "month",
		Choices: []string{"day", "week", "month", "quarter", "year", "owner", "team", "territory"}}
	pipelineParam = model.ReportParam{Name: "pipeline_id", Description: "the pipeline (default: the default pipeline)"}
)

// groupKey is a forecast-style grouping: the column that keys a row (the
// close date, bucketed afterwards by rebucket, or an owner, team or
// territory id), the GROUP BY that follows the close-date index column for
// column (so neither engine sorts the deals; the few thousand groups are
// folded in Go), and the entity the ids name.
func (r *reportRun) groupKey() (key, groupBy, entity string) {
	base := "close_date, outcome, forecast_category, currency"
	switch r.p.Values["group"] {
	case "owner":
		return "owner_id", base + ", owner_id", "user"
	case "team":
		return "team_id", base + ", owner_id, team_id", "team"
	case "territory":
		return "territory_id", base + ", owner_id, team_id, territory_id", "territory"
	}
	return "close_date", base, ""
}

// rebucket relabels rows keyed by a YYYY-MM-DD date with the date's bucket
// (model.BucketLabel) when the report groups by time. Grouping by the date
// in SQL follows the close-date index, so neither engine sorts the deals;
// the few hundred dates are folded here.
func (r *reportRun) rebucket(rows []map[string]any) {
	unit := r.p.Values["group"]
	if !slices.Contains(model.BucketUnits, unit) {
		return
	}
	for _, row := range rows {
		if d, err := time.Parse(model.DateLayout, text(row["k"])); err == nil {
			row["k"] = model.BucketLabel(d, unit)
		}
	}
}

// labelled turns groups into rows [key, label, values…]; entity names the
// records the keys are ids of ("" for time buckets, labelled as is).
func (r *reportRun) labelled(ctx context.Context, gs []*group, entity string, values func(g *group) []any) error {
	names := map[string]string{}
	if entity != "" {
		var err error
		if names, err = r.names(ctx, entity, keys(gs)); err != nil {
			return err
		}
	}
	for _, g := range gs {
		label := g.key
		if entity != "" {
			label = names[g.key]
			if g.key == "" {
				label = "(none)"
			}
		}
		r.res.Rows = append(r.res.Rows, append([]any{g.key, label}, values(g)...))
	}
	return nil
}

func (r *reportRun) dates() (string, string) {
	return r.p.From.Format(model.DateLayout), r.p.To.Format(model.DateLayout)
}

var pipelineByStage = &report{
	info: model.ReportInfo{Name: "pipeline_by_stage", Title: "Pipeline by stage",
		Description: "Open deals of a pipeline per stage, in stage order: count, amount and weighted amount (whatever their close date).",
		Params:      []model.ReportParam{pipelineParam},
		Columns: []model.ReportColumn{col("stage", "Stage", model.ColText), col("name", "Stage name", model.ColText),
			col("probability", "Probability", model.ColPercent), col("deals", "Deals", model.ColInt),
			col("amount", "Amount", model.ColMoney), col("weighted", "Weighted", model.ColMoney)}},
	run: func(ctx context.Context, r *reportRun) error {
		p, err := r.s.pipelineFor(ctx, r.p.Values["pipeline_id"])
		if err != nil {
			return err
		}
		q, err := r.from(ctx, "opportunity")
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select("stage AS k, currency, COUNT(*) AS deals, SUM(amount) AS amount, SUM(weighted_amount) AS weighted").
			Where("pipeline_id = ? AND outcome = ?", p.ID, model.OutcomeOpen).Group("stage, currency"))
		if err != nil {
			return err
		}
		gs, err := r.groups(ctx, rows, []string{"amount", "weighted"}, []string{"deals"})
		if err != nil {
			return err
		}
		byStage := map[string]*group{}
		for _, g := range gs {
			byStage[g.key] = g
		}
		for _, st := range p.Stages {
			g := byStage[st.Key]
			if g == nil {
				g = &group{money: map[string]model.Decimal{}, counts: map[string]int64{}}
			}
			r.res.Rows = append(r.res.Rows, []any{st.Key, st.Name, st.Probability, g.counts["deals"], g.money["amount"], g.money["weighted"]})
		}
		return nil
	},
}

var forecastReport = &report{
	info: model.ReportInfo{Name: "forecast", Title: "Forecast",
		Description: "Deals closing in the period by month (or week, quarter, rep, team, territory): open amounts per forecast category, the weighted amount (amount × probability) and what was won.",
		Params:      []model.ReportParam{byParam},
		Columns: append(slices.Clone(groupCols), col("deals", "Deals", model.ColInt), col("pipeline", "Pipeline", model.ColMoney),
			col("best_case", "Best case", model.ColMoney), col("commit", "Commit", model.ColMoney),
			col("weighted", "Weighted", model.ColMoney), col("closed_won", "Closed won", model.ColMoney))},
	run: func(ctx context.Context, r *reportRun) error {
		key, groupBy, entity := r.groupKey()
		q, err := r.from(ctx, "opportunity")
		if err != nil {
			return err
		}
		from, to := r.dates()
		// Grouped by outcome and category too, and split into columns
		// here: one sum per row costs the database less than five CASEs.
		rows, err := r.rows(q.Select(key+" AS k, outcome, forecast_category, currency, COUNT(*) AS deals, SUM(amount) AS amount, SUM(weighted_amount) AS weighted").
			Where("close_date >= ? AND close_date < ? AND outcome IN ?", from, to, []string{model.OutcomeOpen, model.OutcomeWon}).
			Group(groupBy))
		if err != nil {
			return err
		}
		r.rebucket(rows)
		for _, row := range rows {
			splitForecast(row)
		}
		gs, err := r.groups(ctx, rows, []string{"pipeline", "best_case", "commit_amount", "weighted", "closed_won"}, []string{"deals"})
		if err != nil {
			return err
		}
		slices.SortStableFunc(gs, func(a, b *group) int { return strings.Compare(a.key, b.key) })
		return r.labelled(ctx, gs, entity, func(g *group) []any {
			m := g.money
			return []any{g.counts["deals"], m["pipeline"], m["best_case"], m["commit_amount"], m["weighted"], m["closed_won"]}
		})
	},
}

// splitForecast spreads a (outcome, category) row's sums over the forecast
// columns: open amounts by category, the open weighted amount, won amounts.
func splitForecast(row map[string]any) {
	for _, c := range []string{"pipeline", "best_case", "commit_amount", "closed_won"} {
		row[c] = int64(0)
	}
	if text(row["outcome"]) == model.OutcomeWon {
		row["closed_won"], row["weighted"] = row["amount"], int64(0)
		return
	}
	switch cat := text(row["forecast_category"]); cat {
	case model.ForecastPipeline, model.ForecastBestCase:
		row[cat] = row["amount"]
	case model.ForecastCommit:
		row["commit_amount"] = row["amount"]
	}
}

var expectedRevenue = &report{
	info: model.ReportInfo{Name: "expected_revenue_by_close_month", Title: "Expected revenue by close month",
		Description: "Open deals by expected close month: amount and weighted amount.",
		Columns: []model.ReportColumn{col("month", "Month", model.ColText), col("deals", "Deals", model.ColInt),
			col("amount", "Amount", model.ColMoney), col("weighted", "Weighted", model.ColMoney)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "opportunity")
		if err != nil {
			return err
		}
		from, to := r.dates()
		rows, err := r.rows(q.Select("close_date AS k, currency, COUNT(*) AS deals, SUM(amount) AS amount, SUM(weighted_amount) AS weighted").
			Where("close_date >= ? AND close_date < ? AND outcome = ?", from, to, model.OutcomeOpen).Group("k, currency").Order("k"))
		if err != nil {
			return err
		}
		r.p.Values["group"] = "month"
		r.rebucket(rows)
		gs, err := r.groups(ctx, rows, []string{"amount", "weighted"}, []string{"deals"})
		for _, g := range gs {
			r.res.Rows = append(r.res.Rows, []any{g.key, g.counts["deals"], g.money["amount"], g.money["weighted"]})
		}
		return err
	},
}

// closed is a query on the deals decided in the period (by when they
// closed).
func (r *reportRun) closed(ctx context.Context) (*gorm.DB, error) {
	q, err := r.from(ctx, "opportunity")
	if err != nil {
		return nil, err
	}
	return q.Where("outcome <> ? AND closed_at >= ? AND closed_at < ?", model.OutcomeOpen, r.p.From.UTC(), r.p.To.UTC()), nil
}

var winLossByReason = &report{
	info: model.ReportInfo{Name: "win_loss_by_reason", Title: "Win/loss by reason",
		Description: "Deals decided in the period by outcome and reason.",
		Columns: []model.ReportColumn{col("outcome", "Outcome", model.ColText), col("reason", "Reason", model.ColText),
			col("deals", "Deals", model.ColInt), col("amount", "Amount", model.ColMoney)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.closed(ctx)
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select("outcome || '|' || outcome_reason AS k, currency, COUNT(*) AS deals, SUM(amount) AS amount").
			Group("k, currency").Order("k"))
		if err != nil {
			return err
		}
		gs, err := r.groups(ctx, rows, []string{"amount"}, []string{"deals"})
		for _, g := range gs {
			outcome, reason := cut(g.key)
			r.res.Rows = append(r.res.Rows, []any{outcome, reason, g.counts["deals"], g.money["amount"]})
		}
		return err
	},
}

var winRateByRep = &report{
	info: model.ReportInfo{Name: "win_rate_by_rep", Title: "Win rate by rep",
		Description: "Per owner, deals decided in the period: won, lost (or disqualified), the win rate and the amount won.",
		Columns: append(slices.Clone(groupCols), col("won", "Won", model.ColInt), col("lost", "Lost", model.ColInt),
			col("win_rate", "Win rate", model.ColPercent), col("won_amount", "Won amount", model.ColMoney))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.closed(ctx)
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select(`COALESCE(owner_id, '') AS k, currency,
			SUM(CASE WHEN outcome = 'won' THEN 1 ELSE 0 END) AS won, SUM(CASE WHEN outcome = 'won' THEN 0 ELSE 1 END) AS lost,
			SUM(CASE WHEN outcome = 'won' THEN amount ELSE 0 END) AS won_amount`).Group("k, currency").Order("k"))
		if err != nil {
			return err
		}
		gs, err := r.groups(ctx, rows, []string{"won_amount"}, []string{"won", "lost"})
		if err != nil {
			return err
		}
		return r.labelled(ctx, gs, "user", func(g *group) []any {
			won, lost := g.counts["won"], g.counts["lost"]
			return []any{won, lost, percent(won, won+lost), g.money["won_amount"]}
		})
	},
}

var salesCycle = &report{
	info: model.ReportInfo{Name: "sales_cycle_length", Title: "Sales-cycle length",
		Description: "Per owner, deals won in the period and the average days from creation to close.",
		Columns:     append(slices.Clone(groupCols), col("deals", "Deals won", model.ColInt), col("avg_days", "Average days", model.ColDecimal))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.closed(ctx)
		if err != nil {
			return err
		}
		days := "julianday(closed_at) - julianday(created_at)"
		if r.s.engine == "postgres" {
			days = "EXTRACT(EPOCH FROM closed_at - created_at) / 86400.0"
		}
		rows, err := r.rows(q.Select("COALESCE(owner_id, '') AS k, COUNT(*) AS deals, AVG("+days+") AS avg_days").
			Where("outcome = ?", model.OutcomeWon).Group("k").Order("k"))
		if err != nil {
			return err
		}
		ids := make([]string, len(rows))
		for i, row := range rows {
			ids[i] = text(row["k"])
		}
		names, err := r.names(ctx, "user", ids)
		for _, row := range rows {
			avg := model.Decimal{Decimal: decimalFromFloat(number(row["avg_days"]), 1)}
			r.res.Rows = append(r.res.Rows, []any{text(row["k"]), names[text(row["k"])], integer(row["deals"]), avg})
		}
		return err
	},
}

var stageFunnel = &report{
	info: model.ReportInfo{Name: "stage_funnel", Title: "Stage conversion funnel",
		Description: "Deals of a pipeline created in the period: how many reached each stage, and the share that went on to the next.",
		Params:      []model.ReportParam{pipelineParam},
		Columns: []model.ReportColumn{col("stage", "Stage", model.ColText), col("name", "Stage name", model.ColText),
			col("reached", "Reached", model.ColInt), col("to_next", "On to the next stage", model.ColPercent),
			col("won", "Won from here", model.ColInt)}},
	run: func(ctx context.Context, r *reportRun) error {
		p, err := r.s.pipelineFor(ctx, r.p.Values["pipeline_id"])
		if err != nil {
			return err
		}
		q, err := r.from(ctx, "opportunity")
		if err != nil {
			return err
		}
		cohort := q.Select("id, outcome").Where("pipeline_id = ? AND created_at >= ? AND created_at < ?", p.ID, r.p.From.UTC(), r.p.To.UTC())
		rows, err := r.rows(r.s.conn(ctx).Table("opportunity_stage_changes AS sc").Joins("JOIN (?) AS c ON c.id = sc.opportunity_id", cohort).
			Select("sc.to_stage AS k, COUNT(DISTINCT sc.opportunity_id) AS reached, COUNT(DISTINCT CASE WHEN c.outcome = 'won' THEN sc.opportunity_id END) AS won").
			Where("sc.pipeline_id = ?", p.ID).Group("sc.to_stage"))
		if err != nil {
			return err
		}
		reached, won := map[string]int64{}, map[string]int64{}
		for _, row := range rows {
			reached[text(row["k"])], won[text(row["k"])] = integer(row["reached"]), integer(row["won"])
		}
		for i, st := range p.Stages {
			next := int64(0)
			if i+1 < len(p.Stages) {
				next = reached[p.Stages[i+1].Key]
			} else {
				next = won[st.Key]
			}
			r.res.Rows = append(r.res.Rows, []any{st.Key, st.Name, reached[st.Key], percent(next, reached[st.Key]), won[st.Key]})
		}
		return nil
	},
}

var stalledDeals = &report{
	info: model.ReportInfo{Name: "stalled_deals", Title: "Stalled deals",
		Description: "Open deals that have not changed stage for a number of days (default 30), longest first.",
		Params:      []model.ReportParam{{Name: "days", Description: "days without a stage change", Default: "30"}},
		Columns: []model.ReportColumn{col("id", "Deal", model.ColText), col("name", "Name", model.ColText), col("owner", "Owner", model.ColText),
			col("stage", "Stage", model.ColText), col("days", "Days in stage", model.ColInt), col("amount", "Amount", model.ColMoney)}},
	run: func(ctx context.Context, r *reportRun) error {
		days, ok := r.p.Int("days", 30, 1, 3650)
		if !ok {
			return fieldErr("days", "a number of days from 1 to 3650")
		}
		q, err := r.from(ctx, "opportunity")
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		rows, err := r.rows(q.Select("id, name, owner_id, stage, stage_changed_at, amount, currency").
			Where("outcome = ? AND stage_changed_at < ?", model.OutcomeOpen, now.AddDate(0, 0, -days)).Order("stage_changed_at, id").Limit(1000))
		if err != nil {
			return err
		}
		return r.dealRows(ctx, rows, func(row map[string]any) any {
			t, _ := scannedTime(row["stage_changed_at"])
			return int64(now.Sub(t).Hours() / 24)
		})
	},
}

var overdueNextSteps = &report{
	info: model.ReportInfo{Name: "overdue_next_steps", Title: "Overdue next steps",
		Description: "Open deals whose next step was due before today (in the report's time zone), most overdue first.",
		Columns: []model.ReportColumn{col("id", "Deal", model.ColText), col("name", "Name", model.ColText), col("owner", "Owner", model.ColText),
			col("next_step", "Next step", model.ColText), col("due", "Due", model.ColDate), col("amount", "Amount", model.ColMoney)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "opportunity")
		if err != nil {
			return err
		}
		today := time.Now().In(r.p.TZ).Format(model.DateLayout)
		rows, err := r.rows(q.Select("id, name, owner_id, next_step AS stage, next_step_due, amount, currency").
			Where("outcome = ? AND next_step_due < ?", model.OutcomeOpen, today).Order("next_step_due, id").Limit(1000))
		if err != nil {
			return err
		}
		return r.dealRows(ctx, rows, func(row map[string]any) any { return text(row["next_step_due"]) })
	},
}

// dealRows lists deals as [id, name, owner, stage (or next step), extra,
// amount in base].
func (r *reportRun) dealRows(ctx context.Context, rows []map[string]any, extra func(map[string]any) any) error {
	owners := make([]string, len(rows))
	for i, row := range rows {
		owners[i] = text(row["owner_id"])
	}
	names, err := r.names(ctx, "user", owners)
	if err != nil {
		return err
	}
	for _, row := range rows {
		amount, err := r.toBase(ctx, row["amount"], text(row["currency"]))
		if err != nil {
			return err
		}
		r.res.Rows = append(r.res.Rows, []any{text(row["id"]), text(row["name"]), names[text(row["owner_id"])], text(row["stage"]), extra(row), amount})
	}
	return nil
}

var competitorWinLoss = &report{
	info: model.ReportInfo{Name: "competitor_win_loss", Title: "Competitor win/loss",
		Description: "Per competitor, deals decided in the period where it competed: won by us, lost to it, lost to others.",
		Columns: append(slices.Clone(groupCols), col("deals", "Deals", model.ColInt), col("won", "Won", model.ColInt),
			col("lost_to", "Lost to them", model.ColInt), col("win_rate", "Win rate", model.ColPercent))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.closed(ctx)
		if err != nil {
			return err
		}
		comp := r.s.conn(ctx).Table("competitors AS k").Where("k.deleted_at IS NULL")
		rows, err := r.rows(comp.Joins("JOIN (?) AS d ON d.competitor_ids LIKE '%\"' || k.id || '\"%' OR d.lost_to_id = k.id", q.Select("*")).
			Select(`k.id AS k, COUNT(*) AS deals, SUM(CASE WHEN d.outcome = 'won' THEN 1 ELSE 0 END) AS won,
				SUM(CASE WHEN d.lost_to_id = k.id THEN 1 ELSE 0 END) AS lost_to`).Group("k.id").Order("k.id"))
		if err != nil {
			return err
		}
		gs := make([]*group, len(rows))
		for i, row := range rows {
			gs[i] = &group{key: text(row["k"]), counts: map[string]int64{"deals": integer(row["deals"]), "won": integer(row["won"]), "lost_to": integer(row["lost_to"])}}
		}
		return r.labelled(ctx, gs, "competitor", func(g *group) []any {
			c := g.counts
			return []any{c["deals"], c["won"], c["lost_to"], percent(c["won"], c["deals"])}
		})
	},
}

var topAccounts = &report{
	info: model.ReportInfo{Name: "top_accounts", Title: "Top accounts",
		Description: "Accounts by the amount won in the period, largest first.",
		Params:      []model.ReportParam{limitParam("accounts", "10")},
		Columns:     append(slices.Clone(groupCols), col("deals", "Deals won", model.ColInt), col("won_amount", "Won amount", model.ColMoney))},
	run: func(ctx context.Context, r *reportRun) error {
		limit, err := r.limit(10)
		if err != nil {
			return err
		}
		q, err := r.closed(ctx)
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select("COALESCE(account_id, '') AS k, currency, COUNT(*) AS deals, SUM(amount) AS won_amount").
			Where("outcome = ? AND account_id IS NOT NULL", model.OutcomeWon).Group("k, currency"))
		if err != nil {
			return err
		}
		gs, err := r.groups(ctx, rows, []string{"won_amount"}, []string{"deals"})
		if err != nil {
			return err
		}
		sortGroups(gs, "won_amount")
		return r.labelled(ctx, gs[:min(limit, len(gs))], "account", func(g *group) []any {
			return []any{g.counts["deals"], g.money["won_amount"]}
		})
	},
}

var territoryPerformance = &report{
	info: model.ReportInfo{Name: "territory_performance", Title: "Territory performance",
		Description: "Per territory: the open pipeline and its weighted amount (deals closing in the period), and deals won and lost in the period.",
		Columns: append(slices.Clone(groupCols), col("open", "Open pipeline", model.ColMoney), col("weighted", "Weighted", model.ColMoney),
			col("won", "Won", model.ColInt), col("lost", "Lost", model.ColInt), col("won_amount", "Won amount", model.ColMoney),
			col("win_rate", "Win rate", model.ColPercent))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "opportunity")
		if err != nil {
			return err
		}
		from, to := r.dates()
		rows, err := r.rows(q.Select(`COALESCE(territory_id, '') AS k, currency,
			SUM(CASE WHEN outcome = 'open' AND close_date >= ? AND close_date < ? THEN amount ELSE 0 END) AS open_amount,
			SUM(CASE WHEN outcome = 'open' AND close_date >= ? AND close_date < ? THEN weighted_amount ELSE 0 END) AS weighted,
			SUM(CASE WHEN outcome = 'won' AND closed_at >= ? AND closed_at < ? THEN 1 ELSE 0 END) AS won,
			SUM(CASE WHEN outcome IN ('lost', 'disqualified') AND closed_at >= ? AND closed_at < ? THEN 1 ELSE 0 END) AS lost,
			SUM(CASE WHEN outcome = 'won' AND closed_at >= ? AND closed_at < ? THEN amount ELSE 0 END) AS won_amount`,
			from, to, from, to, r.p.From.UTC(), r.p.To.UTC(), r.p.From.UTC(), r.p.To.UTC(), r.p.From.UTC(), r.p.To.UTC()).
			Group("k, currency").Order("k"))
		if err != nil {
			return err
		}
		gs, err := r.groups(ctx, rows, []string{"open_amount", "weighted", "won_amount"}, []string{"won", "lost"})
		if err != nil {
			return err
		}
		return r.labelled(ctx, gs, "territory", func(g *group) []any {
			won, lost := g.counts["won"], g.counts["lost"]
			return []any{g.money["open_amount"], g.money["weighted"], won, lost, g.money["won_amount"], percent(won, won+lost)}
		})
	},
}

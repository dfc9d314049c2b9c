package store

import (
	"context"
	"slices"

	"rapport/model"
)

func init() {
	addReports(campaignROI, leadSources, leadsByStatus, activitiesPerRep, callTimePerRep)
}

var campaignROI = &report{
	info: model.ReportInfo{Name: "campaign_roi", Title: "Campaign ROI",
		Description: "Per campaign starting in the period: actual cost, leads, deals, deals won and their revenue, cost per lead, win rate and return on investment ((revenue − cost) / cost).",
		Columns: append(slices.Clone(groupCols), col("cost", "Cost", model.ColMoney), col("leads", "Leads", model.ColInt),
			col("deals", "Deals", model.ColInt), col("won", "Won", model.ColInt), col("revenue", "Won revenue", model.ColMoney),
			col("cost_per_lead", "Cost per lead", model.ColMoney), col("win_rate", "Win rate", model.ColPercent), col("roi", "ROI", model.ColPercent))},
	run: func(ctx context.Context, r *reportRun) error {
		from, to := r.dates()
		var camps []model.Campaign
		err := r.s.conn(ctx).Where("deleted_at IS NULL AND (start_date IS NULL OR (start_date >= ? AND start_date < ?))", from, to).
			Order("start_date, name").Find(&camps).Error
		if err != nil || len(camps) == 0 {
			return dbErr(err)
		}
		ids := make([]string, len(camps))
		for i, c := range camps {
			ids[i] = c.ID
		}
		leads, err := r.countBy(ctx, "lead", "campaign_id", ids)
		if err != nil {
			return err
		}
		q, err := r.from(ctx, "opportunity")
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select(`campaign_id AS k, currency, COUNT(*) AS deals, SUM(CASE WHEN outcome = 'won' THEN 1 ELSE 0 END) AS won,
			SUM(CASE WHEN outcome = 'won' THEN amount ELSE 0 END) AS revenue`).Where("campaign_id IN ?", ids).Group("k, currency"))
		if err != nil {
			return err
		}
		gs, err := r.groups(ctx, rows, []string{"revenue"}, []string{"deals", "won"})
		if err != nil {
			return err
		}
		byID := map[string]*group{}
		for _, g := range gs {
			byID[g.key] = g
		}
		for _, c := range camps {
			if err := r.campaignRow(ctx, &c, leads[c.ID], byID[c.ID]); err != nil {
				return err
			}
		}
		return nil
	},
}

// campaignRow adds one campaign's figures.
func (r *reportRun) campaignRow(ctx context.Context, c *model.Campaign, leads int64, g *group) error {
	if g == nil {
		g = &group{money: map[string]model.Decimal{}, counts: map[string]int64{}}
	}
	stored, _ := c.ActualCost.Value()
	cost, err := r.toBase(ctx, stored, c.Currency)
	if err != nil {
		return err
	}
	revenue := g.money["revenue"]
	var perLead, roi model.Decimal
	if leads > 0 {
		perLead = model.Decimal{Decimal: cost.Div(model.DecInt(leads).Decimal).Round(2)}
	}
	if cost.IsPositive() {
		roi = model.Decimal{Decimal: revenue.Sub(cost.Decimal).Mul(model.DecInt(100).Decimal).Div(cost.Decimal).Round(1)}
	}
	r.res.Rows = append(r.res.Rows, []any{c.ID, c.Name, cost, leads, g.counts["deals"], g.counts["won"], revenue, perLead,
		percent(g.counts["won"], g.counts["deals"]), roi})
	return nil
}

// countBy counts the visible live records of entity per value of column,
// for the given values.
func (r *reportRun) countBy(ctx context.Context, entity, column string, values []string) (map[string]int64, error) {
	q, err := r.from(ctx, entity)
	if err != nil {
		return nil, err
	}
	rows, err := r.rows(q.Select(column+" AS k, COUNT(*) AS n").Where(column+" IN ?", values).Group(column))
	out := map[string]int64{}
	for _, row := range rows {
		out[text(row["k"])] = integer(row["n"])
	}
	return out, err
}

var leadSources = &report{
	info: model.ReportInfo{Name: "lead_source_effectiveness", Title: "Lead source effectiveness",
		Description: "Leads created in the period per source channel: how many, how many were converted, and the revenue won from their deals.",
		Columns: []model.ReportColumn{col("source", "Source", model.ColText), col("leads", "Leads", model.ColInt),
			col("converted", "Converted", model.ColInt), col("conversion_rate", "Conversion rate", model.ColPercent),
			col("revenue", "Won revenue", model.ColMoney)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "lead")
		if err != nil {
			return err
		}
		won := r.s.conn(ctx).Table("opportunities").Where("deleted_at IS NULL AND outcome = ?", model.OutcomeWon)
		rows, err := r.rows(q.Joins("LEFT JOIN (?) AS o ON o.lead_id = t.id", won).
			Select(`t.source AS k, o.currency AS currency, COUNT(*) AS leads,
				SUM(CASE WHEN t.status = 'converted' THEN 1 ELSE 0 END) AS converted, SUM(COALESCE(o.amount, 0)) AS revenue`).
			Where("t.created_at >= ? AND t.created_at < ?", r.p.From.UTC(), r.p.To.UTC()).Group("t.source, o.currency").Order("t.source"))
		if err != nil {
			return err
		}
		gs, err := r.groups(ctx, rows, []string{"revenue"}, []string{"leads", "converted"})
		for _, g := range gs {
			label := g.key
			if label == "" {
				label = "(none)"
			}
			r.res.Rows = append(r.res.Rows, []any{label, g.counts["leads"], g.counts["converted"],
				percent(g.counts["converted"], g.counts["leads"]), g.money["revenue"]})
		}
		return err
	},
}

var leadsByStatus = &report{
	info: model.ReportInfo{Name: "leads_by_status", Title: "Leads by status",
		Description: "Leads created in the period per status, and their average qualification score.",
		Columns: []model.ReportColumn{col("status", "Status", model.ColText), col("leads", "Leads", model.ColInt),
			col("avg_score", "Average score", model.ColDecimal)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "lead")
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select("status AS k, COUNT(*) AS leads, AVG(score) AS avg_score").
			Where("created_at >= ? AND created_at < ?", r.p.From.UTC(), r.p.To.UTC()).Group("status").Order("status"))
		for _, row := range rows {
			r.res.Rows = append(r.res.Rows, []any{text(row["k"]), integer(row["leads"]),
				model.Decimal{Decimal: decimalFromFloat(number(row["avg_score"]), 1)}})
		}
		return err
	},
}

var activitiesPerRep = &report{
	info: model.ReportInfo{Name: "activities_per_rep", Title: "Activities per rep",
		Description: "Per owner, the activities on the timeline in the period by kind.",
		Columns: append(slices.Clone(groupCols), col("appointments", "Appointments", model.ColInt), col("calls", "Calls", model.ColInt),
			col("tasks", "Tasks", model.ColInt), col("emails", "E-mails", model.ColInt), col("notes", "Notes", model.ColInt),
			col("total", "Total", model.ColInt))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "activity")
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select(`COALESCE(owner_id, '') AS k,
			SUM(CASE WHEN kind = 'appointment' THEN 1 ELSE 0 END) AS appointments, SUM(CASE WHEN kind = 'call' THEN 1 ELSE 0 END) AS calls,
			SUM(CASE WHEN kind = 'task' THEN 1 ELSE 0 END) AS tasks, SUM(CASE WHEN kind = 'email' THEN 1 ELSE 0 END) AS emails,
			SUM(CASE WHEN kind = 'note' THEN 1 ELSE 0 END) AS notes, COUNT(*) AS total`).
			Where("sort_at >= ? AND sort_at < ?", r.p.From.UTC(), r.p.To.UTC()).Group("k").Order("k"))
		if err != nil {
			return err
		}
		gs := make([]*group, len(rows))
		for i, row := range rows {
			gs[i] = &group{key: text(row["k"]), counts: map[string]int64{}}
			for _, c := range []string{"appointments", "calls", "tasks", "emails", "notes", "total"} {
				gs[i].counts[c] = integer(row[c])
			}
		}
		return r.labelled(ctx, gs, "user", func(g *group) []any {
			c := g.counts
			return []any{c["appointments"], c["calls"], c["tasks"], c["emails"], c["notes"], c["total"]}
		})
	},
}

var callTimePerRep = &report{
	info: model.ReportInfo{Name: "call_time_per_rep", Title: "Call time per rep",
		Description: "Per owner, calls held in the period: how many, total and average minutes.", Columns: callTimeColumns},
	run: func(ctx context.Context, r *reportRun) error {
		return r.callTime(ctx, "COALESCE(owner_id, '')", "status = ?", "held")
	},
}

// callTimeColumns are the columns of the call-time reports.
var callTimeColumns = append(slices.Clone(groupCols), col("calls", "Calls", model.ColInt), col("minutes", "Minutes", model.ColDecimal),
	col("avg_minutes", "Average minutes", model.ColDecimal))

// callTime counts the calls of the period per user (key: the SQL of the
// user's id) that meet where: how many, total and average minutes.
func (r *reportRun) callTime(ctx context.Context, key, where string, args ...any) error {
	q, err := r.from(ctx, "activity")
	if err != nil {
		return err
	}
	rows, err := r.rows(q.Select(key+" AS k, COUNT(*) AS calls, SUM(duration_seconds) AS seconds").
		Where("kind = ? AND sort_at >= ? AND sort_at < ?", model.KindCall, r.p.From.UTC(), r.p.To.UTC()).Where(where, args...).
		Group("k").Order("k"))
	if err != nil {
		return err
	}
	return r.labelled(ctx, countGroups(rows, "calls", "seconds"), "user", func(g *group) []any {
		n, sec := g.counts["calls"], float64(g.counts["seconds"])
		return []any{n, model.Decimal{Decimal: decimalFromFloat(sec/60, 1)}, model.Decimal{Decimal: decimalFromFloat(sec/60/float64(max(n, 1)), 1)}}
	})
}

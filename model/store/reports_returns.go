package store

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"rapport/model"
)

func init() {
	addReports(rmaCounts, rmaTurnaround, rmaReasons, rmaActions, productsMostReturns, registrationsByProduct)
}

// periodParam groups a returns report by a time bucket.
var periodParam = model.ReportParam{Name: "group", Description: "the period a row is", Default: "month", Choices: model.BucketUnits}

// rmasMade is a query on the returns made in the period the caller may see.
func (r *reportRun) rmasMade(ctx context.Context) (*gorm.DB, error) {
	q, err := r.from(ctx, "rma")
	if err != nil {
		return nil, err
	}
	return q.Where("t.created_at >= ? AND t.created_at < ?", r.p.From.UTC(), r.p.To.UTC()), nil
}

var rmaCounts = &report{
	info: model.ReportInfo{Name: "rma_counts", Title: "Returns",
		Description: "Returns made in the period by status, or by day, week, month, quarter or year (in the report's time zone): how many, and how many are still open, closed and rejected.",
		Params: []model.ReportParam{{Name: "group", Description: "what a row is", Default: "status",
			Choices: append([]string{"status"}, model.BucketUnits...)}},
		Columns: append(slices.Clone(groupCols), col("returns", "Returns", model.ColInt), col("open", "Open", model.ColInt),
			col("closed", "Closed", model.ColInt), col("rejected", "Rejected", model.ColInt))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.rmasMade(ctx)
		if err != nil {
			return err
		}
		unit := r.p.Values["group"]
		key, args, byHour := "t.status", []any(nil), false
		if unit != "status" {
			key, args, byHour = r.timeBucketByHour("t.created_at", unit)
		}
		rows, err := r.rows(q.Select(key+` AS k, COUNT(*) AS returns,
			SUM(CASE WHEN t.status = 'closed' THEN 1 ELSE 0 END) AS closed,
			SUM(CASE WHEN t.status = 'rejected' THEN 1 ELSE 0 END) AS rejected`, args...).Group("k").Order("k"))
		if err != nil {
			return err
		}
		gs := countGroups(rows, "returns", "closed", "rejected")
		if byHour {
			gs = r.rebucketHours(gs, unit)
		}
		if unit == "status" {
			gs = inOrder(gs, model.RMAStatuses)
		}
		return r.labelled(ctx, gs, "", func(g *group) []any {
			done := g.counts["closed"] + g.counts["rejected"]
			return []any{g.counts["returns"], g.counts["returns"] - done, g.counts["closed"], g.counts["rejected"]}
		})
	},
}

// inOrder puts groups keyed by known values in the order of keys, the
// others after them.
func inOrder(gs []*group, keys []string) []*group {
	rank := func(g *group) int {
		if i := slices.Index(keys, g.key); i >= 0 {
			return i
		}
		return len(keys)
	}
	slices.SortStableFunc(gs, func(a, b *group) int { return rank(a) - rank(b) })
	return gs
}

var rmaTurnaround = &report{
	info: model.ReportInfo{Name: "rma_turnaround", Title: "Return turnaround",
		Description: "Returns shipped back (or closed without shipping) in the period, by when: how many, and the average and median days from receipt of the goods.",
		Params:      []model.ReportParam{periodParam},
		Columns: append(slices.Clone(groupCols), col("returns", "Returns", model.ColInt), col("avg_days", "Average days", model.ColDecimal),
			col("median_days", "Median days", model.ColDecimal))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "rma")
		if err != nil {
			return err
		}
		done := "COALESCE(t.shipped_at, t.closed_at)"
		rows, err := r.rows(q.Select("t.received_at AS received, "+done+" AS done").
			Where("t.received_at IS NOT NULL AND "+done+" >= ? AND "+done+" < ?", r.p.From.UTC(), r.p.To.UTC()))
		if err != nil {
			return err
		}
		days := map[string][]float64{}
		var order []string
		for _, row := range rows {
			received, ok1 := scannedTime(row["received"])
			finished, ok2 := scannedTime(row["done"])
			if !ok1 || !ok2 {
				continue
			}
			label := model.BucketLabel(finished.In(r.p.TZ), r.p.Values["group"])
			if _, seen := days[label]; !seen {
				order = append(order, label)
			}
			days[label] = append(days[label], finished.Sub(received).Hours()/24)
		}
		slices.Sort(order)
		for _, label := range order {
			d := days[label]
			r.res.Rows = append(r.res.Rows, []any{label, label, int64(len(d)),
				model.Decimal{Decimal: decimalFromFloat(mean(d), 1)}, model.Decimal{Decimal: decimalFromFloat(median(d), 1)}})
		}
		return nil
	},
}

// mean is the average of xs (0 for none).
func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(max(len(xs), 1))
}

// median is the middle of xs, or the mean of the two middle values (0 for
// none); xs is sorted in place.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	mid := len(xs) / 2
	if len(xs)%2 == 1 {
		return xs[mid]
	}
	return (xs[mid-1] + xs[mid]) / 2
}

// rmaLineCounts reports the lines of the returns made in the period per
// value of a line column (reason or action), in the order of values.
func (r *reportRun) rmaLineCounts(ctx context.Context, column string, values []string) error {
	q, err := r.rmasMade(ctx)
	if err != nil {
		return err
	}
	rows, err := r.rows(q.Joins("JOIN rma_lines l ON l.rma_id = t.id").
		Select("l." + column + " AS k, COUNT(DISTINCT t.id) AS returns, COUNT(*) AS lines, SUM(l.quantity) AS units").Group("l." + column))
	if err != nil {
		return err
	}
	gs := inOrder(countGroups(rows, "returns", "lines", "units"), values)
	var units int64
	for _, g := range gs {
		units += g.counts["units"]
	}
	return r.labelled(ctx, gs, "", func(g *group) []any {
		return []any{g.counts["returns"], g.counts["lines"], g.counts["units"], percent(g.counts["units"], units)}
	})
}

// lineCountColumns are the columns of the per-reason and per-action reports.
var lineCountColumns = append(slices.Clone(groupCols), col("returns", "Returns", model.ColInt), col("lines", "Lines", model.ColInt),
	col("units", "Units", model.ColInt), col("share", "Share of units", model.ColPercent))

var rmaReasons = &report{
	info: model.ReportInfo{Name: "rma_reasons", Title: "Why goods come back",
		Description: "Lines of the returns made in the period per reason: returns, lines, units and each reason's share of the units.",
		Columns:     lineCountColumns},
	run: func(ctx context.Context, r *reportRun) error { return r.rmaLineCounts(ctx, "reason", model.RMAReasons) },
}

var rmaActions = &report{
	info: model.ReportInfo{Name: "rma_actions", Title: "What is done with returned goods",
		Description: "Lines of the returns made in the period per action (repair, replace, refund): returns, lines, units and the share of the units.",
		Columns:     lineCountColumns},
	run: func(ctx context.Context, r *reportRun) error { return r.rmaLineCounts(ctx, "action", model.RMAActions) },
}

var productsMostReturns = &report{
	info: model.ReportInfo{Name: "products_most_returns", Title: "Products with most returns",
		Description: "Products by the units returned in the period (returns not rejected), most first, with the returns and how many came back defective.",
		Params:      []model.ReportParam{limitParam("products", "20")},
		Columns: append(slices.Clone(groupCols), col("units", "Units returned", model.ColInt), col("returns", "Returns", model.ColInt),
			col("defective", "Defective units", model.ColInt))},
	run: func(ctx context.Context, r *reportRun) error {
		limit, err := r.limit(20)
		if err != nil {
			return err
		}
		q, err := r.rmasMade(ctx)
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Joins("JOIN rma_lines l ON l.rma_id = t.id").
			Select("l.product_id AS k, SUM(l.quantity) AS units, COUNT(DISTINCT t.id) AS returns, "+
				"SUM(CASE WHEN l.reason = 'defective' THEN l.quantity ELSE 0 END) AS defective").
			Where("t.status <> ?", model.RMARejected).Group("l.product_id").Order("units DESC, k").Limit(limit))
		if err != nil {
			return err
		}
		return r.labelled(ctx, countGroups(rows, "units", "returns", "defective"), "product", func(g *group) []any {
			return []any{g.counts["units"], g.counts["returns"], g.counts["defective"]}
		})
	},
}

var registrationsByProduct = &report{
	info: model.ReportInfo{Name: "registrations_by_product", Title: "Registrations by product",
		Description: "Per product: units registered in the period, units in customers' hands now (active) and retired, and ownership transfers in the period.",
		Columns: append(slices.Clone(groupCols), col("registered", "Registered in period", model.ColInt), col("active", "Active now", model.ColInt),
			col("retired", "Retired", model.ColInt), col("transferred", "Transfers in period", model.ColInt))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "registration")
		if err != nil {
			return err
		}
		from, to := r.p.From.UTC(), r.p.To.UTC()
		transfers := r.s.conn(ctx).Table("registration_transfers").Select("registration_id, COUNT(*) AS n").
			Where("at >= ? AND at < ?", from, to).Group("registration_id")
		rows, err := r.rows(q.Joins("LEFT JOIN (?) AS x ON x.registration_id = t.id", transfers).
			Select(`t.product_id AS k, SUM(CASE WHEN t.created_at >= ? AND t.created_at < ? THEN 1 ELSE 0 END) AS registered,
				SUM(CASE WHEN t.status = 'active' THEN 1 ELSE 0 END) AS active, SUM(CASE WHEN t.status = 'retired' THEN 1 ELSE 0 END) AS retired,
				SUM(COALESCE(x.n, 0)) AS transferred`, from, to).
			Group("t.product_id").Order("registered DESC, active DESC, k"))
		if err != nil {
			return err
		}
		return r.labelled(ctx, countGroups(rows, "registered", "active", "retired", "transferred"), "product", func(g *group) []any {
			return []any{g.counts["registered"], g.counts["active"], g.counts["retired"], g.counts["transferred"]}
		})
	},
}

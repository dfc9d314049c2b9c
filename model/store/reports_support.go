package store

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"rapport/model"
)

func init() {
	addReports(requestVolume, requestBacklog, responseTimes, slaBreaches, timePerAgent, timeByProduct, topCategories,
		reopenRate, satisfaction, customersByRequests, agentWorkload, supportCallTime)
}

// created is a query on the requests created in the period.
func (r *reportRun) created(ctx context.Context) (*gorm.DB, error) {
	q, err := r.from(ctx, "request")
	if err != nil {
		return nil, err
	}
	return q.Where("created_at >= ? AND created_at < ?", r.p.From.UTC(), r.p.To.UTC()), nil
}

var requestVolume = &report{
	info: model.ReportInfo{Name: "request_volume", Title: "Request volume",
		Description: "Requests created in the period by day, week or month (in the report's time zone), channel, queue or priority.",
		Params: []model.ReportParam{{Name: "group", Description: "what a row is", Default: "day",
			Choices: []string{"day", "week", "month", "channel", "queue", "priority"}}},
		Columns: append(slices.Clone(groupCols), col("requests", "Requests", model.ColInt))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.created(ctx)
		if err != nil {
			return err
		}
		key, args, entity, byHour := "channel", []any(nil), "", false
		switch g := r.p.Values["group"]; g {
		case "queue":
			key, entity = "COALESCE(queue_id, '')", "queue"
		case "priority", "channel":
			key = g
		default:
			key, args, byHour = r.timeBucketByHour("created_at", g)
		}
		rows, err := r.rows(q.Select(key+" AS k, COUNT(*) AS requests", args...).Group("k").Order("k"))
		if err != nil {
			return err
		}
		gs := countGroups(rows, "requests")
		if byHour {
			gs = r.rebucketHours(gs, r.p.Values["group"])
		}
		return r.labelled(ctx, gs, entity, func(g *group) []any { return []any{g.counts["requests"]} })
	},
}

// timeBucketByHour buckets a timestamp column: by UTC hour in plain SQL
// (folded into the zone's days, weeks or months by rebucketHours) when the
// zone is a whole number of hours off UTC all through the period, which
// costs the database far less than a zone conversion per row; else by the
// zone-aware bucket itself.
func (r *reportRun) timeBucketByHour(column, unit string) (string, []any, bool) {
	_, off1 := r.p.From.Zone()
	_, off2 := r.p.To.Zone()
	if off1%3600 != 0 || off2%3600 != 0 {
		expr, args := r.timeBucket(column, unit)
		return expr, args, false
	}
	if r.s.engine == "postgres" {
		return "to_char(date_trunc('hour', " + column + " AT TIME ZONE 'UTC'), 'YYYY-MM-DD HH24')", nil, true
	}
	return "substr(" + column + ", 1, 13)", nil, true
}

// rebucketHours folds hourly counts ("2006-01-02 15", UTC) into the
// buckets of the run's zone, in order.
func (r *reportRun) rebucketHours(gs []*group, unit string) []*group {
	var labelled []*group
	for _, g := range gs {
		t, err := time.Parse("2006-01-02 15", g.key)
		if err != nil {
			continue
		}
		labelled = append(labelled, &group{key: model.BucketLabel(t.In(r.p.TZ), unit), counts: g.counts})
	}
	return mergedByKey(labelled)
}

// countGroups turns (k, counts…) rows into groups.
func countGroups(rows []map[string]any, cols ...string) []*group {
	gs := make([]*group, len(rows))
	for i, row := range rows {
		gs[i] = &group{key: text(row["k"]), counts: map[string]int64{}}
		for _, c := range cols {
			gs[i].counts[c] = integer(row[c])
		}
	}
	return gs
}

// groupSet collects groups in first-seen order, adding up the counts of
// a key seen again.
type groupSet struct {
	byKey map[string]*group
	list  []*group
}

func (s *groupSet) add(key string, counts map[string]int64) {
	g := s.byKey[key]
	if g == nil {
		if s.byKey == nil {
			s.byKey = map[string]*group{}
		}
		g = &group{key: key, counts: map[string]int64{}}
		s.byKey[key] = g
		s.list = append(s.list, g)
	}
	for k, v := range counts {
		g.counts[k] += v
	}
}

// mergedByKey merges the groups whose keys read the same (a NULL key reads
// as the empty one, as with COALESCE) and sorts them by key. Grouping by
// the bare column lets SQLite read the groups in an index's order instead
// of sorting every row by an expression.
func mergedByKey(gs []*group) []*group {
	var set groupSet
	for _, g := range gs {
		set.add(g.key, g.counts)
	}
	slices.SortFunc(set.list, func(a, b *group) int { return strings.Compare(a.key, b.key) })
	return set.list
}

var requestBacklog = &report{
	info: model.ReportInfo{Name: "request_backlog", Title: "Backlog and ageing",
		Description: "Open requests now, per status, by age: under a day, 1–3 days, 3–7 days, 7–30 days, older.",
		Columns: []model.ReportColumn{col("status", "Status", model.ColText), col("d1", "< 1 day", model.ColInt), col("d3", "1–3 days", model.ColInt),
			col("d7", "3–7 days", model.ColInt), col("d30", "7–30 days", model.ColInt), col("older", "Older", model.ColInt), col("total", "Total", model.ColInt)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "request")
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		ago := func(d int) time.Time { return now.AddDate(0, 0, -d) }
		rows, err := r.rows(q.Select(`status AS k,
			SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END) AS d1,
			SUM(CASE WHEN created_at < ? AND created_at >= ? THEN 1 ELSE 0 END) AS d3,
			SUM(CASE WHEN created_at < ? AND created_at >= ? THEN 1 ELSE 0 END) AS d7,
			SUM(CASE WHEN created_at < ? AND created_at >= ? THEN 1 ELSE 0 END) AS d30,
			SUM(CASE WHEN created_at < ? THEN 1 ELSE 0 END) AS older, COUNT(*) AS total`,
			ago(1), ago(1), ago(3), ago(3), ago(7), ago(7), ago(30), ago(30)).
			Where("status NOT IN ?", []string{model.RequestResolved, model.RequestClosed}).Group("status"))
		if err != nil {
			return err
		}
		byStatus := map[string]map[string]any{}
		for _, row := range rows {
			byStatus[text(row["k"])] = row
		}
		for _, st := range model.RequestStatuses[:4] {
			row := byStatus[st]
			r.res.Rows = append(r.res.Rows, []any{st, integer(row["d1"]), integer(row["d3"]), integer(row["d7"]), integer(row["d30"]),
				integer(row["older"]), integer(row["total"])})
		}
		return nil
	},
}

// minutesBetween is the SQL of the minutes from column a to column b.
func (r *reportRun) minutesBetween(a, b string) string {
	if r.s.engine == "postgres" {
		return "EXTRACT(EPOCH FROM " + b + " - " + a + ") / 60.0"
	}
	return "(julianday(" + b + ") - julianday(" + a + ")) * 1440.0"
}

var responseTimes = &report{
	info: model.ReportInfo{Name: "response_times", Title: "First response and resolution times vs SLA",
		Description: "Requests created in the period per priority: average minutes to the first answer and hours to resolution, and the share answered and resolved within their targets.",
		Columns: []model.ReportColumn{col("priority", "Priority", model.ColText), col("requests", "Requests", model.ColInt),
			col("avg_first_response_min", "Avg first response (min)", model.ColDecimal), col("first_response_met", "First response in time", model.ColPercent),
			col("avg_resolution_h", "Avg resolution (h)", model.ColDecimal), col("resolution_met", "Resolved in time", model.ColPercent)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.created(ctx)
		if err != nil {
			return err
		}
		// Met in time = answered (resolved) less late, where late needs
		// both times: the fewest expressions per row.
		rows, err := r.rows(q.Select(`priority AS k, COUNT(*) AS requests,
			AVG(` + r.minutesBetween("created_at", "first_response_at") + `) AS frt,
			COUNT(first_response_at) AS answered, SUM(CASE WHEN first_response_at > first_response_due THEN 1 ELSE 0 END) AS fr_late,
			AVG(` + r.minutesBetween("created_at", "resolved_at") + `) AS rt,
			COUNT(resolved_at) AS resolved, SUM(CASE WHEN resolved_at > resolution_due THEN 1 ELSE 0 END) AS res_late`).Group("priority"))
		if err != nil {
			return err
		}
		byPriority := map[string]map[string]any{}
		for _, row := range rows {
			byPriority[text(row["k"])] = row
		}
		for _, p := range slices.Backward(model.RequestPriorities) {
			row, ok := byPriority[p]
			if !ok {
				continue
			}
			answered, resolved := integer(row["answered"]), integer(row["resolved"])
			r.res.Rows = append(r.res.Rows, []any{p, integer(row["requests"]),
				model.Decimal{Decimal: decimalFromFloat(number(row["frt"]), 1)}, percent(answered-integer(row["fr_late"]), answered),
				model.Decimal{Decimal: decimalFromFloat(number(row["rt"])/60, 1)}, percent(resolved-integer(row["res_late"]), resolved)})
		}
		return nil
	},
}

var slaBreaches = &report{
	info: model.ReportInfo{Name: "sla_breaches", Title: "SLA breaches",
		Description: "Requests created in the period that missed a target, per queue: how many of how many.",
		Columns:     append(slices.Clone(groupCols), col("requests", "Requests", model.ColInt), col("breached", "Breached", model.ColInt), col("rate", "Breach rate", model.ColPercent))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.created(ctx)
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select("queue_id AS k, COUNT(*) AS requests, SUM(CASE WHEN sla_breached THEN 1 ELSE 0 END) AS breached").
			Group("queue_id"))
		if err != nil {
			return err
		}
		return r.labelled(ctx, mergedByKey(countGroups(rows, "requests", "breached")), "queue", func(g *group) []any {
			return []any{g.counts["requests"], g.counts["breached"], percent(g.counts["breached"], g.counts["requests"])}
		})
	},
}

var timePerAgent = &report{
	info: model.ReportInfo{Name: "time_per_agent", Title: "Time spent per agent",
		Description: "Time entries booked in the period per specialist: minutes, billable minutes and requests worked on.",
		Columns: append(slices.Clone(groupCols), col("minutes", "Minutes", model.ColInt), col("billable", "Billable minutes", model.ColInt),
			col("requests", "Requests", model.ColInt))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "time_entry")
		if err != nil {
			return err
		}
		from, to := r.dates()
		rows, err := r.rows(q.Select("owner_id AS k, SUM(minutes) AS minutes, SUM(CASE WHEN billable THEN minutes ELSE 0 END) AS billable, COUNT(DISTINCT request_id) AS requests").
			Where("day >= ? AND day < ?", from, to).Group("owner_id").Order("owner_id"))
		if err != nil {
			return err
		}
		return r.labelled(ctx, countGroups(rows, "minutes", "billable", "requests"), "user", func(g *group) []any {
			return []any{g.counts["minutes"], g.counts["billable"], g.counts["requests"]}
		})
	},
}

var timeByProduct = &report{
	info: model.ReportInfo{Name: "time_by_product", Title: "Most time-consuming products",
		Description: "Time booked in the period on requests about each product, most first, with the number of requests.",
		Columns:     append(slices.Clone(groupCols), col("minutes", "Minutes", model.ColInt), col("requests", "Requests", model.ColInt))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "time_entry")
		if err != nil {
			return err
		}
		from, to := r.dates()
		// Summed per request first (in the time entries' index order),
		// so each request is looked up once and counts once.
		perRequest := q.Select("request_id, SUM(minutes) AS minutes").Where("day >= ? AND day < ?", from, to).Group("request_id")
		rows, err := r.rows(r.s.conn(ctx).Table("(?) AS e", perRequest).Joins("JOIN requests rq ON rq.id = e.request_id").
			Select("rq.product_id AS k, SUM(e.minutes) AS minutes, COUNT(*) AS requests").Group("rq.product_id"))
		if err != nil {
			return err
		}
		gs := mergedByKey(countGroups(rows, "minutes", "requests"))
		slices.SortStableFunc(gs, func(a, b *group) int { return cmp.Compare(b.counts["minutes"], a.counts["minutes"]) })
		return r.labelled(ctx, gs[:min(len(gs), 100)], "product", func(g *group) []any {
			return []any{g.counts["minutes"], g.counts["requests"]}
		})
	},
}

var topCategories = &report{
	info: model.ReportInfo{Name: "top_categories", Title: "Top problem categories",
		Description: "Request tags by count in the period, with this week against the week before: a tag whose count rose by half or more (and by at least 3) is flagged rising.",
		Columns: []model.ReportColumn{col("tag", "Category", model.ColText), col("requests", "Requests", model.ColInt),
			col("this_week", "Last 7 days", model.ColInt), col("week_before", "The 7 days before", model.ColInt), col("rising", "Rising", model.ColText)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "request")
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		from := r.p.From.UTC()
		if wb := now.AddDate(0, 0, -14); wb.Before(from) {
			from = wb
		}
		// Counted per tag list (the JSON text, never parsed in SQL), then
		// spread over the list's tags here: requests share few lists.
		rows, err := r.rows(q.Select(`tags AS k,
			SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END) AS requests,
			SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END) AS this_week,
			SUM(CASE WHEN created_at >= ? AND created_at < ? THEN 1 ELSE 0 END) AS week_before`,
			r.p.From.UTC(), now.AddDate(0, 0, -7), now.AddDate(0, 0, -14), now.AddDate(0, 0, -7)).
			Where("created_at >= ? AND created_at < ?", from, r.p.To.UTC()).Group("tags"))
		if err != nil {
			return err
		}
		for _, g := range tagGroups(rows) {
			week, before := g.counts["this_week"], g.counts["week_before"]
			rising := ""
			if week-before >= 3 && week*2 >= before*3 {
				rising = "rising"
			}
			r.res.Rows = append(r.res.Rows, []any{g.key, g.counts["requests"], week, before, rising})
		}
		return nil
	},
}

// tagGroups spreads the counts of (JSON tag list, counts…) rows over each
// tag of the list, most requests first, then by tag.
func tagGroups(rows []map[string]any) []*group {
	var set groupSet
	for _, list := range countGroups(rows, "requests", "this_week", "week_before") {
		var tags []string
		if json.Unmarshal([]byte(list.key), &tags) != nil {
			continue
		}
		for _, tag := range tags {
			set.add(tag, list.counts)
		}
	}
	slices.SortFunc(set.list, func(a, b *group) int {
		return cmp.Or(cmp.Compare(b.counts["requests"], a.counts["requests"]), strings.Compare(a.key, b.key))
	})
	return set.list
}

var reopenRate = &report{
	info: model.ReportInfo{Name: "reopen_rate", Title: "Reopen rate",
		Description: "Requests created in the period and resolved, per assignee: how many were reopened at least once.",
		Columns:     append(slices.Clone(groupCols), col("resolved", "Resolved", model.ColInt), col("reopened", "Reopened", model.ColInt), col("rate", "Reopen rate", model.ColPercent))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.created(ctx)
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select("COALESCE(assignee_id, '') AS k, SUM(CASE WHEN resolved_at IS NOT NULL OR reopen_count > 0 THEN 1 ELSE 0 END) AS resolved, SUM(CASE WHEN reopen_count > 0 THEN 1 ELSE 0 END) AS reopened").
			Group("k").Order("k"))
		if err != nil {
			return err
		}
		return r.labelled(ctx, countGroups(rows, "resolved", "reopened"), "user", func(g *group) []any {
			return []any{g.counts["resolved"], g.counts["reopened"], percent(g.counts["reopened"], g.counts["resolved"])}
		})
	},
}

var satisfaction = &report{
	info: model.ReportInfo{Name: "satisfaction", Title: "Customer satisfaction",
		Description: "Feedback given in the period per assignee: ratings, the average (1–5) and the share of 4 and 5.",
		Columns: append(slices.Clone(groupCols), col("ratings", "Ratings", model.ColInt), col("average", "Average", model.ColDecimal),
			col("satisfied", "Satisfied (4–5)", model.ColPercent))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "request")
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select("COALESCE(assignee_id, '') AS k, COUNT(*) AS ratings, SUM(rating) AS points, SUM(CASE WHEN rating >= 4 THEN 1 ELSE 0 END) AS satisfied").
			Where("rating > 0 AND feedback_at >= ? AND feedback_at < ?", r.p.From.UTC(), r.p.To.UTC()).Group("k").Order("k"))
		if err != nil {
			return err
		}
		return r.labelled(ctx, countGroups(rows, "ratings", "points", "satisfied"), "user", func(g *group) []any {
			n := g.counts["ratings"]
			return []any{n, model.Decimal{Decimal: decimalFromFloat(float64(g.counts["points"])/float64(max(n, 1)), 2)}, percent(g.counts["satisfied"], n)}
		})
	},
}

var customersByRequests = &report{
	info: model.ReportInfo{Name: "customers_by_requests", Title: "Customers by request count",
		Description: "Accounts by the requests they made in the period, most first, with how many are still open.",
		Params:      []model.ReportParam{limitParam("accounts", "20")},
		Columns:     append(slices.Clone(groupCols), col("requests", "Requests", model.ColInt), col("open", "Still open", model.ColInt))},
	run: func(ctx context.Context, r *reportRun) error {
		limit, err := r.limit(20)
		if err != nil {
			return err
		}
		q, err := r.created(ctx)
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select("account_id AS k, COUNT(*) AS requests, SUM(CASE WHEN status NOT IN ('resolved', 'closed') THEN 1 ELSE 0 END) AS open").
			Where("account_id IS NOT NULL").Group("account_id").Order("requests DESC, account_id").Limit(limit))
		if err != nil {
			return err
		}
		return r.labelled(ctx, countGroups(rows, "requests", "open"), "account", func(g *group) []any {
			return []any{g.counts["requests"], g.counts["open"]}
		})
	},
}

var agentWorkload = &report{
	info: model.ReportInfo{Name: "agent_workload", Title: "Agent workload",
		Description: "Open requests now per assignee: how many, how many urgent or high, how many past their resolution target.",
		Columns: append(slices.Clone(groupCols), col("open", "Open", model.ColInt), col("urgent_high", "Urgent or high", model.ColInt),
			col("overdue", "Overdue", model.ColInt))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "request")
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select(`COALESCE(assignee_id, '') AS k, COUNT(*) AS open,
			SUM(CASE WHEN priority IN ('urgent', 'high') THEN 1 ELSE 0 END) AS urgent_high,
			SUM(CASE WHEN resolution_due < ? THEN 1 ELSE 0 END) AS overdue`, time.Now().UTC()).
			Where("status NOT IN ?", []string{model.RequestResolved, model.RequestClosed}).Group("k").Order("k"))
		if err != nil {
			return err
		}
		return r.labelled(ctx, countGroups(rows, "open", "urgent_high", "overdue"), "user", func(g *group) []any {
			return []any{g.counts["open"], g.counts["urgent_high"], g.counts["overdue"]}
		})
	},
}

var supportCallTime = &report{
	info: model.ReportInfo{Name: "support_call_time", Title: "Time per support call",
		Description: "Calls on requests in the period per agent: how many, total and average minutes.", Columns: callTimeColumns},
	run: func(ctx context.Context, r *reportRun) error {
		// Probed per call in activity_links_activity; "id IN (…)" would
		// read every request link.
		return r.callTime(ctx, "COALESCE(created_by, '')", "EXISTS (SELECT 1 FROM activity_links l WHERE l.activity_id = t.id AND l.entity = 'request')")
	},
}

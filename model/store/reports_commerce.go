package store

import (
	"context"
	"slices"

	"rapport/model"
)

func init() { addReports(quotesByStatus, quoteForecast, orderRevenueByProduct) }

var quotesByStatus = &report{
	info: model.ReportInfo{Name: "quotes_by_status", Title: "Quotes by status",
		Description: "Current revisions of quotes made in the period per status: how many, their net total and the share accepted of those decided.",
		Columns: []model.ReportColumn{col("status", "Status", model.ColText), col("quotes", "Quotes", model.ColInt),
			col("net_total", "Net total", model.ColMoney)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "quote")
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select("status AS k, currency, COUNT(*) AS quotes, SUM(net_total) AS net_total").
			Where("status <> ? AND created_at >= ? AND created_at < ?", model.QuoteSuperseded, r.p.From.UTC(), r.p.To.UTC()).
			Group("k, currency").Order("k"))
		if err != nil {
			return err
		}
		gs, err := r.groups(ctx, rows, []string{"net_total"}, []string{"quotes"})
		for _, g := range gs {
			r.res.Rows = append(r.res.Rows, []any{g.key, g.counts["quotes"], g.money["net_total"]})
		}
		return err
	},
}

var quoteForecast = &report{
	info: model.ReportInfo{Name: "quote_forecast", Title: "Forecast from open quotes",
		Description: "Quotes sent and awaiting an answer, by the month they are valid until (or by rep): the revenue quoted, and weighted by their deal's probability where they have one.",
		Params:      []model.ReportParam{{Name: "group", Description: "what a row is", Default: "month", Choices: []string{"month", "owner"}}},
		Columns: append(slices.Clone(groupCols), col("quotes", "Quotes", model.ColInt), col("net_total", "Quoted", model.ColMoney),
			col("weighted", "Weighted", model.ColMoney))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "quote")
		if err != nil {
			return err
		}
		key, entity := "substr(valid_until, 1, 7)", ""
		if r.p.Values["group"] == "owner" {
			key, entity = "COALESCE(t.owner_id, '')", "user"
		}
		from, to := r.dates()
		// A quote without a deal counts whole in the weighted column.
		rows, err := r.rows(q.Joins("LEFT JOIN opportunities o ON o.id = t.opportunity_id AND o.deleted_at IS NULL").
			Select(key+" AS k, t.currency AS currency, COUNT(*) AS quotes, SUM(t.net_total) AS net_total, SUM(t.net_total * COALESCE(o.probability, 100) / 100) AS weighted").
			Where("t.status = ? AND t.valid_until >= ? AND t.valid_until < ?", model.QuoteSent, from, to).Group("k, t.currency").Order("k"))
		if err != nil {
			return err
		}
		gs, err := r.groups(ctx, rows, []string{"net_total", "weighted"}, []string{"quotes"})
		if err != nil {
			return err
		}
		return r.labelled(ctx, gs, entity, func(g *group) []any { return []any{g.counts["quotes"], g.money["net_total"], g.money["weighted"]} })
	},
}

var orderRevenueByProduct = &report{
	info: model.ReportInfo{Name: "order_revenue_by_product", Title: "Order revenue by product",
		Description: "Confirmed and fulfilled orders dated in the period: quantity and net revenue per product, largest first.",
		Columns:     append(slices.Clone(groupCols), col("quantity", "Quantity", model.ColDecimal), col("net", "Net revenue", model.ColMoney))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "order")
		if err != nil {
			return err
		}
		from, to := r.dates()
		rows, err := r.rows(q.Joins("JOIN order_lines l ON l.doc_id = t.id").
			Select("COALESCE(l.product_id, '') AS k, t.currency AS currency, SUM(l.quantity) AS quantity, SUM(l.net_amount) AS net").
			Where("t.status IN ? AND t.order_date >= ? AND t.order_date < ?", []string{model.OrderConfirmed, model.OrderFulfilled}, from, to).
			Group("k, t.currency"))
		if err != nil {
			return err
		}
		quantities := map[string]model.Decimal{}
		for _, row := range rows {
			var d model.Decimal
			if err := d.Scan(normalizeNumber(row["quantity"])); err != nil {
				return err
			}
			k := text(row["k"])
			quantities[k] = model.Decimal{Decimal: quantities[k].Add(d.Decimal)}
		}
		gs, err := r.groups(ctx, rows, []string{"net"}, nil)
		if err != nil {
			return err
		}
		sortGroups(gs, "net")
		return r.labelled(ctx, gs, "product", func(g *group) []any { return []any{quantities[g.key], g.money["net"]} })
	},
}

package store

import (
	"context"
	"slices"
	"time"

	"rapport/model"
)

func init() {
	addReports(billableTime, serviceRevenue, invoicesByStatus, overdueInvoices, invoiceAgeing)
}

// issuedStatuses are the statuses of invoices that were issued: they count
// as revenue and, unless paid, as owed.
var issuedStatuses = []string{model.InvoiceIssued, model.InvoicePaid, model.InvoiceOverdue}

var billableTime = &report{
	info: model.ReportInfo{Name: "billable_time", Title: "Billable time by customer or specialist",
		Description: "Billable time entries booked in the period per customer (the request's account, or its contact's) or per specialist: hours, and their worth at the rates booked.",
		Params:      []model.ReportParam{{Name: "group", Description: "what a row is", Default: "customer", Choices: []string{"customer", "specialist"}}},
		Columns: append(slices.Clone(groupCols), col("entries", "Entries", model.ColInt), col("hours", "Hours", model.ColDecimal),
			col("amount", "Amount", model.ColMoney))},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "time_entry")
		if err != nil {
			return err
		}
		key, entity := "COALESCE(rq.account_id, c.account_id, '')", "account"
		if r.p.Values["group"] == "specialist" {
			key, entity = "t.owner_id", "user"
		}
		from, to := r.dates()
		rows, err := r.rows(q.Joins("JOIN requests rq ON rq.id = t.request_id").Joins("LEFT JOIN contacts c ON c.id = rq.contact_id").
			Select(key+" AS k, t.currency AS currency, COUNT(*) AS entries, SUM(t.minutes) AS minutes, SUM(t.minutes * t.rate) AS worth").
			Where("t.billable = ? AND t.day >= ? AND t.day < ?", true, from, to).Group("k, t.currency").Order("k"))
		if err != nil {
			return err
		}
		for _, row := range rows {
			row["amount"] = (integer(row["worth"]) + 30) / 60 // stored units × minutes → per hour
		}
		gs, err := r.groups(ctx, rows, []string{"amount"}, []string{"entries", "minutes"})
		if err != nil {
			return err
		}
		sortGroups(gs, "amount")
		return r.labelled(ctx, gs, entity, func(g *group) []any {
			return []any{g.counts["entries"], model.Decimal{Decimal: model.DecInt(g.counts["minutes"]).Div(model.DecInt(60).Decimal).Round(2)}, g.money["amount"]}
		})
	},
}

var serviceRevenue = &report{
	info: model.ReportInfo{Name: "service_revenue", Title: "Revenue from service",
		Description: "Net amounts of the invoices issued in the period (issued, paid or overdue) by the day, week, month, quarter or year of issue and by what the lines bill (fixed fees, purchase-amount fees, time, requests, orders, manual lines); credit notes subtract from what they credit.",
		Params:      []model.ReportParam{{Name: "group", Description: "the time bucket", Default: "month", Choices: model.BucketUnits}},
		Columns: []model.ReportColumn{col("period", "Period", model.ColText), col("source", "Billed for", model.ColText),
			col("net", "Net revenue", model.ColMoney)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "invoice")
		if err != nil {
			return err
		}
		from, to := r.dates()
		// A credit line bills what the line it credits billed, negatively.
		rows, err := r.rows(q.Joins("JOIN invoice_lines l ON l.doc_id = t.id").
			Joins("LEFT JOIN invoice_lines credited ON l.source_type = ? AND credited.id = l.source_id", model.SourceCredit).
			Select("t.issue_date AS k, COALESCE(credited.source_type, l.source_type) AS source, t.currency AS currency, "+
				"SUM(CASE WHEN t.kind = ? THEN -l.net_amount ELSE l.net_amount END) AS net", model.InvoiceKindCredit).
			Where("t.status IN ? AND t.issue_date >= ? AND t.issue_date < ?", issuedStatuses, from, to).
			Group("k, source, t.currency").Order("k"))
		if err != nil {
			return err
		}
		r.rebucket(rows)
		for _, row := range rows {
			row["k"] = text(row["k"]) + "|" + text(row["source"])
		}
		gs, err := r.groups(ctx, rows, []string{"net"}, nil)
		for _, g := range gs {
			period, source := cut(g.key)
			r.res.Rows = append(r.res.Rows, []any{period, source, g.money["net"]})
		}
		return err
	},
}

var invoicesByStatus = &report{
	info: model.ReportInfo{Name: "invoices_by_status", Title: "Invoices by status",
		Description: "Invoices (not credit notes) made in the period per status: how many, their total, and what is still owed on them.",
		Columns: []model.ReportColumn{col("status", "Status", model.ColText), col("invoices", "Invoices", model.ColInt),
			col("total", "Total", model.ColMoney), col("owed", "Owed", model.ColMoney)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "invoice")
		if err != nil {
			return err
		}
		rows, err := r.rows(q.Select("status AS k, currency, COUNT(*) AS invoices, SUM(total) AS total, "+
			"SUM(CASE WHEN status IN ? THEN total ELSE 0 END) AS owed", []string{model.InvoiceIssued, model.InvoiceOverdue}).
			Where("kind = ? AND created_at >= ? AND created_at < ?", model.InvoiceKindInvoice, r.p.From.UTC(), r.p.To.UTC()).
			Group("k, currency"))
		if err != nil {
			return err
		}
		gs, err := r.groups(ctx, rows, []string{"total", "owed"}, []string{"invoices"})
		byStatus := map[string]*group{}
		for _, g := range gs {
			byStatus[g.key] = g
		}
		for _, st := range model.InvoiceStatuses {
			if g := byStatus[st]; g != nil {
				r.res.Rows = append(r.res.Rows, []any{st, g.counts["invoices"], g.money["total"], g.money["owed"]})
			}
		}
		return err
	},
}

var overdueInvoices = &report{
	info: model.ReportInfo{Name: "overdue_invoices", Title: "Overdue invoices",
		Description: "Issued invoices unpaid after their due date, now (the period is not used), longest overdue first: customer, due date, days overdue and the total.",
		Params:      []model.ReportParam{limitParam("invoices", "100")},
		Columns: []model.ReportColumn{col("number", "Invoice", model.ColText), col("account", "Customer", model.ColText),
			col("due_date", "Due", model.ColDate), col("days_overdue", "Days overdue", model.ColInt), col("total", "Total", model.ColMoney)}},
	run: func(ctx context.Context, r *reportRun) error {
		n, err := r.limit(100)
		if err != nil {
			return err
		}
		q, err := r.from(ctx, "invoice")
		if err != nil {
			return err
		}
		today := r.today()
		rows, err := r.rows(q.Select("number, account_id, due_date, currency, total").
			Where("kind = ? AND status IN ? AND due_date < ?", model.InvoiceKindInvoice, []string{model.InvoiceIssued, model.InvoiceOverdue}, today.Format(model.DateLayout)).
			Order("due_date, number").Limit(n))
		if err != nil {
			return err
		}
		accounts := make([]string, len(rows))
		for i, row := range rows {
			accounts[i] = text(row["account_id"])
		}
		names, err := r.names(ctx, "account", accounts)
		if err != nil {
			return err
		}
		for _, row := range rows {
			total, err := r.toBase(ctx, row["total"], text(row["currency"]))
			if err != nil {
				return err
			}
			due := text(row["due_date"])
			r.res.Rows = append(r.res.Rows, []any{text(row["number"]), names[text(row["account_id"])], due, daysSince(due, today), total})
		}
		return nil
	},
}

// ageingBucket is a row of invoice_ageing: the most days past due it
// holds (0: not due yet; -1: no bound).
type ageingBucket struct {
	label   string
	maxDays int64
}

// ageingBuckets are the rows of invoice_ageing, in order.
var ageingBuckets = []ageingBucket{{"current", 0}, {"1–30", 30}, {"31–60", 60}, {"61–90", 90}, {"90+", -1}}

var invoiceAgeing = &report{
	info: model.ReportInfo{Name: "invoice_ageing", Title: "Invoice ageing",
		Description: "What issued, unpaid invoices owe now (the period is not used), by days past their due date: not due yet, 1–30, 31–60, 61–90 and over 90 days; how many and how much.",
		Columns:     []model.ReportColumn{col("bucket", "Past due", model.ColText), col("invoices", "Invoices", model.ColInt), col("owed", "Owed", model.ColMoney)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "invoice")
		if err != nil {
			return err
		}
		// Sums per due date, folded into the buckets here.
		rows, err := r.rows(q.Select("due_date, currency, COUNT(*) AS invoices, SUM(total) AS owed").
			Where("kind = ? AND status IN ?", model.InvoiceKindInvoice, []string{model.InvoiceIssued, model.InvoiceOverdue}).
			Group("due_date, currency"))
		if err != nil {
			return err
		}
		today := r.today()
		for _, row := range rows {
			days := daysSince(text(row["due_date"]), today)
			i := slices.IndexFunc(ageingBuckets, func(b ageingBucket) bool { return b.maxDays < 0 || b.maxDays >= days })
			row["k"] = ageingBuckets[i].label
		}
		gs, err := r.groups(ctx, rows, []string{"owed"}, []string{"invoices"})
		byBucket := map[string]*group{}
		for _, g := range gs {
			byBucket[g.key] = g
		}
		for _, b := range ageingBuckets {
			g := byBucket[b.label]
			if g == nil {
				g = &group{money: map[string]model.Decimal{}, counts: map[string]int64{}}
			}
			r.res.Rows = append(r.res.Rows, []any{b.label, g.counts["invoices"], g.money["owed"]})
		}
		return err
	},
}

// today is the current date in the report's time zone, as a UTC midnight.
func (r *reportRun) today() time.Time {
	t := time.Now().In(r.p.TZ)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// daysSince counts the days from date (YYYY-MM-DD) to today; before it,
// the count is negative.
func daysSince(date string, today time.Time) int64 {
	d, err := time.Parse(model.DateLayout, date)
	if err != nil {
		return 0
	}
	return int64(today.Sub(d).Hours() / 24)
}

package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"rapport/model"
)

func init() {
	addReports(contractsExpiring, contractUsageReport, requestsByEntitlement, contractsByLevel)
}

// contractsInForce is a query on the caller's active contracts whose dates
// overlap the report's period.
func (r *reportRun) contractsInForce(ctx context.Context) ([]*model.Contract, error) {
	q, err := r.from(ctx, "contract")
	if err != nil {
		return nil, err
	}
	from, to := r.dates()
	var out []*model.Contract
	err = q.Where("status = ? AND start_date < ? AND (end_date IS NULL OR end_date >= ?)", model.ContractActive, to, from).
		Order("number").Find(&out).Error
	return out, dbErr(err)
}

// accountNames names the accounts of contracts.
func (r *reportRun) accountNames(ctx context.Context, cs []*model.Contract) (map[string]string, error) {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.AccountID
	}
	return r.names(ctx, "account", slices.Compact(slices.Sorted(slices.Values(ids))))
}

var contractsExpiring = &report{
	info: model.ReportInfo{Name: "contracts_expiring", Title: "Contracts expiring",
		Description: "Active contracts ending in the period, or within days from today when days is given, soonest first: " +
			"their account, level, end date, days left and whether contract.expiring was sent.",
		Params: []model.ReportParam{{Name: "days", Description: "contracts ending from today to this many days ahead (1–3660), instead of the period"}},
		Columns: []model.ReportColumn{col("number", "Contract", model.ColText), col("name", "Name", model.ColText),
			col("account", "Account", model.ColText), col("level", "Level", model.ColText), col("end_date", "Ends", model.ColDate),
			col("days_left", "Days left", model.ColInt), col("noticed", "Notice sent", model.ColText)}},
	run: func(ctx context.Context, r *reportRun) error {
		from, to, err := r.expiryWindow(ctx)
		if err != nil {
			return err
		}
		q, err := r.from(ctx, "contract")
		if err != nil {
			return err
		}
		var cs []*model.Contract
		err = q.Where("status = ? AND end_date >= ? AND end_date < ?", model.ContractActive, from, to).Order("end_date, number").Find(&cs).Error
		if err != nil {
			return dbErr(err)
		}
		names, err := r.accountNames(ctx, cs)
		if err != nil {
			return err
		}
		today := r.s.todayDate()
		for _, c := range cs {
			noticed := "no"
			if c.ExpiryNoticeAt != nil {
				noticed = "yes"
			}
			daysLeft := int64(c.EndDate.Sub(today.Time) / (24 * time.Hour))
			r.res.Rows = append(r.res.Rows, []any{c.Number, c.Name, names[c.AccountID], c.Level, c.EndDate.String(), daysLeft, noticed})
		}
		return nil
	},
}

// expiryWindow is the range of end dates [from, to) contracts_expiring
// lists: the period, or today and the days after it.
func (r *reportRun) expiryWindow(ctx context.Context) (string, string, error) {
	days, ok := r.p.Int("days", 0, 1, 3660)
	if !ok {
		return "", "", fieldErr("days", "from 1 to 3660")
	}
	if days == 0 {
		from, to := r.dates()
		return from, to, nil
	}
	today := r.s.todayDate()
	return today.String(), today.AddDate(0, 0, days+1).Format(model.DateLayout), nil
}

var contractUsageReport = &report{
	info: model.ReportInfo{Name: "contract_usage", Title: "Contract usage",
		Description: "Active contracts with prepaid units in force during the period: units prepaid, used so far (hours booked or requests) and left, " +
			"and the share used, most used first.",
		Columns: []model.ReportColumn{col("number", "Contract", model.ColText), col("name", "Name", model.ColText),
			col("account", "Account", model.ColText), col("unit", "Unit", model.ColText), col("prepaid", "Prepaid", model.ColDecimal),
			col("used", "Used", model.ColDecimal), col("left", "Left", model.ColDecimal), col("share_used", "Share used", model.ColPercent)}},
	run: func(ctx context.Context, r *reportRun) error {
		cs, err := r.contractsInForce(ctx)
		if err != nil {
			return err
		}
		cs = slices.DeleteFunc(cs, func(c *model.Contract) bool { return c.PrepaidUnit == "" })
		ids := make([]string, len(cs))
		for i, c := range cs {
			ids[i] = c.ID
		}
		use, err := r.s.usageByContract(ctx, ids, now().Add(time.Microsecond), "")
		if err != nil {
			return err
		}
		names, err := r.accountNames(ctx, cs)
		if err != nil {
			return err
		}
		for _, c := range cs {
			used := use[c.ID].of(c.PrepaidUnit)
			share := model.Decimal{Decimal: used.Mul(decimal.NewFromInt(100)).Div(c.PrepaidUnits.Decimal).Round(1)}
			r.res.Rows = append(r.res.Rows, []any{c.Number, c.Name, names[c.AccountID], c.PrepaidUnit, c.PrepaidUnits, used, unitsAfter(c, used), share})
		}
		slices.SortStableFunc(r.res.Rows, func(a, b []any) int { return b[7].(model.Decimal).Cmp(a[7].(model.Decimal).Decimal) })
		return nil
	},
}

var requestsByEntitlement = &report{
	info: model.ReportInfo{Name: "requests_by_entitlement", Title: "Requests by entitlement",
		Description: "Requests created in the period by day, week, month, quarter or year (in the report's time zone) and by the entitlement " +
			"found when they were created or their coverage last changed: covered, not covered, expired, units exhausted, or not checked.",
		Params: []model.ReportParam{{Name: "group", Description: "what a row is", Default: "month", Choices: model.BucketUnits}},
		Columns: []model.ReportColumn{col("group", "Period", model.ColText), col(model.EntitlementCovered, "Covered", model.ColInt),
			col(model.EntitlementNone, "Not covered", model.ColInt), col(model.EntitlementExpired, "Expired", model.ColInt),
			col(model.EntitlementExhausted, "Units exhausted", model.ColInt), col("unchecked", "Not checked", model.ColInt),
			col("requests", "Requests", model.ColInt)}},
	run: func(ctx context.Context, r *reportRun) error {
		q, err := r.from(ctx, "request")
		if err != nil {
			return err
		}
		key, args := r.timeBucket("created_at", r.p.Values["group"])
		rows, err := r.rows(q.Select(key+" AS k, entitlement AS e, COUNT(*) AS n", args...).
			Where("created_at >= ? AND created_at < ?", r.p.From.UTC(), r.p.To.UTC()).Group("k, e").Order("k"))
		if err != nil {
			return err
		}
		verdicts := []string{model.EntitlementCovered, model.EntitlementNone, model.EntitlementExpired, model.EntitlementExhausted, ""}
		var order []string
		counts := map[string][]any{}
		for _, row := range rows {
			k := text(row["k"])
			if counts[k] == nil {
				counts[k] = []any{k, int64(0), int64(0), int64(0), int64(0), int64(0), int64(0)}
				order = append(order, k)
			}
			i := slices.Index(verdicts, text(row["e"]))
			if i < 0 {
				i = len(verdicts) - 1
			}
			counts[k][1+i] = counts[k][1+i].(int64) + integer(row["n"])
			counts[k][6] = counts[k][6].(int64) + integer(row["n"])
		}
		for _, k := range order {
			r.res.Rows = append(r.res.Rows, counts[k])
		}
		return nil
	},
}

// periodsPerYear is how many billing periods a year has.
var periodsPerYear = map[string]int64{"monthly": 12, "quarterly": 4, "yearly": 1}

// yearlyFees is what a contract bills a year whatever the service
// delivered: its fixed fee for every period, or its share of the purchase
// amount.
func yearlyFees(c *model.Contract) model.Decimal {
	switch c.BillingMethod {
	case model.BillFixedFee:
		return model.Decimal{Decimal: c.FixedFee.Mul(decimal.NewFromInt(periodsPerYear[c.BillingPeriod]))}
	case model.BillPurchaseAmount:
		return model.Decimal{Decimal: c.PurchaseAmount.Mul(c.PurchasePercent.Decimal).Div(decimal.NewFromInt(100)).Round(model.DecimalPlaces)}
	}
	return model.Decimal{}
}

var contractsByLevel = &report{
	info: model.ReportInfo{Name: "contracts_by_level", Title: "Contracts by level",
		Description: "Active contracts in force during the period per service level: how many, and their periodic fees a year " +
			"(fixed fees, and the percentage of purchase amounts) in the base currency.",
		Columns: []model.ReportColumn{col("level", "Level", model.ColText), col("contracts", "Contracts", model.ColInt),
			col("yearly_fees", "Periodic fees a year", model.ColMoney)}},
	run: func(ctx context.Context, r *reportRun) error {
		cs, err := r.contractsInForce(ctx)
		if err != nil {
			return err
		}
		var rows []map[string]any
		for _, c := range cs {
			stored, err := yearlyFees(c).Value()
			if err != nil {
				return err
			}
			rows = append(rows, map[string]any{"k": c.Level, "currency": c.Currency, "fees": stored, "contracts": int64(1)})
		}
		gs, err := r.groups(ctx, rows, []string{"fees"}, []string{"contracts"})
		if err != nil {
			return err
		}
		slices.SortFunc(gs, func(a, b *group) int { return strings.Compare(a.key, b.key) })
		for _, g := range gs {
			label := g.key
			if label == "" {
				label = "(default)"
			}
			r.res.Rows = append(r.res.Rows, []any{label, g.counts["contracts"], g.money["fees"]})
		}
		return nil
	},
}

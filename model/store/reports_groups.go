package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"rapport/model"
)

// group is one row of an aggregated report before output: its key, money
// sums converted to the base currency and merged across currencies, and
// counts.
type group struct {
	key    string
	money  map[string]model.Decimal
	counts map[string]int64
}

// groups folds SQL rows of (key, currency, money sums…, counts…) into one
// group per key, in first-seen order.
func (r *reportRun) groups(ctx context.Context, rows []map[string]any, moneyCols, countCols []string) ([]*group, error) {
	byKey := map[string]*group{}
	var order []*group
	for _, row := range rows {
		key := text(row["k"])
		g := byKey[key]
		if g == nil {
			g = &group{key: key, money: map[string]model.Decimal{}, counts: map[string]int64{}}
			byKey[key] = g
			order = append(order, g)
		}
		cur := text(row["currency"])
		for _, c := range moneyCols {
			v, err := r.toBase(ctx, row[c], cur)
			if err != nil {
				return nil, err
			}
			g.money[c] = model.Decimal{Decimal: g.money[c].Add(v.Decimal)}
		}
		for _, c := range countCols {
			g.counts[c] += integer(row[c])
		}
	}
	return order, nil
}

// names returns the display names of records by id: users, teams,
// territories, accounts, campaigns, competitors.
func (r *reportRun) names(ctx context.Context, entity string, ids []string) (map[string]string, error) {
	col := map[string]string{"user": "name", "team": "name", "territory": "name", "account": "name", "campaign": "name",
		"competitor": "name", "contact": "display_name", "pipeline": "name", "product": "name", "queue": "name"}[entity]
	out := map[string]string{}
	ids = slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return s == "" })
	for start := 0; start < len(ids); start += 500 {
		var rows []struct{ ID, Name string }
		err := r.s.conn(ctx).Table(Tables[entity]).Select("id, "+col+" AS name").Where("id IN ?", ids[start:min(start+500, len(ids))]).Find(&rows).Error
		if err != nil {
			return nil, dbErr(err)
		}
		for _, row := range rows {
			out[row.ID] = row.Name
		}
	}
	return out, nil
}

// sortGroups orders groups by a money column, largest first.
func sortGroups(gs []*group, moneyCol string) {
	slices.SortStableFunc(gs, func(a, b *group) int { return b.money[moneyCol].Cmp(a.money[moneyCol].Decimal) })
}

// cut splits a "a|b" key.
func cut(key string) (string, string) {
	a, b, _ := strings.Cut(key, "|")
	return a, b
}

// decimalFromFloat rounds a computed average to places.
func decimalFromFloat(f float64, places int32) decimal.Decimal {
	return decimal.NewFromFloat(f).Round(places)
}

// limitParam is the parameter of a top-N report.
func limitParam(what, def string) model.ReportParam {
	return model.ReportParam{Name: "limit", Description: "how many " + what + " (1–1000)", Default: def}
}

// limit reads a top-N report's limit parameter.
func (r *reportRun) limit(def int) (int, error) {
	n, ok := r.p.Int("limit", def, 1, 1000)
	if !ok {
		return 0, fieldErr("limit", "from 1 to 1000")
	}
	return n, nil
}

// keys lists the groups' keys.
func keys(gs []*group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.key
	}
	return out
}

// percent is 100 × part / whole, rounded to one place (0 when whole is 0).
func percent(part, whole int64) model.Decimal {
	if whole == 0 {
		return model.Decimal{}
	}
	return model.Decimal{Decimal: model.DecInt(part * 100).Div(model.DecInt(whole).Decimal).Round(1)}
}

// text reads a string column whatever the driver made of it.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// integer reads a count column whatever the driver made of it.
func integer(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float64:
		return int64(x)
	case []byte:
		n, _ := strconv.ParseInt(string(x), 10, 64)
		return n
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// number reads a computed number (an average) whatever the driver made
// of it.
func number(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case []byte:
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	}
	return 0
}

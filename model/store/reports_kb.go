package store

import (
	"context"

	"rapport/model"
)

func init() { addReports(kbUsage, kbDeflection) }

var kbUsage = &report{
	info: model.ReportInfo{Name: "kb_usage", Title: "Answer book usage",
		Description: "Per article (or category): views in the period, helpful and not helpful votes cast or changed in the period, and the helpful share.",
		Params:      []model.ReportParam{{Name: "group", Description: "what a row is", Default: "article", Choices: []string{"article", "category"}}},
		Columns: []model.ReportColumn{col("group", "Group", model.ColText), col("label", "Name", model.ColText),
			col("views", "Views", model.ColInt), col("helpful", "Helpful", model.ColInt), col("not_helpful", "Not helpful", model.ColInt),
			col("helpful_share", "Helpful share", model.ColPercent)}},
	run: func(ctx context.Context, r *reportRun) error {
		from, to := r.dates()
		key, label := "a.id", "a.question"
		if r.p.Values["group"] == "category" {
			key, label = "a.category", "a.category"
		}
		views := r.s.conn(ctx).Table("kb_article_views").Select("article_id, SUM(views) AS views").
			Where("on_day >= ? AND on_day < ?", from, to).Group("article_id")
		votes := r.s.conn(ctx).Table("kb_votes").Select(`article_id, SUM(CASE WHEN helpful THEN 1 ELSE 0 END) AS helpful,
			SUM(CASE WHEN helpful THEN 0 ELSE 1 END) AS not_helpful`).
			Where("deleted_at IS NULL AND updated_at >= ? AND updated_at < ?", r.p.From.UTC(), r.p.To.UTC()).Group("article_id")
		rows, err := r.rows(r.s.conn(ctx).Table("kb_articles AS a").
			Joins("LEFT JOIN (?) AS v ON v.article_id = a.id", views).Joins("LEFT JOIN (?) AS b ON b.article_id = a.id", votes).
			Select(key + " AS k, MIN(" + label + ") AS label, SUM(COALESCE(v.views, 0)) AS views, SUM(COALESCE(b.helpful, 0)) AS helpful, " +
				"SUM(COALESCE(b.not_helpful, 0)) AS not_helpful").
			Where("a.deleted_at IS NULL AND (v.views IS NOT NULL OR b.article_id IS NOT NULL)").Group(key).Order("views DESC, k"))
		for _, row := range rows {
			h, n := integer(row["helpful"]), integer(row["not_helpful"])
			r.res.Rows = append(r.res.Rows, []any{text(row["k"]), text(row["label"]), integer(row["views"]), h, n, percent(h, h+n)})
		}
		return err
	},
}

var kbDeflection = &report{
	info: model.ReportInfo{Name: "kb_deflection", Title: "Answer book deflection",
		Description: "Article views against support requests created in the period, and views per request: more reading and fewer requests suggests the answer book answers.",
		Columns: []model.ReportColumn{col("views", "Article views", model.ColInt), col("requests", "Requests created", model.ColInt),
			col("views_per_request", "Views per request", model.ColDecimal)}},
	run: func(ctx context.Context, r *reportRun) error {
		from, to := r.dates()
		var views, requests int64
		err := r.s.conn(ctx).Table("kb_article_views").Where("on_day >= ? AND on_day < ?", from, to).
			Select("COALESCE(SUM(views), 0)").Scan(&views).Error
		if err != nil {
			return dbErr(err)
		}
		// Requests belong to another part of the desk: counted when their
		// table exists, plain rows created in the period.
		if r.s.conn(ctx).Migrator().HasTable("requests") {
			err = r.s.conn(ctx).Table("requests").Where("deleted_at IS NULL AND created_at >= ? AND created_at < ?", r.p.From.UTC(), r.p.To.UTC()).
				Count(&requests).Error
			if err != nil {
				return dbErr(err)
			}
		}
		ratio := model.Decimal{}
		if requests > 0 {
			ratio = model.Decimal{Decimal: model.DecInt(views).Div(model.DecInt(requests).Decimal).Round(2)}
		}
		r.res.Rows = append(r.res.Rows, []any{views, requests, ratio})
		return nil
	},
}

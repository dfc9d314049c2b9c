package store

import (
	"context"
	"time"

	"rapport/model"
	"rapport/model/migrate"
)

// Installation holds installation-wide settings the store needs: the site
// prefix for numbers (multi-site) and the time zone in which yearly counters
// reset.
type Installation struct {
	Site     string
	Location *time.Location
}

// SetInstallation sets numbering settings (from cmd's configuration).
func (s *Store) SetInstallation(in Installation) {
	if in.Location == nil {
		in.Location = time.UTC
	}
	s.install = in
}

// NextNumber issues the next human number of kind ("R-000123").
//
// Gapless kinds are drawn inside the caller's transaction (ctx must carry
// one): the counter row stays locked until commit and a rollback returns the
// number. Other kinds on PostgreSQL are drawn in a short transaction of their
// own so busy writers do not queue on the counter; a rolled-back caller then
// leaves a hole. SQLite has a single writer anyway, so it always draws inside
// the caller's transaction.
func (s *Store) NextNumber(ctx context.Context, kind string) (string, error) {
	f, ok := model.NumberKinds[kind]
	if !ok {
		return "", model.Errorf(model.EINVALID, "unknown number kind %q", kind)
	}
	loc := s.install.Location
	if loc == nil {
		loc = time.UTC
	}
	at := time.Now().In(loc)
	period := f.Period(at)
	draw := func(ctx context.Context) (int64, error) { return s.drawCounter(ctx, kind, period) }
	var n int64
	var err error
	switch {
	case f.Gapless && s.inTx(ctx) == nil:
		return "", model.Errorf(model.EINTERNAL, "gapless number %s drawn outside a transaction", kind)
	case f.Gapless || s.engine == migrate.SQLite:
		err = s.WithTx(ctx, func(ctx context.Context) error { n, err = draw(ctx); return err })
	default:
		err = s.WithTx(context.WithoutCancel(detach(ctx)), func(ctx context.Context) error { n, err = draw(ctx); return err })
	}
	if err != nil {
		return "", err
	}
	return f.Render(n, at, s.install.Site), nil
}

func (s *Store) drawCounter(ctx context.Context, kind, period string) (int64, error) {
	db := s.conn(ctx)
	if err := db.Exec(`INSERT INTO number_sequences (kind, period, next_value) VALUES (?, ?, 1)
		ON CONFLICT (kind, period) DO NOTHING`, kind, period).Error; err != nil {
		return 0, dbErr(err)
	}
	var n int64
	err := db.Raw(`UPDATE number_sequences SET next_value = next_value + 1
		WHERE kind = ? AND period = ? RETURNING next_value - 1`, kind, period).Scan(&n).Error
	return n, dbErr(err)
}

// detach returns ctx without the store transaction it may carry (nor the
// step it may be in).
func detach(ctx context.Context) context.Context { return detachedCtx{ctx} }

type detachedCtx struct{ context.Context }

// Value hides store transactions and steps from the parent context.
func (d detachedCtx) Value(key any) any {
	switch key.(type) {
	case txKey, stepKey:
		return nil
	}
	return d.Context.Value(key)
}

package store

import (
	"context"
	"fmt"
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

// NumberCounter is the next value a number kind's counter gives in a
// period ("" for a counter that never resets, else the year).
type NumberCounter struct {
	Kind      string
	Period    string
	NextValue int64
}

// NumberCounters lists every counter that has issued a number (admins).
func (s *Store) NumberCounters(ctx context.Context) ([]NumberCounter, error) {
	if !model.ActorFrom(ctx).IsAdmin() {
		return nil, model.Errorf(model.EFORBIDDEN, "only admins read the number counters")
	}
	var out []NumberCounter
	err := s.conn(ctx).Table("number_sequences").Select("kind, period, next_value").Order("kind, period").Scan(&out).Error
	return out, dbErr(err)
}

// Installation returns the numbering settings cmd gave the store.
func (s *Store) Installation() Installation { return s.install }

// SetNextNumber makes kind's counter of the current period issue next as
// its next value: to continue the numbers of the system Rapport replaces.
// Only upwards — a number once issued must never be issued again — and for
// admins; the change is audited in the same transaction.
func (s *Store) SetNextNumber(ctx context.Context, kind string, next int64) (NumberCounter, error) {
	f, ok := model.NumberKinds[kind]
	if !ok {
		return NumberCounter{}, model.Errorf(model.ENOTFOUND, "no number kind %q", kind)
	}
	if !model.ActorFrom(ctx).IsAdmin() {
		return NumberCounter{}, model.Errorf(model.EFORBIDDEN, "only admins set the number counters")
	}
	loc := s.install.Location
	if loc == nil {
		loc = time.UTC
	}
	c := NumberCounter{Kind: kind, Period: f.Period(time.Now().In(loc)), NextValue: next}
	err := s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		if err := db.Exec(`INSERT INTO number_sequences (kind, period, next_value) VALUES (?, ?, 1)
			ON CONFLICT (kind, period) DO NOTHING`, kind, c.Period).Error; err != nil {
			return dbErr(err)
		}
		var cur int64
		q := db.Table("number_sequences").Select("next_value").Where("kind = ? AND period = ?", kind, c.Period)
		if s.engine == migrate.Postgres {
			q = q.Clauses(forUpdate())
		}
		if err := q.Scan(&cur).Error; err != nil {
			return dbErr(err)
		}
		if next < cur || next > maxNumberValue {
			fe := model.FieldErrors{}
			fe.Add("next_value", fmt.Sprintf("must be from %d (numbers up to %d were issued) to %d", cur, cur-1, int64(maxNumberValue)))
			return fe.Err()
		}
		if err := db.Exec(`UPDATE number_sequences SET next_value = ? WHERE kind = ? AND period = ?`, next, kind, c.Period).Error; err != nil {
			return dbErr(err)
		}
		return s.Audit(ctx, "numbering.set", "", kind, "", map[string]any{"period": c.Period, "from": cur, "to": next})
	})
	return c, err
}

// maxNumberValue bounds a counter set by hand (a typo of many digits would
// otherwise widen every later number).
const maxNumberValue = 1_000_000_000

package store

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"rapport/model"
)

func init() { writeRules["contract"] = contractRule }

// EntitlementQuery asks whether an account is entitled to service for a
// product or a registered unit on a day. A registration given fills in an
// empty account (its owner) and product (its product).
type EntitlementQuery struct {
	AccountID, ProductID, RegistrationID string
	Day                                  model.Date
	// request is the request being checked, whose own use of a contract
	// does not count against the units left for it.
	request string
}

// EntitlementResult is the verdict (model.EntitlementCovered, None,
// Expired or Exhausted), the contract it rests on (nil when not covered)
// and, for a contract with prepaid units, how many are left.
type EntitlementResult struct {
	Status    string          `json:"status"`
	Contract  *model.Contract `json:"contract"`
	UnitsLeft *model.Decimal  `json:"units_left"`
}

// Entitlement checks an account's service contracts (not draft or
// cancelled) covering the registration or the product: one in force on
// the day covers it, unless its prepaid units are used up (a covering
// contract with units left wins); only ended ones make it expired; none,
// not covered. It is the server's check, made whatever the actor may see.
func (s *Store) Entitlement(ctx context.Context, q EntitlementQuery) (EntitlementResult, error) {
	if _, err := s.resolveRegistration(ctx, &q); err != nil {
		return EntitlementResult{}, err
	}
	if q.Day.IsZero() {
		q.Day = s.todayDate()
	}
	q.Day = dateOf(q.Day.Time)
	covering, err := s.coveringContracts(ctx, q)
	if err != nil {
		return EntitlementResult{}, err
	}
	return s.verdict(ctx, q, covering)
}

// verdict is the entitlement the covering contracts give on the query's day.
func (s *Store) verdict(ctx context.Context, q EntitlementQuery, covering []*model.Contract) (EntitlementResult, error) {
	res := EntitlementResult{Status: model.EntitlementNone}
	for _, c := range covering {
		switch {
		case c.InForce(q.Day):
			left, err := s.unitsLeft(ctx, c, q.request)
			if err != nil {
				return EntitlementResult{}, err
			}
			if left == nil || left.IsPositive() {
				return EntitlementResult{Status: model.EntitlementCovered, Contract: c, UnitsLeft: left}, nil
			}
			if res.Status != model.EntitlementExhausted {
				res = EntitlementResult{Status: model.EntitlementExhausted, Contract: c, UnitsLeft: left}
			}
		case res.Status == model.EntitlementNone && c.EndDate != nil && c.EndDate.Before(q.Day.Time):
			res = EntitlementResult{Status: model.EntitlementExpired, Contract: c}
		}
	}
	return res, nil
}

// resolveRegistration loads the query's registration, if any, defaults the
// account and product from it and refuses a registration another account
// owns.
func (s *Store) resolveRegistration(ctx context.Context, q *EntitlementQuery) (*model.Registration, error) {
	if q.RegistrationID == "" {
		return nil, nil
	}
	var reg model.Registration
	if !model.ValidID(q.RegistrationID) {
		return nil, fieldErr("registration_id", "no registration with id "+q.RegistrationID)
	}
	err := s.conn(ctx).Where("id = ? AND deleted_at IS NULL", q.RegistrationID).Take(&reg).Error
	if model.ErrorCode(dbErr(err)) == model.ENOTFOUND {
		return nil, fieldErr("registration_id", "no registration with id "+q.RegistrationID)
	} else if err != nil {
		return nil, dbErr(err)
	}
	owner := deref(reg.AccountID)
	if q.AccountID == "" {
		q.AccountID = owner
	} else if owner != "" && owner != q.AccountID {
		return nil, fieldErr("registration_id", "registration "+reg.Serial+" belongs to another account")
	}
	if q.ProductID == "" {
		q.ProductID = reg.ProductID
	}
	return &reg, nil
}

// coveringContracts lists the account's live service contracts, neither
// draft nor cancelled, that cover the query's registration or product:
// those naming the registration first, then by start date and number.
func (s *Store) coveringContracts(ctx context.Context, q EntitlementQuery) ([]*model.Contract, error) {
	if q.AccountID == "" || (q.ProductID == "" && q.RegistrationID == "") {
		return nil, nil
	}
	var all []*model.Contract
	err := s.conn(ctx).Where("account_id = ? AND kind = ? AND status = ? AND deleted_at IS NULL",
		q.AccountID, model.ContractService, model.ContractActive).Order("start_date, number").Find(&all).Error
	if err != nil {
		return nil, dbErr(err)
	}
	var byRegistration, byProduct []*model.Contract
	for _, c := range all {
		switch {
		case q.RegistrationID != "" && slices.Contains(c.RegistrationIDs, q.RegistrationID):
			byRegistration = append(byRegistration, c)
		case q.ProductID != "" && slices.Contains(c.ProductIDs, q.ProductID):
			byProduct = append(byProduct, c)
		}
	}
	return append(byRegistration, byProduct...), nil
}

// unitsLeft is what remains of a contract's prepaid units now, never below
// zero (nil for a contract without prepaid units), not counting request
// exceptID's own use.
func (s *Store) unitsLeft(ctx context.Context, c *model.Contract, exceptID string) (*model.Decimal, error) {
	if c.PrepaidUnit == "" {
		return nil, nil
	}
	use, err := s.usageByContract(ctx, []string{c.ID}, now().Add(time.Microsecond), exceptID)
	if err != nil {
		return nil, err
	}
	left := unitsAfter(c, use[c.ID].of(c.PrepaidUnit))
	return &left, nil
}

// unitsAfter is what is left of a contract's prepaid units after used,
// never below zero.
func unitsAfter(c *model.Contract, used model.Decimal) model.Decimal {
	return model.Decimal{Decimal: decimal.Max(c.PrepaidUnits.Sub(used.Decimal), decimal.Zero)}
}

// ContractUsage is how many of a contract's prepaid units were used before
// an instant: for hours, the time booked (billable or not) on its requests,
// each entry counting from the start of its day in the installation's
// zone; for requests, its live requests created before then. A contract
// without prepaid units uses none.
func (s *Store) ContractUsage(ctx context.Context, c *model.Contract, before time.Time) (model.Decimal, error) {
	use, err := s.usageByContract(ctx, []string{c.ID}, before, "")
	return use[c.ID].of(c.PrepaidUnit), err
}

// contractUse is the requests and booked minutes under a contract.
type contractUse struct{ requests, minutes int64 }

// of is the use counted in a prepaid unit: hours or requests.
func (u contractUse) of(unit string) model.Decimal {
	switch unit {
	case model.UnitsHours:
		return u.hours()
	case model.UnitsRequests:
		return model.DecInt(u.requests)
	}
	return model.Decimal{}
}

func (u contractUse) hours() model.Decimal {
	return model.Decimal{Decimal: decimal.NewFromInt(u.minutes).Div(decimal.NewFromInt(60)).Round(model.DecimalPlaces)}
}

// usageByContract counts, per contract, its live requests created before
// an instant and the minutes booked on them on days that started before
// it, leaving out request exceptID; two grouped queries per 500 contracts.
func (s *Store) usageByContract(ctx context.Context, ids []string, before time.Time, exceptID string) (map[string]contractUse, error) {
	lastDay := before.Add(-time.Nanosecond).In(s.today().Location()).Format(model.DateLayout)
	out := make(map[string]contractUse, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		var requests, minutes []struct {
			ContractID string
			N          int64
		}
		err := s.conn(ctx).Table("requests").Select("contract_id, COUNT(*) AS n").
			Where("contract_id IN ? AND deleted_at IS NULL AND created_at < ? AND id <> ?", chunk, before, exceptID).
			Group("contract_id").Find(&requests).Error
		if err == nil {
			err = s.conn(ctx).Table("time_entries e").Joins("JOIN requests r ON r.id = e.request_id").
				Select("r.contract_id AS contract_id, SUM(e.minutes) AS n").
				Where("r.contract_id IN ? AND r.deleted_at IS NULL AND e.deleted_at IS NULL AND e.day <= ? AND r.id <> ?", chunk, lastDay, exceptID).
				Group("r.contract_id").Find(&minutes).Error
		}
		if err != nil {
			return nil, dbErr(err)
		}
		for _, row := range requests {
			out[row.ContractID] = contractUse{requests: row.N}
		}
		for _, row := range minutes {
			u := out[row.ContractID]
			u.minutes = row.N
			out[row.ContractID] = u
		}
	}
	return out, nil
}

// todayDate is today's date in the installation's time zone.
func (s *Store) todayDate() model.Date { return dateOf(s.today()) }

// dateOf is the calendar date of t in t's zone, as a Date.
func dateOf(t time.Time) model.Date {
	return model.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

// ContractUsageSummary is a contract's prepaid units and their use so far.
type ContractUsageSummary struct {
	PrepaidUnit  string        `json:"prepaid_unit"`
	PrepaidUnits model.Decimal `json:"prepaid_units"`
	Used         model.Decimal `json:"used"`
	Left         model.Decimal `json:"left"` // never below zero
	Requests     int64         `json:"requests"`
	Hours        model.Decimal `json:"hours"`
}

// UsageOf summarises a contract the actor may see: its prepaid units, how
// many are used and left, and the requests and hours under it so far.
func (s *Store) UsageOf(ctx context.Context, id string) (ContractUsageSummary, error) {
	c, err := Get[model.Contract](ctx, s, id)
	if err != nil {
		return ContractUsageSummary{}, err
	}
	use, err := s.usageByContract(ctx, []string{c.ID}, now().Add(time.Microsecond), "")
	if err != nil {
		return ContractUsageSummary{}, err
	}
	u := use[c.ID]
	used := u.of(c.PrepaidUnit)
	return ContractUsageSummary{PrepaidUnit: c.PrepaidUnit, PrepaidUnits: c.PrepaidUnits, Used: used, Left: unitsAfter(c, used),
		Requests: u.requests, Hours: u.hours()}, nil
}

// contractRule numbers a new contract and checks what needs other records:
// its registrations belong to its account, its specialist rates name
// users, its level has service-level targets, and no other contract of the
// same kind for the account covers a product or registration it covers on
// overlapping dates. An update re-checks only when those terms change (so
// a contract whose level lost its targets since stays editable otherwise),
// and a new end date lets contract.expiring be sent again.
func contractRule(ctx context.Context, s *Store, rec, prev model.Record) error {
	c := rec.(*model.Contract)
	if prev == nil {
		n, err := s.NextNumber(ctx, model.ContractNumberKind)
		if err != nil {
			return err
		}
		c.Number, c.ExpiryNoticeAt = n, nil
	} else {
		old := prev.(*model.Contract)
		if !sameDate(c.EndDate, old.EndDate) {
			c.ExpiryNoticeAt = nil
		}
		if !termsChanged(c, old) {
			return nil
		}
	}
	for _, check := range []func(context.Context, *model.Contract) error{
		s.checkContractRegistrations, s.checkSpecialists, s.checkContractLevel, s.checkOverlap,
	} {
		if err := check(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// termsChanged reports whether an update touches what contractRule checks.
func termsChanged(c, old *model.Contract) bool {
	return c.AccountID != old.AccountID || c.Kind != old.Kind || c.Status != old.Status || c.Level != old.Level ||
		!c.StartDate.Equal(old.StartDate.Time) || !sameDate(c.EndDate, old.EndDate) ||
		!slices.Equal(c.ProductIDs, old.ProductIDs) || !slices.Equal(c.RegistrationIDs, old.RegistrationIDs) ||
		!maps.EqualFunc(c.SpecialistRates, old.SpecialistRates, func(a, b model.Decimal) bool { return a.Equal(b.Decimal) })
}

func sameDate(a, b *model.Date) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(b.Time))
}

// checkContractRegistrations refuses registrations another account owns
// (unknown ones are left to the reference check).
func (s *Store) checkContractRegistrations(ctx context.Context, c *model.Contract) error {
	if len(c.RegistrationIDs) == 0 {
		return nil
	}
	var regs []model.Registration
	err := s.conn(ctx).Where("id IN ? AND deleted_at IS NULL", c.RegistrationIDs).Find(&regs).Error
	if err != nil {
		return dbErr(err)
	}
	fe := model.FieldErrors{}
	for _, r := range regs {
		if deref(r.AccountID) != c.AccountID {
			fe.Add("registration_ids", "registration "+r.Serial+" does not belong to the contract's account")
		}
	}
	return fe.Err()
}

// checkSpecialists refuses specialist rates of anyone who is not a user.
func (s *Store) checkSpecialists(ctx context.Context, c *model.Contract) error {
	if len(c.SpecialistRates) == 0 {
		return nil
	}
	ids := make([]string, 0, len(c.SpecialistRates))
	for id := range c.SpecialistRates {
		ids = append(ids, id)
	}
	var found []string
	if err := s.conn(ctx).Model(&model.User{}).Where("id IN ? AND deleted_at IS NULL", ids).Pluck("id", &found).Error; err != nil {
		return dbErr(err)
	}
	fe := model.FieldErrors{}
	for _, id := range ids {
		if !slices.Contains(found, id) {
			fe.Add("specialist_rates."+id, "no user with id "+id)
		}
	}
	return fe.Err()
}

// checkContractLevel refuses a level no service-level target is set for.
func (s *Store) checkContractLevel(ctx context.Context, c *model.Contract) error {
	if c.Level == "" {
		return nil
	}
	var levels []string
	err := s.conn(ctx).Model(&model.SLATarget{}).Distinct("contract_level").
		Where("contract_level <> '' AND deleted_at IS NULL").Order("contract_level").Pluck("contract_level", &levels).Error
	if err != nil {
		return dbErr(err)
	}
	if slices.Contains(levels, c.Level) {
		return nil
	}
	known := "none yet; add sla_targets with a contract_level first"
	if len(levels) > 0 {
		known = strings.Join(levels, ", ")
	}
	return fieldErr("level", "no service-level targets for level "+c.Level+"; known levels: "+known)
}

// checkOverlap refuses a contract that overlaps another of the same kind
// for the same account: sharing a product or a registration, on
// overlapping dates, neither cancelled.
func (s *Store) checkOverlap(ctx context.Context, c *model.Contract) error {
	if c.Status == model.ContractCancelled {
		return nil
	}
	var others []*model.Contract
	err := s.conn(ctx).Where("account_id = ? AND kind = ? AND status <> ? AND id <> ? AND deleted_at IS NULL",
		c.AccountID, c.Kind, model.ContractCancelled, c.ID).Order("number").Find(&others).Error
	if err != nil {
		return dbErr(err)
	}
	for _, o := range others {
		if datesOverlap(c, o) && (sharesAny(c.ProductIDs, o.ProductIDs) || sharesAny(c.RegistrationIDs, o.RegistrationIDs)) {
			return model.Errorf(model.ECONFLICT, "contract %s (%s) already covers a product or registration of this contract on overlapping dates; end it or cancel it first",
				o.Number, o.Name)
		}
	}
	return nil
}

// datesOverlap reports whether two contracts' periods share a day (an open
// end runs for ever).
func datesOverlap(a, b *model.Contract) bool {
	startsBeforeEnd := func(x, y *model.Contract) bool { return y.EndDate == nil || !x.StartDate.After(y.EndDate.Time) }
	return startsBeforeEnd(a, b) && startsBeforeEnd(b, a)
}

func sharesAny(a, b []string) bool {
	return slices.ContainsFunc(a, func(x string) bool { return slices.Contains(b, x) })
}

// NoticeExpiringContracts sends contract.expiring for active contracts
// ending within days from today (in the installation's time zone) that
// have not had their notice: each gets expiry_notice_at set, a server
// write whose change carries the event. At most limit contracts, in one
// transaction; it returns how many were noticed.
func (s *Store) NoticeExpiringContracts(ctx context.Context, days, limit int) (int, error) {
	today := s.todayDate()
	until := model.Date{Time: today.AddDate(0, 0, days)}
	var ids []string
	err := s.conn(ctx).Model(&model.Contract{}).
		Where("status = ? AND expiry_notice_at IS NULL AND deleted_at IS NULL AND end_date >= ? AND end_date <= ?",
			model.ContractActive, today, until).
		Order("end_date, number").Limit(limit).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, dbErr(err)
	}
	noticed := 0
	err = s.WithTx(ctx, func(ctx context.Context) error {
		t := now()
		for _, id := range ids {
			fresh := false // not noticed by a concurrent pass meanwhile
			_, err := Update(serverWrite(ctx), s, id, 0, func(c *model.Contract) error {
				if fresh = c.ExpiryNoticeAt == nil; fresh {
					c.ExpiryNoticeAt = &t
				}
				return nil
			})
			if err != nil {
				return err
			}
			if fresh {
				s.tagEvent(ctx, model.EventContractExpiring)
				noticed++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return noticed, nil
}

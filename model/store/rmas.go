package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"rapport/model"
)

func init() { writeRules["rma"] = rmaRule }

// rmaRule numbers a new return and starts it as requested; afterwards it
// keeps what a client may not change by editing the record: the status
// moves only through MoveRMA (which records each step), and where the
// return came from and whose it is stay as they were made.
func rmaRule(ctx context.Context, s *Store, rec, prev model.Record) error {
	r := rec.(*model.RMA)
	if prev == nil {
		r.Status, r.RejectReason, r.ServiceOrderID = model.RMARequested, "", nil
		r.AuthorisedAt, r.ReceivedAt, r.ShippedAt, r.ClosedAt = nil, nil, nil, nil
		n, err := s.NextNumber(ctx, model.RMANumberKind)
		r.Number = n
		return err
	}
	if isServerWrite(ctx) {
		return nil
	}
	p := prev.(*model.RMA)
	if r.Status != p.Status {
		return fieldErr("status", "a return changes status by POST /rmas/{id}/status (with a note, carrier and tracking number), not by PATCH")
	}
	fe := model.FieldErrors{}
	for _, f := range []struct {
		name      string
		was, next *string
	}{{"request_id", p.RequestID, r.RequestID}, {"order_id", p.OrderID, r.OrderID}, {"account_id", p.AccountID, r.AccountID}} {
		if deref(f.was) != deref(f.next) {
			fe.Add(f.name, "fixed when the return is made; make a new return instead")
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.ownerAccount(ctx, &r.AccountID, r.ContactID)
}

// CreateRMA makes a return from a request or an order, with its lines, in
// one transaction: the account and contact default from the request or
// order; each line with a serial is matched to its registered unit (whose
// product it takes); lines of an order's return must be on the order and,
// over all its live returns, not exceed what was ordered. The number is
// drawn once everything is valid, and the first step of the workflow
// ("" → requested) is recorded. The create change is the rma.created event.
func (s *Store) CreateRMA(ctx context.Context, r *model.RMA, in []model.RMALineInput) ([]model.RMALine, error) {
	var lines []model.RMALine
	err := s.WithTx(ctx, func(ctx context.Context) error {
		r.Normalize()
		if err := s.rmaSource(ctx, r); err != nil {
			return err
		}
		var err error
		if lines, err = s.rmaLines(ctx, r, in); err != nil {
			return err
		}
		r.LineCount = len(lines)
		if err := Create(ctx, s, r); err != nil {
			return err
		}
		if err := s.insertRMALines(ctx, r.ID, lines); err != nil {
			return err
		}
		return s.logRMAStatus(ctx, r.ID, "", r.Status, "")
	})
	return lines, err
}

// rmaSource checks the request or order a new return comes from and takes
// the customer from it (the account from the contact when only that is
// known). An order is locked so concurrent returns of it count each other.
func (s *Store) rmaSource(ctx context.Context, r *model.RMA) error {
	if r.RequestID == nil && r.OrderID == nil {
		return fieldErr("request_id", "a return comes from a request or an order: give request_id or order_id")
	}
	if r.RequestID != nil {
		req, err := Get[model.Request](ctx, s, *r.RequestID)
		if err != nil {
			return missingAs(err, "request_id", "no request with id "+*r.RequestID)
		}
		defaultRef(&r.AccountID, req.AccountID)
		defaultRef(&r.ContactID, req.ContactID)
	}
	if r.OrderID != nil {
		o, err := getForUpdate[model.Order](ctx, s, *r.OrderID)
		if err != nil {
			return missingAs(err, "order_id", "no order with id "+*r.OrderID)
		}
		defaultRef(&r.AccountID, o.AccountID)
		defaultRef(&r.ContactID, o.ContactID)
	}
	if r.AccountID != nil {
		return nil
	}
	return s.ownerAccount(ctx, &r.AccountID, r.ContactID)
}

// defaultRef sets *dst to src when it is unset.
func defaultRef(dst **string, src *string) {
	if *dst == nil && src != nil {
		v := *src
		*dst = &v
	}
}

// missingAs turns "not found" into the client's invalid reference.
func missingAs(err error, field, msg string) error {
	if model.ErrorCode(err) == model.ENOTFOUND {
		return fieldErr(field, msg)
	}
	return err
}

// rmaLines builds, checks and resolves a return's lines (see CreateRMA).
// It reads but writes nothing; r's account may be filled in from the
// registered units.
func (s *Store) rmaLines(ctx context.Context, r *model.RMA, in []model.RMALineInput) ([]model.RMALine, error) {
	switch {
	case len(in) == 0:
		return nil, fieldErr("lines", "a return has at least one line")
	case len(in) > model.MaxRMALines:
		return nil, fieldErr("lines", fmt.Sprintf("at most %d lines", model.MaxRMALines))
	}
	fe := model.FieldErrors{}
	lines := make([]model.RMALine, len(in))
	for i, x := range in {
		lines[i] = x.Line(i + 1)
		lines[i].Validate(fe, lineAt(i))
		textField(fe, lineAt(i)+".reason_text", lines[i].ReasonText, 2000)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if err := s.resolveUnits(ctx, r, lines); err != nil {
		return nil, err
	}
	if err := s.checkLineProducts(ctx, lines); err != nil {
		return nil, err
	}
	if r.OrderID == nil {
		return lines, nil
	}
	return lines, s.checkReturnedQuantities(ctx, r, lines)
}

func lineAt(i int) string { return fmt.Sprintf("lines[%d]", i) }

// resolveUnits matches each line with a serial to its registered unit: the
// line takes the unit's product (a different product given is refused);
// the unit must not belong to another account, appear twice, or be on
// another open return. It runs in a write transaction.
func (s *Store) resolveUnits(ctx context.Context, r *model.RMA, lines []model.RMALine) error {
	fe := model.FieldErrors{}
	seen := map[string]int{}
	for i := range lines {
		l := &lines[i]
		if l.Serial == "" {
			continue
		}
		at := lineAt(i)
		units, err := s.registrationsBySerial(ctx, l.Serial, "")
		if err != nil {
			return err
		}
		u, field, msg := pickUnit(units, l.Serial, l.ProductID)
		if u != nil {
			field, msg = "serial", unitProblem(u, r.AccountID, seen)
		}
		if msg != "" {
			fe.Add(at+"."+field, msg)
			continue
		}
		seen[u.ID] = i
		defaultRef(&r.AccountID, u.AccountID)
		l.ProductID, l.RegistrationID = u.ProductID, &u.ID
		// Locked (on PostgreSQL) so that two returns of one unit made at
		// once see each other.
		if _, err := getForUpdate[model.Registration](ctx, s, u.ID); err != nil {
			return err
		}
		if err := s.checkUnitFree(ctx, u, r.ID); err != nil {
			return err
		}
	}
	return fe.Err()
}

// unitProblem says why a registered unit cannot be on a line of a return
// for account, or "": it belongs to another account, or an earlier line
// (in seen, unit → line index) has it.
func unitProblem(u *model.Registration, account *string, seen map[string]int) string {
	if j, dup := seen[u.ID]; dup {
		return fmt.Sprintf("the unit with serial %s is on line %d already", u.Serial, j+1)
	}
	if u.AccountID != nil && account != nil && *u.AccountID != *account {
		return "the unit with serial " + u.Serial + " is registered to another account"
	}
	return ""
}

// pickUnit chooses the registered unit a line's serial names, or says
// which field is wrong and why.
func pickUnit(units []model.Registration, serial, productID string) (*model.Registration, string, string) {
	switch {
	case len(units) == 0:
		return nil, "serial", "no registered unit with serial " + serial
	case productID != "":
		for i := range units {
			if units[i].ProductID == productID {
				return &units[i], "", ""
			}
		}
		return nil, "product_id", "the unit with serial " + serial + " is registered as product " + units[0].ProductID + ", not " + productID
	case len(units) > 1:
		return nil, "product_id", "serial " + serial + " is registered for several products: give product_id"
	}
	return &units[0], "", ""
}

// checkUnitFree refuses a unit already on another open return.
func (s *Store) checkUnitFree(ctx context.Context, u *model.Registration, rmaID string) error {
	var numbers []string
	err := s.conn(ctx).Table("rma_lines AS l").Joins("JOIN rmas r ON r.id = l.rma_id").
		Where("l.registration_id = ? AND r.id <> ? AND r.deleted_at IS NULL AND r.status NOT IN ?", u.ID, rmaID, []string{model.RMAClosed, model.RMARejected}).
		Limit(1).Pluck("r.number", &numbers).Error
	if err != nil {
		return dbErr(err)
	}
	if len(numbers) > 0 {
		return model.Errorf(model.ECONFLICT, "the unit with serial %s is already on return %s, which is still open", u.Serial, numbers[0])
	}
	return nil
}

// checkLineProducts refuses lines whose product does not exist.
func (s *Store) checkLineProducts(ctx context.Context, lines []model.RMALine) error {
	ids := make([]string, 0, len(lines))
	for _, l := range lines {
		ids = append(ids, l.ProductID)
	}
	var found []string
	if err := s.conn(ctx).Model(&model.Product{}).Where("id IN ? AND deleted_at IS NULL", model.Dedupe(ids)).Pluck("id", &found).Error; err != nil {
		return dbErr(err)
	}
	fe := model.FieldErrors{}
	for i, l := range lines {
		if !slices.Contains(found, l.ProductID) {
			fe.Add(lineAt(i)+".product_id", "no product with id "+l.ProductID)
		}
	}
	return fe.Err()
}

// checkReturnedQuantities refuses lines of an order's return whose product
// is not on the order, or whose quantity, with what the order's other live
// (not rejected) returns take back, exceeds what was ordered.
func (s *Store) checkReturnedQuantities(ctx context.Context, r *model.RMA, lines []model.RMALine) error {
	var ordered []struct {
		ProductID string
		Quantity  model.Decimal
	}
	var returned []struct {
		ProductID string
		Quantity  int64
	}
	err := s.conn(ctx).Table("order_lines").Select("product_id, SUM(quantity) AS quantity").
		Where("doc_id = ? AND product_id IS NOT NULL", *r.OrderID).Group("product_id").Scan(&ordered).Error
	if err != nil {
		return dbErr(err)
	}
	err = s.conn(ctx).Table("rma_lines AS l").Joins("JOIN rmas r ON r.id = l.rma_id").Select("l.product_id, SUM(l.quantity) AS quantity").
		Where("r.order_id = ? AND r.id <> ? AND r.deleted_at IS NULL AND r.status <> ?", *r.OrderID, r.ID, model.RMARejected).
		Group("l.product_id").Scan(&returned).Error
	if err != nil {
		return dbErr(err)
	}
	have, back := map[string]model.Decimal{}, map[string]int64{}
	for _, o := range ordered {
		have[o.ProductID] = o.Quantity
	}
	for _, x := range returned {
		back[x.ProductID] = x.Quantity
	}
	fe := model.FieldErrors{}
	for i, l := range lines {
		limit, ok := have[l.ProductID]
		back[l.ProductID] += int64(l.Quantity)
		switch {
		case !ok:
			fe.Add(lineAt(i)+".product_id", "product "+l.ProductID+" is not on the order")
		case model.DecInt(back[l.ProductID]).GreaterThan(limit.Decimal):
			fe.Add(lineAt(i)+".quantity", fmt.Sprintf("%d returned in all, but the order has only %s", back[l.ProductID], limit.String()))
		}
	}
	return fe.Err()
}

// insertRMALines stores a return's lines.
func (s *Store) insertRMALines(ctx context.Context, rmaID string, lines []model.RMALine) error {
	for i := range lines {
		lines[i].RMAID = rmaID
	}
	return dbErr(s.conn(ctx).CreateInBatches(&lines, s.batchRows(10)).Error)
}

// rmaLinesOf returns a return's lines in order.
func (s *Store) rmaLinesOf(ctx context.Context, rmaID string) ([]model.RMALine, error) {
	out := []model.RMALine{}
	return out, dbErr(s.conn(ctx).Where("rma_id = ?", rmaID).Order("position, id").Find(&out).Error)
}

// RMALines returns the lines of a return the actor may see.
func (s *Store) RMALines(ctx context.Context, id string) ([]model.RMALine, error) {
	if _, err := Get[model.RMA](ctx, s, id); err != nil {
		return nil, err
	}
	return s.rmaLinesOf(ctx, id)
}

// ReplaceRMALines replaces every line of a return that is still requested
// or authorised (and has no service order yet), with the checks of
// CreateRMA; the return's next version carries the old and new lines.
func (s *Store) ReplaceRMALines(ctx context.Context, id string, ifVersion int64, in []model.RMALineInput) (*model.RMA, []model.RMALine, error) {
	var lines []model.RMALine
	r, err := editRecord(ctx, s, id, ifVersion, func(ctx context.Context, r *model.RMA) (map[string]model.FieldChange, string, error) {
		if (r.Status != model.RMARequested && r.Status != model.RMAAuthorised) || r.ServiceOrderID != nil {
			return nil, "", model.Errorf(model.ECONFLICT, "the return is %s%s; its lines can no longer change",
				strings.ReplaceAll(r.Status, "_", " "), map[bool]string{true: " with a service order"}[r.ServiceOrderID != nil])
		}
		old, err := s.rmaLinesOf(ctx, r.ID)
		if err != nil {
			return nil, "", err
		}
		if lines, err = s.rmaLines(ctx, r, in); err != nil {
			return nil, "", err
		}
		if err := s.conn(ctx).Where("rma_id = ?", r.ID).Delete(&model.RMALine{}).Error; err != nil {
			return nil, "", dbErr(err)
		}
		r.LineCount = len(lines)
		return map[string]model.FieldChange{"lines": {Old: old, New: lines}}, "", s.insertRMALines(ctx, r.ID, lines)
	})
	return r, lines, err
}

// RMAMove is one step of a return's workflow: the new status, a note for
// the history, the carrier and tracking number of a shipment, and the
// reason of a rejection.
type RMAMove struct {
	Status         string `json:"status"`
	Note           string `json:"note"`
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	RejectReason   string `json:"reject_reason"`
}

// MoveRMA moves a return to another status (model.RMA.Move: allowed moves
// only, a reason to reject, the moment stamped) and records the step in
// its history, in one transaction; the change is the rma.status_changed
// event. It is the only way a return changes status.
func (s *Store) MoveRMA(ctx context.Context, id string, ifVersion int64, m RMAMove) (*model.RMA, error) {
	fe := model.FieldErrors{}
	textField(fe, "note", m.Note, 5000)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *model.RMA
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var from string
		var err error
		out, err = Update(serverWrite(ctx), s, id, ifVersion, func(r *model.RMA) error {
			from = r.Status
			if c := strings.TrimSpace(m.Carrier); c != "" {
				r.Carrier = c
			}
			if t := strings.TrimSpace(m.TrackingNumber); t != "" {
				r.TrackingNumber = t
			}
			return r.Move(m.Status, m.RejectReason, now())
		})
		if err != nil {
			return err
		}
		return s.logRMAStatus(ctx, id, from, out.Status, m.Note)
	})
	return out, err
}

// logRMAStatus records one step of a return's workflow.
func (s *Store) logRMAStatus(ctx context.Context, rmaID, from, to, note string) error {
	row := &model.RMAStatusChange{ID: model.NewID(), RMAID: rmaID, FromStatus: from, ToStatus: to, At: now(),
		ActorID: model.ActorFrom(ctx).UserID, Note: strings.TrimSpace(note)}
	return dbErr(s.conn(ctx).Create(row).Error)
}

// DeleteRMA deletes a return that nothing has happened to yet: requested
// or rejected, without a service order. Its lines and history stay with
// the tombstone.
func (s *Store) DeleteRMA(ctx context.Context, id string, ifVersion int64) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		r, err := lockForWrite[model.RMA](ctx, s, id, ifVersion)
		if err != nil {
			return err
		}
		if (r.Status != model.RMARequested && r.Status != model.RMARejected) || r.ServiceOrderID != nil {
			return model.Errorf(model.ECONFLICT, "the return is %s; only a requested or rejected return without a service order is deleted", strings.ReplaceAll(r.Status, "_", " "))
		}
		return Delete[model.RMA](ctx, s, id, ifVersion)
	})
}

// RMAWork is an entry of a return's service work log: what was done and
// how long it took.
type RMAWork struct {
	Body    string `json:"body"`
	Minutes int    `json:"minutes"`
}

// AddRMAWork adds an entry to a return's work log: an internal note
// linked to the return (and to the request it came from, so the desk sees
// the service's work), with the minutes as its duration.
func (s *Store) AddRMAWork(ctx context.Context, id string, w RMAWork) (*model.Activity, error) {
	fe := model.FieldErrors{}
	if strings.TrimSpace(w.Body) == "" {
		fe.Add("body", "required: what was done")
	}
	if w.Minutes < 0 || w.Minutes > 7*24*60 {
		fe.Add("minutes", "from 0 to 10080")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var a *model.Activity
	err := s.WithTx(ctx, func(ctx context.Context) error {
		r, err := Get[model.RMA](ctx, s, id)
		if err != nil {
			return err
		}
		links := []model.Link{{Entity: "rma", ID: r.ID}}
		if r.RequestID != nil {
			links = append(links, model.Link{Entity: "request", ID: *r.RequestID})
		}
		t := now()
		a = &model.Activity{Kind: model.KindNote, Subject: "Service work on " + r.Number, Description: strings.TrimSpace(w.Body),
			Class: "private", AccountID: r.AccountID, ContactID: r.ContactID, DurationSeconds: w.Minutes * 60, StartAt: &t,
			Links: links, Tags: []string{"rma-work"}}
		return prefixFields(Create(ctx, s, a), "activity.")
	})
	return a, err
}

// RMAHistoryEntry is one step of a return's story: a status change or an
// entry of its work log.
type RMAHistoryEntry struct {
	At       time.Time              `json:"at"`
	Type     string                 `json:"type"` // status, work
	Change   *model.RMAStatusChange `json:"status_change,omitempty"`
	Activity *model.Activity        `json:"activity,omitempty"`
}

// RMAHistory returns a return's story, oldest first: its status changes
// and its work log merged by time.
func (s *Store) RMAHistory(ctx context.Context, id string) ([]RMAHistoryEntry, error) {
	if _, err := Get[model.RMA](ctx, s, id); err != nil {
		return nil, err
	}
	var changes []model.RMAStatusChange
	if err := s.conn(ctx).Where("rma_id = ?", id).Order("at, id").Find(&changes).Error; err != nil {
		return nil, dbErr(err)
	}
	var acts []model.Activity
	err := s.conn(ctx).Where("id IN (SELECT activity_id FROM activity_links WHERE entity = 'rma' AND record_id = ?) AND deleted_at IS NULL", id).
		Order("sort_at, id").Find(&acts).Error
	if err != nil {
		return nil, dbErr(err)
	}
	out := make([]RMAHistoryEntry, 0, len(changes)+len(acts))
	i := 0
	for c := range changes {
		for ; i < len(acts) && acts[i].SortAt.Before(changes[c].At); i++ {
			out = append(out, RMAHistoryEntry{At: acts[i].SortAt, Type: "work", Activity: &acts[i]})
		}
		out = append(out, RMAHistoryEntry{At: changes[c].At, Type: "status", Change: &changes[c]})
	}
	for ; i < len(acts); i++ {
		out = append(out, RMAHistoryEntry{At: acts[i].SortAt, Type: "work", Activity: &acts[i]})
	}
	return out, nil
}

// ServiceOrderRequest optionally names the price list that prices a
// return's service order.
type ServiceOrderRequest struct {
	PriceListID string `json:"price_list_id"`
}

// CreateServiceOrder makes the one order that carries out a return's
// repair and replacement lines (refund lines make none: refunds are credit
// notes in billing), once the return is authorised: kind repair when any
// line is a repair, else replacement; priced from the price list given or
// that of the order the items came with. A unit covered by a service
// contract (Entitlement, on the day the return was made) is on the order at
// no charge (100% discount), and an order whose units are all covered is
// not billable. The return records the order, in the same transaction.
func (s *Store) CreateServiceOrder(ctx context.Context, id string, ifVersion int64, in ServiceOrderRequest) (*model.Order, error) {
	var o *model.Order
	_, err := editRecord(ctx, s, id, ifVersion, func(ctx context.Context, r *model.RMA) (map[string]model.FieldChange, string, error) {
		if err := s.serviceOrderAllowed(ctx, r); err != nil {
			return nil, "", err
		}
		lines, err := s.rmaLinesOf(ctx, r.ID)
		if err != nil {
			return nil, "", err
		}
		work := slices.DeleteFunc(lines, func(l model.RMALine) bool { return l.Action == model.RMAActionRefund })
		if len(work) == 0 {
			return nil, "", fieldErr("lines", "the return has only refund lines: refunds are credit notes in billing and make no order")
		}
		pricing, err := s.servicePricing(ctx, r, strings.TrimSpace(in.PriceListID))
		if err != nil {
			return nil, "", err
		}
		covered, err := s.coveredLines(ctx, r, work)
		if err != nil {
			return nil, "", err
		}
		o = serviceOrder(r, work, pricing, covered)
		if _, err := s.CreateOrder(ctx, o, serviceLines(work, covered)); err != nil {
			return nil, "", prefixFields(err, "service_order.")
		}
		r.ServiceOrderID = &o.ID
		return nil, "", nil
	})
	return o, err
}

// serviceOrderAllowed refuses a second service order, and one for a
// return not yet authorised or rejected.
func (s *Store) serviceOrderAllowed(ctx context.Context, r *model.RMA) error {
	switch {
	case r.ServiceOrderID != nil:
		var numbers []string
		if err := s.conn(ctx).Model(&model.Order{}).Where("id = ?", *r.ServiceOrderID).Pluck("number", &numbers).Error; err != nil {
			return dbErr(err)
		}
		return model.Errorf(model.ECONFLICT, "return %s already has its service order %s", r.Number, append(numbers, *r.ServiceOrderID)[0])
	case r.Status == model.RMARequested:
		return model.Errorf(model.ECONFLICT, "return %s is only requested: authorise it before making its service order", r.Number)
	case r.Status == model.RMARejected:
		return model.Errorf(model.ECONFLICT, "return %s was rejected and gets no service order", r.Number)
	case r.AccountID == nil && r.ContactID == nil:
		return fieldErr("account_id", "the return names no customer to make the order for")
	}
	return nil
}

// servicePricing is the pricing of a return's service order: the price
// list given, else the one of the order the items came with.
func (s *Store) servicePricing(ctx context.Context, r *model.RMA, priceListID string) (model.Pricing, error) {
	if priceListID != "" {
		var pl model.PriceList
		if !model.ValidID(priceListID) {
			return model.Pricing{}, fieldErr("price_list_id", "no price list with id "+priceListID)
		}
		err := s.conn(ctx).Where("id = ? AND deleted_at IS NULL", priceListID).Take(&pl).Error
		if err != nil {
			return model.Pricing{}, missingAs(dbErr(err), "price_list_id", "no price list with id "+priceListID)
		}
		return model.Pricing{Currency: pl.Currency, PriceListID: &pl.ID}, nil
	}
	if r.OrderID == nil {
		return model.Pricing{}, fieldErr("price_list_id", "give the price list that prices the service order (the return did not come from an order)")
	}
	var o model.Order
	if err := s.conn(ctx).Where("id = ?", *r.OrderID).Take(&o).Error; err != nil {
		return model.Pricing{}, dbErr(err)
	}
	if o.PriceListID == nil {
		return model.Pricing{}, fieldErr("price_list_id", "order "+o.Number+" has no price list: give the price list that prices the service order")
	}
	return model.Pricing{Currency: o.Currency, PriceListID: o.PriceListID, Rounding: o.Rounding}, nil
}

// coveredLines asks Entitlement, for each line, whether a service contract
// covered its unit (or product) on the day the return was made; it
// returns the covering contract's number by line id.
func (s *Store) coveredLines(ctx context.Context, r *model.RMA, lines []model.RMALine) (map[string]string, error) {
	day := model.Date{Time: r.CreatedAt.In(s.today().Location())}
	out := map[string]string{}
	for _, l := range lines {
		res, err := s.Entitlement(ctx, EntitlementQuery{AccountID: deref(r.AccountID), ProductID: l.ProductID,
			RegistrationID: deref(l.RegistrationID), Day: day})
		if err != nil {
			return nil, err
		}
		if res.Status == model.EntitlementCovered && res.Contract != nil {
			out[l.ID] = res.Contract.Number
		}
	}
	return out, nil
}

// serviceOrder is the header of a return's service order.
func serviceOrder(r *model.RMA, work []model.RMALine, p model.Pricing, covered map[string]string) *model.Order {
	kind := model.OrderKindReplacement
	if slices.ContainsFunc(work, func(l model.RMALine) bool { return l.Action == model.RMAActionRepair }) {
		kind = model.OrderKindRepair
	}
	notes := "Service order for return " + r.Number + "."
	if len(covered) > 0 {
		contracts := model.Dedupe(slices.Sorted(maps.Values(covered)))
		notes += " Covered by service contract " + strings.Join(contracts, ", ") + ": covered units at no charge."
	}
	return &model.Order{Kind: kind, AccountID: r.AccountID, ContactID: r.ContactID, Billable: len(covered) < len(work),
		ExternalRef: r.Number, Notes: notes, Pricing: p}
}

// serviceLines are the order lines of a return's repair and replacement
// lines; covered units cost nothing.
func serviceLines(work []model.RMALine, covered map[string]string) []model.LineInput {
	out := make([]model.LineInput, len(work))
	hundred := model.DecInt(100)
	for i, l := range work {
		product, qty := l.ProductID, model.DecInt(int64(l.Quantity))
		out[i] = model.LineInput{ProductID: &product, Quantity: &qty}
		if _, ok := covered[l.ID]; ok {
			out[i].DiscountPct = &hundred
		}
	}
	return out
}

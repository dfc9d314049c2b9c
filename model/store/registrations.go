package store

import (
	"context"
	"strings"
	"unicode/utf8"

	"rapport/model"
)

func init() { writeRules["registration"] = registrationRule }

// registrationRule keeps a serial unique per product (a duplicate names the
// registration that has it), takes the owner account from the owner
// contact when only the contact is given and checks that the two agree,
// and leaves a change of owner to TransferRegistration, which keeps the
// owner history. (An unowned registration may be given an owner: that is
// claiming it, not a transfer.)
func registrationRule(ctx context.Context, s *Store, rec, prev model.Record) error {
	r := rec.(*model.Registration)
	if p, ok := prev.(*model.Registration); ok && !isServerWrite(ctx) && hasOwner(p) && !sameOwner(p, r.AccountID, r.ContactID) {
		return fieldErr("account_id", "the owner of a registered product changes by POST /registrations/{id}/transfer, which keeps the owner history")
	}
	if err := s.ownerAccount(ctx, &r.AccountID, r.ContactID); err != nil {
		return err
	}
	var ids []string
	err := s.conn(ctx).Model(&model.Registration{}).Where("product_id = ? AND serial = ? AND id <> ? AND deleted_at IS NULL",
		r.ProductID, r.Serial, r.ID).Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return dbErr(err)
	}
	if len(ids) > 0 {
		return model.Errorf(model.ECONFLICT, "serial %s of this product is already registered: registration %s", r.Serial, ids[0])
	}
	return nil
}

// hasOwner reports whether a registration belongs to anyone.
func hasOwner(r *model.Registration) bool { return r.AccountID != nil || r.ContactID != nil }

// sameOwner reports whether a registration's owner is account and contact.
func sameOwner(r *model.Registration, account, contact *string) bool {
	return deref(r.AccountID) == deref(account) && deref(r.ContactID) == deref(contact)
}

// ownerAccount checks that contact (when given) is a live contact of
// *account, or makes its account the account when none is given.
func (s *Store) ownerAccount(ctx context.Context, account **string, contact *string) error {
	if contact == nil {
		return nil
	}
	var c model.Contact
	err := s.conn(ctx).Select("id, account_id").Where("id = ? AND deleted_at IS NULL", *contact).Take(&c).Error
	if model.ErrorCode(dbErr(err)) == model.ENOTFOUND {
		return fieldErr("contact_id", "no contact with id "+*contact)
	} else if err != nil {
		return dbErr(err)
	}
	switch {
	case *account == nil:
		*account = c.AccountID
	case deref(c.AccountID) != **account:
		return fieldErr("contact_id", "contact "+*contact+" does not belong to account "+**account)
	}
	return nil
}

// registrationsBySerial returns the live registrations with a serial (of
// one product when productID is given), oldest first.
func (s *Store) registrationsBySerial(ctx context.Context, serial, productID string) ([]model.Registration, error) {
	q := s.conn(ctx).Where("serial = ? AND deleted_at IS NULL", serial)
	if productID != "" {
		q = q.Where("product_id = ?", productID)
	}
	var out []model.Registration
	return out, dbErr(q.Order("created_at, id").Limit(50).Find(&out).Error)
}

// QuickRegistration is the short form of registering a product: the serial
// on its label and the owner's e-mail address; the product (by id or SKU)
// when the serial is not known yet; optionally the purchase date and the
// owner's name for a new contact.
type QuickRegistration struct {
	Serial       string      `json:"serial"`
	Email        string      `json:"email"`
	ProductID    string      `json:"product_id"`
	SKU          string      `json:"sku"`
	PurchaseDate *model.Date `json:"purchase_date"`
	FirstName    string      `json:"first_name"`
	LastName     string      `json:"last_name"`
}

// QuickRegister registers a product by serial and e-mail in one
// transaction. The owner is the contact with the e-mail address (and its
// account), made when there is none. A known serial without an owner is
// claimed; one already this owner's is returned as it is; one owned by
// someone else is a conflict. An unknown serial is registered for the
// product given (EINVALID without one). created says whether a
// registration was made.
func (s *Store) QuickRegister(ctx context.Context, in QuickRegistration) (reg *model.Registration, created bool, err error) {
	serial, email := model.NormalizeSerial(in.Serial), strings.ToLower(strings.TrimSpace(in.Email))
	fe := model.FieldErrors{}
	if serial == "" {
		fe.Add("serial", "required: the serial number on the product's label")
	}
	if !model.ValidEmail(email) {
		fe.Add("email", "a valid e-mail address of the owner")
	}
	if err := fe.Err(); err != nil {
		return nil, false, err
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		productID, err := s.productFor(ctx, in.ProductID, in.SKU)
		if err != nil {
			return err
		}
		found, err := s.registrationsBySerial(ctx, serial, productID)
		if err != nil {
			return err
		}
		match, err := s.MatchEmails(ctx, []string{email})
		if err != nil {
			return err
		}
		owner := match[email]
		switch {
		case len(found) > 1:
			return fieldErr("product_id", "serial "+serial+" is registered for several products: give product_id or sku")
		case len(found) == 1:
			reg, err = s.claim(ctx, &found[0], owner, in)
			return err
		case productID == "":
			return fieldErr("product_id", "serial "+serial+" is not registered yet: give product_id or sku to register it")
		}
		if owner.ContactID == "" {
			if owner.ContactID, err = s.newOwnerContact(ctx, email, in); err != nil {
				return err
			}
		}
		reg = &model.Registration{ProductID: productID, Serial: serial, PurchaseDate: in.PurchaseDate,
			AccountID: optional(owner.AccountID), ContactID: optional(owner.ContactID)}
		created = true
		return Create(ctx, s, reg)
	})
	return reg, created, err
}

// claim gives an unowned registration its owner (made as a contact when
// the e-mail address is new); a registration the owner already has is
// returned unchanged, one someone else owns is a conflict.
func (s *Store) claim(ctx context.Context, reg *model.Registration, owner EmailMatch, in QuickRegistration) (*model.Registration, error) {
	if hasOwner(reg) {
		mine := owner.ContactID != "" && (deref(reg.ContactID) == owner.ContactID ||
			(reg.ContactID == nil && deref(reg.AccountID) == owner.AccountID))
		if !mine {
			return nil, model.Errorf(model.ECONFLICT, "serial %s is registered to another owner; its owner may transfer it", reg.Serial)
		}
		return reg, nil
	}
	if owner.ContactID == "" {
		var err error
		if owner.ContactID, err = s.newOwnerContact(ctx, strings.ToLower(strings.TrimSpace(in.Email)), in); err != nil {
			return nil, err
		}
	}
	return Update(serverWrite(ctx), s, reg.ID, 0, func(r *model.Registration) error {
		r.AccountID, r.ContactID = optional(owner.AccountID), optional(owner.ContactID)
		if r.PurchaseDate == nil {
			r.PurchaseDate = in.PurchaseDate
		}
		return nil
	})
}

// newOwnerContact makes the contact of a quick registration's new owner.
func (s *Store) newOwnerContact(ctx context.Context, email string, in QuickRegistration) (string, error) {
	c := &model.Contact{FirstName: in.FirstName, LastName: in.LastName, Emails: []model.Labeled{{Type: "work", Value: email}}}
	if err := Create(ctx, s, c); err != nil {
		return "", prefixFields(err, "contact.")
	}
	return c.ID, nil
}

// productFor resolves a product given by id or SKU ("" when neither is
// given); both must name the same live product.
func (s *Store) productFor(ctx context.Context, id, sku string) (string, error) {
	id, sku = strings.TrimSpace(id), strings.TrimSpace(sku)
	if id == "" && sku == "" {
		return "", nil
	}
	q, field, value := s.conn(ctx).Model(&model.Product{}).Where("deleted_at IS NULL"), "product_id", id
	if id != "" {
		if !model.ValidID(id) {
			return "", fieldErr("product_id", "no product with id "+id)
		}
		q = q.Where("id = ?", id)
	} else {
		q, field, value = q.Where("sku = ?", sku), "sku", sku
	}
	var p model.Product
	err := q.Select("id, sku").Take(&p).Error
	if model.ErrorCode(dbErr(err)) == model.ENOTFOUND {
		return "", fieldErr(field, "no product "+value)
	} else if err != nil {
		return "", dbErr(err)
	}
	if sku != "" && p.SKU != sku {
		return "", fieldErr("sku", "product "+id+" has SKU "+p.SKU+", not "+sku)
	}
	return p.ID, nil
}

// optional is nil for "" and &s otherwise.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Transfer names a registration's new owner: an account, a contact (its
// account follows) or both, and why.
type Transfer struct {
	AccountID *string `json:"account_id"`
	ContactID *string `json:"contact_id"`
	Note      string  `json:"note"`
}

// TransferRegistration gives a registration a new owner and records the
// transfer (from whom, to whom, who did it, the note) in one transaction
// with the registration.transferred event. Transferring to the owner it
// already has is EINVALID.
func (s *Store) TransferRegistration(ctx context.Context, id string, ifVersion int64, in Transfer) (*model.Registration, error) {
	account, contact := optional(strings.TrimSpace(deref(in.AccountID))), optional(strings.TrimSpace(deref(in.ContactID)))
	fe := model.FieldErrors{}
	if account == nil && contact == nil {
		fe.Add("account_id", "give the new owner: account_id, contact_id or both")
	}
	textField(fe, "note", in.Note, 5000)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var reg *model.Registration
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var from model.Registration
		var err error
		reg, err = Update(serverWrite(ctx), s, id, ifVersion, func(r *model.Registration) error {
			from = *r
			if err := s.ownerAccount(ctx, &account, contact); err != nil {
				return err
			}
			if sameOwner(r, account, contact) {
				return fieldErr("account_id", "the registration already belongs to this owner")
			}
			r.AccountID, r.ContactID = account, contact
			return nil
		})
		if err != nil {
			return err
		}
		row := &model.RegistrationTransfer{ID: model.NewID(), RegistrationID: reg.ID, FromAccountID: from.AccountID, FromContactID: from.ContactID,
			ToAccountID: reg.AccountID, ToContactID: reg.ContactID, At: now(), ActorID: model.ActorFrom(ctx).UserID, Note: strings.TrimSpace(in.Note)}
		if err := s.conn(ctx).Create(row).Error; err != nil {
			return dbErr(err)
		}
		s.tagEvent(ctx, model.EventRegistrationTransferred)
		return nil
	})
	return reg, err
}

// RegistrationTransfers returns a registration's owner history, oldest
// first: each transfer from one owner to the next.
func (s *Store) RegistrationTransfers(ctx context.Context, id string) ([]model.RegistrationTransfer, error) {
	if _, err := Get[model.Registration](ctx, s, id); err != nil {
		return nil, err
	}
	out := []model.RegistrationTransfer{}
	return out, dbErr(s.conn(ctx).Where("registration_id = ?", id).Order("at, id").Find(&out).Error)
}

// textField checks free text a client sends outside a record: valid
// UTF-8, no NUL (PostgreSQL cannot store it), at most size characters.
func textField(fe model.FieldErrors, name, s string, size int) {
	checkText(fe, name, s, size)
	if utf8.ValidString(s) && strings.ContainsRune(s, 0) {
		fe.Add(name, "must not contain NUL characters")
	}
}

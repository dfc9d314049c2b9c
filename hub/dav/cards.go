package dav

import (
	"bytes"
	"context"
	"io"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/vcardmap"
)

// cards serves contacts as vCards.
type cards struct{ h *Handler }

func (*cards) ext() string       { return ".vcf" }
func (*cards) mediaType() string { return "text/vcard; charset=utf-8" }
func (*cards) accepts(mt string) bool {
	return mediaTypeIn(mt, "text/vcard", "text/x-vcard", "text/directory")
}

// etag changes with the contact and with its account, whose name is the ORG.
func (*cards) etag(e store.DAVEntry) string {
	return `"` + itoa(e.Version) + "-" + itoa(e.AccountVersion) + `"`
}

func (b *cards) render(ctx context.Context, _ *collection, ids []string, opt dataOptions) (map[string][]byte, error) {
	contacts, err := b.h.store.DAVContacts(ctx, ids)
	if err != nil {
		return nil, err
	}
	var accountIDs []string
	for _, c := range contacts {
		if c.AccountID != nil {
			accountIDs = append(accountIDs, *c.AccountID)
		}
	}
	names, err := b.h.store.AccountNames(ctx, store.Dedupe(accountIDs))
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(contacts))
	for i := range contacts {
		c := &contacts[i]
		o := vcardmap.EncodeOptions{Version: opt.vcardVersion}
		if c.AccountID != nil {
			o.Company = names[*c.AccountID]
		}
		if o.Photo, err = b.photo(ctx, c); err != nil {
			return nil, err
		}
		out[c.ID] = vcardmap.Encode(c, o)
	}
	return out, nil
}

// photo loads a contact's photo from the blob store; a missing blob leaves
// the card without a photo rather than failing the listing.
func (b *cards) photo(ctx context.Context, c *model.Contact) (*vcardmap.Photo, error) {
	if c.PhotoID == nil || b.h.cfg.Blobs == nil {
		return nil, nil
	}
	att, err := store.Get[model.Attachment](ctx, b.h.store, *c.PhotoID)
	if err != nil {
		return nil, nil
	}
	rc, err := b.h.cfg.Blobs.Open(ctx, att.SHA256)
	if err != nil {
		b.h.log.Warn("dav: contact photo missing", "contact", c.ID, "err", err)
		return nil, nil
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, b.h.cfg.MaxResourceSize))
	if err != nil {
		return nil, err
	}
	return &vcardmap.Photo{Data: data, MediaType: att.ContentType}, nil
}

func (b *cards) put(ctx context.Context, c *collection, name string, cur *store.DAVEntry, body []byte) (store.DAVEntry, error) {
	card, err := vcardmap.Decode(body, int(b.h.cfg.MaxResourceSize))
	if err != nil {
		return store.DAVEntry{}, validData(c, err)
	}
	in := &card.Contact
	if in.DAV.UID == "" {
		in.DAV.UID = uidFromName(name, b.ext())
	}
	in.DAV.Name = name
	var saved *model.Contact
	err = b.h.store.WithTx(ctx, func(ctx context.Context) error {
		if err := b.h.conflictUID(ctx, c, in.DAV.UID, cur); err != nil {
			return err
		}
		if in.AccountID, err = b.h.store.AccountForCompany(ctx, card.Company); err != nil {
			return err
		}
		if cur == nil {
			saved, err = b.create(ctx, c, in, card.Photo)
			return err
		}
		saved, err = b.update(ctx, cur, in, card.Photo)
		return err
	})
	if err != nil {
		return store.DAVEntry{}, err
	}
	return b.h.entryOf(ctx, c, saved, saved.AccountID)
}

func (b *cards) create(ctx context.Context, c *collection, in *model.Contact, photo *vcardmap.Photo) (*model.Contact, error) {
	in.ID = model.NewID()
	owner := c.owner.ID
	in.OwnerID = &owner
	var err error
	if in.PhotoID, err = b.storePhoto(ctx, in.ID, nil, photo); err != nil {
		return nil, err
	}
	return in, store.Create(ctx, b.h.store, in)
}

func (b *cards) update(ctx context.Context, cur *store.DAVEntry, in *model.Contact, photo *vcardmap.Photo) (*model.Contact, error) {
	return store.Update(ctx, b.h.store, cur.ID, cur.Version, func(c *model.Contact) error {
		photoID, err := b.storePhoto(ctx, c.ID, c.PhotoID, photo)
		if err != nil {
			return err
		}
		applyCard(c, in)
		c.PhotoID = photoID
		return nil
	})
}

// applyCard copies what a vCard maps onto a stored contact, keeping what
// cards do not carry (owner, language, custom fields).
func applyCard(dst, src *model.Contact) {
	dst.FirstName, dst.MiddleName, dst.LastName = src.FirstName, src.MiddleName, src.LastName
	dst.DisplayName, dst.Title, dst.Birthday, dst.Notes = src.DisplayName, src.Title, src.Birthday, src.Notes
	dst.Tags, dst.Emails, dst.Phones, dst.Addresses, dst.URLs = src.Tags, src.Emails, src.Phones, src.Addresses, src.URLs
	dst.AccountID, dst.DAV = src.AccountID, src.DAV
}

// storePhoto keeps the current photo when the card carries the same bytes,
// stores a new one as an attachment of the contact, or drops it.
func (b *cards) storePhoto(ctx context.Context, contactID string, current *string, photo *vcardmap.Photo) (*string, error) {
	if photo == nil || b.h.cfg.Blobs == nil {
		return nil, nil
	}
	info, err := b.h.cfg.Blobs.Put(ctx, bytes.NewReader(photo.Data), "photo", b.h.cfg.MaxResourceSize)
	if err != nil {
		return nil, err
	}
	if current != nil {
		if att, err := store.Get[model.Attachment](ctx, b.h.store, *current); err == nil && att.SHA256 == info.SHA256 {
			return current, nil
		}
	}
	att := &model.Attachment{RecordType: "contact", RecordID: contactID, Filename: "photo" + photoExt(info.ContentType),
		ContentType: info.ContentType, Size: info.Size, SHA256: info.SHA256}
	if err := store.Create(ctx, b.h.store, att); err != nil {
		return nil, err
	}
	return &att.ID, nil
}

func photoExt(contentType string) string {
	switch contentType {
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/jpeg":
		return ".jpg"
	}
	return ""
}

func (b *cards) remove(ctx context.Context, _ *collection, e store.DAVEntry) error {
	return store.Delete[model.Contact](ctx, b.h.store, e.ID, e.Version)
}

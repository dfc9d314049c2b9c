package merge

import (
	"bytes"
	"context"
	"fmt"

	"rapport/model"
	"rapport/model/store"
)

// save stores a merged document: its content goes to the blob store first
// (a large body never holds a write transaction open), then one
// transaction writes the attachment on the record and a document activity
// on the timelines of the record, its contact and its account, with their
// feed rows. A failed transaction leaves only an unreferenced blob, which
// the blob collector removes.
func (s *Service) save(ctx context.Context, t *Template, src built, doc *Document) error {
	if s.cfg.Blobs == nil {
		return model.Errorf(model.EINTERNAL, "no blob store configured")
	}
	info, err := s.cfg.Blobs.Put(ctx, bytes.NewReader(doc.Body), doc.Filename, model.MaxAttachmentSize)
	if err != nil {
		return err
	}
	root, _ := src.Data[t.RecordType].(map[string]any)
	id := field(root, "id")
	att := &model.Attachment{RecordType: t.RecordType, RecordID: id, Filename: doc.Filename,
		ContentType: doc.ContentType, Size: info.Size, SHA256: info.SHA256}
	act := &model.Activity{Kind: model.KindDocument, Subject: fmt.Sprintf("%s: %s", t.Name, doc.Filename),
		Description: describe(t)}
	if a := model.ActorFrom(ctx); a.UserID != "" {
		act.OwnerID = &a.UserID
	}
	act.ContactID, act.AccountID = timelineOf(t.RecordType, root)
	if t.RecordType != "contact" && t.RecordType != "account" {
		act.Links = append(act.Links, model.Link{Entity: t.RecordType, ID: id})
	}
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := store.Create(ctx, s.store, att); err != nil {
			return err
		}
		act.Links = append(act.Links, model.Link{Entity: "attachment", ID: att.ID})
		return store.Create(ctx, s.store, act)
	})
	if err != nil {
		return err
	}
	doc.Attachment, doc.Activity = att, act
	return nil
}

// describe says which template (and revision) a document came from.
func describe(t *Template) string {
	if t.ID == "" {
		return fmt.Sprintf("Merged from the template file %s.", t.Name)
	}
	return fmt.Sprintf("Merged from the template %q (revision %d, id %s).", t.Name, t.Revision, t.ID)
}

// timelineOf returns the contact and the account whose timelines show a
// document of a record: the record itself when it is one, else its own
// contact_id and account_id.
func timelineOf(recordType string, root map[string]any) (contact, account *string) {
	ref := func(f string) *string {
		if v := field(root, f); v != "" {
			return &v
		}
		return nil
	}
	contact, account = ref("contact_id"), ref("account_id")
	switch recordType {
	case "contact":
		contact = ref("id")
	case "account":
		account = ref("id")
	}
	return contact, account
}

package outmail

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"rapport/hub/merge"
	"rapport/model"
	"rapport/model/store"
)

// Document asks for a quote, order or invoice to be mailed with its merged
// document attached.
type Document struct {
	// TemplateID is a Word or Writer template for the record type; empty is
	// the built-in one in the contact's language (quote-en, invoice-ru …).
	TemplateID string `json:"template_id"`
	// Format is pdf or the template's own (docx, odt); empty is pdf when
	// the hub has LibreOffice, else the template's.
	Format string `json:"format"`
	// To defaults to the record's contact.
	To            []model.MailAddress `json:"to"`
	Cc            []model.MailAddress `json:"cc"`
	Subject       string              `json:"subject"`
	Text          string              `json:"text"`
	FromMailboxID string              `json:"from_mailbox_id"`
}

// DocumentTypes are the record types whose documents can be mailed.
var DocumentTypes = []string{"quote", "order", "invoice"}

// sendable is what mailing a record's document needs to know of it.
type sendable struct {
	number, status       string
	contactID, accountID *string
}

// loadSendable reads a quote, order or invoice as the actor sees it.
func loadSendable(ctx context.Context, s *store.Store, recordType, id string) (sendable, error) {
	switch recordType {
	case "quote":
		q, err := store.Get[model.Quote](ctx, s, id)
		if err != nil {
			return sendable{}, err
		}
		return sendable{q.Number, q.Status, q.ContactID, q.AccountID}, nil
	case "order":
		o, err := store.Get[model.Order](ctx, s, id)
		if err != nil {
			return sendable{}, err
		}
		return sendable{o.Number, o.Status, o.ContactID, o.AccountID}, nil
	case "invoice":
		inv, err := store.Get[model.Invoice](ctx, s, id)
		if err != nil {
			return sendable{}, err
		}
		if inv.Status == model.InvoiceDraft {
			return sendable{}, model.Errorf(model.ECONFLICT, "issue the invoice before mailing it: a draft has no number yet")
		}
		return sendable{inv.Number, inv.Status, inv.ContactID, &inv.AccountID}, nil
	}
	return sendable{}, model.Errorf(model.ENOTFOUND, "%ss are not mailed as documents", recordType)
}

// documentNames name the documents in the subject and text of their mail.
var documentNames = map[string]map[string]string{
	"en": {"quote": "Quote", "order": "Order confirmation", "invoice": "Invoice"},
	"ru": {"quote": "Коммерческое предложение", "order": "Подтверждение заказа", "invoice": "Счёт"},
}

// attachedText is the default text of a document's mail.
var attachedText = map[string]string{"en": "Please find attached: %s", "ru": "Во вложении: %s"}

// SendDocument merges a quote's, order's or invoice's document, saves it as
// an attachment of the record (with its document activity) and queues it by
// mail to the record's contact, or to. A draft quote becomes sent.
func (c *Composer) SendDocument(ctx context.Context, recordType, id string, in Document) (*model.OutboundMail, *merge.Document, error) {
	if err := c.ready(); err != nil || c.cfg.Merge == nil {
		return nil, nil, ErrNotConfigured
	}
	rec, err := loadSendable(ctx, c.store, recordType, id)
	if err != nil {
		return nil, nil, err
	}
	contact, lang, err := c.documentContact(ctx, rec)
	if err != nil {
		return nil, nil, err
	}
	m, err := c.documentMail(ctx, recordType, id, rec, contact, lang, in)
	if err != nil {
		return nil, nil, err
	}
	doc, err := c.mergeDocument(ctx, recordType, id, *m.TemplateID, in.Format)
	if err != nil {
		return nil, nil, err
	}
	m.Attachments = []string{doc.Attachment.ID}
	if m.Text == "" {
		m.Text = fmt.Sprintf(attachedText[lang], doc.Filename)
	}
	err = c.store.WithTx(ctx, func(ctx context.Context) error {
		if err := c.store.QueueMail(ctx, m, c.cfg.Enqueue); err != nil {
			return err
		}
		if recordType == "quote" && rec.status == model.QuoteDraft {
			_, err := c.store.QuoteAction(ctx, id, 0, model.ActionSend, "")
			return err
		}
		return nil
	})
	return m, doc, err
}

// documentContact is the record's contact (nil when it has none) and the
// language of its documents: the contact's, else the account's; Russian or
// English, as the built-in templates are.
func (c *Composer) documentContact(ctx context.Context, rec sendable) (*model.Contact, string, error) {
	var contact *model.Contact
	var langs []string
	if rec.contactID != nil {
		ct, err := store.Get[model.Contact](ctx, c.store, *rec.contactID)
		if err != nil && model.ErrorCode(err) != model.ENOTFOUND {
			return nil, "", err
		}
		if err == nil {
			contact, langs = ct, append(langs, ct.Language)
		}
	}
	if rec.accountID != nil {
		if acc, err := store.Get[model.Account](ctx, c.store, *rec.accountID); err == nil {
			langs = append(langs, acc.Language)
		}
	}
	for _, l := range langs {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" {
			if strings.HasPrefix(l, "ru") {
				return contact, "ru", nil
			}
			return contact, "en", nil
		}
	}
	return contact, "en", nil
}

// documentMail composes the mail of a document, checked before the
// document is merged and saved.
func (c *Composer) documentMail(ctx context.Context, recordType, id string, rec sendable, contact *model.Contact,
	lang string, in Document) (*model.OutboundMail, error) {
	templateID, err := c.documentTemplate(ctx, recordType, lang, in.TemplateID)
	if err != nil {
		return nil, err
	}
	m := &model.OutboundMail{To: in.To, Cc: in.Cc, Subject: in.Subject, Text: in.Text, TemplateID: &templateID}
	if contact != nil {
		m.ContactID = &contact.ID
	}
	if len(m.To) == 0 {
		to, ok := model.MailAddress{}, false
		if contact != nil {
			to, ok = contactAddress(contact)
		}
		if !ok {
			return nil, model.FieldErrors{"to": "required: the " + recordType + " has no contact with an e-mail address"}.Err()
		}
		m.To = []model.MailAddress{to}
	}
	if m.Subject == "" {
		m.Subject = strings.TrimSpace(documentNames[lang][recordType] + " " + rec.number)
	}
	sender, err := c.chosenIdentity(ctx, "from_mailbox_id", in.FromMailboxID)
	if err != nil {
		return nil, err
	}
	m.MailboxID, m.From = sender.mailboxID, sender.from
	if m.MessageID, err = c.mint(recordType+"-"+id, m.From); err != nil {
		return nil, err
	}
	return m, checkMail(m)
}

// documentTemplate checks a chosen template, or finds the built-in one for
// the record type in lang.
func (c *Composer) documentTemplate(ctx context.Context, recordType, lang, id string) (string, error) {
	if id == "" {
		key := recordType + "-" + lang
		p, err := store.List[model.DocumentTemplate](ctx, c.store, store.ListParams{Equals: map[string]string{"builtin": key}, Limit: 1})
		if err != nil {
			return "", err
		}
		if len(p.Items) == 0 {
			return "", model.FieldErrors{"template_id": "required: the built-in template " + key + " is not installed"}.Err()
		}
		return p.Items[0].ID, nil
	}
	t, err := store.Get[model.DocumentTemplate](ctx, c.store, id)
	switch {
	case model.ErrorCode(err) == model.ENOTFOUND:
		return "", model.FieldErrors{"template_id": "no such template"}.Err()
	case err != nil:
		return "", err
	case t.RecordType != recordType:
		return "", model.FieldErrors{"template_id": "the template is for a " + t.RecordType + ", not a " + recordType}.Err()
	case !slices.Contains([]string{model.TemplateDOCX, model.TemplateODT}, t.Format):
		return "", model.FieldErrors{"template_id": "a Word or Writer template (docx, odt), not " + t.Format}.Err()
	}
	return t.ID, nil
}

// mergeDocument merges and saves the record's document: PDF when no format
// is asked and the hub can make one, else the template's own format.
func (c *Composer) mergeDocument(ctx context.Context, recordType, id, templateID, format string) (*merge.Document, error) {
	req := merge.Request{TemplateID: templateID, RecordType: recordType, RecordID: id, Format: format, Save: true}
	if format == "" {
		req.Format = merge.FormatPDF
		doc, err := c.cfg.Merge.Merge(ctx, req)
		if !errors.Is(err, merge.ErrNoPDF) {
			return doc, err
		}
		req.Format = ""
	}
	return c.cfg.Merge.Merge(ctx, req)
}

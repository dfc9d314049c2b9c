package console

import (
	"context"
	"errors"
	"mime"
	"net/http"
	netmail "net/mail"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"rapport/hub/merge"
	"rapport/hub/outmail"
	"rapport/hub/problem"
	"rapport/model"
	"rapport/model/store"
)

// quoteTemplatesMax bounds the templates a quote's document forms offer.
const quoteTemplatesMax = 100

// refCustomer is the header's refusal of a quote for nobody (the model's
// rule, checked first so the form can say it in the user's language).
const refCustomer = "a quote is for an account or a contact"

// quoteHeader is the header form of a quote: the quote's values or what
// was typed, and the reasons beside its fields.
type quoteHeader struct {
	Account, Contact  refInput
	ValidUntil, Notes string
	Errors            map[string]string
}

// Ref describes the header's account or contact field; choose is the
// empty choice among the candidates of an ambiguous name.
func (h *quoteHeader) Ref(which, label, hint, choose string) refView {
	in := h.Account
	if which == "contact" {
		in = h.Contact
	}
	return refView{refInput: in, Label: label, Hint: hint, Choose: choose, Error: h.Errors[which+"_id"]}
}

// quoteDocs are the parts of a quote's page that edit its header and make
// its documents.
type quoteDocs struct {
	Header       quoteHeader
	HeaderLocked bool                      // only the notes change: the quote is no draft
	Templates    []*model.DocumentTemplate // Word and Writer templates for quotes
	Template     string                    // preselected: the built-in one in the customer's language
	Documents    bool                      // the merge service makes the quote's document
	Mail         bool                      // the user may mail the quote's document
	Configured   bool                      // the hub merges or mails documents
}

// quoteDocs prepares the header form (typed, when a refused header is
// drawn again) and the document forms of quote q.
func (c *Console) quoteDocs(ctx context.Context, q *model.Quote, n *names, typed *quoteHeader, canWrite bool) (quoteDocs, error) {
	d := quoteDocs{HeaderLocked: q.LinesEditable() != nil}
	if typed != nil {
		d.Header = *typed
	} else {
		d.Header = quoteHeader{Account: shown("account", deref(q.AccountID), accountNamer(n)(q.AccountID)),
			Contact: shown("contact", deref(q.ContactID), contactNamer(n)(q.ContactID)), Notes: q.Notes}
		if q.ValidUntil != nil {
			d.Header.ValidUntil = q.ValidUntil.Format(model.DateLayout)
		}
	}
	if d.Configured = c.cfg.Merge != nil || c.cfg.Mail != nil; !d.Configured {
		return d, nil
	}
	var err error
	if d.Templates, err = quoteTemplates(ctx, c.cfg.Store); err != nil {
		return d, err
	}
	d.Template = builtinFor(d.Templates, documentLanguage(n, q))
	d.Documents = c.cfg.Merge != nil && len(d.Templates) > 0
	// Mailing a draft marks it sent, which needs write access (the store
	// checks it again; this keeps the form from those it would refuse).
	d.Mail = c.cfg.Mail != nil && len(d.Templates) > 0 && (q.Status != model.QuoteDraft || canWrite)
	return d, nil
}

// contactNamer names contacts from the page's names.
func contactNamer(n *names) func(*string) string {
	return func(id *string) string {
		if ct := n.Contact(id); ct != nil {
			return ct.DisplayName
		}
		return ""
	}
}

// quoteTemplates are the Word and Writer templates for quotes, by name.
func quoteTemplates(ctx context.Context, s *store.Store) ([]*model.DocumentTemplate, error) {
	pg, err := store.List[model.DocumentTemplate](ctx, s, store.ListParams{Limit: quoteTemplatesMax, Sort: "name",
		Filter: model.Filter{All: []model.Condition{{Field: "record_type", Op: "eq", Value: "quote"},
			{Field: "format", Op: "in", Value: []any{model.TemplateDOCX, model.TemplateODT}}}}})
	return pg.Items, err
}

// documentLanguage is the language of a quote's documents as hub/outmail
// chooses it for mail: the contact's, else the account's; Russian or
// English, the built-in templates' languages.
func documentLanguage(n *names, q *model.Quote) string {
	var langs []string
	if ct := n.Contact(q.ContactID); ct != nil {
		langs = append(langs, ct.Language)
	}
	if acc := n.Account(q.AccountID); acc != nil {
		langs = append(langs, acc.Language)
	}
	for _, l := range langs {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" {
			if strings.HasPrefix(l, "ru") {
				return "ru"
			}
			return "en"
		}
	}
	return "en"
}

// builtinFor picks the built-in quote template in lang, else the first.
func builtinFor(list []*model.DocumentTemplate, lang string) string {
	for _, t := range list {
		if t.Builtin == "quote-"+lang {
			return t.ID
		}
	}
	if len(list) > 0 {
		return list[0].ID
	}
	return ""
}

// docRefusal says why a document or its mail failed, with the API's
// status: 501 when the hub has no LibreOffice or no mail, else the
// error's.
func docRefusal(v *view, err error) (string, int) {
	switch {
	case errors.Is(err, merge.ErrNoPDF):
		return v.T("quotedoc.nopdf"), http.StatusNotImplemented
	case errors.Is(err, outmail.ErrNotConfigured):
		return v.T("quotedoc.unconfigured"), http.StatusNotImplemented
	}
	return refusal(v, err), problem.Status(model.ErrorCode(err))
}

// pageFails reports whether err is answered by the error page rather than
// beside a form: a record that is not there, or the server's own failure.
func pageFails(err error) bool {
	if errors.Is(err, merge.ErrNoPDF) || errors.Is(err, outmail.ErrNotConfigured) {
		return false
	}
	code := model.ErrorCode(err)
	return code == model.ENOTFOUND || code == model.EINTERNAL
}

// saveQuoteHeader changes a quote's header through store.UpdatePriced
// (the API's PATCH /quotes/{id}) with the form's version: the account, the
// contact and the validity of a draft, and the notes of any quote (once
// sent, only model.LockedEditable fields change). A refused change draws
// the page again with what was typed and the reasons.
func (c *Console) saveQuoteHeader(w http.ResponseWriter, r *http.Request) {
	ctx, s := r.Context(), c.cfg.Store
	cur, err := store.Get[model.Quote](ctx, s, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, err)
		return
	}
	_ = r.ParseForm()
	v := r.PostForm
	h := &quoteHeader{Account: readRef(v, "account"), Contact: readRef(v, "contact"),
		ValidUntil: strings.TrimSpace(v.Get("valid_until")), Notes: v.Get("notes")}
	version, err := formVersion(v.Get("version"))
	draft := cur.LinesEditable() == nil
	fe := model.FieldErrors{}
	var validUntil *model.Date
	if err == nil && draft {
		validUntil = formDate(v, "valid_until", fe)
		err = h.resolve(ctx, s, fe)
	}
	if err == nil {
		err = fe.Err()
	}
	if err == nil {
		_, err = store.UpdatePriced(ctx, s, cur.ID, version, func(q *model.Quote) error {
			q.Notes = h.Notes
			if draft {
				q.AccountID, q.ContactID, q.ValidUntil = optionalID(h.Account.ID), optionalID(h.Contact.ID), validUntil
			}
			return nil
		})
	}
	switch {
	case err == nil:
		seeOther(w, r, "/quotes/"+cur.ID, "quote_header")
	case pageFails(err):
		c.fail(w, r, err)
	default:
		c.renderQuote(w, r, cur.ID, quoteState{refused: err, line: "header", header: h})
	}
}

// resolve finds the account and the contact the header names.
func (h *quoteHeader) resolve(ctx context.Context, s *store.Store, fe model.FieldErrors) error {
	if err := resolveRef(ctx, s, &h.Account, accountName, "account_id", fe); err != nil {
		return err
	}
	if err := resolveRef(ctx, s, &h.Contact, contactName, "contact_id", fe); err != nil {
		return err
	}
	if h.Account.Text == "" && h.Contact.Text == "" {
		fe.Add("account_id", refCustomer)
	}
	return nil
}

// quoteIf loads the route's quote for a page the hub offers only when
// configured (available): without it the page is not there, 404.
func (c *Console) quoteIf(r *http.Request, available bool) (*model.Quote, error) {
	q, err := store.Get[model.Quote](r.Context(), c.cfg.Store, mux.Vars(r)["id"])
	if err == nil && !available {
		err = model.Errorf(model.ENOTFOUND, "not configured on this hub")
	}
	return q, err
}

// downloadQuote merges the quote into the chosen template through the
// merge service, as the API's POST /documents does by default: the
// document is saved as an attachment of the quote with a document
// activity, and answered as a download (PDF, or the template's own
// format). A refused merge draws the quote page with the reason.
func (c *Console) downloadQuote(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cur, err := c.quoteIf(r, c.cfg.Merge != nil)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var doc *merge.Document
	if id := strings.TrimSpace(r.PostFormValue("template_id")); id == "" {
		err = fieldErr("template_id", "required")
	} else {
		doc, err = c.cfg.Merge.Merge(ctx, merge.Request{TemplateID: id, RecordType: "quote", RecordID: cur.ID,
			Format: r.PostFormValue("format"), Save: true})
	}
	if err != nil {
		if pageFails(err) {
			c.fail(w, r, err)
			return
		}
		c.renderQuote(w, r, cur.ID, quoteState{refused: err, line: "document"})
		return
	}
	h := w.Header()
	h.Set("Content-Type", doc.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": doc.Filename}))
	h.Set("Content-Length", strconv.Itoa(len(doc.Body)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc.Body)
}

// quoteMail is the page that mails a quote: the form as typed, the
// choices and the reasons.
type quoteMail struct {
	Quote                                     *model.Quote
	To, Cc, Subject, Text, TemplateID, Format string
	ContactTo                                 string // where the mail goes when To is empty
	Templates                                 []*model.DocumentTemplate
	Formats                                   []string
	Errors                                    map[string]string
	Refused                                   string
}

// quoteMailFormats are the formats the mail form offers: "" is PDF when
// the hub has LibreOffice, else the template's own.
var quoteMailFormats = []string{"", merge.FormatPDF, model.TemplateDOCX, model.TemplateODT}

// quoteMailForm shows the form that mails a quote's document.
func (c *Console) quoteMailForm(w http.ResponseWriter, r *http.Request) {
	c.renderQuoteMail(w, r, &quoteMail{}, nil)
}

// mailQuote merges the quote's document, saves it and queues it by mail
// through Config.Mail (outmail.Composer.SendDocument, the API's POST
// /quotes/{id}/mail): to the quote's contact unless To names others, with
// the template's built-in subject and text unless given. A draft quote
// becomes sent, as the API's mail does. A refused mail draws the form
// again with what was typed.
func (c *Console) mailQuote(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	v := r.PostForm
	m := &quoteMail{To: v.Get("to"), Cc: v.Get("cc"), Subject: v.Get("subject"), Text: v.Get("text"),
		TemplateID: strings.TrimSpace(v.Get("template_id")), Format: v.Get("format")}
	c.renderQuoteMail(w, r, m, func(ctx context.Context, q *model.Quote) error {
		owner, team := q.OwnerTeam()
		if q.Status == model.QuoteDraft && !model.CanWrite(model.ActorFrom(ctx), q.Entity(), owner, team) {
			return model.Errorf(model.EFORBIDDEN, "you may not send this quote")
		}
		fe := model.FieldErrors{}
		in := outmail.Document{TemplateID: m.TemplateID, Format: m.Format, Subject: strings.TrimSpace(m.Subject),
			Text: strings.TrimSpace(m.Text), To: mailAddresses(v.Get("to"), "to", fe), Cc: mailAddresses(v.Get("cc"), "cc", fe)}
		if err := fe.Err(); err != nil {
			return err
		}
		_, _, err := c.cfg.Mail.SendDocument(ctx, "quote", q.ID, in)
		return err
	})
}

// renderQuoteMail draws the mail form of the quote in the route, after
// send (nil for the form alone) ran: a mail that was queued opens the
// quote; one refused shows the form again with the reasons.
func (c *Console) renderQuoteMail(w http.ResponseWriter, r *http.Request, m *quoteMail, send func(context.Context, *model.Quote) error) {
	ctx := r.Context()
	q, err := c.quoteIf(r, c.cfg.Mail != nil)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	status := http.StatusOK
	p := c.newPage(r, "quotes")
	if send != nil {
		err := send(ctx, q)
		switch {
		case err == nil:
			seeOther(w, r, "/quotes/"+q.ID, "quote_mailed")
			return
		case pageFails(err):
			c.fail(w, r, err)
			return
		}
		m.Errors = fieldReasons(p.view, err)
		m.Refused, status = docRefusal(p.view, err)
	}
	ids := &nameIDs{}
	ids.account(q.AccountID)
	ids.contact(q.ContactID)
	n, err := ids.load(ctx, c.cfg.Store)
	if err == nil {
		m.Templates, err = quoteTemplates(ctx, c.cfg.Store)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if send == nil {
		m.TemplateID = builtinFor(m.Templates, documentLanguage(n, q))
	}
	if ct := n.Contact(q.ContactID); ct != nil && len(ct.Emails) > 0 {
		m.ContactTo = (&netmail.Address{Name: ct.DisplayName, Address: ct.Emails[0].Value}).String()
	}
	m.Quote, m.Formats = q, quoteMailFormats
	p.Title, p.Data = p.T("quotedoc.mail.title", q.Number, q.Revision), m
	c.render(w, r, status, "quote_mail", p)
}

// mailAddresses reads a list of addresses ("Anna <anna@example.com>,
// boris@example.com") into fe's field.
func mailAddresses(s, field string, fe model.FieldErrors) []model.MailAddress {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	list, err := netmail.ParseAddressList(s)
	if err != nil {
		fe.Add(field, "e-mail addresses separated by commas")
		return nil
	}
	out := make([]model.MailAddress, len(list))
	for i, a := range list {
		out[i] = model.MailAddress{Name: a.Name, Email: a.Address}
	}
	return out
}

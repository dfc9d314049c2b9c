package builtin

import (
	"bytes"
	"embed"
	"fmt"
	"slices"
	"sync"

	"rapport/model"
)

// Template is a built-in template: what installing it as a
// model.DocumentTemplate needs.
type Template struct {
	// Key names the template for good ("quote-en", "quote-en.odt",
	// "request-ack-ru.html"); an installed copy keeps it in Builtin.
	Key string
	// Name and Description are in the template's language.
	Name        string
	Description string
	// RecordType is the record type it is merged from ("quote").
	RecordType string
	// Format is model.TemplateDOCX, TemplateODT, TemplateHTML or
	// TemplateText.
	Format string
	// Locale fixes the language of numbers, money and dates ("ru-RU").
	Locale string
	// Subject is the subject line template of a mail body ("" for
	// documents).
	Subject string
	// Filename is the file's name ("quote-en.docx").
	Filename string
	// Content is the file; each call of All or Get returns a copy of its
	// own.
	Content []byte
}

//go:embed files
var files embed.FS

// text is a template's name, description and subject in one language.
type text struct{ name, description, subject string }

// document is a built-in document in both languages and the formats it
// comes in.
type document struct {
	key, recordType string
	formats         []string
	en, ru          text
}

// officeFormats are the formats of the letters and business documents,
// mailFormats those of mail bodies.
var (
	officeFormats = []string{model.TemplateDOCX, model.TemplateODT}
	mailFormats   = []string{model.TemplateHTML, model.TemplateText}
)

// documents are the built-ins in the order All lists them.
var documents = []document{
	{key: "letter", recordType: "contact", formats: officeFormats,
		en: text{name: "Letter to a contact", description: "A letter on the letterhead with the contact's address, the date and the salutation filled in; write the text in Word or Writer."},
		ru: text{name: "Письмо контакту", description: "Письмо на фирменном бланке с адресом контакта, датой и обращением; текст письма впишите в Word или Writer."}},
	{key: "welcome", recordType: "contact", formats: officeFormats,
		en: text{name: "Welcome letter", description: "Welcomes a new customer and names their personal contact and the ways to reach the company."},
		ru: text{name: "Приветственное письмо", description: "Приветствует нового клиента, называет его персонального менеджера и способы связи с компанией."}},
	{key: "quote", recordType: "quote", formats: officeFormats,
		en: text{name: "Quote", description: "A quote with its lines, discount, VAT by rate and total, its validity and terms."},
		ru: text{name: "Коммерческое предложение", description: "Коммерческое предложение с позициями, скидкой, НДС по ставкам, итогом, сроком действия и условиями."}},
	{key: "order", recordType: "order", formats: officeFormats,
		en: text{name: "Order confirmation", description: "Confirms an order with its lines and totals, the customer's reference and the quote it came from."},
		ru: text{name: "Подтверждение заказа", description: "Подтверждает заказ: позиции, итоги, номер заказа клиента и исходное предложение."}},
	{key: "invoice", recordType: "invoice", formats: officeFormats,
		en: text{name: "Invoice", description: "An invoice or credit note with its lines, VAT by rate, the amount due, due date and the bank details to pay to."},
		ru: text{name: "Счёт на оплату", description: "Счёт на оплату по российской форме: банковские реквизиты получателя, поставщик и покупатель, позиции, НДС, сумма к оплате и подписи."}},
	{key: "rma", recordType: "rma", formats: officeFormats,
		en: text{name: "Return authorisation", description: "Authorises a return: the items with serial numbers, reasons and actions, and how and where to send them."},
		ru: text{name: "Разрешение на возврат", description: "Разрешение на возврат: товары с серийными номерами, причинами и действиями, порядок и адрес отправки."}},
	{key: "request-ack", recordType: "request", formats: mailFormats,
		en: text{name: "Request acknowledgement", description: "Confirms a support request by mail with its number, expected reply and summary.",
			subject: "[{request.number}] Request received: {request.subject}"},
		ru: text{name: "Подтверждение обращения", description: "Подтверждает получение обращения в поддержку: номер, срок ответа и краткое содержание.",
			subject: "[{request.number}] Обращение зарегистрировано: {request.subject}"}},
}

// formatInfo is a format's file extension, key suffix and the name suffix
// in each language.
var formatInfo = map[string]struct{ ext, suffix, en, ru string }{
	model.TemplateDOCX: {"docx", "", "Word", "Word"},
	model.TemplateODT:  {"odt", ".odt", "Writer", "Writer"},
	model.TemplateHTML: {"html", ".html", "HTML", "HTML"},
	model.TemplateText: {"txt", ".txt", "text", "текст"},
}

// catalog is every built-in, read once.
var catalog = sync.OnceValue(func() []Template {
	var out []Template
	for _, d := range documents {
		for _, lang := range []struct {
			code, locale string
			text         text
		}{{"en", "en-GB", d.en}, {"ru", "ru-RU", d.ru}} {
			for _, f := range d.formats {
				fi := formatInfo[f]
				label := fi.en
				if lang.code == "ru" {
					label = fi.ru
				}
				key := d.key + "-" + lang.code
				file := key + "." + fi.ext
				content, err := files.ReadFile("files/" + file)
				if err != nil { // the embedded files are part of the build: a missing one is a bug the tests catch
					panic(fmt.Sprintf("builtin: %s is not embedded: %v", file, err))
				}
				out = append(out, Template{Key: key + fi.suffix, Name: lang.text.name + " (" + label + ")",
					Description: lang.text.description, RecordType: d.recordType, Format: f, Locale: lang.locale,
					Subject: lang.text.subject, Filename: file, Content: content})
			}
		}
	}
	return out
})

// All returns every built-in template: by document (letter, welcome, quote,
// order, invoice, rma, request-ack), then language (en, ru), then format
// (DOCX before ODT, HTML before text).
func All() []Template {
	out := slices.Clone(catalog())
	for i := range out {
		out[i].Content = bytes.Clone(out[i].Content)
	}
	return out
}

// Get returns the built-in template with the key.
func Get(key string) (Template, bool) {
	i := slices.IndexFunc(catalog(), func(t Template) bool { return t.Key == key })
	if i < 0 {
		return Template{}, false
	}
	t := catalog()[i]
	t.Content = bytes.Clone(t.Content)
	return t, true
}

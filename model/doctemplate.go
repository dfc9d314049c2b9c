package model

import (
	"slices"
	"strings"
	"time"
)

// Document template formats: office files merged into the same format, and
// mail bodies.
const (
	TemplateDOCX = "docx"
	TemplateODT  = "odt"
	TemplateHTML = "html"
	TemplateText = "text"
)

// TemplateFormats lists the formats a document template may have.
var TemplateFormats = []string{TemplateDOCX, TemplateODT, TemplateHTML, TemplateText}

// TemplateEntities are the record types a document can be merged from (the
// template language's entities; "" would mean any).
var TemplateEntities = []string{"contact", "account", "quote", "order", "invoice", "rma", "request"}

// DocumentTemplate is a letter, quote, invoice or mail-body template staff
// upload (Word, Writer, HTML or text with placeholders) and merge records
// into. Its content is the file of its current revision, in the blob store
// under SHA256; every upload adds a DocumentTemplateVersion and raises
// Revision, so earlier files stay downloadable and can be restored.
type DocumentTemplate struct {
	Meta
	Name        string `gorm:"size:200;not null" json:"name"`
	Description string `gorm:"not null" json:"description"`
	// RecordType is the record type the template is written for ("quote").
	RecordType string `gorm:"size:32;not null" json:"record_type"`
	// Format is docx, odt, html or text; it follows the uploaded file and
	// cannot change once the template exists.
	Format string `gorm:"size:8;not null" json:"format"`
	// Locale ("ru-RU") fixes the language of numbers, money and dates; empty
	// means the record's contact or account language, else the
	// installation's default.
	Locale string `gorm:"size:35;not null" json:"locale"`
	// Subject is the mail subject line template of html and text templates.
	Subject string `gorm:"size:500;not null" json:"subject"`
	// Builtin names the built-in template this one was installed from
	// ("quote-ru"); empty for uploaded templates.
	Builtin string `gorm:"size:64;not null" json:"builtin"`
	// The current revision's file (server-owned: set by uploads).
	Revision    int    `gorm:"not null" json:"revision"`
	Filename    string `gorm:"size:255;not null" json:"filename"`
	ContentType string `gorm:"size:200;not null" json:"content_type"`
	Size        int64  `gorm:"not null" json:"size"`
	SHA256      string `gorm:"column:sha256;size:64;not null" json:"sha256"`
}

// Entity implements Record.
func (*DocumentTemplate) Entity() string { return "document_template" }

// Normalize implements Record.
func (t *DocumentTemplate) Normalize() {
	t.Name = strings.TrimSpace(t.Name)
	t.Description = strings.TrimSpace(t.Description)
	t.RecordType = strings.ToLower(strings.TrimSpace(t.RecordType))
	t.Format = strings.ToLower(strings.TrimSpace(t.Format))
	t.Locale = strings.TrimSpace(t.Locale)
	t.Subject = strings.TrimSpace(t.Subject)
}

// Validate implements Record. Whether the file parses and its placeholders
// name real fields is the template engine's lint, run by the store's caller.
func (t *DocumentTemplate) Validate() error {
	fe := FieldErrors{}
	if t.Name == "" {
		fe.Add("name", "required")
	}
	if !slices.Contains(TemplateEntities, t.RecordType) {
		fe.Add("record_type", "one of "+strings.Join(TemplateEntities, ", "))
	}
	if !slices.Contains(TemplateFormats, t.Format) {
		fe.Add("format", "one of "+strings.Join(TemplateFormats, ", "))
	}
	if t.Subject != "" && t.Format != TemplateHTML && t.Format != TemplateText {
		fe.Add("subject", "only mail templates (html, text) have a subject")
	}
	if msg := CheckFilename(t.Filename); msg != "" {
		fe.Add("filename", msg)
	}
	if t.Revision < 1 || len(t.SHA256) != 64 {
		fe.Add("sha256", "a template needs its file")
	}
	return fe.Err()
}

// KeepServerOwned implements ServerOwned: the file, its revision and the
// format follow uploads only, and Builtin is set when installed.
func (t *DocumentTemplate) KeepServerOwned(prev Record) {
	if p, ok := prev.(*DocumentTemplate); ok {
		t.Format, t.Builtin, t.Revision = p.Format, p.Builtin, p.Revision
		t.Filename, t.ContentType, t.Size, t.SHA256 = p.Filename, p.ContentType, p.Size, p.SHA256
	}
}

// DocumentTemplateVersion is one uploaded revision of a template's file,
// kept so that earlier versions can be downloaded and restored.
type DocumentTemplateVersion struct {
	ID          string    `gorm:"primaryKey;size:36" json:"id"`
	TemplateID  string    `gorm:"size:36;not null" json:"template_id"`
	Revision    int       `gorm:"not null" json:"revision"`
	Filename    string    `gorm:"size:255;not null" json:"filename"`
	ContentType string    `gorm:"size:200;not null" json:"content_type"`
	Size        int64     `gorm:"not null" json:"size"`
	SHA256      string    `gorm:"column:sha256;size:64;not null" json:"sha256"`
	Note        string    `gorm:"size:1000;not null" json:"note"`
	CreatedAt   time.Time `gorm:"not null" json:"created_at"`
	CreatedBy   string    `gorm:"size:36" json:"created_by,omitempty"`
}

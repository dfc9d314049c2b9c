package model

import (
	"path"
	"strings"
	"unicode"
)

// MaxAttachmentSize is the default upper bound of one attachment (bytes).
const MaxAttachmentSize = 50 << 20

// Attachment is a file (Word, Excel, photo ...) on any record. Its content lives
// in the blob store under its SHA-256.
type Attachment struct {
	Meta
	RecordType  string `gorm:"size:32;not null" json:"record_type"`
	RecordID    string `gorm:"size:36;not null" json:"record_id"`
	Filename    string `gorm:"size:255;not null" json:"filename"`
	ContentType string `gorm:"size:200;not null" json:"content_type"`
	Size        int64  `gorm:"not null" json:"size"`
	SHA256      string `gorm:"column:sha256;size:64;not null" json:"sha256"`
}

// Entity implements Record.
func (*Attachment) Entity() string { return "attachment" }

// Normalize implements Record.
func (a *Attachment) Normalize() { a.Filename = strings.TrimSpace(a.Filename) }

// Validate implements Record.
func (a *Attachment) Validate() error {
	fe := FieldErrors{}
	if msg := CheckFilename(a.Filename); msg != "" {
		fe.Add("filename", msg)
	}
	if a.RecordType == "" || !ValidID(a.RecordID) {
		fe.Add("record_id", "an attachment needs a record_type and a valid record id")
	}
	return fe.Err()
}

// CheckFilename returns why name is unacceptable as a stored file name, or "".
// Path separators and dot segments are refused rather than silently stripped,
// so a client learns its upload was malformed.
func CheckFilename(name string) string {
	switch {
	case name == "":
		return "required"
	case len(name) > 255:
		return "at most 255 bytes"
	case strings.ContainsAny(name, `/\`) || name == "." || name == ".." || path.Clean(name) != name:
		return "must be a plain file name without directories or .."
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "must not contain control characters"
		}
	}
	return ""
}

// KeepServerOwned implements ServerOwned: only the file name may change.
func (a *Attachment) KeepServerOwned(prev Record) {
	if p, ok := prev.(*Attachment); ok {
		a.RecordType, a.RecordID, a.ContentType, a.Size, a.SHA256 = p.RecordType, p.RecordID, p.ContentType, p.Size, p.SHA256
	}
}

package store

import (
	"context"
	"fmt"

	"rapport/model"
	"rapport/model/migrate"
)

// TemplateFile is a template file already in the blob store: what an upload,
// a restore or a built-in gives a template's revision. The caller has
// checked the content (its format, and the template's lint).
type TemplateFile struct {
	Format      string // docx, odt, html or text, as the content showed
	Filename    string
	ContentType string
	Size        int64
	SHA256      string
	// Note says where the revision came from ("restored revision 2"); it is
	// shown in the version list.
	Note string
}

// BuiltinNote marks the revisions that InstallBuiltinTemplates wrote: a
// template whose current revision carries it still has the built-in file,
// so a newer built-in may replace it.
const BuiltinNote = "built-in"

// maxNoteBytes is the size of document_template_versions.note.
const maxNoteBytes = 1000

// CreateTemplate stores a new template with f as its revision 1, in one
// transaction with its first version row and its feed row. The template's
// format and file come from f; Builtin is left empty (only
// InstallBuiltinTemplates sets it).
func (s *Store) CreateTemplate(ctx context.Context, t *model.DocumentTemplate, f TemplateFile) error {
	t.Builtin = ""
	return s.createTemplate(ctx, t, f)
}

func (s *Store) createTemplate(ctx context.Context, t *model.DocumentTemplate, f TemplateFile) error {
	if err := checkNote(f.Note); err != nil {
		return err
	}
	t.Format = f.Format
	setTemplateFile(t, f, 1)
	return s.WithTx(ctx, func(ctx context.Context) error {
		if err := Create(ctx, s, t); err != nil {
			return err
		}
		return s.addTemplateVersion(ctx, t, f.Note)
	})
}

// AddTemplateRevision makes f the template's current file as its next
// revision, with a version row, in one transaction with the template's
// change. ifVersion (0: any) guards against concurrent edits. A file of
// another format than the template's is refused; a file identical to the
// current one (same SHA-256) adds nothing and returns the template as it is.
func (s *Store) AddTemplateRevision(ctx context.Context, id string, ifVersion int64, f TemplateFile) (*model.DocumentTemplate, error) {
	if err := checkNote(f.Note); err != nil {
		return nil, err
	}
	var out *model.DocumentTemplate
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var before int
		// The file fields are server-owned: KeepServerOwned would put
		// back the old file on an ordinary update.
		t, err := Update(serverWrite(ctx), s, id, ifVersion, func(t *model.DocumentTemplate) error {
			before = t.Revision
			if f.Format != t.Format {
				return fieldErr("file", fmt.Sprintf("the template is %s; this file is %s", t.Format, f.Format))
			}
			if f.SHA256 != t.SHA256 {
				setTemplateFile(t, f, t.Revision+1)
			}
			return nil
		})
		if err != nil {
			return err
		}
		out = t
		if t.Revision == before {
			return nil
		}
		return s.addTemplateVersion(ctx, t, f.Note)
	})
	return out, err
}

// RestoreTemplateRevision makes an earlier revision's file current again,
// as a new revision noted "restored revision N" (the history only grows).
// Restoring the file the template already has changes nothing.
func (s *Store) RestoreTemplateRevision(ctx context.Context, id string, revision int, ifVersion int64) (*model.DocumentTemplate, error) {
	var out *model.DocumentTemplate
	err := s.WithTx(ctx, func(ctx context.Context) error {
		t, err := Get[model.DocumentTemplate](ctx, s, id)
		if err != nil {
			return err
		}
		v, err := s.TemplateVersion(ctx, id, revision)
		if err != nil {
			return err
		}
		f := TemplateFile{Format: t.Format, Filename: v.Filename, ContentType: v.ContentType, Size: v.Size, SHA256: v.SHA256,
			Note: fmt.Sprintf("restored revision %d", revision)}
		out, err = s.AddTemplateRevision(ctx, id, ifVersion, f)
		return err
	})
	return out, err
}

// TemplateVersions lists the revisions of a template the actor may see,
// oldest first.
func (s *Store) TemplateVersions(ctx context.Context, id string) ([]model.DocumentTemplateVersion, error) {
	if _, err := Get[model.DocumentTemplate](ctx, s, id); err != nil {
		return nil, err
	}
	out := []model.DocumentTemplateVersion{}
	err := s.conn(ctx).Where("template_id = ?", id).Order("revision").Find(&out).Error
	return out, dbErr(err)
}

// TemplateVersion returns one revision of a template the actor may see.
func (s *Store) TemplateVersion(ctx context.Context, id string, revision int) (*model.DocumentTemplateVersion, error) {
	if _, err := Get[model.DocumentTemplate](ctx, s, id); err != nil {
		return nil, err
	}
	v := &model.DocumentTemplateVersion{}
	err := s.conn(ctx).Where("template_id = ? AND revision = ?", id, revision).Take(v).Error
	if err != nil {
		return nil, dbErr(err)
	}
	return v, nil
}

// addTemplateVersion writes the version row of t's current revision.
func (s *Store) addTemplateVersion(ctx context.Context, t *model.DocumentTemplate, note string) error {
	v := &model.DocumentTemplateVersion{ID: model.NewID(), TemplateID: t.ID, Revision: t.Revision,
		Filename: t.Filename, ContentType: t.ContentType, Size: t.Size, SHA256: t.SHA256, Note: note,
		CreatedAt: now(), CreatedBy: model.ActorFrom(ctx).UserID}
	return dbErr(s.conn(ctx).Create(v).Error)
}

// setTemplateFile makes f the file of revision rev of t.
func setTemplateFile(t *model.DocumentTemplate, f TemplateFile, rev int) {
	t.Revision = rev
	t.Filename, t.ContentType, t.Size, t.SHA256 = f.Filename, f.ContentType, f.Size, f.SHA256
}

func checkNote(note string) error {
	if len(note) > maxNoteBytes {
		return fieldErr("note", fmt.Sprintf("at most %d bytes", maxNoteBytes))
	}
	return nil
}

// BuiltinTemplate is a built-in template to install; its file is already
// in the blob store.
type BuiltinTemplate struct {
	Key         string // "quote-ru": the template's Builtin
	Name        string
	Description string
	RecordType  string
	Locale      string
	Subject     string
	File        TemplateFile
}

// What InstallBuiltinTemplates did with each built-in.
const (
	BuiltinInstalled  = "installed"  // it was new
	BuiltinUpdated    = "updated"    // its newer file became the next revision
	BuiltinUnchanged  = "unchanged"  // the template has this file already
	BuiltinCustomised = "customised" // staff uploaded or restored a revision since: kept
	BuiltinDeleted    = "deleted"    // staff deleted it: not brought back
)

// BuiltinResult is the outcome for one built-in.
type BuiltinResult struct {
	Key    string `json:"key"`
	ID     string `json:"id"`
	Action string `json:"action"`
}

// templatesLockID is the PostgreSQL advisory lock that serialises installs
// of built-in templates, so hubs starting together install each once.
const templatesLockID = 0x544d504c // "TMPL"

// InstallBuiltinTemplates installs the built-in templates, idempotently by
// key, in one transaction (admins only). A built-in never installed becomes
// a template with its file as revision 1. For one installed before:
//   - the same file: nothing happens;
//   - a newer file: it becomes the next revision, but only while the
//     template's current revision is the built-in's own (noted
//     BuiltinNote). Once staff upload or restore a revision, their file
//     stays, and later built-in files are not applied;
//   - a template staff deleted stays deleted.
//
// Name, description, locale and subject are the built-in's at install
// only: staff may edit them afterwards.
func (s *Store) InstallBuiltinTemplates(ctx context.Context, list []BuiltinTemplate) ([]BuiltinResult, error) {
	if !model.ActorFrom(ctx).IsAdmin() {
		return nil, model.Errorf(model.EFORBIDDEN, "admins only")
	}
	out := make([]BuiltinResult, 0, len(list))
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if s.engine == migrate.Postgres {
			if err := s.conn(ctx).Exec("SELECT pg_advisory_xact_lock(?)", templatesLockID).Error; err != nil {
				return dbErr(err)
			}
		}
		out = out[:0]
		for _, b := range list {
			res, err := s.installBuiltin(ctx, b)
			if err != nil {
				return fmt.Errorf("built-in template %s: %w", b.Key, err)
			}
			out = append(out, res)
		}
		return nil
	})
	return out, err
}

// installBuiltin installs or updates one built-in (see InstallBuiltinTemplates).
func (s *Store) installBuiltin(ctx context.Context, b BuiltinTemplate) (BuiltinResult, error) {
	res := BuiltinResult{Key: b.Key}
	var cur model.DocumentTemplate
	err := s.conn(ctx).Where("builtin = ?", b.Key).Limit(1).Find(&cur).Error
	switch {
	case err != nil:
		return res, dbErr(err)
	case cur.ID == "":
		t := &model.DocumentTemplate{Name: b.Name, Description: b.Description, RecordType: b.RecordType,
			Locale: b.Locale, Subject: b.Subject, Builtin: b.Key}
		b.File.Note = BuiltinNote
		res.Action = BuiltinInstalled
		err = s.createTemplate(ctx, t, b.File)
		res.ID = t.ID
		return res, err
	}
	res.ID = cur.ID
	switch {
	case cur.DeletedAt != nil:
		res.Action = BuiltinDeleted
	case cur.SHA256 == b.File.SHA256:
		res.Action = BuiltinUnchanged
	default:
		v, err := s.TemplateVersion(ctx, cur.ID, cur.Revision)
		if err != nil {
			return res, err
		}
		if v.Note != BuiltinNote {
			res.Action = BuiltinCustomised
			return res, nil
		}
		b.File.Note = BuiltinNote
		res.Action = BuiltinUpdated
		_, err = s.AddTemplateRevision(ctx, cur.ID, 0, b.File)
		return res, err
	}
	return res, nil
}

package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// templateFile returns a file of format whose content is named by seed.
func templateFile(seed, format string) store.TemplateFile {
	sum := sha256.Sum256([]byte(seed))
	return store.TemplateFile{Format: format, Filename: seed + "." + format, ContentType: "application/octet-stream",
		Size: int64(len(seed)), SHA256: hex.EncodeToString(sum[:])}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if model.ErrorCode(err) != code {
		t.Fatalf("error %v, want %s", err, code)
	}
}

// versionSHAs lists a template's revisions' files, oldest first.
func versionSHAs(ctx context.Context, t *testing.T, s *store.Store, id string) []string {
	t.Helper()
	vs, err := s.TemplateVersions(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		if v.Revision != i+1 || v.TemplateID != id {
			t.Fatalf("version %d: %+v", i, v)
		}
		out[i] = v.SHA256
	}
	return out
}

func TestTemplateRevisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := model.WithActor(context.Background(), model.System)
		v1, v2 := templateFile("letter one", "docx"), templateFile("letter two", "docx")
		tpl := &model.DocumentTemplate{Name: " Letter ", RecordType: "contact", Format: "odt", Builtin: "sneaky"}
		if err := s.CreateTemplate(ctx, tpl, v1); err != nil {
			t.Fatal(err)
		}
		if tpl.Revision != 1 || tpl.Format != "docx" || tpl.SHA256 != v1.SHA256 || tpl.Builtin != "" || tpl.Name != "Letter" {
			t.Fatalf("created %+v", tpl)
		}
		got, err := s.AddTemplateRevision(ctx, tpl.ID, tpl.Version, v2)
		if err != nil || got.Revision != 2 || got.SHA256 != v2.SHA256 || got.Filename != v2.Filename || got.Version != 2 {
			t.Fatalf("revision 2: %+v %v", got, err)
		}
		// The same file again adds nothing; a stale version or another
		// format is refused and writes nothing.
		if same, err := s.AddTemplateRevision(ctx, tpl.ID, 0, v2); err != nil || same.Revision != 2 || same.Version != 2 {
			t.Fatalf("same file: %+v %v", same, err)
		}
		_, err = s.AddTemplateRevision(ctx, tpl.ID, 1, templateFile("three", "docx"))
		wantCode(t, err, model.EPRECONDITION)
		_, err = s.AddTemplateRevision(ctx, tpl.ID, 0, templateFile("three", "odt"))
		wantCode(t, err, model.EINVALID)
		// An ordinary update cannot change the file.
		upd, err := store.Update(ctx, s, tpl.ID, 0, func(t *model.DocumentTemplate) error {
			t.Name, t.SHA256, t.Revision, t.Format = "Welcome letter", v1.SHA256, 9, "odt"
			return nil
		})
		if err != nil || upd.Name != "Welcome letter" || upd.SHA256 != v2.SHA256 || upd.Revision != 2 || upd.Format != "docx" {
			t.Fatalf("update %+v %v", upd, err)
		}
		restored, err := s.RestoreTemplateRevision(ctx, tpl.ID, 1, 0)
		if err != nil || restored.Revision != 3 || restored.SHA256 != v1.SHA256 || restored.Filename != v1.Filename {
			t.Fatalf("restore %+v %v", restored, err)
		}
		_, err = s.RestoreTemplateRevision(ctx, tpl.ID, 7, 0)
		wantCode(t, err, model.ENOTFOUND)
		if shas := versionSHAs(ctx, t, s, tpl.ID); len(shas) != 3 || shas[0] != v1.SHA256 || shas[1] != v2.SHA256 || shas[2] != v1.SHA256 {
			t.Fatalf("versions %v", shas)
		}
		v3, err := s.TemplateVersion(ctx, tpl.ID, 3)
		if err != nil || v3.Note != "restored revision 1" {
			t.Fatalf("version 3 %+v %v", v3, err)
		}
		// Every write is one version of the template in the feed: create,
		// revision 2, the rename, revision 3.
		changes, err := s.History(ctx, "document_template", tpl.ID)
		if err != nil || len(changes) != 4 || changes[1].Fields["revision"].New != float64(2) {
			t.Fatalf("history %+v %v", changes, err)
		}
	})
}

func TestTemplateWritesAreAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := model.WithActor(context.Background(), model.System)
		bad := []struct {
			tpl  *model.DocumentTemplate
			file store.TemplateFile
		}{
			{&model.DocumentTemplate{Name: "x", RecordType: "spaceship"}, templateFile("a", "docx")},
			{&model.DocumentTemplate{Name: "x", RecordType: "quote", Subject: "Hi"}, templateFile("a", "docx")},
			{&model.DocumentTemplate{Name: "x", RecordType: "quote"}, templateFile("a", "pdf")},
			{&model.DocumentTemplate{Name: "x", RecordType: "quote"}, store.TemplateFile{Format: "docx", Filename: "../x.docx", SHA256: templateFile("a", "").SHA256}},
			{&model.DocumentTemplate{Name: "x", RecordType: "quote"}, store.TemplateFile{Format: "docx", Filename: "x.docx", SHA256: "short"}},
		}
		for i, b := range bad {
			wantCode(t, s.CreateTemplate(ctx, b.tpl, b.file), model.EINVALID)
			if i == 0 {
				long := templateFile("a", "docx")
				long.Note = string(make([]byte, 1001))
				wantCode(t, s.CreateTemplate(ctx, &model.DocumentTemplate{Name: "x", RecordType: "quote"}, long), model.EINVALID)
			}
		}
		page, err := store.List[model.DocumentTemplate](ctx, s, store.ListParams{})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("templates after refusals: %v %v", page.Items, err)
		}
		var n int64
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM document_template_versions").Scan(&n); err != nil || n != 0 {
			t.Fatalf("versions after refusals: %d %v", n, err)
		}
	})
}

func TestTemplateBlobsAreReferenced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := model.WithActor(context.Background(), model.System)
		v1, v2 := templateFile("one", "html"), templateFile("two", "html")
		tpl := &model.DocumentTemplate{Name: "Mail", RecordType: "request", Subject: "Re: {request.number}"}
		if err := s.CreateTemplate(ctx, tpl, v1); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddTemplateRevision(ctx, tpl.ID, 0, v2); err != nil {
			t.Fatal(err)
		}
		if err := store.Delete[model.DocumentTemplate](ctx, s, tpl.ID, 0); err != nil {
			t.Fatal(err)
		}
		// A deleted template's files stay (tombstones keep their content),
		// the old revision's too.
		for sha, want := range map[string]bool{v1.SHA256: true, v2.SHA256: true, templateFile("other", "").SHA256: false} {
			if got, err := s.BlobReferenced(ctx, sha); err != nil || got != want {
				t.Errorf("BlobReferenced(%s) = %v %v, want %v", sha[:8], got, err, want)
			}
		}
		_, err := s.TemplateVersions(ctx, tpl.ID)
		wantCode(t, err, model.ENOTFOUND)
	})
}

func TestInstallBuiltinTemplates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := model.WithActor(context.Background(), model.System)
		builtin := func(key, content string) store.BuiltinTemplate {
			return store.BuiltinTemplate{Key: key, Name: key, RecordType: "quote", Locale: "en-GB", File: templateFile(content, "docx")}
		}
		install := func(want map[string]string, list ...store.BuiltinTemplate) map[string]string {
			t.Helper()
			res, err := s.InstallBuiltinTemplates(ctx, list)
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]string{}
			for _, r := range res {
				ids[r.Key] = r.ID
				if r.Action != want[r.Key] || r.ID == "" {
					t.Errorf("%s: %s (%s), want %s", r.Key, r.Action, r.ID, want[r.Key])
				}
			}
			return ids
		}
		ids := install(map[string]string{"quote-en": store.BuiltinInstalled, "letter-en": store.BuiltinInstalled},
			builtin("quote-en", "q1"), builtin("letter-en", "l1"))
		install(map[string]string{"quote-en": store.BuiltinUnchanged, "letter-en": store.BuiltinUnchanged},
			builtin("quote-en", "q1"), builtin("letter-en", "l1"))
		// Staff customise the letter and delete the quote; the letter gets
		// a new built-in file meanwhile.
		if _, err := s.AddTemplateRevision(ctx, ids["letter-en"], 0, templateFile("ours", "docx")); err != nil {
			t.Fatal(err)
		}
		install(map[string]string{"quote-en": store.BuiltinUpdated, "letter-en": store.BuiltinCustomised},
			builtin("quote-en", "q2"), builtin("letter-en", "l2"))
		q, err := store.Get[model.DocumentTemplate](ctx, s, ids["quote-en"])
		if err != nil || q.Revision != 2 || q.SHA256 != templateFile("q2", "").SHA256 || q.Builtin != "quote-en" {
			t.Fatalf("updated quote %+v %v", q, err)
		}
		if shas := versionSHAs(ctx, t, s, ids["letter-en"]); len(shas) != 2 || shas[1] != templateFile("ours", "").SHA256 {
			t.Fatalf("customised letter's versions %v", shas)
		}
		if err := store.Delete[model.DocumentTemplate](ctx, s, ids["quote-en"], 0); err != nil {
			t.Fatal(err)
		}
		install(map[string]string{"quote-en": store.BuiltinDeleted}, builtin("quote-en", "q3"))
		// A failing built-in installs nothing of the batch.
		bad := builtin("bad", "b")
		bad.RecordType = "spaceship"
		if _, err := s.InstallBuiltinTemplates(ctx, []store.BuiltinTemplate{builtin("new-en", "n"), bad}); model.ErrorCode(err) != model.EINVALID {
			t.Fatalf("bad built-in: %v", err)
		}
		page, err := store.List[model.DocumentTemplate](ctx, s, store.ListParams{Equals: map[string]string{"builtin": "new-en"}})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("half an install: %v %v", page.Items, err)
		}
		agent := model.WithActor(context.Background(), model.Actor{UserID: model.NewID(), Role: model.RoleAgent})
		_, err = s.InstallBuiltinTemplates(agent, []store.BuiltinTemplate{builtin("new-en", "n")})
		wantCode(t, err, model.EFORBIDDEN)
	})
}

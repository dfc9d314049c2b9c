package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"rapport/connectors/blobstore"
	"rapport/model"
	"rapport/model/store"
	"rapport/templates/builtin"
	"rapport/templates/templatefile"
)

func templateCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "template", Short: "Lint, list, add and install document templates"}
	cmd.AddCommand(templateLintCmd(), templateListCmd(g), templateAddCmd(g), templateInstallCmd(g))
	return cmd
}

// lintFailed is the error of a template that did not pass: not a coded
// error, so the command exits with 1 (2 is for bad usage).
type lintFailed struct {
	file string
	n    int
}

func (e lintFailed) Error() string { return fmt.Sprintf("%s: %d error(s)", e.file, e.n) }

// checkFile checks a template file for recordType and prints its mistakes,
// one a line with their places, to w. A file refused whole (not a document,
// unsafe, too large) is one mistake; an unknown record type is bad usage.
func checkFile(w io.Writer, path, recordType string) (templatefile.Result, error) {
	if recordType != "" && !slices.Contains(model.TemplateEntities, recordType) {
		return templatefile.Result{}, model.Errorf(model.EINVALID, "--record-type must be one of %s", strings.Join(model.TemplateEntities, ", "))
	}
	f, err := os.Open(path)
	if err != nil {
		return templatefile.Result{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return templatefile.Result{}, err
	}
	res, err := templatefile.Check(f, info.Size(), filepath.Base(path), "", recordType)
	if err != nil {
		fmt.Fprintf(w, "%s: %s\n", path, model.ErrorMessage(err))
		return res, lintFailed{path, 1}
	}
	for _, e := range res.Errors {
		fmt.Fprintf(w, "%s: %s\n", path, e.Error())
	}
	if len(res.Errors) > 0 {
		return res, lintFailed{path, len(res.Errors)}
	}
	return res, nil
}

func templateLintCmd() *cobra.Command {
	var recordType string
	cmd := &cobra.Command{Use: "lint FILE", Short: "Check a template (.docx, .odt, .html, .txt): every mistake with its place; exit 1 if any",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := checkFile(cmd.OutOrStdout(), args[0], recordType)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%s)\n", args[0], res.Format)
			return err
		}}
	cmd.Flags().StringVar(&recordType, "record-type", "", "the record type documents are merged from (contact, account, quote, order, invoice, rma, request; default: any)")
	return cmd
}

func templateListCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "list", Short: "List the document templates", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tRECORD TYPE\tFORMAT\tLOCALE\tREVISION\tBUILT-IN")
				return eachPage(ctx, s, store.ListParams{Sort: "name"}, func(t *model.DocumentTemplate) error {
					_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", t.ID, t.Name, t.RecordType, t.Format, t.Locale, t.Revision, t.Builtin)
					return err
				}, tw.Flush)
			})
		}}
}

func templateAddCmd(g *globals) *cobra.Command {
	t := model.DocumentTemplate{}
	var blobs string
	cmd := &cobra.Command{Use: "add FILE --name NAME --record-type TYPE", Short: "Lint a template and add it",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := checkFile(cmd.OutOrStdout(), args[0], t.RecordType)
			if err == nil {
				err = templatefile.CheckNew(t, res.Format, filepath.Base(args[0]))
			}
			if err != nil {
				return err
			}
			content, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			return g.withBlobs(cmd, blobs, func(ctx context.Context, s *store.Store, b blobstore.Store) error {
				file, err := putTemplate(ctx, b, filepath.Base(args[0]), res.Format, content)
				if err == nil {
					err = s.CreateTemplate(ctx, &t, file)
				}
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(cmd.OutOrStdout(), t.ID)
				return err
			})
		}}
	f := cmd.Flags()
	f.StringVar(&t.Name, "name", "", "the template's name (required)")
	f.StringVar(&t.RecordType, "record-type", "", "the record type documents are merged from (required)")
	f.StringVar(&t.Locale, "locale", "", "the locale of numbers, money and dates, e.g. ru-RU (default: the record's language)")
	f.StringVar(&t.Description, "description", "", "what the template is for")
	f.StringVar(&t.Subject, "subject", "", "the subject line of an HTML or text mail template")
	bindBlobs(f.StringVar, &blobs)
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.MarkFlagRequired("record-type")
	return cmd
}

func templateInstallCmd(g *globals) *cobra.Command {
	var blobs string
	cmd := &cobra.Command{Use: "install-builtins", Short: "Install the built-in templates, or their newer versions (idempotent)",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withBlobs(cmd, blobs, func(ctx context.Context, s *store.Store, b blobstore.Store) error {
				res, err := installBuiltins(ctx, s, b)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				for _, r := range res {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Key, r.Action, r.ID)
				}
				return tw.Flush()
			})
		}}
	bindBlobs(cmd.Flags().StringVar, &blobs)
	return cmd
}

// installBuiltins checks the built-in templates, puts their files in the
// blob store and installs them (see store.InstallBuiltinTemplates for the
// rule on newer versions). serve may call it at start.
func installBuiltins(ctx context.Context, s *store.Store, b blobstore.Store) ([]store.BuiltinResult, error) {
	var list []store.BuiltinTemplate
	for _, t := range builtin.All() {
		res, err := templatefile.Check(bytes.NewReader(t.Content), int64(len(t.Content)), t.Filename, "", t.RecordType)
		switch {
		case err != nil:
			return nil, fmt.Errorf("built-in template %s: %w", t.Key, err)
		case len(res.Errors) > 0 || res.Format != t.Format:
			return nil, fmt.Errorf("built-in template %s (%s): %v", t.Key, res.Format, res.Errors)
		}
		file, err := putTemplate(ctx, b, t.Filename, t.Format, t.Content)
		if err != nil {
			return nil, err
		}
		list = append(list, store.BuiltinTemplate{Key: t.Key, Name: t.Name, Description: t.Description,
			RecordType: t.RecordType, Locale: t.Locale, Subject: t.Subject, File: file})
	}
	return s.InstallBuiltinTemplates(ctx, list)
}

// putTemplate stores a checked template file in the blob store.
func putTemplate(ctx context.Context, b blobstore.Store, filename, format string, content []byte) (store.TemplateFile, error) {
	info, err := b.Put(ctx, bytes.NewReader(content), filename, templatefile.MaxBytes)
	if err != nil {
		return store.TemplateFile{}, err
	}
	return store.TemplateFile{Format: format, Filename: filename, ContentType: templatefile.ContentType(format),
		Size: info.Size, SHA256: info.SHA256}, nil
}

// bindBlobs adds the --blobs flag of commands that store files.
func bindBlobs(stringVar func(p *string, name, value, usage string), p *string) {
	stringVar(p, "blobs", os.Getenv("RAPPORT_BLOBS"), "blob store: local or db, as serve's --blobs (env RAPPORT_BLOBS)")
}

// withBlobs runs fn with the store and the blob store serve would use.
func (g *globals) withBlobs(cmd *cobra.Command, kind string, fn func(ctx context.Context, s *store.Store, b blobstore.Store) error) error {
	return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
		b, err := openBlobs(g, &serveOptions{blobs: kind}, s)
		if err != nil {
			return err
		}
		return fn(ctx, s, b)
	})
}

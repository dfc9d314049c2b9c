package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"rapport/connectors/blobstore"
	"rapport/connectors/officepdf"
	"rapport/hub/merge"
	"rapport/model"
	"rapport/model/store"
	"rapport/templates/lang"
	"rapport/templates/locale"
)

// docOptions are the document settings serve and merge share: the
// company's details, the installation's locale and LibreOffice for PDF.
type docOptions struct {
	companyFile string
	locale      string
	pdf         officepdf.Config
}

func (o *docOptions) bind(f *pflag.FlagSet) {
	f.StringVar(&o.companyFile, "company", os.Getenv("RAPPORT_COMPANY_FILE"),
		"JSON file with the company's details for documents (name, legal_name, address, phone, email, website, tax_id, "+
			"registration_number, bank_name, iban, bic, logo_id); RAPPORT_COMPANY_NAME, RAPPORT_COMPANY_IBAN … override "+
			"single fields (env RAPPORT_COMPANY_FILE)")
	f.StringVar(&o.locale, "locale", envOr("RAPPORT_LOCALE", locale.DefaultName),
		"locale of documents whose template, contact and account name none, e.g. en-GB, de-DE, ru-RU (env RAPPORT_LOCALE)")
	f.StringVar(&o.pdf.Binary, "pdf-soffice", os.Getenv("RAPPORT_PDF_SOFFICE"),
		"LibreOffice program for PDF output (default: soffice or libreoffice on PATH; env RAPPORT_PDF_SOFFICE)")
	converters, err := strconv.Atoi(os.Getenv("RAPPORT_PDF_CONVERTERS"))
	if err != nil || converters < 1 {
		converters = officepdf.DefaultSize
	}
	f.IntVar(&o.pdf.Size, "pdf-converters", converters,
		"PDF conversions at once, each about one CPU core and 200 MB (env RAPPORT_PDF_CONVERTERS)")
	timeout, err := time.ParseDuration(os.Getenv("RAPPORT_PDF_TIMEOUT"))
	if err != nil {
		timeout = officepdf.DefaultTimeout
	}
	f.DurationVar(&o.pdf.Timeout, "pdf-timeout", timeout, "longest PDF conversion; a longer one is killed (env RAPPORT_PDF_TIMEOUT)")
}

// pdfUse says whether a command converts to PDF.
type pdfUse int

const (
	noPDF       pdfUse = iota // never: no converters are prepared
	optionalPDF               // when LibreOffice is installed (serve)
	requiredPDF               // or fail (merge --format pdf)
)

// companyEnv are the variables that set single company details, over the
// file's.
func companyEnv(c *lang.Company) map[string]*string {
	return map[string]*string{
		"RAPPORT_COMPANY_NAME": &c.Name, "RAPPORT_COMPANY_LEGAL_NAME": &c.LegalName, "RAPPORT_COMPANY_PHONE": &c.Phone,
		"RAPPORT_COMPANY_EMAIL": &c.Email, "RAPPORT_COMPANY_WEBSITE": &c.Website, "RAPPORT_COMPANY_TAX_ID": &c.TaxID,
		"RAPPORT_COMPANY_REGISTRATION_NUMBER": &c.RegistrationNumber, "RAPPORT_COMPANY_BANK_NAME": &c.BankName,
		"RAPPORT_COMPANY_IBAN": &c.IBAN, "RAPPORT_COMPANY_BIC": &c.BIC, "RAPPORT_COMPANY_LOGO_ID": &c.LogoID,
		"RAPPORT_COMPANY_STREET": &c.Address.Street, "RAPPORT_COMPANY_CITY": &c.Address.City,
		"RAPPORT_COMPANY_REGION": &c.Address.Region, "RAPPORT_COMPANY_POSTAL_CODE": &c.Address.PostalCode,
		"RAPPORT_COMPANY_COUNTRY": &c.Address.Country,
	}
}

// company reads the company's details: the file, then the environment.
func (o *docOptions) company() (lang.Company, error) {
	var c lang.Company
	if o.companyFile != "" {
		data, err := os.ReadFile(o.companyFile)
		if err != nil {
			return c, fmt.Errorf("--company: %w", err)
		}
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("--company %s: %w", o.companyFile, err)
		}
	}
	for name, field := range companyEnv(&c) {
		if v := os.Getenv(name); v != "" {
			*field = v
		}
	}
	if c.LogoID != "" && !model.ValidID(c.LogoID) {
		return c, fmt.Errorf("the company's logo_id must be an attachment id, not %q", c.LogoID)
	}
	return c, nil
}

// service builds the merge service, with LibreOffice's converters as pdf
// says; the returned function stops them.
func (o *docOptions) service(g *globals, s *store.Store, blobs blobstore.Store, pdf pdfUse, log *slog.Logger) (*merge.Service, func(), error) {
	company, err := o.company()
	if err != nil {
		return nil, nil, err
	}
	if _, err := locale.Get(o.locale); err != nil {
		return nil, nil, fmt.Errorf("--locale: %w", err)
	}
	loc, err := time.LoadLocation(g.tz)
	if err != nil {
		return nil, nil, fmt.Errorf("unknown time zone %q", g.tz)
	}
	cfg := merge.Config{Store: s, Blobs: blobAdapter{blobs}, Company: company, DefaultLocale: o.locale, Location: loc}
	stop := func() {}
	if pdf != noPDF {
		pool, err := officepdf.New(o.pdf)
		switch {
		case errors.Is(err, officepdf.ErrNotInstalled) && pdf == optionalPDF:
			log.Warn("PDF output disabled", "reason", err.Error())
		case err != nil:
			return nil, nil, err
		default:
			cfg.PDF = pool
			stop = func() { _ = pool.Close() }
		}
	}
	return merge.New(cfg), stop, nil
}

// mergeOptions are the flags of rapport merge.
type mergeOptions struct {
	docs                         docOptions
	template, record, list, user string
	out, format, blobs           string
	zip, save                    bool
}

func mergeCmd(g *globals) *cobra.Command {
	o := &mergeOptions{}
	cmd := &cobra.Command{Use: "merge --template FILE|ID (--record TYPE:ID | --list NAME) [-o FILE]",
		Short: "Merge a record, or a mailing list, into a document template (Word, Writer, HTML, text or PDF)",
		Long: "Merge a record (--record contact:ID, quote:ID …) or the members of a mailing list (--list NAME) into a template:\n" +
			"a file (.docx, .odt, .html, .txt) or a stored template's id. A list gives one document with a page per\n" +
			"member, or with --zip a zip of one document each. The file goes to -o (\"-\" for standard output) or, by\n" +
			"default, to the document's own name in the current directory.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runMerge(cmd, g, o) }}
	f := cmd.Flags()
	f.StringVar(&o.template, "template", "", "template file, or a stored template's id (required)")
	f.StringVar(&o.record, "record", "", "the record to merge, TYPE:ID (contact, account, quote, order, invoice, rma, request)")
	f.StringVar(&o.list, "list", "", "a mailing list's name (or id): merge its members")
	f.BoolVar(&o.zip, "zip", false, "with --list: a zip of one document per member instead of one document")
	f.StringVarP(&o.out, "output", "o", "", "where to write the document; - for standard output (default: its name)")
	f.StringVar(&o.format, "format", "", "output format: the template's (docx, odt, html, text) or pdf")
	f.StringVar(&o.user, "user", "", "merge as this user (e-mail or username): what they may see, and {user}")
	f.BoolVar(&o.save, "save", false, "with --record: also attach the document to the record, logged on its timeline")
	f.StringVar(&o.blobs, "blobs", os.Getenv("RAPPORT_BLOBS"), "blob store: local or db, as for serve (env RAPPORT_BLOBS)")
	o.docs.bind(f)
	_ = cmd.MarkFlagRequired("template")
	return cmd
}

func runMerge(cmd *cobra.Command, g *globals, o *mergeOptions) error {
	if (o.record == "") == (o.list == "") {
		return model.Errorf(model.EINVALID, "name what to merge: --record TYPE:ID or --list NAME")
	}
	return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
		blobs, err := openBlobs(g, &serveOptions{blobs: o.blobs}, s)
		if err != nil {
			return err
		}
		pdf := noPDF
		if o.format == merge.FormatPDF {
			pdf = requiredPDF
		}
		svc, stop, err := o.docs.service(g, s, blobs, pdf, slog.Default())
		if err != nil {
			return err
		}
		defer stop()
		if ctx, err = o.actor(ctx, s); err != nil {
			return err
		}
		if o.record != "" {
			return o.mergeRecord(ctx, cmd, svc)
		}
		return o.mergeList(ctx, cmd, s, svc)
	})
}

// actor is --user's actor, or the CLI's.
func (o *mergeOptions) actor(ctx context.Context, s *store.Store) (context.Context, error) {
	if o.user == "" {
		return ctx, nil
	}
	u, err := s.UserByLogin(ctx, o.user)
	if err != nil {
		return nil, err
	}
	a, err := s.ActorFor(ctx, u, nil)
	return model.WithActor(ctx, a), err
}

// openTemplate returns the template file --template names, or nil when it
// names a stored template by id.
func (o *mergeOptions) openTemplate(svc *merge.Service, recordType string) (*merge.Template, string, error) {
	data, err := os.ReadFile(o.template)
	switch {
	case err == nil:
		t, err := svc.OpenTemplate(filepath.Base(o.template), data, recordType, "")
		return t, "", err
	case errors.Is(err, os.ErrNotExist) && model.ValidID(o.template):
		return nil, o.template, nil
	}
	return nil, "", fmt.Errorf("--template: %w", err)
}

func (o *mergeOptions) mergeRecord(ctx context.Context, cmd *cobra.Command, svc *merge.Service) error {
	recordType, id, ok := strings.Cut(o.record, ":")
	if !ok || !slices.Contains(model.TemplateEntities, recordType) {
		return model.Errorf(model.EINVALID, "--record is TYPE:ID, TYPE one of %s", strings.Join(model.TemplateEntities, ", "))
	}
	tmpl, tmplID, err := o.openTemplate(svc, recordType)
	if err != nil {
		return err
	}
	doc, err := svc.Merge(ctx, merge.Request{TemplateID: tmplID, Template: tmpl, RecordType: recordType, RecordID: id,
		Format: o.format, Save: o.save})
	if err != nil {
		return err
	}
	return writeOutput(cmd, o.out, doc.Filename, func(w io.Writer) error {
		_, err := w.Write(doc.Body)
		return err
	})
}

func (o *mergeOptions) mergeList(ctx context.Context, cmd *cobra.Command, s *store.Store, svc *merge.Service) error {
	if o.save {
		return model.Errorf(model.EINVALID, "--save attaches one record's document; it does not go with --list")
	}
	listID, err := mailingListID(ctx, s, o.list)
	if err != nil {
		return err
	}
	tmpl, tmplID, err := o.openTemplate(svc, "contact")
	if err != nil {
		return err
	}
	output := merge.OutputCombined
	if o.zip {
		output = merge.OutputZip
	}
	bulk, err := svc.PrepareBulk(ctx, merge.BulkRequest{TemplateID: tmplID, Template: tmpl, MailingListID: listID,
		Output: output, Format: o.format})
	if err != nil {
		return err
	}
	return writeOutput(cmd, o.out, bulk.Filename, func(w io.Writer) error { return bulk.Write(ctx, w) })
}

// mailingListID finds a mailing list by its name, or takes an id.
func mailingListID(ctx context.Context, s *store.Store, nameOrID string) (string, error) {
	page, err := store.List[model.MailingList](ctx, s, store.ListParams{Limit: 2, Equals: map[string]string{"name": nameOrID}})
	switch {
	case err != nil:
		return "", err
	case len(page.Items) == 1:
		return page.Items[0].ID, nil
	case len(page.Items) > 1:
		return "", model.Errorf(model.ECONFLICT, "several mailing lists are called %q: name one by its id", nameOrID)
	case model.ValidID(nameOrID):
		return nameOrID, nil
	}
	return "", model.Errorf(model.ENOTFOUND, "no mailing list called %q", nameOrID)
}

// writeOutput writes a document to standard output ("-"), or to a file
// (out, else name in the current directory) that appears only once it is
// complete, and says where it went.
func writeOutput(cmd *cobra.Command, out, name string, write func(io.Writer) error) error {
	if out == "-" {
		return write(cmd.OutOrStdout())
	}
	if out == "" {
		out = name
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".rapport-merge-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), out)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(cmd.OutOrStdout(), "wrote", out)
	return err
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"rapport/connectors/contactfile"
	"rapport/model"
	"rapport/model/store"
)

// maxImportBytes bounds one import file.
const maxImportBytes = 512 << 20

func importCmd(g *globals) *cobra.Command {
	var onDup, format string
	contacts := &cobra.Command{Use: "contacts FILE", Short: "Import contacts from .vcf or .csv (UTF-8, UTF-8 with BOM or windows-1251; comma or semicolon)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rows, ignored, err := parseContactsFile(args[0], format)
			if err != nil {
				return err
			}
			if len(ignored) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "ignored columns: %s\n", strings.Join(ignored, ", "))
			}
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				res, err := s.ImportContacts(ctx, rows, onDup)
				if err != nil {
					return err
				}
				return printImport(cmd.OutOrStdout(), res)
			})
		}}
	contacts.Flags().StringVar(&onDup, "on-duplicate", store.OnDuplicateSkip, "when an e-mail or phone already exists: skip, update or create")
	contacts.Flags().StringVar(&format, "format", "", "vcf or csv (default: from the file extension)")
	cmd := &cobra.Command{Use: "import", Short: "Import records"}
	cmd.AddCommand(contacts)
	return cmd
}

func parseContactsFile(path, format string) ([]store.ImportRow, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	}
	var rows []contactfile.Row
	var ignored []string
	switch format {
	case "vcf", "vcard":
		rows, err = contactfile.ReadVCards(f, maxImportBytes)
	case "csv", "txt":
		rows, ignored, err = contactfile.ReadCSV(f, maxImportBytes)
	default:
		return nil, nil, model.Errorf(model.EINVALID, "unknown format %q: use .vcf or .csv (or --format)", format)
	}
	if err != nil {
		return nil, nil, err
	}
	out := make([]store.ImportRow, len(rows))
	for i, r := range rows {
		out[i] = store.ImportRow{Line: r.Line, Contact: r.Contact, Company: r.Company, Err: r.Err}
	}
	return out, ignored, nil
}

func printImport(w io.Writer, res store.ImportResult) error {
	for _, e := range res.Errors {
		fmt.Fprintln(w, e.Message) // messages name their card or line
	}
	_, err := fmt.Fprintf(w, "created %d, updated %d, skipped %d duplicates, failed %d\n", res.Created, res.Updated, res.Skipped, res.Failed)
	return err
}

func exportCmd(g *globals) *cobra.Command {
	var format, out string
	contacts := &cobra.Command{Use: "contacts", Short: "Export every contact as vCard, CSV or XLSX", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd, func(ctx context.Context, s *store.Store) error {
				w := cmd.OutOrStdout()
				if out != "" && out != "-" {
					f, err := os.Create(out)
					if err != nil {
						return err
					}
					defer f.Close()
					w = f
				}
				return exportContacts(ctx, s, w, format)
			})
		}}
	contacts.Flags().StringVar(&format, "format", "vcf", "vcf, csv or xlsx")
	contacts.Flags().StringVarP(&out, "output", "o", "", "file to write (default: standard output)")
	cmd := &cobra.Command{Use: "export", Short: "Export records"}
	cmd.AddCommand(contacts)
	return cmd
}

// exportContacts loads contacts page by page and writes them in format.
func exportContacts(ctx context.Context, s *store.Store, w io.Writer, format string) error {
	write, ok := map[string]func(io.Writer, []*model.Contact, func(string) string) error{
		"vcf": contactfile.WriteVCards, "csv": contactfile.WriteCSV, "xlsx": contactfile.WriteXLSX,
	}[format]
	if !ok {
		return model.Errorf(model.EINVALID, "unknown format %q: use vcf, csv or xlsx", format)
	}
	var all []*model.Contact
	if err := eachPage(ctx, s, store.ListParams{}, func(c *model.Contact) error { all = append(all, c); return nil }, func() error { return nil }); err != nil {
		return err
	}
	names := map[string]string{}
	err := eachPage(ctx, s, store.ListParams{}, func(a *model.Account) error { names[a.ID] = a.Name; return nil }, func() error { return nil })
	if err != nil {
		return err
	}
	return write(w, all, func(id string) string { return names[id] })
}

package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// TestMailboxCLI adds mailboxes with secrets on standard input, lists
// them, and checks one with a tester standing in for the IMAP engine.
func TestMailboxCLI(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			g := []string{"--db", storetest.DSN(t, engine), "--data", t.TempDir()}
			must := func(stdin string, args ...string) string {
				return mustRun(t, stdin, append(append(g, "mailbox"), args...)...)
			}
			cli := func(stdin string, args ...string) (string, error) {
				return run(t, stdin, append(append(g, "mailbox"), args...)...)
			}

			out := must("# the IMAP login\npassword=imap secret=with equals\nsmtp_password=smtp-secret\n", "add", "--name", "Support",
				"--imap-host", "imap.example.com", "--username", "support@example.com", "--folders", "INBOX,Support",
				"--from", "support@example.com", "--smtp-host", "smtp.example.com", "--smtp-username", "support", "--secrets-stdin")
			id := strings.Fields(out)[len(strings.Fields(out))-1]
			if !strings.HasPrefix(out, "added mailbox Support (support@example.com@imap.example.com) id ") || !model.ValidID(id) {
				t.Fatalf("add printed %q", out)
			}
			list := must("", "list")
			if !strings.Contains(list, id) || !strings.Contains(list, "support@example.com@imap.example.com:993 (implicit, password)") ||
				!strings.Contains(list, "INBOX,Support") || !strings.Contains(list, "idle") || strings.Contains(list, "secret") {
				t.Fatalf("list %q", list)
			}
			for _, tc := range []struct {
				stdin string
				args  []string
				want  string
			}{
				{"", []string{"add", "--name", "x", "--imap-host", "imap.example.com", "--username", "u"}, "password"},
				{"", []string{"add", "--name", "x", "--imap-host", "imap.example.com", "--imap-tls", "plain", "--username", "u"}, "imap_tls"},
				{"pasword=x\n", []string{"add", "--name", "x", "--imap-host", "h", "--username", "u", "--secrets-stdin"}, "NAME=VALUE"},
				{"password=x\n", []string{"add", "--name", "x", "--imap-host", "h", "--username", "u", "--queue", "Nowhere", "--secrets-stdin"}, "0 queues"},
			} {
				if out, err := cli(tc.stdin, tc.args...); err == nil || !strings.Contains(err.Error()+out, tc.want) {
					t.Errorf("%v: want %q, got %v %q", tc.args, tc.want, err, out)
				}
			}

			// The test command opens the sealed secrets with the key in the data directory.
			var seen store.MailboxSecrets
			tester := func(_ context.Context, m *model.Mailbox, sec store.MailboxSecrets) error {
				if seen = sec; m.Name != "Support" {
					return errors.New("wrong mailbox")
				}
				return nil
			}
			gl := &globals{}
			root := &cobra.Command{Use: "rapport"}
			gl.bind(root)
			root.AddCommand(mailboxCmd(gl, tester))
			root.SetArgs(append(g, "mailbox", "test", id))
			var buf strings.Builder
			root.SetOut(&buf)
			if err := root.ExecuteContext(context.Background()); err != nil || !strings.Contains(buf.String(), "mailbox Support: ok") ||
				seen.Password != "imap secret=with equals" || seen.SMTPPassword != "smtp-secret" {
				t.Fatalf("test: %v %q %+v", err, buf.String(), seen)
			}
			for _, c := range mailboxCmd(gl, nil).Commands() {
				if c.Name() == "test" {
					t.Fatal("mailbox test is offered without the engine")
				}
			}
		})
	}
}

package main

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"rapport/model/storetest"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"25MB": 25 << 20, "60 mb": 60 << 20, "512KB": 512 << 10, "1GB": 1 << 30, "26214400": 26214400} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1MB", "25 megabytes", "1.5MB", "2000GB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

// TestMailboxTestCommand: `rapport mailbox test` logs in with the stored
// settings and says what failed (the IMAP engine's check itself is tested
// against Dovecot in connectors/mail/ingest).
func TestMailboxTestCommand(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close() // nothing listens there now
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			g := []string{"--db", storetest.DSN(t, engine), "--data", t.TempDir()}
			out := mustRun(t, "password=secret\n", append(g, "mailbox", "add", "--name", "Local", "--imap-host", "127.0.0.1",
				"--imap-port", port, "--imap-tls", "plain", "--username", "support", "--secrets-stdin")...)
			id := strings.Fields(out)[len(strings.Fields(out))-1]
			out, err := run(t, "", append(g, "mailbox", "test", id)...)
			if err == nil || !strings.Contains(err.Error(), "mailbox Local: IMAP support@127.0.0.1:"+port) {
				t.Fatalf("test against a closed port: %v %q", err, out)
			}
		})
	}
}

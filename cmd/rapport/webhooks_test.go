package main

import (
	"strings"
	"testing"

	"rapport/model/storetest"
)

// TestWebhookCLI adds, lists, rotates, replays and removes endpoints with
// connectors/webhook's real rules: private and loopback literals are
// refused unless --webhook-allow-cidrs (or its env) admits them.
func TestWebhookCLI(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			g := []string{"--db", storetest.DSN(t, engine), "--data", t.TempDir()}
			cli := func(args ...string) (string, error) { return run(t, "", append(g, args...)...) }
			must := func(args ...string) string { return mustRun(t, "", append(g, args...)...) }

			out := must("webhook", "add", "--url", "https://hooks.example.com/in", "--events", "contact.*,account.created",
				"--description", "ERP sync", "--thin", "--header", "Authorization: Bearer abc")
			id, secret := field(out, "id"), field(out, "secret")
			if id == "" || !strings.HasPrefix(secret, "whsec_") {
				t.Fatalf("add printed %q", out)
			}
			list := must("webhook", "list")
			if !strings.Contains(list, id) || !strings.Contains(list, "contact.*,account.created") || !strings.Contains(list, "thin") ||
				!strings.Contains(list, "active") || strings.Contains(list, secret) || strings.Contains(list, "Bearer") {
				t.Fatalf("list %q", list)
			}
			rotated := strings.TrimSpace(must("webhook", "rotate", id, "--grace", "1h"))
			if !strings.HasPrefix(rotated, "whsec_") || rotated == secret {
				t.Fatalf("rotate printed %q", rotated)
			}
			if out := must("webhook", "replay", id, "--failed"); strings.TrimSpace(out) != "replayed 0" {
				t.Fatalf("replay %q", out)
			}
			must("webhook", "replay", id, "--since", "2020-01-01T00:00:00Z", "--until", "2020-01-02T00:00:00Z")

			refused := []struct {
				args []string
				want string
			}{
				{[]string{"add", "--url", "http://10.0.0.1/x"}, "not allowed"},
				{[]string{"add", "--url", "http://127.0.0.1:9/x"}, "not allowed"},
				{[]string{"add", "--url", "http://169.254.169.254/latest"}, "not allowed"},
				{[]string{"add", "--url", "file:///etc/passwd"}, "scheme"},
				{[]string{"add", "--url", "https://hooks.example.com/in", "--events", "contact.exploded"}, "unknown event type"},
				{[]string{"add", "--url", "https://hooks.example.com/in", "--header", "webhook-signature: v1,x"}, "reserved"},
				{[]string{"add", "--url", "https://hooks.example.com/in", "--secret", "hunter2"}, "whsec_"},
				{[]string{"add", "--url", "https://hooks.example.com/in", "--webhook-allow-cidrs", "not-a-cidr"}, "not a CIDR"},
				{[]string{"replay", id}, "failed"},
				{[]string{"replay", id, "--since", "yesterday"}, "RFC 3339"},
				{[]string{"rotate", "01900000-0000-7000-8000-000000000000"}, "no such record"},
			}
			for _, tc := range refused {
				out, err := cli(append([]string{"webhook"}, tc.args...)...)
				if err == nil || !strings.Contains(err.Error()+out, tc.want) {
					t.Errorf("webhook %v: want an error with %q, got %v %q", tc.args, tc.want, err, out)
				}
			}
			if n := strings.Count(must("webhook", "list"), "\n"); n != 2 {
				t.Fatalf("refused adds wrote endpoints: %d lines", n)
			}

			// Loopback receivers (tests, on-premise targets) are allowed explicitly.
			must("webhook", "add", "--url", "http://127.0.0.1:9/x", "--webhook-allow-cidrs", "127.0.0.1/32")
			t.Setenv("RAPPORT_WEBHOOK_ALLOW_CIDRS", "127.0.0.0/8, ::1")
			must("webhook", "add", "--url", "http://[::1]:9/x")

			if out := must("webhook", "remove", id); !strings.Contains(out, "removed "+id) {
				t.Fatalf("remove %q", out)
			}
			if list := must("webhook", "list"); strings.Contains(list, id) || strings.Count(list, "\n") != 3 {
				t.Fatalf("after remove %q", list)
			}
		})
	}
}

// field returns the value after name on a "name  value" line of out.
func field(out, name string) string {
	for line := range strings.Lines(out) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), " "); ok && k == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

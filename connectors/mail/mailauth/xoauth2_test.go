package mailauth

import "testing"

func TestXOAuth2Client(t *testing.T) {
	c := NewXOAuth2Client("ann@example.com", "ya29.tok")
	mech, ir, err := c.Start()
	if err != nil || mech != "XOAUTH2" || string(ir) != "user=ann@example.com\x01auth=Bearer ya29.tok\x01\x01" {
		t.Fatalf("Start = %q, %q, %v", mech, ir, err)
	}
	report := `{"status":"401","schemes":"bearer"}`
	if resp, err := c.Next([]byte(report)); err != nil || len(resp) != 0 || c.Failure() != report {
		t.Fatalf("Next = %q, %v; Failure %q", resp, err, c.Failure())
	}
	if _, err := c.Next([]byte("again")); err == nil {
		t.Fatal("a second challenge was answered")
	}
}

func TestLoopback(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true, "127.8.9.10": true,
		"mail.example.com": false, "10.0.0.1": false, "localhost.example.com": false, "": false} {
		if got := Loopback(host); got != want {
			t.Errorf("Loopback(%q) = %v", host, got)
		}
	}
}

package blobstore

import "testing"

// FuzzSniff checks that no content or file name makes sniffing panic or
// return nothing.
func FuzzSniff(f *testing.F) {
	f.Add([]byte("BEGIN:VCARD\r\n"), "a.vcf")
	f.Add([]byte("PK\x03\x04"), "b.DOCX")
	f.Add([]byte{0, 1, 2}, "c.pdf")
	f.Add([]byte("plain"), "")
	f.Fuzz(func(t *testing.T, head []byte, name string) {
		if got := sniff(head, name); got == "" {
			t.Fatalf("sniff(%q, %q) = \"\"", head, name)
		}
	})
}

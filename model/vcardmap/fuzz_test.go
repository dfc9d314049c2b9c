package vcardmap

import (
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecode checks that no input panics Decode, and that every card it
// accepts survives Encode and Decode: unchanged (Extra included) in its own
// version, unchanged but for Extra in the other one.
func FuzzDecode(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.vcf")
	for _, n := range names {
		f.Add(fixture(f, filepath.Base(n)))
	}
	for _, s := range []string{
		"BEGIN:VCARD\nEND:VCARD\n",
		"BEGIN:VCARD\nVERSION:2.1\nN;ENCODING=QUOTED-PRINTABLE:=\n=\nEND:VCARD\n",
		"BEGIN:VCARD\nVERSION:4.0\nFN:\nN:;;;;\nEMAIL;PREF=2:a@b\nEMAIL;PREF=1:c@d\nBDAY:--0412\nEND:VCARD\n",
		"BEGIN:VCARD\nVERSION:3.0\nitem1.TEL:1\nitem1.X-ABLabel:x\nitem2.TEL;TYPE=CELL,HOME:2\nTEL:3\nEND:VCARD\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(checkRoundTrip)
}

// checkRoundTrip is the property FuzzDecode checks.
func checkRoundTrip(t *testing.T, data []byte) {
	k, err := Decode(data, 64<<10)
	if err != nil {
		return
	}
	own := k.Version
	if own != "4.0" {
		own = "3.0"
	}
	want := k.Contact
	want.DisplayName = displayName(&want, nil)[0] // FN is required: Encode fills it as Normalize would
	for _, version := range []string{own, map[string]string{"3.0": "4.0", "4.0": "3.0"}[own]} {
		out := Encode(&k.Contact, EncodeOptions{Version: version, Company: k.Company, Photo: k.Photo})
		again, err := Decode(out, len(out))
		if err != nil {
			t.Fatalf("%s: encoded card does not decode: %v\n%s", version, err, out)
		}
		a, b := want, again.Contact
		if version != own {
			a.DAV.Extra, b.DAV.Extra = "", ""
		}
		if !reflect.DeepEqual(a, b) || again.Company != k.Company || !reflect.DeepEqual(again.Photo, k.Photo) {
			t.Fatalf("%s: changed in a round trip:\n got %#v\nwant %#v\n%s", version, b, a, out)
		}
	}
}

package contactfile

import (
	"bytes"
	"io"
	"reflect"
	"testing"

	"rapport/model"
)

// fuzzLimit keeps each fuzz input small enough to run many per second.
const fuzzLimit = 64 << 10

// codec is one file format as the fuzz and whole-file tests drive it.
type codec struct {
	ext   string
	read  func(r io.Reader, maxBytes int64) ([]Row, error)
	write func(w io.Writer, contacts []*model.Contact, accountName func(string) string) error
}

var (
	vcardCodec = codec{".vcf", ReadVCards, WriteVCards}
	csvCodec   = codec{".csv", func(r io.Reader, maxBytes int64) ([]Row, error) {
		rows, _, err := ReadCSV(r, maxBytes)
		return rows, err
	}, WriteCSV}
)

// FuzzReadVCards checks that no input panics the reader, that every row is
// either a valid contact or a coded error, and that every contact read
// survives WriteVCards and ReadVCards unchanged.
func FuzzReadVCards(f *testing.F) {
	fuzzCodec(f, vcardCodec, "BEGIN:VCARD\nEND:VCARD\nBEGIN:VCARD\n", "BEGIN:VCARD\nN;ENCODING=QUOTED-PRINTABLE:=\n=\nEND:VCARD\n")
}

// FuzzReadCSV is FuzzReadVCards for ReadCSV and WriteCSV.
func FuzzReadCSV(f *testing.F) {
	fuzzCodec(f, csvCodec, "email;first_name\r\na@b.example;Ann\r\n",
		"\ufeffFirst Name,E-mail Address\n\"x\"\"y\",a@b.example\n\"broken\nphones,emails\n")
}

// fuzzCodec seeds the fuzzer with the codec's testdata files and seeds.
func fuzzCodec(f *testing.F, c codec, seeds ...string) {
	for _, b := range fixtures(f, c.ext) {
		f.Add(b)
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := c.read(bytes.NewReader(data), fuzzLimit)
		checkFuzzRows(t, rows, err)
		checkFuzzRoundTrip(t, rows, c)
	})
}

func checkFuzzRows(t *testing.T, rows []Row, err error) {
	if err != nil && rows != nil {
		t.Fatalf("rows and an error: %v", err)
	}
	for _, r := range rows {
		if (r.Err == nil) == (r.Contact == nil) || r.Line < 1 {
			t.Fatalf("row with neither or both, or no line: %+v", r)
		}
		if r.Contact != nil && r.Contact.Validate() != nil {
			t.Fatalf("invalid contact returned: %v", r.Contact.Validate())
		}
		if r.Err != nil && model.ErrorCode(r.Err) == model.EINTERNAL {
			t.Fatalf("row error without a code: %v", r.Err)
		}
	}
}

// checkFuzzRoundTrip writes the good rows' contacts and reads them back.
func checkFuzzRoundTrip(t *testing.T, rows []Row, c codec) {
	var good []*model.Contact
	for _, r := range rows {
		if r.Contact != nil {
			good = append(good, r.Contact)
		}
	}
	var buf bytes.Buffer
	if err := c.write(&buf, good, nil); err != nil {
		t.Fatal(err)
	}
	again, err := c.read(&buf, 1<<30)
	if err != nil || len(again) != len(good) {
		t.Fatalf("re-read %d of %d: %v", len(again), len(good), err)
	}
	for i, r := range again {
		if r.Err != nil {
			t.Fatalf("contact %d does not survive a round trip: %v\n%+v", i, r.Err, good[i])
		}
		if a, b := portable(r.Contact), portable(good[i]); !reflect.DeepEqual(a, b) {
			t.Fatalf("contact %d changed in a round trip:\n got %+v\nwant %+v", i, a, b)
		}
	}
}

package templatefile

import (
	"bytes"
	"testing"

	"rapport/model"
)

// FuzzCheck feeds arbitrary files under each kind of name: Check never
// panics, and whatever it refuses it refuses with a client error.
func FuzzCheck(f *testing.F) {
	for name := range fixtures {
		f.Add(fixtureBytes(f, name), name)
	}
	f.Fuzz(func(t *testing.T, content []byte, name string) {
		res, err := Check(bytes.NewReader(content), int64(len(content)), name, "", "contact")
		switch code := model.ErrorCode(err); {
		case err == nil && res.Format == "" && res.Errors == nil:
			t.Fatalf("%s: no format, no errors", name)
		case err != nil && code != model.EINVALID && code != model.EMALFORMED && code != model.ETOOLARGE:
			t.Fatalf("%s: %v (%s)", name, err, code)
		}
	})
}

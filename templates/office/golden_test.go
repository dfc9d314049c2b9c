package office

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenCases are the templates of the test set and what they merge.
var goldenCases = []struct {
	name   string // a file in testdata, or a directory zipped
	lines  int
	cur    string
	locale string
}{
	{"quote-en.docx", 5, "EUR", "en-US"},
	{"quote-en.odt", 5, "EUR", "en-US"},
	{"letter-ru.docx", 3, "RUB", "ru-RU"},
	{"letter-ru.odt", 3, "RUB", "ru-RU"},
	{"word-split", 3, "EUR", "en-GB"},
}

// templateBytes returns a test-set template's bytes.
func templateBytes(t testing.TB, name string) []byte {
	if !strings.Contains(name, ".") {
		return zipDir(t, name)
	}
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestGolden merges every template of the test set and compares the
// merged parts, and the package files pictures change, as normalised XML
// with testdata/golden (go test -update rewrites them).
func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			d := openBytes(t, templateBytes(t, c.name))
			out := entries(t, mergeDoc(t, d, fixtureData(c.lines, c.cur), c.locale))
			names := []string{"[Content_Types].xml", "word/_rels/document.xml.rels", "META-INF/manifest.xml"}
			for _, p := range d.parts {
				names = append(names, p.name)
			}
			for _, name := range names {
				src, ok := out[name]
				if !ok {
					continue
				}
				file := filepath.Join("testdata", "golden", c.name, strings.ReplaceAll(name, "/", "_"))
				got := canonXML(t, src)
				if *update {
					os.MkdirAll(filepath.Dir(file), 0o755)
					if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run go test -update to write the golden files)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from %s:\n%s", name, file, firstDiff(got, string(want)))
				}
			}
		})
	}
}

// canonXML writes XML one token a line, indented: elements with their
// attributes in order, text quoted, blank text between elements left out.
func canonXML(t testing.TB, src []byte) string {
	t.Helper()
	var b strings.Builder
	d := xml.NewDecoder(bytes.NewReader(src))
	depth := 0
	name := func(n xml.Name) string {
		if n.Space == "" {
			return n.Local
		}
		return n.Space + ":" + n.Local
	}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatalf("canonical XML: %v", err)
		}
		ind := strings.Repeat("  ", depth)
		switch x := tok.(type) {
		case xml.StartElement:
			b.WriteString(ind + "<" + name(x.Name))
			for _, a := range x.Attr {
				fmt.Fprintf(&b, " %s=%q", name(a.Name), a.Value)
			}
			b.WriteString(">\n")
			depth++
		case xml.EndElement:
			depth--
			b.WriteString(strings.Repeat("  ", depth) + "</" + name(x.Name) + ">\n")
		case xml.CharData:
			if strings.TrimSpace(string(x)) != "" || !strings.Contains(string(x), "\n") {
				fmt.Fprintf(&b, "%s%q\n", ind, string(x))
			}
		}
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, gl, wl)
		}
	}
	return ""
}

package office

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"runtime"
	"slices"
	"strings"
	"testing"

	"rapport/model"
)

// letters yields n records: letters to contacts named Анна 1, Анна 2 …
func letters(n int) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for rec := range letterRecords(n) {
			if !yield(rec, nil) {
				return
			}
		}
	}
}

// letterRecords yields the records of letters.
func letterRecords(n int) iter.Seq[Record] {
	return func(yield func(Record) bool) {
		for i := range n {
			data := fixtureData(2, "RUB")
			data["contact"].(map[string]any)["first_name"] = fmt.Sprintf("Анна %d", i+1)
			if !yield(Record{Name: fmt.Sprintf("letter %d", i%3), Data: data, Env: testEnv("ru-RU")}) {
				return
			}
		}
	}
}

func TestMergeCombined(t *testing.T) {
	for _, name := range []string{"letter-ru.docx", "letter-ru.odt"} {
		t.Run(name, func(t *testing.T) {
			d := openFile(t, name)
			var b bytes.Buffer
			if err := d.MergeCombined(context.Background(), &b, letters(3), testImages); err != nil {
				t.Fatal(err)
			}
			out := entries(t, b.Bytes())
			main := out[d.parts[0].name]
			text := strings.Join(docText(t, main), "\n")
			for i := 1; i <= 3; i++ {
				if n := strings.Count(text, fmt.Sprintf("Уважаемый(ая) Анна %d!", i)); n != 1 {
					t.Errorf("letter %d is there %d times", i, n)
				}
			}
			if d.Format() == DOCX {
				// two section breaks repeating the page settings, and the body's own
				if n := bytes.Count(main, []byte("<w:sectPr")); n != 3 {
					t.Errorf("%d sections", n)
				}
			} else {
				if n := bytes.Count(main, []byte(`<text:p text:style-name="`+odtBreakStyle+`"/>`)); n != 2 {
					t.Errorf("%d page breaks", n)
				}
				if n := bytes.Count(main, []byte(`style:name="`+odtBreakStyle+`"`)); n != 1 {
					t.Errorf("the break style is there %d times", n)
				}
				if n := bytes.Count(main, []byte("<text:sequence-decls>")); n != 1 {
					t.Errorf("declarations %d times", n)
				}
			}
		})
	}
}

func TestMergeZip(t *testing.T) {
	d := openFile(t, "letter-ru.odt")
	var b bytes.Buffer
	if err := d.MergeZip(context.Background(), &b, letters(4), nil); err != nil {
		t.Fatal(err)
	}
	docs := entries(t, b.Bytes())
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range docs {
			if !yield(n) {
				return
			}
		}
	})
	if want := []string{"letter 0-2.odt", "letter 0.odt", "letter 1.odt", "letter 2.odt"}; !slices.Equal(names, want) {
		t.Errorf("names %q", names)
	}
	got := entries(t, docs["letter 0-2.odt"])
	if text := strings.Join(docText(t, got["content.xml"]), "\n"); !strings.Contains(text, "Уважаемый(ая) Анна 4!") {
		t.Errorf("the fourth letter:\n%s", text)
	}
	// An error names its record, and the iterator's errors stop the merge.
	bad := func(yield func(Record, error) bool) {
		data := fixtureData(1, "RUB")
		data["quote"].(map[string]any)["total"] = "lots"
		yield(Record{Name: "x"}, nil)
		yield(Record{Name: "bad", Data: data}, nil)
	}
	err := d.MergeZip(context.Background(), io.Discard, bad, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "record 2 (bad): paragraph 5, column ") || model.ErrorCode(err) != model.EINVALID {
		t.Errorf("bad record: %v", err)
	}
	boom := errors.New("boom")
	err = d.MergeCombined(context.Background(), io.Discard, func(yield func(Record, error) bool) { yield(Record{}, boom) }, nil)
	if !errors.Is(err, boom) {
		t.Errorf("iterator error: %v", err)
	}
}

// TestMergeZipMemory merges thousands of letters into a zip and checks
// that the live heap does not grow with their number.
func TestMergeZipMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	d := openFile(t, "letter-ru.docx")
	const n = 1200
	var base, peak uint64
	records := func(yield func(Record, error) bool) {
		i := 0
		for rec := range letterRecords(n) {
			if i%200 == 0 {
				h := liveHeap()
				peak = max(peak, h)
				if i == 200 {
					base = h
				}
			}
			if !yield(rec, nil) {
				return
			}
			i++
		}
	}
	if err := d.MergeZip(context.Background(), io.Discard, records, nil); err != nil {
		t.Fatal(err)
	}
	if grow := int64(peak) - int64(base); grow > 2<<20 {
		t.Errorf("the live heap grew by %d KiB from letter 200 to %d", grow>>10, n)
	}
	t.Logf("live heap at letter 200: %d KiB, peak: %d KiB", base>>10, peak>>10)
}

// liveHeap returns the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

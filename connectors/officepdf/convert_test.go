package officepdf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// letter is the text of the test documents: Cyrillic with the letters
// that need more than a basic font (ё, №, «»).
const letter = "Уважаемая Анна Петровна!\nСчёт № 42 для ООО «Ромашка» оплачен.\nInvoice 42 paid."

// TestConvertFormats converts a DOCX, an ODT and an HTML page with real
// LibreOffice and finds their text in the PDF.
func TestConvertFormats(t *testing.T) {
	requireTool(t, "soffice")
	p := newPool(t, Config{Size: 1})
	for _, format := range []string{"docx", "odt", "html"} {
		t.Run(format, func(t *testing.T) {
			pdf, err := convert(context.Background(), p, testDoc(t, format, letter, ""), format)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(pdf), "%PDF-") {
				t.Fatalf("not a PDF: %.20q", pdf)
			}
			text := pdfText(t, pdf)
			for _, line := range strings.Split(letter, "\n") {
				if !strings.Contains(text, line) {
					t.Errorf("the PDF lacks %q:\n%s", line, text)
				}
			}
		})
	}
}

// TestConcurrentConversions runs six conversions at once on a pool of two:
// each PDF holds its own document's text.
func TestConcurrentConversions(t *testing.T) {
	requireTool(t, "soffice")
	p := newPool(t, Config{Size: 2})
	formats := []string{"docx", "odt", "html", "docx", "odt", "html"}
	texts := make([]string, len(formats))
	errs := make([]error, len(formats))
	var wg sync.WaitGroup
	for i, format := range formats {
		want := fmt.Sprintf("Документ %d — %s", i, format)
		doc := testDoc(t, format, want, "")
		wg.Go(func() {
			pdf, err := convert(context.Background(), p, doc, format)
			if err == nil {
				texts[i] = pdfText(t, pdf)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, format := range formats {
		want := fmt.Sprintf("Документ %d — %s", i, format)
		if errs[i] != nil {
			t.Errorf("%d: %v", i, errs[i])
		} else if !strings.Contains(texts[i], want) {
			t.Errorf("%d: the PDF lacks %q:\n%s", i, want, texts[i])
		}
	}
}

// TestCancelKillsAndRecovers cancels a real conversion midway: the error
// says so, no LibreOffice process is left, and the same converter then
// converts the next document.
func TestCancelKillsAndRecovers(t *testing.T) {
	requireTool(t, "soffice")
	p := newPool(t, Config{Size: 1})
	// A warm profile first, so the cancel below hits a running conversion
	// rather than the first start.
	if _, err := convert(context.Background(), p, testDoc(t, "odt", letter, ""), "odt"); err != nil {
		t.Fatal(err)
	}
	// Some pages, so that the conversion is surely running when cancelled.
	long := testDoc(t, "docx", strings.Repeat(letter+"\n", 300), "")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := convert(ctx, p, long, "docx")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > waitDelay {
		t.Errorf("cancel took %s", d)
	}
	var left []string
	if !eventually(2*time.Second, func() bool { left = processesUnder(t, p.dir); return len(left) == 0 }) {
		t.Errorf("processes left after cancel: %q", left)
	}
	pdf, err := convert(context.Background(), p, testDoc(t, "docx", letter, ""), "docx")
	if err != nil {
		t.Fatalf("after cancel: %v", err)
	}
	if text := pdfText(t, pdf); !strings.Contains(text, "Счёт № 42") {
		t.Errorf("after cancel the PDF lacks the text:\n%s", text)
	}
}

// TestUnloadableDocument: soffice exits 0 without a PDF for a file that
// is not what it claims to be; ConvertPDF reports it.
func TestUnloadableDocument(t *testing.T) {
	requireTool(t, "soffice")
	p := newPool(t, Config{Size: 1})
	_, err := convert(context.Background(), p, []byte("this is not a zip file"), "docx")
	if err == nil || !strings.Contains(err.Error(), "wrote no PDF") {
		t.Fatalf("err = %v, want: wrote no PDF", err)
	}
}

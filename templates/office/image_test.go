package office

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"rapport/templates/lang"
)

// TestImagesDOCX checks the pictures of a Word template: media entries,
// relationships per part, content types, sizes.
func TestImagesDOCX(t *testing.T) {
	d := openFile(t, "quote-en.docx")
	out := entries(t, mergeDoc(t, d, fixtureData(2, "EUR"), "en-US"))
	photo, logo := out["word/media/rapport-image-1.png"], out["word/media/rapport-image-2.png"]
	if !bytes.Equal(photo, photoPNG) || !bytes.Equal(logo, logoPNG) {
		t.Fatalf("media: %d and %d bytes", len(photo), len(logo))
	}
	for name, want := range map[string]string{
		"word/_rels/document.xml.rels": `<Relationship Id="rIdRapportImage1" Type="` + relImage + `" Target="media/rapport-image-1.png"/>`,
		"word/_rels/header1.xml.rels":  `<Relationship Id="rIdRapportImage1" Type="` + relImage + `" Target="media/rapport-image-2.png"/>`,
		contentTypes:                   `<Default Extension="png" ContentType="image/png"/>`,
		// 2cm wide, the height in the photo's proportions
		"word/document.xml": `<wp:extent cx="720000" cy="960000"/>`,
		"word/header1.xml":  `<wp:extent cx="900000" cy="225000"/>`,
	} {
		if !bytes.Contains(out[name], []byte(want)) {
			t.Errorf("%s lacks %s:\n%s", name, want, out[name])
		}
	}
	if n := bytes.Count(out["word/_rels/document.xml.rels"], []byte("rIdRapportImage")); n != 1 {
		t.Errorf("%d picture relationships in the body", n)
	}
}

// TestImagesODT checks the pictures of a Writer template and the manifest.
func TestImagesODT(t *testing.T) {
	d := openFile(t, "quote-en.odt")
	out := entries(t, mergeDoc(t, d, fixtureData(2, "EUR"), "en-US"))
	for name, want := range map[string]string{
		odtManifst:    `<manifest:file-entry manifest:full-path="Pictures/rapport-image-1.png" manifest:media-type="image/png"/>`,
		"content.xml": `svg:width="2.0000cm" svg:height="2.6667cm"`,
		"styles.xml":  `<draw:image xlink:href="Pictures/rapport-image-2.png"`,
	} {
		if !bytes.Contains(out[name], []byte(want)) {
			t.Errorf("%s lacks %s", name, want)
		}
	}
	if !bytes.Equal(out["Pictures/rapport-image-1.png"], photoPNG) {
		t.Error("the photo is not in Pictures/")
	}
}

// TestImageFallback writes "[image]" for pictures that cannot be had,
// nothing for an empty reference, and stops only when the context ends.
func TestImageFallback(t *testing.T) {
	src := docxOf(t, wp("A{contact.photo_id | image}B{contact.title | image}C"), "")
	d := openBytes(t, src)
	cases := []struct {
		name   string
		images Images
		want   string
	}{
		{"no images", nil, "A[image]BC"},
		{"unknown", ImageFunc(func(context.Context, string) ([]byte, error) { return nil, errors.New("gone") }), "A[image]BC"},
		{"not a picture", ImageFunc(func(context.Context, string) ([]byte, error) { return []byte("<svg/>"), nil }), "A[image]BC"},
		{"a picture", testImages, "A[picture]BC"},
	}
	for _, c := range cases {
		var b bytes.Buffer
		if err := d.Merge(context.Background(), &b, fixtureData(1, "EUR"), testEnv("en-US"), c.images); err != nil {
			t.Fatal(err)
		}
		out := entries(t, b.Bytes())
		if got := strings.Join(docText(t, out["word/document.xml"]), "|"); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		if c.images == nil && len(out) != len(entries(t, src)) {
			t.Errorf("%s: entries added", c.name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := d.Merge(ctx, &bytes.Buffer{}, fixtureData(1, "EUR"), testEnv("en-US"), testImages)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestImageSizes checks the formatter's arguments and the sizes.
func TestImageSizes(t *testing.T) {
	pic := &picture{w: 200, h: 100}
	for _, c := range []struct {
		args []string
		w, h int64
	}{
		{nil, 200 * emuPerPx, 100 * emuPerPx},
		{[]string{`"4cm"`}, 4 * emuPerCM, 2 * emuPerCM},
		{[]string{`3`}, 3 * emuPerCM, 3 * emuPerCM / 2},
		{[]string{`"40mm"`, `"1cm"`}, 2 * emuPerCM, 1 * emuPerCM},
		{[]string{`"1in"`, `"5in"`}, emuPerInch, emuPerInch / 2},
	} {
		src := docxOf(t, wp("{contact.photo_id | image "+strings.Join(c.args, " ")+"}"), "")
		d := openBytes(t, src)
		seg := &d.parts[0].tmpl.Segments[0]
		var out lang.Output
		if err := d.parts[0].tmpl.Start(context.Background(), fixtureData(1, "EUR"), lang.Env{}).Render(&seg.Pieces[0], &out); err != nil {
			t.Fatal(err)
		}
		ref := out.Chunks[0].Object.(*imageRef)
		if w, h := ref.size(pic); w != c.w || h != c.h {
			t.Errorf("image %v: %d × %d, want %d × %d", c.args, w, h, c.w, c.h)
		}
	}
	src := docxOf(t, wp(`{contact.photo_id | image "big"}`), "")
	_, err := Open(bytes.NewReader(src), int64(len(src)), Config{})
	if err == nil || !strings.Contains(err.Error(), `paragraph 1, column 21: image: "big" is not a size`) {
		t.Errorf("bad size: %v", err)
	}
}

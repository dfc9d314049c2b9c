package office

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/gif" // DecodeConfig reads GIF headers
	_ "image/jpeg"
	_ "image/png"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"rapport/templates/lang"
)

// Images gives the bytes of the pictures that image placeholders name:
// {contact.photo_id | image "3cm"} asks for the attachment the contact's
// photo_id names. The hub serves attachments and blobs; the engine itself
// reads no files and no network. A picture that cannot be had (an error,
// or bytes that are not PNG, JPEG or GIF) is written as the text "[image]";
// only the context's end stops the merge.
type Images interface {
	Image(ctx context.Context, ref string) ([]byte, error)
}

// ImageFunc adapts a function to Images.
type ImageFunc func(ctx context.Context, ref string) ([]byte, error)

// Image calls f.
func (f ImageFunc) Image(ctx context.Context, ref string) ([]byte, error) { return f(ctx, ref) }

// imageFallback is written where a picture cannot be inserted.
const imageFallback = "[image]"

// EMUs (English Metric Units, the unit of DOCX drawings) per unit.
const (
	emuPerInch = 914400
	emuPerCM   = 360000
	emuPerPt   = 12700
	emuPerPx   = 9525 // at 96 pixels per inch
	maxEMU     = 50 * emuPerCM
)

// imageRef is what the image formatter returns: the picture to insert,
// and the size asked for (0: from the picture).
type imageRef struct {
	ref  string
	w, h int64 // EMU
}

// Fallback implements lang.Object.
func (*imageRef) Fallback() string { return imageFallback }

// imageFormatter is {x | image}, {x | image "3cm"} (that width) and
// {x | image "3cm" "2cm"} (within that box); the picture keeps its
// proportions. A bare number is centimetres.
var imageFormatter = &lang.Formatter{
	MaxArgs: 2,
	Check: func(args []any) string {
		for _, a := range args {
			if a == nil {
				continue
			}
			if _, err := parseLength(a); err != nil {
				return err.Error()
			}
		}
		return ""
	},
	Apply: func(_ *lang.Call, v any, args []any) (any, error) {
		ref := strings.TrimSpace(refString(v))
		if ref == "" {
			return "", nil
		}
		r := &imageRef{ref: ref}
		for i, a := range args {
			n, err := parseLength(a)
			if err != nil {
				return nil, err
			}
			if i == 0 {
				r.w = n
			} else {
				r.h = n
			}
		}
		return r, nil
	},
}

// refString returns the reference an image placeholder's value holds.
func refString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case *string:
		if x == nil {
			return ""
		}
		return *x
	}
	return fmt.Sprint(v)
}

// parseLength reads "3cm", "30mm", "1.5in", "72pt", "200px" or a number of
// centimetres, in EMU.
func parseLength(a any) (int64, error) {
	s := strings.TrimSpace(fmt.Sprint(a))
	if d, ok := a.(decimal.Decimal); ok {
		s = d.String() + "cm"
	}
	units := []struct {
		suffix string
		emu    int64
	}{{"cm", emuPerCM}, {"mm", emuPerCM / 10}, {"in", emuPerInch}, {"pt", emuPerPt}, {"px", emuPerPx}}
	for _, u := range units {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || f <= 0 || f*float64(u.emu) > maxEMU {
			break
		}
		return int64(f * float64(u.emu)), nil
	}
	return 0, fmt.Errorf("%q is not a size: write a length up to 50cm such as \"3cm\", \"25mm\", \"1.5in\", \"72pt\" or \"120px\"", s)
}

// picture is an image a merge inserts.
type picture struct {
	name string // the zip entry: word/media/rapport-image-1.png
	ext  string // png, jpeg, gif
	mime string
	data []byte
	w, h int // pixels
}

// picture returns the picture a reference names, fetched once per merge;
// nil when it cannot be had. Only the context's end is an error.
func (m *merge) picture(ref string) (*picture, error) {
	if pic, ok := m.pics[ref]; ok {
		return pic, nil
	}
	if m.images == nil {
		m.pics[ref] = nil
		return nil, nil
	}
	data, err := m.images.Image(m.ctx, ref)
	if cerr := m.ctx.Err(); cerr != nil {
		return nil, cerr
	}
	var pic *picture
	if err == nil && int64(len(data)) <= m.doc.lim.MaxImageBytes {
		pic = m.newPicture(data)
	}
	m.pics[ref] = pic
	return pic, nil
}

// newPicture checks that data is a PNG, JPEG or GIF of a sane size and
// names its entry; it returns nil for anything else.
func (m *merge) newPicture(data []byte) *picture {
	cfg, kind, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > 50000 || cfg.Height > 50000 {
		return nil
	}
	pic := &picture{ext: kind, mime: "image/" + kind, data: data, w: cfg.Width, h: cfg.Height}
	pic.name = m.doc.a.freeName(m.doc.f.mediaDir()+"rapport-image-"+strconv.Itoa(len(m.order)+1)+"."+kind, nil)
	m.order = append(m.order, pic)
	return pic
}

// size returns the picture's size in EMU for what the placeholder asked.
func (r *imageRef) size(pic *picture) (w, h int64) {
	nw, nh := int64(pic.w)*emuPerPx, int64(pic.h)*emuPerPx
	switch {
	case r.w > 0 && r.h > 0:
		w, h = r.w, r.w*nh/nw
		if h > r.h {
			w, h = r.h*nw/nh, r.h
		}
	case r.w > 0:
		w, h = r.w, r.w*nh/nw
	case r.h > 0:
		w, h = r.h*nw/nh, r.h
	default:
		w, h = nw, nh
		if limit := int64(16 * emuPerCM); w > limit {
			w, h = limit, limit*nh/nw
		}
	}
	return max(w, 1), max(h, 1)
}

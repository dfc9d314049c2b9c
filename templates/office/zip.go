package office

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
)

// Limits bound what reading a document may cost. Zero fields take the
// defaults of DefaultLimits.
type Limits struct {
	// MaxFileBytes bounds the zip file itself.
	MaxFileBytes int64
	// MaxEntries bounds the number of zip entries.
	MaxEntries int
	// MaxEntryBytes bounds each entry's uncompressed size, and
	// MaxTotalBytes all entries together.
	MaxEntryBytes, MaxTotalBytes int64
	// MaxRatio bounds each entry's uncompressed size over its compressed
	// size, for entries larger than a mebibyte (zip bombs).
	MaxRatio int64
	// MaxPartBytes bounds each XML part the engine reads and parses.
	MaxPartBytes int64
	// MaxImageBytes bounds each picture an image placeholder inserts.
	MaxImageBytes int64
}

// DefaultLimits are the limits a zero Limits stands for.
var DefaultLimits = Limits{
	MaxFileBytes:  64 << 20,
	MaxEntries:    2000,
	MaxEntryBytes: 128 << 20,
	MaxTotalBytes: 512 << 20,
	MaxRatio:      200,
	MaxPartBytes:  16 << 20,
	MaxImageBytes: 16 << 20,
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.MaxFileBytes, d.MaxFileBytes)
	pick(&l.MaxEntryBytes, d.MaxEntryBytes)
	pick(&l.MaxTotalBytes, d.MaxTotalBytes)
	pick(&l.MaxRatio, d.MaxRatio)
	pick(&l.MaxPartBytes, d.MaxPartBytes)
	pick(&l.MaxImageBytes, d.MaxImageBytes)
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	return l
}

// archive is a zip read within limits: its entries by name, in order.
type archive struct {
	files  []*zip.File
	byName map[string]*zip.File
	lim    Limits
}

// openArchive reads a zip's directory and checks every entry's name and
// declared sizes before anything is decompressed.
func openArchive(r io.ReaderAt, size int64, lim Limits) (*archive, error) {
	if size > lim.MaxFileBytes {
		return nil, errorf(ErrTooLarge, "", "the file has %d bytes; the limit is %d", size, lim.MaxFileBytes)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, errorf(ErrNotDocument, "", "not a DOCX or ODT document: the file is not a zip archive (%v)", err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, errorf(ErrTooLarge, "", "the archive has %d entries; the limit is %d", len(zr.File), lim.MaxEntries)
	}
	a := &archive{files: zr.File, byName: make(map[string]*zip.File, len(zr.File)), lim: lim}
	var total uint64
	for _, f := range zr.File {
		if msg := badName(f.Name); msg != "" {
			return nil, errorf(ErrUnsafe, f.Name, "%s", msg)
		}
		if _, dup := a.byName[f.Name]; dup {
			return nil, errorf(ErrUnsafe, f.Name, "the archive holds this entry twice")
		}
		a.byName[f.Name] = f
		if err := checkSizes(f, lim); err != nil {
			return nil, err
		}
		total += f.UncompressedSize64
		if total > uint64(lim.MaxTotalBytes) {
			return nil, errorf(ErrTooLarge, "", "the entries hold more than %d bytes uncompressed", lim.MaxTotalBytes)
		}
	}
	return a, nil
}

// badName says why an entry name is refused, or "".
func badName(name string) string {
	switch {
	case name == "":
		return "an entry has no name"
	case strings.ContainsAny(name, "\\\x00"), strings.HasPrefix(name, "/"), len(name) > 1 && name[1] == ':':
		return "the entry name is not a relative path inside the archive"
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return "the entry name leads outside the archive (..)"
		}
	}
	return ""
}

// checkSizes checks an entry's declared sizes against the limits.
func checkSizes(f *zip.File, lim Limits) error {
	u, c := f.UncompressedSize64, f.CompressedSize64
	if u > uint64(lim.MaxEntryBytes) {
		return errorf(ErrTooLarge, f.Name, "the entry has %d bytes uncompressed; the limit is %d", u, lim.MaxEntryBytes)
	}
	if u > 1<<20 && (c == 0 || u/c > uint64(lim.MaxRatio)) {
		return errorf(ErrTooLarge, f.Name, "the entry is compressed more than %d:1 (a zip bomb?)", lim.MaxRatio)
	}
	return nil
}

// read returns an entry's bytes, refusing more than limit bytes whatever
// its header declares.
func (a *archive) read(name string, limit int64) ([]byte, error) {
	f := a.byName[name]
	if f == nil {
		return nil, errorf(ErrNotDocument, name, "the entry is missing")
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, errorf(ErrTooLarge, name, "the entry has %d bytes; the limit is %d", f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, errorf(ErrMalformed, name, "cannot read the entry: %v", err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	buf.Grow(int(f.UncompressedSize64))
	n, err := buf.ReadFrom(io.LimitReader(rc, limit+1))
	switch {
	case err != nil:
		return nil, errorf(ErrMalformed, name, "cannot read the entry: %v", err)
	case n > limit:
		return nil, errorf(ErrTooLarge, name, "the entry has more than %d bytes", limit)
	case uint64(n) != f.UncompressedSize64:
		return nil, errorf(ErrMalformed, name, "the entry has %d bytes, not the %d its header declares", n, f.UncompressedSize64)
	}
	return buf.Bytes(), nil
}

// has reports whether the archive holds an entry.
func (a *archive) has(name string) bool { return a.byName[name] != nil }

// freeName returns name, or name with a number before its extension,
// so that it names no entry yet and none in taken.
func (a *archive) freeName(name string, taken map[string]bool) string {
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for i := 1; a.has(name) || taken[name]; i++ {
		name = base + "-" + strconv.Itoa(i) + ext
	}
	return name
}

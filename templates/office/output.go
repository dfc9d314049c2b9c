package office

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"sync"
)

// write streams the output archive: entries in the template's order, the
// parts with text from body, the entries that depend on pictures last.
func (m *merge) write(w io.Writer, body func(p *part, w io.Writer) error) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, compressor)
	var deferred []*zip.File
	for _, f := range m.doc.a.files {
		p := m.doc.byName[f.Name]
		switch data := m.doc.f.fixed(f.Name); {
		case data != nil:
			if err := writeStored(zw, f.Name, data); err != nil {
				return err
			}
		case m.doc.f.dependent(f.Name):
			deferred = append(deferred, f)
		case p != nil && (!p.static() || m.combined && p == m.doc.parts[0]):
			ew, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified})
			if err != nil {
				return err
			}
			if err := body(p, ew); err != nil {
				return err
			}
		default:
			if err := copyEntry(zw, f); err != nil {
				return err
			}
		}
	}
	if err := m.doc.f.finish(m, zw, deferred); err != nil {
		return err
	}
	return zw.Close()
}

// writeStored writes an entry uncompressed, its sizes in its header.
func writeStored(zw *zip.Writer, name string, data []byte) error {
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data))})
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// writeEntry writes a new or rewritten entry, compressed.
func writeEntry(zw *zip.Writer, name string, data []byte, like *zip.File) error {
	fh := &zip.FileHeader{Name: name, Method: zip.Deflate}
	if like != nil {
		fh.Modified = like.Modified
	}
	ew, err := zw.CreateHeader(fh)
	if err != nil {
		return err
	}
	_, err = ew.Write(data)
	return err
}

// bufPool holds the buffers merges write parts into.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBuf returns a buffer to the pool, unless it grew large.
func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 4<<20 {
		bufPool.Put(b)
	}
}

// flatePool holds compressors: a new one allocates about a mebibyte.
var flatePool sync.Pool

// pooledFlate is a compressor that goes back to the pool when closed.
type pooledFlate struct{ *flate.Writer }

func (p *pooledFlate) Close() error {
	err := p.Writer.Close()
	flatePool.Put(p.Writer)
	p.Writer = nil
	return err
}

// compressor compresses merged parts quickly: they are small, and a merge
// is worth more than the last few percent of size.
func compressor(w io.Writer) (io.WriteCloser, error) {
	fw, _ := flatePool.Get().(*flate.Writer)
	if fw == nil {
		var err error
		if fw, err = flate.NewWriter(w, flate.BestSpeed); err != nil {
			return nil, err
		}
	} else {
		fw.Reset(w)
	}
	return &pooledFlate{fw}, nil
}

// copyPool holds the buffers entries are copied through.
var copyPool = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// copyEntry copies an entry as it is, without decompressing it.
func copyEntry(zw *zip.Writer, f *zip.File) error {
	r, err := f.OpenRaw()
	if err != nil {
		return err
	}
	w, err := zw.CreateRaw(&f.FileHeader)
	if err != nil {
		return err
	}
	buf := copyPool.Get().(*[32 << 10]byte)
	defer copyPool.Put(buf)
	_, err = io.CopyBuffer(w, r, buf[:])
	return err
}

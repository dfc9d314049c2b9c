// Package office merges records into Word (DOCX) and LibreOffice Writer
// (ODT) templates: the containers around the template language of
// templates/lang.
//
// One package serves both formats because they differ only at the edges.
// What they share is most of the work: reading the zip safely, reading XML
// without DTDs, gathering placeholders that the word processor split across
// runs, deciding what a block repeats (table rows, paragraphs, or text), and
// walking the merged tree. A format value (docx.go, odt.go) supplies what
// differs: the names of paragraphs, runs, tables and text, how text and
// pictures are written, and the package files (relationships and content
// types, or the manifest) that new pictures need.
//
// How it works: Open reads the zip, finds the parts that hold text (the
// body, headers, footers, footnotes), and scans each part's XML once. Text
// nodes (w:t, or Writer's character data) are gathered per paragraph; a tag
// split across nodes is moved whole into the node where it starts, so it
// keeps that run's formatting, and the nodes it came from lose that text.
// Nodes without tags keep their bytes. Each node holding a tag becomes a
// lang.Segment, placed like "table 2 row 3 cell 1". A block whose tags lie
// in different nodes repeats or drops table rows (tags in different cells of
// one table), whole paragraphs (tags in paragraphs of their own, which
// disappear), or the text between its tags. The result is a tree of raw XML,
// pieces to evaluate and blocks, which Merge walks for each record.
//
// Untrusted input: entry counts, sizes and compression ratios are bounded,
// entry names must be relative paths inside the archive, XML must be UTF-8
// without a DOCTYPE; every problem is an *Error naming the part and line,
// never a panic. The engine reads no files and no network: pictures come
// from the caller's Images.
//
// This package may import model and templates/... only.
package office

// Package officepdf turns DOCX, ODT and HTML documents into PDF with a
// bounded pool of headless LibreOffice converters.
//
// A Pool has Size converters (slots). Each slot owns a LibreOffice user
// profile and runs one soffice process at a time; a caller beyond Size
// waits for a free slot as long as its context allows. The input is first
// copied, at most MaxInputBytes, to a private directory (mode 0700) under a
// fixed name, in.docx, in.odt or in.html, never the caller's file name;
// soffice's temp files go to the same directory, which is removed after
// the conversion.
//
// # One process per conversion
//
// Every conversion starts its own soffice (--convert-to) with the slot's
// profile, rather than talking to a long-running LibreOffice per slot.
// Measured on the development machine (2 shared cores, often loaded by
// other work, LibreOffice 7.4, one-page documents; figures are noisy): a
// conversion takes about 1 s of wall time when the machine is quiet and
// 1.1 CPU-seconds, most of it starting Writer. A long-running instance
// would save that start, but:
//   - LibreOffice's own hand-over, a second soffice passing --convert-to to
//     a running instance over its IPC pipe, converts in 0.1 s and then shuts
//     that instance down: nothing stays warm.
//   - Driving a listener (--accept) needs a UNO client (python3-uno,
//     unoserver); there is none for Go, so it would add a Python process
//     and its protocol to the hub.
//   - A long-running instance carries state from one document to the next
//     (memory growth, caches, a document's settings), and one hang or crash
//     loses every conversion queued on it; a process per conversion has no
//     such state, and a kill is clean.
//
// So robustness wins over the start cost. Throughput is bound by CPU:
// soffice keeps about one core busy while it converts, so two converters
// on two idle cores can at most double it, to about 1.8 documents a second
// (2 cores / 1.1 CPU-s) against about 1 for one converter. BenchmarkPool
// reports docs/s and cpu-s/doc; on the development machine, loaded by
// other work (load 5 to 9 on 2 cores), one converter measured 0.35–0.99
// docs/s and two 0.34–0.70, that is no gain there, with 1.02–1.14
// CPU-seconds per document either way.
//
// # Profiles
//
// A profile is created by its slot's first conversion and reused. A cold
// profile costs little with this LibreOffice: over six alternating
// cold/warm pairs a conversion with a new profile took 0.1–1.0 s longer
// (0.5 s on average) and 0.1 s more user CPU; BenchmarkProfile measures it.
// Slots never share a profile: a second soffice on a profile in use hands
// its work to the first over the profile's IPC pipe and ends, which breaks
// timeouts and kills. The hardened configuration (registry in profile.go:
// macros off, links never updated, linked content from untrusted documents
// blocked, all HTTP, HTTPS and FTP through a proxy that closes every
// connection) is written over the profile's registrymodifications.xcu
// before every run, so neither soffice nor a run killed while writing it
// can weaken it. A run that was killed or failed discards the profile; the
// next run builds it again.
//
// # Timeouts and kills
//
// soffice is a script that starts oosplash, which starts soffice.bin, so
// each run gets its own process group (Setpgid), and the whole group gets
// SIGKILL when the conversion outlasts Config.Timeout, when the caller's
// context ends, when the pool closes, and after every run in case anything
// lingers. soffice gets a minimal environment (no database URLs or
// passwords from the hub's), with HOME and TMPDIR inside the pool's
// directory.
//
// # Security limits
//
// Linked pictures, sections and DDE or OLE links in DOCX and ODT are
// refused, and no request reaches the network. LibreOffice 7.4's HTML
// import still reads local files named by file:// URLs as background
// images (seen in tests), and may read style sheets the same way; the HTML
// this package converts comes from Rapport's own templates, whose values
// are escaped and whose markup staff write.
//
// Errors: a missing LibreOffice is ErrNotInstalled (from New), a closed
// pool ErrClosed; bad input is a model.Error (EINVALID, ETOOLARGE); a
// conversion killed for its time wraps context.DeadlineExceeded, one whose
// context ended wraps the context's cause.
//
// It imports model only from this repository: never hub, cmd or another
// connector.
package officepdf

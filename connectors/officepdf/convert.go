package officepdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"rapport/model"
)

// MaxInputBytes bounds the document ConvertPDF accepts, the same bound the
// merge engine puts on a template file.
const MaxInputBytes = 64 << 20

// filters are LibreOffice's import filters by format. Naming the filter
// instead of letting soffice detect the type means a file is read only as
// what the caller says it is; HTML goes through Writer's own HTML filter
// rather than Writer/Web's, whose PDF export dropped headings in our tests.
var filters = map[string]string{
	"docx": "MS Word 2007 XML",
	"odt":  "writer8",
	"html": "HTML (StarWriter)",
}

// waitDelay is how long Wait waits for the process group to go once it
// has been killed.
const waitDelay = 5 * time.Second

// maxLog is how much of soffice's output an error quotes.
const maxLog = 2 << 10

// ConvertPDF converts a document in format ("docx", "odt" or "html") read
// from in to PDF written to out. The input is copied to a private temp
// directory first (at most MaxInputBytes), then the call waits for a free
// converter as long as ctx allows. A conversion that outlasts the pool's
// Timeout or whose ctx ends is killed with its whole process group; the
// error then wraps context.DeadlineExceeded or ctx's cause. Nothing is
// written to out unless the conversion succeeded.
func (p *Pool) ConvertPDF(ctx context.Context, in io.Reader, format string, out io.Writer) error {
	filter, ok := filters[format]
	if !ok {
		return model.Errorf(model.EINVALID, "officepdf: cannot convert %q to PDF (docx, odt or html)", format)
	}
	if err := p.enter(); err != nil {
		return err
	}
	defer p.running.Done()
	job, err := p.newJob()
	if err != nil {
		return err
	}
	defer os.RemoveAll(job.dir)
	// The input is spooled before a converter is taken, so a slow client
	// never holds one.
	if err := job.spool(in, format); err != nil {
		return err
	}
	s, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer func() { p.idle <- s }()
	if err := p.run(ctx, s, job, filter); err != nil {
		return err
	}
	return job.copyPDF(out)
}

// job is one conversion's private directory: the input under a fixed
// name (never the caller's file name), soffice's temp directory, its
// output directory and its log.
type job struct {
	dir string
	src string
}

// newJob makes the conversion's directory (mode 0700) in the pool's.
func (p *Pool) newJob() (*job, error) {
	dir, err := os.MkdirTemp(p.dir, "job-")
	if err != nil {
		return nil, fmt.Errorf("officepdf: %w", err)
	}
	for _, sub := range []string{"tmp", "out"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("officepdf: %w", err)
		}
	}
	return &job{dir: dir}, nil
}

// spool copies the input to in.<format>, refusing empty and oversized
// documents.
func (j *job) spool(in io.Reader, format string) error {
	j.src = filepath.Join(j.dir, "in."+format)
	f, err := os.OpenFile(j.src, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("officepdf: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(in, MaxInputBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return fmt.Errorf("officepdf: reading the document: %w", err)
	case n > MaxInputBytes:
		return model.Errorf(model.ETOOLARGE, "officepdf: the document is larger than %d MiB", MaxInputBytes>>20)
	case n == 0:
		return model.Errorf(model.EINVALID, "officepdf: the document is empty")
	}
	return nil
}

// pdf is where soffice writes the result: the input's base name with .pdf.
func (j *job) pdf() string {
	return filepath.Join(j.dir, "out", "in.pdf")
}

// copyPDF checks that soffice wrote a PDF (it exits 0 when it cannot load
// a document) and copies it to out.
func (j *job) copyPDF(out io.Writer) error {
	f, err := os.Open(j.pdf())
	if err != nil {
		return fmt.Errorf("officepdf: LibreOffice wrote no PDF: %s", j.log())
	}
	defer f.Close()
	head := make([]byte, 5)
	if _, err := io.ReadFull(f, head); err != nil || string(head) != "%PDF-" {
		return fmt.Errorf("officepdf: LibreOffice wrote no PDF: %s", j.log())
	}
	if _, err := io.Copy(out, io.MultiReader(bytes.NewReader(head), f)); err != nil {
		return fmt.Errorf("officepdf: writing the PDF: %w", err)
	}
	return nil
}

// log returns the start of soffice's output, for error messages.
func (j *job) log() string {
	f, err := os.Open(filepath.Join(j.dir, "log"))
	if err != nil {
		return "(no output)"
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxLog))
	if s := strings.TrimSpace(string(b)); s != "" {
		return s
	}
	return "(no output)"
}

// run converts the job's input on slot s with one soffice process in its
// own process group. Whatever happens, the group is killed afterwards, so
// no process outlives a conversion; a run that was killed or failed
// discards the slot's profile, which the next run builds again.
func (p *Pool) run(ctx context.Context, s *slot, j *job, filter string) error {
	if err := s.profile.prepare(p.proxy.port()); err != nil {
		return err
	}
	runCtx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	stop := context.AfterFunc(p.ctx, cancel) // Close kills running conversions
	defer stop()
	logFile, err := os.OpenFile(filepath.Join(j.dir, "log"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("officepdf: %w", err)
	}
	defer logFile.Close()
	cmd := exec.CommandContext(runCtx, p.binary, args(s.profile, filter, j)...)
	cmd.Dir = j.dir
	cmd.Env = environ(s.dir, filepath.Join(j.dir, "tmp"))
	// A file, not a pipe: a pipe held open by a stray child would keep
	// Wait waiting.
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.WaitDelay = waitDelay
	err = cmd.Run()
	if cmd.Process == nil { // never started
		return p.runError(ctx, runCtx, err, j)
	}
	killGroup(cmd)
	if err == nil {
		return nil
	}
	if rerr := s.profile.reset(); rerr != nil {
		return errors.Join(p.runError(ctx, runCtx, err, j), rerr)
	}
	return p.runError(ctx, runCtx, err, j)
}

// runError says why a run failed: the caller gave up, the pool closed, the
// time ran out, or soffice itself failed.
func (p *Pool) runError(ctx, runCtx context.Context, err error, j *job) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("officepdf: conversion stopped: %w", context.Cause(ctx))
	case p.ctx.Err() != nil:
		return ErrClosed
	case runCtx.Err() != nil:
		return fmt.Errorf("officepdf: conversion took longer than %s and was killed: %w", p.timeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("officepdf: soffice: %w: %s", err, j.log())
}

// args is soffice's command line for one conversion.
func args(prof profile, filter string, j *job) []string {
	return []string{
		"-env:UserInstallation=" + prof.url(),
		"--headless", "--invisible", "--nocrashreport", "--nodefault", "--nofirststartwizard",
		"--nolockcheck", "--nologo", "--norestore",
		"--infilter=" + filter,
		"--convert-to", "pdf:writer_pdf_Export",
		"--outdir", filepath.Join(j.dir, "out"),
		j.src,
	}
}

// environ is soffice's whole environment: the hub's own variables (database
// URLs, mail passwords) are not passed on. HOME is the slot's directory, so
// caches land there rather than in the service user's home, and TMPDIR the
// job's, so temp files go when the job does. The locale is kept because
// LibreOffice takes its default language and paper size from it.
func environ(home, tmp string) []string {
	env := []string{"HOME=" + home, "TMPDIR=" + tmp, "PATH=" + os.Getenv("PATH")}
	for _, k := range []string{"LANG", "LC_ALL", "LC_CTYPE", "LC_PAPER"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// killGroup kills the process group of a command started with Setpgid
// (soffice is a script that starts oosplash, which starts soffice.bin).
func killGroup(cmd *exec.Cmd) error {
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

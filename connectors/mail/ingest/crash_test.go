package ingest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"rapport/connectors/mail/mailin"
	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// fault is a failure injected while the pipeline handles a message: it
// handles m with the failure armed and reports whether it struck.
type fault struct {
	name string
	// committed says the message is in although the attempt failed (a
	// crash after the commit, before the engine learnt of it).
	committed bool
	run       func(f *fixture, m mailin.Message) (struck bool, err error)
}

var faults = []fault{
	{name: "storing the raw message", run: func(f *fixture, m mailin.Message) (bool, error) {
		return failPut(f, m, func(name string) bool { return name == "message.eml" })
	}},
	{name: "storing an attachment (the parse's sink)", run: func(f *fixture, m mailin.Message) (bool, error) {
		return failPut(f, m, func(name string) bool { return name != "message.eml" })
	}},
	{name: "in the transaction after IngestMail (queueing the acknowledgement)", run: func(f *fixture, m mailin.Message) (bool, error) {
		struck := false
		f.enq.fail = func(string) error { struck = true; return errInjected }
		defer func() { f.enq.fail = nil }()
		return struck, f.p.Handle(context.Background(), m)
	}},
	{name: "at commit (the transaction rolled back whole)", run: func(f *fixture, m mailin.Message) (bool, error) {
		return true, f.s.WithTx(context.Background(), func(ctx context.Context) error {
			if err := f.p.Handle(ctx, m); err != nil {
				return err
			}
			return errInjected
		})
	}},
	{name: "after commit (before the engine learnt of it)", committed: true, run: func(f *fixture, m mailin.Message) (bool, error) {
		if err := f.p.Handle(context.Background(), m); err != nil {
			return false, err
		}
		return true, errInjected
	}},
}

// failPut fails the blob puts of files that match.
func failPut(f *fixture, m mailin.Message, match func(name string) bool) (bool, error) {
	struck := false
	f.blobs.fail = func(_ int64, name string) error {
		if match(name) {
			struck = true
			return errInjected
		}
		return nil
	}
	defer func() { f.blobs.fail = nil }()
	return struck, f.p.Handle(context.Background(), m)
}

// crashBatch is mail of every kind: new requests with inline images,
// automatic and bulk mail, a bounce, a reply with a subject tag, and a
// message that is not mail.
func crashBatch(t *testing.T) [][]byte {
	var batch [][]byte
	for i := range 6 {
		batch = append(batch, typicalMail(i))
	}
	for _, name := range []string{"ooo-fr.eml", "list-newsletter.eml", "bounce-exim.eml", "reply-cp1251.eml"} {
		raw, err := os.ReadFile(filepath.Join(testdataDir, "extra", name))
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, raw)
	}
	batch = append(batch, mail("Plain <plain@client.example>", "Hello", "Plain text, no attachment."))
	return append(batch, []byte("not a mail\r\n\r\nat all\r\n"))
}

// TestCrashAndRestart offers every message of a batch again after a
// failure at each step of its handling, as the engine does after a crash
// or an error, then offers the whole batch once more (a lost checkpoint):
// every message ends accounted for once — no loss, no second request — and
// every new request due an acknowledgement has exactly one queued.
func TestCrashAndRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		batch := crashBatch(t)
		struck := map[string]int{}
		for i, raw := range batch {
			uid, in := uint32(i+1), false
			for _, flt := range faults {
				hit, err := flt.run(f, f.at(uid, raw))
				if !hit {
					in = true // nothing of this kind in the message: it went in, and is offered again
					continue
				}
				struck[flt.name]++
				if err == nil {
					t.Fatalf("UID %d, failure %s: the attempt succeeded", uid, flt.name)
				}
				if in = in || flt.committed; !in {
					f.checkUntouched(uid)
				}
			}
			if err := f.p.Handle(context.Background(), f.at(uid, raw)); err != nil {
				t.Fatalf("UID %d after the failures: %v", uid, err)
			}
		}
		for _, flt := range faults {
			if struck[flt.name] == 0 {
				t.Errorf("the failure %q never struck", flt.name)
			}
		}
		first := f.accountFor(batch)
		for i, raw := range batch {
			if err := f.p.Handle(context.Background(), f.at(uint32(i+1), raw)); err != nil {
				t.Fatalf("replaying UID %d: %v", i+1, err)
			}
		}
		if again := f.accountFor(batch); again != first {
			t.Errorf("replaying the batch changed the store: %+v, then %+v", first, again)
		}
		t.Logf("failures injected: %v; outcome %+v", struck, first)
	})
}

// checkUntouched fails when a failed attempt left anything of the message:
// a log entry, a quarantine entry, or the checkpoint past it.
func (f *fixture) checkUntouched(uid uint32) {
	f.t.Helper()
	if m := f.byUID(uid); m != nil {
		f.t.Fatalf("UID %d: a failed attempt left log entry %+v", uid, m)
	}
	for _, q := range all[model.MailQuarantine](f.t, f.s, nil) {
		if q.UID == uid {
			f.t.Fatalf("UID %d: a failed attempt left quarantine entry %+v", uid, q)
		}
	}
	if cp, err := f.p.Checkpoint(context.Background(), f.mb.ID, "INBOX"); err != nil || cp.LastUID >= uid {
		f.t.Fatalf("UID %d: a failed attempt moved the checkpoint to %d (%v)", uid, cp.LastUID, err)
	}
}

// tally is what the store holds after a batch.
type tally struct {
	Logged, Quarantined, Requests, Acks, Activities, Contacts int
}

// accountFor checks that each message of the batch is accounted for once
// and every acknowledgement due is queued once, and counts what is stored.
func (f *fixture) accountFor(batch [][]byte) tally {
	f.t.Helper()
	msgs := all[model.MailMessage](f.t, f.s, nil)
	quar := all[model.MailQuarantine](f.t, f.s, nil)
	seen := map[uint32]int{}
	for _, m := range msgs {
		seen[m.UID]++
	}
	for _, q := range quar {
		seen[q.UID]++
	}
	for i := range batch {
		if n := seen[uint32(i+1)]; n != 1 {
			f.t.Errorf("UID %d accounted for %d times", i+1, n)
		}
	}
	acks := 0
	for _, m := range msgs {
		if m.Outcome != model.MailOutcomeRequest {
			continue
		}
		want := map[bool]int{true: 1}[m.AckDue]
		if n := len(f.acksOf(*m.RequestID)); n != want {
			f.t.Errorf("request of UID %d: %d acknowledgements queued, want %d", m.UID, n, want)
		}
		acks += want
	}
	return tally{Logged: len(msgs), Quarantined: len(quar), Requests: len(all[model.Request](f.t, f.s, nil)), Acks: acks,
		Activities: len(all[model.Activity](f.t, f.s, nil)), Contacts: len(all[model.Contact](f.t, f.s, nil))}
}

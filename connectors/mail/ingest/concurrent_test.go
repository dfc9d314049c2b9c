package ingest

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"rapport/model"
	"rapport/model/store"
	"rapport/model/storetest"
)

// concurrentBatch is crashBatch plus three new senders writing three
// mails each, which their workers must take in order (one contact each).
func concurrentBatch(t *testing.T) (batch [][]byte, senders int) {
	batch = crashBatch(t)
	for n := range 3 {
		for i := range 3 {
			batch = append(batch, mail(fmt.Sprintf("Sender %d <sender%d@new.example>", n, n), fmt.Sprintf("Mail %d", i), "Hello."))
		}
	}
	return batch, 3
}

// settle hands uids of batch to c as the engine does and settles them.
func (f *fixture) settle(c *concurrent, batch [][]byte, from uint32) ([]uint32, error) {
	f.t.Helper()
	for uid := from; int(uid) <= len(batch); uid++ {
		if err := c.Handle(context.Background(), f.at(uid, batch[uid-1])); err != nil {
			f.t.Fatalf("UID %d: %v", uid, err)
		}
	}
	return c.Settle(context.Background(), f.mb.ID, "INBOX")
}

// TestConcurrentSettle: a batch committed by four workers, one commit
// failing, settles the messages before the failure and moves the checkpoint
// just there; offering the rest again, as the engine does, accounts for
// every message once, with one contact per new sender.
func TestConcurrentSettle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		c := f.p.concurrent(4)
		batch, senders := concurrentBatch(t)
		contactsBefore := len(all[model.Contact](t, s, nil))
		var calls atomic.Int32
		f.enq.fail = func(string) error {
			if calls.Add(1) == 4 {
				return errInjected
			}
			return nil
		}
		settled, err := f.settle(c, batch, 1)
		f.enq.fail = nil
		if err == nil {
			t.Fatal("a failed commit settled without an error")
		}
		cp, cerr := f.p.Checkpoint(context.Background(), f.mb.ID, "INBOX")
		if cerr != nil {
			t.Fatal(cerr)
		}
		want := uint32(0)
		for i, uid := range settled {
			if uid != uint32(i+1) {
				t.Fatalf("settled %v: not the batch's first UIDs in order", settled)
			}
			want = uid
		}
		if cp.LastUID != want {
			t.Fatalf("checkpoint at %d, want the last settled UID %d", cp.LastUID, want)
		}
		failed := want + 1
		if m := f.byUID(failed); m != nil {
			t.Fatalf("UID %d failed but left log entry %+v", failed, m)
		}
		if settled, err = f.settle(c, batch, cp.LastUID+1); err != nil || len(settled) != len(batch)-int(cp.LastUID) {
			t.Fatalf("offering UIDs %d… again settled %v, %v", cp.LastUID+1, settled, err)
		}
		if cp, _ = f.p.Checkpoint(context.Background(), f.mb.ID, "INBOX"); cp.LastUID != uint32(len(batch)) {
			t.Fatalf("checkpoint at %d after the batch of %d", cp.LastUID, len(batch))
		}
		first := f.accountFor(batch)
		for _, addr := range []string{"sender0@new.example", "sender1@new.example", "sender2@new.example"} {
			n := 0
			for _, ct := range all[model.Contact](t, s, nil) {
				if slices.ContainsFunc(ct.Emails, func(e model.Labeled) bool { return e.Value == addr }) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d contacts for %s, want 1", n, addr)
			}
		}
		if first.Contacts < contactsBefore+senders {
			t.Errorf("%d contacts, want at least %d", first.Contacts, contactsBefore+senders)
		}
		if settled, err := f.settle(c, batch, 1); err != nil || len(settled) != len(batch) {
			t.Fatalf("replaying the batch settled %d of %d: %v", len(settled), len(batch), err)
		}
		if again := f.accountFor(batch); again != first {
			t.Errorf("replaying the batch changed the store: %+v, then %+v", first, again)
		}
	})
}

// TestConcurrentSettleNothing: settling a folder nothing was taken from
// settles nothing and writes no checkpoint.
func TestConcurrentSettleNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		settled, err := f.p.concurrent(2).Settle(context.Background(), f.mb.ID, "INBOX")
		if err != nil || len(settled) != 0 {
			t.Fatalf("settled %v, %v", settled, err)
		}
		if cp, _ := f.p.Checkpoint(context.Background(), f.mb.ID, "INBOX"); cp.LastUID != 0 {
			t.Fatalf("checkpoint moved to %d", cp.LastUID)
		}
	})
}

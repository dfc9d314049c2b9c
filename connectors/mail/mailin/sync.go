package mailin

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// A batch is one UID FETCH of bodies. Bounding it bounds what an error
// halfway through leaves to skip before the after-actions of the messages
// already handled can be sent.
const (
	batchMessages = 100
	batchBytes    = 16 << 20
)

// meta is what the supervisor knows of a message before fetching its body.
type meta struct {
	uid  imap.UID
	size int64
	date time.Time
}

// pass reads every folder once, the first one last so that it stays
// selected for IDLE.
func (s *Supervisor) pass(ctx context.Context, c *conn) error {
	f := s.cfg.Folders
	for _, folder := range append(slices.Clone(f[1:]), f[0]) {
		if err := s.syncFolder(ctx, c, folder); err != nil {
			return fmt.Errorf("folder %s: %w", folder, err)
		}
	}
	return nil
}

// syncFolder hands over every message above the folder's checkpoint.
func (s *Supervisor) syncFolder(ctx context.Context, c *conn, folder string) error {
	// EXAMINE when nothing is to change: the server then cannot touch a
	// flag, not even \Recent.
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: s.cfg.After == ActionLeave}).Wait()
	if err != nil {
		return fmt.Errorf("SELECT: %w", err)
	}
	cp, err := s.env.Checkpoints.Checkpoint(ctx, s.cfg.Mailbox, folder)
	if err != nil {
		return fmt.Errorf("reading the checkpoint: %w", err)
	}
	last := imap.UID(cp.LastUID)
	if cp.UIDValidity != sel.UIDValidity {
		if cp.UIDValidity != 0 {
			s.log.Warn("mailin: UIDVALIDITY changed; reading the folder again from the start",
				"folder", folder, "was", cp.UIDValidity, "now", sel.UIDValidity)
		}
		last = 0
	}
	if sel.NumMessages == 0 {
		return nil
	}
	if s.cfg.After == ActionMove && last > 0 {
		if err := s.sweep(c, last); err != nil {
			return err
		}
	}
	if sel.UIDNext != 0 && sel.UIDNext <= last+1 {
		return nil
	}
	metas, err := newMessages(c, last)
	if err != nil {
		return err
	}
	f := folderCtx{name: folder, validity: sel.UIDValidity}
	for len(metas) > 0 {
		n := batchLen(metas, s.cfg.MaxSize)
		if err := s.batch(ctx, c, f, metas[:n]); err != nil {
			return err
		}
		metas = metas[n:]
	}
	return nil
}

// folderCtx names the selected folder in the messages handed over.
type folderCtx struct {
	name     string
	validity uint32
}

// newMessages lists the UIDs above last with their sizes and dates, in UID
// order. "last+1:*" also matches the highest message when it is below
// last+1 (RFC 9051 6.4.8), so the list is filtered.
func newMessages(c *conn, last imap.UID) ([]meta, error) {
	var set imap.UIDSet
	set.AddRange(last+1, 0)
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("listing new messages: %w", err)
	}
	out := make([]meta, 0, len(msgs))
	for _, m := range msgs {
		if m.UID > last {
			out = append(out, meta{uid: m.UID, size: m.RFC822Size, date: m.InternalDate})
		}
	}
	slices.SortFunc(out, func(a, b meta) int { return cmp.Compare(a.uid, b.uid) })
	return out, nil
}

// batchLen is how many of metas go into the next batch: up to
// batchMessages and batchBytes, and a message over the size limit alone.
func batchLen(metas []meta, limit int64) int {
	if metas[0].size > limit {
		return 1
	}
	var bytes int64
	for i, m := range metas {
		if i == batchMessages || m.size > limit || (i > 0 && bytes+m.size > batchBytes) {
			return i
		}
		bytes += m.size
	}
	return len(metas)
}

// batch hands over a run of messages and applies the after-action to those
// the handler took, also when it failed on a later one.
func (s *Supervisor) batch(ctx context.Context, c *conn, f folderCtx, metas []meta) error {
	var handled imap.UIDSet
	var err error
	if metas[0].size > s.cfg.MaxSize {
		m := s.message(f, metas[0])
		m.TooLarge, m.Body = true, tooLargeBody{errTooLarge(metas[0].size, s.cfg.MaxSize)}
		if err = s.handle(ctx, m); err == nil {
			handled.AddNum(metas[0].uid)
		}
	} else {
		handled, err = s.fetchBodies(ctx, c, f, metas)
	}
	handled, err = s.settle(ctx, f, handled, err)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(handled) > 0 {
		if aerr := s.after(c, handled); aerr != nil {
			return errors.Join(err, aerr)
		}
	}
	return err
}

// fetchBodies streams the bodies of metas, one UID FETCH, to the handler
// in UID order, and returns the UIDs it took. A message the server no
// longer has (expunged by another client meanwhile) is not in the answer
// and is skipped.
func (s *Supervisor) fetchBodies(ctx context.Context, c *conn, f folderCtx, metas []meta) (imap.UIDSet, error) {
	var set, handled imap.UIDSet
	byUID := make(map[imap.UID]meta, len(metas))
	for _, m := range metas {
		set.AddNum(m.uid)
		byUID[m.uid] = m
	}
	cmd := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	var err error
	prev := imap.UID(0)
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		if prev, err = s.fetched(ctx, f, msg, byUID, prev); err != nil {
			break
		}
		handled.AddNum(prev)
	}
	if err != nil && ctx.Err() != nil {
		// Shutting down: do not wait for the rest of the batch. Close waits
		// for go-imap's reader, which waits for this command to be drained
		// just below, so it must not block here.
		go c.Close()
	}
	if cerr := cmd.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("UID FETCH: %w", cerr)
	}
	if err == nil && len(handled) == 0 {
		// Not one of the messages listed a moment ago came: most likely a
		// server that sends the body before the UID, which go-imap cannot
		// match. Stop rather than skip them.
		err = fmt.Errorf("the server sent none of the messages %s", set)
	}
	return handled, err
}

// fetched hands one FETCH answer to the handler and returns its UID, which
// must come after prev.
func (s *Supervisor) fetched(ctx context.Context, f folderCtx, msg *imapclient.FetchMessageData, byUID map[imap.UID]meta, prev imap.UID) (imap.UID, error) {
	var uid imap.UID
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch item := item.(type) {
		case imapclient.FetchItemDataUID:
			uid = item.UID
		case imapclient.FetchItemDataBodySection:
			md, ok := byUID[uid]
			switch {
			case !ok:
				return 0, fmt.Errorf("the server sent a body for UID %d, which was not asked for", uid)
			case uid <= prev:
				return 0, fmt.Errorf("the server sent UID %d after UID %d", uid, prev)
			}
			m := s.message(f, md)
			m.Body = &cappedBody{r: bytes.NewReader(nil), limit: s.cfg.MaxSize}
			if item.Literal != nil { // NIL: an empty body, which the handler quarantines
				m.Body = &cappedBody{r: item.Literal, limit: s.cfg.MaxSize}
			}
			return uid, s.handle(ctx, m)
		}
	}
	return 0, fmt.Errorf("the server sent no body for UID %d", uid)
}

func (s *Supervisor) message(f folderCtx, m meta) Message {
	return Message{
		Mailbox: s.cfg.Mailbox, Folder: f.name, UIDValidity: f.validity,
		UID: uint32(m.uid), Size: m.size, InternalDate: m.date,
	}
}

func (s *Supervisor) handle(ctx context.Context, m Message) error {
	if err := s.env.Handler.Handle(ctx, m); err != nil {
		return fmt.Errorf("handling UID %d: %w", m.UID, err)
	}
	if _, ok := s.env.Handler.(Settler); !ok {
		s.update(func(st *Status) { st.Handled++ })
	}
	return nil
}

// settle waits, for a Settler, until the messages of the batch the handler
// took are accounted for, and returns those that are; err is how the batch
// ended so far. Any other handler accounted for each message in Handle.
func (s *Supervisor) settle(ctx context.Context, f folderCtx, taken imap.UIDSet, err error) (imap.UIDSet, error) {
	st, ok := s.env.Handler.(Settler)
	if !ok {
		return taken, err
	}
	uids, serr := st.Settle(ctx, s.cfg.Mailbox, f.name)
	var settled imap.UIDSet
	for _, uid := range uids {
		settled.AddNum(imap.UID(uid))
	}
	s.update(func(st *Status) { st.Handled += uint64(len(uids)) })
	if serr != nil {
		serr = fmt.Errorf("handling: %w", serr)
	}
	return settled, errors.Join(serr, err)
}

package mailin

import (
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// after applies the after-processing action to messages the handler took.
func (s *Supervisor) after(c *conn, uids imap.UIDSet) error {
	switch s.cfg.After {
	case ActionMove:
		return s.move(c, uids)
	case ActionFlag:
		flags := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagFlagged}}
		if err := c.Store(uids, flags, nil).Close(); err != nil {
			return fmt.Errorf("flagging %s: %w", uids, err)
		}
	}
	return nil
}

// sweep moves what is still in the folder at or below the checkpoint: a
// crash between the handler's commit and the move leaves such messages,
// and they were handled.
func (s *Supervisor) sweep(c *conn, last imap.UID) error {
	var set imap.UIDSet
	set.AddRange(1, last)
	found, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return fmt.Errorf("looking for handled messages: %w", err)
	}
	uids := found.AllUIDs()
	if len(uids) == 0 {
		return nil
	}
	return s.move(c, imap.UIDSetNum(uids...))
}

// move moves uids to Config.MoveTo, creating it on TRYCREATE. Without the
// MOVE extension it copies first and deletes only what was copied:
// go-imap's own fallback sends STORE \Deleted and EXPUNGE without waiting
// for the COPY, so a failed copy would lose the mail.
func (s *Supervisor) move(c *conn, uids imap.UIDSet) error {
	err := s.moveOnce(c, uids)
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeTryCreate {
		if cerr := c.Create(s.cfg.MoveTo, nil).Wait(); cerr != nil {
			return fmt.Errorf("creating %s: %w", s.cfg.MoveTo, cerr)
		}
		err = s.moveOnce(c, uids)
	}
	if err != nil {
		return fmt.Errorf("moving %s to %s: %w", uids, s.cfg.MoveTo, err)
	}
	return nil
}

func (s *Supervisor) moveOnce(c *conn, uids imap.UIDSet) error {
	caps := c.Caps()
	if caps.Has(imap.CapMove) {
		_, err := c.Move(uids, s.cfg.MoveTo).Wait()
		return err
	}
	if _, err := c.Copy(uids, s.cfg.MoveTo).Wait(); err != nil {
		return err
	}
	deleted := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := c.Store(uids, deleted, nil).Close(); err != nil {
		return err
	}
	if caps.Has(imap.CapUIDPlus) {
		return c.UIDExpunge(uids).Close()
	}
	// Without UIDPLUS, EXPUNGE also removes what others marked \Deleted in
	// this folder, as any mail client's expunge would.
	return c.Expunge().Close()
}

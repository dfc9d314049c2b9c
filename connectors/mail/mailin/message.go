package mailin

import (
	"context"
	"io"
	"time"

	"rapport/model"
)

// Message is one message handed to the Handler. Body streams the raw RFC
// 5322 bytes straight from the IMAP connection: it is valid only during
// Handle, and whatever the handler leaves unread is skipped afterwards.
type Message struct {
	Mailbox      string // Config.Mailbox
	Folder       string
	UIDValidity  uint32
	UID          uint32
	Size         int64     // RFC822.SIZE as the server announced it
	InternalDate time.Time // when the server received it

	// TooLarge marks a message over Config.MaxSize. Its body was not
	// fetched: Body fails at once with a *model.Error (ETOOLARGE) whose
	// message is the reason to quarantine with.
	TooLarge bool
	Body     io.Reader
}

// Handler takes each new message, in UID order per folder. Returning nil
// means the message is accounted for for good (stored, or quarantined with
// a reason) and the folder's checkpoint is at least its UID, written in the
// handler's own transaction; the after-processing action follows. An error
// stops the folder there: nothing later is handed over, the supervisor
// reports the error, waits and offers the same message again.
type Handler interface {
	Handle(ctx context.Context, m Message) error
}

// Settler is a Handler that commits messages concurrently. Its Handle
// takes a message — reads the body, so the connection can go on — and may
// return before the message is accounted for; the checkpoint is then the
// Settler's to write. At the end of every batch the supervisor calls
// Settle, which waits for the messages of the mailbox's folder taken since
// its last call and returns those accounted for, in UID order up to the
// first that was not, and that one's error. Only what Settle returns counts
// as handled: the after-action applies to it, and an error stops the folder
// as Handle's does.
type Settler interface {
	Handler
	Settle(ctx context.Context, mailbox, folder string) (settled []uint32, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m Message) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, m Message) error { return f(ctx, m) }

// Checkpoint is how far a folder has been read: the folder's UIDVALIDITY
// and the highest UID the handler took. The zero value means never read.
type Checkpoint struct {
	UIDValidity uint32
	LastUID     uint32
}

// Checkpoints reads the checkpoints the handler writes. The supervisor asks
// before each pass over a folder and fetches the UIDs above LastUID; when
// the folder's UIDVALIDITY differs it starts again from UID 1 and relies on
// the store's dedupe.
type Checkpoints interface {
	Checkpoint(ctx context.Context, mailbox, folder string) (Checkpoint, error)
}

// tooLargeBody is the Body of a TooLarge message.
type tooLargeBody struct{ err error }

func (b tooLargeBody) Read([]byte) (int, error) { return 0, b.err }

func errTooLarge(size, limit int64) error {
	return model.Errorf(model.ETOOLARGE, "the message has %d bytes, over the mailbox's limit of %d", size, limit)
}

// cappedBody keeps a server that sends more than it announced from
// streaming past the limit: reading fails once the limit is passed.
type cappedBody struct {
	r           io.Reader
	read, limit int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		return n, model.Errorf(model.ETOOLARGE, "the message is over the mailbox's limit of %d bytes", b.limit)
	}
	return n, err
}

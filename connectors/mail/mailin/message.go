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

package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"rapport/connectors/mail/mailin"
	"rapport/model"
)

// DefaultWorkers is how many messages of a folder the engine commits at
// once on engine when Config.Workers is 0. Committing is mostly waiting for
// the database, so on PostgreSQL four at once keep it and the parser busy
// (about 1.6 times the messages per second of one after the other). SQLite
// has a single writer that would only queue them: one worker there, which
// still commits a message while the next is read.
func DefaultWorkers(engine string) int {
	if engine == "sqlite" {
		return 1
	}
	return 4
}

// laneQueue is how many read messages wait for each worker. Past it the
// IMAP stream waits, which bounds the memory held by read bodies.
const laneQueue = 4

// concurrent is the pipeline as the IMAP engine drives it, a
// mailin.Settler. Each message is stored and read as it streams in, in UID
// order; one of a few workers then commits it while the next streams in.
//
// Messages from one sender go to the same worker, in order: a new sender's
// second mail finds the contact the first made, and a message delivered
// twice meets the dedupe. The folder's checkpoint is not written with each
// message but once per batch, in Settle, up to the last message before any
// that failed; a crash re-offers what was not committed and the dedupe
// absorbs the rest. The per-sender rate limit counts committed mail, so
// within one batch a sender may pass it by up to the batch's messages.
type concurrent struct {
	*Pipeline
	workers int

	mu      sync.Mutex
	batches map[folderKey]*batch
}

type folderKey struct{ mailbox, folder string }

// batch is what the engine handed over from one folder since the last
// Settle. Handle and Settle for one folder come from its mailbox's one
// supervisor, never at once; the workers only touch failed.
type batch struct {
	validity uint32
	taken    []uint32 // UIDs, in the order handed over
	lanes    []chan job
	wg       sync.WaitGroup

	mu     sync.Mutex
	failed map[uint32]error
}

// job is one read message for a worker to commit.
type job struct {
	uid    uint32
	commit func() error
}

// concurrent returns the pipeline as the engine uses it, with workers
// committing at once (at least one).
func (p *Pipeline) concurrent(workers int) *concurrent {
	return &concurrent{Pipeline: p, workers: max(1, workers), batches: map[folderKey]*batch{}}
}

// Handle implements mailin.Handler: it stores and reads the message, then
// queues it for its sender's worker. An error (the message could not be
// stored or read) stops the batch there, as in Pipeline.Handle.
func (c *concurrent) Handle(ctx context.Context, m mailin.Message) error {
	ctx = model.WithActor(ctx, ingestActor)
	b := c.batch(m)
	r, err := c.take(ctx, m, true)
	if err != nil {
		return err
	}
	b.taken = append(b.taken, m.UID)
	if r != nil {
		b.lanes[laneOf(r.in, len(b.lanes))] <- job{uid: m.UID, commit: func() error { return c.commit(ctx, r) }}
	}
	return nil
}

// batch returns the open batch of m's folder, starting one and its workers.
func (c *concurrent) batch(m mailin.Message) *batch {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := folderKey{m.Mailbox, m.Folder}
	if b := c.batches[key]; b != nil {
		return b
	}
	b := &batch{validity: m.UIDValidity, failed: map[uint32]error{}}
	for range c.workers {
		lane := make(chan job, laneQueue)
		b.lanes = append(b.lanes, lane)
		b.wg.Go(func() {
			for j := range lane {
				if err := j.commit(); err != nil {
					b.mu.Lock()
					b.failed[j.uid] = err
					b.mu.Unlock()
				}
			}
		})
	}
	c.batches[key] = b
	return b
}

// laneOf is the worker of a message: by sender, else by Message-ID or
// content.
func laneOf(in *model.MailIngest, lanes int) int {
	h := fnv.New32a()
	h.Write([]byte(cmp.Or(strings.ToLower(in.From.Email), in.MessageID, in.SHA256)))
	return int(h.Sum32() % uint32(lanes))
}

// Settle implements mailin.Settler: it waits for the folder's batch to be
// committed, advances the checkpoint over the messages accounted for up to
// the first that failed, and returns them with that failure.
func (c *concurrent) Settle(ctx context.Context, mailbox, folder string) ([]uint32, error) {
	c.mu.Lock()
	key := folderKey{mailbox, folder}
	b := c.batches[key]
	delete(c.batches, key)
	c.mu.Unlock()
	if b == nil {
		return nil, nil
	}
	for _, lane := range b.lanes {
		close(lane)
	}
	b.wg.Wait()
	settled, err := b.settled()
	if len(settled) == 0 {
		return nil, err
	}
	// Written also when shutting down: what was committed stays counted.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(system(ctx)), 10*time.Second)
	defer cancel()
	if cerr := c.cfg.Store.AdvanceMailCheckpoint(ctx, mailbox, folder, b.validity, settled[len(settled)-1]); cerr != nil {
		return nil, errors.Join(fmt.Errorf("ingest: advancing the checkpoint: %w", cerr), err)
	}
	return settled, err
}

// settled returns the UIDs taken before the first that failed, and that
// failure.
func (b *batch) settled() ([]uint32, error) {
	for i, uid := range b.taken {
		if err := b.failed[uid]; err != nil {
			return b.taken[:i], fmt.Errorf("UID %d: %w", uid, err)
		}
	}
	return b.taken, nil
}

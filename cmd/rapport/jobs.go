package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"rapport/connectors/blobstore"
	"rapport/connectors/queue"
	"rapport/model"
	"rapport/model/store"
)

// blobGCInterval is how often unreferenced blobs are collected, and
// blobMinAge how old an unreferenced blob must be before it goes (so content
// uploaded just before its attachment row commits is never lost).
const (
	blobGCInterval = 6 * time.Hour
	blobMinAge     = 24 * time.Hour
	// retentionInterval is how often logs, raw mail, the quarantine and
	// the change feed are trimmed to their retention (store.Retention).
	retentionInterval = time.Hour
	// slaWatchInterval is how often open requests are checked against
	// their SLA targets.
	slaWatchInterval = time.Minute
	// contractWatchInterval is how often contracts ending soon are
	// looked for (and once at start).
	contractWatchInterval = 12 * time.Hour
	// invoiceWatchInterval is how often issued invoices past their due
	// date are marked overdue.
	invoiceWatchInterval = time.Hour
)

// startQueue builds the job queue with every worker and periodic job and
// starts it; the caller stops it on shutdown.
func startQueue(ctx context.Context, s *store.Store, blobs blobstore.Store, retention store.Retention, contractNoticeDays int,
	mail *mailJobs, log *slog.Logger) (*queue.Queue, error) {
	workers := river.NewWorkers()
	mail.register(workers)
	river.AddWorker(workers, reminderWorker(s, mail, log))
	river.AddWorker(workers, &queue.BlobGC{Collect: func(ctx context.Context) (int, error) {
		return blobstore.Collect(ctx, blobs, func(sha string) (bool, error) { return s.BlobReferenced(ctx, sha) }, blobMinAge)
	}})
	river.AddWorker(workers, &queue.InboundWebhook{Process: func(ctx context.Context, id string) error {
		return s.ProcessInboundMessage(model.WithActor(ctx, model.System), id)
	}})
	river.AddWorker(workers, &queue.LogRetention{Apply: func(ctx context.Context) (map[string]int64, error) {
		return s.ApplyRetention(model.WithActor(ctx, model.System), retention, time.Now())
	}})
	river.AddWorker(workers, &queue.SLAWatch{Mark: func(ctx context.Context, limit int) (int, error) {
		return s.MarkSLABreaches(model.WithActor(ctx, model.System), limit)
	}})
	river.AddWorker(workers, &queue.ContractWatch{Notice: func(ctx context.Context, limit int) (int, error) {
		return s.NoticeExpiringContracts(model.WithActor(ctx, model.System), contractNoticeDays, limit)
	}})
	river.AddWorker(workers, &queue.InvoiceWatch{Mark: func(ctx context.Context, limit int) (int, error) {
		return s.MarkOverdueInvoices(model.WithActor(ctx, model.System), limit)
	}})
	q, err := queue.New(ctx, queue.Config{Store: s, Logger: log, Workers: workers,
		Periodic: []*river.PeriodicJob{queue.PeriodicBlobGC(blobGCInterval), queue.PeriodicLogRetention(retentionInterval),
			queue.PeriodicSLAWatch(slaWatchInterval), queue.PeriodicContractWatch(contractWatchInterval),
			queue.PeriodicInvoiceWatch(invoiceWatchInterval), queue.PeriodicReminderMail(reminderInterval)}})
	if err != nil {
		return nil, err
	}
	mail.queue = q // the mailing job and the API queue mail on it
	enableInvitations(s, mail, log)
	return q, q.Start(ctx)
}

// enqueueInbound queues the processing of a received inbound webhook in
// the store transaction carried by ctx.
func enqueueInbound(q *queue.Queue) func(ctx context.Context, messageID string) error {
	return func(ctx context.Context, id string) error {
		return q.Enqueue(ctx, queue.InboundWebhookArgs{MessageID: id}, nil)
	}
}

// queueDepthGauge exposes pending jobs on /metrics.
func queueDepthGauge(q *queue.Queue) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rapport_queue_depth",
		Help: "Jobs waiting to run (available, scheduled or retryable)."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := q.Depth(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
}

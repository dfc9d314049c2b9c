package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// InvoiceWatchArgs asks for one pass of the invoice watch: issued invoices
// past their due date become overdue (invoice.overdue).
type InvoiceWatchArgs struct{}

// Kind is River's name for the job: "invoice_watch".
func (InvoiceWatchArgs) Kind() string { return "invoice_watch" }

// InvoiceWatch works InvoiceWatchArgs jobs.
type InvoiceWatch struct {
	river.WorkerDefaults[InvoiceWatchArgs]
	// Mark marks up to limit invoices overdue and says how many
	// (store.MarkOverdueInvoices).
	Mark func(ctx context.Context, limit int) (int, error)
}

// invoiceBatch is how many invoices one call of Mark handles; a pass
// calls it until a batch comes back short.
const invoiceBatch = 500

// Work runs one pass: batch after batch until every overdue invoice is
// marked.
func (w *InvoiceWatch) Work(ctx context.Context, _ *river.Job[InvoiceWatchArgs]) error {
	total := 0
	for {
		n, err := w.Mark(ctx, invoiceBatch)
		total += n
		if err != nil {
			return fmt.Errorf("queue: invoice watch: %w", err)
		}
		if n < invoiceBatch {
			return river.RecordOutput(ctx, map[string]int{"overdue": total})
		}
	}
}

// PeriodicInvoiceWatch schedules an InvoiceWatchArgs job every interval
// (enqueued by the leader only).
func PeriodicInvoiceWatch(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return InvoiceWatchArgs{}, nil },
		&river.PeriodicJobOpts{ID: "invoice_watch"})
}

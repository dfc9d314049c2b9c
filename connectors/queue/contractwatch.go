package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// ContractWatchArgs asks for one pass of the contract watch: active
// contracts ending soon get their one contract.expiring notice.
type ContractWatchArgs struct{}

// Kind is River's name for the job: "contract_watch".
func (ContractWatchArgs) Kind() string { return "contract_watch" }

// ContractWatch works ContractWatchArgs jobs.
type ContractWatch struct {
	river.WorkerDefaults[ContractWatchArgs]
	// Notice sends the notice of up to limit contracts ending soon and
	// says how many it sent (store.NoticeExpiringContracts).
	Notice func(ctx context.Context, limit int) (int, error)
}

// contractBatch bounds the contracts noticed in one transaction.
const contractBatch = 200

// Work notices every contract due one, a batch at a time.
func (w *ContractWatch) Work(ctx context.Context, _ *river.Job[ContractWatchArgs]) error {
	total := 0
	for {
		n, err := w.Notice(ctx, contractBatch)
		if err != nil {
			return fmt.Errorf("queue: contract watch: %w", err)
		}
		total += n
		if n < contractBatch {
			return river.RecordOutput(ctx, map[string]int{"noticed": total})
		}
	}
}

// PeriodicContractWatch schedules a ContractWatchArgs job every interval
// and once at start (enqueued by the leader only).
func PeriodicContractWatch(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return ContractWatchArgs{}, nil },
		&river.PeriodicJobOpts{ID: "contract_watch", RunOnStart: true})
}

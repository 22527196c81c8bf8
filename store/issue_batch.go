package store

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"gorm.io/gorm"
)

// maxIssueBatch bounds how many Issue calls share one SQLite transaction.
const maxIssueBatch = 64

// issueBatcher is SQLite group commit for Issue. A commit costs a WAL frame
// write (two system calls) per dirty page, most of it shared by the rows of
// concurrent calls (the table's last page, the indexes on client, time and
// empty consent); so concurrent calls are queued and the first one in runs
// them all in one transaction, then hands the next batch to the oldest
// waiting call. Alone, a call runs exactly as without the batcher.
//
// Each call stays all or nothing and independent of the others: any
// failure in the batch (a replayed single-use value, a failed commit) rolls
// it back and every call of the batch runs again in its own transaction.
// Nothing is reported done before its commit.
type issueBatcher struct {
	mu    sync.Mutex
	queue []*issueJob
	busy  bool // a leader is running a batch
}

type issueJob struct {
	parts    []part
	err      error
	promoted bool          // set before done is signalled: run the next batch
	done     chan struct{} // signalled once: finished or promoted
}

// run executes parts, alone or in a batch; it returns the driver error,
// unmapped, as writeAll does.
func (b *issueBatcher) run(ctx context.Context, s *Store, parts []part) error {
	j := &issueJob{parts: parts, done: make(chan struct{}, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, j)
	lead := !b.busy
	b.busy = true
	b.mu.Unlock()
	if !lead {
		<-j.done
		if !j.promoted {
			return j.err
		}
	}
	// Let the requests that are already running reach their Issue call
	// before the batch is cut: with one CPU (GOMAXPROCS=1) the writer would
	// otherwise always find the queue holding itself alone, since the commit's
	// system calls are too short to hand the CPU to anyone else.
	runtime.Gosched()
	b.mu.Lock()
	n := min(len(b.queue), maxIssueBatch)
	batch := b.queue[:n:n]
	b.queue = append([]*issueJob(nil), b.queue[n:]...)
	b.mu.Unlock()

	// The batch serves other callers too: the leader's cancellation must
	// not fail them.
	s.runBatch(context.WithoutCancel(ctx), batch)

	b.mu.Lock()
	if len(b.queue) > 0 {
		next := b.queue[0]
		next.promoted = true
		next.done <- struct{}{}
	} else {
		b.busy = false
	}
	b.mu.Unlock()
	for _, o := range batch {
		if o != j {
			o.done <- struct{}{}
		}
	}
	return j.err
}

// writeIssue runs the parts of one Issue: on PostgreSQL one statement, on
// SQLite through the group commit.
func (s *Store) writeIssue(ctx context.Context, parts []part) error {
	if s.postgres() || len(parts) == 0 {
		return s.writeAll(ctx, parts)
	}
	return s.issues.run(ctx, s, parts)
}

// errBatchRetry rolls a batch back so that its calls run one by one.
var errBatchRetry = errors.New("store: issue batch: run calls separately")

// runBatch sets the outcome of every job of batch. Statements run with OR
// FAIL (no statement journals) in one transaction; any error rolls the
// batch back and every call runs again in its own transaction, which gives
// the failing call its error and the others their tokens. Errors are rare
// (a replayed jti or code), so this costs nothing on the normal path.
func (s *Store) runBatch(ctx context.Context, batch []*issueJob) {
	if len(batch) == 1 {
		batch[0].err = s.writeAll(ctx, batch[0].parts)
		return
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, j := range batch {
			for _, p := range j.parts {
				q := stmt{orFail: true}
				p(&q)
				if err := tx.Exec(q.sql.String(), q.args...).Error; err != nil {
					return errors.Join(errBatchRetry, err)
				}
			}
		}
		return nil
	})
	for _, j := range batch {
		j.err = nil
		if err != nil {
			j.err = s.writeAll(ctx, j.parts)
		}
	}
}

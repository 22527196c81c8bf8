package store

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"gorm.io/gorm"

	"github.com/openconsent/openconsent/server/oauth"
)

// maxIssueBatch bounds how many Issue calls share one SQLite transaction.
const maxIssueBatch = 64

// issueBatcher is SQLite group commit for Issue. A commit writes every dirty
// page to the WAL (a frame header and the page: two seek+write pairs with
// the pure-Go driver), and concurrent calls dirty mostly the same pages (the
// tokens table's last page, the indexes on client, time and consent, and,
// as token and grant ids are time-ordered, the id indexes); so concurrent
// calls are queued and the first one in runs them all in one transaction,
// then hands the next batch to the oldest waiting call. Alone, a call runs
// exactly as without the batcher.
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
	workspace string
	is        oauth.Issuance
	parts     []part // the call's statements when it runs alone
	err       error
	promoted  bool          // set before done is signalled: run the next batch
	done      chan struct{} // signalled once: finished or promoted
}

// run executes parts, alone or in a batch; it returns the driver error,
// unmapped, as writeAll does.
func (b *issueBatcher) run(ctx context.Context, s *Store, j *issueJob) error {
	j.done = make(chan struct{}, 1)
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
func (s *Store) writeIssue(ctx context.Context, workspace string, is oauth.Issuance, parts []part) error {
	if s.postgres() || len(parts) == 0 {
		return s.writeAll(ctx, parts)
	}
	return s.issues.run(ctx, s, &issueJob{workspace: workspace, is: is, parts: parts})
}

// errBatchRetry rolls a batch back so that its calls run one by one.
var errBatchRetry = errors.New("store: issue batch: run calls separately")

// runBatch sets the outcome of every job of batch. The batch is one
// transaction of few statements: every single-use value of the batch in one
// multi-row INSERT, every token in another (SQLite parses each statement it
// runs, so fewer statements cost less), and the rare revocations. They run
// with OR FAIL (no statement journals); any error rolls the batch back and
// every call runs again in its own transaction, which gives the failing
// call its error and the others their tokens. Errors are rare (a replayed
// jti or code), so this costs nothing on the normal path.
func (s *Store) runBatch(ctx context.Context, batch []*issueJob) {
	if len(batch) == 1 {
		batch[0].err = s.writeAll(ctx, batch[0].parts)
		return
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, p := range batchParts(batch) {
			q := stmt{orFail: true}
			p(&q)
			if err := tx.Exec(q.sql.String(), q.args...).Error; err != nil {
				return errors.Join(errBatchRetry, err)
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

// batchParts are the statements of a batch: its single-use rows, its
// revocations, its tokens, in the order Issue writes them.
func batchParts(batch []*issueJob) []part {
	var nOnce, nTok int
	var parts []part
	for _, j := range batch {
		nOnce += len(j.is.Once)
		nTok += len(j.is.Tokens)
		if len(j.is.RevokeIDs) > 0 {
			parts = append(parts, revokeIDs(j.workspace, j.is.RevokeIDs))
		}
	}
	if nOnce > 0 {
		parts = append([]part{func(q *stmt) {
			q.sql.WriteString(q.verb("INSERT") + " INTO single_use (" + onceColumns + ") VALUES ")
			q.tuples(nOnce, 4)
			for _, j := range batch {
				for _, o := range j.is.Once {
					onceArgs(q, j.workspace, o)
				}
			}
		}}, parts...)
	}
	if nTok > 0 {
		parts = append(parts, func(q *stmt) {
			q.sql.WriteString(q.verb("INSERT") + " INTO tokens (" + tokenColumns + ") VALUES ")
			q.tuples(nTok, 14)
			for _, j := range batch {
				for _, t := range j.is.Tokens {
					tokenArgs(q, j.workspace, t)
				}
			}
		})
	}
	return parts
}

package store

import (
	"context"
	"fmt"
	"time"

	"github.com/openconsent/openconsent/server/oauth"
)

// insertOnce records single-use values; the primary key (workspace, kind,
// value) rejects a second use, across instances.
func insertOnce(workspace string, once []oauth.SingleUse) part {
	return func(q *stmt) {
		q.sql.WriteString(q.verb("INSERT") + " INTO single_use (" + onceColumns + ") VALUES ")
		q.tuples(len(once), 4)
		for _, o := range once {
			onceArgs(q, workspace, o)
		}
	}
}

const onceColumns = "workspace, kind, value, expires_at"

// onceArgs adds the values of one single_use row, in onceColumns order.
func onceArgs(q *stmt, workspace string, o oauth.SingleUse) {
	q.add(workspace, o.Kind, o.Value, ts(spreadExpiry(o.ExpiresAt, time.Now())))
}

// spreadExpiry keeps a whole-second expiry (the expiries that come from JWT
// claims: an assertion's exp, a DPoP proof's iat, plus whole seconds) but
// adds the sub-second part of the insert time. Thousands of such rows a
// second share one expiry second; the expires_at index orders equal
// expiries by the random primary key, so each insert would dirty a random
// page of the index, written again at commit. Spread, they arrive in time
// order and share the index's last page. The row is only kept longer (by
// under a second), never shorter: replay detection is unchanged.
func spreadExpiry(exp, now time.Time) time.Time {
	if exp.Nanosecond() != 0 {
		return exp
	}
	return exp.Add(time.Duration(now.Nanosecond()))
}

// onceErr maps the error of a write that inserted once: a unique violation
// on single_use becomes an *oauth.ReplayError naming the replayed kind;
// anything else is wrapped.
func (s *Store) onceErr(ctx context.Context, op string, err error, workspace string, once []oauth.SingleUse) error {
	if table, ok := uniqueViolation(err); !ok || table != "single_use" {
		return wrap(op, err)
	}
	return fmt.Errorf("store: %s: %w", op, &oauth.ReplayError{Kind: s.replayedKind(ctx, workspace, once)})
}

// replayedKind tells which kind of once was replayed: one given twice, or
// one already stored. It costs a query, but only on the failure path; it
// returns "" when it cannot tell (the row was swept meanwhile, or the query
// failed).
func (s *Store) replayedKind(ctx context.Context, workspace string, once []oauth.SingleUse) string {
	type key struct{ kind, value string }
	seen := make(map[key]bool, len(once))
	for _, o := range once {
		k := key{o.Kind, o.Value}
		if seen[k] {
			return o.Kind
		}
		seen[k] = true
	}
	var q stmt
	q.sql.WriteString("SELECT kind FROM single_use WHERE workspace = ? AND (")
	q.add(workspace)
	for i, o := range once {
		if i > 0 {
			q.sql.WriteString(" OR ")
		}
		q.sql.WriteString("(kind = ? AND value = ?)")
		q.add(o.Kind, o.Value)
	}
	q.sql.WriteString(") LIMIT 1")
	var kind string
	if err := s.db.WithContext(ctx).Raw(q.sql.String(), q.args...).Row().Scan(&kind); err != nil {
		return ""
	}
	return kind
}

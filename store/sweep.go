package store

import (
	"context"
	"time"
)

// Sweep implements [oauth.Sweeper]: it deletes, in every workspace, the
// single-use values, PAR records, logins and tokens (revoked or not) that
// expired strictly before now, and returns how many rows it removed. Each
// table is its own statement, so a sweep never holds one long transaction
// over every table; a failure leaves the tables swept so far swept.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	// Rows of these tables are useless once expires_at has passed; each has
	// an index on expires_at.
	for _, table := range [...]string{"single_use", "par_requests", "logins", "tokens"} {
		res := s.db.WithContext(ctx).Exec("DELETE FROM "+table+" WHERE expires_at < ?", ts(now))
		if res.Error != nil {
			return total, wrap("sweep "+table, res.Error)
		}
		total += res.RowsAffected
	}
	return total, nil
}

package store

import (
	"context"
	"time"
)

// keysetPage finishes a list query with keyset pagination on
// (created_at, id) descending: one indexed range scan per page, whatever the
// page number. q holds the SELECT and its filters; after is the cursor of
// the previous page; badCursor is returned for a malformed one. It returns
// the page and the cursor of the next ("" at the end).
func keysetPage[T any](ctx context.Context, s *Store, q *stmt, op, after string, limit int, badCursor error,
	scan func(scanner) (*T, error), key func(*T) (time.Time, string)) ([]T, string, error) {
	if after != "" {
		at, id, err := decodeCursor(after)
		if err != nil {
			return nil, "", badCursor
		}
		q.sql.WriteString(" AND (created_at < ? OR (created_at = ? AND id < ?))")
		q.add(ts(at), ts(at), id)
	}
	if limit <= 0 {
		limit = 100
	}
	q.sql.WriteString(" ORDER BY created_at DESC, id DESC LIMIT ?")
	q.add(limit + 1)
	rows, err := s.rdb.WithContext(ctx).Raw(q.sql.String(), q.args...).Rows()
	if err != nil {
		return nil, "", wrap(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", wrap(op, err)
		}
		out = append(out, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap(op, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		at, id := key(&out[limit-1])
		next = encodeCursor(at, id)
	}
	return out, next, nil
}

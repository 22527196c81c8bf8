package store

import (
	"context"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// stmt accumulates one SQL statement written with "?" placeholders (gorm
// rewrites them to $n on PostgreSQL) and its arguments, in order.
type stmt struct {
	sql  strings.Builder
	args []any
	// orFail asks parts to write INSERT OR FAIL / UPDATE OR FAIL: inside an
	// explicit SQLite transaction that is rolled back on any error, it
	// spares SQLite a statement journal per multi-row statement (the
	// journal's memory is mapped and unmapped each time). SQLite only.
	orFail bool
}

// verb is "INSERT" or "UPDATE", with OR FAIL when q.orFail is set.
func (q *stmt) verb(v string) string {
	if q.orFail {
		return v + " OR FAIL"
	}
	return v
}

// part writes one data-modifying statement into q.
type part func(q *stmt)

// tuples writes rows parenthesised groups of cols placeholders:
// "(?,?),(?,?)".
func (q *stmt) tuples(rows, cols int) {
	for r := range rows {
		if r > 0 {
			q.sql.WriteByte(',')
		}
		q.sql.WriteByte('(')
		for c := range cols {
			if c > 0 {
				q.sql.WriteByte(',')
			}
			q.sql.WriteByte('?')
		}
		q.sql.WriteByte(')')
	}
}

// add appends arguments in placeholder order.
func (q *stmt) add(args ...any) { q.args = append(q.args, args...) }

// chain writes parts as one PostgreSQL statement: every part but the last
// becomes a data-modifying CTE, which PostgreSQL runs exactly once whether or
// not it is referenced, in the same snapshot and all or nothing with the
// final statement.
func (q *stmt) chain(parts []part) {
	for i, p := range parts[:len(parts)-1] {
		if i == 0 {
			q.sql.WriteString("WITH ")
		} else {
			q.sql.WriteString(", ")
		}
		q.sql.WriteString("c" + strconv.Itoa(i) + " AS (")
		p(q)
		q.sql.WriteString(")")
	}
	if len(parts) > 1 {
		q.sql.WriteByte(' ')
	}
	parts[len(parts)-1](q)
}

// writeAll runs parts atomically in one round trip on PostgreSQL (one
// statement of CTEs) and in one transaction on SQLite, which has no
// data-modifying CTEs (SQLite transactions are local, so the extra
// statements cost no network round trips). It returns the driver error
// unmapped.
func (s *Store) writeAll(ctx context.Context, parts []part) error {
	switch {
	case len(parts) == 0:
		return nil
	case len(parts) == 1 || s.postgres():
		var q stmt
		q.chain(parts)
		return s.db.WithContext(ctx).Exec(q.sql.String(), q.args...).Error
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, p := range parts {
			q := stmt{orFail: true} // any error rolls the whole transaction back
			p(&q)
			if err := tx.Exec(q.sql.String(), q.args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// blob stores a nil slice as NULL and anything else, even empty, as bytes.
func blob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

package store

import (
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// hotQuery is a read on a hot path (token validation, introspection) kept
// in both dialects' forms, so that it runs on the reader pool directly,
// without gorm's statement building and callbacks: they cost about 4 µs of
// a 75 µs introspection to do what this does. Written once with "?"
// placeholders; PostgreSQL's form numbers them ($1, $2, ...), as gorm
// would. The SQL must hold no "?" other than placeholders.
type hotQuery struct{ sqlite, postgres string }

func newHotQuery(q string) hotQuery {
	var b strings.Builder
	n := 0
	for i := range len(q) {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		n++
		b.WriteString("$" + strconv.Itoa(n))
	}
	return hotQuery{sqlite: q, postgres: b.String()}
}

// hotRead returns the reader pool and q in its dialect. On SQLite the pool
// is gorm's prepared-statement cache (each statement prepared once per
// connection); on PostgreSQL it is the *sql.DB, and pgx prepares each
// statement once per connection itself (one round trip per query).
func (s *Store) hotRead(q hotQuery) (gorm.ConnPool, string) {
	if s.postgres() {
		return s.rdb.ConnPool, q.postgres
	}
	return s.rdb.ConnPool, q.sqlite
}

// Package store is the gorm implementation of the engines' persistence ports
// (oauth.TokenStore, oauth.FlowStore, oauth.Sweeper, keys.Store, and later
// consent.Store and dcr.ClientStore) on PostgreSQL for production and on an
// embedded, pure-Go SQLite file for `make run` and tests. It owns the schema
// and its versioned migrations (schema.go, migrate.go).
//
// Imports: the standard library, gorm and its two drivers, server/oauth,
// server/keys, consent and dcr. It must not import echo, server or an
// ecosystem; only server builds a Store and wires it.
//
// Invariants:
//
//   - Every table has a workspace column and every query filters on it,
//     including lookups by a globally unique id: a row of another workspace
//     is reported as not found.
//   - Methods return the ports' sentinels (oauth.ErrNotFound, ErrReplay,
//     ErrConflict, keys.ErrNotFound) wrapped with context, never gorm or
//     driver errors to match on (errors.go).
//   - Single-use values are enforced by the single_use primary key and
//     single-use records (PAR, login transitions) by conditional UPDATEs, so
//     they hold across several instances sharing one database, not just
//     within one process.
//   - Hot paths take one round trip on PostgreSQL: Issue and SavePAR are one
//     statement built of data-modifying CTEs, TakePAR one UPDATE ... RETURNING.
//     SQLite has no data-modifying CTEs, so there they are one local
//     transaction.
//   - Times are stored in UTC truncated to microseconds, PostgreSQL's
//     precision; on SQLite, UTC text timestamps compare in time order.
//
// SQLite runs in WAL mode with one writer connection (writers are serialised
// by SQLite anyway; a single connection queues them in Go instead of in
// busy-wait sleeps) and a small pool of query_only reader connections, which
// WAL lets run beside the writer. Transactions begin IMMEDIATE so two
// processes on one file wait for each other instead of failing.
package store

package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/openconsent/openconsent/server/keys"
	"github.com/openconsent/openconsent/server/oauth"
)

// Dialects returned by [Store.Dialect] and accepted by [Open].
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// Compile-time checks that Store implements every port it serves.
var (
	_ oauth.TokenStore = (*Store)(nil)
	_ oauth.FlowStore  = (*Store)(nil)
	_ oauth.Sweeper    = (*Store)(nil)
	_ keys.Store       = (*Store)(nil)
)

// Pool defaults. On PostgreSQL the idle pool equals the open pool so that a
// burst does not close and reopen connections. On SQLite there is exactly one
// writer connection (SQLite serialises writers anyway; one connection turns
// lock contention inside the process into a Go queue instead of busy-wait
// sleeps) and a small pool of read-only connections, which WAL lets run
// concurrently with the writer.
const (
	defaultPostgresConns = 20
	defaultSQLiteReaders = 4
)

// Store is the gorm implementation of the engines' persistence ports. It is
// safe for concurrent use; several Stores (in one or several processes) may
// share one database.
type Store struct {
	dialect string
	db      *gorm.DB // writes, and reads on PostgreSQL
	rdb     *gorm.DB // reads; the same as db on PostgreSQL
	now     func() time.Time
	issues  issueBatcher  // SQLite group commit of Issue
	ckpt    *checkpointer // SQLite WAL checkpoints off the writer
}

type options struct {
	now      func() time.Time
	maxConns int
}

// Option configures [Open].
type Option func(*options)

// WithClock sets the clock used for bookkeeping columns (schema_migrations.applied_at,
// logins.updated_at on creation). Defaults to time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithMaxOpenConns sets the connection pool size: all connections on
// PostgreSQL (default 20), read-only connections on SQLite (default 4; there
// is always exactly one SQLite writer connection). Zero keeps the default.
func WithMaxOpenConns(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxConns = n
		}
	}
}

// Open connects to a database. driver is "postgres" (dsn is a pgx URL or
// keyword/value string) or "sqlite" (dsn is a file path, optionally followed
// by "?" and go-sqlite parameters; the parent directory is created if
// missing). Open does not change the schema: call [Store.Migrate].
func Open(ctx context.Context, driver, dsn string, opts ...Option) (*Store, error) {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	s := &Store{dialect: driver, now: o.now}
	var err error
	switch driver {
	case DialectPostgres:
		err = s.openPostgres(dsn, o)
	case DialectSQLite:
		err = s.openSQLite(dsn, o)
	default:
		return nil, fmt.Errorf("store: unknown driver %q (want %q or %q)", driver, DialectPostgres, DialectSQLite)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// gormConfig is shared by both dialects. Statements are prepared once per
// connection and then executed by name, but not through gorm's statement
// cache (PrepareStmt) where transactions run: that cache can deadlock. A
// statement being prepared outside a transaction waits for a connection,
// while transactions holding every connection wait, holding gorm's cache
// lock, for that same statement to finish preparing. On SQLite's single
// writer connection one transaction is enough (TestIssueGroupCommitConcurrent
// hung that way about once in thirty runs under -race); on PostgreSQL it
// takes a full pool, under load, at a statement's first use.
//
//   - PostgreSQL: pgx's own statement cache (its default exec mode,
//     QueryExecModeCacheStatement) prepares each statement on a connection
//     the first time it runs there: a token request stays one round trip
//     (1.002 counted on the wire by cmd/oc-benchpeer -db postgres).
//   - SQLite writer: no cache (its hot statements are multi-row inserts whose
//     text changes with the group commit's batch size).
//   - SQLite readers: gorm's cache. They run no transactions, and the driver
//     keeps a cached statement prepared on its connection, so a read skips
//     SQLite's parser and planner.
func gormConfig(prepare bool) *gorm.Config {
	return &gorm.Config{
		SkipDefaultTransaction: true,
		PrepareStmt:            prepare,
		Logger:                 logger.Discard,
		DisableAutomaticPing:   true, // Open pings with the caller's context
	}
}

func (s *Store) openPostgres(dsn string, o options) error {
	db, err := gorm.Open(postgres.New(postgres.Config{DSN: dsn}), gormConfig(false))
	if err != nil {
		return fmt.Errorf("store: open postgres: %w", err)
	}
	n := o.maxConns
	if n == 0 {
		n = defaultPostgresConns
	}
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("store: open postgres: %w", err)
	}
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	s.db, s.rdb = db, db
	return nil
}

// sqlitePragmas are applied to every SQLite connection. WAL lets readers run
// beside the writer; synchronous=NORMAL is durable across application
// crashes in WAL mode (a power loss may drop the last commits); _txlock=immediate
// takes the write lock at BEGIN, so a transaction never has to upgrade a read
// lock and fail with SQLITE_BUSY when another process writes; _time_format
// writes times as "2006-01-02 15:04:05.999999999-07:00" (the driver's
// default is Go's time.String), which the store always gives in UTC, so
// that they compare as text in time order.
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)" +
	"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"

func (s *Store) openSQLite(dsn string, o options) error {
	path, query, _ := strings.Cut(dsn, "?")
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.Contains(query, "mode=memory") {
		return errors.New("store: sqlite needs a file path (an in-memory database cannot be shared by the writer and reader pools)")
	}
	if strings.HasPrefix(path, "file:") {
		return errors.New("store: sqlite DSN must be a plain file path, not a file: URI")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("store: create sqlite directory: %w", err)
		}
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return fmt.Errorf("store: sqlite DSN parameters: %w", err)
	}
	// The store relies on its own transaction mode and time format.
	for _, k := range []string{"_txlock", "_time_format"} {
		if q.Has(k) {
			return fmt.Errorf("store: sqlite DSN parameter %s is set by the store", k)
		}
	}
	base := path + "?" + sqlitePragmas
	if query != "" {
		base += "&" + query
	}
	w, err := gorm.Open(sqliteDialect{dsn: base + "&_pragma=wal_autocheckpoint(" + strconv.Itoa(writerAutoCheckpoint) + ")"}, gormConfig(false))
	if err != nil {
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	s.db = w
	wDB, err := w.DB()
	if err != nil {
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	wDB.SetMaxOpenConns(1)
	wDB.SetMaxIdleConns(1)

	r, err := gorm.Open(sqliteDialect{dsn: base + "&_pragma=query_only(1)"}, gormConfig(true))
	if err != nil {
		return errors.Join(fmt.Errorf("store: open sqlite readers: %w", err), wDB.Close())
	}
	s.rdb = r
	n := o.maxConns
	if n == 0 {
		n = defaultSQLiteReaders
	}
	rDB, err := r.DB()
	if err != nil {
		return errors.Join(fmt.Errorf("store: open sqlite readers: %w", err), wDB.Close())
	}
	rDB.SetMaxOpenConns(n)
	rDB.SetMaxIdleConns(n)
	if s.ckpt, err = startCheckpointer(base); err != nil {
		return errors.Join(fmt.Errorf("store: open sqlite checkpointer: %w", err), wDB.Close(), rDB.Close())
	}
	return nil
}

// Dialect returns "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	for _, db := range s.pools() {
		sqlDB, err := db.DB()
		if err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
		if err := sqlDB.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
	}
	return nil
}

// Close closes every connection of the Store.
func (s *Store) Close() error {
	var errs []error
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
		s.ckpt = nil
	}
	for _, db := range s.pools() {
		if sqlDB, err := db.DB(); err != nil {
			errs = append(errs, err)
		} else if err := sqlDB.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// pools returns the distinct connection pools of s.
func (s *Store) pools() []*gorm.DB {
	switch {
	case s.db == nil:
		return nil
	case s.rdb == nil || s.rdb == s.db:
		return []*gorm.DB{s.db}
	default:
		return []*gorm.DB{s.db, s.rdb}
	}
}

// postgres reports whether s talks to PostgreSQL.
func (s *Store) postgres() bool { return s.dialect == DialectPostgres }

// ts normalises a time for storage: UTC, so that SQLite's text timestamps
// compare in time order, and microseconds, PostgreSQL's precision, so both
// backends return the same value.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// optTS is ts for nullable columns.
func optTS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

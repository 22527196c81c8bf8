package store_test

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/openconsent/openconsent/store"
	"github.com/openconsent/openconsent/store/storetest"
)

// Environment variables of the PostgreSQL tests (see docs/style.md §7).
const (
	envPostgresDSN     = "OPENCONSENT_TEST_POSTGRES_DSN"
	envRequirePostgres = "REQUIRE_POSTGRES"
)

func TestStore(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		storetest.Run(t, sqliteDatabase)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		storetest.Run(t, postgresDatabase(t))
	})
}

// sqliteDatabase gives each test its own database file.
func sqliteDatabase(t *testing.T) (driver, dsn string) {
	return store.DialectSQLite, filepath.Join(t.TempDir(), "db", "openconsent.db")
}

// postgresDatabase returns a factory of fresh PostgreSQL schemas on the
// server named by OPENCONSENT_TEST_POSTGRES_DSN. Without it the test is
// skipped, or fails when REQUIRE_POSTGRES=1.
func postgresDatabase(t *testing.T) storetest.Database {
	t.Helper()
	admin := os.Getenv(envPostgresDSN)
	if admin == "" {
		if os.Getenv(envRequirePostgres) == "1" {
			t.Fatalf("%s=1 but %s is not set", envRequirePostgres, envPostgresDSN)
		}
		t.Skipf("%s is not set", envPostgresDSN)
	}
	return func(t *testing.T) (driver, dsn string) {
		return store.DialectPostgres, postgresSchema(t, admin)
	}
}

// postgresSchema creates a schema that is dropped when tb ends and returns
// a DSN whose search_path is that schema.
func postgresSchema(tb testing.TB, admin string) string {
	tb.Helper()
	schema := "oc_test_" + strings.ToLower(rand.Text())
	adminExec(tb, admin, "CREATE SCHEMA "+schema)
	tb.Cleanup(func() { adminExec(tb, admin, "DROP SCHEMA "+schema+" CASCADE") })
	return withSearchPath(tb, admin, schema)
}

// withSearchPath adds search_path, which pgx sends as a run-time parameter,
// to a URL or keyword/value DSN.
func withSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", envPostgresDSN, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// adminExec runs one statement on its own connection, so that it does not
// depend on any Store. It does not use t.Context, which is already canceled
// when cleanups run.
func adminExec(t testing.TB, dsn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", envPostgresDSN, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

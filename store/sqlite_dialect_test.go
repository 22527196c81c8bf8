package store

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

func TestSQLiteDialectQuote(t *testing.T) {
	for give, want := range map[string]string{"tokens": "`tokens`", "a`b": "`a``b`", "": "``"} {
		var b strings.Builder
		sqliteDialect{}.QuoteTo(&b, give)
		if b.String() != want {
			t.Errorf("QuoteTo(%q) = %s, want %s", give, b.String(), want)
		}
	}
}

// Times are written as "2006-01-02 15:04:05.999999999-07:00": the format
// the store's databases were written in before the driver change (rows of
// both must compare as text in time order, as the sweep and the expiry
// checks compare them in SQL) and one SQLite's date functions read. The
// driver's default, Go's time.String, is neither.
func TestSQLiteTimeFormat(t *testing.T) {
	db, err := gorm.Open(sqliteDialect{dsn: filepath.Join(t.TempDir(), "t.db") + "?" + sqlitePragmas}, gormConfig(false))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	}()
	if err := db.Exec("CREATE TABLE ts (at DATETIME NOT NULL)").Error; err != nil {
		t.Fatal(err)
	}
	at := ts(time.Date(2026, 11, 22, 10, 0, 0, 500_000_000, time.UTC))
	if err := db.Exec("INSERT INTO ts (at) VALUES (?)", at).Error; err != nil {
		t.Fatal(err)
	}
	var text string
	var julian *float64
	if err := db.Raw("SELECT CAST(at AS TEXT), julianday(at) FROM ts").Row().Scan(&text, &julian); err != nil {
		t.Fatal(err)
	}
	if want := "2026-11-22 10:00:00.5+00:00"; text != want {
		t.Errorf("stored %q, want %q", text, want)
	}
	if julian == nil {
		t.Error("julianday(at) is NULL: SQLite cannot read the stored time")
	}
	var got time.Time
	if err := db.Raw("SELECT at FROM ts").Row().Scan(&got); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(at) {
		t.Errorf("read back %v, want %v", got, at)
	}
}

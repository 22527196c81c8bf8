package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	sqlite "modernc.org/sqlite"
)

// SQLite extended result codes for unique violations
// (https://www.sqlite.org/rescode.html#constraint_primarykey).
const (
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// pgUniqueViolation is the SQLSTATE of a unique violation.
const pgUniqueViolation = "23505"

// uniqueViolation reports whether err is a unique or primary-key violation
// and, if so, on which table.
func uniqueViolation(err error) (table string, ok bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.TableName, pgErr.Code == pgUniqueViolation
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() {
		case sqliteConstraintPrimaryKey, sqliteConstraintUnique:
			// "... UNIQUE constraint failed: single_use.workspace, single_use.kind, ..."
			const marker = "constraint failed: "
			msg := liteErr.Error()
			if i := strings.LastIndex(msg, marker); i >= 0 {
				table, _, _ = strings.Cut(msg[i+len(marker):], ".")
			}
			return table, true
		}
	}
	return "", false
}

// wrap adds op to a driver error. Callers match port sentinels only, so the
// cause is kept for logs; gorm's ErrRecordNotFound (never produced by the raw
// queries used here) is turned into sql.ErrNoRows so it cannot leak.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		err = sql.ErrNoRows
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// noRows maps a missing row to the port's not-found sentinel.
func noRows(op string, err, sentinel error) error {
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("store: %s: %w", op, sentinel)
	}
	return wrap(op, err)
}

// duplicate maps a unique violation on table to the port's sentinel; other
// unique violations (a colliding random id) stay plain wrapped errors.
func duplicate(op string, err error, table string, sentinel error) error {
	if t, ok := uniqueViolation(err); ok && t == table {
		return fmt.Errorf("store: %s: %w", op, sentinel)
	}
	return wrap(op, err)
}

package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Migrate applies every pending migration, each in its own transaction
// together with its schema_migrations row, so a failed migration leaves the
// previous version intact. It is idempotent and safe when several instances
// start together: on PostgreSQL a transaction-scoped advisory lock (keyed by
// the current schema) serialises migrators; on SQLite every transaction
// begins IMMEDIATE and so holds the database write lock. A database already
// at a newer version than this binary knows is left alone, so an older
// instance keeps running during a rolling upgrade.
func (s *Store) Migrate(ctx context.Context) error {
	for {
		applied, err := s.migrateNext(ctx)
		if err != nil {
			return err
		}
		if !applied {
			return nil
		}
	}
}

// migrateNext applies the first pending migration, if any, and reports
// whether it did.
func (s *Store) migrateNext(ctx context.Context) (bool, error) {
	applied := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.postgres() {
			err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext('openconsent.migrate.' || current_schema()))").Error
			if err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if err := tx.Exec(s.migrationsTableDDL()).Error; err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var current int
		if err := tx.Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Row().Scan(&current); err != nil {
			return fmt.Errorf("read version: %w", err)
		}
		for _, m := range migrations() {
			if m.version <= current {
				continue
			}
			stmts := m.sqlite
			if s.postgres() {
				stmts = m.postgres
			}
			for _, q := range stmts {
				if err := tx.Exec(q).Error; err != nil {
					return fmt.Errorf("version %d (%s): %w", m.version, m.name, err)
				}
			}
			err := tx.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", m.version, ts(s.now())).Error
			if err != nil {
				return fmt.Errorf("record version %d: %w", m.version, err)
			}
			applied = true
			return nil
		}
		return nil
	})
	if err != nil {
		return false, wrap("migrate", err)
	}
	return applied, nil
}

func (s *Store) migrationsTableDDL() string {
	if s.postgres() {
		return "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)"
	}
	return "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at DATETIME NOT NULL)"
}

// SchemaVersion returns the latest applied migration, 0 for an empty
// database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	db := s.db.WithContext(ctx)
	var exists bool
	q := "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
	if s.postgres() {
		q = "SELECT to_regclass('schema_migrations') IS NOT NULL"
	}
	if err := db.Raw(q).Row().Scan(&exists); err != nil {
		return 0, wrap("schema version", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := db.Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Row().Scan(&v); err != nil {
		return 0, wrap("schema version", err)
	}
	return v, nil
}

// LatestSchemaVersion is the schema version this binary migrates to.
func LatestSchemaVersion() int {
	ms := migrations()
	return ms[len(ms)-1].version
}

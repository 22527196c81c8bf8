package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/openconsent/openconsent/server/keys"
)

const keyColumns = "id, workspace, alg, use, state, private_enc, public_jwk, created_at, retired_at, publish_until"

// Keys implements [keys.Store]: every key of the workspace, oldest first.
func (s *Store) Keys(ctx context.Context, workspace string) ([]keys.Record, error) {
	rows, err := s.rdb.WithContext(ctx).Raw("SELECT "+keyColumns+" FROM workspace_keys WHERE workspace = ?"+
		" ORDER BY created_at, id", workspace).Rows()
	if err != nil {
		return nil, wrap("keys", err)
	}
	defer rows.Close()
	var out []keys.Record
	for rows.Next() {
		var (
			r                keys.Record
			created          time.Time
			retired, publish sql.NullTime
		)
		if err := rows.Scan(&r.ID, &r.Workspace, &r.Alg, &r.Use, &r.State, &r.PrivateEnc, &r.PublicJWK,
			&created, &retired, &publish); err != nil {
			return nil, wrap("keys", err)
		}
		r.CreatedAt = created.UTC()
		r.RetiredAt = nullTime(retired)
		r.PublishUntil = nullTime(publish)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("keys", err)
	}
	return out, nil
}

// CreateKey implements [keys.Store]. Key ids are unique across workspaces.
func (s *Store) CreateKey(ctx context.Context, r keys.Record) error {
	if r.Workspace == "" || r.ID == "" {
		return errors.New("store: create key: empty workspace or id")
	}
	err := s.db.WithContext(ctx).Exec("INSERT INTO workspace_keys ("+keyColumns+") VALUES (?,?,?,?,?,?,?,?,?,?)",
		r.ID, r.Workspace, r.Alg, r.Use, r.State, blob(r.PrivateEnc), blob(r.PublicJWK),
		ts(r.CreatedAt), optTS(r.RetiredAt), optTS(r.PublishUntil)).Error
	return wrap("create key", err)
}

// RetireKey implements [keys.Store] as one conditional UPDATE.
func (s *Store) RetireKey(ctx context.Context, workspace, id string, at, publishUntil time.Time) error {
	res := s.db.WithContext(ctx).Exec("UPDATE workspace_keys SET state = ?, retired_at = ?, publish_until = ?"+
		" WHERE workspace = ? AND id = ? AND state = ?",
		keys.StateRetired, ts(at), ts(publishUntil), workspace, id, keys.StateActive)
	switch {
	case res.Error != nil:
		return wrap("retire key", res.Error)
	case res.RowsAffected == 0:
		return fmt.Errorf("store: retire key %q: %w", id, keys.ErrNotFound)
	}
	return nil
}

// DeleteUnpublished implements [keys.Store].
func (s *Store) DeleteUnpublished(ctx context.Context, workspace string, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec("DELETE FROM workspace_keys WHERE workspace = ? AND state = ?"+
		" AND publish_until < ?", workspace, keys.StateRetired, ts(now))
	if res.Error != nil {
		return 0, wrap("delete unpublished keys", res.Error)
	}
	return res.RowsAffected, nil
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

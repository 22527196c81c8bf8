package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/openconsent/openconsent/server/oauth"
)

// SavePAR implements [oauth.FlowStore]: one statement on PostgreSQL, one
// transaction on SQLite; a reused Once value is an *oauth.ReplayError
// (errors.Is oauth.ErrReplay) and writes nothing.
func (s *Store) SavePAR(ctx context.Context, workspace string, once []oauth.SingleUse, par oauth.PARRecord) error {
	if par.Workspace != "" && par.Workspace != workspace {
		return fmt.Errorf("store: save par: record belongs to workspace %q, not %q", par.Workspace, workspace)
	}
	var parts []part
	if len(once) > 0 {
		parts = append(parts, insertOnce(workspace, once))
	}
	parts = append(parts, func(q *stmt) {
		q.sql.WriteString("INSERT INTO par_requests (id, workspace, client_id, request, expires_at, used) VALUES (?,?,?,?,?,false)")
		q.add(par.ID, workspace, par.ClientID, blob(par.Request), ts(par.ExpiresAt))
	})
	return s.onceErr(ctx, "save par", s.writeAll(ctx, parts), workspace, once)
}

// TakePAR implements [oauth.FlowStore] with one conditional UPDATE ...
// RETURNING, so exactly one caller across instances gets the record
// (RFC 9126 §2.2: request_uri is single use).
func (s *Store) TakePAR(ctx context.Context, workspace, id string, now time.Time) (*oauth.PARRecord, error) {
	p := oauth.PARRecord{ID: id, Workspace: workspace}
	var exp time.Time
	err := s.db.WithContext(ctx).Raw("UPDATE par_requests SET used = true"+
		" WHERE workspace = ? AND id = ? AND used = false AND expires_at > ?"+
		" RETURNING client_id, request, expires_at", workspace, id, ts(now)).
		Row().Scan(&p.ClientID, &p.Request, &exp)
	if err != nil {
		return nil, noRows("take par", err, oauth.ErrNotFound)
	}
	p.ExpiresAt = exp.UTC()
	return &p, nil
}

const loginColumns = "id, workspace, client_id, request, browser_hash, state, decision, expires_at"

// CreateLogin implements [oauth.FlowStore]. An id that exists already is
// oauth.ErrConflict.
func (s *Store) CreateLogin(ctx context.Context, l oauth.LoginRecord) error {
	if l.Workspace == "" {
		return errors.New("store: create login: empty workspace")
	}
	err := s.db.WithContext(ctx).Exec("INSERT INTO logins ("+loginColumns+", updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
		l.ID, l.Workspace, l.ClientID, blob(l.Request), l.BrowserHash, l.State, blob(l.Decision),
		ts(l.ExpiresAt), ts(s.now())).Error
	return duplicate("create login", err, "logins", oauth.ErrConflict)
}

// Login implements [oauth.FlowStore].
func (s *Store) Login(ctx context.Context, workspace, id string, now time.Time) (*oauth.LoginRecord, error) {
	var (
		l   oauth.LoginRecord
		exp time.Time
	)
	err := s.rdb.WithContext(ctx).Raw("SELECT "+loginColumns+" FROM logins WHERE workspace = ? AND id = ? AND expires_at > ?",
		workspace, id, ts(now)).Row().
		Scan(&l.ID, &l.Workspace, &l.ClientID, &l.Request, &l.BrowserHash, &l.State, &l.Decision, &exp)
	if err != nil {
		return nil, noRows("login", err, oauth.ErrNotFound)
	}
	l.ExpiresAt = exp.UTC()
	return &l, nil
}

// TransitionLogin implements [oauth.FlowStore] as one conditional UPDATE; only
// when it changes nothing does a second query tell ErrNotFound (absent or
// expired) from ErrConflict (another state).
func (s *Store) TransitionLogin(ctx context.Context, workspace, id, from, to string, decision []byte, now time.Time) error {
	var q stmt
	q.sql.WriteString("UPDATE logins SET state = ?, updated_at = ?")
	q.add(to, ts(now))
	if decision != nil {
		q.sql.WriteString(", decision = ?")
		q.add(decision)
	}
	q.sql.WriteString(" WHERE workspace = ? AND id = ? AND state = ? AND expires_at > ?")
	q.add(workspace, id, from, ts(now))
	res := s.db.WithContext(ctx).Exec(q.sql.String(), q.args...)
	if res.Error != nil {
		return wrap("transition login", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var n int64
	err := s.db.WithContext(ctx).Raw("SELECT count(*) FROM logins WHERE workspace = ? AND id = ? AND expires_at > ?",
		workspace, id, ts(now)).Row().Scan(&n)
	switch {
	case err != nil:
		return wrap("transition login", err)
	case n == 0:
		return fmt.Errorf("store: transition login: %w", oauth.ErrNotFound)
	}
	return fmt.Errorf("store: transition login %s -> %s: %w", from, to, oauth.ErrConflict)
}

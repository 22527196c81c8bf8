package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/openconsent/openconsent/server/oauth"
)

// errEmptyFilter is returned by Revoke for a filter with no field set, which
// would otherwise revoke every token of the workspace.
var errEmptyFilter = errors.New("store: revoke: empty filter")

const tokenColumns = "id, workspace, kind, grant_id, client_id, subject, scope, consent_id, " +
	"jkt, x5t, issued_at, expires_at, revoked, data"

// Issue implements [oauth.TokenStore]: on PostgreSQL one statement (the
// single-use inserts and the revocation are CTEs of the token insert), on
// SQLite one transaction, shared by concurrent calls (group commit, see
// issueBatcher). A unique violation on single_use aborts everything
// and becomes an *oauth.ReplayError (errors.Is oauth.ErrReplay). A single-use
// row counts until Sweep removes it, even past its ExpiresAt. RevokeIDs are
// revoked if present and not yet revoked; ids that are not are ignored.
func (s *Store) Issue(ctx context.Context, workspace string, is oauth.Issuance) error {
	for _, t := range is.Tokens {
		if t.Workspace != "" && t.Workspace != workspace {
			return fmt.Errorf("store: issue: token %q belongs to workspace %q, not %q", t.ID, t.Workspace, workspace)
		}
	}
	var parts []part
	if len(is.Once) > 0 {
		parts = append(parts, insertOnce(workspace, is.Once))
	}
	if len(is.RevokeIDs) > 0 {
		parts = append(parts, revokeIDs(workspace, is.RevokeIDs))
	}
	if len(is.Tokens) > 0 {
		parts = append(parts, insertTokens(workspace, is.Tokens))
	}
	return s.onceErr(ctx, "issue", s.writeIssue(ctx, workspace, is, parts), workspace, is.Once)
}

func revokeIDs(workspace string, ids []string) part {
	return func(q *stmt) {
		q.sql.WriteString(q.verb("UPDATE") + " tokens SET revoked = true WHERE workspace = ? AND revoked = false AND id IN ")
		q.tuples(1, len(ids))
		q.add(workspace)
		for _, id := range ids {
			q.add(id)
		}
	}
}

func insertTokens(workspace string, toks []oauth.TokenRecord) part {
	return func(q *stmt) {
		q.sql.WriteString(q.verb("INSERT") + " INTO tokens (" + tokenColumns + ") VALUES ")
		q.tuples(len(toks), 14)
		for _, t := range toks {
			tokenArgs(q, workspace, t)
		}
	}
}

// tokenArgs adds the values of one tokens row, in tokenColumns order.
func tokenArgs(q *stmt, workspace string, t oauth.TokenRecord) {
	q.add(t.ID, workspace, string(t.Kind), t.GrantID, t.ClientID, t.Subject, t.Scope, t.ConsentID,
		t.JKT, t.X5T, ts(t.IssuedAt), ts(t.ExpiresAt), t.Revoked, blob(t.Data))
}

// Token implements [oauth.TokenStore]. It returns revoked and expired tokens
// too; the caller decides what they mean.
func (s *Store) Token(ctx context.Context, workspace, id string) (*oauth.TokenRecord, error) {
	pool, q := s.hotRead(tokenByID)
	t, err := scanToken(pool.QueryRowContext(ctx, q, workspace, id))
	if err != nil {
		return nil, noRows("token", err, oauth.ErrNotFound)
	}
	return t, nil
}

var (
	tokenByID          = newHotQuery("SELECT " + tokenColumns + " FROM tokens WHERE workspace = ? AND id = ?")
	accessTokenAndMark = newHotQuery("SELECT " + tokenColumns + " FROM tokens WHERE workspace = ? AND id IN (?, ?)")
)

// scanToken reads one tokens row selected as tokenColumns.
func scanToken(row interface{ Scan(...any) error }) (*oauth.TokenRecord, error) {
	var (
		t        oauth.TokenRecord
		kind     string
		iat, exp time.Time
	)
	if err := row.Scan(&t.ID, &t.Workspace, &kind, &t.GrantID, &t.ClientID, &t.Subject, &t.Scope,
		&t.ConsentID, &t.JKT, &t.X5T, &iat, &exp, &t.Revoked, &t.Data); err != nil {
		return nil, err
	}
	t.Kind = oauth.TokenKind(kind)
	t.IssuedAt, t.ExpiresAt = iat.UTC(), exp.UTC()
	return &t, nil
}

// AccessToken implements [oauth.TokenStore]: the token's row and the
// client's revocation mark in one query.
func (s *Store) AccessToken(ctx context.Context, workspace, id, clientID string) (*oauth.TokenRecord, time.Time, error) {
	pool, q := s.hotRead(accessTokenAndMark)
	rows, err := pool.QueryContext(ctx, q, workspace, id, oauth.ClientRevocationID(workspace, clientID))
	if err != nil {
		return nil, time.Time{}, wrap("access token", err)
	}
	defer rows.Close()
	var (
		tok       *oauth.TokenRecord
		revokedAt time.Time
	)
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, time.Time{}, wrap("access token", err)
		}
		switch {
		case t.ID == id:
			tok = t
		case t.Kind == oauth.KindClientRevocation && t.ClientID == clientID:
			revokedAt = t.IssuedAt
		}
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, wrap("access token", err)
	}
	return tok, revokedAt, nil
}

// RevokeAccessToken implements [oauth.TokenStore] with one upsert: a
// stateless token gets a revoked row with its own fields; on an existing row
// (a stored token, or a second revocation) only revoked is set. A row with that id in another workspace is left alone
// and, as in Issue, the id collision is an error.
func (s *Store) RevokeAccessToken(ctx context.Context, workspace string, rec oauth.TokenRecord) error {
	rec.Revoked = true
	var q stmt
	q.sql.WriteString("INSERT INTO tokens (" + tokenColumns + ") VALUES ")
	q.tuples(1, 14)
	tokenArgs(&q, workspace, rec)
	q.sql.WriteString(" ON CONFLICT (id) DO UPDATE SET revoked = true WHERE tokens.workspace = excluded.workspace")
	res := s.db.WithContext(ctx).Exec(q.sql.String(), q.args...)
	if res.Error != nil {
		return wrap("revoke access token", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: revoke access token: token %q belongs to another workspace than %q", rec.ID, workspace)
	}
	return nil
}

// Revoke implements [oauth.TokenStore]. It counts only tokens that were not
// revoked before.
func (s *Store) Revoke(ctx context.Context, workspace string, f oauth.RevokeFilter) (int64, error) {
	var q stmt
	q.sql.WriteString("UPDATE tokens SET revoked = true WHERE workspace = ? AND revoked = false")
	q.add(workspace)
	for _, c := range []struct{ col, val string }{
		{"id", f.ID}, {"grant_id", f.GrantID}, {"consent_id", f.ConsentID}, {"client_id", f.ClientID},
	} {
		if c.val != "" {
			q.sql.WriteString(" AND " + c.col + " = ?")
			q.add(c.val)
		}
	}
	if len(q.args) == 1 {
		return 0, errEmptyFilter
	}
	res := s.db.WithContext(ctx).Exec(q.sql.String(), q.args...)
	if res.Error != nil {
		return 0, wrap("revoke", res.Error)
	}
	return res.RowsAffected, nil
}

package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/openconsent/openconsent/consent"
)

var _ consent.Store = (*Store)(nil)

const consentColumns = "workspace, id, client_id, ecosystem, kind, status, subject, permissions, resources, " +
	"expires_at, payload, version, created_at, updated_at, status_updated_at"

// CreateConsent implements [consent.Store].
func (s *Store) CreateConsent(ctx context.Context, c *consent.Consent, idem *consent.Idempotency, audit consent.AuditEvent) (*consent.Consent, bool, error) {
	var existing string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if idem != nil {
			var id, hash string
			var exp time.Time
			err := tx.Raw("SELECT consent_id, request_hash, expires_at FROM idempotency_keys WHERE workspace = ? AND client_id = ? AND key = ?",
				c.Workspace, c.ClientID, idem.Key).Row().Scan(&id, &hash, &exp)
			switch {
			case err == nil && exp.After(c.CreatedAt):
				if hash != idem.RequestHash {
					return consent.ErrIdempotencyMismatch
				}
				existing = id
				return nil
			case err == nil:
				// expired key: reuse it for the new consent
				if err := tx.Exec("DELETE FROM idempotency_keys WHERE workspace = ? AND client_id = ? AND key = ?",
					c.Workspace, c.ClientID, idem.Key).Error; err != nil {
					return err
				}
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
			if err := tx.Exec("INSERT INTO idempotency_keys (workspace, client_id, key, request_hash, consent_id, expires_at) VALUES (?,?,?,?,?,?)",
				c.Workspace, c.ClientID, idem.Key, idem.RequestHash, c.ID, ts(idem.ExpiresAt)).Error; err != nil {
				return err
			}
		}
		perms, _ := json.Marshal(nonNil(c.Permissions))
		res, _ := json.Marshal(nonNil(c.Resources))
		if err := tx.Exec("INSERT INTO consents ("+consentColumns+") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			c.Workspace, c.ID, c.ClientID, c.Ecosystem, string(c.Kind), string(c.Status), c.Subject, string(perms), string(res),
			tsPtr(c.ExpiresAt), blob(c.Payload), c.Version, ts(c.CreatedAt), ts(c.UpdatedAt), ts(c.StatusUpdatedAt)).Error; err != nil {
			return err
		}
		if err := insertTransition(tx, c.Workspace, consent.Transition{ConsentID: c.ID, To: c.Status, Event: "create", Actor: audit.Actor, At: c.CreatedAt}); err != nil {
			return err
		}
		return insertAudit(tx, audit)
	})
	if errors.Is(err, consent.ErrIdempotencyMismatch) {
		return nil, false, err
	}
	if err != nil {
		if _, dup := uniqueViolation(err); dup && idem != nil {
			// A concurrent request with the same key won: return its consent.
			return s.idempotentRetry(ctx, c, idem)
		}
		return nil, false, wrap("create consent", err)
	}
	if existing != "" {
		out, err := s.Consent(ctx, c.Workspace, existing)
		return out, false, err
	}
	return c, true, nil
}

func (s *Store) idempotentRetry(ctx context.Context, c *consent.Consent, idem *consent.Idempotency) (*consent.Consent, bool, error) {
	var id, hash string
	err := s.db.WithContext(ctx).Raw("SELECT consent_id, request_hash FROM idempotency_keys WHERE workspace = ? AND client_id = ? AND key = ?",
		c.Workspace, c.ClientID, idem.Key).Row().Scan(&id, &hash)
	if err != nil {
		return nil, false, wrap("create consent", err)
	}
	if hash != idem.RequestHash {
		return nil, false, consent.ErrIdempotencyMismatch
	}
	out, err := s.Consent(ctx, c.Workspace, id)
	return out, false, err
}

func insertTransition(tx *gorm.DB, workspace string, t consent.Transition) error {
	return tx.Exec("INSERT INTO consent_transitions (workspace, consent_id, from_status, to_status, event, actor, reason, at) VALUES (?,?,?,?,?,?,?,?)",
		workspace, t.ConsentID, string(t.From), string(t.To), string(t.Event), t.Actor, t.Reason, ts(t.At)).Error
}

func insertAudit(tx *gorm.DB, a consent.AuditEvent) error {
	return tx.Exec("INSERT INTO audit_events (workspace, actor, action, object, detail, at) VALUES (?,?,?,?,?,?)",
		a.Workspace, a.Actor, a.Action, a.Object, blob(a.Detail), ts(a.At)).Error
}

// Consent implements [consent.Store].
func (s *Store) Consent(ctx context.Context, workspace, id string) (*consent.Consent, error) {
	row := s.rdb.WithContext(ctx).Raw("SELECT "+consentColumns+" FROM consents WHERE workspace = ? AND id = ?", workspace, id).Row()
	c, err := scanConsent(row)
	if err != nil {
		return nil, noRows("consent", err, consent.ErrNotFound)
	}
	return c, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanConsent(r scanner) (*consent.Consent, error) {
	var (
		c                  consent.Consent
		kind, status       string
		perms, res         string
		exp                sql.NullTime
		created, upd, stat time.Time
	)
	if err := r.Scan(&c.Workspace, &c.ID, &c.ClientID, &c.Ecosystem, &kind, &status, &c.Subject, &perms, &res,
		&exp, &c.Payload, &c.Version, &created, &upd, &stat); err != nil {
		return nil, err
	}
	c.Kind, c.Status = consent.Kind(kind), consent.Status(status)
	_ = json.Unmarshal([]byte(perms), &c.Permissions)
	_ = json.Unmarshal([]byte(res), &c.Resources)
	if exp.Valid {
		t := exp.Time.UTC()
		c.ExpiresAt = &t
	}
	c.CreatedAt, c.UpdatedAt, c.StatusUpdatedAt = created.UTC(), upd.UTC(), stat.UTC()
	return &c, nil
}

// History implements [consent.Store].
func (s *Store) History(ctx context.Context, workspace, id string) ([]consent.Transition, error) {
	rows, err := s.rdb.WithContext(ctx).Raw("SELECT from_status, to_status, event, actor, reason, at FROM consent_transitions WHERE workspace = ? AND consent_id = ? ORDER BY seq",
		workspace, id).Rows()
	if err != nil {
		return nil, wrap("history", err)
	}
	defer rows.Close()
	var out []consent.Transition
	for rows.Next() {
		var t consent.Transition
		var from, to, ev string
		if err := rows.Scan(&from, &to, &ev, &t.Actor, &t.Reason, &t.At); err != nil {
			return nil, wrap("history", err)
		}
		t.ConsentID, t.From, t.To, t.Event, t.At = id, consent.Status(from), consent.Status(to), consent.Event(ev), t.At.UTC()
		out = append(out, t)
	}
	return out, wrap("history", rows.Err())
}

// ApplyChange implements [consent.Store]: the conditional update, the history
// entry, the audit event and the token revocation commit together.
func (s *Store) ApplyChange(ctx context.Context, ch consent.Change) (*consent.Consent, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var q stmt
		q.sql.WriteString("UPDATE consents SET status = ?, version = version + 1, updated_at = ?, status_updated_at = ?")
		q.add(string(ch.To), ts(ch.At), ts(ch.At))
		if ch.Subject != nil {
			q.sql.WriteString(", subject = ?")
			q.add(*ch.Subject)
		}
		if ch.Resources != nil {
			b, _ := json.Marshal(ch.Resources)
			q.sql.WriteString(", resources = ?")
			q.add(string(b))
		}
		if ch.Permissions != nil {
			b, _ := json.Marshal(ch.Permissions)
			q.sql.WriteString(", permissions = ?")
			q.add(string(b))
		}
		if ch.ExpiresAt != nil {
			q.sql.WriteString(", expires_at = ?")
			q.add(ts(*ch.ExpiresAt))
		}
		if ch.Payload != nil {
			q.sql.WriteString(", payload = ?")
			q.add(ch.Payload)
		}
		q.sql.WriteString(" WHERE workspace = ? AND id = ? AND version = ? AND status = ?")
		q.add(ch.Workspace, ch.ID, ch.FromVersion, string(ch.FromStatus))
		res := tx.Exec(q.sql.String(), q.args...)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return consent.ErrConflict
		}
		if err := insertTransition(tx, ch.Workspace, ch.Transition); err != nil {
			return err
		}
		if err := insertAudit(tx, ch.Audit); err != nil {
			return err
		}
		if err := insertNotifications(tx, ch.Notifications); err != nil {
			return err
		}
		if ch.RevokeTokens {
			return tx.Exec("UPDATE tokens SET revoked = true WHERE workspace = ? AND consent_id = ? AND revoked = false", ch.Workspace, ch.ID).Error
		}
		return nil
	})
	if errors.Is(err, consent.ErrConflict) {
		if _, gerr := s.Consent(ctx, ch.Workspace, ch.ID); errors.Is(gerr, consent.ErrNotFound) {
			return nil, gerr
		}
		return nil, fmt.Errorf("store: apply change: %w", consent.ErrConflict)
	}
	if err != nil {
		return nil, wrap("apply change", err)
	}
	return s.Consent(ctx, ch.Workspace, ch.ID)
}

// ListConsents implements [consent.Store] with keyset pagination on
// (created_at, id) descending: one indexed range scan per page, whatever the
// page number.
func (s *Store) ListConsents(ctx context.Context, workspace string, f consent.Filter) ([]consent.Consent, string, error) {
	var q stmt
	q.sql.WriteString("SELECT " + consentColumns + " FROM consents WHERE workspace = ?")
	q.add(workspace)
	for _, c := range []struct{ col, val string }{
		{"subject", f.Subject}, {"client_id", f.ClientID}, {"status", string(f.Status)}, {"kind", string(f.Kind)},
	} {
		if c.val != "" {
			q.sql.WriteString(" AND " + c.col + " = ?")
			q.add(c.val)
		}
	}
	return keysetPage(ctx, s, &q, "list consents", f.After, f.Limit, consent.Invalid("after", "the cursor is malformed"), scanConsent,
		func(c *consent.Consent) (time.Time, string) { return c.CreatedAt, c.ID })
}

func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + "|" + id))
}

func decodeCursor(s string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", err
	}
	us, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return time.Time{}, "", errors.New("bad cursor")
	}
	n, err := strconv.ParseInt(us, 10, 64)
	if err != nil {
		return time.Time{}, "", err
	}
	return time.UnixMicro(n).UTC(), id, nil
}

// DueForExpiry implements [consent.Store].
func (s *Store) DueForExpiry(ctx context.Context, workspace string, now time.Time, limit int) ([]consent.Consent, error) {
	rows, err := s.rdb.WithContext(ctx).Raw("SELECT "+consentColumns+" FROM consents WHERE workspace = ? AND status IN ('awaiting_authorisation', 'authorised') AND expires_at IS NOT NULL AND expires_at <= ? LIMIT ?",
		workspace, ts(now), limit).Rows()
	if err != nil {
		return nil, wrap("due for expiry", err)
	}
	defer rows.Close()
	var out []consent.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, wrap("due for expiry", err)
		}
		out = append(out, *c)
	}
	return out, wrap("due for expiry", rows.Err())
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

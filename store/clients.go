package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	sqlite "modernc.org/sqlite"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/server/oauth"
)

var (
	_ dcr.ClientStore = (*Store)(nil)
	_ dcr.ClientAdmin = (*Store)(nil)
	_ dcr.ReplayGuard = (*Store)(nil)
)

const clientColumns = "workspace, id, software_id, unique_software, status, metadata, software_statement, " +
	"rat_hash, rat_expires_at, created_at, updated_at"

// CreateClient implements [dcr.ClientStore]. The partial unique index
// clients_software_idx decides a race between instances: the loser's
// insert fails and becomes dcr.ErrDuplicateSoftwareID.
func (s *Store) CreateClient(ctx context.Context, c *dcr.Client, audit consent.AuditEvent) error {
	md, err := json.Marshal(c.Metadata)
	if err != nil {
		return fmt.Errorf("store: create client: %w", err)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("INSERT INTO clients ("+clientColumns+") VALUES (?,?,?,?,?,?,?,?,?,?,?)",
			c.Workspace, c.ID, c.SoftwareID, c.UniqueSoftwareID, string(c.Status), md, c.SoftwareStatement,
			c.RATHash, tsPtr(c.RATExpiresAt), ts(c.CreatedAt), ts(c.UpdatedAt)).Error; err != nil {
			return err
		}
		return insertAudit(tx, audit)
	})
	if softwareDuplicate(err) {
		return fmt.Errorf("store: create client: %w", dcr.ErrDuplicateSoftwareID)
	}
	return wrap("create client", err)
}

// softwareDuplicate reports whether err is a violation of
// clients_software_idx (and not, say, of the primary key).
func softwareDuplicate(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == pgUniqueViolation && pgErr.ConstraintName == "clients_software_idx"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) && liteErr.Code() == sqliteConstraintUnique {
		// "UNIQUE constraint failed: clients.workspace, clients.software_id"
		return strings.Contains(liteErr.Error(), "clients.software_id")
	}
	return false
}

// Client implements [dcr.ClientStore].
func (s *Store) Client(ctx context.Context, workspace, id string) (*dcr.Client, error) {
	row := s.rdb.WithContext(ctx).Raw("SELECT "+clientColumns+" FROM clients WHERE workspace = ? AND id = ?", workspace, id).Row()
	c, err := scanClient(row)
	if err != nil {
		return nil, noRows("client", err, dcr.ErrNotFound)
	}
	return c, nil
}

// ClientBySoftwareID implements [dcr.ClientStore]: the newest registration
// of the software that is not Rejected.
func (s *Store) ClientBySoftwareID(ctx context.Context, workspace, softwareID string) (*dcr.Client, error) {
	row := s.rdb.WithContext(ctx).Raw("SELECT "+clientColumns+" FROM clients WHERE workspace = ? AND software_id = ? AND status <> ? ORDER BY created_at DESC, id DESC LIMIT 1",
		workspace, softwareID, string(dcr.StatusRejected)).Row()
	c, err := scanClient(row)
	if err != nil {
		return nil, noRows("client by software_id", err, dcr.ErrNotFound)
	}
	return c, nil
}

// UpdateClient implements [dcr.ClientStore].
func (s *Store) UpdateClient(ctx context.Context, c *dcr.Client, audit consent.AuditEvent) error {
	md, err := json.Marshal(c.Metadata)
	if err != nil {
		return fmt.Errorf("store: update client: %w", err)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE clients SET software_id = ?, status = ?, metadata = ?, software_statement = ?, rat_hash = ?, rat_expires_at = ?, updated_at = ? WHERE workspace = ? AND id = ?",
			c.SoftwareID, string(c.Status), md, c.SoftwareStatement, c.RATHash, tsPtr(c.RATExpiresAt), ts(c.UpdatedAt), c.Workspace, c.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return dcr.ErrNotFound
		}
		return insertAudit(tx, audit)
	})
	if errors.Is(err, dcr.ErrNotFound) {
		return fmt.Errorf("store: update client: %w", err)
	}
	if softwareDuplicate(err) {
		return fmt.Errorf("store: update client: %w", dcr.ErrDuplicateSoftwareID)
	}
	return wrap("update client", err)
}

// DeleteClient implements [dcr.ClientStore]: the row, every token of the
// client and the audit event go in one transaction.
func (s *Store) DeleteClient(ctx context.Context, workspace, id string, audit consent.AuditEvent) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("DELETE FROM clients WHERE workspace = ? AND id = ?", workspace, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return dcr.ErrNotFound
		}
		if err := revokeClientTokens(tx, workspace, id, audit.At); err != nil {
			return err
		}
		return insertAudit(tx, audit)
	})
	if errors.Is(err, dcr.ErrNotFound) {
		return fmt.Errorf("store: delete client: %w", err)
	}
	return wrap("delete client", err)
}

// revokeClientTokens revokes the client's tokens that have rows, and writes
// (or moves forward) its revocation mark, which revokes its stateless access
// tokens issued up to at (oauth/stateless.go).
func revokeClientTokens(tx *gorm.DB, workspace, clientID string, at time.Time) error {
	err := tx.Exec("UPDATE tokens SET revoked = true WHERE workspace = ? AND client_id = ? AND revoked = false", workspace, clientID).Error
	if err != nil {
		return err
	}
	return tx.Exec("INSERT INTO tokens ("+tokenColumns+") VALUES (?, ?, ?, '', ?, '', '', '', '', '', ?, ?, true, NULL) "+
		"ON CONFLICT (id) DO UPDATE SET issued_at = excluded.issued_at, expires_at = excluded.expires_at "+
		"WHERE tokens.issued_at < excluded.issued_at", // a mark never moves back (instances' clocks differ)
		oauth.ClientRevocationID(workspace, clientID), workspace, string(oauth.KindClientRevocation), clientID,
		ts(at), ts(at.Add(oauth.MaxAccessTokenLifetime))).Error
}

// SetClientStatus implements [dcr.ClientAdmin] with a conditional update,
// so that of two concurrent changes from one status only one applies.
func (s *Store) SetClientStatus(ctx context.Context, workspace, id string, from, to dcr.Status, revoke bool, audit consent.AuditEvent) (*dcr.Client, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE clients SET status = ?, updated_at = ? WHERE workspace = ? AND id = ? AND status = ?",
			string(to), ts(audit.At), workspace, id, string(from))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return dcr.ErrInvalidTransition
		}
		if revoke {
			if err := revokeClientTokens(tx, workspace, id, audit.At); err != nil {
				return err
			}
		}
		return insertAudit(tx, audit)
	})
	if errors.Is(err, dcr.ErrInvalidTransition) {
		if _, gerr := s.Client(ctx, workspace, id); errors.Is(gerr, dcr.ErrNotFound) {
			return nil, gerr
		}
		return nil, fmt.Errorf("store: set client status: %w", err)
	}
	if err != nil {
		return nil, wrap("set client status", err)
	}
	return s.Client(ctx, workspace, id)
}

// ListClients implements [dcr.ClientAdmin] with keyset pagination on
// (created_at, id) descending.
func (s *Store) ListClients(ctx context.Context, workspace string, f dcr.ListFilter) ([]dcr.Client, string, error) {
	var q stmt
	q.sql.WriteString("SELECT " + clientColumns + " FROM clients WHERE workspace = ?")
	q.add(workspace)
	if f.Status != "" {
		q.sql.WriteString(" AND status = ?")
		q.add(string(f.Status))
	}
	return keysetPage(ctx, s, &q, "list clients", f.After, f.Limit, fmt.Errorf("store: list clients: malformed cursor: %w", dcr.ErrNotFound), scanClient,
		func(c *dcr.Client) (time.Time, string) { return c.CreatedAt, c.ID })
}

func scanClient(r scanner) (*dcr.Client, error) {
	var (
		c          dcr.Client
		status     string
		md         []byte
		ratExp     sql.NullTime
		created, u time.Time
	)
	if err := r.Scan(&c.Workspace, &c.ID, &c.SoftwareID, &c.UniqueSoftwareID, &status, &md, &c.SoftwareStatement,
		&c.RATHash, &ratExp, &created, &u); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(md, &c.Metadata); err != nil {
		return nil, fmt.Errorf("client metadata: %w", err)
	}
	c.Status = dcr.Status(status)
	if ratExp.Valid {
		t := ratExp.Time.UTC()
		c.RATExpiresAt = &t
	}
	c.CreatedAt, c.UpdatedAt = created.UTC(), u.UTC()
	return &c, nil
}

// Consume implements [dcr.ReplayGuard] on the single_use table that holds
// every single-use value (swept with them).
func (s *Store) Consume(ctx context.Context, workspace, kind, value string, exp time.Time) error {
	err := s.db.WithContext(ctx).Exec("INSERT INTO single_use (workspace, kind, value, expires_at) VALUES (?,?,?,?)",
		workspace, kind, value, ts(exp)).Error
	if t, dup := uniqueViolation(err); dup && (t == "single_use" || t == "") {
		return fmt.Errorf("store: consume: %w", dcr.ErrReplay)
	}
	return wrap("consume", err)
}

// AuditTrail returns the audit events recorded for object in the
// workspace, oldest first (tests and the system APIs read it).
func (s *Store) AuditTrail(ctx context.Context, workspace, object string) ([]consent.AuditEvent, error) {
	rows, err := s.rdb.WithContext(ctx).Raw("SELECT workspace, actor, action, object, detail, at FROM audit_events WHERE workspace = ? AND object = ? ORDER BY seq",
		workspace, object).Rows()
	if err != nil {
		return nil, wrap("audit trail", err)
	}
	defer rows.Close()
	var out []consent.AuditEvent
	for rows.Next() {
		var a consent.AuditEvent
		if err := rows.Scan(&a.Workspace, &a.Actor, &a.Action, &a.Object, &a.Detail, &a.At); err != nil {
			return nil, wrap("audit trail", err)
		}
		a.At = a.At.UTC()
		out = append(out, a)
	}
	return out, wrap("audit trail", rows.Err())
}

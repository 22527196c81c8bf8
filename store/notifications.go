package store

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"

	"github.com/openconsent/openconsent/consent"
)

var _ consent.NotificationStore = (*Store)(nil)

const notificationColumns = "id, workspace, kind, consent_id, client_id, target, payload, status, attempts, last_error, next_at, created_at, done_at"

func insertNotifications(tx *gorm.DB, ns []consent.Notification) error {
	for _, n := range ns {
		if err := tx.Exec("INSERT INTO notifications ("+notificationColumns+") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
			n.ID, n.Workspace, n.Kind, n.ConsentID, n.ClientID, n.Target, blob(n.Payload), string(n.Status),
			n.Attempts, n.LastError, ts(n.NextAt), ts(n.CreatedAt), tsPtr(n.DoneAt)).Error; err != nil {
			return err
		}
	}
	return nil
}

// ClaimNotifications implements [consent.NotificationStore]: each due row is
// leased with a conditional update, so of two instances only one gets it.
func (s *Store) ClaimNotifications(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]consent.Notification, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT id FROM notifications WHERE status = 'pending' AND next_at <= ? AND (leased_until IS NULL OR leased_until < ?) ORDER BY next_at LIMIT ?",
		ts(now), ts(now), limit).Rows()
	if err != nil {
		return nil, wrap("claim notifications", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, wrap("claim notifications", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	var out []consent.Notification
	for _, id := range ids {
		res := s.db.WithContext(ctx).Exec("UPDATE notifications SET leased_until = ? WHERE id = ? AND status = 'pending' AND (leased_until IS NULL OR leased_until < ?)",
			ts(now.Add(lease)), id, ts(now))
		if res.Error != nil {
			return nil, wrap("claim notifications", res.Error)
		}
		if res.RowsAffected == 0 {
			continue // another instance leased it
		}
		n, err := s.notification(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *n)
	}
	return out, nil
}

func (s *Store) notification(ctx context.Context, id string) (*consent.Notification, error) {
	row := s.db.WithContext(ctx).Raw("SELECT "+notificationColumns+" FROM notifications WHERE id = ?", id).Row()
	return scanNotification(row)
}

func scanNotification(r scanner) (*consent.Notification, error) {
	var n consent.Notification
	var status string
	var next, created time.Time
	var done sql.NullTime
	if err := r.Scan(&n.ID, &n.Workspace, &n.Kind, &n.ConsentID, &n.ClientID, &n.Target, &n.Payload, &status,
		&n.Attempts, &n.LastError, &next, &created, &done); err != nil {
		return nil, wrap("notification", err)
	}
	n.Status, n.NextAt, n.CreatedAt = consent.NotificationStatus(status), next.UTC(), created.UTC()
	if done.Valid {
		t := done.Time.UTC()
		n.DoneAt = &t
	}
	return &n, nil
}

// FinishNotification implements [consent.NotificationStore].
func (s *Store) FinishNotification(ctx context.Context, n consent.Notification) error {
	return wrap("finish notification", s.db.WithContext(ctx).Exec(
		"UPDATE notifications SET status = ?, attempts = ?, last_error = ?, next_at = ?, done_at = ?, leased_until = NULL WHERE id = ?",
		string(n.Status), n.Attempts, n.LastError, ts(n.NextAt), tsPtr(n.DoneAt), n.ID).Error)
}

// Notifications implements [consent.NotificationStore].
func (s *Store) Notifications(ctx context.Context, workspace string, status consent.NotificationStatus, limit int) ([]consent.Notification, error) {
	var q stmt
	q.sql.WriteString("SELECT " + notificationColumns + " FROM notifications WHERE workspace = ?")
	q.add(workspace)
	if status != "" {
		q.sql.WriteString(" AND status = ?")
		q.add(string(status))
	}
	q.sql.WriteString(" ORDER BY created_at DESC, id DESC LIMIT ?")
	q.add(limit)
	rows, err := s.rdb.WithContext(ctx).Raw(q.sql.String(), q.args...).Rows()
	if err != nil {
		return nil, wrap("notifications", err)
	}
	defer rows.Close()
	var out []consent.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *n)
	}
	return out, wrap("notifications", rows.Err())
}

package consent

import (
	"context"
	"encoding/json"
	"time"
)

// Notification is an outbox message written in the same transaction as the
// consent change that caused it, and delivered later with retries (CDR
// holder → recipient arrangement revocation). Nothing accepted is lost: the
// row survives restarts until it is delivered or gives up.
type Notification struct {
	ID        string
	Workspace string
	Kind      string // e.g. cdr.arrangement_revoked
	ConsentID string
	ClientID  string
	Target    string          // URL to deliver to
	Payload   json.RawMessage // what the deliverer needs
	Status    NotificationStatus
	Attempts  int
	LastError string
	NextAt    time.Time
	CreatedAt time.Time
	DoneAt    *time.Time
}

// NotificationStatus is the delivery state.
type NotificationStatus string

// Delivery states.
const (
	NotificationPending   NotificationStatus = "pending"
	NotificationDelivered NotificationStatus = "delivered"
	NotificationFailed    NotificationStatus = "failed" // gave up after the maximum attempts
)

// Hooks let an ecosystem add behaviour to consent changes without the engine
// knowing the ecosystem.
type Hooks struct {
	// OnChange returns the notifications a change emits (written in the same
	// transaction). origin says who caused it ("customer", "bank", "client", "system").
	OnChange func(c *Consent, to Status, origin string) []Notification
}

// NotificationStore is the outbox. Safe for concurrent use; claiming is
// atomic so two instances never deliver the same row at once.
type NotificationStore interface {
	// ClaimNotifications leases up to limit pending rows due at now for
	// lease, returning them; a row leased by another instance is skipped.
	ClaimNotifications(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Notification, error)
	// FinishNotification records an attempt: delivered, retry at next, or failed.
	FinishNotification(ctx context.Context, n Notification) error
	// Notifications lists a workspace's notifications, newest first, optionally of one status.
	Notifications(ctx context.Context, workspace string, status NotificationStatus, limit int) ([]Notification, error)
}

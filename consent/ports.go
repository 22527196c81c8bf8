package consent

import (
	"context"
	"time"
)

// Idempotency makes a create request repeatable (UK x-idempotency-key: same
// key within its lifetime returns the original consent).
type Idempotency struct {
	Key         string
	RequestHash string // hash of the request body: a different body with the same key is refused
	ExpiresAt   time.Time
}

// Change is one status transition, applied atomically by the store together
// with its history entry, its audit event and (optionally) the revocation of
// every token bound to the consent.
type Change struct {
	Workspace   string
	ID          string
	FromStatus  Status
	FromVersion int
	To          Status
	Subject     *string  // set when non-nil
	Resources   []string // set when non-nil
	Permissions []string // set when non-nil
	ExpiresAt   *time.Time
	Payload     []byte // set when non-nil
	At          time.Time
	Transition  Transition
	Audit       AuditEvent
	// RevokeTokens revokes every access and refresh token carrying this
	// consent id in the same transaction (revoking a consent revokes its tokens).
	RevokeTokens bool
	// Notifications are written to the outbox in the same transaction.
	Notifications []Notification
}

// Filter selects consents for listing; empty fields match anything.
// Results are ordered by (created_at, id) descending and paged by keyset.
type Filter struct {
	Subject  string
	ClientID string
	Status   Status
	Kind     Kind
	// After is the opaque cursor returned with the previous page.
	After string
	Limit int
}

// Store persists consents. Implementations must be safe for concurrent use.
type Store interface {
	// CreateConsent inserts c, its first history entry and audit in one
	// transaction. With idem, an existing unexpired record of the same
	// client and key returns that consent and created=false, or
	// ErrIdempotencyMismatch when the request hash differs.
	CreateConsent(ctx context.Context, c *Consent, idem *Idempotency, audit AuditEvent) (_ *Consent, created bool, _ error)
	// Consent returns the consent, or ErrNotFound (also for another workspace).
	Consent(ctx context.Context, workspace, id string) (*Consent, error)
	// History returns the transitions of a consent, oldest first.
	History(ctx context.Context, workspace, id string) ([]Transition, error)
	// ApplyChange performs ch iff the consent is still at ch.FromVersion and
	// ch.FromStatus; else ErrConflict (ErrNotFound when absent). It returns
	// the updated consent.
	ApplyChange(ctx context.Context, ch Change) (*Consent, error)
	// ListConsents returns one page and the cursor of the next ("" at the end).
	ListConsents(ctx context.Context, workspace string, f Filter) ([]Consent, string, error)
	// DueForExpiry returns up to limit non-terminal consents of a workspace
	// whose expiry is before now.
	DueForExpiry(ctx context.Context, workspace string, now time.Time, limit int) ([]Consent, error)
}

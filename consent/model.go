package consent

import (
	"encoding/json"
	"time"
)

// Status is the canonical consent status; each ecosystem maps it to its own
// vocabulary (UK v3.1: AwaitingAuthorisation, Authorised, Rejected, Consumed, Revoked).
type Status string

// Canonical statuses.
const (
	StatusAwaitingAuthorisation Status = "awaiting_authorisation"
	StatusAuthorised            Status = "authorised"
	StatusRejected              Status = "rejected"
	StatusConsumed              Status = "consumed"
	StatusRevoked               Status = "revoked"
	StatusExpired               Status = "expired"
	StatusCancelled             Status = "cancelled"
)

// Terminal reports whether no event leaves the status.
func (s Status) Terminal() bool {
	switch s {
	case StatusRejected, StatusConsumed, StatusRevoked, StatusExpired, StatusCancelled:
		return true
	}
	return false
}

// Kind is what the consent is for.
type Kind string

// Consent kinds.
const (
	KindAccountAccess     Kind = "account_access"
	KindPayment           Kind = "payment"
	KindVRP               Kind = "vrp"
	KindFundsConfirmation Kind = "funds_confirmation"
	KindArrangement       Kind = "arrangement"
	KindDataSharing       Kind = "data_sharing"
)

// Consent is one consent (or arrangement) of one workspace.
type Consent struct {
	ID        string
	Workspace string
	ClientID  string
	Ecosystem string
	Kind      Kind
	Status    Status
	// Subject is the customer, set once authorised.
	Subject     string
	Permissions []string
	// Resources are the granted resources (e.g. account ids), set once authorised.
	Resources []string
	ExpiresAt *time.Time
	// Payload is the ecosystem's own representation (request data and
	// ecosystem-specific fields), stored and returned as is.
	Payload         json.RawMessage
	Version         int
	CreatedAt       time.Time
	UpdatedAt       time.Time
	StatusUpdatedAt time.Time
}

// Expired reports whether the consent's expiry has passed at now.
func (c *Consent) Expired(now time.Time) bool {
	return c.ExpiresAt != nil && !now.Before(*c.ExpiresAt)
}

// Transition is one entry of a consent's status history.
type Transition struct {
	ConsentID string
	From      Status
	To        Status
	Event     Event
	Actor     string
	Reason    string
	At        time.Time
}

// AuditEvent is appended in the same transaction as the change it records.
type AuditEvent struct {
	Workspace string
	Actor     string
	Action    string // e.g. consent.created, consent.revoked
	Object    string // the consent id
	Detail    json.RawMessage
	At        time.Time
}

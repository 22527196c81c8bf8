package dcr

import (
	"context"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/consent"
)

// ClientStore persists dynamically registered clients. Implementations must
// be safe for concurrent use, and several instances may share one database.
type ClientStore interface {
	// CreateClient inserts c and appends audit in one transaction. When
	// c.UniqueSoftwareID is set and another client of the workspace has the
	// same SoftwareID, it writes nothing and returns an error wrapping
	// ErrDuplicateSoftwareID; this must hold across instances (a unique
	// index or a conditional insert, never a read-then-write).
	CreateClient(ctx context.Context, c *Client, audit consent.AuditEvent) error
	// Client returns the client, or an error wrapping ErrNotFound (also for
	// a client of another workspace).
	Client(ctx context.Context, workspace, id string) (*Client, error)
	// UpdateClient replaces the stored client (metadata, status, software
	// statement, RAT hash and expiry, UpdatedAt) and appends audit in one
	// transaction; ErrNotFound when absent.
	UpdateClient(ctx context.Context, c *Client, audit consent.AuditEvent) error
	// DeleteClient deletes the client, revokes every token issued to it
	// and appends audit in one transaction (RFC 7592 §2.3); ErrNotFound
	// when absent.
	DeleteClient(ctx context.Context, workspace, id string, audit consent.AuditEvent) error
	// ClientBySoftwareID returns the workspace's client registered for
	// softwareID, or ErrNotFound.
	ClientBySoftwareID(ctx context.Context, workspace, softwareID string) (*Client, error)
}

// ListFilter selects clients for the system API; empty fields match
// anything. Results are ordered by (created_at, id) descending.
type ListFilter struct {
	Status Status
	// After is the opaque cursor returned with the previous page.
	After string
	Limit int
}

// ClientAdmin is the store's side of the system clients API.
type ClientAdmin interface {
	// ListClients returns one page and the cursor of the next ("" at the
	// end); a malformed cursor is an error wrapping ErrNotFound.
	ListClients(ctx context.Context, workspace string, f ListFilter) ([]Client, string, error)
	// SetClientStatus moves the client from status from to status to and
	// appends audit in one transaction, revoking the client's tokens when
	// revoke is set. It returns ErrNotFound when absent and
	// ErrInvalidTransition when the client is no longer in status from.
	SetClientStatus(ctx context.Context, workspace, id string, from, to Status, revoke bool, audit consent.AuditEvent) (*Client, error)
}

// KeySource returns verification keys. Implementations cache documents,
// refresh them on an unknown kid (at a bounded rate), bound every fetch
// with a timeout and never take a key location from the JWT being verified
// (no jku, x5u or embedded jwk). Safe for concurrent use.
type KeySource interface {
	// IssuerKeys returns the keys of the trusted SSA issuer iss with that
	// kid (every key when kid is ""). It returns ErrUnknownIssuer when iss
	// is not trusted in the workspace and ErrKeyNotFound when no key
	// matches.
	IssuerKeys(ctx context.Context, workspace, iss, kid string) ([]jose.JSONWebKey, error)
	// SoftwareKeys returns the keys with that kid (every key when kid is
	// "") of the JWKS at jwksURI, the software's own key set named by its
	// SSA; ErrKeyNotFound when none matches.
	SoftwareKeys(ctx context.Context, jwksURI, kid string) ([]jose.JSONWebKey, error)
}

// ReplayGuard makes values single-use across instances (a unique
// constraint in the database).
type ReplayGuard interface {
	// Consume records value of kind in the workspace until exp; it returns
	// an error wrapping ErrReplay when it was recorded before.
	Consume(ctx context.Context, workspace, kind, value string, exp time.Time) error
}

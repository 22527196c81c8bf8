package keys

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a key does not exist.
var ErrNotFound = errors.New("keys: not found")

// Key states.
const (
	StateActive  = "active"  // signs new tokens and is published
	StateRetired = "retired" // published until PublishUntil, never signs
)

// Record is one stored workspace key. The private key is only ever stored
// encrypted (AES-256-GCM under a key derived from the system secret).
type Record struct {
	ID           string // kid
	Workspace    string
	Alg          string // PS256, ES256, RSA-OAEP-256 ...
	Use          string // sig or enc
	State        string
	PrivateEnc   []byte // AES-GCM sealed private JWK (nonce || ciphertext)
	PublicJWK    []byte // public JWK JSON
	CreatedAt    time.Time
	RetiredAt    *time.Time
	PublishUntil *time.Time // retired keys stay published until tokens signed with them expire
}

// Store persists workspace keys. Safe for concurrent use.
type Store interface {
	// Keys returns all keys of a workspace (any state), oldest first.
	Keys(ctx context.Context, workspace string) ([]Record, error)
	// CreateKey inserts a key.
	CreateKey(ctx context.Context, r Record) error
	// RetireKey marks an active key retired, published until publishUntil;
	// ErrNotFound if it is not an active key of the workspace.
	RetireKey(ctx context.Context, workspace, id string, at, publishUntil time.Time) error
	// DeleteUnpublished removes retired keys whose PublishUntil is before now.
	DeleteUnpublished(ctx context.Context, workspace string, now time.Time) (int64, error)
}

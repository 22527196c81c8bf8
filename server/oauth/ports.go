package oauth

import (
	"context"
	"errors"
	"time"
)

// Store errors. Implementations return these, never driver errors.
var (
	// ErrNotFound: the record does not exist, has expired or was already used.
	ErrNotFound = errors.New("oauth: not found")
	// ErrReplay: a single-use value was presented a second time.
	ErrReplay = errors.New("oauth: single-use value already used")
	// ErrConflict: a conditional update lost (the record is not in the expected state).
	ErrConflict = errors.New("oauth: state conflict")
)

// ReplayError reports which kind of single-use value was replayed;
// errors.Is(err, ErrReplay) holds for it. Kind is "" when the store cannot tell.
type ReplayError struct{ Kind string }

func (e *ReplayError) Error() string {
	if e.Kind == "" {
		return ErrReplay.Error()
	}
	return ErrReplay.Error() + " (" + e.Kind + ")"
}

// Is makes errors.Is(err, ErrReplay) true.
func (e *ReplayError) Is(target error) bool { return target == ErrReplay }

// Kinds of single-use values. Each is unique per workspace and kind.
const (
	OnceAssertionJTI = "assertion_jti" // RFC 7523 §3 item 7
	OnceDPoPJTI      = "dpop_jti"      // RFC 9449 §11.1
	OnceCode         = "code"          // RFC 6749 §4.1.2
	OnceRequestJTI   = "request_jti"   // RFC 9101 §10.8 (replay of request objects)
	OnceRotatedRT    = "rotated_rt"    // a rotated refresh token is used once (RFC 9700 §4.14.2)
)

// SingleUse is a value that may be accepted only once per workspace and kind,
// until ExpiresAt. Enforced by a unique constraint so that several server
// instances sharing one database cannot both accept it.
type SingleUse struct {
	Kind      string
	Value     string
	ExpiresAt time.Time
}

// TokenKind distinguishes access and refresh tokens.
type TokenKind string

// Token kinds.
const (
	KindAccess  TokenKind = "access"
	KindRefresh TokenKind = "refresh"
)

// TokenRecord is a stored access or refresh token. Access tokens in JWT form
// are stored too (by jti) so that revocation reaches introspection.
type TokenRecord struct {
	ID        string
	Workspace string
	Kind      TokenKind
	GrantID   string
	ClientID  string
	Subject   string
	Scope     string
	ConsentID string
	JKT       string // RFC 9449 §6 cnf.jkt
	X5T       string // RFC 8705 §3.1 cnf.x5t#S256
	IssuedAt  time.Time
	ExpiresAt time.Time
	Revoked   bool
	// Data holds grant details needed later (authorization_details, claims,
	// acr, auth_time, granted resources) as JSON.
	Data []byte
}

// Issuance is everything one token response writes, applied atomically.
type Issuance struct {
	Once      []SingleUse
	Tokens    []TokenRecord
	RevokeIDs []string // tokens revoked in the same transaction (refresh rotation)
}

// RevokeFilter selects tokens to revoke; non-empty fields are ANDed, at least one is set.
type RevokeFilter struct {
	ID        string
	GrantID   string
	ConsentID string
	ClientID  string
}

// TokenStore persists tokens. Implementations must be safe for concurrent use.
type TokenStore interface {
	// Issue records every Once value and inserts Tokens and revokes RevokeIDs,
	// all or nothing. If any Once value exists it returns an error wrapping
	// ErrReplay and writes nothing. On PostgreSQL it takes one round trip.
	Issue(ctx context.Context, workspace string, is Issuance) error
	// Token returns the token with that id, or ErrNotFound.
	Token(ctx context.Context, workspace, id string) (*TokenRecord, error)
	// AccessToken returns, in one round trip, the token with that id (nil
	// when it has no row) and when the client's tokens were last revoked
	// wholesale (zero if never): what a stateless access token needs
	// (stateless.go).
	AccessToken(ctx context.Context, workspace, id, clientID string) (*TokenRecord, time.Time, error)
	// RevokeAccessToken revokes one access token in one statement: it sets
	// revoked on the token's row, or, for a stateless token (no row), writes
	// a revoked row kept until the token expires. Revoking it again is not
	// an error.
	RevokeAccessToken(ctx context.Context, workspace string, rec TokenRecord) error
	// Revoke marks matching tokens revoked and returns how many changed.
	Revoke(ctx context.Context, workspace string, f RevokeFilter) (int64, error)
}

// PARRecord is a pushed authorization request (RFC 9126).
type PARRecord struct {
	ID        string // the reference inside request_uri
	Workspace string
	ClientID  string
	Request   []byte // JSON of the validated AuthorizationRequest
	ExpiresAt time.Time
}

// Login states.
const (
	LoginPending  = "pending"
	LoginAccepted = "accepted"
	LoginRejected = "rejected"
	LoginDone     = "done"
)

// LoginRecord is one login/consent hand-off to the bank's app.
type LoginRecord struct {
	ID          string // hash of the login_id handed out
	Workspace   string
	ClientID    string
	Request     []byte // JSON of the AuthorizationRequest
	BrowserHash string // hash of the browser-binding cookie
	State       string
	Decision    []byte // JSON of the accept/reject decision
	ExpiresAt   time.Time
}

// FlowStore persists the authorization flow. Safe for concurrent use.
type FlowStore interface {
	// SavePAR records Once values and inserts the PAR record atomically;
	// ErrReplay if a Once value was used.
	SavePAR(ctx context.Context, workspace string, once []SingleUse, par PARRecord) error
	// TakePAR consumes the PAR record: it returns it once and ErrNotFound if it
	// is unknown, used or expired at now (RFC 9126 §2.2 single use).
	TakePAR(ctx context.Context, workspace, id string, now time.Time) (*PARRecord, error)
	// CreateLogin inserts a login record.
	CreateLogin(ctx context.Context, l LoginRecord) error
	// Login returns an unexpired login record, or ErrNotFound.
	Login(ctx context.Context, workspace, id string, now time.Time) (*LoginRecord, error)
	// TransitionLogin moves a login from one state to another, storing the
	// decision when non-nil; ErrConflict when it is not in state from (so each
	// transition happens once across instances), ErrNotFound when absent/expired.
	TransitionLogin(ctx context.Context, workspace, id, from, to string, decision []byte, now time.Time) error
}

// Sweeper deletes expired single-use values, PAR records, logins and tokens.
type Sweeper interface {
	Sweep(ctx context.Context, now time.Time) (int64, error)
}

// asReplay reports whether err is a replay, filling re (Kind "" if unknown).
func asReplay(err error, re **ReplayError) bool {
	if errors.As(err, re) {
		return true
	}
	if errors.Is(err, ErrReplay) {
		*re = &ReplayError{}
		return true
	}
	return false
}

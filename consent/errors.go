package consent

import "errors"

// Sentinel errors. They carry no HTTP status and no ecosystem code; each
// ecosystem's errors.go maps them.
var (
	ErrNotFound = errors.New("consent: not found")
	// ErrConflict: a concurrent change won (the version moved); the caller may retry.
	ErrConflict = errors.New("consent: concurrent update")
	// ErrIdempotencyMismatch: the idempotency key was used with another request body.
	ErrIdempotencyMismatch = errors.New("consent: idempotency key reused with a different request")
)

// ErrorKind classifies an *Error.
type ErrorKind string

// Error kinds.
const (
	KindInvalidTransition ErrorKind = "invalid_transition"
	KindInvalid           ErrorKind = "invalid"        // the request breaks a rule (permissions, dates)
	KindForbidden         ErrorKind = "forbidden"      // another client's consent
	KindExpired           ErrorKind = "expired"        // past its expiry
	KindNotAuthorised     ErrorKind = "not_authorised" // not in a status that allows the operation
)

// Error is an engine error with fields the ecosystem mappings read.
type Error struct {
	Kind   ErrorKind
	Reason string // safe to show
	Field  string // the offending field, when there is one
}

func (e *Error) Error() string { return "consent: " + string(e.Kind) + ": " + e.Reason }

// Is lets errors.Is match on Kind: errors.Is(err, &Error{Kind: KindExpired}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && (t.Reason == "" || t.Reason == e.Reason)
}

// ErrInvalidTransition matches any illegal transition with errors.Is.
var ErrInvalidTransition = &Error{Kind: KindInvalidTransition}

// Invalid returns a KindInvalid error for a field.
func Invalid(field, reason string) *Error {
	return &Error{Kind: KindInvalid, Field: field, Reason: reason}
}

// Kinds lists every ErrorKind, for mapping-table completeness tests.
func Kinds() []ErrorKind {
	return []ErrorKind{KindInvalidTransition, KindInvalid, KindForbidden, KindExpired, KindNotAuthorised}
}

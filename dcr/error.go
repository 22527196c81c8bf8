package dcr

import (
	"errors"
	"fmt"
)

// Error codes. The first four are RFC 7591 §3.2.2; invalid_webhook_uris
// is the Brasil extension of that list; the others are the RFC 6750 §3.1
// codes of the management (RFC 7592 §2) and initial-access-token (RFC 7591
// §3) checks, and invalid_client for a registration that needs mutual TLS
// and came without a client certificate.
const (
	CodeInvalidRedirectURI          = "invalid_redirect_uri"
	CodeInvalidClientMetadata       = "invalid_client_metadata"
	CodeInvalidSoftwareStatement    = "invalid_software_statement"
	CodeUnapprovedSoftwareStatement = "unapproved_software_statement"
	CodeInvalidToken                = "invalid_token"
	CodeInsufficientScope           = "insufficient_scope"
	CodeInvalidClient               = "invalid_client"
	// CodeInvalidWebhookURIs: OFB DCR swagger v2.0.1 and OPIN DCR swagger
	// v1.2.0 ClientRegistrationResponseError (an RFC 7591 §3.2.2 error, 400).
	CodeInvalidWebhookURIs = "invalid_webhook_uris"
)

// Codes lists every code an *Error can carry, for mapping-table tests.
func Codes() []string {
	return []string{
		CodeInvalidRedirectURI, CodeInvalidClientMetadata, CodeInvalidSoftwareStatement,
		CodeUnapprovedSoftwareStatement, CodeInvalidWebhookURIs, CodeInvalidToken, CodeInsufficientScope, CodeInvalidClient,
	}
}

// Error is a registration failure a client may see: Code is one of the
// Code constants and Description names the rule that failed. The cause is
// kept for logs and errors.Is/As and is never part of Description.
type Error struct {
	Code        string
	Description string
	cause       error
}

func (e *Error) Error() string { return "dcr: " + e.Code + ": " + e.Description }

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.cause }

// Is matches on Code (and Description when the target sets one), so that
// errors.Is(err, &Error{Code: CodeInvalidRedirectURI}) holds.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Description == "" || t.Description == e.Description)
}

// withCause records an internal cause; it is never shown.
func (e *Error) withCause(err error) *Error { e.cause = err; return e }

// Predefined errors are constructors, so that no request mutates a shared value.

func newErr(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// InvalidMetadata is RFC 7591 §3.2.2 invalid_client_metadata: the value of
// one metadata field is invalid; the description starts with the field.
func InvalidMetadata(field, format string, args ...any) *Error {
	return newErr(CodeInvalidClientMetadata, field+": "+format, args...)
}

// InvalidRedirectURI is RFC 7591 §3.2.2 invalid_redirect_uri.
func InvalidRedirectURI(format string, args ...any) *Error {
	return newErr(CodeInvalidRedirectURI, "redirect_uris: "+format, args...)
}

// InvalidWebhookURIs is invalid_webhook_uris (OFB DCR swagger v2.0.1
// ClientRegistrationResponseError): webhook_uris is malformed or names a
// base URL the software statement does not list.
func InvalidWebhookURIs(format string, args ...any) *Error {
	return newErr(CodeInvalidWebhookURIs, memberWebhookURIs+": "+format, args...)
}

// InvalidSoftwareStatement is RFC 7591 §3.2.2 invalid_software_statement.
func InvalidSoftwareStatement(format string, args ...any) *Error {
	return newErr(CodeInvalidSoftwareStatement, "software_statement: "+format, args...)
}

// UnapprovedSoftwareStatement is RFC 7591 §3.2.2
// unapproved_software_statement: valid, but not trusted here.
func UnapprovedSoftwareStatement(format string, args ...any) *Error {
	return newErr(CodeUnapprovedSoftwareStatement, "software_statement: "+format, args...)
}

// InvalidToken is RFC 6750 §3.1 invalid_token: a registration access token
// (RFC 7592 §2), management token or initial access token (RFC 7591 §3) is
// missing, unknown, expired or not bound as required.
func InvalidToken(format string, args ...any) *Error {
	return newErr(CodeInvalidToken, format, args...)
}

// InsufficientScope is RFC 6750 §3.1 insufficient_scope: a valid token that
// may not manage this client.
func InsufficientScope(format string, args ...any) *Error {
	return newErr(CodeInsufficientScope, format, args...)
}

// InvalidClient is invalid_client (RFC 6749 §5.2 meaning, 401): the
// request lacks the client certificate the profile requires.
func InvalidClient(format string, args ...any) *Error {
	return newErr(CodeInvalidClient, format, args...)
}

// Store errors: implementations of the ports return these (wrapped), never
// driver errors; the Registrar maps them once.
var (
	// ErrNotFound: no such client in the workspace.
	ErrNotFound = errors.New("dcr: client not found")
	// ErrDuplicateSoftwareID: another active registration of the software
	// exists and the profile allows only one.
	ErrDuplicateSoftwareID = errors.New("dcr: an active registration of this software_id exists")
	// ErrInvalidTransition: the status change is not in the transition table.
	ErrInvalidTransition = errors.New("dcr: status transition not allowed")
	// ErrReplay: a single-use value (registration request jti) was used before.
	ErrReplay = errors.New("dcr: value already used")
	// ErrUnknownIssuer: the software statement's issuer is not trusted.
	ErrUnknownIssuer = errors.New("dcr: software statement issuer not trusted")
	// ErrKeyNotFound: no key with that kid, even after a refresh.
	ErrKeyNotFound = errors.New("dcr: signing key not found")
)

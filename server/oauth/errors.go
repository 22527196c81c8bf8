package oauth

import (
	"encoding/json"
	"errors"
	"net/http"
)

// Error codes from RFC 6749 §4.1.2.1 / §5.2, RFC 6750 §3.1, RFC 9126 §2.3,
// RFC 9101 §6, RFC 9449 §7 and OIDC Core §3.1.2.6.
const (
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidClient           = "invalid_client"
	CodeInvalidGrant            = "invalid_grant"
	CodeUnauthorizedClient      = "unauthorized_client"
	CodeUnsupportedGrantType    = "unsupported_grant_type"
	CodeUnsupportedResponseType = "unsupported_response_type"
	CodeInvalidScope            = "invalid_scope"
	CodeAccessDenied            = "access_denied"
	CodeServerError             = "server_error"
	CodeInvalidToken            = "invalid_token"
	CodeInsufficientScope       = "insufficient_scope"
	CodeInvalidRequestObject    = "invalid_request_object"
	CodeInvalidRequestURI       = "invalid_request_uri"
	CodeRequestNotSupported     = "request_not_supported"
	CodeInvalidDPoPProof        = "invalid_dpop_proof"
	CodeUseDPoPNonce            = "use_dpop_nonce"
	CodeUnsupportedTokenType    = "unsupported_token_type"
	CodeLoginRequired           = "login_required"
	CodeConsentRequired         = "consent_required"
	CodeInteractionRequired     = "interaction_required"
)

// Error is an OAuth 2.0 error response (RFC 6749 §5.2). The cause is kept for
// logs and errors.Is/As and is never serialised: causes never reach
// error_description.
type Error struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	URI         string `json:"error_uri,omitempty"`
	// Status is the HTTP status; zero means "derived from Code".
	Status int `json:"-"`
	// Header carries extra response headers (WWW-Authenticate, DPoP-Nonce).
	Header http.Header `json:"-"`
	cause  error
}

func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.cause }

// WithCause records an internal cause for logging; it is never sent.
func (e *Error) WithCause(err error) *Error { e.cause = err; return e }

// WithStatus overrides the HTTP status.
func (e *Error) WithStatus(status int) *Error { e.Status = status; return e }

// WithHeader adds a response header.
func (e *Error) WithHeader(k, v string) *Error {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Add(k, v)
	return e
}

// HTTPStatus is the status for the error: explicit, else derived from the code.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	switch e.Code {
	case CodeInvalidClient, CodeInvalidToken:
		return http.StatusUnauthorized // RFC 6749 §5.2, RFC 6750 §3.1
	case CodeInsufficientScope, CodeAccessDenied:
		return http.StatusForbidden
	case CodeServerError:
		return http.StatusInternalServerError
	case CodeUseDPoPNonce:
		return http.StatusBadRequest // RFC 9449 §8 (token endpoint)
	}
	return http.StatusBadRequest
}

// Predefined errors are constructors, so nobody mutates a shared value.

func newErr(code, desc string) *Error { return &Error{Code: code, Description: desc} }

// InvalidRequest is RFC 6749 invalid_request.
func InvalidRequest(desc string) *Error { return newErr(CodeInvalidRequest, desc) }

// InvalidClient is RFC 6749 invalid_client (401).
func InvalidClient(desc string) *Error { return newErr(CodeInvalidClient, desc) }

// InvalidGrant is RFC 6749 invalid_grant.
func InvalidGrant(desc string) *Error { return newErr(CodeInvalidGrant, desc) }

// UnauthorizedClient is RFC 6749 unauthorized_client.
func UnauthorizedClient(desc string) *Error { return newErr(CodeUnauthorizedClient, desc) }

// UnsupportedGrantType is RFC 6749 unsupported_grant_type.
func UnsupportedGrantType(desc string) *Error { return newErr(CodeUnsupportedGrantType, desc) }

// UnsupportedResponseType is RFC 6749 unsupported_response_type.
func UnsupportedResponseType(desc string) *Error {
	return newErr(CodeUnsupportedResponseType, desc)
}

// InvalidScope is RFC 6749 invalid_scope.
func InvalidScope(desc string) *Error { return newErr(CodeInvalidScope, desc) }

// AccessDenied is RFC 6749 access_denied.
func AccessDenied(desc string) *Error { return newErr(CodeAccessDenied, desc) }

// InvalidToken is RFC 6750 invalid_token (401).
func InvalidToken(desc string) *Error { return newErr(CodeInvalidToken, desc) }

// InvalidRequestObject is RFC 9101 §6.1 invalid_request_object.
func InvalidRequestObject(desc string) *Error { return newErr(CodeInvalidRequestObject, desc) }

// InvalidRequestURI is RFC 9101 §6.2 invalid_request_uri.
func InvalidRequestURI(desc string) *Error { return newErr(CodeInvalidRequestURI, desc) }

// InvalidDPoPProof is RFC 9449 §7.1 invalid_dpop_proof.
func InvalidDPoPProof(desc string) *Error { return newErr(CodeInvalidDPoPProof, desc) }

// UseDPoPNonce is RFC 9449 §8 use_dpop_nonce.
func UseDPoPNonce(desc string) *Error { return newErr(CodeUseDPoPNonce, desc) }

// UnsupportedTokenType is RFC 7009 §2.2.1 unsupported_token_type.
func UnsupportedTokenType(desc string) *Error { return newErr(CodeUnsupportedTokenType, desc) }

// ServerError is RFC 6749 server_error; the cause is logged, never sent.
func ServerError(cause error) *Error {
	return &Error{Code: CodeServerError, Description: "internal error", cause: cause}
}

// AsError converts any error to an *Error: unknown errors become server_error.
func AsError(err error) *Error {
	var oe *Error
	if errors.As(err, &oe) {
		return oe
	}
	return ServerError(err)
}

// WriteError writes err as an RFC 6749 §5.2 JSON error response. Any error
// that is not an *Error becomes server_error / 500.
func WriteError(w http.ResponseWriter, err error) {
	oe := AsError(err)
	for k, vs := range oe.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if oe.HTTPStatus() == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		// RFC 6749 §5.2: 401 responses carry WWW-Authenticate.
		w.Header().Set("WWW-Authenticate", `Bearer error="`+oe.Code+`"`)
	}
	WriteJSON(w, oe.HTTPStatus(), oe)
}

// WriteJSON writes v as JSON with no-store caching (RFC 6749 §5.1).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

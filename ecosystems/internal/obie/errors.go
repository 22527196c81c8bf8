package obie

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/authctx"
)

// apiError is one UK error response: an HTTP status and one OBError1
// (UK RW v3.1.11 Read/Write Data API Profile, Error Response Structure).
// Message is safe to show; causes never reach it.
type apiError struct {
	Status  int
	Code    gen.OBErrorCode
	Path    string
	Message string
}

// Error implements error.
func (e *apiError) Error() string {
	return fmt.Sprintf("obie: %d %s %s: %s", e.Status, e.Code, e.Path, e.Message)
}

// newError returns a fresh error (predefined errors are constructors, style §5).
func newError(status int, code gen.OBErrorCode, path, msg string) *apiError {
	return &apiError{Status: status, Code: code, Path: path, Message: msg}
}

func badRequest(code gen.OBErrorCode, path, msg string) *apiError {
	return newError(http.StatusBadRequest, code, path, msg)
}

// notFound is the answer for an unknown or deleted consent: UK RW v3.1.11
// Read/Write Data API Profile, HTTP status codes: 400, not 404.
func notFound() *apiError {
	return badRequest(gen.UKOBIEResourceNotFound, "ConsentId", "the consent does not exist")
}

// forbidden is 403 for a token that may not call the operation (wrong grant
// or scope). v3.1.11 has no 403 code; Header.Invalid on Authorization names
// what is wrong without a new code.
func forbidden(msg string) *apiError {
	return newError(http.StatusForbidden, gen.UKOBIEHeaderInvalid, "Authorization", msg)
}

// mapping is one row of the engine-error table.
type mapping struct {
	Status int
	Code   gen.OBErrorCode
	Msg    string
}

// kindMapping is the table for every consent.ErrorKind. A test asserts
// that every consent.Kinds() entry is mapped.
func kindMapping(k consent.ErrorKind) (mapping, bool) {
	switch k {
	case consent.KindInvalidTransition:
		return mapping{http.StatusBadRequest, gen.UKOBIEResourceInvalidConsentStatus, "the consent's status does not allow this"}, true
	case consent.KindInvalid:
		return mapping{http.StatusBadRequest, gen.UKOBIEFieldInvalid, "the request is invalid"}, true
	case consent.KindForbidden:
		// Another TPP's consent: 403 (UK RW v3.1.11 Read/Write Data API
		// Profile, HTTP status codes), the consent does not match the client.
		return mapping{http.StatusForbidden, gen.UKOBIEResourceConsentMismatch, "the consent belongs to another client"}, true
	case consent.KindExpired:
		return mapping{http.StatusBadRequest, gen.UKOBIEResourceInvalidConsentStatus, "the consent has expired"}, true
	case consent.KindNotAuthorised:
		return mapping{http.StatusBadRequest, gen.UKOBIEResourceInvalidConsentStatus, "the consent is not authorised"}, true
	}
	return mapping{}, false
}

// sentinelMapping is the table for the engine's sentinel errors.
func sentinelMapping(err error) (mapping, string, bool) {
	switch {
	case errors.Is(err, consent.ErrNotFound):
		return mapping{http.StatusBadRequest, gen.UKOBIEResourceNotFound, "the consent does not exist"}, "ConsentId", true
	case errors.Is(err, consent.ErrIdempotencyMismatch):
		// UK RW v3.1.11 Idempotency leaves the answer open: 400 on the key
		// (v3.1.11 has no Rules.ResourceAlreadyExists/409 for these operations).
		return mapping{http.StatusBadRequest, gen.UKOBIEHeaderInvalid, "the idempotency key was used with a different request body"}, "x-idempotency-key", true
	case errors.Is(err, consent.ErrConflict):
		return mapping{http.StatusBadRequest, gen.UKOBIEResourceInvalidConsentStatus, "the consent changed concurrently; read it and retry"}, "", true
	}
	return mapping{}, "", false
}

// asAPIError maps err once (style §5): our own errors, then the engine's
// sentinels and kinds. ok is false for anything else (a 500).
func asAPIError(err error) (*apiError, bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae, true
	}
	if m, path, ok := sentinelMapping(err); ok {
		return newError(m.Status, m.Code, path, m.Msg), true
	}
	var ce *consent.Error
	if errors.As(err, &ce) {
		if m, ok := kindMapping(ce.Kind); ok {
			msg := m.Msg
			if ce.Reason != "" {
				msg = ce.Reason
			}
			return newError(m.Status, m.Code, ce.Field, msg), true
		}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code >= 400 && he.Code < 500 {
		// The generated wrapper's binding errors: the body or a parameter
		// could not be decoded after validation.
		return newError(he.Code, gen.UKOBIEResourceInvalidFormat, "", "the request could not be decoded"), true
	}
	return nil, false
}

// noBody are the statuses the UK answers without a body: 401 (UK RW
// v3.1.11 Read/Write Data API Profile: "401 with no body"), and the
// statuses whose responses the regulator's files define without content.
func noBody(status int) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusNotFound, http.StatusMethodNotAllowed,
		http.StatusNotAcceptable, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
		http.StatusTooManyRequests:
		return true
	}
	return false
}

// writeError renders e as OBErrorResponse1 (or an empty body where the UK
// wants none).
func writeError(c echo.Context, e *apiError) error {
	if noBody(e.Status) {
		return c.NoContent(e.Status)
	}
	return c.JSON(e.Status, errorBody(c, e))
}

func errorBody(c echo.Context, e *apiError) gen.OBErrorResponse1 {
	msg := clip(e.Message, 500)
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	item := gen.OBError1{ErrorCode: e.Code, Message: msg}
	if e.Path != "" {
		p := clip(e.Path, 500)
		item.Path = &p
	}
	out := gen.OBErrorResponse1{
		Code:    fmt.Sprintf("%d %s", e.Status, strings.ReplaceAll(http.StatusText(e.Status), " ", "")),
		Message: summary(e.Status),
		Errors:  []gen.OBError1{item},
	}
	if id := authctx.RequestID(c.Request().Context()); id != "" && len(id) <= 40 {
		out.ID = &id
	}
	return out
}

func summary(status int) string {
	switch {
	case status == http.StatusForbidden:
		return "The request is not allowed for this access token"
	case status >= 500:
		return "An unexpected error occurred"
	}
	return "There is something wrong with the request"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// errorsMiddleware renders the errors returned by the UK middleware and
// handlers through the table; anything unmapped is logged once and answered
// 500 UK.OBIE.UnexpectedError, never with its cause (style §5).
func errorsMiddleware(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			if err == nil || c.Response().Committed {
				return err
			}
			if ae, ok := asAPIError(err); ok {
				return writeError(c, ae)
			}
			ctx := c.Request().Context()
			log.ErrorContext(ctx, "obie api", "request_id", authctx.RequestID(ctx), "path", c.Request().URL.Path, "error", err)
			return writeError(c, newError(http.StatusInternalServerError, gen.UKOBIEUnexpectedError, "", "internal error"))
		}
	}
}

// renderKit is the apikit.Renderer of the UK APIs: the kit's security and
// validation failures in the UK's codes.
func renderKit(c echo.Context, status int, code, detail string) error {
	switch {
	case noBody(status):
		return c.NoContent(status)
	case status == http.StatusForbidden:
		return writeError(c, forbidden(detail))
	case status == http.StatusBadRequest:
		return writeError(c, classify(detail))
	case status >= 500:
		return writeError(c, newError(status, gen.UKOBIEUnexpectedError, "", "internal error"))
	}
	return writeError(c, newError(status, gen.UKOBIEFieldInvalid, "", detail))
}

var _ apikit.Renderer = renderKit

// classify turns the kit's validation detail ("parameter NAME: reason",
// "field A.B: reason", "request body: reason") into a UK code and path.
// The kit hands renderers a status, code and detail only, so the detail's
// documented prefixes are parsed here.
func classify(detail string) *apiError {
	where, reason, _ := strings.Cut(detail, ": ")
	switch {
	case strings.HasPrefix(where, "parameter "):
		name := strings.TrimPrefix(where, "parameter ")
		missing := strings.Contains(reason, "is required")
		switch {
		case strings.EqualFold(name, headerJWS) && missing:
			return badRequest(gen.UKOBIESignatureMissing, name, "the request must carry a detached JWS in "+headerJWS)
		case strings.EqualFold(name, headerJWS):
			return badRequest(gen.UKOBIESignatureMalformed, name, "the signature is malformed")
		case missing:
			return badRequest(gen.UKOBIEHeaderMissing, name, "the header "+name+" is required")
		}
		return badRequest(gen.UKOBIEHeaderInvalid, name, "the header "+name+" is invalid: "+reason)
	case strings.HasPrefix(where, "field "):
		return classifyField(strings.TrimPrefix(where, "field "), reason)
	case strings.HasPrefix(where, "request body"):
		if _, ok := quoted(reason); ok {
			return classifyField("", reason) // a property of the body itself
		}
		return badRequest(gen.UKOBIEResourceInvalidFormat, "", "the request body "+reason)
	}
	return badRequest(gen.UKOBIEFieldInvalid, "", detail)
}

// classifyField maps a schema failure at path (dotted, "" for the body).
func classifyField(path, reason string) *apiError {
	join := func(prop string) string {
		if path == "" {
			return prop
		}
		return path + "." + prop
	}
	prop, named := quoted(reason)
	switch {
	case named && strings.HasSuffix(reason, "is missing"):
		return badRequest(gen.UKOBIEFieldMissing, join(prop), "the field "+prop+" is required")
	case named && strings.HasSuffix(reason, "is unsupported"):
		return badRequest(gen.UKOBIEFieldUnexpected, join(prop), "the field "+prop+" is not allowed here")
	case strings.Contains(reason, "date-time"):
		return badRequest(gen.UKOBIEFieldInvalidDate, path, "the date-time must be RFC 3339 with a time zone")
	}
	return badRequest(gen.UKOBIEFieldInvalid, path, reason)
}

// quoted returns the first "..." in s (kin-openapi names properties so).
func quoted(s string) (string, bool) {
	_, rest, ok := strings.Cut(s, `"`)
	if !ok {
		return "", false
	}
	name, _, ok := strings.Cut(rest, `"`)
	return name, ok && name != ""
}

package apikit

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/server/authctx"
	"github.com/openconsent/openconsent/server/oauth"
)

// Renderer writes an error response in an API's own envelope (RFC 6749
// style for the system APIs, errors[] for CDR, OBErrorResponse1 for the UK,
// ...). status is the HTTP status; code is one of the Code constants (or an
// oauth error code such as invalid_token); detail is safe to show: the kit
// never puts a cause or a library message in it. Response headers the error
// needs (WWW-Authenticate, DPoP-Nonce) are already set when it is called.
type Renderer func(c echo.Context, status int, code, detail string) error

// Codes the kit passes to a Renderer. The oauth codes (invalid_token,
// invalid_dpop_proof, use_dpop_nonce) also reach it unchanged from the
// Authenticator, so each ecosystem can map them to its own vocabulary.
const (
	CodeInvalidRequest    = oauth.CodeInvalidRequest    // malformed request: 400
	CodeInsufficientScope = oauth.CodeInsufficientScope // RFC 6750 §3.1: 403
	CodeAccessDenied      = oauth.CodeAccessDenied      // 403 from a handler
	CodeNotFound          = "not_found"                 // 404
	CodeMethodNotAllowed  = "method_not_allowed"        // 405
	CodeConflict          = "conflict"                  // 409
	CodeTooLarge          = "request_too_large"         // 413
	CodeServerError       = oauth.CodeServerError       // 500, never with detail
)

// oauthBody is the RFC 6749 §5.2 error body.
type oauthBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// RenderOAuth is the Renderer of the system APIs: the RFC 6749 §5.2 body
// {error, error_description}, not cached (RFC 6749 §5.1).
func RenderOAuth(c echo.Context, status int, code, detail string) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	return c.JSON(status, oauthBody{Error: code, Description: detail})
}

// Errors returns the middleware that renders an error returned by the
// handler chain: a strict handler's `return nil, err`, or the binding errors
// of the generated wrappers. Kit.Router installs it outermost on the API's
// routes. It returns nil once it has written the response, so echo's
// HTTPErrorHandler never sees these errors.
func (k *Kit) Errors() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			if err == nil {
				return nil
			}
			return k.renderError(c, err)
		}
	}
}

// renderError maps err once: an *oauth.Error keeps its status, code and
// description (its descriptions are written to be shown; its cause is
// not); an echo HTTP error keeps its status with a generic text, because
// its message may quote a parser; anything else is a logged 500.
func (k *Kit) renderError(c echo.Context, err error) error {
	if c.Response().Committed {
		k.log.ErrorContext(c.Request().Context(), "api error after the response was written",
			"request_id", authctx.RequestID(c.Request().Context()), "error", err)
		return nil
	}
	var oe *oauth.Error
	if errors.As(err, &oe) && oe.Code != oauth.CodeServerError {
		copyHeader(c.Response().Header(), oe.Header)
		return k.render(c, oe.HTTPStatus(), oe.Code, oe.Description)
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code >= 400 && he.Code < 500 {
		return k.render(c, he.Code, codeForStatus(he.Code), http.StatusText(he.Code))
	}
	return k.serverError(c, err)
}

// serverError logs the cause once, at the boundary, and renders a 500
// without detail (style §5).
func (k *Kit) serverError(c echo.Context, err error) error {
	ctx := c.Request().Context()
	attrs := []any{"request_id", authctx.RequestID(ctx), "path", c.Request().URL.Path, "error", err}
	if cause := errors.Unwrap(err); cause != nil {
		attrs = append(attrs, "cause", cause) // an *oauth.Error's message omits its cause
	}
	k.log.ErrorContext(ctx, "api", attrs...)
	return k.render(c, http.StatusInternalServerError, CodeServerError, "internal error")
}

// fail renders a failure the kit itself detected.
func (k *Kit) fail(c echo.Context, f *failure) error {
	copyHeader(c.Response().Header(), f.header)
	return k.render(c, f.status, f.code, f.detail)
}

// failure is a rejection decided by the kit (security or validation).
type failure struct {
	status int
	code   string
	detail string
	header http.Header
}

func codeForStatus(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return oauth.CodeInvalidToken
	case http.StatusForbidden:
		return CodeAccessDenied
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusMethodNotAllowed:
		return CodeMethodNotAllowed
	case http.StatusConflict:
		return CodeConflict
	case http.StatusRequestEntityTooLarge:
		return CodeTooLarge
	}
	return CodeInvalidRequest
}

func copyHeader(dst, src http.Header) {
	for name, vs := range src {
		dst.Del(name)
		for _, v := range vs {
			dst.Add(name, v)
		}
	}
}

package registration

import (
	"errors"
	"net/http"

	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/server/oauth"
)

// status is the HTTP status of a dcr error code: RFC 7591 §3.2.2 errors
// are 400, RFC 6750 §3.1 token errors 401 and 403.
func status(code string) int {
	switch code {
	case dcr.CodeInvalidToken, dcr.CodeInvalidClient:
		return http.StatusUnauthorized
	case dcr.CodeInsufficientScope:
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// writeErr writes err once: a *dcr.Error as its code and description, an
// *oauth.Error (from bearer authentication) as is, anything else as a
// logged server_error without detail.
func (h *Handler) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var de *dcr.Error
	if errors.As(err, &de) {
		st := status(de.Code)
		if st == http.StatusUnauthorized || st == http.StatusForbidden {
			// RFC 6750 §3: a challenge naming the error.
			w.Header().Set("WWW-Authenticate", `Bearer error="`+de.Code+`"`)
		}
		oauth.WriteError(w, (&oauth.Error{Code: de.Code, Description: de.Description}).WithStatus(st))
		return
	}
	oe := oauth.AsError(err)
	if oe.Code == oauth.CodeServerError {
		h.log.ErrorContext(r.Context(), "registration", "path", r.URL.Path, "error", err)
	}
	oauth.WriteError(w, oe)
}

package server

import (
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/server/authctx"
)

// interactionIDPattern bounds what we echo back: FAPI says the header is a
// UUID (RFC 4122); we accept any short token-ish value but never reflect
// arbitrary bytes into a response header.
var interactionIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

const headerInteractionID = "x-fapi-interaction-id"

// requestContext sets the request id, the x-fapi-interaction-id (echoed when
// valid, generated when absent: FAPI 1.0 Baseline §6.2.1-11) and the client
// certificate, and logs one structured line per request.
func (s *Server) requestContext(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		r := c.Request()
		reqID := uuid.NewString()
		iid := r.Header.Get(headerInteractionID)
		if !interactionIDPattern.MatchString(iid) {
			iid = uuid.NewString()
		}
		c.Response().Header().Set(headerInteractionID, iid)
		ctx := authctx.WithRequestID(authctx.WithInteractionID(r.Context(), iid), reqID)
		r = s.certs.wrap(r.WithContext(ctx))
		c.SetRequest(r)
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		lvl := slog.LevelInfo
		if status >= 500 {
			lvl = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("request_id", reqID),
			slog.String("interaction_id", iid),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		s.log.LogAttrs(ctx, lvl, "request", attrs...)
		return nil
	}
}

// errorHandler renders errors that reach echo: echo's own HTTP errors keep
// their status with a generic JSON body; anything else is a 500 with no
// internal detail.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	msg := "internal error"
	if he, ok := err.(*echo.HTTPError); ok {
		code = he.Code
		msg = http.StatusText(code)
	}
	_ = c.JSON(code, map[string]string{"error": msg})
}

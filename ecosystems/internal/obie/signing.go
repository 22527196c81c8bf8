package obie

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

// KeySource returns the ASPSP's current private PS256 signing key (with
// its kid), or false when there is none. It must be safe for concurrent use.
type KeySource func() (*jose.JSONWebKey, bool)

// responseSigner signs response bodies with the workspace key, building a
// Signer once per key (the key itself is parsed once by the key set; a
// rotation is picked up by its kid).
type responseSigner struct {
	key KeySource
	iss string
	tan string
	now func() time.Time
	cur atomic.Pointer[Signer]
}

func (r *responseSigner) sign(body []byte) (string, error) {
	k, ok := r.key()
	if !ok || k == nil {
		return "", errors.New("obie: no PS256 signing key")
	}
	s := r.cur.Load()
	if s == nil || s.KeyID() != k.KeyID {
		var err error
		if s, err = NewSigner(*k, r.iss, r.tan, r.now); err != nil {
			return "", err
		}
		r.cur.Store(s)
	}
	return s.Sign(body)
}

// bufferWriter holds a response until it is signed.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// Header implements http.ResponseWriter: the real response's headers.
func (b *bufferWriter) Header() http.Header { return b.header }

// WriteHeader implements http.ResponseWriter: the first status wins.
func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

// Write implements http.ResponseWriter: the body is held until signed.
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// signResponses signs every response body of the signed routes (signed:
// "METHOD /route" as echo reports it, filled at Mount and read-only after),
// errors included (UK RW v3.1.11 Message Signing: where an API signs, its
// error bodies are signed too). An empty body (204, 401) carries no signature.
func signResponses(s *responseSigner, signed map[string]bool, log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !signed[c.Request().Method+" "+c.Path()] {
				return next(c)
			}
			res := c.Response()
			orig := res.Writer
			buf := &bufferWriter{header: orig.Header()}
			res.Writer = buf
			err := next(c)
			res.Writer = orig
			if buf.status == 0 {
				return err // nothing written: the error goes on to echo
			}
			body := buf.body.Bytes()
			if len(body) > 0 {
				sig, serr := s.sign(body)
				if serr != nil {
					log.ErrorContext(c.Request().Context(), "obie: signing the response", "error", serr)
					orig.Header().Del(headerJWS)
					buf.status, body = http.StatusInternalServerError, unsignedServerError(c)
				} else {
					orig.Header().Set(headerJWS, sig)
				}
			}
			res.Status = buf.status
			orig.WriteHeader(buf.status)
			if _, werr := orig.Write(body); werr != nil && err == nil {
				err = werr
			}
			return err
		}
	}
}

// unsignedServerError is the body sent when our own signature failed.
func unsignedServerError(c echo.Context) []byte {
	b, _ := json.Marshal(errorBody(c, newError(http.StatusInternalServerError, gen.UKOBIEUnexpectedError, "", "the response could not be signed")))
	return b
}

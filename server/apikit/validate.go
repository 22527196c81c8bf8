package apikit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/labstack/echo/v4"
)

// defaultMaxBody bounds a request body before kin-openapi reads it whole:
// our APIs take small JSON documents.
const defaultMaxBody = 1 << 20

// maxDetail bounds the reason quoted from a schema error.
const maxDetail = 200

// Kit validates and secures the requests of one API mounted at one prefix.
// Build it once at start with New; it is safe for concurrent use.
type Kit struct {
	m       matcher
	render  Renderer
	auth    Authenticator
	system  ClientLookup
	log     *slog.Logger
	maxBody int64
	filter  openapi3filter.Options
}

// Option configures a Kit.
type Option func(*Kit)

// WithPrefix sets the path the API's routes are mounted under (the
// workspace group, "/{ws}"): it is stripped before matching, because the
// spec's paths are relative to the workspace root.
func WithPrefix(prefix string) Option {
	return func(k *Kit) { k.m.prefix = strings.TrimRight(prefix, "/") }
}

// WithLogger sets where server errors are logged; default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(k *Kit) { k.log = l } }

// WithMaxBodyBytes bounds request bodies (default 1 MiB); larger ones are 413.
func WithMaxBodyBytes(n int64) Option { return func(k *Kit) { k.maxBody = n } }

// LoadSpec parses and prepares an OpenAPI document (YAML or JSON), e.g. our
// file read by a test. Generated packages provide theirs with GetSwagger.
func LoadSpec(raw []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if err := prepare(doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// prepare clears servers (style §6: otherwise the router matches the Host
// against them) and validates the document once, at start.
func prepare(doc *openapi3.T) error {
	doc.Servers = nil
	if err := doc.Validate(context.Background()); err != nil {
		return fmt.Errorf("openapi: invalid document: %w", err)
	}
	return nil
}

// New builds the kit for doc, which it takes over (its servers are
// cleared). Every error is a start-up error: a bad document, a security
// scheme the kit cannot enforce, or a secured spec without an Authenticator.
func New(doc *openapi3.T, render Renderer, opts ...Option) (*Kit, error) {
	if doc == nil || render == nil {
		return nil, errors.New("apikit: a document and a Renderer are required")
	}
	k := &Kit{render: render, log: slog.Default(), maxBody: defaultMaxBody}
	for _, o := range opts {
		o(k)
	}
	m, err := newMatcher(doc, k.m.prefix)
	if err != nil {
		return nil, err
	}
	k.m = m
	if err := k.checkSecurity(doc); err != nil {
		return nil, fmt.Errorf("apikit: %w", err)
	}
	// Security is enforced by the kit before validation (see authorize), so
	// the filter's own security check is a no-op. KeepValidatedValue lets
	// the generated strict wrapper bind exactly the value that was validated.
	k.filter = openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, KeepValidatedValue: true}
	return k, nil
}

// Router returns an EchoRouter (the interface oapi-codegen's
// RegisterHandlers takes) that adds each route to g with the kit's
// middleware, Errors outermost, so the kit runs on the API's own routes only
// and never on its neighbours in the workspace group. (The generated
// per-operation middleware map is keyed by the spec's raw operationId while
// the embedded spec carries a normalised one, so it is not used.)
//
// Unlike Middleware, these routes fail closed: a request the spec does not
// describe is refused (404), never handed to the handler unchecked, so a
// drift between the spec and the generated routes cannot open an operation.
func (k *Kit) Router(g *echo.Group) *Router {
	return &Router{g: g, mw: []echo.MiddlewareFunc{k.Errors(), k.middleware(true)}}
}

// Router registers routes with the kit's middleware; see Kit.Router.
type Router struct {
	g  *echo.Group
	mw []echo.MiddlewareFunc
}

func (r *Router) add(method, path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) *echo.Route {
	return r.g.Add(method, path, h, append(append([]echo.MiddlewareFunc{}, r.mw...), m...)...)
}

// CONNECT registers a route; the methods below complete the EchoRouter set.
func (r *Router) CONNECT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodConnect, p, h, m)
}

// DELETE registers a route.
func (r *Router) DELETE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodDelete, p, h, m)
}

// GET registers a route.
func (r *Router) GET(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodGet, p, h, m)
}

// HEAD registers a route.
func (r *Router) HEAD(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodHead, p, h, m)
}

// OPTIONS registers a route.
func (r *Router) OPTIONS(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodOptions, p, h, m)
}

// PATCH registers a route.
func (r *Router) PATCH(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPatch, p, h, m)
}

// POST registers a route.
func (r *Router) POST(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPost, p, h, m)
}

// PUT registers a route.
func (r *Router) PUT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPut, p, h, m)
}

// TRACE registers a route.
func (r *Router) TRACE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodTrace, p, h, m)
}

// Middleware matches the request against the spec; for a described
// operation it enforces the security requirements, then validates the
// parameters and body, and passes the token on in the context. Requests the
// spec does not describe pass through untouched.
func (k *Kit) Middleware() echo.MiddlewareFunc { return k.middleware(false) }

func (k *Kit) middleware(closed bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			vr, route, params, ok := k.m.find(r)
			if !ok && closed {
				return k.fail(c, &failure{status: http.StatusNotFound, code: CodeNotFound, detail: "no such operation"})
			}
			if !ok {
				return next(c)
			}
			info, f, err := k.authorize(vr, route, vr.URL.EscapedPath())
			if err != nil {
				return k.serverError(c, err)
			}
			if f != nil {
				return k.fail(c, f)
			}
			if r.Body != nil && r.Body != http.NoBody {
				vr.Body = http.MaxBytesReader(c.Response(), r.Body, k.maxBody)
			}
			in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route, Options: &k.filter}
			if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
				return k.fail(c, invalid(err))
			}
			out := r
			if info != nil {
				out = r.WithContext(withToken(r.Context(), info))
			}
			// The filter read the body; hand on the copy it left behind.
			out.Body, out.GetBody, out.ContentLength = vr.Body, vr.GetBody, vr.ContentLength
			c.SetRequest(out)
			return next(c)
		}
	}
}

// invalid turns a validation error into a 400 whose detail names the field
// and a short reason, never the library's full message. An oversized body is 413.
func invalid(err error) *failure {
	f := &failure{status: http.StatusBadRequest, code: CodeInvalidRequest}
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		f.detail = "the request is invalid"
		return f
	}
	where := "request body"
	if re.Parameter != nil {
		where = "parameter " + re.Parameter.Name
	}
	var se *openapi3.SchemaError
	var mbe *http.MaxBytesError
	var pe *openapi3filter.ParseError
	switch {
	case errors.As(re.Err, &mbe):
		f.status, f.code, f.detail = http.StatusRequestEntityTooLarge, CodeTooLarge, "the request body is too large"
	case errors.As(re.Err, &se):
		if p := se.JSONPointer(); len(p) > 0 && re.Parameter == nil {
			where = "field " + strings.Join(p, ".")
		}
		f.detail = where + ": " + clip(se.Reason)
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		f.detail = where + ": is required"
	case errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue):
		f.detail = where + ": must not be empty"
	case errors.As(re.Err, &pe):
		f.detail = where + ": is malformed"
	case re.RequestBody != nil && strings.HasPrefix(re.Reason, "header Content-Type"):
		f.status, f.detail = http.StatusUnsupportedMediaType, "the request body must be application/json"
	default:
		f.detail = where + ": is invalid"
	}
	return f
}

func clip(s string) string {
	if s == "" {
		return "is invalid"
	}
	if len(s) > maxDetail {
		return s[:maxDetail] + "…"
	}
	return s
}

// matcher finds the spec operation of a request mounted under prefix.
type matcher struct {
	prefix string
	router routers.Router
}

func newMatcher(doc *openapi3.T, prefix string) (matcher, error) {
	if err := prepare(doc); err != nil {
		return matcher{}, err
	}
	// The legacy router needs no extra module (gorillamux pulls gorilla/mux)
	// and reports path-not-found and method-not-allowed distinctly.
	r, err := legacy.NewRouter(doc)
	if err != nil {
		return matcher{}, fmt.Errorf("openapi: router: %w", err)
	}
	return matcher{prefix: prefix, router: r}, nil
}

// find returns a copy of r whose path is relative to the prefix, with the
// route it matches; ok is false when the spec does not describe r.
func (m matcher) find(r *http.Request) (*http.Request, *routers.Route, map[string]string, bool) {
	if !strings.HasPrefix(r.URL.Path, m.prefix+"/") {
		return nil, nil, nil, false
	}
	vr := r.Clone(r.Context())
	vr.URL.Path = strings.TrimPrefix(r.URL.Path, m.prefix)
	vr.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, m.prefix)
	route, params, err := m.router.FindRoute(vr)
	if err != nil {
		return nil, nil, nil, false
	}
	return vr, route, params, true
}

// ResponseValidator checks responses against the spec: tests validate our
// HTTP responses against our OpenAPI file (style §7).
type ResponseValidator struct{ m matcher }

// NewResponseValidator builds a validator for doc mounted under prefix.
func NewResponseValidator(doc *openapi3.T, prefix string) (*ResponseValidator, error) {
	m, err := newMatcher(doc, strings.TrimRight(prefix, "/"))
	if err != nil {
		return nil, err
	}
	return &ResponseValidator{m: m}, nil
}

// Validate checks status, headers and body of the response to req. The
// status must be one the operation declares.
func (v *ResponseValidator) Validate(req *http.Request, status int, header http.Header, body []byte) error {
	vr, route, params, ok := v.m.find(req)
	if !ok {
		return fmt.Errorf("%s %s is not an operation of the spec", req.Method, req.URL.Path)
	}
	noop := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route, Options: noop},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	})
}

package obie

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

// opRouter is the gen.EchoRouter the generated RegisterHandlers fills: it
// matches each generated route to its operation of the spec by method and
// path, adds the UK middleware that operation needs after the kit's, skips
// the routes the profile does not serve (KSA: PISP) and records the routes
// whose responses are signed. A generated route with no operation in the
// spec fails Mount: nothing is served unchecked.
type opRouter struct {
	inner  gen.EchoRouter // the kit's fail-closed router
	prefix string         // the group's full path, as echo reports c.Path()
	ops    map[string]operation
	signed map[string]bool // "METHOD /full/route" -> sign responses
	skip   func(path string) bool
	chain  func(operation) []echo.MiddlewareFunc
	errs   []error
}

var _ gen.EchoRouter = (*opRouter)(nil)

// specPath turns an echo route (/x/:ConsentId) into the spec's (/x/{ConsentId}).
func specPath(route string) string {
	parts := strings.Split(route, "/")
	for i, p := range parts {
		if name, ok := strings.CutPrefix(p, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

func (r *opRouter) add(method, path string, h echo.HandlerFunc, m []echo.MiddlewareFunc,
	reg func(string, echo.HandlerFunc, ...echo.MiddlewareFunc) *echo.Route) *echo.Route {
	if r.skip(path) {
		return nil
	}
	op, ok := r.ops[method+" "+specPath(path)]
	if !ok {
		r.errs = append(r.errs, fmt.Errorf("generated route %s %s is not an operation of the spec", method, path))
		return nil
	}
	if op.sign {
		r.signed[method+" "+r.prefix+path] = true
	}
	return reg(path, h, append(append([]echo.MiddlewareFunc{}, m...), r.chain(op)...)...)
}

func (r *opRouter) check() error { return errors.Join(r.errs...) }

// GET implements gen.EchoRouter.
func (r *opRouter) GET(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodGet, p, h, m, r.inner.GET)
}

// POST implements gen.EchoRouter.
func (r *opRouter) POST(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPost, p, h, m, r.inner.POST)
}

// DELETE implements gen.EchoRouter.
func (r *opRouter) DELETE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodDelete, p, h, m, r.inner.DELETE)
}

// PUT implements gen.EchoRouter.
func (r *opRouter) PUT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPut, p, h, m, r.inner.PUT)
}

// PATCH implements gen.EchoRouter.
func (r *opRouter) PATCH(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodPatch, p, h, m, r.inner.PATCH)
}

// HEAD implements gen.EchoRouter.
func (r *opRouter) HEAD(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodHead, p, h, m, r.inner.HEAD)
}

// OPTIONS implements gen.EchoRouter.
func (r *opRouter) OPTIONS(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodOptions, p, h, m, r.inner.OPTIONS)
}

// CONNECT implements gen.EchoRouter.
func (r *opRouter) CONNECT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodConnect, p, h, m, r.inner.CONNECT)
}

// TRACE implements gen.EchoRouter.
func (r *opRouter) TRACE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodTrace, p, h, m, r.inner.TRACE)
}

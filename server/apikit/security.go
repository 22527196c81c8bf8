package apikit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/openconsent/openconsent/server/oauth"
)

// Authenticator validates the access token of a request: scheme, activity
// and sender constraint (the workspace provider's AuthenticateBearer). path
// is the request path under the workspace root, which the provider needs to
// check a DPoP proof's htu (RFC 9449 §4.3). Failures are *oauth.Error values
// carrying their WWW-Authenticate (and DPoP-Nonce) headers.
type Authenticator func(r *http.Request, path string) (*oauth.TokenInfo, error)

// ClientLookup returns a client of the workspace, or an error wrapping
// oauth.ErrClientNotFound. It must be safe for concurrent use.
type ClientLookup func(ctx context.Context, clientID string) (*oauth.Client, error)

// WithAuthenticator sets how bearer tokens are validated. It is required when
// the spec secures any operation: New fails without it.
func WithAuthenticator(a Authenticator) Option { return func(k *Kit) { k.auth = a } }

// RequireSystemClient restricts every secured operation to tokens issued to
// a System client (oauth.Client.System), looked up at each request so a
// client demoted in configuration loses access at once. System APIs use it:
// a scope alone is not enough, because any client could be registered for
// a scope named manage_logins.
func RequireSystemClient(lookup ClientLookup) Option { return func(k *Kit) { k.system = lookup } }

type tokenKey struct{}

// Token returns the access token the kit validated for this request, or
// false when the operation is not secured.
func Token(ctx context.Context) (*oauth.TokenInfo, bool) {
	t, ok := ctx.Value(tokenKey{}).(*oauth.TokenInfo)
	return t, ok && t != nil
}

func withToken(ctx context.Context, t *oauth.TokenInfo) context.Context {
	return context.WithValue(ctx, tokenKey{}, t)
}

// requirements are the operation's security requirements, else the
// document's (OpenAPI 3.0.3 §4.7.10: an operation's `security` overrides the
// top-level one; an empty list removes it).
func requirements(route *routers.Route) openapi3.SecurityRequirements {
	if route.Operation.Security != nil {
		return *route.Operation.Security
	}
	return route.Spec.Security
}

// checkSecurity fails at start when an operation names a scheme the kit
// cannot enforce, so a typo in the spec never leaves an operation open.
func (k *Kit) checkSecurity(doc *openapi3.T) error {
	secured := false
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			reqs := doc.Security
			if op.Security != nil {
				reqs = *op.Security
			}
			for _, req := range reqs {
				for name := range req {
					ref := doc.Components.SecuritySchemes[name]
					if ref == nil || ref.Value == nil || ref.Value.Type != "oauth2" {
						return fmt.Errorf("%s %s: security scheme %q is not an oauth2 scheme of the document", method, path, name)
					}
					secured = true
				}
			}
		}
	}
	if secured && k.auth == nil {
		return errors.New("the spec secures operations but no Authenticator is set")
	}
	return nil
}

// authorize enforces the operation's security: a valid token (401
// otherwise), issued to a System client when required, holding every scope
// of at least one requirement (403 insufficient_scope otherwise, RFC 6750
// §3.1). It returns nil, nil for an operation that is not secured.
func (k *Kit) authorize(r *http.Request, route *routers.Route, path string) (*oauth.TokenInfo, *failure, error) {
	reqs := requirements(route)
	if len(reqs) == 0 {
		return nil, nil, nil
	}
	for _, req := range reqs {
		if len(req) == 0 {
			return nil, nil, nil // {} lists anonymous access as an alternative
		}
	}
	info, err := k.auth(r, path)
	if err != nil {
		f, err := authFailure(r, err)
		return nil, f, err
	}
	scheme := challengeScheme(r)
	if k.system != nil {
		c, err := k.system(r.Context(), info.Record.ClientID)
		if err != nil && !errors.Is(err, oauth.ErrClientNotFound) {
			return nil, nil, err
		}
		if c == nil || !c.System {
			return nil, forbidden(scheme, "", "the client is not a system client"), nil
		}
	}
	for _, req := range reqs {
		if hasAll(info, req) {
			return info, nil, nil
		}
	}
	want := scopesOf(reqs[0])
	return nil, forbidden(scheme, want, "the access token lacks scope "+want), nil
}

// authFailure turns an Authenticator error into a 401 (or a logged 500 for
// server_error). DPoP proof errors are 401 at a resource server with a DPoP
// challenge (RFC 9449 §7.1, §9), whatever status the token endpoint would use.
func authFailure(r *http.Request, err error) (*failure, error) {
	oe := oauth.AsError(err)
	if oe.Code == oauth.CodeServerError {
		return nil, err
	}
	f := &failure{status: oe.HTTPStatus(), code: oe.Code, detail: oe.Description, header: oe.Header.Clone()}
	if f.header == nil {
		f.header = http.Header{}
	}
	scheme := challengeScheme(r)
	if oe.Code == oauth.CodeInvalidDPoPProof || oe.Code == oauth.CodeUseDPoPNonce {
		f.status, scheme = http.StatusUnauthorized, "DPoP"
	}
	if f.status == http.StatusUnauthorized && f.header.Get("WWW-Authenticate") == "" {
		f.header.Set("WWW-Authenticate", scheme+` error="`+oe.Code+`"`) // RFC 6750 §3
	}
	return f, nil
}

// forbidden is RFC 6750 §3.1 insufficient_scope, with the scope the
// operation needs in the challenge (RFC 6750 §3).
func forbidden(scheme, scope, detail string) *failure {
	ch := scheme + ` error="insufficient_scope"`
	if scope != "" {
		ch += `, scope="` + scope + `"`
	}
	h := http.Header{}
	h.Set("WWW-Authenticate", ch)
	return &failure{status: http.StatusForbidden, code: CodeInsufficientScope, detail: detail, header: h}
}

// challengeScheme answers in the scheme the client used (RFC 9449 §7.1).
func challengeScheme(r *http.Request) string {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "DPoP") {
		return "DPoP"
	}
	return "Bearer"
}

func hasAll(info *oauth.TokenInfo, req openapi3.SecurityRequirement) bool {
	for _, scopes := range req {
		for _, s := range scopes {
			if !info.HasScope(s) {
				return false
			}
		}
	}
	return true
}

func scopesOf(req openapi3.SecurityRequirement) string {
	var all []string
	for _, scopes := range req {
		all = append(all, scopes...)
	}
	sort.Strings(all)
	return strings.Join(all, " ")
}

package obie

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-jose/go-jose/v4"
	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/oauth"
)

// maxBody bounds request bodies read before validation (the kit's own
// bound is the same 1 MiB; a larger body is left for the kit's 413).
const maxBody = 1 << 20

// grantKind is the token an operation needs, read from its security
// scheme's flows in our OpenAPI file (style §6: security from the spec).
type grantKind int

const (
	grantAny    grantKind = iota
	grantClient           // TPPOAuth2Security: client_credentials (no PSU)
	grantPSU              // PSUOAuth2Security: authorization_code (a PSU)
)

// operation is what the UK layer reads from one operation of the spec.
type operation struct {
	grant  grantKind
	verify bool // takes x-jws-signature: the request must be signed
	sign   bool // declares x-jws-signature on a response: we sign ours
}

// operations reads every operation of doc once, at start, keyed by
// "METHOD /path/{param}" (the generated routes are matched to them by
// method and path, not by operationId).
func operations(doc *openapi3.T) map[string]operation {
	out := map[string]operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			var o operation
			reqs := doc.Security
			if op.Security != nil {
				reqs = *op.Security
			}
			for _, req := range reqs {
				for name := range req {
					o.grant = grantOf(doc, name)
				}
			}
			for _, p := range op.Parameters {
				if p.Value != nil && strings.EqualFold(p.Value.Name, headerJWS) {
					o.verify = true
				}
			}
			for _, r := range op.Responses.Map() {
				if r.Value != nil && r.Value.Headers[headerJWS] != nil {
					o.sign = true
				}
			}
			out[method+" "+path] = o
		}
	}
	return out
}

func grantOf(doc *openapi3.T, scheme string) grantKind {
	ref := doc.Components.SecuritySchemes[scheme]
	if ref == nil || ref.Value == nil || ref.Value.Flows == nil {
		return grantAny
	}
	f := ref.Value.Flows
	switch {
	case f.ClientCredentials != nil && f.AuthorizationCode == nil:
		return grantClient
	case f.AuthorizationCode != nil && f.ClientCredentials == nil:
		return grantPSU
	}
	return grantAny
}

// requireGrant refuses a token of the wrong kind with 403: consents are
// created, read and deleted with a client_credentials token; funds are
// confirmed with the PSU's token (UK RW v3.1.11 Read/Write Data API
// Profile; client_credentials tokens have no subject).
func requireGrant(kind grantKind) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			tok, ok := apikit.Token(c.Request().Context())
			switch {
			case !ok:
				return forbidden("an access token is required")
			case kind == grantClient && tok.Record.Subject != "":
				return forbidden("a client_credentials access token is required")
			case kind == grantPSU && tok.Record.Subject == "":
				return forbidden("the PSU's access token for this consent is required")
			}
			return next(c)
		}
	}
}

type rawBodyKey struct{}

// rawBody returns the exact request body bytes (captured before
// validation), or false when the operation takes no body.
func rawBody(ctx context.Context) ([]byte, bool) {
	b, ok := ctx.Value(rawBodyKey{}).([]byte)
	return b, ok
}

// captureBody keeps the exact bytes received: the detached JWS and the
// idempotency hash cover them, not a re-encoding. It runs before the kit
// and never fails: a body it cannot read is left for the kit to reject.
func captureBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Body == http.NoBody {
			c.SetRequest(r.WithContext(context.WithValue(r.Context(), rawBodyKey{}, []byte{})))
			return next(c)
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		rest := r.Body
		if err != nil {
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), rest))
			c.SetRequest(r)
			return next(c)
		}
		r = r.WithContext(context.WithValue(r.Context(), rawBodyKey{}, b))
		if len(b) > maxBody {
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), rest)) // the kit answers 413
		} else {
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		c.SetRequest(r)
		return next(c)
	}
}

// verifyRequestJWS checks the request's x-jws-signature against the TPP's
// registered keys (UK RW v3.1.11 Message Signing: missing or invalid is 400).
func (a *api) verifyRequestJWS(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		tok, ok := apikit.Token(ctx)
		if !ok {
			return forbidden("an access token is required")
		}
		cl, err := a.clients.Client(ctx, a.ws, tok.Record.ClientID)
		if errors.Is(err, oauth.ErrClientNotFound) {
			return forbidden("the client is no longer registered")
		}
		if err != nil {
			return err
		}
		body, ok := rawBody(ctx)
		if !ok {
			return badRequest(gen.UKOBIEResourceInvalidFormat, "", "the request body could not be read")
		}
		keys := func(ctx context.Context, kid string) ([]jose.JSONWebKey, error) { return a.jwks.KeyByID(ctx, cl, kid) }
		policy := JWSPolicy{TrustAnchor: a.prof.TrustAnchor, Issuers: signerIssuers(cl), Now: a.now, Leeway: a.prof.IATLeeway}
		if err := VerifyDetached(ctx, c.Request().Header.Get(headerJWS), body, keys, policy); err != nil {
			var se *SignatureError
			if errors.As(err, &se) {
				path := headerJWS
				if se.Claim != "" {
					path = se.Claim
				}
				return badRequest(se.Code, path, se.Reason)
			}
			return err
		}
		return next(c)
	}
}

// signerIssuers are the http://openbanking.org.uk/iss values that name the
// TPP (UK RW v3.1.11 Message Signing): "{org-id}/{software-statement-id}"
// when the client was registered with OB Directory metadata, the subject
// DN of its certificate when it authenticates with tls_client_auth, and,
// for statically configured clients without either, its client_id.
func signerIssuers(c *oauth.Client) []string {
	out := []string{c.ID}
	if c.TLSClientAuthSubjectDN != "" {
		out = append(out, c.TLSClientAuthSubjectDN)
	}
	org, _ := c.Metadata["org_id"].(string)
	sw, _ := c.Metadata["software_id"].(string)
	if org != "" && sw != "" {
		out = append(out, org+"/"+sw)
	}
	return out
}

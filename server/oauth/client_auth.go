package oauth

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/openconsent/openconsent/server/authctx"
)

// Form parameters of client authentication (RFC 6749 §2.3.1, RFC 7521 §4.2).
const (
	formClientID            = "client_id"
	formClientSecret        = "client_secret"
	formClientAssertion     = "client_assertion"
	formClientAssertionType = "client_assertion_type"
)

// descAuthFailed is the description for an unknown client or a method the
// client did not register, so neither reveals whether the client exists.
const descAuthFailed = "client authentication failed"

// ClientAuthenticator authenticates clients at the token, PAR,
// introspection and revocation endpoints of one workspace: private_key_jwt
// (RFC 7523), tls_client_auth and self_signed_tls_client_auth (RFC 8705 §2).
// Shared secrets are never accepted (FAPI 2.0 SP §5.3.2.1-4, FAPI 1.0 Adv
// §5.2.2-14).
type ClientAuthenticator struct {
	Clients ClientSource
	JWKS    *JWKSCache
	// TrustedCAs are the roots for tls_client_auth; nil makes it always fail.
	TrustedCAs *x509.CertPool
	// Issuer is the workspace's issuer identifier.
	Issuer string
	// TokenEndpoint is the token endpoint URL, an accepted assertion aud
	// under AudienceIssuerOrEndpoint at every endpoint (RFC 9126 §2, CDR).
	TokenEndpoint string
	Profile       Profile

	// verified remembers chains that verified against TrustedCAs, which
	// must therefore not change after first use.
	verified chainCache
}

// AuthenticatedClient is the result of a successful client authentication.
type AuthenticatedClient struct {
	Client *Client
	// Method is the token_endpoint_auth_method used.
	Method string
	// Once holds the assertion jti; the caller writes it with the request's
	// store write (TokenStore.Issue, FlowStore.SavePAR) to enforce single use.
	Once []SingleUse
	// Cert is the presented client certificate, if any, whatever the
	// method, for certificate-bound tokens (RFC 8705 §3).
	Cert *x509.Certificate
}

// authParams are the client authentication inputs of one request.
type authParams struct {
	clientID      string
	assertionType string
	assertion     string
	hasAssertion  bool
}

// Authenticate authenticates the client of r. The caller has called
// r.ParseForm; parameters are read from the body only (r.PostForm). The TLS
// client certificate comes from authctx.
//
// Error codes (RFC 6749 §5.2): a malformed request (repeated parameter,
// credentials in the URL, half of an assertion pair, more than one
// mechanism) is invalid_request; everything else (no credentials, a shared
// secret, an unsupported assertion type, an unknown client, a method the
// client did not register or the profile does not allow, a failed
// verification, a client that is not approved) is invalid_client (401).
func (a *ClientAuthenticator) Authenticate(r *http.Request, workspace, endpointURL string, now time.Time) (*AuthenticatedClient, error) {
	p, perr := a.readAuthParams(r)
	if perr != nil {
		return nil, perr
	}
	ctx := r.Context()
	chain := authctx.ClientCertChain(ctx)
	var leaf *x509.Certificate
	if len(chain) > 0 {
		leaf = chain[0]
	}
	var (
		ac  *AuthenticatedClient
		err error
	)
	if p.hasAssertion {
		ac, err = a.authAssertion(ctx, p, workspace, endpointURL, now)
	} else {
		ac, err = a.authWithoutAssertion(ctx, p.clientID, workspace, chain, now)
	}
	if err != nil {
		return nil, err
	}
	// Checked after authentication so that an unauthenticated caller cannot
	// learn that a pending client exists. RFC 6749 §5.2: invalid_client;
	// unauthorized_client is about grants.
	if ac.Client.Status != "" && ac.Client.Status != ClientApproved {
		return nil, InvalidClient("client is not approved")
	}
	ac.Cert = leaf
	return ac, nil
}

// readAuthParams extracts and sanity-checks the authentication parameters.
func (a *ClientAuthenticator) readAuthParams(r *http.Request) (authParams, *Error) {
	q := r.URL.Query()
	for _, name := range []string{formClientSecret, formClientAssertion, formClientAssertionType} {
		if q.Has(name) {
			// RFC 6749 §2.3.1: credentials MUST NOT be in the request URI.
			return authParams{}, InvalidRequest("client credentials must be sent in the request body")
		}
	}
	form := r.PostForm
	for _, name := range []string{formClientID, formClientSecret, formClientAssertion, formClientAssertionType} {
		if len(form[name]) > 1 {
			return authParams{}, InvalidRequest(name + " is repeated") // RFC 6749 §3.2
		}
	}
	p := authParams{
		clientID:      form.Get(formClientID),
		assertionType: form.Get(formClientAssertionType),
		assertion:     form.Get(formClientAssertion),
		hasAssertion:  form.Has(formClientAssertion) || form.Has(formClientAssertionType),
	}
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	basic := strings.EqualFold(scheme, "Basic")
	secret := form.Has(formClientSecret)
	n := 0
	for _, used := range []bool{basic, secret, p.hasAssertion} {
		if used {
			n++
		}
	}
	switch {
	case n > 1: // RFC 6749 §2.3: "MUST NOT use more than one authentication method in each request"
		return p, InvalidRequest("more than one client authentication mechanism is used")
	case basic: // RFC 6749 §5.2: 401 with a challenge for the scheme the client used
		return p, InvalidClient("client_secret_basic is not supported").
			WithHeader("WWW-Authenticate", `Basic realm="`+a.Issuer+`"`)
	case secret:
		return p, InvalidClient("client_secret_post is not supported")
	case !p.hasAssertion:
		return p, nil
	case p.assertion == "": // RFC 7521 §4.2: both parameters are REQUIRED
		return p, InvalidRequest("client_assertion is required with client_assertion_type")
	case p.assertionType == "":
		return p, InvalidRequest("client_assertion_type is required with client_assertion")
	case p.assertionType != ClientAssertionTypeJWTBearer: // RFC 7523 §2.2
		return p, InvalidClient("client_assertion_type is not supported")
	}
	return p, nil
}

// authAssertion authenticates with private_key_jwt. The client is found
// from client_id or, as RFC 7521 §4.2 makes client_id optional, from the
// assertion's sub; the claims read before verification only select the
// client and are checked again once the signature is verified.
func (a *ClientAuthenticator) authAssertion(ctx context.Context, p authParams, workspace, endpointURL string, now time.Time) (*AuthenticatedClient, error) {
	as, err := parseAssertion(p.assertion, a.Profile.SigningAlgs)
	if err != nil {
		return nil, err
	}
	id := p.clientID
	if id == "" {
		id = as.claims.Subject
	}
	if id == "" {
		return nil, InvalidClient("client_assertion sub must be the client_id")
	}
	if p.clientID != "" && (as.claims.Issuer != p.clientID || as.claims.Subject != p.clientID) {
		// RFC 7521 §4.2: client_id, if present, MUST identify the client
		// the assertion authenticates.
		return nil, InvalidClient("client_id does not match the client_assertion iss and sub")
	}
	c, oerr := a.client(ctx, workspace, id)
	if oerr != nil {
		return nil, oerr
	}
	if oerr := a.checkMethod(c, AuthPrivateKeyJWT); oerr != nil {
		return nil, oerr
	}
	if a.JWKS == nil {
		return nil, ServerError(errors.New("oauth: ClientAuthenticator has no JWKS cache"))
	}
	endpoints := make([]string, 0, 2)
	for _, e := range []string{a.TokenEndpoint, endpointURL} {
		if e != "" {
			endpoints = append(endpoints, e)
		}
	}
	once, err := as.verify(ctx, c, a.JWKS, AssertionCheck{
		Issuer: a.Issuer, Endpoints: endpoints, Profile: a.Profile, Now: now,
	})
	if err != nil {
		return nil, err
	}
	return &AuthenticatedClient{Client: c, Method: AuthPrivateKeyJWT, Once: []SingleUse{once}}, nil
}

// authWithoutAssertion authenticates a request carrying only client_id: the
// client's registered method says which proof is expected (RFC 8705 §2:
// client_id is REQUIRED with mutual-TLS client authentication).
func (a *ClientAuthenticator) authWithoutAssertion(ctx context.Context, id, workspace string, chain []*x509.Certificate, now time.Time) (*AuthenticatedClient, error) {
	if id == "" { // RFC 6749 §5.2: "no client authentication included"
		return nil, InvalidClient("client authentication is required")
	}
	c, oerr := a.client(ctx, workspace, id)
	if oerr != nil {
		return nil, oerr
	}
	method := c.TokenEndpointAuthMethod
	if oerr := a.checkMethod(c, method); oerr != nil {
		return nil, oerr
	}
	switch method {
	case AuthTLSClientAuth:
		oerr = verifyTLSClientAuth(chain, c, a.TrustedCAs, now, &a.verified)
	case AuthSelfSignedTLSClientAuth:
		if a.JWKS == nil {
			return nil, ServerError(errors.New("oauth: ClientAuthenticator has no JWKS cache"))
		}
		var leaf *x509.Certificate
		if len(chain) > 0 {
			leaf = chain[0]
		}
		oerr = verifySelfSignedTLSClientAuth(ctx, leaf, c, a.JWKS)
	case AuthNone:
		// A public client, only where a profile lists "none".
	default: // private_key_jwt without an assertion
		oerr = InvalidClient(descAuthFailed).
			WithCause(fmt.Errorf("oauth: client uses %q and sent no credentials", method))
	}
	if oerr != nil {
		return nil, oerr
	}
	return &AuthenticatedClient{Client: c, Method: method}, nil
}

// client finds a client of the workspace. An unknown client and a client of
// another workspace get the same generic answer.
func (a *ClientAuthenticator) client(ctx context.Context, workspace, id string) (*Client, *Error) {
	c, err := a.Clients.Client(ctx, workspace, id)
	switch {
	case errors.Is(err, ErrClientNotFound):
		return nil, InvalidClient(descAuthFailed).WithCause(err)
	case err != nil:
		return nil, ServerError(fmt.Errorf("oauth: client lookup: %w", err))
	case c == nil || c.ID != id || (c.Workspace != "" && c.Workspace != workspace):
		// Defence in depth against a ClientSource that ignores its arguments.
		return nil, InvalidClient(descAuthFailed).WithCause(ErrClientNotFound)
	}
	return c, nil
}

// checkMethod: the client may use only its registered
// token_endpoint_auth_method (RFC 7591 §2), and only if the profile allows it
// (FAPI 2.0 SP §5.3.2.1-4).
func (a *ClientAuthenticator) checkMethod(c *Client, used string) *Error {
	if c.TokenEndpointAuthMethod != used {
		return InvalidClient(descAuthFailed).
			WithCause(fmt.Errorf("oauth: client registered %q, request used %q", c.TokenEndpointAuthMethod, used))
	}
	if !slices.Contains(a.Profile.ClientAuthMethods, used) {
		return InvalidClient("client authentication method is not allowed").
			WithCause(fmt.Errorf("oauth: profile %q does not allow %q", a.Profile.Name, used))
	}
	return nil
}

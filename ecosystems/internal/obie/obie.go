package obie

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/ecosystems"
	"github.com/openconsent/openconsent/ecosystems/internal/consentbind"
	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/oauth"
)

// Options configure the ecosystem. Zero values take the defaults.
type Options struct {
	// Profile is the ecosystem's data (required: Mount validates it).
	Profile Profile
	// Funds decides funds confirmations; nil means AlwaysAvailable (a stub).
	Funds FundsChecker
	// ResponseKey returns the key that signs our responses; nil means the
	// workspace's PS256 key (see workspaceKey).
	ResponseKey KeySource
	// HTTPClient fetches TPPs' jwks_uri documents; nil means a client with
	// a 10 s timeout.
	HTTPClient *http.Client
}

// Ecosystem is an OBIE Read/Write ecosystem: uk, or with another profile
// a UK-derived one such as ksa.
type Ecosystem struct {
	opt Options
}

var _ ecosystems.Ecosystem = (*Ecosystem)(nil)

// New returns the ecosystem; its profile is validated by Mount.
func New(opt Options) *Ecosystem {
	if opt.Funds == nil {
		opt.Funds = AlwaysAvailable()
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Ecosystem{opt: opt}
}

// Name implements ecosystems.Ecosystem.
func (e *Ecosystem) Name() string { return e.opt.Profile.Name }

// Profile returns the ecosystem's profile.
func (e *Ecosystem) Profile() Profile { return e.opt.Profile }

// OAuthProfile implements ecosystems.Ecosystem: the workspace's security
// profile (FAPI 1.0 Advanced for the UK, UK RW v3.1.11 / OBL's FAPI
// certification) is taken as configured; discovery advertises the UK acr
// values and the intent claim unless the workspace set its own.
func (e *Ecosystem) OAuthProfile(base oauth.Profile) oauth.Profile {
	p := e.opt.Profile
	if len(base.ACRValues) == 0 {
		base.ACRValues = slices.Clone(p.ACRValues)
	}
	if len(base.ClaimsSupported) == 0 {
		base.ClaimsSupported = []string{"sub", "acr", "auth_time", p.IntentClaim}
	}
	return base
}

// ConsentPort implements ecosystems.Ecosystem: the consent id travels in
// the request object's openbanking_intent_id essential claim, comes back
// in the ID token, and is required for every request for an intent scope.
func (e *Ecosystem) ConsentPort(svc *consent.Service) oauth.ConsentPort {
	p := e.opt.Profile
	return intentPort{
		Binding: &consentbind.Binding{
			Service: svc, Kind: oauth.BindingIntentClaim, IntentClaim: p.IntentClaim,
			TokenClaim: p.IntentClaim, EchoInIDToken: true,
			KindScopes: map[consent.Kind][]string{
				consent.KindAccountAccess:     {"accounts"},
				consent.KindPayment:           {"payments"},
				consent.KindVRP:               {"payments"},
				consent.KindFundsConfirmation: {"fundsconfirmations"},
			},
		},
		claim:  p.IntentClaim,
		scopes: p.IntentScopes,
	}
}

// intentPort requires the intent claim only for requests asking for an
// intent scope (accounts, payments): an openid-only login needs no consent.
type intentPort struct {
	*consentbind.Binding
	claim  string
	scopes []string
}

// Check implements oauth.ConsentPort.
func (p intentPort) Check(ctx context.Context, ws string, c *oauth.Client, req *oauth.AuthorizationRequest) (*oauth.ConsentRef, error) {
	ref, err := p.Binding.Check(ctx, ws, c, req)
	if err != nil || ref != nil {
		return ref, err
	}
	for _, s := range req.Scopes() {
		if slices.Contains(p.scopes, s) {
			return nil, oauth.InvalidRequest("scope " + s + " needs the consent id in the " + p.claim + " essential claim of the request object")
		}
	}
	return nil, nil
}

// api implements the generated strict server for one workspace.
type api struct {
	prof     Profile
	ws       string
	base     string // absolute URL of the API root, for Links.Self
	consents *consent.Service
	clients  oauth.ClientSource
	jwks     *oauth.JWKSCache
	funds    FundsChecker
	now      func() time.Time
}

var _ gen.StrictServerInterface = (*api)(nil)

// Mount implements ecosystems.Ecosystem: the consent APIs under
// /{workspace}{BasePath}, each operation behind (outermost first) the
// response signer (signed operations), the body capture, the kit's error
// renderer, the kit (security from the spec, then validation; requests the
// spec does not describe are refused), the UK error renderer, the grant
// check and, for signed requests, the JWS check.
func (e *Ecosystem) Mount(g *echo.Group, d ecosystems.Deps) error {
	p := e.opt.Profile
	if err := p.Validate(); err != nil {
		return err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	doc, err := gen.GetSwagger()
	if err != nil {
		return fmt.Errorf("%s API: %w", p.Name, err)
	}
	ops := operations(doc)
	auth := func(r *http.Request, path string) (*oauth.TokenInfo, error) {
		return d.Provider.AuthenticateBearer(r, p.BasePath+path) // the htu path is under the workspace root
	}
	kit, err := apikit.New(doc, renderKit, apikit.WithPrefix("/"+d.Workspace+p.BasePath),
		apikit.WithAuthenticator(auth), apikit.WithLogger(d.Logger))
	if err != nil {
		return fmt.Errorf("%s API: %w", p.Name, err)
	}
	key := e.opt.ResponseKey
	if key == nil {
		key = workspaceKey(d.Keys)
	}
	iss := p.SigningIssuer
	if iss == "" {
		iss = d.Issuer
	}
	signer := &responseSigner{key: key, iss: iss, tan: p.TrustAnchor, now: d.Now}
	a := &api{
		prof: p, ws: d.Workspace, base: strings.TrimRight(d.Issuer, "/") + p.BasePath,
		consents: d.Consents, clients: d.Clients, funds: e.opt.Funds, now: d.Now,
		jwks: oauth.NewJWKSCache(e.opt.HTTPClient, oauth.JWKSCacheOptions{Now: d.Now}),
	}
	// Group middleware runs outermost: the signer (which signs the kit's
	// own error answers too) and the body capture (before the kit reads it).
	sub := g.Group(p.BasePath)
	signed := map[string]bool{}
	sub.Use(signResponses(signer, signed, d.Logger), captureBody)
	router := &opRouter{
		inner: kit.Router(sub), prefix: "/" + d.Workspace + p.BasePath, ops: ops, signed: signed,
		skip: func(path string) bool { return !p.ServePayments && strings.HasPrefix(path, "/pisp/") },
		chain: func(op operation) []echo.MiddlewareFunc {
			chain := []echo.MiddlewareFunc{errorsMiddleware(d.Logger), requireGrant(op.grant)}
			if op.verify {
				chain = append(chain, a.verifyRequestJWS)
			}
			return chain
		},
	}
	gen.RegisterHandlers(router, gen.NewStrictHandler(a, nil))
	if err := router.check(); err != nil {
		return fmt.Errorf("%s API: %w", p.Name, err)
	}
	return nil
}

// workspaceKey returns the workspace's active PS256 private key; TPPs
// verify our signatures with the workspace's jwks_uri.
func workspaceKey(k oauth.Keys) KeySource {
	return func() (*jose.JSONWebKey, bool) {
		if k == nil {
			return nil, false
		}
		return k.SigningKey(jose.PS256)
	}
}

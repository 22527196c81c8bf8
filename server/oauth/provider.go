package oauth

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// TokenOptions are a workspace's token lifetimes and formats.
type TokenOptions struct {
	AccessTokenLifetime  time.Duration
	RefreshTokenLifetime time.Duration
	IDTokenLifetime      time.Duration
	CodeLifetime         time.Duration
	RequestURILifetime   time.Duration
	LoginLifetime        time.Duration
	OpaqueAccessTokens   bool   // random + HMAC instead of RFC 9068 JWTs
	SigningAlg           string // PS256 or ES256, for access and ID tokens
	RefreshRotation      bool
	DisableRefresh       bool
	// AccessTokenAudience is the aud of JWT access tokens (RFC 9068 §2.2); default the issuer.
	AccessTokenAudience string
}

// Options configure one workspace's token issuer.
type Options struct {
	Workspace string
	// Issuer is the issuer identifier, e.g. https://as.example/uk.
	Issuer string
	// MTLSIssuer is the base of the RFC 8705 §5 endpoint aliases; "" = Issuer.
	MTLSIssuer string
	Profile    Profile
	Scopes     []string
	Tokens     TokenOptions
	// DPoPNonce requires server nonces in DPoP proofs (RFC 9449 §8).
	DPoPNonce       bool
	DPoPNoncePeriod time.Duration
	// LoginURL is the bank's login/consent app.
	LoginURL   string
	TrustedCAs *x509.CertPool

	Clients ClientSource
	Keys    Keys
	Store   interface {
		TokenStore
		FlowStore
	}
	Consents   ConsentPort
	Hooks      Hooks
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time

	// ExtraRoutes are endpoints served outside this package (RFC 7591
	// registration) that discovery advertises under their Name, with an
	// RFC 8705 §5 alias when MTLS is set. A route with a nil Handler is
	// advertised only: the caller mounts it, and Routes leaves it out.
	ExtraRoutes []Route
}

// Route is one endpoint the provider serves, relative to the workspace root.
type Route struct {
	Method  string
	Path    string // e.g. "/token"
	Name    string // discovery name, e.g. "token_endpoint"; "" = not advertised
	MTLS    bool   // also listed in mtls_endpoint_aliases (RFC 8705 §5)
	Handler http.HandlerFunc
}

// Provider is one workspace's authorization server. Safe for concurrent use.
type Provider struct {
	opt    Options
	routes []Route
	disco  []byte
	log    *slog.Logger

	hooks      Hooks
	auth       *ClientAuthenticator
	jwks       *JWKSCache
	dpop       *DPoPVerifier // nil when the profile does not serve DPoP
	codes      *codeSealer
	atKey      []byte
	rtKey      []byte
	audience   string
	mtlsHost   string
	cookiePath string
}

// NewProvider builds the issuer; its discovery document is computed once
// from the routes actually served.
func NewProvider(opt Options) (*Provider, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.MTLSIssuer == "" {
		opt.MTLSIssuer = opt.Issuer
	}
	if opt.Consents == nil {
		opt.Consents = PassThroughConsents{}
	}
	if opt.Tokens.AccessTokenAudience == "" {
		opt.Tokens.AccessTokenAudience = opt.Issuer
	}
	p := &Provider{opt: opt, log: opt.Logger.With("workspace", opt.Workspace), audience: opt.Tokens.AccessTokenAudience, hooks: opt.Hooks}
	if err := p.init(); err != nil {
		return nil, err
	}
	p.routes = p.buildRoutes()
	d, err := p.discovery()
	if err != nil {
		return nil, err
	}
	p.disco = d
	return p, nil
}

// Routes lists the endpoints to mount under the workspace root: every
// route with a handler (advertised-only ExtraRoutes are left out).
func (p *Provider) Routes() []Route {
	out := make([]Route, 0, len(p.routes))
	for _, r := range p.routes {
		if r.Handler != nil {
			out = append(out, r)
		}
	}
	return out
}

// Issuer returns the issuer identifier.
func (p *Provider) Issuer() string { return p.opt.Issuer }

func (p *Provider) now() time.Time { return p.opt.Now() }

// init derives the per-workspace secrets and builds the protocol helpers once.
func (p *Provider) init() error {
	o := p.opt
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	p.jwks = NewJWKSCache(hc, JWKSCacheOptions{})
	p.auth = &ClientAuthenticator{Clients: o.Clients, JWKS: p.jwks, TrustedCAs: o.TrustedCAs, Issuer: o.Issuer, TokenEndpoint: o.Issuer + "/token", Profile: o.Profile}
	if slices.Contains(o.Profile.SenderConstraints, "dpop") {
		p.dpop = &DPoPVerifier{Algs: o.Profile.SigningAlgs, IATWindow: o.Profile.DPoPIATWindow}
		if o.DPoPNonce {
			period := o.DPoPNoncePeriod
			if period == 0 {
				period = 5 * time.Minute
			}
			nonces, err := NewDPoPNonces(o.Keys.Secret("dpop-nonce"), period)
			if err != nil {
				return err
			}
			p.dpop.Nonces = nonces
		}
	}
	cs, err := newCodeSealer(o.Keys.Secret("code-seal"), o.Workspace)
	if err != nil {
		return err
	}
	p.codes = cs
	p.atKey = o.Keys.Secret("access-token-mac")
	p.rtKey = o.Keys.Secret("refresh-token-mac")
	if u, err := url.Parse(o.MTLSIssuer); err == nil && o.MTLSIssuer != o.Issuer {
		p.mtlsHost = u.Host
	}
	u, err := url.Parse(o.Issuer)
	if err != nil {
		return fmt.Errorf("issuer: %w", err)
	}
	p.cookiePath = u.Path
	if p.cookiePath == "" {
		p.cookiePath = "/"
	}
	return nil
}

// writeErr writes an OAuth error response; server errors are logged once here.
func (p *Provider) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	oe := AsError(err)
	if oe.Code == CodeServerError {
		p.log.ErrorContext(r.Context(), "oauth", "path", r.URL.Path, "error", err)
	}
	WriteError(w, oe)
}

func (p *Provider) buildRoutes() []Route {
	rs := []Route{
		{Method: http.MethodGet, Path: "/.well-known/openid-configuration", Handler: p.handleDiscovery},
		{Method: http.MethodGet, Path: "/.well-known/oauth-authorization-server", Handler: p.handleDiscovery},
		{Method: http.MethodGet, Path: "/jwks", Name: "jwks_uri", Handler: p.handleJWKS},
	}
	rs = append(rs, p.protocolRoutes()...)
	return append(rs, p.opt.ExtraRoutes...)
}

func (p *Provider) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(p.opt.Keys.PublicJWKS())
}

func (p *Provider) handleDiscovery(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(p.disco)
}

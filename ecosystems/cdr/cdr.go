package cdr

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/ecosystems"
	"github.com/openconsent/openconsent/server/oauth"
)

// Ecosystem is the CDR behaviour of one workspace.
type Ecosystem struct {
	cfg  Config
	now  func() time.Time
	http *http.Client
	deps ecosystems.Deps
}

// New returns the CDR ecosystem of a workspace. hc delivers notifications to
// data recipients (nil: a client with a 10 s timeout).
func New(cfg Config, now func() time.Time, hc *http.Client) *Ecosystem {
	if now == nil {
		now = time.Now
	}
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return &Ecosystem{cfg: cfg, now: now, http: hc}
}

var (
	_ ecosystems.Ecosystem     = (*Ecosystem)(nil)
	_ ecosystems.OAuthExtender = (*Ecosystem)(nil)
	_ ecosystems.ConsentHooker = (*Ecosystem)(nil)
	_ ecosystems.Notifier      = (*Ecosystem)(nil)
)

// Name implements ecosystems.Ecosystem.
func (e *Ecosystem) Name() string { return "cdr" }

// ConsentPort implements ecosystems.Ecosystem.
func (e *Ecosystem) ConsentPort(svc *consent.Service) oauth.ConsentPort {
	return &arrangementPort{svc: svc, now: e.now}
}

// OAuthRoutes implements ecosystems.OAuthExtender: discovery advertises
// cdr_arrangement_revocation_endpoint (CDS "OpenID Provider Configuration
// End Point"), with an mTLS alias.
func (e *Ecosystem) OAuthRoutes() []oauth.Route {
	return []oauth.Route{{Method: http.MethodPost, Path: revocationPath, Name: "cdr_arrangement_revocation_endpoint", MTLS: true}}
}

// OAuthHooks implements ecosystems.OAuthExtender.
func (e *Ecosystem) OAuthHooks() oauth.Hooks {
	return oauth.Hooks{Introspection: introspection}
}

// introspection applies CDS "Token Introspection End Point": only refresh
// tokens are introspectable (access and ID tokens → {"active": false}); an
// active response carries active, exp, scope and cdr_arrangement_id, and
// never username.
func introspection(rec *oauth.TokenRecord, body map[string]any) map[string]any {
	if rec == nil || rec.Kind != oauth.KindRefresh || body["active"] != true {
		return map[string]any{"active": false}
	}
	out := map[string]any{"active": true, "exp": body["exp"], "cdr_arrangement_id": rec.ConsentID}
	if s, ok := body["scope"]; ok {
		out["scope"] = s
	}
	return out
}

// Mount implements ecosystems.Ecosystem: the arrangement revocation endpoint.
func (e *Ecosystem) Mount(g *echo.Group, d ecosystems.Deps) error {
	e.deps = d
	g.POST(revocationPath, echo.WrapHandler(http.HandlerFunc(e.handleRevoke)))
	return nil
}

// Package ecosystems declares the interface every ecosystem implements. Each
// ecosystem package (cdr, ofb, opin, fdx, uk, ksa) adapts its generated API
// to the shared engines; code shared by several lives in ecosystems/internal.
// An ecosystem imports the engines, server/oauth, server/apikit and its own
// gen packages only: no gorm, no other ecosystem.
package ecosystems

import (
	"context"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/server/oauth"
)

// Deps are what an ecosystem's APIs need from one workspace.
type Deps struct {
	Workspace string
	Issuer    string
	Provider  *oauth.Provider
	Consents  *consent.Service
	Clients   oauth.ClientSource
	Keys      oauth.Keys
	Logger    *slog.Logger
	Now       func() time.Time
}

// Ecosystem is one ecosystem's behaviour in a workspace.
type Ecosystem interface {
	// Name is the ecosystem id used in configuration (uk, ksa, ofb, ...).
	Name() string
	// OAuthProfile adapts the workspace's security profile to the
	// ecosystem's rules (dynamic scope prefixes, token lifetimes, ...).
	OAuthProfile(base oauth.Profile) oauth.Profile
	// ConsentPort is how the token issuer reaches this ecosystem's consents;
	// nil means pass-through.
	ConsentPort(svc *consent.Service) oauth.ConsentPort
	// Mount installs the ecosystem's APIs on the workspace group.
	Mount(g *echo.Group, d Deps) error
}

// Generic is the ecosystem of `generic` workspaces: plain FAPI, no consent API.
type Generic struct{}

// Name implements Ecosystem.
func (Generic) Name() string { return "generic" }

// OAuthProfile implements Ecosystem.
func (Generic) OAuthProfile(base oauth.Profile) oauth.Profile { return base }

// ConsentPort implements Ecosystem.
func (Generic) ConsentPort(*consent.Service) oauth.ConsentPort { return nil }

// Mount implements Ecosystem.
func (Generic) Mount(*echo.Group, Deps) error { return nil }

// OAuthExtender is implemented by ecosystems that change token issuance
// (introspection shape, extra endpoints advertised in discovery).
type OAuthExtender interface {
	OAuthHooks() oauth.Hooks
	// OAuthRoutes are advertised in discovery; handlers are mounted by Mount
	// (a Route with a nil Handler is advertised only).
	OAuthRoutes() []oauth.Route
}

// ConsentHooker is implemented by ecosystems whose consent changes emit
// notifications (CDR holder → recipient arrangement revocation).
type ConsentHooker interface {
	ConsentHooks(clients oauth.ClientSource) consent.Hooks
}

// Notifier delivers an ecosystem's outbox notifications. Deliver returns nil
// only when the receiver acknowledged the notification.
type Notifier interface {
	Deliver(ctx context.Context, n consent.Notification) error
}

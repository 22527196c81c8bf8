package server

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/go-jose/go-jose/v4"
	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/demo"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/system/consents"
	"github.com/openconsent/openconsent/server/system/logins"
)

// scopeManageLogins is the scope of the system logins API (see its spec).
const scopeManageLogins = "manage_logins"

// mountSystemAPIs installs the workspace's system APIs on its group and,
// with demo_login, the demo login page, which calls those APIs in-process
// through the server's own handler.
func (s *Server) mountSystemAPIs(g *echo.Group, ws *Workspace, clients oauth.ClientSource) error {
	if err := logins.Mount(g, ws.Provider, clients, ws.Config.ID, apikit.WithLogger(s.log)); err != nil {
		return err
	}
	ch := &consents.Handlers{Workspace: ws.Config.ID, Consents: ws.Consents, Provider: ws.Provider, Notifications: s.store}
	if err := consents.Mount(g, ch, clients, apikit.WithLogger(s.log)); err != nil {
		return err
	}
	if !ws.Config.DemoLogin {
		return nil
	}
	prof, _ := oauth.ProfileFor(oauth.SecurityProfile(ws.Config.Profile))
	o := demo.Options{
		Workspace: ws.Config.ID, Issuer: ws.Issuer, Handler: s.echo, Logger: s.log, Now: s.now,
		DPoP: slices.Contains(prof.SenderConstraints, "dpop"),
	}
	if ws.Config.DemoSystemClient == "" {
		s.log.Warn("demo_login is on but demo_system_client is not set: the demo page cannot decide logins", "workspace", ws.Config.ID)
	} else {
		key, err := demoSystemKey(ws.Config, prof, clients)
		if err != nil {
			return err
		}
		o.ClientID, o.Key = ws.Config.DemoSystemClient, key
	}
	return demo.Mount(g, o)
}

// demoSystemKey checks the demo system client at start, so a misconfigured
// demo fails with a clear message instead of on the first browser visit, and
// returns its private key.
func demoSystemKey(wc WorkspaceConfig, prof oauth.Profile, clients oauth.ClientSource) (jose.JSONWebKey, error) {
	f := "demo_system_client"
	c, err := clients.Client(context.Background(), wc.ID, wc.DemoSystemClient)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("%s: %q is not a client of the workspace", f, wc.DemoSystemClient)
	}
	switch {
	case !c.System:
		return jose.JSONWebKey{}, fmt.Errorf("%s: client %q must be a system client (system: true)", f, c.ID)
	case c.TokenEndpointAuthMethod != oauth.AuthPrivateKeyJWT:
		return jose.JSONWebKey{}, fmt.Errorf("%s: client %q must use private_key_jwt", f, c.ID)
	case !c.AllowsGrant(oauth.GrantClientCredentials):
		return jose.JSONWebKey{}, fmt.Errorf("%s: client %q must have the client_credentials grant", f, c.ID)
	case len(c.Scopes) > 0 && !slices.Contains(c.Scopes, scopeManageLogins),
		!slices.Contains(wc.Scopes, scopeManageLogins):
		return jose.JSONWebKey{}, fmt.Errorf("%s: the workspace and client %q must have scope %s", f, c.ID, scopeManageLogins)
	}
	if wc.DemoSystemPrivateJWKS == "" {
		return jose.JSONWebKey{}, errors.New("demo_system_private_jwks: required with demo_system_client")
	}
	b, err := os.ReadFile(wc.DemoSystemPrivateJWKS)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("demo_system_private_jwks: %w", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("demo_system_private_jwks: %w", err)
	}
	for _, k := range set.Keys {
		alg := jose.SignatureAlgorithm(k.Algorithm)
		if k.IsPublic() || k.KeyID == "" || (alg != jose.ES256 && alg != jose.PS256) || !slices.Contains(prof.SigningAlgs, alg) {
			continue
		}
		if c.JWKS != nil && !registered(c.JWKS, k) {
			continue
		}
		return k, nil
	}
	return jose.JSONWebKey{}, fmt.Errorf("demo_system_private_jwks: no private ES256/PS256 key with a kid that client %q has registered", c.ID)
}

// registered reports whether the public half of k is in the client's JWKS
// (compared by RFC 7638 thumbprint).
func registered(set *jose.JSONWebKeySet, k jose.JSONWebKey) bool {
	pub := k.Public()
	want, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return false
	}
	for _, r := range set.Keys {
		if got, err := r.Thumbprint(crypto.SHA256); err == nil && string(got) == string(want) {
			return true
		}
	}
	return false
}

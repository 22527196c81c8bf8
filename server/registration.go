package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/ecosystems/cdr"
	"github.com/openconsent/openconsent/ecosystems/fdx"
	"github.com/openconsent/openconsent/ecosystems/ksa"
	"github.com/openconsent/openconsent/ecosystems/ofb"
	"github.com/openconsent/openconsent/ecosystems/opin"
	"github.com/openconsent/openconsent/ecosystems/uk"
	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/registration"
	clientsapi "github.com/openconsent/openconsent/server/system/clients"
)

// dcrProfileFor returns the registration rules of an ecosystem: a value
// from the ecosystem's package, the RFC 7591 baseline for generic.
func dcrProfileFor(ecosystem string) dcr.Profile {
	switch ecosystem {
	case "uk":
		return uk.DCRProfile()
	case "ksa":
		return ksa.DCRProfile()
	case "ofb":
		return ofb.DCRProfile()
	case "opin":
		return opin.DCRProfile()
	case "cdr":
		return cdr.DCRProfile()
	case "fdx":
		return fdx.DCRProfile()
	}
	return dcr.GenericProfile()
}

// systemScopes are never granted to a dynamically registered client.
var systemScopes = []string{"manage_logins", "manage_consents", "manage_clients", registration.ScopeManage}

// registrationSetup is one workspace's registration wiring, prepared
// before its token issuer (which must advertise the endpoint and serve the
// registered clients) and mounted after it.
type registrationSetup struct {
	wc      WorkspaceConfig
	clients oauth.ClientSource
	source  *clientSource // nil when registration is disabled
	routes  []oauth.Route // advertised by discovery, mounted by mount
}

// prepareRegistration returns the workspace's client source (static
// clients, plus registered ones when registration is enabled) and the
// routes discovery advertises: registration_endpoint, also as an RFC 8705
// §5 mTLS alias.
func (s *Server) prepareRegistration(wc WorkspaceConfig, static staticClients) *registrationSetup {
	rs := &registrationSetup{wc: wc, clients: static}
	if !wc.Registration.Enabled {
		return rs
	}
	rs.source = newClientSource(static, s.store, s.now)
	rs.clients = rs.source
	rs.routes = []oauth.Route{{Method: http.MethodPost, Path: registration.Path, Name: "registration_endpoint", MTLS: true}}
	return rs
}

// mount builds the registrar and mounts POST /register and GET, PUT,
// DELETE /register/{client_id} on the workspace group.
func (rs *registrationSetup) mount(s *Server, g *echo.Group, ws *Workspace, prof oauth.Profile, deps Deps) error {
	if rs.source == nil {
		return nil
	}
	wc, rc := rs.wc, rs.wc.Registration
	dp := dcrProfileFor(wc.Ecosystem)
	if rc.RequireMTLS != nil {
		dp.RequireMTLS = *rc.RequireMTLS
	}
	if rc.SSAMaxAge > 0 && dp.SSA != nil {
		dp.SSA.MaxAge = rc.SSAMaxAge
	}
	cache := oauth.NewJWKSCache(deps.HTTPClient, oauth.JWKSCacheOptions{Now: s.now})
	issuers, err := trustedIssuers(wc.SoftwareStatementIssuers)
	if err != nil {
		return err
	}
	endpoint := ws.Issuer + registration.Path
	var scopes []string
	for _, sc := range wc.Scopes {
		if !slices.Contains(systemScopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	reg, err := dcr.NewRegistrar(dcr.Options{
		Workspace: wc.ID, RegistrationEndpoint: endpoint,
		Audiences: append([]string{ws.Issuer, endpoint}, rc.RequestAudiences...),
		Profile:   dp, Rules: metadataRules(prof), Scopes: scopes,
		Store: s.store, Keys: registration.NewKeys(issuers, cache), Replay: s.store,
		RATLifetime: rc.RegistrationAccessTokenTTL, RotateRAT: rc.RotateRegistrationAccessToken,
		InitialStatus: dcr.Status(rc.InitialStatus), Now: s.now,
	})
	if err != nil {
		return fmt.Errorf("registration: %w", err)
	}
	iat, err := initialAccessTokens(rc.InitialAccessToken, ws.Issuer, endpoint, cache)
	if err != nil {
		return err
	}
	h, err := registration.New(registration.Options{
		Registrar: reg, Provider: ws.Provider, InitialAccessTokens: iat,
		OnChange: func(id string) { rs.source.Forget(wc.ID, id) }, Logger: s.log, Now: s.now,
	})
	if err != nil {
		return err
	}
	g.POST(registration.Path, echo.WrapHandler(http.HandlerFunc(h.Register)))
	byID := strings.Replace(registration.ClientPath, "{"+registration.PathValue+"}", ":"+registration.PathValue, 1)
	for method, fn := range map[string]http.HandlerFunc{http.MethodGet: h.Read, http.MethodPut: h.Update, http.MethodDelete: h.Delete} {
		g.Add(method, byID, withPathValue(fn))
	}
	return rs.mountClientsAPI(s, g, ws)
}

// withPathValue hands echo's path parameter to a net/http handler.
func withPathValue(fn http.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		r.SetPathValue(registration.PathValue, c.Param(registration.PathValue))
		fn(c.Response(), r)
		return nil
	}
}

// metadataRules are what the workspace's security profile lets a client
// register.
func metadataRules(p oauth.Profile) dcr.MetadataRules {
	var algs []string
	for _, a := range p.SigningAlgs {
		if a == jose.PS256 || a == jose.ES256 { // the workspace signs with one key of each
			algs = append(algs, string(a))
		}
	}
	return dcr.MetadataRules{
		AuthMethods: p.ClientAuthMethods, SigningAlgs: algs, ResponseTypes: p.ResponseTypes,
		GrantTypes:        []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken, oauth.GrantClientCredentials},
		SenderConstraints: p.SenderConstraints,
		EncryptionAlgs:    clientEncAlgs, EncryptionEncs: clientEncEncs,
		RequirePAR:             p.RequirePAR,
		CertificateBoundTokens: p.RequireSenderConstraint && slices.Equal(p.SenderConstraints, []string{"mtls"}),
	}
}

// trustedIssuers loads the SSA issuers' JWKS files once, at start.
func trustedIssuers(cfg []SSAIssuerConfig) ([]registration.Issuer, error) {
	out := make([]registration.Issuer, 0, len(cfg))
	for i, c := range cfg {
		is := registration.Issuer{Issuer: c.Issuer, JWKSURL: c.JWKSURL}
		if c.JWKSFile != "" {
			set, err := readPublicJWKS(c.JWKSFile)
			if err != nil {
				return nil, fmt.Errorf("software_statement_issuers[%d].jwks_file: %w", i, err)
			}
			is.JWKS = set
		}
		out = append(out, is)
	}
	return out, nil
}

// initialAccessTokens builds the RFC 7591 §3 initial access token check.
func initialAccessTokens(c InitialAccessTokenConfig, issuer, endpoint string, cache *oauth.JWKSCache) (*registration.InitialAccessTokens, error) {
	if c.Issuer == "" {
		return nil, nil
	}
	is := registration.Issuer{Issuer: c.Issuer, JWKSURL: c.JWKSURL}
	if c.JWKSFile != "" {
		set, err := readPublicJWKS(c.JWKSFile)
		if err != nil {
			return nil, fmt.Errorf("registration.initial_access_token.jwks_file: %w", err)
		}
		is.JWKS = set
	}
	t := &registration.InitialAccessTokens{
		Required: c.Required, Issuer: c.Issuer, Keys: registration.NewKeys([]registration.Issuer{is}, cache),
		RequireBinding: c.RequireCertificateBinding,
	}
	if c.CheckAudience == nil || *c.CheckAudience {
		t.Audiences = []string{endpoint, issuer}
	}
	return t, nil
}

// readPublicJWKS reads a JWK Set of public keys.
func readPublicJWKS(path string) (*jose.JSONWebKeySet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, err
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			return nil, fmt.Errorf("%s holds a private key; publish public keys only", path)
		}
	}
	return &set, nil
}

// mountClientsAPI installs the system clients API (scope manage_clients).
func (rs *registrationSetup) mountClientsAPI(s *Server, g *echo.Group, ws *Workspace) error {
	id := rs.wc.ID
	return clientsapi.Mount(g, clientsapi.Options{
		Workspace: id, Admin: &dcr.Admin{Workspace: id, Clients: s.store, Store: s.store, Now: s.now},
		Provider: ws.Provider, Clients: rs.clients, OnChange: func(c string) { rs.source.Forget(id, c) },
	}, apikit.WithLogger(s.log))
}

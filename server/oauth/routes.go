package oauth

import "net/http"

// protocolRoutes lists the protocol endpoints. Only endpoints listed here are
// served and advertised.
func (p *Provider) protocolRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Path: "/par", Name: "pushed_authorization_request_endpoint", MTLS: true, Handler: p.handlePAR},
		{Method: http.MethodGet, Path: "/authorize", Name: "authorization_endpoint", Handler: p.handleAuthorize},
		{Method: http.MethodPost, Path: "/authorize", Handler: p.handleAuthorize},
		{Method: http.MethodGet, Path: "/authorize/resume", Handler: p.handleResume},
		{Method: http.MethodPost, Path: "/token", Name: "token_endpoint", MTLS: true, Handler: p.handleToken},
		{Method: http.MethodPost, Path: "/introspect", Name: "introspection_endpoint", MTLS: true, Handler: p.handleIntrospect},
		{Method: http.MethodPost, Path: "/revoke", Name: "revocation_endpoint", MTLS: true, Handler: p.handleRevoke},
		{Method: http.MethodGet, Path: "/userinfo", Name: "userinfo_endpoint", MTLS: true, Handler: p.handleUserInfo},
		{Method: http.MethodPost, Path: "/userinfo", Handler: p.handleUserInfo},
	}
}

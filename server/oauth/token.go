package oauth

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"
)

// tokenResponse is the RFC 6749 §5.1 success body; extra ecosystem fields
// (e.g. CDR's cdr_arrangement_id) are merged in by writeTokenResponse.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
}

// handleToken serves the token endpoint (RFC 6749 §3.2).
func (p *Provider) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := p.token(w, r); err != nil {
		p.writeErr(w, r, err)
	}
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	now := p.now()
	ac, err := p.auth.Authenticate(r, p.opt.Workspace, p.endpointURL(r, "/token"), now)
	if err != nil {
		return err
	}
	gt := r.PostForm.Get("grant_type")
	switch gt {
	case GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials:
	case "":
		return InvalidRequest("grant_type is required")
	default:
		return UnsupportedGrantType("grant_type " + gt + " is not supported")
	}
	if !ac.Client.AllowsGrant(gt) {
		return UnauthorizedClient("the client is not registered for " + gt)
	}
	var resp map[string]any
	switch gt {
	case GrantAuthorizationCode:
		resp, err = p.codeGrant(r, ac, now)
	case GrantRefreshToken:
		resp, err = p.refreshGrant(r, ac, now)
	default:
		resp, err = p.clientCredentialsGrant(r, ac, now)
	}
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, resp)
	return nil
}

// issue writes the issuance (single-use values + tokens) in one store call and
// maps a replay to the error of the value that was replayed.
func (p *Provider) issue(ctx context.Context, is Issuance) error {
	err := p.opt.Store.Issue(ctx, p.opt.Workspace, is)
	if err == nil {
		return nil
	}
	var re *ReplayError
	if errors.As(err, &re) {
		switch re.Kind {
		case OnceDPoPJTI:
			return InvalidDPoPProof("the DPoP proof jti was already used") // RFC 9449 §11.1
		case OnceCode:
			return errCodeReused
		case OnceRotatedRT:
			return InvalidGrant("the refresh token was already used")
		}
		return InvalidClient("the client assertion jti was already used") // RFC 7523 §3 item 7
	}
	if errors.Is(err, ErrReplay) {
		return InvalidRequest("a single-use value was replayed")
	}
	return ServerError(err)
}

var errCodeReused = errors.New("code reused")

// response assembles the token response.
func response(at string, b binding, life time.Duration, g *Grant, rt, idt string) map[string]any {
	m := map[string]any{
		"access_token": at, "token_type": b.tokenType(), "expires_in": int64(life / time.Second),
	}
	if g.Scope != "" {
		m["scope"] = g.Scope
	}
	if rt != "" {
		m["refresh_token"] = rt
	}
	if idt != "" {
		m["id_token"] = idt
	}
	for k, v := range g.ResponseFields {
		if _, std := m[k]; !std {
			m[k] = v
		}
	}
	return m
}

// clientCredentialsGrant serves RFC 6749 §4.4.
func (p *Provider) clientCredentialsGrant(r *http.Request, ac *AuthenticatedClient, now time.Time) (map[string]any, error) {
	scope, err := p.grantableScope(ac.Client, r.PostForm.Get("scope"), true)
	if err != nil {
		return nil, err
	}
	b, once, err := p.senderBinding(r, ac, "/token", "", now)
	if err != nil {
		return nil, err
	}
	g := &Grant{ID: sortableID(now, 12), ClientID: ac.Client.ID, Scope: scope}
	at, rec, err := p.mintAccess(g, b, now)
	if err != nil {
		return nil, ServerError(err)
	}
	is := Issuance{Once: append(ac.Once, once...)}
	if !p.statelessGrant(g) {
		is.Tokens = []TokenRecord{rec}
	}
	if err := p.issue(r.Context(), is); err != nil {
		return nil, err
	}
	return response(at, b, p.opt.Tokens.AccessTokenLifetime, g, "", ""), nil
}

// grantableScope checks requested scopes against the workspace and the
// client (RFC 6749 §3.3). With clientCredentials, user scopes (openid,
// offline_access) are refused and an empty request means the client's scopes.
func (p *Provider) grantableScope(c *Client, requested string, clientCredentials bool) (string, error) {
	req := fieldsOf(requested)
	if len(req) == 0 {
		if !clientCredentials {
			return "", InvalidScope("scope is required")
		}
		for _, s := range c.Scopes {
			if s != "openid" && s != "offline_access" && slices.Contains(p.opt.Scopes, s) {
				req = append(req, s)
			}
		}
	}
	for _, s := range req {
		if clientCredentials && (s == "openid" || s == "offline_access") {
			return "", InvalidScope("scope " + s + " cannot be granted to a client alone")
		}
		if !p.scopeServed(s) {
			return "", InvalidScope("scope " + s + " is not served by this workspace")
		}
		if len(c.Scopes) > 0 && !slices.Contains(c.Scopes, s) && !p.dynamicScopeAllowed(c, s) {
			return "", InvalidScope("the client is not registered for scope " + s)
		}
	}
	return joinFields(req), nil
}

// scopeServed reports whether the workspace serves s; dynamic scopes
// ("consent:<id>") are served when their prefix is.
func (p *Provider) scopeServed(s string) bool {
	if slices.Contains(p.opt.Scopes, s) {
		return true
	}
	for _, pre := range p.opt.Profile.DynamicScopePrefixes {
		if len(s) > len(pre) && s[:len(pre)] == pre {
			return true
		}
	}
	return false
}

func (p *Provider) dynamicScopeAllowed(c *Client, s string) bool {
	for _, pre := range p.opt.Profile.DynamicScopePrefixes {
		if len(s) > len(pre) && s[:len(pre)] == pre && slices.Contains(c.Scopes, pre[:len(pre)-1]) {
			return true
		}
	}
	return false
}

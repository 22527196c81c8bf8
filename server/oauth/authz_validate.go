package oauth

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters.
var challengePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// readAuthorizationRequest builds the request from a request object (RFC
// 9101) when `request` is present, else from plain parameters, and returns
// the single-use values it carries (the request object's jti).
func (p *Provider) readAuthorizationRequest(ctx context.Context, c *Client, params url.Values, now time.Time) (*AuthorizationRequest, []SingleUse, error) {
	var once []SingleUse
	var req *AuthorizationRequest
	if raw := params.Get("request"); raw != "" {
		if strings.Count(raw, ".") == 4 {
			inner, err := p.decryptRequestObject(raw) // RFC 9101 §6.1 nested JWT
			if err != nil {
				return nil, nil, err
			}
			raw = inner
		}
		ro, err := VerifyRequestObject(ctx, raw, c, RequestObjectCheck{Issuer: p.opt.Issuer, Profile: p.opt.Profile, Now: now, Keys: p.jwks})
		if err != nil {
			return nil, nil, err
		}
		if err := MergeOuterParams(ro, params); err != nil {
			return nil, nil, err
		}
		if ro.JTI != "" {
			once = append(once, SingleUse{Kind: OnceRequestJTI, Value: c.ID + ":" + ro.JTI, ExpiresAt: now.Add(p.opt.Profile.MaxRequestObjectLife)})
		}
		req = ro
	} else {
		if p.opt.Profile.RequireSignedRequest {
			return nil, nil, InvalidRequest("a signed request object is required") // FAPI 2.0 MS §5.3.1, FAPI 1.0 Adv §5.2.2-1
		}
		pr, err := ParseAuthorizationParams(params)
		if err != nil {
			return nil, nil, err
		}
		req = pr
	}
	if req.ClientID == "" {
		req.ClientID = c.ID
	}
	if req.ClientID != c.ID {
		return nil, nil, InvalidRequest("client_id does not match the authenticated client")
	}
	return req, once, nil
}

// checkRedirectURI validates redirect_uri first (style: every later error can
// then be redirected). Registered URIs are compared exactly.
//
// redirect_uri is always required, even when the client registered only
// one: every profile served requires it (FAPI 2.0 SP §5.3.2.2, FAPI 1.0
// Part 1 §5.2.2-9, OIDC Core §3.1.2.1), and a defaulted value would make
// the token endpoint demand a redirect_uri the client never sent
// (RFC 6749 §4.1.3 requires it there only if it was in the request).
func (p *Provider) checkRedirectURI(c *Client, req *AuthorizationRequest) error {
	if req.RedirectURI == "" {
		return InvalidRequest("redirect_uri is required")
	}
	if !c.AllowsRedirectURI(req.RedirectURI) {
		return InvalidRequest("redirect_uri is not registered for the client")
	}
	return nil
}

// validateRequest checks an authorization request against the profile and
// the client, after checkRedirectURI.
func (p *Provider) validateRequest(c *Client, req *AuthorizationRequest) error {
	prof := p.opt.Profile
	if req.ResponseType == "" {
		return InvalidRequest("response_type is required")
	}
	if !slices.Contains(prof.ResponseTypes, req.ResponseType) {
		return UnsupportedResponseType("response_type " + req.ResponseType + " is not supported") // FAPI 2.0 SP §5.3.2.2-2
	}
	if req.ResponseMode != "" && !slices.Contains(prof.ResponseModes, req.ResponseMode) {
		return InvalidRequest("response_mode " + req.ResponseMode + " is not supported")
	}
	if err := p.checkResponseMode(c, req); err != nil {
		return err
	}
	if !c.AllowsGrant(GrantAuthorizationCode) {
		return UnauthorizedClient("the client is not registered for authorization_code")
	}
	scope, err := p.grantableScope(c, req.Scope, false)
	if err != nil {
		return err
	}
	req.Scope = scope
	if prof.RequirePKCE || req.CodeChallenge != "" {
		if req.CodeChallenge == "" {
			return InvalidRequest("code_challenge is required") // FAPI 2.0 SP §5.3.2.2-3
		}
		if req.CodeChallengeMethod != "S256" {
			return InvalidRequest("code_challenge_method must be S256") // FAPI 2.0 SP §5.3.2.2-4
		}
		if !challengePattern.MatchString(req.CodeChallenge) {
			return InvalidRequest("code_challenge is malformed")
		}
	}
	if prof.RequireSignedRequest && !req.Signed {
		return InvalidRequest("a signed request object is required")
	}
	return nil
}

// checkResponseMode applies the rules tying response types, response modes
// and JARM together.
func (p *Provider) checkResponseMode(c *Client, req *AuthorizationRequest) error {
	prof := p.opt.Profile
	mode := p.effectiveMode(req)
	jarm := isJARM(mode)
	if prof.RequireJARM && !jarm {
		return InvalidRequest("a JWT response_mode is required") // FAPI 2.0 MS §5.4.1
	}
	if prof.RequireJARMForCode && req.ResponseType == "code" && !jarm {
		return InvalidRequest("response_type code requires response_mode jwt") // FAPI 1.0 Adv §5.2.2-2
	}
	if jarm && prof.RequireRegisteredJARMAlg && c.AuthorizationSignedResponseAlg == "" {
		return UnauthorizedClient("the client did not register authorization_signed_response_alg")
	}
	if req.ResponseType == "code id_token" {
		if strings.HasPrefix(mode, "query") {
			// OAuth 2.0 Multiple Response Types §5: never the query for front-channel tokens.
			return InvalidRequest("response_mode query is not allowed with response_type code id_token")
		}
		if !hasScope(req.Scope, "openid") {
			return InvalidRequest("response_type code id_token requires the openid scope") // OIDC Core §3.3.2.1
		}
		if req.Nonce == "" {
			return InvalidRequest("nonce is required with response_type code id_token") // OIDC Core §3.3.2.11
		}
	}
	return nil
}

package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"regexp"
	"time"
)

// RFC 7636 §4.1: 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
var verifierPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// codeGrant serves RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6).
func (p *Provider) codeGrant(r *http.Request, ac *AuthenticatedClient, now time.Time) (map[string]any, error) {
	f := r.PostForm
	code := f.Get("code")
	if code == "" {
		return nil, InvalidRequest("code is required")
	}
	cp, err := p.codes.open(code, now)
	if err != nil {
		return nil, InvalidGrant("the authorization code is invalid or expired")
	}
	g := &cp.Grant
	if g.ClientID != ac.Client.ID {
		return nil, InvalidGrant("the authorization code was issued to another client")
	}
	if f.Get("redirect_uri") != cp.RedirectURI {
		return nil, InvalidGrant("redirect_uri does not match the authorization request") // RFC 6749 §4.1.3
	}
	v := f.Get("code_verifier")
	if v == "" {
		return nil, InvalidGrant("code_verifier is required") // FAPI 2.0 SP §5.3.2.2-3
	}
	if !verifierPattern.MatchString(v) || !pkceMatches(v, cp.CodeChallenge) {
		return nil, InvalidGrant("code_verifier does not match the code_challenge") // RFC 7636 §4.6
	}
	b, once, err := p.senderBinding(r, ac, "/token", cp.DPoPJKT, now)
	if err != nil {
		return nil, err
	}
	if err := p.refreshConsent(r, g); err != nil {
		return nil, err
	}
	at, atRec, err := p.mintAccess(g, b, now)
	if err != nil {
		return nil, ServerError(err)
	}
	is := Issuance{
		Once:   append(append(ac.Once, once...), SingleUse{Kind: OnceCode, Value: cp.ID, ExpiresAt: time.Unix(cp.ExpiresAt, 0)}),
		Tokens: []TokenRecord{atRec},
	}
	var rt string
	if p.issuesRefresh(ac.Client, g) {
		var rtRec TokenRecord
		rt, rtRec, err = p.mintRefresh(g, now, p.refreshExpiry(g, now))
		if err != nil {
			return nil, ServerError(err)
		}
		is.Tokens = append(is.Tokens, rtRec)
	}
	var idt string
	if hasScope(g.Scope, "openid") {
		if idt, err = p.idToken(r.Context(), ac.Client, g, now, at, "", ""); err != nil {
			return nil, ServerError(err)
		}
	}
	if err := p.issue(r.Context(), is); err != nil {
		if errors.Is(err, errCodeReused) {
			// RFC 6749 §4.1.2: revoke what the code issued.
			if _, rerr := p.opt.Store.Revoke(r.Context(), p.opt.Workspace, RevokeFilter{GrantID: g.ID}); rerr != nil {
				p.log.Error("revoking tokens of a reused code", "error", rerr)
			}
			return nil, InvalidGrant("the authorization code was already used")
		}
		return nil, err
	}
	return response(at, b, p.opt.Tokens.AccessTokenLifetime, g, rt, idt), nil
}

func pkceMatches(verifier, challenge string) bool {
	h := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(h[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// issuesRefresh: refresh tokens go to clients registered for the grant,
// unless the workspace disables them.
func (p *Provider) issuesRefresh(c *Client, g *Grant) bool {
	return !p.opt.Tokens.DisableRefresh && !g.NoRefresh && c.AllowsGrant(GrantRefreshToken)
}

// refreshConsent asks the consent engine whether the grant's consent still
// allows tokens, and refreshes the claims it adds.
func (p *Provider) refreshConsent(r *http.Request, g *Grant) error {
	if g.ConsentID == "" {
		return nil
	}
	ref, err := p.opt.Consents.Active(r.Context(), p.opt.Workspace, g.ConsentID)
	if errors.Is(err, ErrConsentInactive) {
		return InvalidGrant("the consent is no longer authorised")
	}
	if err != nil {
		return asOAuth(err)
	}
	if ref != nil {
		applyConsent(g, ref)
	}
	return nil
}

// applyConsent copies what the consent engine says into the grant.
func applyConsent(g *Grant, ref *ConsentRef) {
	g.ConsentID = ref.ID
	if ref.Resources != nil {
		g.Resources = ref.Resources
	}
	if ref.TokenClaims != nil {
		g.TokenClaims = ref.TokenClaims
	}
	if ref.ResponseFields != nil {
		g.ResponseFields = ref.ResponseFields
	}
	if ref.ExpiresAt != nil {
		g.RefreshExpiresAt = *ref.ExpiresAt
	}
	g.NoRefresh = ref.NoRefresh
	if len(ref.IDTokenClaims) > 0 {
		if g.IDTokenClaims == nil {
			g.IDTokenClaims = map[string]any{}
		}
		for k, v := range ref.IDTokenClaims {
			g.IDTokenClaims[k] = v
		}
	}
}

// asOAuth keeps *Error values and turns anything else into server_error.
func asOAuth(err error) error {
	var oe *Error
	if errors.As(err, &oe) {
		return oe
	}
	return ServerError(err)
}

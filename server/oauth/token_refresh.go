package oauth

import (
	"errors"
	"net/http"
	"slices"
	"time"
)

// refreshGrant serves RFC 6749 §6. Refresh tokens of confidential clients are
// bound to the client (its authentication), not to a DPoP key (RFC 9449 §5);
// the new access token is bound to this request's proof or certificate.
func (p *Provider) refreshGrant(r *http.Request, ac *AuthenticatedClient, now time.Time) (map[string]any, error) {
	tok := r.PostForm.Get("refresh_token")
	if tok == "" {
		return nil, InvalidRequest("refresh_token is required")
	}
	id, ok := p.parseOpaque(KindRefresh, tok)
	if !ok {
		return nil, InvalidGrant("the refresh token is invalid")
	}
	rec, err := p.opt.Store.Token(r.Context(), p.opt.Workspace, id)
	if errors.Is(err, ErrNotFound) {
		return nil, InvalidGrant("the refresh token is invalid")
	}
	if err != nil {
		return nil, ServerError(err)
	}
	if rec.Kind != KindRefresh || rec.Revoked || !now.Before(rec.ExpiresAt) {
		return nil, InvalidGrant("the refresh token is invalid, expired or revoked")
	}
	if rec.ClientID != ac.Client.ID {
		return nil, InvalidGrant("the refresh token was issued to another client")
	}
	var g Grant
	if err := unmarshalGrant(rec.Data, &g); err != nil {
		return nil, ServerError(err)
	}
	if s := r.PostForm.Get("scope"); s != "" {
		// RFC 6749 §6: a narrower scope only.
		for _, f := range fieldsOf(s) {
			if !slices.Contains(fieldsOf(g.Scope), f) {
				return nil, InvalidScope("scope " + f + " exceeds the original grant")
			}
		}
		g.Scope = s
	}
	b, once, err := p.senderBinding(r, ac, "/token", "", now)
	if err != nil {
		return nil, err
	}
	if err := p.refreshConsent(r, &g); err != nil {
		return nil, err
	}
	at, atRec, err := p.mintAccess(&g, b, now)
	if err != nil {
		return nil, ServerError(err)
	}
	is := Issuance{Once: append(ac.Once, once...), Tokens: []TokenRecord{atRec}}
	rt := ""
	if p.opt.Tokens.RefreshRotation {
		var rtRec TokenRecord
		rt, rtRec, err = p.mintRefresh(&g, now, rec.ExpiresAt) // rotation keeps the original expiry
		if err != nil {
			return nil, ServerError(err)
		}
		is.Tokens = append(is.Tokens, rtRec)
		is.RevokeIDs = []string{rec.ID}
		// Two concurrent refreshes with one token must not both rotate it.
		is.Once = append(is.Once, SingleUse{Kind: OnceRotatedRT, Value: rec.ID, ExpiresAt: rec.ExpiresAt})
	}
	var idt string
	if hasScope(g.Scope, "openid") {
		if idt, err = p.idToken(r.Context(), ac.Client, &g, now, at, "", ""); err != nil {
			return nil, ServerError(err)
		}
	}
	if err := p.issue(r.Context(), is); err != nil {
		return nil, err
	}
	return response(at, b, p.opt.Tokens.AccessTokenLifetime, &g, rt, idt), nil
}

package oauth

import (
	"errors"
	"net/http"
)

// handleRevoke serves RFC 7009. Revoking a refresh token revokes every token
// of its grant (RFC 7009 §2.1 SHOULD); revoking an access token revokes it.
// Unknown tokens get 200 (RFC 7009 §2.2).
func (p *Provider) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if err := p.revoke(w, r); err != nil {
		p.writeErr(w, r, err)
	}
}

func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) error {
	ac, err := p.AuthenticateClient(w, r, "/revoke")
	if err != nil {
		return err
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		return InvalidRequest("token is required")
	}
	rec, err := p.findToken(r, tok, r.PostForm.Get("token_type_hint"))
	if errors.Is(err, ErrNotFound) {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	if err != nil {
		return ServerError(err)
	}
	if rec.ClientID != ac.Client.ID {
		// RFC 7009 §2.1: the token was not issued to this client: refuse.
		return UnauthorizedClient("the token was not issued to this client")
	}
	if rec.Kind == KindRefresh {
		if _, err := p.opt.Store.Revoke(r.Context(), p.opt.Workspace, RevokeFilter{GrantID: rec.GrantID}); err != nil {
			return ServerError(err)
		}
	} else if err := p.opt.Store.RevokeAccessToken(r.Context(), p.opt.Workspace, *rec); err != nil {
		// One upsert: a stateless access token has no row to update (stateless.go).
		return ServerError(err)
	}
	if rec.Kind == KindRefresh && rec.ConsentID != "" {
		if err := p.opt.Consents.TokensRevoked(r.Context(), p.opt.Workspace, rec.ConsentID); err != nil {
			p.log.Error("consent: tokens revoked", "error", err)
		}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

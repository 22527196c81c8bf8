package oauth

import (
	"errors"
	"net/http"
)

// handleIntrospect serves RFC 7662 for authenticated clients. A client may
// introspect the tokens issued to it; system clients (resource servers) may
// introspect any token of the workspace. Anything else is {"active":false}.
func (p *Provider) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	if err := p.introspect(w, r); err != nil {
		p.writeErr(w, r, err)
	}
}

func (p *Provider) introspect(w http.ResponseWriter, r *http.Request) error {
	ac, err := p.AuthenticateClient(w, r, "/introspect")
	if err != nil {
		return err
	}
	now := p.now()
	tok := r.PostForm.Get("token")
	if tok == "" {
		return InvalidRequest("token is required")
	}
	rec, err := p.findToken(r, tok, r.PostForm.Get("token_type_hint"))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return ServerError(err)
	}
	body := map[string]any{"active": false}
	if err == nil && !rec.Revoked && now.Before(rec.ExpiresAt) && (rec.ClientID == ac.Client.ID || ac.Client.System) {
		body = p.introspection(rec)
		shapeScope(body, ac.Client.IntrospectionScopes)
	}
	if p.hooks.Introspection != nil {
		body = p.hooks.Introspection(rec, body)
	}
	if media := wantsJWT(r); media != "" {
		return p.writeIntrospectionJWT(w, r, ac.Client, body, now, media)
	}
	WriteJSON(w, http.StatusOK, body)
	return nil
}

// shapeScope limits the scope a resource server sees to what it serves.
func shapeScope(body map[string]any, served []string) {
	s, ok := body["scope"].(string)
	if !ok || len(served) == 0 {
		return
	}
	var keep []string
	for _, f := range fieldsOf(s) {
		for _, sv := range served {
			if f == sv {
				keep = append(keep, f)
			}
		}
	}
	if len(keep) == 0 {
		delete(body, "scope")
		return
	}
	body["scope"] = joinFields(keep)
}

// findToken finds an access or refresh token, trying the hinted kind first
// (RFC 7662 §2.1 token_type_hint is only a hint).
func (p *Provider) findToken(r *http.Request, tok, hint string) (*TokenRecord, error) {
	tryRefresh := func() (*TokenRecord, error) {
		id, ok := p.parseOpaque(KindRefresh, tok)
		if !ok {
			return nil, ErrNotFound
		}
		rec, err := p.opt.Store.Token(r.Context(), p.opt.Workspace, id)
		if err == nil && rec.Kind != KindRefresh {
			return nil, ErrNotFound
		}
		return rec, err
	}
	if hint == "refresh_token" {
		if rec, err := tryRefresh(); !errors.Is(err, ErrNotFound) {
			return rec, err
		}
		return p.lookupAccess(r.Context(), tok)
	}
	if rec, err := p.lookupAccess(r.Context(), tok); !errors.Is(err, ErrNotFound) {
		return rec, err
	}
	return tryRefresh()
}

// introspection is the RFC 7662 §2.2 response for an active token.
func (p *Provider) introspection(rec *TokenRecord) map[string]any {
	m := map[string]any{
		"active": true, "client_id": rec.ClientID, "exp": rec.ExpiresAt.Unix(), "iat": rec.IssuedAt.Unix(),
		"iss": p.opt.Issuer,
	}
	if rec.Scope != "" {
		m["scope"] = rec.Scope
	}
	if rec.Subject != "" {
		m["sub"] = rec.Subject
	}
	if rec.Kind == KindRefresh {
		m["token_type"] = "refresh_token"
	} else if rec.JKT != "" {
		m["token_type"] = "DPoP"
		m["cnf"] = map[string]string{"jkt": rec.JKT}
	} else {
		m["token_type"] = "Bearer"
		if rec.X5T != "" {
			m["cnf"] = map[string]string{"x5t#S256": rec.X5T}
		}
	}
	var g Grant
	if unmarshalGrant(rec.Data, &g) == nil {
		if g.ConsentID != "" {
			m["consent_id"] = g.ConsentID
		}
		if len(g.Resources) > 0 {
			m["granted_resources"] = g.Resources
		}
		if len(g.AuthorizationDetails) > 0 {
			m["authorization_details"] = g.AuthorizationDetails
		}
		if g.ACR != "" {
			m["acr"] = g.ACR
		}
		for k, v := range g.TokenClaims {
			if _, std := m[k]; !std {
				m[k] = v
			}
		}
	}
	return m
}

package oauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
)

// handleResume finishes a login: it checks the browser cookie, completes the
// login exactly once and redirects to the client with the code or the error
// (RFC 6749 §4.1.2, RFC 9207 iss).
func (p *Provider) handleResume(w http.ResponseWriter, r *http.Request) {
	loginID := r.URL.Query().Get("login_id")
	if loginID == "" {
		p.errorPage(w, InvalidRequest("login_id is required"))
		return
	}
	now := p.now()
	l, err := p.opt.Store.Login(r.Context(), p.opt.Workspace, hashID(loginID), now)
	if errors.Is(err, ErrNotFound) {
		p.errorPage(w, InvalidRequest("the login is unknown or expired"))
		return
	}
	if err != nil {
		p.errorPage(w, ServerError(err))
		return
	}
	ck, err := r.Cookie(cookieName(loginID))
	if err != nil || hashID(ck.Value) != l.BrowserHash {
		p.errorPage(w, AccessDenied("the login was started in another browser"))
		return
	}
	switch l.State {
	case LoginAccepted, LoginRejected:
	case LoginDone:
		p.errorPage(w, InvalidRequest("the login was already completed"))
		return
	default:
		p.errorPage(w, InvalidRequest("the login is not finished"))
		return
	}
	if err := p.opt.Store.TransitionLogin(r.Context(), p.opt.Workspace, l.ID, l.State, LoginDone, nil, now); err != nil {
		p.errorPage(w, InvalidRequest("the login was already completed"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: ck.Name, Value: "", Path: p.cookiePath, MaxAge: -1, Secure: true, HttpOnly: true})
	var req AuthorizationRequest
	var d loginDecision
	if err := json.Unmarshal(l.Request, &req); err != nil {
		p.errorPage(w, ServerError(err))
		return
	}
	if err := json.Unmarshal(l.Decision, &d); err != nil {
		p.errorPage(w, ServerError(err))
		return
	}
	c, err := p.opt.Clients.Client(r.Context(), p.opt.Workspace, l.ClientID)
	if err != nil {
		p.errorPage(w, InvalidRequest("the client is no longer registered"))
		return
	}
	if d.Grant == nil {
		p.redirectError(w, r, c, &req, &Error{Code: d.Error, Description: d.Description})
		return
	}
	code, err := p.codes.seal(&codePayload{
		ID: randomID(16), RedirectURI: req.RedirectURI, CodeChallenge: req.CodeChallenge, DPoPJKT: req.DPoPJKT,
		ExpiresAt: now.Add(p.opt.Tokens.CodeLifetime).Unix(), Grant: *d.Grant,
	})
	if err != nil {
		p.redirectError(w, r, c, &req, ServerError(err))
		return
	}
	v := url.Values{"code": {code}}
	if req.ResponseType == "code id_token" {
		// OIDC Core §3.3.2.11; FAPI 1.0 Adv §5.2.2.1: the front-channel ID
		// token is a detached signature over code (c_hash) and state (s_hash).
		idt, err := p.idToken(r.Context(), c, d.Grant, now, "", code, req.State)
		if err != nil {
			p.redirectError(w, r, c, &req, ServerError(err))
			return
		}
		v.Set("id_token", idt)
	}
	p.authzResponse(w, r, c, &req, v)
}

// redirectError sends an error authorization response to the validated redirect_uri.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, c *Client, req *AuthorizationRequest, e *Error) {
	if e.Code == CodeServerError {
		p.log.Error("authorization", "error", e)
	}
	v := url.Values{"error": {e.Code}}
	if e.Description != "" {
		v.Set("error_description", e.Description)
	}
	p.authzResponse(w, r, c, req, v)
}

package oauth

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// handleAuthorize serves the authorization endpoint (RFC 6749 §3.1). It
// validates the request, records a login and sends the browser to the bank's
// login/consent app with an opaque single-use login_id bound to this browser
// by a cookie.
func (p *Provider) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		if err := parseForm(w, r); err != nil {
			p.errorPage(w, err)
			return
		}
		params = r.PostForm
	}
	if err := checkRepeated(params); err != nil {
		p.errorPage(w, err)
		return
	}
	now := p.now()
	c, req, err := p.authorizationRequest(r, params, now)
	if err != nil {
		// Before redirect_uri is validated nothing is redirected.
		p.errorPage(w, err)
		return
	}
	loginID := randomID(32)
	browser := randomID(32)
	body, err := json.Marshal(req)
	if err != nil {
		p.errorPage(w, ServerError(err))
		return
	}
	rec := LoginRecord{
		ID: hashID(loginID), Workspace: p.opt.Workspace, ClientID: c.ID, Request: body,
		BrowserHash: hashID(browser), State: LoginPending, ExpiresAt: now.Add(p.opt.Tokens.LoginLifetime),
	}
	if err := p.opt.Store.CreateLogin(r.Context(), rec); err != nil {
		p.errorPage(w, ServerError(err))
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName(loginID), Value: browser, Path: p.cookiePath, MaxAge: int(p.opt.Tokens.LoginLifetime.Seconds()),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, addQuery(p.opt.LoginURL, url.Values{"login_id": {loginID}}), http.StatusSeeOther)
}

// authorizationRequest resolves the request: from PAR (request_uri, single
// use) or, where the profile allows, from the front channel.
func (p *Provider) authorizationRequest(r *http.Request, params url.Values, now time.Time) (*Client, *AuthorizationRequest, error) {
	clientID := params.Get("client_id")
	if clientID == "" {
		return nil, nil, InvalidRequest("client_id is required")
	}
	c, err := p.opt.Clients.Client(r.Context(), p.opt.Workspace, clientID)
	if errors.Is(err, ErrClientNotFound) {
		return nil, nil, InvalidRequest("unknown client_id")
	}
	if err != nil {
		return nil, nil, ServerError(err)
	}
	if c.Status != "" && c.Status != ClientApproved {
		return nil, nil, InvalidRequest("the client is not approved")
	}
	if ru := params.Get("request_uri"); ru != "" {
		id, ok := strings.CutPrefix(ru, requestURIPrefix)
		if !ok || id == "" {
			return nil, nil, InvalidRequestURI("request_uri is not one this server issued")
		}
		par, err := p.opt.Store.TakePAR(r.Context(), p.opt.Workspace, id, now)
		if errors.Is(err, ErrNotFound) {
			return nil, nil, InvalidRequestURI("request_uri is unknown, expired or already used") // RFC 9126 §2.2, §4
		}
		if err != nil {
			return nil, nil, ServerError(err)
		}
		if par.ClientID != c.ID {
			return nil, nil, InvalidRequestURI("request_uri was pushed by another client")
		}
		var req AuthorizationRequest
		if err := json.Unmarshal(par.Request, &req); err != nil {
			return nil, nil, ServerError(err)
		}
		return c, &req, nil
	}
	if p.opt.Profile.RequirePAR || c.RequirePushedAuthorizationRequests {
		return nil, nil, InvalidRequest("pushed authorization requests are required: use request_uri") // FAPI 2.0 SP §5.3.2.2-1, RFC 9126 §5
	}
	if params.Has("request") && !p.opt.Profile.AllowRequestByValue {
		return nil, nil, InvalidRequest("request objects by value are not supported here; push them with PAR")
	}
	req, once, err := p.readAuthorizationRequest(r.Context(), c, params, now)
	if err != nil {
		return nil, nil, err
	}
	if err := p.checkRedirectURI(c, req); err != nil {
		return nil, nil, err
	}
	if err := p.validateRequest(c, req); err != nil {
		return nil, nil, err
	}
	if len(once) > 0 {
		if err := p.opt.Store.Issue(r.Context(), p.opt.Workspace, Issuance{Once: once}); err != nil {
			return nil, nil, p.replayOrServerError(err)
		}
	}
	if _, err := p.opt.Consents.Check(r.Context(), p.opt.Workspace, c, req); err != nil {
		return nil, nil, asOAuth(err)
	}
	return c, req, nil
}

func hashID(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// cookieName is per login, so parallel logins in one browser do not collide.
func cookieName(loginID string) string { return "oc_login_" + hashID("cookie:" + loginID)[:16] }

func addQuery(base string, v url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + v.Encode()
}

var errorTmpl = template.Must(template.New("e").Parse(`<!doctype html><html><head><meta charset="utf-8"><title>Authorization error</title></head>` +
	`<body><h1>Authorization error</h1><p><code>{{.Code}}</code></p><p>{{.Description}}</p></body></html>`))

// errorPage renders an error to the browser without redirecting (used when
// the redirect_uri is not validated).
func (p *Provider) errorPage(w http.ResponseWriter, err error) {
	oe := AsError(err)
	if oe.Code == CodeServerError {
		p.log.Error("authorize", "error", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(oe.HTTPStatus())
	_ = errorTmpl.Execute(w, oe)
}

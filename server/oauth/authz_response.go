package oauth

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// jarmLifetime bounds a JARM response JWT (JARM §2.1: short-lived, 10 minutes recommended).
const jarmLifetime = 10 * time.Minute

// isJARM reports whether a response mode is a JWT response mode (JARM §2.3).
func isJARM(mode string) bool {
	return mode == "jwt" || strings.HasSuffix(mode, ".jwt")
}

// effectiveMode resolves the response mode: explicit, else the default for
// the response type (OAuth Multiple Response Types §5: query for code,
// fragment when the front channel carries tokens), and "jwt" to its
// default transport (JARM §2.3.4).
func (p *Provider) effectiveMode(req *AuthorizationRequest) string {
	mode := req.ResponseMode
	if mode == "" && p.opt.Profile.RequireJARM {
		mode = "jwt"
	}
	hybrid := req.ResponseType != "code"
	switch mode {
	case "":
		if hybrid {
			return "fragment"
		}
		return "query"
	case "jwt":
		if hybrid {
			return "fragment.jwt"
		}
		return "query.jwt"
	}
	return mode
}

// authzResponse sends an authorization response (success or error) to the
// validated redirect_uri in the request's response mode.
func (p *Provider) authzResponse(w http.ResponseWriter, r *http.Request, c *Client, req *AuthorizationRequest, v url.Values) {
	mode := p.effectiveMode(req)
	if req.State != "" {
		v.Set("state", req.State)
	}
	if isJARM(mode) {
		jwt, err := p.jarm(r.Context(), c, req, v)
		if err != nil {
			p.log.Error("jarm", "error", err)
			p.errorPage(w, ServerError(err))
			return
		}
		v = url.Values{"response": {jwt}}
		mode = strings.TrimSuffix(mode, ".jwt")
	} else if p.opt.Profile.IssInAuthResponse {
		v.Set("iss", p.opt.Issuer) // RFC 9207 §2 (JARM carries iss inside the JWT)
	}
	switch mode {
	case "fragment":
		http.Redirect(w, r, req.RedirectURI+"#"+v.Encode(), http.StatusSeeOther)
	case "form_post":
		formPost(w, req.RedirectURI, v)
	default:
		http.Redirect(w, r, addQuery(req.RedirectURI, v), http.StatusSeeOther)
	}
}

// jarm signs (and, when the client registered it, encrypts) the response
// parameters as a JWT: iss, aud = client_id, exp, plus every parameter (JARM §2.1).
func (p *Provider) jarm(ctx context.Context, c *Client, req *AuthorizationRequest, v url.Values) (string, error) {
	now := p.now()
	claims := map[string]any{"iss": p.opt.Issuer, "aud": req.ClientID, "exp": now.Add(jarmLifetime).Unix(), "iat": now.Unix()}
	for k := range v {
		claims[k] = v.Get(k)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	alg := c.AuthorizationSignedResponseAlg
	if alg == "" {
		alg = p.opt.Tokens.SigningAlg
	}
	signed, err := p.signWith(jose.SignatureAlgorithm(alg), payload, "")
	if err != nil {
		return "", err
	}
	if c.AuthorizationEncryptedResponseAlg == "" {
		return signed, nil
	}
	enc := c.AuthorizationEncryptedResponseEnc
	if enc == "" {
		enc = string(jose.A128CBC_HS256) // JARM §3 default
	}
	return p.encryptTo(ctx, c, c.AuthorizationEncryptedResponseAlg, enc, signed)
}

var formPostTmpl = template.Must(template.New("fp").Parse(`<!doctype html><html><head><meta charset="utf-8"><title>Submit</title></head>` +
	`<body onload="document.forms[0].submit()"><form method="post" action="{{.Action}}">` +
	`{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">{{end}}` +
	`<noscript><button type="submit">Continue</button></noscript></form></body></html>`))

// formPost answers with an auto-submitting form (OAuth 2.0 Form Post Response Mode §2).
func formPost(w http.ResponseWriter, action string, v url.Values) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = formPostTmpl.Execute(w, map[string]any{"Action": template.URL(action), "Params": v})
}

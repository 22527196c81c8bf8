package oauth

import (
	"net/http"
)

// handleUserInfo serves OIDC Core §5.3: the subject and the claims the bank
// supplied at accept, for a token with the openid scope.
func (p *Provider) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	info, err := p.AuthenticateBearer(r, "/userinfo")
	if err != nil {
		p.writeErr(w, r, err)
		return
	}
	if !info.HasScope("openid") || info.Grant.Subject == "" {
		p.writeErr(w, r, &Error{Code: CodeInsufficientScope, Description: "the openid scope is required"})
		return
	}
	m := map[string]any{}
	for k, v := range info.Grant.UserInfoClaims {
		m[k] = v
	}
	m["sub"] = info.Grant.Subject
	WriteJSON(w, http.StatusOK, m)
}

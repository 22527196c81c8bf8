package server_test

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauthtest"
)

// flow drives PAR -> authorize -> accept -> resume and returns the code.
type flow struct {
	e        *env
	clientID string
	cert     string
	dpop     *oauthtest.Key
	hc       *http.Client
	verifier string
	state    string
	extra    url.Values
}

func (e *env) newFlow(clientID, cert string, dpop *oauthtest.Key) *flow {
	return &flow{e: e, clientID: clientID, cert: cert, dpop: dpop, hc: e.httpClient(cert), state: oauthtest.RandomString(8)}
}

func (f *flow) authForm(form url.Values) url.Values {
	if f.clientID == "mtls" || f.clientID == "selfsigned" {
		form.Set("client_id", f.clientID)
		return form
	}
	return f.e.auth(f.clientID, form)
}

func (f *flow) dpopHeader(method, path, token string) http.Header {
	h := http.Header{}
	if f.dpop != nil {
		p, err := f.dpop.DPoP(method, f.e.base+path, token, "")
		must(f.e.t, err)
		h.Set("DPoP", p)
	}
	return h
}

// par pushes the request and returns the request_uri.
func (f *flow) par() result {
	v, ch := oauthtest.PKCE()
	f.verifier = v
	form := url.Values{
		"response_type": {"code"}, "redirect_uri": {redirectURI}, "scope": {"openid accounts"},
		"code_challenge": {ch}, "code_challenge_method": {"S256"}, "state": {f.state}, "nonce": {"n-1"},
	}
	for k, vs := range f.extra {
		form[k] = vs
	}
	return f.e.do(call{path: "/ws/par", form: f.authForm(form), header: f.dpopHeader("POST", "/ws/par", ""), client: f.hc})
}

// authorize follows request_uri to the login app and returns the login_id.
func (f *flow) authorize(requestURI string) (string, result) {
	r := f.e.do(call{method: "GET", path: "/ws/authorize?" + url.Values{"client_id": {f.clientID}, "request_uri": {requestURI}}.Encode(), client: f.hc})
	if r.status != http.StatusSeeOther {
		return "", r
	}
	u, err := url.Parse(r.header.Get("Location"))
	must(f.e.t, err)
	return u.Query().Get("login_id"), r
}

// resume returns the client's redirect after the login was decided.
func (f *flow) resume(loginID string) *url.URL {
	r := f.e.do(call{method: "GET", path: "/ws/authorize/resume?login_id=" + url.QueryEscape(loginID), client: f.hc})
	if r.status != http.StatusSeeOther {
		f.e.t.Fatalf("resume = %d %s", r.status, r.raw)
	}
	u, err := url.Parse(r.header.Get("Location"))
	must(f.e.t, err)
	return u
}

// code runs the front channel and returns the authorization code.
func (f *flow) code() string {
	t := f.e.t
	t.Helper()
	r := f.par()
	if r.status != http.StatusCreated {
		t.Fatalf("PAR = %d %s", r.status, r.raw)
	}
	loginID, ar := f.authorize(r.body["request_uri"].(string))
	if loginID == "" {
		t.Fatalf("authorize = %d %s", ar.status, ar.raw)
	}
	f.e.acceptViaSystemAPI(loginID, map[string]any{
		"subject": "alice", "acr": "urn:test:sca", "consent": map[string]any{"resources": []string{"acc-1", "acc-2"}},
	})
	u := f.resume(loginID)
	q := u.Query()
	if q.Get("state") != f.state || q.Get("iss") != f.e.issuer || q.Get("code") == "" {
		t.Fatalf("redirect = %s, want code, state %s and iss %s", u, f.state, f.e.issuer)
	}
	if !strings.HasPrefix(u.String(), redirectURI+"?") {
		t.Fatalf("redirected to %s, want %s", u, redirectURI)
	}
	return q.Get("code")
}

// token redeems the code.
func (f *flow) token(code string) result {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {f.verifier}}
	return f.e.do(call{path: "/ws/token", form: f.authForm(form), header: f.dpopHeader("POST", "/ws/token", ""), client: f.hc})
}

func TestCodeFlowEndToEnd(t *testing.T) {
	e := newEnv(t)
	dk := newKey(t, jose.ES256)
	tests := []struct {
		name       string
		giveClient string
		giveCert   string
		giveDPoP   *oauthtest.Key
		wantType   string
		wantCnf    string
	}{
		{"private_key_jwt ES256 + DPoP", "pkjwt", "", dk, "DPoP", "jkt"},
		{"private_key_jwt PS256 + DPoP", "pkjwt-ps", "", dk, "DPoP", "jkt"},
		{"private_key_jwt + mTLS binding", "pkjwt", "pkjwt", nil, "Bearer", "x5t#S256"},
		{"tls_client_auth + mTLS binding", "mtls", "mtls", nil, "Bearer", "x5t#S256"},
		{"tls_client_auth + DPoP", "mtls", "mtls", dk, "DPoP", "jkt"},
		{"self_signed_tls_client_auth + mTLS binding", "selfsigned", "selfsigned", nil, "Bearer", "x5t#S256"},
		{"self_signed_tls_client_auth + DPoP", "selfsigned", "selfsigned", dk, "DPoP", "jkt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := e.newFlow(tt.giveClient, tt.giveCert, tt.giveDPoP)
			r := f.token(f.code())
			if r.status != http.StatusOK {
				t.Fatalf("token = %d %s", r.status, r.raw)
			}
			if r.body["token_type"] != tt.wantType {
				t.Errorf("token_type = %v, want %s", r.body["token_type"], tt.wantType)
			}
			for _, k := range []string{"access_token", "refresh_token", "id_token"} {
				if s, _ := r.body[k].(string); s == "" {
					t.Errorf("%s missing", k)
				}
			}
			at := r.body["access_token"].(string)
			// Introspection by a system client shows the binding and the grant.
			in := e.do(call{path: "/ws/introspect", form: e.auth("system", url.Values{"token": {at}})})
			if in.body["active"] != true || in.body["sub"] != "alice" {
				t.Fatalf("introspection = %s", in.raw)
			}
			cnf, _ := in.body["cnf"].(map[string]any)
			if cnf[tt.wantCnf] == nil {
				t.Errorf("cnf = %v, want %s", in.body["cnf"], tt.wantCnf)
			}
			// userinfo with the right binding.
			h := f.dpopHeader("GET", "/ws/userinfo", at)
			h.Set("Authorization", tt.wantType+" "+at)
			ui := e.do(call{method: "GET", path: "/ws/userinfo", header: h, client: f.hc})
			if ui.status != http.StatusOK || ui.body["sub"] != "alice" {
				t.Fatalf("userinfo = %d %s", ui.status, ui.raw)
			}
			// refresh
			rf := e.do(call{path: "/ws/token", form: f.authForm(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r.body["refresh_token"].(string)}}),
				header: f.dpopHeader("POST", "/ws/token", ""), client: f.hc})
			if rf.status != http.StatusOK || rf.body["token_type"] != tt.wantType {
				t.Fatalf("refresh = %d %s", rf.status, rf.raw)
			}
			// revoke the refreshed access token alone (a stored row): it goes,
			// the refresh token stays (RFC 7009 §2.1).
			rat := rf.body["access_token"].(string)
			if rv := e.do(call{path: "/ws/revoke", form: f.authForm(url.Values{"token": {rat}}), client: f.hc}); rv.status != http.StatusOK {
				t.Fatalf("revoke access token = %d %s", rv.status, rv.raw)
			}
			if in := e.do(call{path: "/ws/introspect", form: e.auth("system", url.Values{"token": {rat}})}); in.body["active"] != false {
				t.Errorf("after revoking the access token introspection = %s, want inactive", in.raw)
			}
			if in := e.do(call{path: "/ws/introspect", form: e.auth("system", url.Values{"token": {r.body["refresh_token"].(string)}})}); in.body["active"] != true {
				t.Errorf("after revoking an access token the refresh token's introspection = %s, want active", in.raw)
			}
			// revoke the refresh token: every token of the grant goes.
			rv := e.do(call{path: "/ws/revoke", form: f.authForm(url.Values{"token": {r.body["refresh_token"].(string)}}), client: f.hc})
			if rv.status != http.StatusOK {
				t.Fatalf("revoke = %d %s", rv.status, rv.raw)
			}
			for _, tok := range []string{at, rf.body["access_token"].(string)} {
				in := e.do(call{path: "/ws/introspect", form: e.auth("system", url.Values{"token": {tok}})})
				if in.body["active"] != false {
					t.Errorf("after revocation introspection = %s, want inactive", in.raw)
				}
			}
		})
	}
}

func TestClientCredentialsEndToEnd(t *testing.T) {
	e := newEnv(t)
	dk := newKey(t, jose.ES256)
	f := e.newFlow("pkjwt", "", dk)
	r := e.do(call{path: "/ws/token", form: e.auth("pkjwt", url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}}), header: f.dpopHeader("POST", "/ws/token", "")})
	if r.status != http.StatusOK || r.body["token_type"] != "DPoP" || r.body["scope"] != "accounts" {
		t.Fatalf("token = %d %s", r.status, r.raw)
	}
	if _, ok := r.body["refresh_token"]; ok {
		t.Error("client_credentials issued a refresh token")
	}
}

// TestSelfSignedClientAuthNeedsTheRegisteredKey: RFC 8705 §2.2 — the
// certificate's key must be in the client's JWKS; another self-signed
// certificate, or none, is invalid_client.
func TestSelfSignedClientAuthNeedsTheRegisteredKey(t *testing.T) {
	e := newEnv(t)
	other, err := oauthtest.NewCA("another self-signed")
	must(t, err)
	e.certs["other-selfsigned"] = tls.Certificate{Certificate: [][]byte{other.Cert.Raw}, PrivateKey: other.Key(), Leaf: other.Cert}
	tests := []struct {
		name       string
		giveCert   string
		wantStatus int
	}{
		{"registered key", "selfsigned", http.StatusOK},
		{"another self-signed certificate", "other-selfsigned", http.StatusUnauthorized},
		{"no certificate", "", http.StatusUnauthorized},
		{"a CA-issued certificate", "mtls", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(call{path: "/ws/token", cert: tt.giveCert, form: url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}, "client_id": {"selfsigned"}}})
			if r.status != tt.wantStatus {
				t.Fatalf("token = %d %s, want %d", r.status, r.raw, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusOK && r.body["error"] != "invalid_client" {
				t.Fatalf("error = %v, want invalid_client", r.body["error"])
			}
		})
	}
}

package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// Negative tests of DPoP (RFC 9449): proof checks at the token endpoint
// (§4.3), key binding of the code (§10) and of the token at a protected
// resource (§7), replay (§11.1) and server nonces (§8, §9), and of
// certificate-bound tokens at a protected resource (RFC 8705 §3).

func TestNegativeDPoPProof(t *testing.T) {
	e := newEnv(t)
	k := newKey(t, jose.ES256)
	other := newKey(t, jose.ES256)
	tokenURL := e.base + "/ws/token"
	claims := func(edit func(map[string]any)) map[string]any {
		c := oauthtest.DPoPClaims("POST", tokenURL, "", "", time.Now())
		edit(c)
		return c
	}
	sign := func(c map[string]any) string {
		p, err := k.SignDPoP(c)
		must(t, err)
		return p
	}
	edited := func(edit func(map[string]any)) func() []string {
		return func() []string { return []string{sign(claims(edit))} }
	}
	withHeader := func(signer *oauthtest.Key, h map[string]any) func() []string {
		return func() []string {
			p, err := signer.SignWithHeader(claims(func(map[string]any) {}), h)
			must(t, err)
			return []string{p}
		}
	}
	tests := []struct {
		name      string
		giveProof func() []string // DPoP header values
		wantCode  string          // "" = success
	}{
		{name: "valid", giveProof: edited(func(map[string]any) {})},
		{name: "htu with a query", giveProof: edited(func(c map[string]any) { c["htu"] = tokenURL + "?x=1" })},
		{name: "typ jwt", wantCode: "invalid_dpop_proof", giveProof: withHeader(k, map[string]any{"typ": "jwt", "jwk": k.Public()})},
		{name: "no typ", wantCode: "invalid_dpop_proof", giveProof: withHeader(k, map[string]any{"jwk": k.Public()})},
		{name: "no jwk", wantCode: "invalid_dpop_proof", giveProof: withHeader(k, map[string]any{"typ": "dpop+jwt", "kid": k.JWK.KeyID})},
		{name: "private key in jwk", wantCode: "invalid_dpop_proof", giveProof: withHeader(k, map[string]any{"typ": "dpop+jwt", "jwk": k.JWK})},
		{name: "jwk of another key", wantCode: "invalid_dpop_proof", giveProof: withHeader(k, map[string]any{"typ": "dpop+jwt", "jwk": other.Public()})},
		{name: "alg none", wantCode: "invalid_dpop_proof", giveProof: func() []string {
			p, err := oauthtest.Unsigned(map[string]any{"typ": "dpop+jwt", "jwk": k.Public()}, claims(func(map[string]any) {}))
			must(t, err)
			return []string{p}
		}},
		{name: "HS256", wantCode: "invalid_dpop_proof", giveProof: func() []string {
			p, err := oauthtest.SignHS256([]byte(strings.Repeat("k", 32)), map[string]any{"typ": "dpop+jwt", "jwk": k.Public()}, claims(func(map[string]any) {}))
			must(t, err)
			return []string{p}
		}},
		{name: "htm GET", wantCode: "invalid_dpop_proof", giveProof: edited(func(c map[string]any) { c["htm"] = "GET" })},
		{name: "htm lower case", wantCode: "invalid_dpop_proof", giveProof: edited(func(c map[string]any) { c["htm"] = "post" })},
		{name: "htu of the PAR endpoint", wantCode: "invalid_dpop_proof", giveProof: edited(func(c map[string]any) { c["htu"] = e.issuer + "/par" })},
		{name: "htu of another workspace", wantCode: "invalid_dpop_proof", giveProof: edited(func(c map[string]any) { c["htu"] = e.base + "/other/token" })},
		{name: "htu of another host", wantCode: "invalid_dpop_proof", giveProof: edited(func(c map[string]any) { c["htu"] = "https://as.attacker.test/ws/token" })},
		{name: "iat 5 minutes old", wantCode: "invalid_dpop_proof", giveProof: edited(func(c map[string]any) { c["iat"] = time.Now().Add(-5 * time.Minute).Unix() })},
		{name: "iat 5 minutes ahead", wantCode: "invalid_dpop_proof", giveProof: edited(func(c map[string]any) { c["iat"] = time.Now().Add(5 * time.Minute).Unix() })},
		{name: "no iat", wantCode: "invalid_dpop_proof", giveProof: edited(func(c map[string]any) { delete(c, "iat") })},
		{name: "no jti", wantCode: "invalid_dpop_proof", giveProof: edited(func(c map[string]any) { delete(c, "jti") })},
		{name: "no htm", wantCode: "invalid_dpop_proof", giveProof: edited(func(c map[string]any) { delete(c, "htm") })},
		{name: "no htu", wantCode: "invalid_dpop_proof", giveProof: edited(func(c map[string]any) { delete(c, "htu") })},
		{name: "two DPoP headers", wantCode: "invalid_dpop_proof", giveProof: func() []string {
			return []string{sign(claims(func(map[string]any) {})), sign(claims(func(map[string]any) {}))}
		}},
		{name: "not a JWT", wantCode: "invalid_dpop_proof", giveProof: func() []string { return []string{"not-a-jwt"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"DPoP": tt.giveProof()}
			form := url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}}
			r := e.do(call{path: "/ws/token", form: e.auth("pkjwt", form), header: h})
			if tt.wantCode == "" {
				if r.status != http.StatusOK || r.body["token_type"] != "DPoP" {
					t.Fatalf("token = %d %s, want 200 DPoP", r.status, r.raw)
				}
				return
			}
			wantOAuthError(t, r, 400, tt.wantCode)
		})
	}
}

// TestNegativeDPoPReplay: a proof jti is accepted once (RFC 9449 §11.1).
func TestNegativeDPoPReplay(t *testing.T) {
	e := newEnv(t)
	k := newKey(t, jose.ES256)
	proof := e.proof(k, "POST", "/ws/token", "")
	form := func() url.Values {
		return e.auth("pkjwt", url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}})
	}
	if r := e.do(call{path: "/ws/token", form: form(), header: http.Header{"DPoP": {proof}}}); r.status != http.StatusOK {
		t.Fatalf("first use = %d %s", r.status, r.raw)
	}
	wantOAuthError(t, e.do(call{path: "/ws/token", form: form(), header: http.Header{"DPoP": {proof}}}), 400, "invalid_dpop_proof")
}

// TestNegativeDPoPAtPAR: a proof at PAR is verified, and must agree with
// dpop_jkt when both are sent (RFC 9449 §10, §10.1).
func TestNegativeDPoPAtPAR(t *testing.T) {
	e := newEnv(t)
	a, b := newKey(t, jose.ES256), newKey(t, jose.ES256)
	tests := []struct {
		name       string
		giveJKT    *oauthtest.Key // dpop_jkt parameter
		giveProof  func() string  // DPoP header; nil: none
		wantStatus int
		wantCode   string
	}{
		{name: "proof of key A", giveProof: func() string { return e.proof(a, "POST", "/ws/par", "") }, wantStatus: 201},
		{name: "dpop_jkt A and proof of key A", giveJKT: a, giveProof: func() string { return e.proof(a, "POST", "/ws/par", "") }, wantStatus: 201},
		{name: "dpop_jkt A only", giveJKT: a, wantStatus: 201},
		{name: "dpop_jkt A and proof of key B", giveJKT: a, giveProof: func() string { return e.proof(b, "POST", "/ws/par", "") }, wantStatus: 400, wantCode: "invalid_dpop_proof"},
		{name: "proof for the token endpoint", giveProof: func() string { return e.proof(a, "POST", "/ws/token", "") }, wantStatus: 400, wantCode: "invalid_dpop_proof"},
		{name: "proof without typ", giveProof: func() string {
			p, err := a.SignWithHeader(oauthtest.DPoPClaims("POST", e.issuer+"/par", "", "", time.Now()), map[string]any{"jwk": a.Public()})
			must(t, err)
			return p
		}, wantStatus: 400, wantCode: "invalid_dpop_proof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form, _ := parParams("openid accounts")
			if tt.giveJKT != nil {
				form.Set("dpop_jkt", tt.giveJKT.Thumbprint())
			}
			h := http.Header{}
			if tt.giveProof != nil {
				h.Set("DPoP", tt.giveProof())
			}
			r := e.do(call{path: "/ws/par", form: e.auth("pkjwt", form), header: h})
			if tt.wantCode == "" {
				if r.status != tt.wantStatus {
					t.Fatalf("PAR = %d %s, want %d", r.status, r.raw, tt.wantStatus)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestNegativeDPoPCodeBinding: a code bound to a DPoP key at PAR is redeemed
// only with a proof of that key (RFC 9449 §10).
func TestNegativeDPoPCodeBinding(t *testing.T) {
	e := newEnv(t)
	a, b := newKey(t, jose.ES256), newKey(t, jose.ES256)
	tests := []struct {
		name       string
		giveJKT    *oauthtest.Key // dpop_jkt at PAR
		givePAR    *oauthtest.Key // DPoP proof key at PAR
		giveToken  *oauthtest.Key // DPoP proof key at the token endpoint
		giveCert   string
		wantStatus int
		wantCode   string
	}{
		{name: "PAR proof A, token proof A", givePAR: a, giveToken: a, wantStatus: 200},
		{name: "dpop_jkt A, token proof A", giveJKT: a, giveToken: a, wantStatus: 200},
		{name: "PAR proof A, token proof B", givePAR: a, giveToken: b, wantStatus: 400, wantCode: "invalid_dpop_proof"},
		{name: "dpop_jkt A, token proof B", giveJKT: a, giveToken: b, wantStatus: 400, wantCode: "invalid_dpop_proof"},
		{name: "PAR proof A, token with a certificate only", givePAR: a, giveCert: "pkjwt", wantStatus: 400, wantCode: "invalid_dpop_proof"},
		{name: "dpop_jkt A, token without any binding", giveJKT: a, wantStatus: 400, wantCode: "invalid_dpop_proof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := e.newFlow("pkjwt", tt.giveCert, tt.givePAR)
			if tt.giveJKT != nil {
				f.extra = url.Values{"dpop_jkt": {tt.giveJKT.Thumbprint()}}
			}
			code := f.code()
			f.dpop = tt.giveToken
			r := f.token(code)
			if tt.wantCode == "" {
				if r.status != tt.wantStatus || r.body["token_type"] != "DPoP" {
					t.Fatalf("token = %d %s, want %d DPoP", r.status, r.raw, tt.wantStatus)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestNegativeBoundTokenAtResource: /userinfo accepts a DPoP-bound token only
// with the DPoP scheme and a valid proof of its key carrying ath (RFC 9449
// §7), and a certificate-bound token only over a connection with its
// certificate (RFC 8705 §3). Errors are 401 with a challenge: invalid_token
// for the token and its binding, invalid_dpop_proof for a bad proof (RFC
// 9449 §7.1, §12.2).
func TestNegativeBoundTokenAtResource(t *testing.T) {
	e := newEnv(t)
	dk, other := newKey(t, jose.ES256), newKey(t, jose.ES256)
	df := e.newFlow("pkjwt", "", dk)
	dr := df.token(df.code())
	mf := e.newFlow("mtls", "mtls", nil)
	mr := mf.token(mf.code())
	if dr.status != http.StatusOK || mr.status != http.StatusOK {
		t.Fatalf("tokens = %d %s / %d %s", dr.status, dr.raw, mr.status, mr.raw)
	}
	dAT, mAT := dr.body["access_token"].(string), mr.body["access_token"].(string)
	proof := func(k *oauthtest.Key, method, path, token string) func() string {
		return func() string { return e.proof(k, method, path, token) }
	}
	tests := []struct {
		name          string
		giveAuth      string // Authorization header
		giveProof     func() string
		giveCert      string
		wantStatus    int
		wantCode      string
		wantChallenge string // prefix of WWW-Authenticate
	}{
		{name: "DPoP token with its proof", giveAuth: "DPoP " + dAT, giveProof: proof(dk, "GET", "/ws/userinfo", dAT), wantStatus: 200},
		{name: "DPoP token with the Bearer scheme", giveAuth: "Bearer " + dAT, wantStatus: 401, wantCode: "invalid_token", wantChallenge: `DPoP error="invalid_token"`},
		{name: "DPoP token with the Bearer scheme and a proof", giveAuth: "Bearer " + dAT, giveProof: proof(dk, "GET", "/ws/userinfo", dAT), wantStatus: 401, wantCode: "invalid_token", wantChallenge: `DPoP error="invalid_token"`},
		{name: "DPoP token without a proof", giveAuth: "DPoP " + dAT, wantStatus: 401, wantCode: "invalid_token", wantChallenge: `DPoP error="invalid_token"`},
		{name: "proof without ath", giveAuth: "DPoP " + dAT, giveProof: proof(dk, "GET", "/ws/userinfo", ""), wantStatus: 401, wantCode: "invalid_dpop_proof", wantChallenge: `DPoP error="invalid_dpop_proof"`},
		{name: "proof with the ath of another token", giveAuth: "DPoP " + dAT, giveProof: proof(dk, "GET", "/ws/userinfo", mAT), wantStatus: 401, wantCode: "invalid_dpop_proof", wantChallenge: `DPoP error="invalid_dpop_proof"`},
		{name: "proof for POST", giveAuth: "DPoP " + dAT, giveProof: proof(dk, "POST", "/ws/userinfo", dAT), wantStatus: 401, wantCode: "invalid_dpop_proof", wantChallenge: `DPoP error="invalid_dpop_proof"`},
		{name: "proof for the token endpoint", giveAuth: "DPoP " + dAT, giveProof: proof(dk, "GET", "/ws/token", dAT), wantStatus: 401, wantCode: "invalid_dpop_proof", wantChallenge: `DPoP error="invalid_dpop_proof"`},
		{name: "proof of another key", giveAuth: "DPoP " + dAT, giveProof: proof(other, "GET", "/ws/userinfo", dAT), wantStatus: 401, wantCode: "invalid_token", wantChallenge: `DPoP error="invalid_token"`},
		{name: "certificate-bound token with its certificate", giveAuth: "Bearer " + mAT, giveCert: "mtls", wantStatus: 200},
		{name: "certificate-bound token without a certificate", giveAuth: "Bearer " + mAT, wantStatus: 401, wantCode: "invalid_token", wantChallenge: `Bearer error="invalid_token"`},
		{name: "certificate-bound token with another certificate", giveAuth: "Bearer " + mAT, giveCert: "pkjwt", wantStatus: 401, wantCode: "invalid_token", wantChallenge: `Bearer error="invalid_token"`},
		{name: "certificate-bound token with the DPoP scheme", giveAuth: "DPoP " + mAT, giveProof: proof(dk, "GET", "/ws/userinfo", mAT), giveCert: "mtls", wantStatus: 401, wantCode: "invalid_token", wantChallenge: `Bearer error="invalid_token"`},
		{name: "forged token", giveAuth: "Bearer " + flipChar(mAT, len(mAT)-5), giveCert: "mtls", wantStatus: 401, wantCode: "invalid_token", wantChallenge: `Bearer error="invalid_token"`},
		{name: "no token", giveCert: "mtls", wantStatus: 401, wantCode: "invalid_token", wantChallenge: "Bearer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.giveAuth != "" {
				h.Set("Authorization", tt.giveAuth)
			}
			if tt.giveProof != nil {
				h.Set("DPoP", tt.giveProof())
			}
			r := e.do(call{method: "GET", path: "/ws/userinfo", header: h, cert: tt.giveCert})
			if tt.wantCode == "" {
				if r.status != tt.wantStatus || r.body["sub"] != "alice" {
					t.Fatalf("userinfo = %d %s, want %d for alice", r.status, r.raw, tt.wantStatus)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
			if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, tt.wantChallenge) {
				t.Errorf("WWW-Authenticate = %q, want prefix %q", got, tt.wantChallenge)
			}
		})
	}
	t.Run("replayed proof", func(t *testing.T) {
		p := e.proof(dk, "GET", "/ws/userinfo", dAT)
		h := http.Header{"Authorization": {"DPoP " + dAT}, "DPoP": {p}}
		if r := e.do(call{method: "GET", path: "/ws/userinfo", header: h}); r.status != http.StatusOK {
			t.Fatalf("first use = %d %s", r.status, r.raw)
		}
		r := e.do(call{method: "GET", path: "/ws/userinfo", header: h})
		wantOAuthError(t, r, 401, "invalid_dpop_proof")
		if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `DPoP error="invalid_dpop_proof"`) {
			t.Errorf("WWW-Authenticate = %q, want a DPoP invalid_dpop_proof challenge", got)
		}
	})
}

// TestNegativeDPoPNonce: with server nonces required, a proof without the
// current nonce gets use_dpop_nonce and a DPoP-Nonce header: 400 at the
// authorization server (RFC 9449 §8), 401 with a DPoP challenge at a
// protected resource (§9). The retry with the nonce succeeds.
func TestNegativeDPoPNonce(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.Workspaces[0].DPoP.RequireNonce = true })
	k := newKey(t, jose.ES256)
	proof := func(method, path, token, nonce string) string {
		p, err := k.DPoP(method, e.base+path, token, nonce)
		must(t, err)
		return p
	}
	// An openid token for /userinfo: the front channel without DPoP, the
	// token request with a nonce obtained from the error.
	f := e.newFlow("mtls", "mtls", nil)
	code := f.directCode()
	form := codeForm(f, code)
	form.Set("client_id", "mtls")
	first := e.do(call{path: "/ws/token", form: form, header: http.Header{"DPoP": {proof("POST", "/ws/token", "", "")}}, client: f.hc})
	wantOAuthError(t, first, 400, "use_dpop_nonce")
	nonce := first.header.Get("DPoP-Nonce")
	tr := e.do(call{path: "/ws/token", form: form, header: http.Header{"DPoP": {proof("POST", "/ws/token", "", nonce)}}, client: f.hc})
	if tr.status != http.StatusOK || tr.body["token_type"] != "DPoP" {
		t.Fatalf("token with nonce = %d %s", tr.status, tr.raw)
	}
	at := tr.body["access_token"].(string)

	tests := []struct {
		name       string
		giveMethod string
		givePath   string
		giveNonce  func(server string) string // nonce to send, given the server's current one
		giveForm   func() url.Values
		wantStatus int
		wantCode   string
	}{
		{"token endpoint with the nonce", "POST", "/ws/token", nonceKeep, ccForm(e), 200, ""},
		{"token endpoint without a nonce", "POST", "/ws/token", nonceDrop, ccForm(e), 400, "use_dpop_nonce"},
		{"token endpoint with a made-up nonce", "POST", "/ws/token", nonceMadeUp, ccForm(e), 400, "use_dpop_nonce"},
		{"PAR with the nonce", "POST", "/ws/par", nonceKeep, parForm(e), 201, ""},
		{"PAR without a nonce", "POST", "/ws/par", nonceDrop, parForm(e), 400, "use_dpop_nonce"},
		{"userinfo with the nonce", "GET", "/ws/userinfo", nonceKeep, nil, 200, ""},
		{"userinfo without a nonce", "GET", "/ws/userinfo", nonceDrop, nil, 401, "use_dpop_nonce"},
		{"userinfo with a made-up nonce", "GET", "/ws/userinfo", nonceMadeUp, nil, 401, "use_dpop_nonce"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, h := "", http.Header{}
			var form url.Values
			if tt.giveForm != nil {
				form = tt.giveForm()
			} else {
				token = at
				h.Set("Authorization", "DPoP "+at)
			}
			h.Set("DPoP", proof(tt.giveMethod, tt.givePath, token, tt.giveNonce(nonce)))
			r := e.do(call{method: tt.giveMethod, path: tt.givePath, form: form, header: h})
			if tt.wantCode == "" {
				if r.status != tt.wantStatus {
					t.Fatalf("%s = %d %s, want %d", tt.givePath, r.status, r.raw, tt.wantStatus)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
			if got := r.header.Values("DPoP-Nonce"); len(got) != 1 || got[0] == "" {
				t.Errorf("DPoP-Nonce = %q, want one fresh nonce", got)
			}
			if tt.wantStatus == http.StatusUnauthorized {
				if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `DPoP error="use_dpop_nonce"`) {
					t.Errorf("WWW-Authenticate = %q, want a DPoP use_dpop_nonce challenge", got)
				}
			}
		})
	}
}

func nonceKeep(n string) string { return n }
func nonceDrop(string) string   { return "" }
func nonceMadeUp(string) string { return oauthtest.RandomString(16) }

// ccForm and parForm build fresh authenticated request bodies.
func ccForm(e *env) func() url.Values {
	return func() url.Values {
		return e.auth("pkjwt", url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}})
	}
}

func parForm(e *env) func() url.Values {
	return func() url.Values {
		form, _ := parParams("openid accounts")
		return e.auth("pkjwt", form)
	}
}

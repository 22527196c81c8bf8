package server_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// msToken runs the FAPI 2.0 Message Signing flow for ms-client: PAR with a
// signed request object, /authorize, login, the JARM response (JARM by
// default, FAPI 2.0 MS §5.4.1), and the token request with the client
// certificate. It returns the access token.
func msToken(t *testing.T, fe *fapiEnv) string {
	t.Helper()
	issuer := fe.wsIssuer(wsMS)
	f := fe.newFAPIFlow(wsMS, "ms-client")
	pr := f.par(url.Values{"request": {f.requestObject(f.params("code", nil))}}, "")
	if pr.status != http.StatusCreated {
		t.Fatalf("PAR = %d %s", pr.status, pr.raw)
	}
	loginID := f.loginID(f.authorizeURI(pr.body["request_uri"].(string)))
	f.accept(loginID, oauth.LoginAccept{})
	v := f.redirect(f.resume(loginID), "query")
	if len(v) != 1 || v.Get("response") == "" {
		t.Fatalf("response parameters = %v, want only the JARM response without response_mode", v)
	}
	claims, h := fe.verifyJWS(wsMS, v.Get("response"))
	if h.Algorithm != "ES256" {
		t.Errorf("JARM alg = %s, want the registered ES256", h.Algorithm)
	}
	checkJARM(t, "JARM response", claims, issuer, "ms-client", f.state)
	code, _ := claims["code"].(string)
	tr := f.token(code, "")
	if tr.status != http.StatusOK || tr.body["token_type"] != "Bearer" {
		t.Fatalf("token = %d %s, want 200 Bearer (mTLS-bound)", tr.status, tr.raw)
	}
	return tr.body["access_token"].(string)
}

// TestMessageSigningIntrospection checks RFC 9701 JWT introspection
// responses (FAPI 2.0 MS §5.5): asked for with Accept, signed with typ
// token-introspection+jwt, iss, aud = the caller, iat and
// token_introspection; encrypted when the resource server registered it;
// scope shaped by introspection_scopes; plain JSON otherwise.
func TestMessageSigningIntrospection(t *testing.T) {
	fe := newFAPIEnv(t)
	at := msToken(t, fe)
	issuer := fe.wsIssuer(wsMS)
	tests := []struct {
		name       string
		giveClient string
		giveAccept string
		giveToken  string
		wantJWT    bool
		wantEnc    bool
		wantAlg    string
		wantActive bool
		wantScope  any // nil: no scope member
	}{
		{name: "token-introspection+jwt", giveClient: "ms-rs", giveAccept: "application/token-introspection+jwt",
			giveToken: at, wantJWT: true, wantAlg: "ES256", wantActive: true, wantScope: "accounts"},
		{name: "application/jwt", giveClient: "ms-rs", giveAccept: "application/jwt",
			giveToken: at, wantJWT: true, wantAlg: "ES256", wantActive: true, wantScope: "accounts"},
		{name: "JWT among other media types", giveClient: "ms-rs", giveAccept: "application/json;q=0.5, application/token-introspection+jwt",
			giveToken: at, wantJWT: true, wantAlg: "ES256", wantActive: true, wantScope: "accounts"},
		{name: "no Accept: plain JSON", giveClient: "ms-rs", giveToken: at, wantActive: true, wantScope: "accounts"},
		{name: "Accept application/json: plain JSON", giveClient: "ms-rs", giveAccept: "application/json", giveToken: at, wantActive: true, wantScope: "accounts"},
		{name: "encrypted to the resource server", giveClient: "ms-rs-enc", giveAccept: "application/token-introspection+jwt",
			giveToken: at, wantJWT: true, wantEnc: true, wantAlg: "PS256", wantActive: true, wantScope: "openid accounts"},
		{name: "the token's own client", giveClient: "ms-client", giveAccept: "application/token-introspection+jwt",
			giveToken: at, wantJWT: true, wantAlg: "PS256", wantActive: true, wantScope: "openid accounts"},
		{name: "unknown token as JWT", giveClient: "ms-rs", giveAccept: "application/token-introspection+jwt",
			giveToken: oauthtest.RandomString(24), wantJWT: true, wantAlg: "ES256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe.t = t
			h := http.Header{}
			if tt.giveAccept != "" {
				h.Set("Accept", tt.giveAccept)
			}
			r := fe.do(call{path: "/" + wsMS + "/introspect", header: h, client: fe.httpClient(tt.giveClient),
				form: fe.clientAuth(wsMS, tt.giveClient, "", url.Values{"token": {tt.giveToken}})})
			if r.status != http.StatusOK {
				t.Fatalf("introspect = %d %s", r.status, r.raw)
			}
			body := r.body
			if tt.wantJWT {
				// RFC 9701 §5 for its media type; application/jwt is answered in kind.
				want := "application/token-introspection+jwt"
				if tt.giveAccept == "application/jwt" {
					want = tt.giveAccept
				}
				if ct := r.header.Get("Content-Type"); ct != want {
					t.Errorf("Content-Type = %q, want %s", ct, want)
				}
				raw := r.raw
				if tt.wantEnc {
					var eh jose.Header
					raw, eh = fe.decryptJWE(tt.giveClient, raw)
					if eh.Algorithm != "RSA-OAEP-256" || eh.ExtraHeaders["enc"] != "A256GCM" {
						t.Errorf("JWE alg/enc = %s/%v, want the registered RSA-OAEP-256/A256GCM", eh.Algorithm, eh.ExtraHeaders["enc"])
					}
				}
				claims, jh := fe.verifyJWS(wsMS, raw)
				if typ, _ := jh.ExtraHeaders[jose.HeaderType].(string); typ != "token-introspection+jwt" {
					t.Errorf("typ = %q, want token-introspection+jwt (RFC 9701 §5)", typ)
				}
				if jh.Algorithm != tt.wantAlg {
					t.Errorf("alg = %s, want %s", jh.Algorithm, tt.wantAlg)
				}
				wantClaim(t, "introspection JWT", claims, "iss", issuer)
				wantClaim(t, "introspection JWT", claims, "aud", tt.giveClient)
				if iat, _ := claims["iat"].(float64); iat == 0 || time.Unix(int64(iat), 0).After(time.Now().Add(jarmSkew)) {
					t.Errorf("introspection JWT iat = %v, want now", claims["iat"])
				}
				body, _ = claims["token_introspection"].(map[string]any)
				if body == nil {
					t.Fatalf("introspection JWT claims = %v, want token_introspection", claims)
				}
			} else if ct := r.header.Get("Content-Type"); ct != "application/json" && ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if body["active"] != tt.wantActive {
				t.Errorf("active = %v, want %v (%v)", body["active"], tt.wantActive, body)
			}
			if body["scope"] != tt.wantScope {
				t.Errorf("scope = %v, want %v", body["scope"], tt.wantScope)
			}
			if tt.wantActive {
				cnf, _ := body["cnf"].(map[string]any)
				if body["client_id"] != "ms-client" || cnf["x5t#S256"] != fe.certThumbprint("ms-client") {
					t.Errorf("introspection = %v, want client_id ms-client and the certificate binding", body)
				}
			}
		})
	}
}

// TestMessageSigningPARNegative: FAPI 2.0 MS requires a signed request
// object at PAR (§5.3.1) and a JWT response mode (§5.4.1); each violation
// is refused with the exact code.
func TestMessageSigningPARNegative(t *testing.T) {
	fe := newFAPIEnv(t)
	const id = "ms-client"
	ek := fe.encKey(wsMS)
	aesKey := []byte("0123456789abcdef")
	stranger := newKey(t, jose.ES256)
	signed := func(f *fapiFlow, extra map[string]any, edit func(map[string]any)) url.Values {
		c := fe.roClaims(wsMS, id, f.params("code", extra))
		if edit != nil {
			edit(c)
		}
		return url.Values{"request": {fe.signRO(id, c)}}
	}
	tests := []struct {
		name       string
		give       func(f *fapiFlow) url.Values
		wantStatus int
		wantCode   string
	}{
		{name: "valid, JARM by default", give: func(f *fapiFlow) url.Values { return signed(f, nil, nil) }, wantStatus: 201},
		{name: "valid, response_mode jwt", give: func(f *fapiFlow) url.Values { return signed(f, map[string]any{"response_mode": "jwt"}, nil) }, wantStatus: 201},
		{name: "valid, response_mode query.jwt", give: func(f *fapiFlow) url.Values {
			return signed(f, map[string]any{"response_mode": "query.jwt"}, nil)
		}, wantStatus: 201},
		{name: "valid, encrypted RSA-OAEP-256 + A256GCM", give: func(f *fapiFlow) url.Values {
			return url.Values{"request": {encryptRO(fe.t, f.requestObject(f.params("code", nil)), jose.RSA_OAEP_256, jose.A256GCM, ek.Key, ek.KeyID)}}
		}, wantStatus: 201},
		{name: "plain parameters", give: func(f *fapiFlow) url.Values {
			v := url.Values{}
			for k, p := range f.params("code", nil) {
				v.Set(k, p.(string))
			}
			return v
		}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "response_mode query", give: func(f *fapiFlow) url.Values { return signed(f, map[string]any{"response_mode": "query"}, nil) },
			wantStatus: 400, wantCode: "invalid_request"},
		{name: "response_mode form_post", give: func(f *fapiFlow) url.Values {
			return signed(f, map[string]any{"response_mode": "form_post"}, nil)
		}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "response_type code id_token", give: func(f *fapiFlow) url.Values {
			return url.Values{"request": {f.requestObject(f.params("code id_token", nil))}}
		}, wantStatus: 400, wantCode: "unsupported_response_type"},
		{name: "request object alg none", give: func(f *fapiFlow) url.Values {
			ro, err := oauthtest.Unsigned(map[string]any{"typ": "oauth-authz-req+jwt"}, fe.roClaims(wsMS, id, f.params("code", nil)))
			must(fe.t, err)
			return url.Values{"request": {ro}}
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "exp - nbf over 60 minutes", give: func(f *fapiFlow) url.Values {
			return signed(f, nil, func(c map[string]any) { c["exp"] = time.Now().Add(61 * time.Minute).Unix() })
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "nbf missing", give: func(f *fapiFlow) url.Values {
			return signed(f, nil, func(c map[string]any) { delete(c, "nbf") })
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "aud is the FAPI 1.0 workspace", give: func(f *fapiFlow) url.Values {
			return signed(f, nil, func(c map[string]any) { c["aud"] = fe.wsIssuer(wsFAPI1) })
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "signed with a key not in the client's JWKS", give: func(f *fapiFlow) url.Values {
			ro, err := stranger.Sign(fe.roClaims(wsMS, id, f.params("code", nil)), "oauth-authz-req+jwt", false)
			must(fe.t, err)
			return url.Values{"request": {ro}}
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "encrypted with A128KW", give: func(f *fapiFlow) url.Values {
			return url.Values{"request": {encryptRO(fe.t, f.requestObject(f.params("code", nil)), jose.A128KW, jose.A256GCM, aesKey, "")}}
		}, wantStatus: 400, wantCode: "invalid_request_object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe.t = t
			f := fe.newFAPIFlow(wsMS, id)
			r := f.par(tt.give(f), "")
			if tt.wantStatus == http.StatusCreated {
				if r.status != http.StatusCreated {
					t.Fatalf("PAR = %d %s, want 201", r.status, r.raw)
				}
				f.loginID(f.authorizeURI(r.body["request_uri"].(string)))
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestMessageSigningAuthorizeNegative: the Message Signing workspace takes
// authorization requests only through PAR (FAPI 2.0 SP §5.3.2.2-1), so
// neither plain parameters nor a request object by value reach the login,
// and neither is redirected to the client.
func TestMessageSigningAuthorizeNegative(t *testing.T) {
	fe := newFAPIEnv(t)
	tests := []struct {
		name       string
		give       func(f *fapiFlow) url.Values
		wantStatus int
		wantCode   string
	}{
		{name: "valid request_uri", give: func(f *fapiFlow) url.Values {
			r := f.par(url.Values{"request": {f.requestObject(f.params("code", nil))}}, "")
			if r.status != http.StatusCreated {
				fe.t.Fatalf("PAR = %d %s", r.status, r.raw)
			}
			return url.Values{"client_id": {f.clientID}, "request_uri": {r.body["request_uri"].(string)}}
		}, wantStatus: 303},
		{name: "request object by value", give: func(f *fapiFlow) url.Values {
			return url.Values{"client_id": {f.clientID}, "response_type": {"code"}, "scope": {"openid"}, "request": {f.requestObject(f.params("code", nil))}}
		}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "plain parameters", give: func(f *fapiFlow) url.Values {
			v := url.Values{}
			for k, p := range f.params("code", map[string]any{"response_mode": "jwt"}) {
				v.Set(k, p.(string))
			}
			return v
		}, wantStatus: 400, wantCode: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe.t = t
			f := fe.newFAPIFlow(wsMS, "ms-client")
			r := fe.do(call{method: http.MethodGet, path: "/" + wsMS + "/authorize?" + tt.give(f).Encode(), client: f.hc})
			if tt.wantStatus == http.StatusSeeOther {
				f.loginID(r)
				return
			}
			wantErrorPage(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

package server_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// acrEssential is the claims request of UK Open Banking: an essential acr
// with the SCA value (FAPI 1.0 Adv §5.2.2-6, OIDC Core §5.5.1.1).
var acrEssential = map[string]any{"id_token": map[string]any{"acr": map[string]any{"essential": true, "values": []string{scaACR}}}}

// TestFAPI1HybridFlow runs the FAPI 1.0 Advanced hybrid flow (response_type
// code id_token) with the request object by value and through PAR, for
// tls_client_auth and private_key_jwt clients, and checks the detached
// signature (c_hash, s_hash), the token endpoint's ID token (at_hash), the
// essential acr, max_age and the mTLS binding of the access token.
func TestFAPI1HybridFlow(t *testing.T) {
	fe := newFAPIEnv(t)
	issuer := fe.wsIssuer(wsFAPI1)
	tests := []struct {
		name       string
		giveClient string
		givePAR    bool
		giveAud    string // client assertion aud at PAR and token ("" = issuer)
		wantAlg    string // ID token signing alg
		wantEnc    bool   // ID tokens encrypted to the client
		// wantNoCert is the token endpoint's answer without a client certificate.
		wantNoCertStatus int
		wantNoCertCode   string
	}{
		{name: "tls_client_auth, request by value", giveClient: "f1-mtls", wantAlg: "PS256",
			wantNoCertStatus: 401, wantNoCertCode: "invalid_client"},
		{name: "tls_client_auth, PAR", giveClient: "f1-mtls", givePAR: true, wantAlg: "PS256",
			wantNoCertStatus: 401, wantNoCertCode: "invalid_client"},
		{name: "private_key_jwt aud issuer, request by value", giveClient: "f1-pkjwt", wantAlg: "PS256",
			wantNoCertStatus: 400, wantNoCertCode: "invalid_request"},
		{name: "private_key_jwt aud token endpoint, PAR", giveClient: "f1-pkjwt", givePAR: true, giveAud: issuer + "/token", wantAlg: "PS256",
			wantNoCertStatus: 400, wantNoCertCode: "invalid_request"},
		{name: "private_key_jwt, encrypted ES256 ID tokens", giveClient: "f1-enc", wantAlg: "ES256", wantEnc: true,
			wantNoCertStatus: 400, wantNoCertCode: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe.t = t
			f := fe.newFAPIFlow(wsFAPI1, tt.giveClient)
			ro := f.requestObject(f.params("code id_token", map[string]any{"claims": acrEssential, "max_age": 600}))
			var ar result
			if tt.givePAR {
				pr := f.par(url.Values{"request": {ro}}, tt.giveAud)
				if pr.status != http.StatusCreated {
					t.Fatalf("PAR = %d %s", pr.status, pr.raw)
				}
				ar = f.authorizeURI(pr.body["request_uri"].(string))
			} else {
				ar = f.authorizeByValue(ro, "code id_token")
			}
			loginID := f.loginID(ar)
			info, err := fe.wsProvider(wsFAPI1).Login(context.Background(), loginID)
			must(t, err)
			if info.MaxAge == nil || *info.MaxAge != 600 {
				t.Errorf("LoginInfo.MaxAge = %v, want 600", info.MaxAge)
			}
			authTime := time.Now().Add(-2 * time.Minute).Truncate(time.Second)
			f.accept(loginID, oauth.LoginAccept{AuthTime: authTime, ACR: scaACR}) // the bank states the acr achieved

			// Front channel: code, id_token and state in the fragment (OAuth 2.0 Multiple Response Types §5).
			v := f.redirect(f.resume(loginID), "fragment")
			code, idt := v.Get("code"), v.Get("id_token")
			if code == "" || idt == "" || v.Get("state") != f.state || v.Get("iss") != issuer {
				t.Fatalf("fragment = %v, want code, id_token, state %q and iss %q", v, f.state, issuer)
			}
			if tt.wantEnc {
				var h jose.Header
				idt, h = fe.decryptJWE(tt.giveClient, idt)
				if h.Algorithm != "RSA-OAEP" || h.ExtraHeaders["enc"] != "A256GCM" {
					t.Errorf("front-channel ID token JWE alg/enc = %s/%v, want the registered RSA-OAEP/A256GCM", h.Algorithm, h.ExtraHeaders["enc"])
				}
			}
			claims, h := fe.verifyJWS(wsFAPI1, idt)
			if h.Algorithm != tt.wantAlg {
				t.Errorf("front-channel ID token alg = %s, want %s", h.Algorithm, tt.wantAlg)
			}
			for name, want := range map[string]any{
				"iss": issuer, "aud": tt.giveClient, "sub": "alice", "nonce": f.nonce,
				"c_hash": leftHalfHash(code), "s_hash": leftHalfHash(f.state),
				"acr": scaACR, "auth_time": authTime.Unix(),
			} {
				wantClaim(t, "front-channel ID token", claims, name, want)
			}
			if _, ok := claims["at_hash"]; ok {
				t.Error("front-channel ID token has at_hash, but no access token was issued there")
			}
			if exp, _ := claims["exp"].(float64); int64(exp) <= time.Now().Unix() {
				t.Errorf("front-channel ID token exp = %v, want in the future", claims["exp"])
			}

			// Token endpoint: a certificate is required (FAPI 1.0 Adv §5.2.2-5).
			noCert := f.fe.do(call{path: "/" + wsFAPI1 + "/token", client: fe.httpClient(""), form: fe.clientAuth(wsFAPI1, tt.giveClient, tt.giveAud, url.Values{
				"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {f.verifier}})})
			wantOAuthError(t, noCert, tt.wantNoCertStatus, tt.wantNoCertCode)
			tr := f.token(code, tt.giveAud)
			if tr.status != http.StatusOK || tr.body["token_type"] != "Bearer" {
				t.Fatalf("token = %d %s, want 200 Bearer", tr.status, tr.raw)
			}
			at, _ := tr.body["access_token"].(string)
			idt2, _ := tr.body["id_token"].(string)
			if tt.wantEnc {
				idt2, _ = fe.decryptJWE(tt.giveClient, idt2)
			}
			claims, h = fe.verifyJWS(wsFAPI1, idt2)
			if h.Algorithm != tt.wantAlg {
				t.Errorf("token endpoint ID token alg = %s, want %s", h.Algorithm, tt.wantAlg)
			}
			for name, want := range map[string]any{
				"iss": issuer, "aud": tt.giveClient, "sub": "alice", "nonce": f.nonce,
				"at_hash": leftHalfHash(at), "acr": scaACR, "auth_time": authTime.Unix(),
			} {
				wantClaim(t, "token endpoint ID token", claims, name, want)
			}

			// The access token is bound to the certificate (RFC 8705 §3).
			atClaims, ah := fe.verifyJWS(wsFAPI1, at)
			if typ, _ := ah.ExtraHeaders[jose.HeaderType].(string); typ != "at+jwt" {
				t.Errorf("access token typ = %q, want at+jwt", typ)
			}
			cnf, _ := atClaims["cnf"].(map[string]any)
			if cnf["x5t#S256"] != fe.certThumbprint(tt.giveClient) {
				t.Errorf("access token cnf = %v, want x5t#S256 %s", atClaims["cnf"], fe.certThumbprint(tt.giveClient))
			}
			wantClaim(t, "access token", atClaims, "acr", scaACR)
			userinfo := func(hc *http.Client) result {
				return fe.do(call{method: http.MethodGet, path: "/" + wsFAPI1 + "/userinfo", header: http.Header{"Authorization": {"Bearer " + at}}, client: hc})
			}
			if r := userinfo(f.hc); r.status != http.StatusOK || r.body["sub"] != "alice" {
				t.Errorf("userinfo with the certificate = %d %s, want 200 for alice", r.status, r.raw)
			}
			if r := userinfo(fe.httpClient("")); r.status != http.StatusUnauthorized {
				t.Errorf("userinfo without the certificate = %d %s, want 401", r.status, r.raw)
			}
			if r := userinfo(fe.httpClient(otherCert(tt.giveClient))); r.status != http.StatusUnauthorized {
				t.Errorf("userinfo with another client's certificate = %d %s, want 401", r.status, r.raw)
			}
		})
	}
}

// otherCert names a client certificate that is not id's.
func otherCert(id string) string {
	if id == "f1-pkjwt" {
		return "f1-mtls"
	}
	return "f1-pkjwt"
}

// TestFAPI1LoginRules checks the essential acr (OIDC Core §5.5.1.1, FAPI
// 1.0 Adv §5.2.2-6) and max_age (OIDC Core §3.1.2.1) when the bank accepts
// a login, and what the front-channel ID token then says.
func TestFAPI1LoginRules(t *testing.T) {
	fe := newFAPIEnv(t)
	tests := []struct {
		name       string
		giveParams map[string]any
		giveACR    string
		giveAge    time.Duration // how long ago the user authenticated
		giveFresh  bool          // the bank leaves auth_time to the server (now)
		wantACR    string
		wantErr    string // OAuth error code of AcceptLogin
	}{
		{name: "essential acr not given by the bank", giveParams: map[string]any{"claims": acrEssential}, wantErr: "invalid_request"},
		{name: "essential acr met", giveParams: map[string]any{"claims": acrEssential}, giveACR: scaACR, wantACR: scaACR},
		{name: "essential acr not met", giveParams: map[string]any{"claims": acrEssential}, giveACR: "urn:test:pwd", wantErr: "invalid_request"},
		{name: "voluntary acr_values, other acr", giveParams: map[string]any{"acr_values": scaACR}, giveACR: "urn:test:pwd", wantACR: "urn:test:pwd"},
		{name: "auth_time within max_age", giveParams: map[string]any{"max_age": 300}, giveAge: 4 * time.Minute},
		{name: "auth_time older than max_age", giveParams: map[string]any{"max_age": 300}, giveAge: 6 * time.Minute, wantErr: "invalid_request"},
		{name: "max_age 0 with an earlier login", giveParams: map[string]any{"max_age": 0}, giveAge: time.Minute, wantErr: "invalid_request"},
		{name: "max_age 0 with a fresh login", giveParams: map[string]any{"max_age": 0}, giveFresh: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe.t = t
			f := fe.newFAPIFlow(wsFAPI1, "f1-pkjwt")
			loginID := f.loginID(f.authorizeByValue(f.requestObject(f.params("code id_token", tt.giveParams)), "code id_token"))
			start := time.Now().Truncate(time.Second)
			authTime := start.Add(-tt.giveAge)
			giveAuthTime := authTime
			if tt.giveFresh {
				giveAuthTime = time.Time{}
			}
			_, err := fe.wsProvider(wsFAPI1).AcceptLogin(context.Background(), loginID,
				oauth.LoginAccept{Subject: "alice", ACR: tt.giveACR, AuthTime: giveAuthTime, Resources: []string{"acc-1"}})
			if tt.wantErr != "" {
				var oe *oauth.Error
				if !errors.As(err, &oe) || oe.Code != tt.wantErr {
					t.Fatalf("AcceptLogin error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			must(t, err)
			v := f.redirect(f.resume(loginID), "fragment")
			claims, _ := fe.verifyJWS(wsFAPI1, v.Get("id_token"))
			if tt.giveFresh {
				if at, _ := claims["auth_time"].(float64); int64(at) < start.Unix() || int64(at) > time.Now().Unix() {
					t.Errorf("ID token auth_time = %v, want the time of the accept", claims["auth_time"])
				}
			} else {
				wantClaim(t, "ID token", claims, "auth_time", authTime.Unix())
			}
			if tt.wantACR != "" {
				wantClaim(t, "ID token", claims, "acr", tt.wantACR)
			}
		})
	}
}

// TestFAPI1AuthorizeNegative sends request objects by value to /authorize:
// every violation is an error page with the exact code, never a redirect
// to the client (RFC 9101 §6, FAPI 1.0 Adv §5.2.2, OIDC Core §3.3.2).
func TestFAPI1AuthorizeNegative(t *testing.T) {
	fe := newFAPIEnv(t)
	issuer := fe.wsIssuer(wsFAPI1)
	const id = "f1-pkjwt"
	stranger := newKey(t, jose.PS256)
	// byValue builds the query: a request object signed by the client from
	// the flow's parameters, with edit applied to its claims.
	byValue := func(f *fapiFlow, responseType string, edit func(map[string]any)) url.Values {
		c := fe.roClaims(wsFAPI1, id, f.params(responseType, nil))
		if edit != nil {
			edit(c)
		}
		return url.Values{"client_id": {id}, "response_type": {responseType}, "scope": {"openid"}, "request": {fe.signRO(id, c)}}
	}
	set := func(k string, v any) func(map[string]any) { return func(c map[string]any) { c[k] = v } }
	del := func(k string) func(map[string]any) { return func(c map[string]any) { delete(c, k) } }
	tests := []struct {
		name       string
		give       func(f *fapiFlow) url.Values
		wantStatus int
		wantCode   string
	}{
		{name: "valid hybrid", give: func(f *fapiFlow) url.Values { return byValue(f, "code id_token", nil) }, wantStatus: 303},
		{name: "valid code with response_mode jwt", give: func(f *fapiFlow) url.Values {
			return byValue(f, "code", set("response_mode", "jwt"))
		}, wantStatus: 303},
		{name: "valid hybrid with response_mode form_post", give: func(f *fapiFlow) url.Values {
			return byValue(f, "code id_token", set("response_mode", "form_post"))
		}, wantStatus: 303},
		{name: "plain parameters, no request object", give: func(f *fapiFlow) url.Values {
			q := url.Values{}
			for k, v := range f.params("code id_token", nil) {
				q.Set(k, v.(string))
			}
			return q
		}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "request object alg none", give: func(f *fapiFlow) url.Values {
			ro, err := oauthtest.Unsigned(map[string]any{"typ": "oauth-authz-req+jwt"}, fe.roClaims(wsFAPI1, id, f.params("code id_token", nil)))
			must(fe.t, err)
			return url.Values{"client_id": {id}, "response_type": {"code id_token"}, "scope": {"openid"}, "request": {ro}}
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "request object HS256 keyed with the client's public key", give: func(f *fapiFlow) url.Values {
			pem, err := fe.keys[id].PublicKeyPEM()
			must(fe.t, err)
			ro, err := oauthtest.SignHS256(pem, map[string]any{"kid": fe.keys[id].JWK.KeyID}, fe.roClaims(wsFAPI1, id, f.params("code id_token", nil)))
			must(fe.t, err)
			return url.Values{"client_id": {id}, "response_type": {"code id_token"}, "scope": {"openid"}, "request": {ro}}
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "exp - nbf over 60 minutes", give: func(f *fapiFlow) url.Values {
			return byValue(f, "code id_token", set("exp", time.Now().Add(61*time.Minute).Unix()))
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "nbf missing", give: func(f *fapiFlow) url.Values { return byValue(f, "code id_token", del("nbf")) },
			wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "nbf over 60 minutes ago", give: func(f *fapiFlow) url.Values {
			return byValue(f, "code id_token", func(c map[string]any) {
				c["nbf"] = time.Now().Add(-70 * time.Minute).Unix()
				c["exp"] = time.Now().Add(-11 * time.Minute).Unix()
			})
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "exp missing", give: func(f *fapiFlow) url.Values { return byValue(f, "code id_token", del("exp")) },
			wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "expired", give: func(f *fapiFlow) url.Values {
			return byValue(f, "code id_token", func(c map[string]any) {
				c["nbf"] = time.Now().Add(-10 * time.Minute).Unix()
				c["exp"] = time.Now().Add(-time.Minute).Unix()
			})
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "aud is another workspace", give: func(f *fapiFlow) url.Values {
			return byValue(f, "code id_token", set("aud", fe.wsIssuer("ws")))
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "aud is the token endpoint", give: func(f *fapiFlow) url.Values {
			return byValue(f, "code id_token", set("aud", issuer+"/token"))
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "aud missing", give: func(f *fapiFlow) url.Values { return byValue(f, "code id_token", del("aud")) },
			wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "iss is another client", give: func(f *fapiFlow) url.Values { return byValue(f, "code id_token", set("iss", "f1-mtls")) },
			wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "signed with a key not in the client's JWKS", give: func(f *fapiFlow) url.Values {
			ro, err := stranger.Sign(fe.roClaims(wsFAPI1, id, f.params("code id_token", nil)), "oauth-authz-req+jwt", false)
			must(fe.t, err)
			return url.Values{"client_id": {id}, "response_type": {"code id_token"}, "scope": {"openid"}, "request": {ro}}
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "signed with a key not in the client's JWKS, client's kid", give: func(f *fapiFlow) url.Values {
			ro, err := stranger.SignWithHeader(fe.roClaims(wsFAPI1, id, f.params("code id_token", nil)),
				map[string]any{"kid": fe.keys[id].JWK.KeyID, "typ": "oauth-authz-req+jwt"})
			must(fe.t, err)
			return url.Values{"client_id": {id}, "response_type": {"code id_token"}, "scope": {"openid"}, "request": {ro}}
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "response_type outside differs", give: func(f *fapiFlow) url.Values {
			q := byValue(f, "code id_token", nil)
			q.Set("response_type", "code")
			return q
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "hybrid without nonce", give: func(f *fapiFlow) url.Values { return byValue(f, "code id_token", del("nonce")) },
			wantStatus: 400, wantCode: "invalid_request"},
		{name: "hybrid without openid", give: func(f *fapiFlow) url.Values { return byValue(f, "code id_token", set("scope", "accounts")) },
			wantStatus: 400, wantCode: "invalid_request"},
		{name: "hybrid with response_mode query", give: func(f *fapiFlow) url.Values {
			return byValue(f, "code id_token", set("response_mode", "query"))
		}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "hybrid with response_mode query.jwt", give: func(f *fapiFlow) url.Values {
			return byValue(f, "code id_token", set("response_mode", "query.jwt"))
		}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "code without JARM", give: func(f *fapiFlow) url.Values { return byValue(f, "code", nil) },
			wantStatus: 400, wantCode: "invalid_request"},
		{name: "code with response_mode query", give: func(f *fapiFlow) url.Values {
			return byValue(f, "code", set("response_mode", "query"))
		}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "code with response_mode fragment", give: func(f *fapiFlow) url.Values {
			return byValue(f, "code", set("response_mode", "fragment"))
		}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "response_type code token", give: func(f *fapiFlow) url.Values { return byValue(f, "code token", nil) },
			wantStatus: 400, wantCode: "unsupported_response_type"},
		{name: "no PKCE", give: func(f *fapiFlow) url.Values {
			return byValue(f, "code id_token", func(c map[string]any) { delete(c, "code_challenge"); delete(c, "code_challenge_method") })
		}, wantStatus: 400, wantCode: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe.t = t
			f := fe.newFAPIFlow(wsFAPI1, id)
			r := fe.do(call{method: http.MethodGet, path: "/" + wsFAPI1 + "/authorize?" + tt.give(f).Encode(), client: f.hc})
			if tt.wantStatus == http.StatusSeeOther {
				f.loginID(r)
				return
			}
			wantErrorPage(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestFAPI1RequestObjectReplay: a request object is single use (its jti, RFC 9101 §10.8).
func TestFAPI1RequestObjectReplay(t *testing.T) {
	fe := newFAPIEnv(t)
	f := fe.newFAPIFlow(wsFAPI1, "f1-pkjwt")
	ro := f.requestObject(f.params("code id_token", nil))
	f.loginID(f.authorizeByValue(ro, "code id_token"))
	wantErrorPage(t, f.authorizeByValue(ro, "code id_token"), 400, "invalid_request_object")
}

// TestFAPI1EncryptedRequestObject sends nested (signed, then encrypted)
// request objects (RFC 9101 §6.1) to /authorize and PAR: only the key
// management and content encryption algorithms the workspace serves are
// accepted, and the inner JWT must be signed.
func TestFAPI1EncryptedRequestObject(t *testing.T) {
	fe := newFAPIEnv(t)
	const id = "f1-pkjwt"
	ek := fe.encKey(wsFAPI1)
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	aesKey := make([]byte, 16)
	_, _ = rand.Read(aesKey)
	tests := []struct {
		name       string
		givePAR    bool
		give       func(ro string) string // encrypts the signed request object
		wantStatus int
		wantCode   string
	}{
		{name: "RSA-OAEP-256 + A256GCM", give: func(ro string) string {
			return encryptRO(fe.t, ro, jose.RSA_OAEP_256, jose.A256GCM, ek.Key, ek.KeyID)
		}, wantStatus: 303},
		{name: "RSA-OAEP-256 + A128CBC-HS256", give: func(ro string) string {
			return encryptRO(fe.t, ro, jose.RSA_OAEP_256, jose.A128CBC_HS256, ek.Key, ek.KeyID)
		}, wantStatus: 303},
		{name: "RSA-OAEP-256 + A256GCM without kid", give: func(ro string) string {
			return encryptRO(fe.t, ro, jose.RSA_OAEP_256, jose.A256GCM, ek.Key, "")
		}, wantStatus: 303},
		{name: "RSA-OAEP-256 + A256GCM through PAR", givePAR: true, give: func(ro string) string {
			return encryptRO(fe.t, ro, jose.RSA_OAEP_256, jose.A256GCM, ek.Key, ek.KeyID)
		}, wantStatus: 201},
		{name: "RSA1_5 key management", give: func(ro string) string {
			return encryptRO(fe.t, ro, jose.RSA1_5, jose.A256GCM, ek.Key, ek.KeyID)
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "A128KW key management", give: func(ro string) string {
			return encryptRO(fe.t, ro, jose.A128KW, jose.A256GCM, aesKey, "")
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "A128KW key management through PAR", givePAR: true, give: func(ro string) string {
			return encryptRO(fe.t, ro, jose.A128KW, jose.A256GCM, aesKey, "")
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "A128GCM content encryption", give: func(ro string) string {
			return encryptRO(fe.t, ro, jose.RSA_OAEP_256, jose.A128GCM, ek.Key, ek.KeyID)
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "encrypted to an unknown kid", give: func(ro string) string {
			return encryptRO(fe.t, ro, jose.RSA_OAEP_256, jose.A256GCM, ek.Key, "not-our-key")
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "encrypted to another key under our kid", give: func(ro string) string {
			return encryptRO(fe.t, ro, jose.RSA_OAEP_256, jose.A256GCM, &otherRSA.PublicKey, ek.KeyID)
		}, wantStatus: 400, wantCode: "invalid_request_object"},
		{name: "nested JWT unsigned (alg none)", give: func(ro string) string {
			un, err := oauthtest.Unsigned(map[string]any{"typ": "oauth-authz-req+jwt"}, fe.roClaims(wsFAPI1, id, nil))
			must(fe.t, err)
			return encryptRO(fe.t, un, jose.RSA_OAEP_256, jose.A256GCM, ek.Key, ek.KeyID)
		}, wantStatus: 400, wantCode: "invalid_request_object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe.t = t
			f := fe.newFAPIFlow(wsFAPI1, id)
			enc := tt.give(f.requestObject(f.params("code id_token", nil)))
			if tt.givePAR {
				r := f.par(url.Values{"request": {enc}}, "")
				if tt.wantStatus == http.StatusCreated {
					if r.status != http.StatusCreated {
						t.Fatalf("PAR = %d %s, want 201", r.status, r.raw)
					}
					f.loginID(f.authorizeURI(r.body["request_uri"].(string)))
					return
				}
				wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
				return
			}
			r := f.authorizeByValue(enc, "code id_token")
			if tt.wantStatus == http.StatusSeeOther {
				loginID := f.loginID(r)
				info, err := fe.wsProvider(wsFAPI1).Login(context.Background(), loginID)
				must(t, err)
				if !slices.Equal(info.Scopes, []string{"openid", "accounts"}) {
					t.Errorf("LoginInfo.Scopes = %v, want the request object's [openid accounts]", info.Scopes)
				}
				return
			}
			wantErrorPage(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestFAPI1ClientAssertionAudience: under FAPI 1.0 Advanced a client
// assertion may name the issuer, the token endpoint or the endpoint it is
// sent to (RFC 7523 §3 item 3), but nothing else.
func TestFAPI1ClientAssertionAudience(t *testing.T) {
	fe := newFAPIEnv(t)
	issuer := fe.wsIssuer(wsFAPI1)
	tests := []struct {
		name       string
		giveAud    any
		wantStatus int
		wantCode   string
	}{
		{name: "issuer", giveAud: issuer, wantStatus: 201},
		{name: "token endpoint", giveAud: issuer + "/token", wantStatus: 201},
		{name: "PAR endpoint", giveAud: issuer + "/par", wantStatus: 201},
		{name: "array with the issuer", giveAud: []string{issuer}, wantStatus: 201},
		{name: "another workspace's issuer", giveAud: fe.wsIssuer(wsMS), wantStatus: 401, wantCode: "invalid_client"},
		{name: "the introspection endpoint", giveAud: issuer + "/introspect", wantStatus: 401, wantCode: "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe.t = t
			f := fe.newFAPIFlow(wsFAPI1, "f1-pkjwt")
			a, err := fe.keys["f1-pkjwt"].Sign(oauthtest.AssertionClaims("f1-pkjwt", tt.giveAud, time.Now()), "", false)
			must(t, err)
			form := assertionForm("f1-pkjwt", a)
			form.Set("request", f.requestObject(f.params("code id_token", nil)))
			r := fe.do(call{path: "/" + wsFAPI1 + "/par", form: form, client: f.hc})
			if tt.wantStatus == http.StatusCreated {
				if r.status != http.StatusCreated {
					t.Fatalf("PAR = %d %s, want 201", r.status, r.raw)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestFAPI1Discovery: the metadata advertises what the FAPI 1.0 Advanced
// workspace serves, and every advertised request object encryption
// algorithm is one the workspace can decrypt.
func TestFAPI1Discovery(t *testing.T) {
	fe := newFAPIEnv(t)
	r := fe.do(call{method: http.MethodGet, path: "/" + wsFAPI1 + "/.well-known/openid-configuration"})
	if r.status != http.StatusOK {
		t.Fatalf("discovery = %d %s", r.status, r.raw)
	}
	strs := func(name string) []string {
		var out []string
		vs, _ := r.body[name].([]any)
		for _, v := range vs {
			s, _ := v.(string)
			out = append(out, s)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		want string
	}{
		{"response_types_supported", "code id_token"},
		{"response_types_supported", "code"},
		{"response_modes_supported", "jwt"},
		{"response_modes_supported", "fragment"},
		{"authorization_signing_alg_values_supported", "PS256"},
		{"authorization_encryption_alg_values_supported", "RSA-OAEP-256"},
		{"id_token_encryption_alg_values_supported", "RSA-OAEP"},
		{"request_object_encryption_enc_values_supported", "A256GCM"},
		{"token_endpoint_auth_methods_supported", "tls_client_auth"},
	} {
		if !slices.Contains(strs(tt.name), tt.want) {
			t.Errorf("%s = %v, want it to contain %s", tt.name, strs(tt.name), tt.want)
		}
	}
	if r.body["request_parameter_supported"] != true || r.body["tls_client_certificate_bound_access_tokens"] != true || r.body["require_signed_request_object"] != true {
		t.Errorf("discovery = %s, want request_parameter_supported, tls_client_certificate_bound_access_tokens and require_signed_request_object true", r.raw)
	}
	algs := strs("request_object_encryption_alg_values_supported")
	if len(algs) == 0 {
		t.Fatal("request_object_encryption_alg_values_supported is missing")
	}
	ek := fe.encKey(wsFAPI1)
	for _, alg := range algs {
		fe.t = t
		f := fe.newFAPIFlow(wsFAPI1, "f1-pkjwt")
		enc := encryptRO(fe.t, f.requestObject(f.params("code id_token", nil)), jose.KeyAlgorithm(alg), jose.A256GCM, ek.Key, ek.KeyID)
		if r := f.authorizeByValue(enc, "code id_token"); r.status != http.StatusSeeOther {
			t.Errorf("request object encrypted with advertised %s = %d %s, want it accepted", alg, r.status, r.raw)
		}
	}
}

package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
)

// jarmSkew allows for the clock moving between the response and the checks.
const jarmSkew = 5 * time.Second

// checkJARM checks the claims every JARM response carries (JARM §2.1): iss,
// aud = the client, a short exp, iat, and the state of the request.
func checkJARM(t *testing.T, what string, claims map[string]any, issuer, clientID, state string) {
	t.Helper()
	wantClaim(t, what, claims, "iss", issuer)
	wantClaim(t, what, claims, "aud", clientID)
	wantClaim(t, what, claims, "state", state)
	now := time.Now()
	exp, _ := claims["exp"].(float64)
	if e := time.Unix(int64(exp), 0); !e.After(now) || e.After(now.Add(10*time.Minute+jarmSkew)) {
		t.Errorf("%s exp = %v, want in the next 10 minutes (JARM §2.1: short-lived)", what, claims["exp"])
	}
	if iat, _ := claims["iat"].(float64); time.Unix(int64(iat), 0).After(now.Add(jarmSkew)) {
		t.Errorf("%s iat = %v, want not in the future", what, claims["iat"])
	}
}

// TestJARMCodeFlow runs response_type code with each JWT response mode at
// the FAPI 1.0 Advanced workspace (FAPI 1.0 Adv §5.2.2-2): the response is
// only the signed `response` JWT in the mode's transport, and its code
// redeems at the token endpoint.
func TestJARMCodeFlow(t *testing.T) {
	fe := newFAPIEnv(t)
	issuer := fe.wsIssuer(wsFAPI1)
	tests := []struct {
		name             string
		giveResponseType string
		giveMode         string
		wantTransport    string // query, fragment or form
	}{
		{name: "jwt (query for code)", giveResponseType: "code", giveMode: "jwt", wantTransport: "query"},
		{name: "query.jwt", giveResponseType: "code", giveMode: "query.jwt", wantTransport: "query"},
		{name: "fragment.jwt", giveResponseType: "code", giveMode: "fragment.jwt", wantTransport: "fragment"},
		{name: "form_post.jwt", giveResponseType: "code", giveMode: "form_post.jwt", wantTransport: "form"},
		{name: "hybrid, jwt (fragment for code id_token)", giveResponseType: "code id_token", giveMode: "jwt", wantTransport: "fragment"},
		{name: "hybrid, form_post.jwt", giveResponseType: "code id_token", giveMode: "form_post.jwt", wantTransport: "form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe.t = t
			f := fe.newFAPIFlow(wsFAPI1, "f1-pkjwt")
			ro := f.requestObject(f.params(tt.giveResponseType, map[string]any{"response_mode": tt.giveMode}))
			loginID := f.loginID(f.authorizeByValue(ro, tt.giveResponseType))
			f.accept(loginID, oauth.LoginAccept{})
			r := f.resume(loginID)
			var v map[string][]string
			if tt.wantTransport == "form" {
				v = f.formPost(r)
			} else {
				v = f.redirect(r, tt.wantTransport)
			}
			if len(v) != 1 || len(v["response"]) != 1 {
				t.Fatalf("response parameters = %v, want only response (JARM §2.3)", v)
			}
			claims, h := fe.verifyJWS(wsFAPI1, v["response"][0])
			if h.Algorithm != "PS256" {
				t.Errorf("JARM alg = %s, want the workspace's PS256 (no authorization_signed_response_alg registered)", h.Algorithm)
			}
			checkJARM(t, "JARM response", claims, issuer, "f1-pkjwt", f.state)
			code, _ := claims["code"].(string)
			if code == "" {
				t.Fatalf("JARM claims = %v, want a code", claims)
			}
			if _, ok := claims["error"]; ok {
				t.Errorf("JARM claims = %v, want no error", claims)
			}
			idt, hasIDToken := claims["id_token"].(string)
			if hasIDToken != (tt.giveResponseType == "code id_token") {
				t.Fatalf("JARM claims = %v, want an id_token exactly for code id_token", claims)
			}
			if hasIDToken {
				idc, _ := fe.verifyJWS(wsFAPI1, idt)
				wantClaim(t, "ID token in the JARM response", idc, "c_hash", leftHalfHash(code))
				wantClaim(t, "ID token in the JARM response", idc, "s_hash", leftHalfHash(f.state))
				wantClaim(t, "ID token in the JARM response", idc, "nonce", f.nonce)
			}
			if tr := f.token(code, ""); tr.status != http.StatusOK {
				t.Fatalf("token with the JARM code = %d %s", tr.status, tr.raw)
			}
		})
	}
}

// TestJARMError: a refused login comes back as a JARM JWT carrying the
// error (JARM §2.1, RFC 6749 §4.1.2.1), with no code.
func TestJARMError(t *testing.T) {
	fe := newFAPIEnv(t)
	f := fe.newFAPIFlow(wsFAPI1, "f1-pkjwt")
	loginID := f.loginID(f.authorizeByValue(f.requestObject(f.params("code", map[string]any{"response_mode": "jwt"})), "code"))
	f.reject(loginID)
	v := f.redirect(f.resume(loginID), "query")
	if len(v) != 1 || v.Get("response") == "" {
		t.Fatalf("response parameters = %v, want only response", v)
	}
	claims, _ := fe.verifyJWS(wsFAPI1, v.Get("response"))
	checkJARM(t, "JARM error", claims, fe.wsIssuer(wsFAPI1), "f1-pkjwt", f.state)
	wantClaim(t, "JARM error", claims, "error", "access_denied")
	wantClaim(t, "JARM error", claims, "error_description", "the user said no")
	if _, ok := claims["code"]; ok {
		t.Errorf("JARM error claims = %v, want no code", claims)
	}
}

// TestJARMEncrypted: a client that registered
// authorization_encrypted_response_alg gets the JARM JWT signed with its
// authorization_signed_response_alg, then encrypted to its "enc" key (JARM
// §2.2, §3: enc defaults to A128CBC-HS256); its ID token from the token
// endpoint is encrypted as registered (OIDC Core §10.2).
func TestJARMEncrypted(t *testing.T) {
	fe := newFAPIEnv(t)
	issuer := fe.wsIssuer(wsFAPI1)
	const id = "f1-enc"
	f := fe.newFAPIFlow(wsFAPI1, id)
	loginID := f.loginID(f.authorizeByValue(f.requestObject(f.params("code", map[string]any{"response_mode": "jwt"})), "code"))
	f.accept(loginID, oauth.LoginAccept{ACR: scaACR})
	v := f.redirect(f.resume(loginID), "query")
	if len(v) != 1 || v.Get("response") == "" {
		t.Fatalf("response parameters = %v, want only response", v)
	}
	inner, eh := fe.decryptJWE(id, v.Get("response"))
	if eh.Algorithm != string(jose.RSA_OAEP_256) || eh.ExtraHeaders["enc"] != string(jose.A128CBC_HS256) {
		t.Errorf("JARM JWE alg/enc = %s/%v, want RSA-OAEP-256/A128CBC-HS256", eh.Algorithm, eh.ExtraHeaders["enc"])
	}
	claims, h := fe.verifyJWS(wsFAPI1, inner)
	if h.Algorithm != "ES256" {
		t.Errorf("JARM alg = %s, want the registered ES256", h.Algorithm)
	}
	checkJARM(t, "JARM response", claims, issuer, id, f.state)
	code, _ := claims["code"].(string)
	tr := f.token(code, "")
	if tr.status != http.StatusOK {
		t.Fatalf("token = %d %s", tr.status, tr.raw)
	}
	idt, _ := tr.body["id_token"].(string)
	inner, eh = fe.decryptJWE(id, idt)
	if eh.Algorithm != string(jose.RSA_OAEP) || eh.ExtraHeaders["enc"] != string(jose.A256GCM) {
		t.Errorf("ID token JWE alg/enc = %s/%v, want the registered RSA-OAEP/A256GCM", eh.Algorithm, eh.ExtraHeaders["enc"])
	}
	claims, h = fe.verifyJWS(wsFAPI1, inner)
	if h.Algorithm != "ES256" {
		t.Errorf("ID token alg = %s, want the registered ES256", h.Algorithm)
	}
	for name, want := range map[string]any{
		"iss": issuer, "aud": id, "sub": "alice", "nonce": f.nonce, "acr": scaACR,
		"at_hash": leftHalfHash(tr.body["access_token"].(string)),
	} {
		wantClaim(t, "ID token", claims, name, want)
	}
}

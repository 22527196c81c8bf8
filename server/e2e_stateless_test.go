package server_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
)

// TestStatelessClientCredentialsToken pins the stateless client_credentials
// access token (oauth/stateless.go): no row is written at issuance, the
// signed claims answer introspection (RFC 7662 §2.2, with cnf: RFC 9449
// §6.2), and RFC 7009 revocation still works, once and for all instances
// (it writes a revoked row), only for the client the token was issued to
// (RFC 7009 §2.1), idempotently (§2.2).
func TestStatelessClientCredentialsToken(t *testing.T) {
	e := newEnv(t)
	dk := newKey(t, jose.ES256)
	f := e.newFlow("pkjwt", "", dk)
	issue := func() string {
		r := e.do(call{path: "/ws/token", form: e.auth("pkjwt", url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}}), header: f.dpopHeader("POST", "/ws/token", "")})
		if r.status != http.StatusOK {
			t.Fatalf("token = %d %s", r.status, r.raw)
		}
		return r.body["access_token"].(string)
	}
	introspect := func(tok string) result {
		t.Helper()
		r := e.do(call{path: "/ws/introspect", form: e.auth("system", url.Values{"token": {tok}})})
		if r.status != http.StatusOK {
			t.Fatalf("introspect = %d %s", r.status, r.raw)
		}
		return r
	}
	at := issue()
	jti, _ := jwtClaims(t, at)["jti"].(string)
	if _, err := e.srv.Store().Token(t.Context(), "ws", jti); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("Store().Token(jti) error = %v, want %v: a client_credentials JWT is not stored", err, oauth.ErrNotFound)
	}

	in := introspect(at)
	cnf, _ := in.body["cnf"].(map[string]any)
	if in.body["active"] != true || in.body["client_id"] != "pkjwt" || in.body["scope"] != "accounts" ||
		in.body["token_type"] != "DPoP" || cnf["jkt"] != dk.Thumbprint() || in.body["iss"] != e.issuer {
		t.Fatalf("introspection = %s, want active, pkjwt, accounts, DPoP bound to %s", in.raw, dk.Thumbprint())
	}
	if _, ok := in.body["sub"]; ok {
		t.Errorf("introspection of a client_credentials token has sub: %s", in.raw)
	}
	if got, ok := in.body["exp"].(float64); !ok || int64(got) != int64(jwtClaims(t, at)["exp"].(float64)) {
		t.Errorf("introspection exp = %v, want the token's exp", in.body["exp"])
	}

	// Another client may not revoke it (RFC 7009 §2.1), and the token stays active.
	other := e.do(call{path: "/ws/revoke", form: e.auth("pkjwt-ps", url.Values{"token": {at}})})
	wantOAuthError(t, other, http.StatusBadRequest, "unauthorized_client")
	if in := introspect(at); in.body["active"] != true {
		t.Fatalf("after another client's revocation attempt introspection = %s, want active", in.raw)
	}

	for i := range 2 { // the second revocation of the same token is not an error (RFC 7009 §2.2)
		rv := e.do(call{path: "/ws/revoke", form: e.auth("pkjwt", url.Values{"token": {at}, "token_type_hint": {"access_token"}})})
		if rv.status != http.StatusOK {
			t.Fatalf("revoke #%d = %d %s", i+1, rv.status, rv.raw)
		}
	}
	if in := introspect(at); in.body["active"] != false || len(in.body) != 1 {
		t.Fatalf("after revocation introspection = %s, want {\"active\":false}", in.raw)
	}
	if _, err := e.provider().InspectAccessToken(t.Context(), at); !errors.Is(err, oauth.ErrNotFound) {
		t.Errorf("InspectAccessToken(revoked) error = %v, want %v", err, oauth.ErrNotFound)
	}
	// Revoking one token leaves the client's others alone.
	if in := introspect(issue()); in.body["active"] != true {
		t.Errorf("a new token after revoking another: introspection = %s, want active", in.raw)
	}
}

// TestStatelessTokenForgery: with no row to consult, the signature is what
// stands between a forged token and acceptance. A token whose payload was
// changed, or that another workspace signed, is inactive.
func TestStatelessTokenForgery(t *testing.T) {
	e := newEnv(t)
	f := e.newFlow("pkjwt", "", newKey(t, jose.ES256))
	r := e.do(call{path: "/ws/token", form: e.auth("pkjwt", url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}}), header: f.dpopHeader("POST", "/ws/token", "")})
	if r.status != http.StatusOK {
		t.Fatalf("token = %d %s", r.status, r.raw)
	}
	at := r.body["access_token"].(string)
	parts := strings.Split(at, ".")
	c := jwtClaims(t, at)
	c["scope"] = "accounts payments"
	b, _ := json.Marshal(c)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]

	of := e.newFlow("other-client", "", newKey(t, jose.ES256))
	form := e.authAt("other", "other-client", url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}})
	or := e.do(call{path: "/other/token", form: form, header: of.dpopHeader("POST", "/other/token", "")})
	if or.status != http.StatusOK {
		t.Fatalf("other token = %d %s", or.status, or.raw)
	}
	for name, tok := range map[string]string{"tampered payload": tampered, "another workspace's token": or.body["access_token"].(string)} {
		t.Run(name, func(t *testing.T) {
			in := e.do(call{path: "/ws/introspect", form: e.auth("system", url.Values{"token": {tok}})})
			if in.status != http.StatusOK || in.body["active"] != false {
				t.Errorf("introspection = %d %s, want {\"active\":false}", in.status, in.raw)
			}
		})
	}
}

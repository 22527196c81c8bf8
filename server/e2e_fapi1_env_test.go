package server_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/openconsent/openconsent/server"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// This file adds two workspaces to the e2e environment: "fapi1" (FAPI 1.0
// Advanced: hybrid flow, request objects by value, JARM, mTLS-bound tokens)
// and "ms" (FAPI 2.0 Message Signing: PAR + JAR + JARM + JWT introspection),
// with clients that register the OIDC Registration / JARM / RFC 9701
// signing and encryption metadata through the static client configuration.

const (
	wsFAPI1 = "fapi1"
	wsMS    = "ms"
	// scaACR is the UK Open Banking strong-customer-authentication acr.
	scaACR = "urn:openbanking:psd2:sca"
)

// fapiEnv is the e2e env with the FAPI 1.0 Advanced and FAPI 2.0 Message
// Signing workspaces.
type fapiEnv struct {
	*env
	// encKeys are the clients' private decryption keys (their public halves
	// are in the clients' JWKS files with use "enc").
	encKeys map[string]*rsa.PrivateKey
	// encKIDs are the kids of those keys.
	encKIDs map[string]string
}

// fapiClient describes one client of the added workspaces.
type fapiClient struct {
	cfg     server.ClientConfig
	sigAlg  jose.SignatureAlgorithm // signing key for assertions and request objects
	withEnc bool                    // also an RSA key with use "enc"
	cert    bool                    // a client certificate from the test CA
}

func newFAPIEnv(t *testing.T) *fapiEnv {
	t.Helper()
	fe := &fapiEnv{encKeys: map[string]*rsa.PrivateKey{}, encKIDs: map[string]string{}}
	dir := t.TempDir()
	ca, err := oauthtest.NewCA("fapi test ca")
	must(t, err)
	caFile := filepath.Join(dir, "fapi-ca.pem")
	must(t, os.WriteFile(caFile, ca.PEM(), 0o600))

	code := []string{"authorization_code", "refresh_token"}
	fapi1 := []fapiClient{
		{cfg: server.ClientConfig{ClientID: "f1-mtls", TokenEndpointAuthMethod: "tls_client_auth", TLSClientAuthSubjectDN: "CN=f1-mtls,O=TPP",
			TLSClientCertificateBoundAccessTokens: true}, sigAlg: jose.PS256, cert: true},
		{cfg: server.ClientConfig{ClientID: "f1-pkjwt", TokenEndpointAuthMethod: "private_key_jwt"}, sigAlg: jose.PS256, cert: true},
		{cfg: server.ClientConfig{ClientID: "f1-enc", TokenEndpointAuthMethod: "private_key_jwt",
			AuthorizationSignedResponseAlg: "ES256", AuthorizationEncryptedResponseAlg: "RSA-OAEP-256",
			IDTokenSignedResponseAlg: "ES256", IDTokenEncryptedResponseAlg: "RSA-OAEP", IDTokenEncryptedResponseEnc: "A256GCM"},
			sigAlg: jose.ES256, withEnc: true, cert: true},
	}
	ms := []fapiClient{
		{cfg: server.ClientConfig{ClientID: "ms-client", TokenEndpointAuthMethod: "private_key_jwt", AuthorizationSignedResponseAlg: "ES256"},
			sigAlg: jose.ES256, cert: true},
		// Resource servers: System clients may introspect every token of the workspace.
		{cfg: server.ClientConfig{ClientID: "ms-rs", TokenEndpointAuthMethod: "private_key_jwt", System: true,
			GrantTypes: []string{"client_credentials"}, IntrospectionSignedResponseAlg: "ES256", IntrospectionScopes: []string{"accounts"}},
			sigAlg: jose.ES256},
		{cfg: server.ClientConfig{ClientID: "ms-rs-enc", TokenEndpointAuthMethod: "private_key_jwt", System: true,
			GrantTypes: []string{"client_credentials"}, IntrospectionEncryptedResponseAlg: "RSA-OAEP-256", IntrospectionEncryptedResponseEnc: "A256GCM"},
			sigAlg: jose.ES256, withEnc: true},
	}
	keys := map[string]*oauthtest.Key{}
	build := func(cs []fapiClient) []server.ClientConfig {
		out := make([]server.ClientConfig, 0, len(cs))
		for _, c := range cs {
			cc := c.cfg
			k := newKey(t, c.sigAlg)
			keys[cc.ClientID] = k
			set := k.JWKS()
			if c.withEnc {
				priv, err := rsa.GenerateKey(rand.Reader, 2048)
				must(t, err)
				pub := jose.JSONWebKey{Key: &priv.PublicKey, Use: "enc"}
				tp, err := pub.Thumbprint(crypto.SHA256)
				must(t, err)
				pub.KeyID = base64.RawURLEncoding.EncodeToString(tp)
				set.Keys = append(set.Keys, pub)
				fe.encKeys[cc.ClientID], fe.encKIDs[cc.ClientID] = priv, pub.KeyID
			}
			b, err := json.Marshal(set)
			must(t, err)
			cc.JWKSFile = filepath.Join(dir, cc.ClientID+".jwks.json")
			must(t, os.WriteFile(cc.JWKSFile, b, 0o600))
			if cc.GrantTypes == nil {
				cc.GrantTypes = code
				cc.RedirectURIs = []string{redirectURI}
				cc.Scope = "openid accounts payments"
			}
			out = append(out, cc)
		}
		return out
	}
	scopes := []string{"openid", "accounts", "payments"}
	opt := func(cfg *server.Config) {
		cfg.Workspaces = append(cfg.Workspaces,
			server.WorkspaceConfig{ID: wsFAPI1, Ecosystem: "generic", Profile: "fapi1-advanced", DemoLogin: true,
				TrustedCAFiles: []string{caFile}, Scopes: scopes, Clients: build(fapi1)},
			server.WorkspaceConfig{ID: wsMS, Ecosystem: "generic", Profile: "fapi2-message-signing", DemoLogin: true,
				TrustedCAFiles: []string{caFile}, Scopes: scopes, Clients: build(ms)},
		)
		server.ApplyDefaults(cfg)
	}
	fe.env = newEnv(t, opt)
	for id, k := range keys {
		fe.keys[id] = k
	}
	for _, c := range append(fapi1, ms...) {
		if c.cert {
			cert, err := ca.ClientCert(pkix.Name{CommonName: c.cfg.ClientID, Organization: []string{"TPP"}})
			must(t, err)
			fe.certs[c.cfg.ClientID] = cert
		}
	}
	return fe
}

// wsIssuer is the issuer identifier of workspace ws.
func (fe *fapiEnv) wsIssuer(ws string) string { return fe.base + "/" + ws }

// wsProvider is the issuer of workspace ws (logins are accepted through it,
// as the bank's login app would through the system API).
func (fe *fapiEnv) wsProvider(ws string) *oauth.Provider {
	w, ok := fe.srv.Workspace(ws)
	if !ok {
		fe.t.Fatalf("no workspace %s", ws)
	}
	return w.Provider
}

// workspaceJWKS fetches the public keys of ws from its jwks_uri.
func (fe *fapiEnv) workspaceJWKS(ws string) jose.JSONWebKeySet {
	fe.t.Helper()
	r := fe.do(call{method: http.MethodGet, path: "/" + ws + "/jwks"})
	var set jose.JSONWebKeySet
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.raw), &set) != nil {
		fe.t.Fatalf("GET /%s/jwks = %d %s", ws, r.status, r.raw)
	}
	return set
}

// encKey is the workspace's published encryption key (use "enc").
func (fe *fapiEnv) encKey(ws string) jose.JSONWebKey {
	fe.t.Helper()
	for _, k := range fe.workspaceJWKS(ws).Keys {
		if k.Use == "enc" {
			return k
		}
	}
	fe.t.Fatalf("the JWKS of %s has no enc key", ws)
	return jose.JSONWebKey{}
}

// clientAuth adds the client authentication of id at ws: tls_client_auth
// clients send their client_id (the certificate is on the connection),
// private_key_jwt clients an assertion with audience aud ("" = the issuer).
func (fe *fapiEnv) clientAuth(ws, id, aud string, form url.Values) url.Values {
	fe.t.Helper()
	form.Set("client_id", id)
	if strings.HasSuffix(id, "-mtls") {
		return form
	}
	if aud == "" {
		aud = fe.wsIssuer(ws)
	}
	a, err := fe.keys[id].Assertion(id, aud)
	must(fe.t, err)
	form.Set("client_assertion_type", jwtBearer)
	form.Set("client_assertion", a)
	return form
}

// roClaims returns the claims of a valid request object from id to ws,
// with params added (a nil value deletes a claim).
func (fe *fapiEnv) roClaims(ws, id string, params map[string]any) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": id, "aud": fe.wsIssuer(ws), "client_id": id, "jti": oauthtest.RandomString(16),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}
	for k, v := range params {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// signRO signs request object claims with the client's key.
func (fe *fapiEnv) signRO(id string, claims map[string]any) string {
	fe.t.Helper()
	ro, err := fe.keys[id].Sign(claims, "oauth-authz-req+jwt", false)
	must(fe.t, err)
	return ro
}

// encryptRO encrypts a request object (nested JWT, RFC 9101 §6.1) to key.
func encryptRO(t *testing.T, ro string, alg jose.KeyAlgorithm, enc jose.ContentEncryption, key any, kid string) string {
	t.Helper()
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: alg, Key: key, KeyID: kid}, (&jose.EncrypterOptions{}).WithContentType("JWT"))
	must(t, err)
	obj, err := e.Encrypt([]byte(ro))
	must(t, err)
	s, err := obj.CompactSerialize()
	must(t, err)
	return s
}

// fapiFlow drives one authorization at ws for a client: request object,
// /authorize (by value or request_uri), login decision, resume, token.
type fapiFlow struct {
	fe       *fapiEnv
	ws       string
	clientID string
	hc       *http.Client // carries the client certificate, if any, and the login cookie
	verifier string
	state    string
	nonce    string
}

func (fe *fapiEnv) newFAPIFlow(ws, clientID string) *fapiFlow {
	v, _ := oauthtest.PKCE()
	return &fapiFlow{fe: fe, ws: ws, clientID: clientID, hc: fe.httpClient(clientID), verifier: v,
		state: oauthtest.RandomString(8), nonce: oauthtest.RandomString(8)}
}

// params are the authorization request parameters of the flow, with
// extra added (a nil value deletes a parameter).
func (f *fapiFlow) params(responseType string, extra map[string]any) map[string]any {
	h := sha256.Sum256([]byte(f.verifier))
	p := map[string]any{
		"response_type": responseType, "client_id": f.clientID, "redirect_uri": redirectURI,
		"scope": "openid accounts", "state": f.state, "nonce": f.nonce,
		"code_challenge": base64.RawURLEncoding.EncodeToString(h[:]), "code_challenge_method": "S256",
	}
	for k, v := range extra {
		if v == nil {
			delete(p, k)
			continue
		}
		p[k] = v
	}
	return p
}

// requestObject is a valid signed request object carrying params.
func (f *fapiFlow) requestObject(params map[string]any) string {
	return f.fe.signRO(f.clientID, f.fe.roClaims(f.ws, f.clientID, params))
}

// authorizeByValue sends the request object by value to /authorize with
// the outer parameters OIDC Core §6.1 has clients repeat.
func (f *fapiFlow) authorizeByValue(ro, responseType string) result {
	q := url.Values{"client_id": {f.clientID}, "request": {ro}, "scope": {"openid"}}
	if responseType != "" {
		q.Set("response_type", responseType)
	}
	return f.fe.do(call{method: http.MethodGet, path: "/" + f.ws + "/authorize?" + q.Encode(), client: f.hc})
}

// par pushes form (with client authentication) to ws.
func (f *fapiFlow) par(form url.Values, aud string) result {
	return f.fe.do(call{path: "/" + f.ws + "/par", form: f.fe.clientAuth(f.ws, f.clientID, aud, form), client: f.hc})
}

// authorizeURI follows a request_uri to /authorize.
func (f *fapiFlow) authorizeURI(requestURI string) result {
	q := url.Values{"client_id": {f.clientID}, "request_uri": {requestURI}}
	return f.fe.do(call{method: http.MethodGet, path: "/" + f.ws + "/authorize?" + q.Encode(), client: f.hc})
}

// loginID reads the login_id of a redirect to the login app.
func (f *fapiFlow) loginID(r result) string {
	t := f.fe.t
	t.Helper()
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, f.fe.wsIssuer(f.ws)+"/demo/login?") {
		t.Fatalf("authorize = %d Location %q %s, want a redirect to the login app", r.status, loc, r.raw)
	}
	u, err := url.Parse(loc)
	must(t, err)
	return u.Query().Get("login_id")
}

// accept accepts the login through the provider (what the system logins API calls).
func (f *fapiFlow) accept(loginID string, a oauth.LoginAccept) {
	f.fe.t.Helper()
	if a.Subject == "" {
		a.Subject = "alice"
	}
	if a.Resources == nil {
		a.Resources = []string{"acc-1"}
	}
	if _, err := f.fe.wsProvider(f.ws).AcceptLogin(context.Background(), loginID, a); err != nil {
		f.fe.t.Fatalf("AcceptLogin: %v", err)
	}
}

// reject refuses the login.
func (f *fapiFlow) reject(loginID string) {
	f.fe.t.Helper()
	if _, err := f.fe.wsProvider(f.ws).RejectLogin(context.Background(), loginID, oauth.LoginReject{Description: "the user said no"}); err != nil {
		f.fe.t.Fatalf("RejectLogin: %v", err)
	}
}

// resume returns the response to the browser's return to /authorize/resume.
func (f *fapiFlow) resume(loginID string) result {
	return f.fe.do(call{method: http.MethodGet, path: "/" + f.ws + "/authorize/resume?login_id=" + url.QueryEscape(loginID), client: f.hc})
}

// redirect checks that r redirects to the client and returns the response
// parameters of the wanted transport: "query" or "fragment".
func (f *fapiFlow) redirect(r result, transport string) url.Values {
	t := f.fe.t
	t.Helper()
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, redirectURI) {
		t.Fatalf("resume = %d Location %q %s, want a redirect to %s", r.status, loc, r.raw, redirectURI)
	}
	u, err := url.Parse(loc)
	must(t, err)
	var raw, other string
	if transport == "fragment" {
		raw, other = u.Fragment, u.RawQuery
	} else {
		raw, other = u.RawQuery, u.Fragment
	}
	if other != "" {
		t.Fatalf("redirect %s carries parameters outside the %s", loc, transport)
	}
	v, err := url.ParseQuery(raw)
	must(t, err)
	return v
}

var formInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formPost checks an auto-submitting form to the client and returns its fields.
func (f *fapiFlow) formPost(r result) url.Values {
	t := f.fe.t
	t.Helper()
	if r.status != http.StatusOK || !strings.Contains(r.raw, `action="`+redirectURI+`"`) {
		t.Fatalf("resume = %d %s, want a form posting to %s", r.status, r.raw, redirectURI)
	}
	v := url.Values{}
	for _, m := range formInput.FindAllStringSubmatch(r.raw, -1) {
		v.Add(m[1], m[2])
	}
	return v
}

// token redeems code; the client authenticates with aud ("" = issuer).
func (f *fapiFlow) token(code, aud string) result {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {f.verifier}}
	return f.fe.do(call{path: "/" + f.ws + "/token", form: f.fe.clientAuth(f.ws, f.clientID, aud, form), client: f.hc})
}

// verifyJWS verifies a JWS the workspace signed against its published JWKS
// and returns the claims and the protected header.
func (fe *fapiEnv) verifyJWS(ws, raw string) (map[string]any, jose.Header) {
	fe.t.Helper()
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.PS256, jose.ES256})
	if err != nil {
		fe.t.Fatalf("not a PS256/ES256 JWS: %v (%.60s...)", err, raw)
	}
	h := jws.Signatures[0].Protected
	set := fe.workspaceJWKS(ws)
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		fe.t.Fatalf("kid %q names %d keys of the workspace JWKS, want 1", h.KeyID, len(keys))
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		fe.t.Fatalf("signature does not verify with the workspace key %s: %v", h.KeyID, err)
	}
	var claims map[string]any
	must(fe.t, json.Unmarshal(payload, &claims))
	return claims, h
}

// decryptJWE opens a JWE the workspace encrypted to client id and returns
// the nested JWS and the JWE header.
func (fe *fapiEnv) decryptJWE(id, raw string) (string, jose.Header) {
	fe.t.Helper()
	obj, err := jose.ParseEncrypted(raw, []jose.KeyAlgorithm{jose.RSA_OAEP, jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM, jose.A128CBC_HS256})
	if err != nil {
		fe.t.Fatalf("not a JWE: %v (%.60s...)", err, raw)
	}
	if obj.Header.KeyID != fe.encKIDs[id] {
		fe.t.Errorf("JWE kid = %q, want the client's enc key %q", obj.Header.KeyID, fe.encKIDs[id])
	}
	if cty, _ := obj.Header.ExtraHeaders[jose.HeaderContentType].(string); cty != "JWT" {
		fe.t.Errorf("JWE cty = %q, want JWT (nested JWT, RFC 7519 §5.2)", cty)
	}
	plain, err := obj.Decrypt(fe.encKeys[id])
	if err != nil {
		fe.t.Fatalf("decrypting with the client's key: %v", err)
	}
	return string(plain), obj.Header
}

// leftHalfHash is base64url of the left half of SHA-256(s): at_hash, c_hash
// and s_hash for PS256 and ES256 (OIDC Core §3.1.3.6, §3.3.2.11; FAPI 1.0
// Adv §5.2.2.1), computed here independently of the server.
func leftHalfHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(h[:len(h)/2])
}

// certThumbprint is the RFC 8705 §3.1 x5t#S256 of the client's certificate.
func (fe *fapiEnv) certThumbprint(id string) string {
	h := sha256.Sum256(fe.certs[id].Leaf.Raw)
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// wantClaim compares claims[name] with want (numbers as float64).
func wantClaim(t *testing.T, what string, claims map[string]any, name string, want any) {
	t.Helper()
	got := claims[name]
	if n, ok := want.(int64); ok {
		want = float64(n)
	}
	if got != want {
		t.Errorf("%s %s = %v, want %v", what, name, got, want)
	}
}

// TestClientConfigResponseMetadata checks that the static client
// configuration reads the signing and encryption metadata under their
// registration names and refuses values the issuer cannot produce, naming
// the field.
func TestClientConfigResponseMetadata(t *testing.T) {
	const head = `
server:
  base_url: https://as.example.test
secret: 0123456789abcdef0123456789abcdef
workspaces:
  - id: f1
    profile: fapi1-advanced
    demo_login: true
    clients:
      - client_id: c1
        token_endpoint_auth_method: private_key_jwt
        jwks_uri: https://client.example.test/jwks
        redirect_uris: [https://client.example.test/cb]
`
	const valid = `        authorization_signed_response_alg: ES256
        authorization_encrypted_response_alg: RSA-OAEP-256
        authorization_encrypted_response_enc: A128CBC-HS256
        id_token_signed_response_alg: PS256
        id_token_encrypted_response_alg: RSA-OAEP
        id_token_encrypted_response_enc: A256GCM
        introspection_signed_response_alg: ES256
        introspection_encrypted_response_alg: RSA-OAEP-256
        introspection_encrypted_response_enc: A256GCM
        introspection_scopes: [accounts, payments]
`
	parse := func(t *testing.T, body string) *server.Config {
		t.Helper()
		p := filepath.Join(t.TempDir(), "config.yaml")
		must(t, os.WriteFile(p, []byte(body), 0o600))
		cfg, err := server.Parse(p)
		must(t, err)
		return cfg
	}
	t.Run("read under the registration names", func(t *testing.T) {
		cfg := parse(t, head+valid)
		must(t, cfg.Validate())
		got := cfg.Workspaces[0].Clients[0]
		want := server.ClientConfig{
			AuthorizationSignedResponseAlg: "ES256", AuthorizationEncryptedResponseAlg: "RSA-OAEP-256", AuthorizationEncryptedResponseEnc: "A128CBC-HS256",
			IDTokenSignedResponseAlg: "PS256", IDTokenEncryptedResponseAlg: "RSA-OAEP", IDTokenEncryptedResponseEnc: "A256GCM",
			IntrospectionSignedResponseAlg: "ES256", IntrospectionEncryptedResponseAlg: "RSA-OAEP-256", IntrospectionEncryptedResponseEnc: "A256GCM",
			IntrospectionScopes: []string{"accounts", "payments"},
		}
		got.ClientID, got.TokenEndpointAuthMethod, got.JWKSURI, got.RedirectURIs = "", "", "", nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ClientConfig mismatch (-want +got):\n%s", diff)
		}
	})
	tests := []struct {
		name      string
		give      string // client lines appended to head
		wantField string
	}{
		{"HS256 authorization signing", "        authorization_signed_response_alg: HS256\n", "clients[0].authorization_signed_response_alg"},
		{"none ID token signing", "        id_token_signed_response_alg: none\n", "clients[0].id_token_signed_response_alg"},
		{"EdDSA introspection signing (no such workspace key)", "        introspection_signed_response_alg: EdDSA\n", "clients[0].introspection_signed_response_alg"},
		{"RSA1_5 authorization encryption", "        authorization_encrypted_response_alg: RSA1_5\n", "clients[0].authorization_encrypted_response_alg"},
		{"A128KW ID token encryption", "        id_token_encrypted_response_alg: A128KW\n", "clients[0].id_token_encrypted_response_alg"},
		{"dir introspection encryption", "        introspection_encrypted_response_alg: dir\n", "clients[0].introspection_encrypted_response_alg"},
		{"A128GCM content encryption", "        id_token_encrypted_response_alg: RSA-OAEP\n        id_token_encrypted_response_enc: A128GCM\n", "clients[0].id_token_encrypted_response_enc"},
		{"enc without alg", "        authorization_encrypted_response_enc: A256GCM\n", "clients[0].authorization_encrypted_response_alg"},
		{"empty introspection scope", "        introspection_scopes: [accounts, \"\"]\n", "clients[0].introspection_scopes[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := parse(t, head+tt.give).Validate()
			if err == nil {
				t.Fatal("Validate accepted the client")
			}
			if !strings.Contains(err.Error(), "workspaces[0]."+tt.wantField) {
				t.Errorf("error = %q, want it to name workspaces[0].%s", err, tt.wantField)
			}
		})
	}
	t.Run("encryption without a client JWKS", func(t *testing.T) {
		body := strings.Replace(head, "        token_endpoint_auth_method: private_key_jwt\n        jwks_uri: https://client.example.test/jwks\n",
			"        token_endpoint_auth_method: tls_client_auth\n        tls_client_auth_subject_dn: CN=c1\n", 1)
		err := parse(t, body+"        id_token_encrypted_response_alg: RSA-OAEP-256\n").Validate()
		if err == nil || !strings.Contains(err.Error(), "workspaces[0].clients[0].id_token_encrypted_response_alg") {
			t.Errorf("error = %v, want it to name workspaces[0].clients[0].id_token_encrypted_response_alg", err)
		}
	})
}

package server_test

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// cdrRecipient is a test data recipient: it fails the first failures
// deliveries with 503, then records the arrangement ids it is told about.
type cdrRecipient struct {
	mu       sync.Mutex
	failures int
	calls    int
	bearers  []string
	jwts     []string
}

func (rc *cdrRecipient) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls++
	if r.URL.Path != "/adr/arrangements/revoke" || r.Method != http.MethodPost {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if rc.calls <= rc.failures {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	_ = r.ParseForm()
	rc.bearers = append(rc.bearers, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	rc.jwts = append(rc.jwts, r.PostForm.Get("cdr_arrangement_jwt"))
	w.WriteHeader(http.StatusNoContent)
}

// cdrFixture holds the CDR clients' keys and certificates, made before the
// env exists and merged into it by adopt.
type cdrFixture struct {
	t     *testing.T
	ca    *oauthtest.CA
	keys  map[string]*oauthtest.Key
	certs map[string]tls.Certificate
}

func (fx *cdrFixture) adopt(e *env) {
	for k, v := range fx.keys {
		e.keys[k] = v
	}
	for k, v := range fx.certs {
		e.certs[k] = v
	}
}

// withCDR adds a "cdr" workspace with two data recipient clients ("adr",
// "adr2", private_key_jwt + mTLS-bound tokens) and a system client, the
// recipients' base URI pointing at recipientBase.
func withCDR(t *testing.T, fx *cdrFixture, dir, recipientBase string) envOption {
	ca, err := oauthtest.NewCA("cdr ca")
	must(t, err)
	fx.t, fx.ca, fx.keys, fx.certs = t, ca, map[string]*oauthtest.Key{}, map[string]tls.Certificate{}
	e := fx
	return func(cfg *server.Config) {
		jwks := func(id string) string {
			k := newKey(t, jose.PS256)
			e.keys[id] = k
			b, _ := json.Marshal(k.JWKS())
			p := filepath.Join(dir, id+".jwks.json")
			must(t, os.WriteFile(p, b, 0o600))
			return p
		}
		for _, id := range []string{"adr", "adr2", "cdr-system"} {
			c, err := e.ca.ClientCert(pkix.Name{CommonName: id})
			must(t, err)
			e.certs[id] = c
		}
		caFile := filepath.Join(dir, "cdr-ca.pem")
		must(t, os.WriteFile(caFile, e.ca.PEM(), 0o600))
		scope := "openid profile bank:accounts.basic:read"
		adr := func(id string) server.ClientConfig {
			return server.ClientConfig{
				ClientID: id, TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: jwks(id),
				RedirectURIs: []string{redirectURI}, GrantTypes: []string{"authorization_code", "refresh_token", "client_credentials"},
				Scope: scope, TLSClientCertificateBoundAccessTokens: true, AuthorizationSignedResponseAlg: "PS256",
				Metadata: map[string]any{"recipient_base_uri": recipientBase + "/adr"},
			}
		}
		ws := server.WorkspaceConfig{
			ID: "cdr", Ecosystem: "cdr", Profile: "fapi1-advanced", DemoLogin: true, TrustedCAFiles: []string{caFile},
			Scopes: []string{"openid", "profile", "bank:accounts.basic:read", "manage_consents"},
			CDR:    server.CDRConfig{BrandID: "brand-1"},
			Clients: []server.ClientConfig{adr("adr"), adr("adr2"), {
				ClientID: "cdr-system", TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: jwks("cdr-system"),
				GrantTypes: []string{"client_credentials"}, Scope: "manage_consents", System: true,
			}},
		}
		cfg.Workspaces = append(cfg.Workspaces, ws)
		server.ApplyDefaults(cfg)
	}
}

// cdrClient drives a CDR workspace as one data recipient.
type cdrClient struct {
	e   *env
	id  string
	key *oauthtest.Key
	ws  string
	hc  *http.Client
	iss string
}

func (e *env) cdrClient(id string) *cdrClient {
	return e.cdrClientAt("cdr", id, e.keys[id], id)
}

// cdrClientAt is a data recipient of workspace ws with its signing key and
// client certificate.
func (e *env) cdrClientAt(ws, id string, key *oauthtest.Key, certID string) *cdrClient {
	return &cdrClient{e: e, id: id, key: key, ws: ws, hc: e.httpClient(certID), iss: e.base + "/" + ws}
}

// form adds private_key_jwt client authentication with aud.
func (c *cdrClient) form(aud string, v url.Values) url.Values {
	a, err := c.key.Assertion(c.id, aud)
	must(c.e.t, err)
	v.Set("client_id", c.id)
	v.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	v.Set("client_assertion", a)
	return v
}

func (c *cdrClient) post(path string, v url.Values) result {
	return c.e.do(call{path: "/" + c.ws + path, form: c.form(c.iss, v), client: c.hc})
}

// authorize runs PAR → authorize → accept → resume with the CDR claims and
// returns the code (from the JARM response) and the PKCE verifier.
func (c *cdrClient) authorize(subject string, claims map[string]any) (code, verifier string) {
	t := c.e.t
	t.Helper()
	v, ch := oauthtest.PKCE()
	claims["id_token"] = map[string]any{"acr": map[string]any{"essential": true, "values": []string{"urn:cds.au:cdr:2"}}}
	ro, err := c.key.RequestObject(c.id, c.iss, map[string]any{
		"response_type": "code", "response_mode": "jwt", "redirect_uri": c.redirectURI(),
		"scope": "openid bank:accounts.basic:read", "state": "st", "nonce": "n",
		"code_challenge": ch, "code_challenge_method": "S256", "claims": claims,
	})
	must(t, err)
	r := c.post("/par", url.Values{"request": {ro}})
	if r.status != http.StatusCreated {
		t.Fatalf("PAR = %d %s", r.status, r.raw)
	}
	f := &flow{e: c.e, clientID: c.id, hc: c.hc}
	loginID, ar := f.authorizeAt("/"+c.ws, r.body["request_uri"].(string))
	if loginID == "" {
		t.Fatalf("authorize = %d %s", ar.status, ar.raw)
	}
	w, _ := c.e.srv.Workspace(c.ws)
	if _, err := w.Provider.AcceptLogin(t.Context(), loginID, acceptFor(subject)); err != nil {
		t.Fatalf("accept: %v", err)
	}
	rr := c.e.do(call{method: "GET", path: "/" + c.ws + "/authorize/resume?login_id=" + url.QueryEscape(loginID), client: c.hc})
	loc, err := url.Parse(rr.header.Get("Location"))
	must(t, err)
	resp := loc.Query().Get("response")
	if resp == "" {
		t.Fatalf("no JARM response in %s", loc)
	}
	claimsOut := jwtClaims(t, resp)
	code, _ = claimsOut["code"].(string)
	if code == "" {
		t.Fatalf("JARM response has no code: %v", claimsOut)
	}
	return code, v
}

// jwtClaims decodes a JWT's claims without verifying it (callers verify
// what they assert on separately).
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.PS256, jose.ES256})
	must(t, err)
	var m map[string]any
	must(t, json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &m))
	return m
}

// authorizeAt is flow.authorize for a workspace path prefix.
func (f *flow) authorizeAt(prefix, requestURI string) (string, result) {
	r := f.e.do(call{method: "GET", path: prefix + "/authorize?" + url.Values{"client_id": {f.clientID}, "request_uri": {requestURI}}.Encode(), client: f.hc})
	if r.status != http.StatusSeeOther {
		return "", r
	}
	u, err := url.Parse(r.header.Get("Location"))
	must(f.e.t, err)
	return u.Query().Get("login_id"), r
}

func acceptFor(subject string) oauth.LoginAccept {
	return oauth.LoginAccept{Subject: subject, ACR: "urn:cds.au:cdr:2", Resources: []string{"acc-1", "acc-2"}}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func nowUnix() int64 { return time.Now().Unix() }

// redirectURI is the client's registered redirect URI: the shared test one,
// or the first of a registered client's SSA.
func (c *cdrClient) redirectURI() string {
	if c.ws == "cdr" {
		return redirectURI
	}
	return "https://tpp.test/cdr/cb"
}

package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// env is a running server over real TLS with one FAPI 2.0 workspace "ws",
// a second workspace "other", and clients for every authentication method.
type env struct {
	t       *testing.T
	srv     *server.Server
	ts      *httptest.Server
	base    string
	issuer  string
	ca      *oauthtest.CA
	keys    map[string]*oauthtest.Key // client id -> signing key
	certs   map[string]tls.Certificate
	redirct string
}

type envOption func(*server.Config)

const redirectURI = "https://client.test/cb"

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, keys: map[string]*oauthtest.Key{}, certs: map[string]tls.Certificate{}, redirct: redirectURI}
	var h http.Handler = http.NotFoundHandler()
	e.ts = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	e.ts.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	e.base = "https://" + e.ts.Listener.Addr().String()
	e.issuer = e.base + "/ws"
	dir := t.TempDir()
	var err error
	if e.ca, err = oauthtest.NewCA("test ca"); err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	must(t, os.WriteFile(caFile, e.ca.PEM(), 0o600))
	jwksFile := func(id string, alg jose.SignatureAlgorithm) string {
		k, err := oauthtest.NewKey(alg)
		must(t, err)
		e.keys[id] = k
		b, _ := json.Marshal(k.JWKS())
		p := filepath.Join(dir, id+".jwks.json")
		must(t, os.WriteFile(p, b, 0o600))
		return p
	}
	for _, id := range []string{"mtls", "mtls-bound"} {
		c, err := e.ca.ClientCert(pkix.Name{CommonName: id, Organization: []string{"TPP"}})
		must(t, err)
		e.certs[id] = c
	}
	allGrants := []string{"authorization_code", "refresh_token", "client_credentials"}
	scope := "openid accounts payments offline_access"
	wsClients := []server.ClientConfig{
		{ClientID: "pkjwt", TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: jwksFile("pkjwt", jose.ES256), RedirectURIs: []string{redirectURI}, GrantTypes: allGrants, Scope: scope},
		{ClientID: "pkjwt-ps", TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: jwksFile("pkjwt-ps", jose.PS256), RedirectURIs: []string{redirectURI}, GrantTypes: allGrants, Scope: scope},
		{ClientID: "dpop-only", TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: jwksFile("dpop-only", jose.ES256), RedirectURIs: []string{redirectURI}, GrantTypes: allGrants, Scope: scope, DPoPBoundAccessTokens: true},
		{ClientID: "mtls", TokenEndpointAuthMethod: "tls_client_auth", TLSClientAuthSubjectDN: "CN=mtls,O=TPP", RedirectURIs: []string{redirectURI}, GrantTypes: allGrants, Scope: scope},
		{ClientID: "selfsigned", TokenEndpointAuthMethod: "self_signed_tls_client_auth", JWKSFile: selfSignedJWKS(t, e, dir), RedirectURIs: []string{redirectURI}, GrantTypes: allGrants, Scope: scope},
		{ClientID: "system", TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: jwksFile("system", jose.ES256), GrantTypes: []string{"client_credentials"}, Scope: "manage_logins manage_consents", System: true},
	}
	pc, err := e.ca.ClientCert(pkix.Name{CommonName: "pkjwt-cert"})
	must(t, err)
	e.certs["pkjwt"] = pc
	cfg := &server.Config{
		Server:   server.ServerConfig{BaseURL: e.base},
		Database: server.DatabaseConfig{Driver: "sqlite", DSN: filepath.Join(dir, "oc.db")},
		Secret:   testSecret,
		Workspaces: []server.WorkspaceConfig{
			{ID: "ws", Ecosystem: "generic", Profile: "fapi2-security", DemoLogin: true, TrustedCAFiles: []string{caFile},
				Scopes: []string{"openid", "accounts", "payments", "offline_access", "manage_logins", "manage_consents"}, Clients: wsClients},
			{ID: "other", Ecosystem: "generic", Profile: "fapi2-security", DemoLogin: true,
				Scopes: []string{"openid", "accounts"}, Clients: []server.ClientConfig{
					{ClientID: "other-client", TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: jwksFile("other-client", jose.ES256), GrantTypes: allGrants, RedirectURIs: []string{redirectURI}, Scope: "accounts"},
				}},
		},
	}
	server.ApplyDefaults(cfg)
	for _, o := range opts {
		o(cfg)
	}
	must(t, cfg.Validate())
	e.srv, err = server.New(context.Background(), cfg, server.Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, err)
	h = e.srv.Handler()
	e.ts.StartTLS()
	t.Cleanup(func() { e.ts.Close(); e.srv.Close() })
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newKey(t *testing.T, alg jose.SignatureAlgorithm) *oauthtest.Key {
	t.Helper()
	k, err := oauthtest.NewKey(alg)
	must(t, err)
	return k
}

// httpClient returns a client trusting the test server, presenting the
// certificate of certID (if any), not following redirects.
func (e *env) httpClient(certID string) *http.Client {
	tr := e.ts.Client().Transport.(*http.Transport).Clone()
	if c, ok := e.certs[certID]; ok {
		tr.TLSClientConfig.Certificates = []tls.Certificate{c}
	}
	jar, _ := cookiejar.New(nil)
	return &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// call is one request to the server.
type call struct {
	method string
	path   string // under the base URL, e.g. /ws/token
	form   url.Values
	header http.Header
	cert   string
	client *http.Client
}

type result struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (e *env) do(c call) result {
	e.t.Helper()
	return e.doHost(c, "")
}

// doHost is do with the Host header set (a request addressed to another
// host name served by the same listener).
func (e *env) doHost(c call, host string) result {
	e.t.Helper()
	var body io.Reader
	if c.form != nil {
		body = strings.NewReader(c.form.Encode())
	}
	if c.method == "" {
		c.method = http.MethodPost
	}
	req, err := http.NewRequest(c.method, e.base+c.path, body)
	must(e.t, err)
	if host != "" {
		req.Host = host
	}
	if c.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	hc := c.client
	if hc == nil {
		hc = e.httpClient(c.cert)
	}
	resp, err := hc.Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// auth adds private_key_jwt client authentication for id to form.
func (e *env) auth(id string, form url.Values) url.Values {
	e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("client_id", id)
	if k, ok := e.keys[id]; ok {
		a, err := k.Assertion(id, e.issuer)
		must(e.t, err)
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", a)
	}
	return form
}

// wantOAuthError asserts status and error code.
func wantOAuthError(t *testing.T, r result, status int, code string) {
	t.Helper()
	if r.status != status || r.body["error"] != code {
		t.Fatalf("got %d %v, want %d %s (body %s)", r.status, r.body["error"], status, code, r.raw)
	}
}

func (e *env) provider() *oauth.Provider {
	w, ok := e.srv.Workspace("ws")
	if !ok {
		e.t.Fatal("no workspace ws")
	}
	return w.Provider
}

// selfSignedJWKS makes the "selfsigned" client's self-signed certificate
// (RFC 8705 §2.2: no CA; the certificate's key is registered in the JWKS)
// and writes its JWKS file.
func selfSignedJWKS(t *testing.T, e *env, dir string) string {
	t.Helper()
	ca, err := oauthtest.NewCA("selfsigned")
	must(t, err)
	// A self-signed certificate is its own issuer: use the CA certificate itself.
	cert := tls.Certificate{Certificate: [][]byte{ca.Cert.Raw}, PrivateKey: ca.Key(), Leaf: ca.Cert}
	e.certs["selfsigned"] = cert
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: ca.Cert.PublicKey, Use: "sig", Algorithm: "ES256"}}})
	must(t, err)
	p := filepath.Join(dir, "selfsigned.jwks.json")
	must(t, os.WriteFile(p, b, 0o600))
	return p
}

package server_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// The benchmarks below drive the real echo handler of server.New (SQLite
// store, every middleware) in process: requests go through
// Handler().ServeHTTP with an httptest recorder, without sockets or TLS, so
// they measure the server's own work per request. A client certificate is
// presented by setting r.TLS.PeerCertificates, as crypto/tls would.
// Everything the client signs (assertions, DPoP proofs) is signed before the
// timer starts. The HTTP load benchmark (make bench-http, cmd/oc-benchpeer)
// measures the same workloads over real connections.

// benchEnv is a server with one FAPI 2.0 workspace per access-token signing
// alg ("es": ES256, "ps": PS256) and one with opaque access tokens ("op").
// Each has the clients "pkjwt-es256" and "pkjwt-ps256" (private_key_jwt),
// "rs" (tls_client_auth resource server, system) and "system".
type benchEnv struct {
	b     *testing.B
	srv   *server.Server
	h     http.Handler
	base  string
	keys  map[string]*oauthtest.Key
	certs map[string]*x509.Certificate
}

var benchWorkspaces = []struct{ id, alg, format string }{
	{"es", "ES256", "jwt"}, {"ps", "PS256", "jwt"}, {"op", "ES256", "opaque"},
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	e := &benchEnv{b: b, base: "https://as.bench.test", keys: map[string]*oauthtest.Key{}, certs: map[string]*x509.Certificate{}}
	dir := b.TempDir()
	ca, err := oauthtest.NewCA("bench ca")
	benchMust(b, err)
	caFile := filepath.Join(dir, "ca.pem")
	benchMust(b, os.WriteFile(caFile, ca.PEM(), 0o600))
	for _, id := range []string{"rs", "client"} {
		c, err := ca.ClientCert(pkix.Name{CommonName: id, Organization: []string{"Bench"}})
		benchMust(b, err)
		e.certs[id] = c.Leaf
	}
	jwksFile := func(id string, alg jose.SignatureAlgorithm) string {
		k, err := oauthtest.NewKey(alg)
		benchMust(b, err)
		e.keys[id] = k
		raw, _ := json.Marshal(k.JWKS())
		p := filepath.Join(dir, id+".jwks.json")
		benchMust(b, os.WriteFile(p, raw, 0o600))
		return p
	}
	es, ps, sys := jwksFile("pkjwt-es256", jose.ES256), jwksFile("pkjwt-ps256", jose.PS256), jwksFile("system", jose.ES256)
	grants := []string{"authorization_code", "refresh_token", "client_credentials"}
	clients := []server.ClientConfig{
		{ClientID: "pkjwt-es256", TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: es, RedirectURIs: []string{redirectURI}, GrantTypes: grants, Scope: "openid accounts payments"},
		{ClientID: "pkjwt-ps256", TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: ps, RedirectURIs: []string{redirectURI}, GrantTypes: grants, Scope: "openid accounts payments"},
		{ClientID: "rs", TokenEndpointAuthMethod: "tls_client_auth", TLSClientAuthSubjectDN: "CN=rs,O=Bench", GrantTypes: []string{"client_credentials"}, Scope: "accounts", System: true},
		{ClientID: "system", TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: sys, GrantTypes: []string{"client_credentials"}, Scope: "manage_logins", System: true},
	}
	cfg := &server.Config{
		Server:   server.ServerConfig{BaseURL: e.base},
		Database: server.DatabaseConfig{Driver: "sqlite", DSN: filepath.Join(dir, "bench.db")},
		Secret:   testSecret,
	}
	for _, w := range benchWorkspaces {
		cfg.Workspaces = append(cfg.Workspaces, server.WorkspaceConfig{
			ID: w.id, Ecosystem: "generic", Profile: "fapi2-security", DemoLogin: true, TrustedCAFiles: []string{caFile},
			Scopes: []string{"openid", "accounts", "payments", "manage_logins"}, Clients: clients,
			Tokens: server.TokenConfig{SigningAlg: w.alg, AccessTokenFormat: w.format},
		})
	}
	server.ApplyDefaults(cfg)
	benchMust(b, cfg.Validate())
	e.srv, err = server.New(context.Background(), cfg, server.Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	benchMust(b, err)
	e.h = e.srv.Handler()
	b.Cleanup(e.srv.Close)
	return e
}

func benchMust(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// benchReq is one prepared request.
type benchReq struct {
	method, path string
	body         string
	header       http.Header
	cert         string
}

// serve runs r through the handler and returns the recorder.
func (e *benchEnv) serve(r benchReq) *httptest.ResponseRecorder {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, e.base+r.path, body)
	if r.body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if c := e.certs[r.cert]; c != nil {
		req.TLS.PeerCertificates = []*x509.Certificate{c}
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

// must200 fails the benchmark unless w is a 2xx (or want) answer.
func (e *benchEnv) must(w *httptest.ResponseRecorder, want int, what string) {
	if w.Code != want {
		e.b.Fatalf("%s = %d %s, want %d", what, w.Code, w.Body.String(), want)
	}
}

// tokenRequest is a client_credentials request of clientID at workspace ws,
// with a DPoP proof signed by dk when dk is set and the client certificate
// "client" when cert is true.
func (e *benchEnv) tokenRequest(ws, clientID string, dk *oauthtest.Key, cert bool) benchReq {
	a, err := e.keys[clientID].Assertion(clientID, e.base+"/"+ws)
	benchMust(e.b, err)
	form := url.Values{
		"grant_type": {"client_credentials"}, "scope": {"accounts"}, "client_id": {clientID},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a},
	}
	r := benchReq{method: http.MethodPost, path: "/" + ws + "/token", body: form.Encode(), header: http.Header{}}
	if dk != nil {
		p, err := dk.DPoP(http.MethodPost, e.base+"/"+ws+"/token", "", "")
		benchMust(e.b, err)
		r.header.Set("DPoP", p)
	}
	if cert {
		r.cert = "client"
	}
	return r
}

// reportOps adds ops/s: b.N over the timed part of the run.
func reportOps(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkClientCredentials: client_credentials + private_key_jwt, sender
// constrained by DPoP or by the client certificate (RFC 8705). In the
// ES256 case the client assertion, the DPoP proof and the JWT access token
// are ES256; in the PS256 case all three are PS256.
func BenchmarkClientCredentials(b *testing.B) {
	e := newBenchEnv(b)
	for _, alg := range []jose.SignatureAlgorithm{jose.ES256, jose.PS256} {
		ws, client := strings.ToLower(string(alg))[:2], "pkjwt-"+strings.ToLower(string(alg))
		dk, err := oauthtest.NewKey(alg)
		benchMust(b, err)
		for _, bind := range []string{"DPoP", "mTLS"} {
			b.Run(string(alg)+"/"+bind, func(b *testing.B) {
				e.b = b
				reqs := make([]benchReq, b.N)
				for i := range reqs {
					if bind == "DPoP" {
						reqs[i] = e.tokenRequest(ws, client, dk, false)
					} else {
						reqs[i] = e.tokenRequest(ws, client, nil, true)
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					e.must(e.serve(reqs[i]), http.StatusOK, "token")
				}
				b.StopTimer()
				reportOps(b)
			})
		}
	}
}

// BenchmarkCodeFlow: PAR → authorize → accept (system logins API) → resume →
// token, private_key_jwt ES256 with a DPoP-bound access token, ES256
// workspace keys. The login app's system token is mTLS-bound and obtained
// once.
func BenchmarkCodeFlow(b *testing.B) {
	e := newBenchEnv(b)
	const ws, client = "es", "pkjwt-es256"
	sys := e.systemToken(ws)
	dk, err := oauthtest.NewKey(jose.ES256)
	benchMust(b, err)
	type flowReqs struct{ par, token benchReq }
	flows := make([]flowReqs, b.N)
	for i := range flows {
		v, ch := oauthtest.PKCE()
		flows[i].par = e.signedForm(ws, client, "/par", url.Values{
			"response_type": {"code"}, "redirect_uri": {redirectURI}, "scope": {"openid accounts"},
			"code_challenge": {ch}, "code_challenge_method": {"S256"}, "state": {"s"}, "nonce": {"n"},
		}, nil)
		flows[i].token = e.signedForm(ws, client, "/token", url.Values{
			"grant_type": {"authorization_code"}, "redirect_uri": {redirectURI}, "code_verifier": {v},
		}, dk)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		e.codeFlow(ws, client, sys, flows[i].par, flows[i].token)
	}
	b.StopTimer()
	reportOps(b)
}

// codeFlow runs one front channel and redeems the code; token is completed
// with the code.
func (e *benchEnv) codeFlow(ws, client, sys string, par, token benchReq) {
	w := e.serve(par)
	e.must(w, http.StatusCreated, "PAR")
	var pr struct {
		RequestURI string `json:"request_uri"`
	}
	benchMust(e.b, json.Unmarshal(w.Body.Bytes(), &pr))
	w = e.serve(benchReq{method: http.MethodGet, path: "/" + ws + "/authorize?" + url.Values{"client_id": {client}, "request_uri": {pr.RequestURI}}.Encode()})
	e.must(w, http.StatusSeeOther, "authorize")
	loc, err := url.Parse(w.Header().Get("Location"))
	benchMust(e.b, err)
	loginID := loc.Query().Get("login_id")
	cookie := w.Header().Get("Set-Cookie")
	cookie, _, _ = strings.Cut(cookie, ";")
	w = e.serve(benchReq{method: http.MethodPost, path: "/" + ws + "/system/logins/" + loginID + "/accept", cert: "client",
		body:   `{"subject":"alice","acr":"urn:bench:sca","consent":{"resources":["acc-1"]}}`,
		header: http.Header{"Authorization": {"Bearer " + sys}, "Content-Type": {"application/json"}}})
	e.must(w, http.StatusOK, "accept")
	w = e.serve(benchReq{method: http.MethodGet, path: "/" + ws + "/authorize/resume?login_id=" + url.QueryEscape(loginID), header: http.Header{"Cookie": {cookie}}})
	e.must(w, http.StatusSeeOther, "resume")
	loc, err = url.Parse(w.Header().Get("Location"))
	benchMust(e.b, err)
	token.body += "&code=" + url.QueryEscape(loc.Query().Get("code"))
	e.must(e.serve(token), http.StatusOK, "token")
}

// signedForm is a private_key_jwt request of client to path at workspace ws.
func (e *benchEnv) signedForm(ws, client, path string, form url.Values, dk *oauthtest.Key) benchReq {
	a, err := e.keys[client].Assertion(client, e.base+"/"+ws)
	benchMust(e.b, err)
	form.Set("client_id", client)
	form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	form.Set("client_assertion", a)
	r := benchReq{method: http.MethodPost, path: "/" + ws + path, body: form.Encode(), header: http.Header{}}
	if dk != nil {
		p, err := dk.DPoP(http.MethodPost, e.base+"/"+ws+path, "", "")
		benchMust(e.b, err)
		r.header.Set("DPoP", p)
	}
	return r
}

// systemToken is an mTLS-bound manage_logins token of "system" at ws.
func (e *benchEnv) systemToken(ws string) string {
	r := e.signedForm(ws, "system", "/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"manage_logins"}}, nil)
	r.cert = "client"
	w := e.serve(r)
	e.must(w, http.StatusOK, "system token")
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	benchMust(e.b, json.Unmarshal(w.Body.Bytes(), &tr))
	return tr.AccessToken
}

// accessToken issues an mTLS-bound access token of pkjwt-es256 at ws.
func (e *benchEnv) accessToken(ws string) string {
	w := e.serve(e.tokenRequest(ws, "pkjwt-es256", nil, true))
	e.must(w, http.StatusOK, "token")
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	benchMust(e.b, json.Unmarshal(w.Body.Bytes(), &tr))
	return tr.AccessToken
}

// BenchmarkIntrospectOpaque: RFC 7662 introspection of an opaque access
// token by a resource server authenticated with tls_client_auth (the
// certificate chain verified per request) or with private_key_jwt (an ES256
// assertion verified and its jti recorded per request).
func BenchmarkIntrospectOpaque(b *testing.B) { benchIntrospect(b, "op") }

// BenchmarkIntrospectJWT is BenchmarkIntrospectOpaque for an ES256 JWT
// access token (its signature is verified before the lookup).
func BenchmarkIntrospectJWT(b *testing.B) { benchIntrospect(b, "es") }

func benchIntrospect(b *testing.B, ws string) {
	e := newBenchEnv(b)
	tok := e.accessToken(ws)
	for _, auth := range []string{"tls_client_auth", "private_key_jwt"} {
		b.Run(auth, func(b *testing.B) {
			e.b = b
			reqs := make([]benchReq, b.N)
			for i := range reqs {
				if auth == "tls_client_auth" {
					reqs[i] = benchReq{method: http.MethodPost, path: "/" + ws + "/introspect", cert: "rs",
						body: url.Values{"client_id": {"rs"}, "token": {tok}}.Encode()}
				} else {
					reqs[i] = e.signedForm(ws, "system", "/introspect", url.Values{"token": {tok}}, nil)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				w := e.serve(reqs[i])
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"active":true`) {
					b.Fatalf("introspect = %d %s", w.Code, w.Body.String())
				}
			}
			b.StopTimer()
			reportOps(b)
		})
	}
}

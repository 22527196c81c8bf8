package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/ecosystems/uk"
	"github.com/openconsent/openconsent/server"
	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// The UK and KSA workspaces of the end-to-end tests and benchmarks: FAPI
// 1.0 Advanced, demo login, two TPPs ("uk-tpp", "uk-tpp2") with
// private_key_jwt and certificate-bound tokens (FAPI 1.0 Adv binds with
// mTLS), and the bank's system client "uk-sys" (logins and consents APIs).

const (
	ukTPP, ukTPP2, ukSys = "uk-tpp", "uk-tpp2", "uk-sys"
	ukSCA                = "urn:openbanking:psd2:sca"
	ukTAN                = "openbanking.org.uk"
)

// ukBasePaths are the API roots of the UK-profile workspaces.
var ukBasePaths = map[string]string{"uk": "/open-banking/v3.1", "ksa": "/open-banking/ksa/v1"}

// ukFixture holds the keys and certificates of the UK clients.
type ukFixture struct {
	keys    map[string]*oauthtest.Key
	certs   map[string]tls.Certificate
	caFile  string
	clients []server.ClientConfig
}

func newUKFixture(tb testing.TB) *ukFixture {
	tb.Helper()
	dir := tb.TempDir()
	f := &ukFixture{keys: map[string]*oauthtest.Key{}, certs: map[string]tls.Certificate{}}
	ca, err := oauthtest.NewCA("uk test ca")
	ukMust(tb, err)
	f.caFile = filepath.Join(dir, "uk-ca.pem")
	ukMust(tb, os.WriteFile(f.caFile, ca.PEM(), 0o600))
	grants := []string{"authorization_code", "refresh_token", "client_credentials"}
	for _, id := range []string{ukTPP, ukTPP2, ukSys} {
		k, err := oauthtest.NewKey(jose.PS256)
		ukMust(tb, err)
		f.keys[id] = k
		raw, _ := json.Marshal(k.JWKS())
		p := filepath.Join(dir, id+".jwks.json")
		ukMust(tb, os.WriteFile(p, raw, 0o600))
		c, err := ca.ClientCert(pkix.Name{CommonName: id, Organization: []string{"UK TPP"}})
		ukMust(tb, err)
		f.certs[id] = c
		cc := server.ClientConfig{ClientID: id, TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: p,
			RedirectURIs: []string{redirectURI}, GrantTypes: grants, Scope: "openid accounts payments offline_access",
			TLSClientCertificateBoundAccessTokens: true}
		if id == ukSys {
			cc.RedirectURIs, cc.GrantTypes, cc.Scope, cc.System = nil, []string{"client_credentials"}, "manage_logins manage_consents", true
		}
		f.clients = append(f.clients, cc)
	}
	return f
}

// workspaces are the "uk" and "ksa" workspaces.
func (f *ukFixture) workspaces() []server.WorkspaceConfig {
	var out []server.WorkspaceConfig
	for _, eco := range []string{"uk", "ksa"} {
		out = append(out, server.WorkspaceConfig{
			ID: eco, Ecosystem: eco, Profile: "fapi1-advanced", DemoLogin: true, TrustedCAFiles: []string{f.caFile},
			Scopes:  []string{"openid", "accounts", "payments", "offline_access", "manage_logins", "manage_consents"},
			Clients: f.clients,
		})
	}
	return out
}

// withUK is the envOption adding the UK and KSA workspaces.
func withUK(f *ukFixture) envOption {
	return func(cfg *server.Config) {
		cfg.Workspaces = append(cfg.Workspaces, f.workspaces()...)
		server.ApplyDefaults(cfg)
	}
}

func ukMust(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// ukSpec is our OpenAPI file, loaded once per workspace prefix: every UK
// response of the end-to-end tests is validated against it (style §7).
var ukSpec = sync.OnceValues(func() (map[string]*apikit.ResponseValidator, error) {
	raw, err := os.ReadFile("../openapi/uk/readwrite/v3.1.11/openapi.yaml")
	if err != nil {
		return nil, err
	}
	out := map[string]*apikit.ResponseValidator{}
	for ws, base := range ukBasePaths {
		doc, err := apikit.LoadSpec(raw)
		if err != nil {
			return nil, err
		}
		if out[ws], err = apikit.NewResponseValidator(doc, "/"+ws+base); err != nil {
			return nil, err
		}
	}
	return out, nil
})

// ukConn drives the server as the TPPs and the bank do, over real TLS
// (tests) or in process (benchmarks, see send).
type ukConn struct {
	tb       testing.TB
	f        *ukFixture
	base     string
	send     func(req *http.Request, cert string) (int, http.Header, []byte)
	validate bool
	cookies  []string
}

// ukOverTLS sends through the harness's TLS client presenting cert.
func ukOverTLS(e *env) func(*http.Request, string) (int, http.Header, []byte) {
	return func(req *http.Request, cert string) (int, http.Header, []byte) {
		resp, err := e.httpClient(cert).Do(req)
		ukMust(e.t, err)
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, raw
	}
}

// ukInProcess serves through h, presenting the certificate as crypto/tls would.
func ukInProcess(h http.Handler, f *ukFixture) func(*http.Request, string) (int, http.Header, []byte) {
	return func(req *http.Request, cert string) (int, http.Header, []byte) {
		req.TLS = &tls.ConnectionState{}
		if c, ok := f.certs[cert]; ok {
			req.TLS.PeerCertificates = []*x509.Certificate{c.Leaf}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code, w.Header(), w.Body.Bytes()
	}
}

// do sends one request, carrying the login cookie between authorize and resume.
func (c *ukConn) do(method, path, cert string, header http.Header, body []byte) result {
	c.tb.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	ukMust(c.tb, err)
	if body == nil {
		req.Body = http.NoBody
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	for _, ck := range c.cookies {
		req.Header.Add("Cookie", ck)
	}
	status, h, raw := c.send(req, cert)
	for _, sc := range h.Values("Set-Cookie") {
		ck, _, _ := strings.Cut(sc, ";")
		c.cookies = append(c.cookies, ck)
	}
	r := result{status: status, header: h, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// form posts an OAuth form with the client's private_key_jwt assertion.
func (c *ukConn) form(ws, path, client, cert string, form url.Values) result {
	c.tb.Helper()
	a, err := c.f.keys[client].Assertion(client, c.base+"/"+ws)
	ukMust(c.tb, err)
	form.Set("client_id", client)
	form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	form.Set("client_assertion", a)
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	return c.do(http.MethodPost, "/"+ws+path, cert, h, []byte(form.Encode()))
}

// ccToken is a client_credentials token bound to the client's certificate.
func (c *ukConn) ccToken(ws, client, scope string) string {
	c.tb.Helper()
	r := c.form(ws, "/token", client, client, url.Values{"grant_type": {"client_credentials"}, "scope": {scope}})
	if r.status != http.StatusOK || r.body["token_type"] != "Bearer" {
		c.tb.Fatalf("client_credentials %s at %s = %d %s", client, ws, r.status, r.raw)
	}
	return r.body["access_token"].(string)
}

// api calls a UK resource (path under the API base) as client with tok,
// and validates the response against our OpenAPI file (tests only).
func (c *ukConn) api(ws, method, path, client, tok string, body []byte, header http.Header) result {
	c.tb.Helper()
	h := http.Header{}
	for k, vs := range header {
		h[k] = vs
	}
	if tok != "" {
		h.Set("Authorization", "Bearer "+tok)
	}
	if body != nil && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	full := "/" + ws + ukBasePaths[ws] + path
	r := c.do(method, full, client, h, body)
	if c.validate {
		v, err := ukSpec()
		ukMust(c.tb, err)
		vreq, _ := http.NewRequest(method, full, nil)
		if err := v[ws].Validate(vreq, r.status, r.header, []byte(r.raw)); err != nil {
			c.tb.Errorf("%s %s: response %d does not match openapi/uk/readwrite/v3.1.11: %v\n%s", method, full, r.status, err, r.raw)
		}
	}
	return r
}

// signed is the TPP's x-jws-signature of body (iss: its client_id, the
// issuer a statically configured client signs with).
func (c *ukConn) signed(client string, body []byte) string {
	c.tb.Helper()
	s, err := uk.NewSigner(c.f.keys[client].JWK, client, ukTAN, nil)
	ukMust(c.tb, err)
	sig, err := s.Sign(body)
	ukMust(c.tb, err)
	return sig
}

// verifyResponse checks our response signature with the workspace's JWKS.
func (c *ukConn) verifyResponse(ws string, r result) {
	c.tb.Helper()
	var set jose.JSONWebKeySet
	j := c.do(http.MethodGet, "/"+ws+"/jwks", "", nil, nil)
	ukMust(c.tb, json.Unmarshal([]byte(j.raw), &set))
	keys := func(_ context.Context, kid string) ([]jose.JSONWebKey, error) { return set.Key(kid), nil }
	p := uk.JWSPolicy{TrustAnchor: ukTAN, Issuers: []string{c.base + "/" + ws}}
	if err := uk.VerifyDetached(context.Background(), r.header.Get("x-jws-signature"), []byte(r.raw), keys, p); err != nil {
		c.tb.Errorf("response signature of a %d answer: %v", r.status, err)
	}
}

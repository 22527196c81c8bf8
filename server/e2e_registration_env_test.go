package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// This file builds the dynamic client registration environment: newEnv's
// server plus one workspace per ecosystem with registration enabled
// ("reg-<eco>"), a test directory or register per ecosystem whose keys are
// committed under testdata/ssa, an initial-access-token issuer
// (testdata/iat), and a TPP host serving the software JWKS over TLS.

// regEcosystems are the ecosystems with a registration workspace.
var regEcosystems = []string{"uk", "ksa", "ofb", "opin", "cdr", "fdx", "generic"}

// Issuers of the test directories and register.
var ssaIssuers = map[string]string{
	"uk": "OpenBanking Ltd", "ksa": "KSA Test Directory", "ofb": "Open Banking Brasil sandbox SSA issuer",
	"opin": "Open Insurance Brasil sandbox SSA issuer", "cdr": "cdr-register", "generic": "https://directory.test",
}

const (
	ukASPSPOrgID = "0015800001041RHAAY" // UK DCR: aud is the ASPSP's OB organisation id
	iatIssuer    = "https://iat.test"
	regRATTTL    = time.Hour // the generic workspace's registration access token lifetime
)

// regEnv is the registration environment.
type regEnv struct {
	*env
	clk  *testClock
	tpp  *httptest.Server
	dir  map[string]*oauthtest.Key // SSA signer per ecosystem (testdata/ssa)
	soft map[string]*oauthtest.Key // software key per ecosystem, served by tpp
	iat  *oauthtest.Key            // initial access token issuer (testdata/iat)
	mu   sync.Mutex
	sets map[string]*jose.JSONWebKeySet // tpp path -> JWKS
}

func wsOf(eco string) string { return "reg-" + eco }

// newRegEnv builds newEnv's configuration, adds the registration
// workspaces and serves them with a server whose HTTP client trusts the TPP
// host and whose clock the test controls (as newClockEnv does).
func newRegEnv(t *testing.T) *regEnv {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	base := "https://" + ts.Listener.Addr().String()
	var cfg *server.Config
	e := newEnv(t, func(c *server.Config) { c.Server.BaseURL = base; cfg = c })
	unused, unusedSrv := e.ts, e.srv
	t.Cleanup(func() { unused.Close(); unusedSrv.Close() })
	re := &regEnv{env: e, clk: &testClock{}, dir: map[string]*oauthtest.Key{}, soft: map[string]*oauthtest.Key{},
		sets: map[string]*jose.JSONWebKeySet{}}
	re.tpp = httptest.NewTLSServer(http.HandlerFunc(re.serveJWKS))
	t.Cleanup(re.tpp.Close)
	var err error
	re.iat, err = oauthtest.LoadPrivateJWKS("../testdata/iat/issuer.private.jwks.json", jose.ES256)
	must(t, err)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "reg-ca.pem")
	must(t, os.WriteFile(caFile, e.ca.PEM(), 0o600))
	for _, eco := range regEcosystems {
		cfg.Workspaces = append(cfg.Workspaces, re.workspace(t, eco, caFile, dir))
	}
	server.ApplyDefaults(cfg)
	must(t, cfg.Validate())
	cfg.Database.DSN = filepath.Join(dir, "reg.db")
	srv, err := server.New(context.Background(), cfg, server.Deps{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: re.clk.Now, HTTPClient: re.tpp.Client(),
	})
	if err != nil {
		ts.Close()
		t.Fatal(err)
	}
	ts.Config.Handler = srv.Handler()
	ts.StartTLS()
	e.ts, e.srv, e.base, e.issuer = ts, srv, base, base+"/ws"
	return re
}

// workspace is the registration workspace of one ecosystem: its SSA
// issuer, a system client admin-<eco> (manage_clients, dcr_manage) and the
// software key and client certificate of its TPP.
func (re *regEnv) workspace(t *testing.T, eco, caFile, dir string) server.WorkspaceConfig {
	t.Helper()
	alg := jose.ES256
	if eco == "ofb" || eco == "opin" {
		alg = jose.PS256 // the Brasil profile signs with PS256 only
	}
	re.soft[eco] = newKey(t, alg)
	re.setJWKS("/"+eco+"/jwks", re.soft[eco].JWKS())
	admin := "admin-" + eco
	re.keys[admin] = newKey(t, jose.ES256)
	adminJWKS := filepath.Join(dir, admin+".jwks.json")
	b, _ := json.Marshal(re.keys[admin].JWKS())
	must(t, os.WriteFile(adminJWKS, b, 0o600))
	cert, err := re.ca.ClientCert(tppSubject(eco, "sw-"+eco, "org-"+eco))
	must(t, err)
	re.certs["tpp-"+eco] = cert
	adminCert, err := re.ca.ClientCert(pkix.Name{CommonName: admin})
	must(t, err)
	re.certs[admin] = adminCert
	wc := server.WorkspaceConfig{
		ID: wsOf(eco), Ecosystem: eco, Profile: "fapi1-advanced", DemoLogin: true, TrustedCAFiles: []string{caFile},
		Scopes: []string{"openid", "accounts", "payments", "consents", "resources", "manage_clients", "dcr_manage"},
		Clients: []server.ClientConfig{{
			ClientID: admin, TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: adminJWKS,
			GrantTypes: []string{"client_credentials"}, Scope: "manage_clients dcr_manage", System: true,
		}},
		Registration: server.RegistrationConfig{Enabled: true},
	}
	if iss, ok := ssaIssuers[eco]; ok {
		re.dir[eco], err = oauthtest.LoadPrivateJWKS("../testdata/ssa/"+eco+".private.jwks.json", jose.PS256)
		must(t, err)
		wc.SoftwareStatementIssuers = []server.SSAIssuerConfig{{Issuer: iss, JWKSFile: "../testdata/ssa/" + eco + ".jwks.json"}}
	}
	switch eco {
	case "uk", "ksa":
		wc.Registration.RequestAudiences = []string{ukASPSPOrgID}
	case "cdr":
		wc.Scopes = []string{"openid", "profile", "bank:accounts.basic:read", "cdr:registration", "manage_clients", "dcr_manage"}
		wc.CDR = server.CDRConfig{BrandID: "brand-1"}
	case "fdx", "generic":
		wc.Profile = "fapi2-security"
	}
	if eco == "generic" {
		f := false
		wc.Registration.RequireMTLS = &f
		wc.Registration.RegistrationAccessTokenTTL = regRATTTL
		wc.Registration.InitialAccessToken = server.InitialAccessTokenConfig{
			Required: true, Issuer: iatIssuer, JWKSFile: "../testdata/iat/issuer.jwks.json", RequireCertificateBinding: true,
		}
	}
	return wc
}

// tppSubject is a TPP certificate subject; the Brasil ecosystems put the
// software id in UID and OFBBR-/OPIBR- + org id in organizationIdentifier.
func tppSubject(eco, softwareID, orgID string) pkix.Name {
	n := pkix.Name{CommonName: "tpp-" + eco, Organization: []string{"TPP"}}
	prefix := map[string]string{"ofb": "OFBBR-", "opin": "OPIBR-"}[eco]
	if prefix != "" {
		n.ExtraNames = []pkix.AttributeTypeAndValue{
			{Type: asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, Value: softwareID},
			{Type: asn1.ObjectIdentifier{2, 5, 4, 97}, Value: prefix + orgID},
		}
	}
	return n
}

func (re *regEnv) serveJWKS(w http.ResponseWriter, r *http.Request) {
	re.mu.Lock()
	set, ok := re.sets[r.URL.Path]
	re.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(set)
}

func (re *regEnv) setJWKS(path string, set *jose.JSONWebKeySet) {
	re.mu.Lock()
	re.sets[path] = set
	re.mu.Unlock()
}

// softJWKSURI is the URL of an ecosystem's software JWKS on the TPP host.
func (re *regEnv) softJWKSURI(eco string) string { return re.tpp.URL + "/" + eco + "/jwks" }

// send makes one request with a raw body, as the TPP of certID.
func (re *regEnv) send(method, path, contentType string, body []byte, header http.Header, certID string) result {
	re.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, re.base+path, rd)
	must(re.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := re.httpClient(certID).Do(req)
	must(re.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// mustJSON marshals v.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return b
}

// token obtains a client_credentials token at eco's workspace for client
// id signing its assertion with k: mTLS-bound with certID, else DPoP-bound
// with dpop. It returns the result and, on success, the access token.
func (re *regEnv) token(eco, id string, k *oauthtest.Key, scope, certID string, dpop *oauthtest.Key) (result, string) {
	re.t.Helper()
	iss := re.base + "/" + wsOf(eco)
	a, err := k.Assertion(id, iss)
	must(re.t, err)
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {id}, "scope": {scope},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a},
	}
	if scope == "" {
		form.Del("scope")
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if dpop != nil {
		p, err := dpop.DPoP(http.MethodPost, iss+"/token", "", "")
		must(re.t, err)
		h.Set("DPoP", p)
	}
	r := re.send(http.MethodPost, "/"+wsOf(eco)+"/token", "", []byte(form.Encode()), h, certID)
	tok, _ := r.body["access_token"].(string)
	return r, tok
}

// adminToken is a token of eco's system client with scope.
func (re *regEnv) adminToken(eco, scope string) string {
	re.t.Helper()
	id := "admin-" + eco
	r, tok := re.token(eco, id, re.keys[id], scope, id, nil)
	if r.status != http.StatusOK {
		re.t.Fatalf("admin token = %d %s", r.status, r.raw)
	}
	return tok
}

// wantRegError asserts an RFC 7591 §3.2.2 (or RFC 6750) error response.
func wantRegError(t *testing.T, r result, status int, code string) {
	t.Helper()
	if r.status != status || r.body["error"] != code {
		t.Fatalf("got %d %v, want %d %s (body %s)", r.status, r.body["error"], status, code, r.raw)
	}
	if d, _ := r.body["error_description"].(string); d == "" || strings.Contains(d, "go-jose") || strings.Contains(d, "sql") {
		t.Errorf("error_description = %q: empty or leaking a cause", d)
	}
}

package server_test

import (
	"bytes"
	"context"
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

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server"
	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// loginsSpec is our OpenAPI file for the system logins API, loaded once:
// every response in these tests is validated against it (style §7).
var loginsSpec = sync.OnceValues(func() (*apikit.ResponseValidator, error) {
	raw, err := os.ReadFile("../openapi/system/logins/v1/openapi.yaml")
	if err != nil {
		return nil, err
	}
	doc, err := apikit.LoadSpec(raw)
	if err != nil {
		return nil, err
	}
	return apikit.NewResponseValidator(doc, "/ws")
})

// systemToken is a client_credentials token for clientID, DPoP-bound to dk
// (FAPI 2.0 SP §5.3.2.1-5: every token is sender-constrained). When the
// workspace requires DPoP nonces it retries once with the server's nonce
// (RFC 9449 §8).
func (e *env) systemToken(clientID, scope string, dk *oauthtest.Key) string {
	e.t.Helper()
	var r result
	for nonce, attempt := "", 0; attempt < 2; attempt++ {
		proof, err := dk.DPoP(http.MethodPost, e.base+"/ws/token", "", nonce)
		must(e.t, err)
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}
		r = e.do(call{path: "/ws/token", form: e.auth(clientID, form), header: http.Header{"DPoP": {proof}}})
		if nonce = r.header.Get("DPoP-Nonce"); r.status != http.StatusBadRequest || nonce == "" {
			break
		}
	}
	if r.status != http.StatusOK || r.body["token_type"] != "DPoP" {
		e.t.Fatalf("client_credentials for %s = %d %s", clientID, r.status, r.raw)
	}
	return r.body["access_token"].(string)
}

// systemCall calls the system logins API with a DPoP-bound token (no token
// when tok is "") and validates every response against our OpenAPI file. A
// use_dpop_nonce answer is retried once with the server's nonce (RFC 9449 §9).
func (e *env) systemCall(method, path, tok string, dk *oauthtest.Key, body any) result {
	e.t.Helper()
	r := e.systemCallOnce(method, path, tok, dk, body, "")
	if n := r.header.Get("DPoP-Nonce"); r.status == http.StatusUnauthorized && tok != "" && n != "" {
		r = e.systemCallOnce(method, path, tok, dk, body, n)
	}
	return r
}

func (e *env) systemCallOnce(method, path, tok string, dk *oauthtest.Key, body any, nonce string) result {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		must(e.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	must(e.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		proof, err := dk.DPoP(method, e.base+path, tok, nonce)
		must(e.t, err)
		req.Header.Set("Authorization", "DPoP "+tok)
		req.Header.Set("DPoP", proof)
	}
	resp, err := e.httpClient("").Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	v, err := loginsSpec()
	must(e.t, err)
	vreq, _ := http.NewRequest(method, path, nil)
	if err := v.Validate(vreq, resp.StatusCode, resp.Header, raw); err != nil {
		e.t.Errorf("%s %s: response %d does not match openapi/system/logins/v1: %v\n%s", method, path, resp.StatusCode, err, raw)
	}
	return r
}

// acceptViaSystemAPI accepts a login the way a bank's login app does: a
// system client's token and POST /system/logins/{id}/accept. It returns
// redirect_to.
func (e *env) acceptViaSystemAPI(loginID string, accept map[string]any) string {
	e.t.Helper()
	dk := newKey(e.t, jose.ES256)
	tok := e.systemToken("system", "manage_logins", dk)
	r := e.systemCall(http.MethodPost, "/ws/system/logins/"+loginID+"/accept", tok, dk, accept)
	to, _ := r.body["redirect_to"].(string)
	if r.status != http.StatusOK || !strings.HasPrefix(to, e.issuer+"/authorize/resume?") {
		e.t.Fatalf("accept = %d %s, want 200 with redirect_to under %s/authorize/resume", r.status, r.raw, e.issuer)
	}
	return to
}

// pendingLogin runs PAR and authorize for pkjwt and returns the flow and login_id.
func (e *env) pendingLogin() (*flow, string) {
	e.t.Helper()
	f := e.newFlow("pkjwt", "", newKey(e.t, jose.ES256))
	r := f.par()
	if r.status != http.StatusCreated {
		e.t.Fatalf("PAR = %d %s", r.status, r.raw)
	}
	id, ar := f.authorize(r.body["request_uri"].(string))
	if id == "" {
		e.t.Fatalf("authorize = %d %s", ar.status, ar.raw)
	}
	return f, id
}

// withNonSystemClient adds "ops", a client registered for manage_logins
// that is not a System client: the scope alone must not open the API.
func withNonSystemClient(t *testing.T, k *oauthtest.Key) envOption {
	b, err := json.Marshal(k.JWKS())
	must(t, err)
	p := filepath.Join(t.TempDir(), "ops.jwks.json")
	must(t, os.WriteFile(p, b, 0o600))
	return func(cfg *server.Config) {
		ws := &cfg.Workspaces[0]
		ws.Clients = append(ws.Clients, server.ClientConfig{
			ClientID: "ops", TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: p,
			GrantTypes: []string{"client_credentials"}, Scope: "manage_logins",
		})
	}
}

func TestSystemLoginsAcceptFlow(t *testing.T) {
	e := newEnv(t)
	dk := newKey(t, jose.ES256)
	tok := e.systemToken("system", "manage_logins", dk)
	f, id := e.pendingLogin()
	path := "/ws/system/logins/" + id

	g := e.systemCall(http.MethodGet, path, tok, dk, nil)
	if g.status != http.StatusOK || g.body["login_id"] != id {
		t.Fatalf("GET login = %d %s", g.status, g.raw)
	}
	if c, _ := g.body["client"].(map[string]any); c["client_id"] != "pkjwt" {
		t.Errorf("client = %v, want client_id pkjwt", g.body["client"])
	}
	if got := g.body["requested_scopes"]; !sameStrings(got, "openid", "accounts") {
		t.Errorf("requested_scopes = %v, want [openid accounts]", got)
	}
	if g.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", g.header.Get("Cache-Control"))
	}

	a := e.systemCall(http.MethodPost, path+"/accept", tok, dk, map[string]any{
		"subject": "alice", "acr": "urn:test:sca", "amr": []string{"pwd"}, "auth_time": 1700000000,
		"granted_scopes": []string{"openid", "accounts"}, "consent": map[string]any{"resources": []string{"acc-1"}},
		"userinfo_claims": map[string]any{"name": "Alice"},
	})
	if a.status != http.StatusOK || !strings.HasPrefix(a.body["redirect_to"].(string), e.issuer+"/authorize/resume?") {
		t.Fatalf("accept = %d %s", a.status, a.raw)
	}
	if u := f.resume(id); u.Query().Get("code") == "" || u.Query().Get("state") != f.state {
		t.Fatalf("resume redirect = %s, want a code and state %s", u, f.state)
	}

	again := e.systemCall(http.MethodPost, path+"/accept", tok, dk, map[string]any{"subject": "alice"})
	wantOAuthError(t, again, http.StatusConflict, "conflict")
	wantOAuthError(t, e.systemCall(http.MethodGet, "/ws/system/logins/unknown-login", tok, dk, nil), http.StatusNotFound, "not_found")
}

func TestSystemLoginsReject(t *testing.T) {
	e := newEnv(t)
	dk := newKey(t, jose.ES256)
	tok := e.systemToken("system", "manage_logins", dk)
	f, id := e.pendingLogin()
	r := e.systemCall(http.MethodPost, "/ws/system/logins/"+id+"/reject", tok, dk,
		map[string]any{"error": "login_required", "error_description": "no session"})
	if r.status != http.StatusOK {
		t.Fatalf("reject = %d %s", r.status, r.raw)
	}
	u := f.resume(id)
	if q := u.Query(); q.Get("error") != "login_required" || q.Get("code") != "" || q.Get("state") != f.state {
		t.Fatalf("client redirect = %s, want error=login_required with state and no code", u)
	}
	wantOAuthError(t, e.systemCall(http.MethodPost, "/ws/system/logins/"+id+"/reject", tok, dk, map[string]any{"error": "access_denied"}), http.StatusConflict, "conflict")
}

// TestSystemLoginsRefusals sends each violating request and asserts the
// exact status and code (style §7); every answer must also match the spec.
func TestSystemLoginsRefusals(t *testing.T) {
	opsKey := newKey(t, jose.ES256)
	e := newEnv(t, withNonSystemClient(t, opsKey))
	e.keys["ops"] = opsKey
	dk := newKey(t, jose.ES256)
	good := e.systemToken("system", "manage_logins", dk)
	consentsOnly := e.systemToken("system", "manage_consents", dk)
	tppTok := e.systemToken("pkjwt", "accounts", dk)
	opsTok := e.systemToken("ops", "manage_logins", dk)
	_, id := e.pendingLogin()
	path := "/ws/system/logins/" + id
	tests := []struct {
		name       string
		giveMethod string
		givePath   string
		giveToken  string
		giveBody   any
		wantStatus int
		wantCode   string
	}{
		{"no token", "GET", path, "", nil, 401, "invalid_token"},
		{"token without manage_logins", "GET", path, consentsOnly, nil, 403, "insufficient_scope"},
		{"token of a non-system client", "GET", path, tppTok, nil, 403, "insufficient_scope"},
		{"manage_logins alone without System", "POST", path + "/accept", opsTok, map[string]any{"subject": "x"}, 403, "insufficient_scope"},
		{"accept without subject", "POST", path + "/accept", good, map[string]any{"acr": "x"}, 400, "invalid_request"},
		{"accept with an unknown field", "POST", path + "/accept", good, map[string]any{"subject": "x", "subjet": "y"}, 400, "invalid_request"},
		{"auth_time as a string", "POST", path + "/accept", good, map[string]any{"subject": "x", "auth_time": "2024-01-01"}, 400, "invalid_request"},
		{"granted scope not requested", "POST", path + "/accept", good, map[string]any{"subject": "x", "granted_scopes": []string{"payments"}}, 400, "invalid_request"},
		{"reject with an unknown error", "POST", path + "/reject", good, map[string]any{"error": "server_error"}, 400, "invalid_request"},
		{"malformed login_id", "GET", "/ws/system/logins/bad.id", good, nil, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.systemCall(tt.giveMethod, tt.givePath, tt.giveToken, dk, tt.giveBody)
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
			if tt.wantStatus == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate (RFC 6750 §3)")
			}
		})
	}
	// The refusals left the login pending: the system client can still read it.
	if r := e.systemCall(http.MethodGet, path, good, dk, nil); r.status != http.StatusOK {
		t.Errorf("after refusals GET = %d %s, want 200", r.status, r.raw)
	}
}

// TestSystemLoginsSenderConstraint: the DPoP-bound token is refused without
// its proof, and a proof for another URL is refused (RFC 9449 §7.1).
func TestSystemLoginsSenderConstraint(t *testing.T) {
	e := newEnv(t)
	dk := newKey(t, jose.ES256)
	tok := e.systemToken("system", "manage_logins", dk)
	_, id := e.pendingLogin()
	path := "/ws/system/logins/" + id
	bearer := e.do(call{method: http.MethodGet, path: path, header: http.Header{"Authorization": {"Bearer " + tok}}})
	wantOAuthError(t, bearer, http.StatusUnauthorized, "invalid_token")
	proof, err := dk.DPoP(http.MethodGet, e.base+"/ws/system/logins/other", tok, "")
	must(t, err)
	wrongURL := e.do(call{method: http.MethodGet, path: path, header: http.Header{"Authorization": {"DPoP " + tok}, "DPoP": {proof}}})
	wantOAuthError(t, wrongURL, http.StatusUnauthorized, "invalid_dpop_proof")
	if !strings.HasPrefix(wrongURL.header.Get("WWW-Authenticate"), "DPoP ") {
		t.Errorf("WWW-Authenticate = %q, want a DPoP challenge", wrongURL.header.Get("WWW-Authenticate"))
	}
}

func sameStrings(v any, want ...string) bool {
	got, _ := v.([]any)
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		if got[i] != w {
			return false
		}
	}
	return true
}

// TestSystemLoginsDPoPNonce: with server nonces required, the API answers a
// proof without one with 401 use_dpop_nonce, a DPoP challenge and a fresh
// DPoP-Nonce (RFC 9449 §9), in the spec's 401 shape; the retry succeeds.
func TestSystemLoginsDPoPNonce(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.Workspaces[0].DPoP.RequireNonce = true })
	dk := newKey(t, jose.ES256)
	tok := e.systemToken("system", "manage_logins", dk)
	path := "/ws/system/logins/unknown-login"
	r := e.systemCallOnce(http.MethodGet, path, tok, dk, nil, "")
	wantOAuthError(t, r, http.StatusUnauthorized, "use_dpop_nonce")
	if r.header.Get("DPoP-Nonce") == "" || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "DPoP ") {
		t.Errorf("headers = %v, want DPoP-Nonce and a DPoP challenge", r.header)
	}
	wantOAuthError(t, e.systemCall(http.MethodGet, path, tok, dk, nil), http.StatusNotFound, "not_found")
}

// TestDemoConfigMountsEveryDemoPage starts the `make run` configuration and
// asks every workspace's demo page for an unknown login: a 404 page proves
// the page obtained a system token (DPoP or mTLS, per profile) and reached
// the system API.
func TestDemoConfigMountsEveryDemoPage(t *testing.T) {
	cfg, err := server.Parse("../cmd/openconsent/demo.yaml")
	must(t, err)
	dir := t.TempDir()
	cfg.Database.DSN = filepath.Join(dir, "demo.db")
	cfg.Secret, cfg.SecretFile = testSecret, ""
	for i := range cfg.Workspaces {
		w := &cfg.Workspaces[i] // the file's paths are relative to the repository root
		if w.DemoSystemPrivateJWKS != "" {
			w.DemoSystemPrivateJWKS = filepath.Join("..", w.DemoSystemPrivateJWKS)
		}
		for j := range w.Clients {
			if f := w.Clients[j].JWKSFile; f != "" {
				w.Clients[j].JWKSFile = filepath.Join("..", f)
			}
		}
		for j := range w.SoftwareStatementIssuers {
			if f := w.SoftwareStatementIssuers[j].JWKSFile; f != "" {
				w.SoftwareStatementIssuers[j].JWKSFile = filepath.Join("..", f)
			}
		}
	}
	must(t, cfg.Validate())
	srv, err := server.New(context.Background(), cfg, server.Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, err)
	t.Cleanup(srv.Close)
	for _, w := range cfg.Workspaces {
		if !w.DemoLogin {
			continue
		}
		t.Run(w.ID, func(t *testing.T) {
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, cfg.Server.BaseURL+"/"+w.ID+"/demo/login?login_id=unknown", nil))
			if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "Login not found") {
				t.Errorf("demo page = %d %s, want the 404 page from the system API", rec.Code, rec.Body)
			}
		})
	}
}

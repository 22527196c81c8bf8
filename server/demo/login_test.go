package demo_test

import (
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
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server"
	"github.com/openconsent/openconsent/server/oauthtest"
)

const (
	base        = "https://as.test"
	redirectURI = "https://client.test/cb"
)

// demoEnv is a server with three demo workspaces: FAPI 2.0 (the page uses
// DPoP), FAPI 1.0 Advanced (no DPoP: the page uses mTLS) and one without a
// demo system client.
type demoEnv struct {
	t   *testing.T
	h   http.Handler
	tpp *oauthtest.Key
}

func newDemoEnv(t *testing.T) *demoEnv {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tpp, sys := newKey(t), newKey(t)
	tppJWKS, sysJWKS := write("tpp.json", tpp.JWKS()), write("sys.json", sys.JWKS())
	sysPrivate := write("sys.private.json", jose.JSONWebKeySet{Keys: []jose.JSONWebKey{sys.JWK}})
	workspace := func(id, profile string, withSystem bool) server.WorkspaceConfig {
		wc := server.WorkspaceConfig{
			ID: id, Ecosystem: "generic", Profile: profile, DemoLogin: true,
			Scopes: []string{"openid", "accounts", "manage_logins"},
			Clients: []server.ClientConfig{{
				ClientID: "tpp", Name: `Demo <TPP> & Co`, TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: tppJWKS,
				RedirectURIs: []string{redirectURI}, Scope: "openid accounts", AuthorizationSignedResponseAlg: "PS256",
			}},
		}
		if withSystem {
			wc.DemoSystemClient, wc.DemoSystemPrivateJWKS = "login-app", sysPrivate
			wc.Clients = append(wc.Clients, server.ClientConfig{
				ClientID: "login-app", TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: sysJWKS,
				GrantTypes: []string{"client_credentials"}, Scope: "manage_logins", System: true,
			})
		}
		return wc
	}
	cfg := &server.Config{
		Server:   server.ServerConfig{BaseURL: base},
		Database: server.DatabaseConfig{Driver: "sqlite", DSN: filepath.Join(dir, "oc.db")},
		Secret:   strings.Repeat("s", 32),
		Workspaces: []server.WorkspaceConfig{
			workspace("fapi2", "fapi2-security", true),
			workspace("fapi1", "fapi1-advanced", true),
			workspace("bare", "fapi2-security", false),
		},
	}
	server.ApplyDefaults(cfg)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(context.Background(), cfg, server.Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return &demoEnv{t: t, h: srv.Handler(), tpp: tpp}
}

func newKey(t *testing.T) *oauthtest.Key {
	t.Helper()
	k, err := oauthtest.NewKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (e *demoEnv) serve(method, path string, form url.Values) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// login pushes a signed authorization request for tpp and follows
// /authorize to the demo page; it returns the login_id.
func (e *demoEnv) login(ws string) string {
	t := e.t
	t.Helper()
	issuer := base + "/" + ws
	_, challenge := oauthtest.PKCE()
	params := map[string]any{
		"response_type": "code", "redirect_uri": redirectURI, "scope": "openid accounts",
		"state": "st-1", "nonce": "n-1", "code_challenge": challenge, "code_challenge_method": "S256",
	}
	if ws == "fapi1" {
		params["response_mode"] = "jwt" // FAPI 1.0 Adv §5.2.2-2: code needs JARM
	}
	ro, err := e.tpp.RequestObject("tpp", issuer, params)
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.tpp.Assertion("tpp", issuer)
	if err != nil {
		t.Fatal(err)
	}
	par := e.serve(http.MethodPost, "/"+ws+"/par", url.Values{
		"client_id": {"tpp"}, "request": {ro}, "client_assertion": {a},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
	})
	var pr struct {
		RequestURI string `json:"request_uri"`
	}
	if par.Code != http.StatusCreated || json.Unmarshal(par.Body.Bytes(), &pr) != nil {
		t.Fatalf("%s PAR = %d %s", ws, par.Code, par.Body)
	}
	az := e.serve(http.MethodGet, "/"+ws+"/authorize?"+url.Values{"client_id": {"tpp"}, "request_uri": {pr.RequestURI}}.Encode(), nil)
	loc, _ := url.Parse(az.Header().Get("Location"))
	if az.Code != http.StatusSeeOther || loc == nil || loc.Path != "/"+ws+"/demo/login" {
		t.Fatalf("%s authorize = %d to %q, want 303 to the demo page", ws, az.Code, az.Header().Get("Location"))
	}
	return loc.Query().Get("login_id")
}

func TestDemoLoginAcceptAndReject(t *testing.T) {
	e := newDemoEnv(t)
	for _, ws := range []string{"fapi2", "fapi1"} {
		t.Run(ws, func(t *testing.T) {
			e.t = t
			id := e.login(ws)
			page := e.serve(http.MethodGet, "/"+ws+"/demo/login?login_id="+id, nil)
			html := page.Body.String()
			if page.Code != http.StatusOK {
				t.Fatalf("GET demo login = %d %s", page.Code, html)
			}
			for _, want := range []string{"Demo &lt;TPP&gt; &amp; Co", "<li>accounts</li>", `value="demo-user"`, `value="acc-001,acc-002"`, `value="` + id + `"`} {
				if !strings.Contains(html, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if strings.Contains(html, "<TPP>") || strings.Contains(html, "<script") {
				t.Error("page contains unescaped client data or script")
			}
			if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy = %q, want default-src 'none'", csp)
			}

			form := url.Values{"login_id": {id}, "subject": {"alice"}, "accounts": {"acc-1, acc-2"}, "action": {"accept"}}
			acc := e.serve(http.MethodPost, "/"+ws+"/demo/login", form)
			want := base + "/" + ws + "/authorize/resume?login_id=" + id
			if acc.Code != http.StatusSeeOther || acc.Header().Get("Location") != want {
				t.Fatalf("POST accept = %d to %q, want 303 to %s (%s)", acc.Code, acc.Header().Get("Location"), want, acc.Body)
			}
			if again := e.serve(http.MethodPost, "/"+ws+"/demo/login", form); again.Code != http.StatusConflict {
				t.Errorf("second accept = %d, want 409", again.Code)
			}

			id2 := e.login(ws)
			rj := e.serve(http.MethodPost, "/"+ws+"/demo/login", url.Values{"login_id": {id2}, "action": {"reject"}})
			if rj.Code != http.StatusSeeOther || !strings.Contains(rj.Header().Get("Location"), "/authorize/resume?login_id="+id2) {
				t.Fatalf("POST reject = %d to %q", rj.Code, rj.Header().Get("Location"))
			}
		})
	}
}

func TestDemoLoginRefusals(t *testing.T) {
	e := newDemoEnv(t)
	id := e.login("fapi2")
	tests := []struct {
		name       string
		giveMethod string
		givePath   string
		giveForm   url.Values
		wantStatus int
	}{
		{"unknown login", "GET", "/fapi2/demo/login?login_id=nope", nil, http.StatusNotFound},
		{"malformed login_id", "GET", "/fapi2/demo/login?login_id=../../token", nil, http.StatusBadRequest},
		{"empty subject", "POST", "/fapi2/demo/login", url.Values{"login_id": {id}, "subject": {" "}, "action": {"accept"}}, http.StatusOK},
		{"unknown action", "POST", "/fapi2/demo/login", url.Values{"login_id": {id}, "action": {"maybe"}}, http.StatusBadRequest},
		{"no demo system client", "GET", "/bare/demo/login?login_id=" + id, nil, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := e.serve(tt.giveMethod, tt.givePath, tt.giveForm); r.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d (%s)", r.Code, tt.wantStatus, r.Body)
			}
		})
	}
	// None of the refusals decided the login.
	if r := e.serve(http.MethodGet, "/fapi2/demo/login?login_id="+id, nil); r.Code != http.StatusOK {
		t.Errorf("login after refusals = %d, want 200 (still pending)", r.Code)
	}
}

func TestDemoCallbackEscapes(t *testing.T) {
	e := newDemoEnv(t)
	r := e.serve(http.MethodGet, "/fapi2/demo/callback?"+url.Values{"code": {"<script>x</script>"}, "state": {"s&1"}}.Encode(), nil)
	html := r.Body.String()
	if r.Code != http.StatusOK || !strings.Contains(html, "&lt;script&gt;x&lt;/script&gt;") || !strings.Contains(html, "s&amp;1") {
		t.Fatalf("callback = %d %s, want the parameters shown escaped", r.Code, html)
	}
	if strings.Contains(html, "<script>") {
		t.Error("callback reflects a script tag")
	}
	if r.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy = %q, want no-referrer (the URL holds the code)", r.Header().Get("Referrer-Policy"))
	}
}

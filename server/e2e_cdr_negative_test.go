package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/openconsent/openconsent/server"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// cdrPAR pushes a request object with the given parameter overrides and
// returns the PAR response.
func (c *cdrClient) cdrPAR(over map[string]any) result {
	_, ch := oauthtest.PKCE()
	p := map[string]any{
		"response_type": "code", "response_mode": "jwt", "redirect_uri": redirectURI,
		"scope": "openid bank:accounts.basic:read", "state": "st", "nonce": "n",
		"code_challenge": ch, "code_challenge_method": "S256",
		"claims": map[string]any{"sharing_duration": 3600},
	}
	for k, v := range over {
		if v == nil {
			delete(p, k)
			continue
		}
		p[k] = v
	}
	ro, err := c.key.RequestObject(c.id, c.iss, p)
	must(c.e.t, err)
	return c.post("/par", url.Values{"request": {ro}})
}

func TestCDRAuthorizationRules(t *testing.T) {
	e, _, _, _ := cdrEnv(t, 0)
	adr, adr2 := e.cdrClient("adr"), e.cdrClient("adr2")
	code, ver := adr.authorize("cust-1", map[string]any{"sharing_duration": 3600})
	arrID := adr.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {ver}}).body["cdr_arrangement_id"].(string)
	tests := []struct {
		name     string
		give     *cdrClient
		giveOver map[string]any
		wantCode string
	}{
		{"valid", adr, nil, ""},
		{"code without JARM", adr, map[string]any{"response_mode": nil}, "invalid_request"},
		{"hybrid not enabled", adr, map[string]any{"response_type": "code id_token"}, "unsupported_response_type"},
		{"negative sharing_duration", adr, map[string]any{"claims": map[string]any{"sharing_duration": -1}}, "invalid_request"},
		{"fractional sharing_duration", adr, map[string]any{"claims": map[string]any{"sharing_duration": 1.5}}, "invalid_request"},
		{"unknown cdr_arrangement_id", adr, map[string]any{"claims": map[string]any{"sharing_duration": 60, "cdr_arrangement_id": "nope"}}, "invalid_request"},
		{"another client's cdr_arrangement_id", adr2, map[string]any{"claims": map[string]any{"sharing_duration": 60, "cdr_arrangement_id": arrID}}, "invalid_request"},
		{"own cdr_arrangement_id", adr, map[string]any{"claims": map[string]any{"sharing_duration": 60, "cdr_arrangement_id": arrID}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.give.cdrPAR(tt.giveOver)
			if tt.wantCode == "" {
				if r.status != http.StatusCreated {
					t.Fatalf("PAR = %d %s, want 201", r.status, r.raw)
				}
				return
			}
			wantOAuthError(t, r, http.StatusBadRequest, tt.wantCode)
		})
	}
}

func TestCDRSharingDurationRules(t *testing.T) {
	e, _, _, _ := cdrEnv(t, 0)
	adr := e.cdrClient("adr")
	redeem := func(claims map[string]any) result {
		code, ver := adr.authorize("cust-1", claims)
		return adr.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {ver}})
	}
	// 0 or absent: once-off, no refresh token.
	for name, claims := range map[string]map[string]any{"zero": {"sharing_duration": 0}, "absent": {}} {
		if r := redeem(claims); r.status != http.StatusOK || r.body["refresh_token"] != nil || r.body["cdr_arrangement_id"] == nil {
			t.Errorf("%s sharing_duration: token = %s, want an arrangement and no refresh token", name, r.raw)
		}
	}
	// Over a year counts as a year: the refresh token expires in 365 days.
	r := redeem(map[string]any{"sharing_duration": 10 * 365 * 86400})
	in := adr.post("/introspect", url.Values{"token": {r.body["refresh_token"].(string)}})
	exp := int64(in.body["exp"].(float64))
	if want := nowUnix() + 365*86400; abs(exp-want) > 120 {
		t.Errorf("refresh exp = %d, want about %d (one year)", exp, want)
	}
	// Amending another customer's arrangement is refused at accept.
	code, ver := adr.authorize("cust-1", map[string]any{"sharing_duration": 600})
	arrID := adr.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {ver}}).body["cdr_arrangement_id"].(string)
	par := adr.cdrPAR(map[string]any{"claims": map[string]any{"sharing_duration": 600, "cdr_arrangement_id": arrID}})
	f := &flow{e: e, clientID: "adr", hc: adr.hc}
	loginID, _ := f.authorizeAt("/cdr", par.body["request_uri"].(string))
	w, _ := e.srv.Workspace("cdr")
	if _, err := w.Provider.AcceptLogin(context.Background(), loginID, acceptFor("cust-2")); err == nil || !strings.Contains(err.Error(), "another customer") {
		t.Fatalf("accept by another customer = %v, want refused", err)
	}
}

func TestCDRClientAuthAndDiscovery(t *testing.T) {
	e, _, _, _ := cdrEnv(t, 0)
	d := e.do(call{method: "GET", path: "/cdr/.well-known/openid-configuration"})
	if d.body["cdr_arrangement_revocation_endpoint"] != e.base+"/cdr/arrangements/revoke" {
		t.Errorf("cdr_arrangement_revocation_endpoint = %v", d.body["cdr_arrangement_revocation_endpoint"])
	}
	if m, _ := d.body["token_endpoint_auth_methods_supported"].([]any); len(m) != 1 || m[0] != "private_key_jwt" {
		t.Errorf("token_endpoint_auth_methods_supported = %v, want [private_key_jwt]", m)
	}
	if d.body["require_pushed_authorization_requests"] != true {
		t.Error("PAR not required")
	}
	// A request object by value at /authorize is refused (PAR only).
	adr := e.cdrClient("adr")
	ro, err := e.keys["adr"].RequestObject("adr", adr.iss, map[string]any{"response_type": "code", "response_mode": "jwt", "redirect_uri": redirectURI, "scope": "openid"})
	must(t, err)
	r := e.do(call{method: "GET", path: "/cdr/authorize?" + url.Values{"client_id": {"adr"}, "request": {ro}}.Encode(), client: adr.hc})
	if r.status == http.StatusSeeOther || r.status == http.StatusFound {
		t.Fatalf("authorize with request by value redirected (%d)", r.status)
	}
}

func TestCDRConfigLimits(t *testing.T) {
	tests := []struct {
		name      string
		give      func(*server.WorkspaceConfig)
		wantField string
	}{
		{"access token too long", func(w *server.WorkspaceConfig) { w.Tokens.AccessTokenLifetime = 30 * 60e9 }, "tokens.access_token_lifetime"},
		{"request_uri too long", func(w *server.WorkspaceConfig) { w.Tokens.RequestURILifetime = 120e9 }, "tokens.request_uri_lifetime"},
		{"rotation", func(w *server.WorkspaceConfig) { w.Tokens.RefreshTokenRotation = true }, "tokens.refresh_token_rotation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &server.Config{Server: server.ServerConfig{BaseURL: "https://as.test"}, Secret: testSecret,
				Workspaces: []server.WorkspaceConfig{{ID: "cdr", Ecosystem: "cdr", Profile: "fapi1-advanced", DemoLogin: true}}}
			server.ApplyDefaults(cfg)
			if err := cfg.Validate(); err != nil {
				t.Fatalf("baseline invalid: %v", err)
			}
			tt.give(&cfg.Workspaces[0])
			if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tt.wantField) {
				t.Fatalf("Validate = %v, want it to name %s", err, tt.wantField)
			}
		})
	}
}

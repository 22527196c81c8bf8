package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server"
)

// cdrEnv starts the server with a CDR workspace and a test recipient that
// fails its first `failures` deliveries.
func cdrEnv(t *testing.T, failures int) (*env, *cdrRecipient, *testClock, *server.Config) {
	t.Helper()
	rc := &cdrRecipient{failures: failures}
	rs := httptest.NewServer(rc)
	t.Cleanup(rs.Close)
	fx := &cdrFixture{}
	var cfg *server.Config
	e, clk := newClockEnv(t, withCDR(t, fx, t.TempDir(), rs.URL), func(c *server.Config) { cfg = c })
	fx.adopt(e)
	return e, rc, clk, cfg
}

func (c *cdrClient) token(v url.Values) result {
	return c.post("/token", v)
}

func TestCDRArrangementLifecycle(t *testing.T) {
	e, rc, _, _ := cdrEnv(t, 0)
	adr := e.cdrClient("adr")
	code, ver := adr.authorize("cust-1", map[string]any{"sharing_duration": 86400})
	tok := adr.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {ver}})
	if tok.status != http.StatusOK {
		t.Fatalf("token = %d %s", tok.status, tok.raw)
	}
	arrID, _ := tok.body["cdr_arrangement_id"].(string)
	rt, _ := tok.body["refresh_token"].(string)
	if arrID == "" || rt == "" || tok.body["token_type"] != "Bearer" {
		t.Fatalf("token response = %s, want cdr_arrangement_id, refresh_token, mTLS-bound Bearer", tok.raw)
	}
	for _, forbidden := range []string{"sharing_expires_at", "refresh_token_expires_at"} {
		if _, ok := jwtClaims(t, tok.body["id_token"].(string))[forbidden]; ok {
			t.Errorf("ID token carries %s (removed in CDS 1.30.0)", forbidden)
		}
	}

	// Refresh: same arrangement id, the refresh token is not rotated.
	rf := adr.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if rf.status != http.StatusOK || rf.body["cdr_arrangement_id"] != arrID {
		t.Fatalf("refresh = %d %s, want cdr_arrangement_id %s", rf.status, rf.raw, arrID)
	}
	if got, ok := rf.body["refresh_token"]; ok && got != rt {
		t.Errorf("refresh token rotated: %v", got)
	}

	// Introspection: only refresh tokens; exp is the end of the sharing duration.
	in := adr.post("/introspect", url.Values{"token": {rt}})
	want := map[string]bool{"active": true, "exp": true, "scope": true, "cdr_arrangement_id": true}
	for k := range in.body {
		if !want[k] {
			t.Errorf("introspection has %q (CDS: active, exp, scope, cdr_arrangement_id only)", k)
		}
	}
	if in.body["active"] != true || in.body["cdr_arrangement_id"] != arrID {
		t.Fatalf("refresh token introspection = %s", in.raw)
	}
	if exp := int64(in.body["exp"].(float64)); abs(exp-time.Now().Add(24*time.Hour).Unix()) > 120 {
		t.Errorf("refresh token exp = %d, want the end of the sharing duration (now + 24h)", exp)
	}
	if at := adr.post("/introspect", url.Values{"token": {tok.body["access_token"].(string)}}); at.body["active"] != false || len(at.body) != 1 {
		t.Errorf("access token introspection = %s, want {\"active\":false}", at.raw)
	}

	// Amend with cdr_arrangement_id: same id, old tokens revoked.
	code2, ver2 := adr.authorize("cust-1", map[string]any{"sharing_duration": 2 * 86400, "cdr_arrangement_id": arrID})
	tok2 := adr.token(url.Values{"grant_type": {"authorization_code"}, "code": {code2}, "redirect_uri": {redirectURI}, "code_verifier": {ver2}})
	if tok2.status != http.StatusOK || tok2.body["cdr_arrangement_id"] != arrID {
		t.Fatalf("amended token = %d %s, want the same arrangement id", tok2.status, tok2.raw)
	}
	if old := adr.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); old.body["error"] != "invalid_grant" {
		t.Fatalf("old refresh token after amendment = %s, want invalid_grant", old.raw)
	}

	// The recipient revokes: 204, then refresh is refused; no notification back.
	rv := e.do(call{path: "/cdr/arrangements/revoke", form: adr.form(e.base+"/cdr/arrangements/revoke", url.Values{"cdr_arrangement_id": {arrID}}), client: adr.hc})
	if rv.status != http.StatusNoContent {
		t.Fatalf("arrangement revocation = %d %s", rv.status, rv.raw)
	}
	if r := adr.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok2.body["refresh_token"].(string)}}); r.body["error"] != "invalid_grant" {
		t.Fatalf("refresh after revocation = %s, want invalid_grant", r.raw)
	}
	if n, _ := e.srv.DeliverDue(context.Background()); n != 0 || rc.calls != 0 {
		t.Errorf("recipient-initiated revocation notified the recipient (%d, %d calls)", n, rc.calls)
	}
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestCDRArrangementRevocationErrors(t *testing.T) {
	e, _, _, _ := cdrEnv(t, 0)
	adr, adr2 := e.cdrClient("adr"), e.cdrClient("adr2")
	code, ver := adr.authorize("cust-1", map[string]any{"sharing_duration": 3600})
	tok := adr.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {ver}})
	arrID := tok.body["cdr_arrangement_id"].(string)
	revoke := func(c *cdrClient, form url.Values) result {
		return e.do(call{path: "/cdr/arrangements/revoke", form: c.form(e.base+"/cdr/arrangements/revoke", form), client: c.hc})
	}
	tests := []struct {
		name       string
		giveClient *cdrClient
		giveForm   url.Values
		wantStatus int
		wantCode   string
	}{
		{"missing id", adr, url.Values{}, http.StatusBadRequest, "urn:au-cds:error:cds-all:Field/Missing"},
		{"unknown id", adr, url.Values{"cdr_arrangement_id": {"nope"}}, http.StatusUnprocessableEntity, "urn:au-cds:error:cds-all:Authorisation/InvalidArrangement"},
		{"another client's", adr2, url.Values{"cdr_arrangement_id": {arrID}}, http.StatusUnprocessableEntity, "urn:au-cds:error:cds-all:Authorisation/InvalidArrangement"},
		{"valid", adr, url.Values{"cdr_arrangement_id": {arrID}}, http.StatusNoContent, ""},
		{"already revoked", adr, url.Values{"cdr_arrangement_id": {arrID}}, http.StatusUnprocessableEntity, "urn:au-cds:error:cds-all:Authorisation/InvalidArrangement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := revoke(tt.giveClient, tt.giveForm)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", r.status, r.raw, tt.wantStatus)
			}
			if tt.wantCode == "" {
				return
			}
			errs, _ := r.body["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["code"] != tt.wantCode {
				t.Fatalf("body = %s, want errors[0].code %s", r.raw, tt.wantCode)
			}
		})
	}
	// Without client authentication the endpoint refuses.
	r := e.do(call{path: "/cdr/arrangements/revoke", form: url.Values{"cdr_arrangement_id": {arrID}}, client: adr.hc})
	wantOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
}

func TestCDRHolderRevocationNotifiesRecipient(t *testing.T) {
	e, rc, clk, cfg := cdrEnv(t, 2)
	adr := e.cdrClient("adr")
	code, ver := adr.authorize("cust-9", map[string]any{"sharing_duration": 3600})
	tok := adr.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {ver}})
	arrID := tok.body["cdr_arrangement_id"].(string)

	// The bank revokes every arrangement of the customer through the system API.
	sys := e.cdrClient("cdr-system")
	st := sys.token(url.Values{"grant_type": {"client_credentials"}, "scope": {"manage_consents"}})
	if st.status != http.StatusOK {
		t.Fatalf("system token = %d %s", st.status, st.raw)
	}
	body := `{"subject":"cust-9","actor":"ops-1","reason":"customer request"}`
	req, _ := http.NewRequest(http.MethodPost, e.base+"/cdr/system/consents/revoke-all", stringsReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+st.body["access_token"].(string))
	resp, err := sys.hc.Do(req)
	must(t, err)
	var out struct{ Revoked []string }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(out.Revoked) != 1 || out.Revoked[0] != arrID {
		t.Fatalf("revoke-all = %d %v, want [%s]", resp.StatusCode, out.Revoked, arrID)
	}

	// Delivery fails twice (503), retried with backoff, then survives a restart.
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if n, err := e.srv.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("attempt %d: delivered %d, %v", i+1, n, err)
		}
		if n, _ := e.srv.DeliverDue(ctx); n != 0 {
			t.Fatal("retried before its backoff")
		}
		clk.Advance(5 * time.Minute)
	}
	restarted, err := server.New(ctx, cfg, server.Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clk.Now})
	must(t, err)
	defer restarted.Close()
	if n, err := restarted.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("after restart: delivered %d, %v", n, err)
	}
	if rc.calls != 3 || len(rc.bearers) != 1 {
		t.Fatalf("recipient saw %d calls, %d successes; want 3 and 1", rc.calls, len(rc.bearers))
	}
	if n, _ := restarted.DeliverDue(ctx); n != 0 {
		t.Fatal("a delivered notification was sent again")
	}

	// The outbox is visible in the system API (a fresh token: the clock moved on).
	now := clk.Now()
	a, err := e.keys["cdr-system"].Sign(map[string]any{"iss": "cdr-system", "sub": "cdr-system", "aud": sys.iss, "jti": "late-1",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}, "", false)
	must(t, err)
	st = e.do(call{path: "/cdr/token", client: sys.hc, form: url.Values{"grant_type": {"client_credentials"}, "scope": {"manage_consents"},
		"client_id": {"cdr-system"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}})
	nreq, _ := http.NewRequest(http.MethodGet, e.base+"/cdr/system/notifications?status=delivered", nil)
	nreq.Header.Set("Authorization", "Bearer "+st.body["access_token"].(string))
	nresp, err := sys.hc.Do(nreq)
	must(t, err)
	var page struct {
		Data []struct {
			ConsentID string `json:"consent_id"`
			Attempts  int
			Status    string
		}
	}
	_ = json.NewDecoder(nresp.Body).Decode(&page)
	nresp.Body.Close()
	if nresp.StatusCode != http.StatusOK || len(page.Data) != 1 || page.Data[0].ConsentID != arrID || page.Data[0].Attempts != 3 {
		t.Errorf("notifications = %d %+v, want one delivered after 3 attempts for %s", nresp.StatusCode, page.Data, arrID)
	}

	// The recipient checks the JWTs: signed by the holder (its JWKS), iss = sub = brand, aud = the full URL.
	jwks := e.do(call{method: "GET", path: "/cdr/jwks"})
	var set jose.JSONWebKeySet
	must(t, json.Unmarshal([]byte(jwks.raw), &set))
	target := rcURL(cfg) + "/adr/arrangements/revoke"
	for name, tokStr := range map[string]string{"bearer": rc.bearers[0], "cdr_arrangement_jwt": rc.jwts[0]} {
		jws, err := jose.ParseSigned(tokStr, []jose.SignatureAlgorithm{jose.PS256})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		keys := set.Key(jws.Signatures[0].Header.KeyID)
		if len(keys) == 0 {
			t.Fatalf("%s: kid not in the holder JWKS", name)
		}
		payload, err := jws.Verify(keys[0].Key)
		must(t, err)
		var c map[string]any
		must(t, json.Unmarshal(payload, &c))
		if c["iss"] != "brand-1" || c["sub"] != "brand-1" || c["aud"] != target || c["jti"] == nil || c["exp"] == nil {
			t.Errorf("%s claims = %v, want iss = sub = brand-1, aud %s, jti, exp", name, c, target)
		}
		if name == "cdr_arrangement_jwt" && c["cdr_arrangement_id"] != arrID {
			t.Errorf("cdr_arrangement_jwt names %v, want %s", c["cdr_arrangement_id"], arrID)
		}
	}
}

// rcURL finds the recipient base from the config (the adr client's metadata).
func rcURL(cfg *server.Config) string {
	for _, w := range cfg.Workspaces {
		for _, c := range w.Clients {
			if c.ClientID == "adr" {
				u, _ := c.Metadata["recipient_base_uri"].(string)
				return u[:len(u)-len("/adr")]
			}
		}
	}
	return ""
}

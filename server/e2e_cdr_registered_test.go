package server_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestCDRFullFlowWithRegisteredClient is issue 7's full flow: register with
// a CDR SSA → PAR with sharing_duration → accept → token (with
// cdr_arrangement_id) → refresh (same id, same refresh token) → introspect
// the refresh token → amend with cdr_arrangement_id (old tokens revoked) →
// the recipient revokes → 204 → refresh refused.
func TestCDRFullFlowWithRegisteredClient(t *testing.T) {
	re := newRegEnv(t)
	ssa := re.signSSA("cdr", re.ssaClaims("cdr", "sw-full-flow"))
	m := re.metadata("cdr")
	m["request_object_signing_alg"] = string(re.soft["cdr"].Alg) // signed with the software key
	ct, body := re.request("cdr", ssa, m)
	reg := re.register("cdr", ct, body, nil)
	if reg.status != http.StatusCreated {
		t.Fatalf("register = %d %s", reg.status, reg.raw)
	}
	clientID := reg.body["client_id"].(string)
	adr := re.env.cdrClientAt(wsOf("cdr"), clientID, re.soft["cdr"], "tpp-cdr")
	redeem := func(code, ver string) result {
		return adr.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {adr.redirectURI()}, "code_verifier": {ver}})
	}

	code, ver := adr.authorize("cust-1", map[string]any{"sharing_duration": 7 * 86400})
	tok := redeem(code, ver)
	arrID, _ := tok.body["cdr_arrangement_id"].(string)
	rt, _ := tok.body["refresh_token"].(string)
	if tok.status != http.StatusOK || arrID == "" || rt == "" {
		t.Fatalf("token = %d %s", tok.status, tok.raw)
	}
	rf := adr.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if rf.status != http.StatusOK || rf.body["cdr_arrangement_id"] != arrID {
		t.Fatalf("refresh = %d %s", rf.status, rf.raw)
	}
	if got, ok := rf.body["refresh_token"]; ok && got != rt {
		t.Fatalf("refresh token rotated")
	}
	in := adr.post("/introspect", url.Values{"token": {rt}})
	if in.body["active"] != true || in.body["cdr_arrangement_id"] != arrID || in.body["username"] != nil {
		t.Fatalf("introspection = %s", in.raw)
	}
	code2, ver2 := adr.authorize("cust-1", map[string]any{"sharing_duration": 14 * 86400, "cdr_arrangement_id": arrID})
	tok2 := redeem(code2, ver2)
	if tok2.status != http.StatusOK || tok2.body["cdr_arrangement_id"] != arrID {
		t.Fatalf("amended token = %d %s", tok2.status, tok2.raw)
	}
	if r := adr.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); r.body["error"] != "invalid_grant" {
		t.Fatalf("old refresh token after amendment = %s, want invalid_grant", r.raw)
	}
	revokeURL := re.base + "/" + wsOf("cdr") + "/arrangements/revoke"
	rv := re.do(call{path: "/" + wsOf("cdr") + "/arrangements/revoke", form: adr.form(revokeURL, url.Values{"cdr_arrangement_id": {arrID}}), client: adr.hc})
	if rv.status != http.StatusNoContent {
		t.Fatalf("arrangement revocation = %d %s", rv.status, rv.raw)
	}
	if r := adr.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok2.body["refresh_token"].(string)}}); r.body["error"] != "invalid_grant" {
		t.Fatalf("refresh after revocation = %s, want invalid_grant", r.raw)
	}
}

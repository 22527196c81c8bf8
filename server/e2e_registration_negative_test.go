package server_test

import (
	"crypto/x509/pkix"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/oauth"
)

func testRegistrationDiscovery(t *testing.T, re *regEnv) {
	for _, eco := range regEcosystems {
		r := re.send(http.MethodGet, "/"+wsOf(eco)+"/.well-known/openid-configuration", "", nil, nil, "")
		want := re.base + "/" + wsOf(eco) + "/register"
		aliases, _ := r.body["mtls_endpoint_aliases"].(map[string]any)
		if r.body["registration_endpoint"] != want || aliases["registration_endpoint"] != want {
			t.Errorf("%s discovery registration_endpoint = %v, alias %v; want %s", eco, r.body["registration_endpoint"], aliases["registration_endpoint"], want)
		}
	}
	r := re.send(http.MethodGet, "/ws/.well-known/openid-configuration", "", nil, nil, "")
	if _, ok := r.body["registration_endpoint"]; ok {
		t.Error("a workspace without registration advertises registration_endpoint")
	}
}

// testRegistrationRules sends one violation of each registration rule to
// the real server and asserts status and code.
func testRegistrationRules(t *testing.T, re *regEnv) {
	stranger := newKey(t, jose.PS256)
	wrongUID, err := re.ca.ClientCert(tppSubject("ofb", "sw-other", "org-ofb"))
	must(t, err)
	re.certs["wrong-uid"] = wrongUID
	wrongOrg, err := re.ca.ClientCert(tppSubject("ofb", "sw-opin", "org-opin")) // OFBBR- at an OPIN server
	must(t, err)
	re.certs["wrong-org"] = wrongOrg
	now := re.clk.Now()
	tests := []struct {
		name       string
		eco        string
		giveSSA    func(c map[string]any) string // nil: a valid SSA
		giveMeta   func(m map[string]any)
		giveBody   []byte // replaces the request
		giveCT     string
		giveCert   string // "-" for none
		wantStatus int
		wantCode   string
	}{
		{name: "wrong SSA signer", eco: "ofb", giveSSA: func(c map[string]any) string {
			s, _ := stranger.Sign(c, "JWT", false)
			return s
		}, wantStatus: 400, wantCode: "invalid_software_statement"},
		{name: "untrusted SSA issuer", eco: "uk", giveSSA: func(c map[string]any) string { c["iss"] = "Someone Else"; return re.signSSA("uk", c) }, wantStatus: 400, wantCode: "unapproved_software_statement"},
		{name: "stale SSA", eco: "ofb", giveSSA: func(c map[string]any) string {
			c["iat"] = now.Add(-6 * time.Minute).Unix()
			return re.signSSA("ofb", c)
		}, wantStatus: 400, wantCode: "invalid_software_statement"},
		{name: "expired SSA", eco: "cdr", giveSSA: func(c map[string]any) string {
			c["iat"], c["exp"] = now.Add(-12*time.Minute).Unix(), now.Add(-2*time.Minute).Unix()
			return re.signSSA("cdr", c)
		}, wantStatus: 400, wantCode: "invalid_software_statement"},
		{name: "redirect URI not in the SSA", eco: "ofb", giveMeta: func(m map[string]any) { m["redirect_uris"] = []string{"https://evil.test/cb"} }, wantStatus: 400, wantCode: "invalid_redirect_uri"},
		{name: "redirect URI not in the SSA (JWT)", eco: "cdr", giveMeta: func(m map[string]any) { m["redirect_uris"] = []string{"https://evil.test/cb"} }, wantStatus: 400, wantCode: "invalid_redirect_uri"},
		{name: "webhook URI not in software_api_webhook_uris", eco: "ofb", giveMeta: func(m map[string]any) { m["webhook_uris"] = []string{"https://evil.test/hook"} }, wantStatus: 400, wantCode: "invalid_webhook_uris"},
		{name: "webhook URI with a trailing slash", eco: "ofb", giveSSA: func(c map[string]any) string {
			c["software_api_webhook_uris"] = []string{"https://tpp.test/ofb/hook/"} // approved, yet not a base URL
			return re.signSSA("ofb", c)
		}, giveMeta: func(m map[string]any) { m["webhook_uris"] = []string{"https://tpp.test/ofb/hook/"} }, wantStatus: 400, wantCode: "invalid_webhook_uris"},
		{name: "webhook URIs without software_api_webhook_uris", eco: "ofb", giveSSA: func(c map[string]any) string {
			delete(c, "software_api_webhook_uris")
			return re.signSSA("ofb", c)
		}, giveMeta: func(m map[string]any) { m["webhook_uris"] = []string{"https://tpp.test/ofb/hook"} }, wantStatus: 400, wantCode: "invalid_webhook_uris"},
		{name: "webhook_uris not an array", eco: "opin", giveMeta: func(m map[string]any) { m["webhook_uris"] = "https://tpp.test/opin/hook" }, wantStatus: 400, wantCode: "invalid_webhook_uris"},
		{name: "webhook URI not in software_api_webhook_uris (OPIN)", eco: "opin", giveMeta: func(m map[string]any) { m["webhook_uris"] = []string{"https://evil.test/hook"} }, wantStatus: 400, wantCode: "invalid_webhook_uris"},
		{name: "jwks_uri mismatch", eco: "opin", giveMeta: func(m map[string]any) { m["jwks_uri"] = "https://evil.test/jwks" }, wantStatus: 400, wantCode: "invalid_client_metadata"},
		{name: "role without the scope", eco: "uk", giveMeta: func(m map[string]any) { m["scope"] = "openid payments" }, wantStatus: 400, wantCode: "invalid_client_metadata"},
		{name: "role without the scope (Brasil)", eco: "ofb", giveMeta: func(m map[string]any) { m["scope"] = "openid payments" }, wantStatus: 400, wantCode: "invalid_client_metadata"},
		{name: "certificate UID mismatch", eco: "ofb", giveCert: "wrong-uid", wantStatus: 400, wantCode: "invalid_client_metadata"},
		{name: "certificate organizationIdentifier mismatch", eco: "opin", giveCert: "wrong-org", wantStatus: 400, wantCode: "invalid_client_metadata"},
		{name: "no client certificate", eco: "ofb", giveCert: "-", wantStatus: 401, wantCode: "invalid_client"},
		{name: "request signed by another key", eco: "uk", giveMeta: func(m map[string]any) { m["sign_with_stranger"] = true }, wantStatus: 400, wantCode: "invalid_client_metadata"},
		{name: "JSON where a JWT is required", eco: "cdr", giveCT: "application/json", wantStatus: 400, wantCode: "invalid_client_metadata"},
		{name: "unsupported auth method", eco: "fdx", giveMeta: func(m map[string]any) { m["token_endpoint_auth_method"] = "client_secret_basic" }, wantStatus: 400, wantCode: "invalid_client_metadata"},
		{name: "system scope", eco: "fdx", giveMeta: func(m map[string]any) { m["scope"] = "accounts dcr_manage" }, wantStatus: 400, wantCode: "invalid_client_metadata"},
		{name: "http redirect URI", eco: "fdx", giveMeta: func(m map[string]any) { m["redirect_uris"] = []string{"http://tpp.test/cb"} }, wantStatus: 400, wantCode: "invalid_redirect_uri"},
		{name: "garbage body", eco: "fdx", giveBody: []byte(`{"redirect_uris":`), wantStatus: 400, wantCode: "invalid_client_metadata"},
		{name: "oversized body", eco: "fdx", giveBody: []byte(`{"client_name":"` + strings.Repeat("x", 70<<10) + `"}`), wantStatus: 400, wantCode: "invalid_client_metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re.t = t
			ssa := ""
			if re.dir[tt.eco] != nil {
				c := re.ssaClaims(tt.eco, "sw-"+tt.eco)
				ssa = re.signSSA(tt.eco, c)
				if tt.giveSSA != nil {
					ssa = tt.giveSSA(c)
				}
			}
			m := re.metadata(tt.eco)
			if tt.giveMeta != nil {
				tt.giveMeta(m)
			}
			soft := re.soft[tt.eco]
			if m["sign_with_stranger"] == true {
				delete(m, "sign_with_stranger")
				re.soft[tt.eco] = stranger
			}
			ct, body := re.request(tt.eco, ssa, m)
			re.soft[tt.eco] = soft
			if tt.giveBody != nil {
				body = tt.giveBody
			}
			if tt.giveCT != "" {
				ct = tt.giveCT
			}
			cert := "tpp-" + tt.eco
			if tt.giveCert != "" {
				cert = tt.giveCert
			}
			r := re.send(http.MethodPost, "/"+wsOf(tt.eco)+"/register", ct, body, nil, cert)
			wantRegError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// testRegistrationDuplicateSoftwareID: CDR and Brasil allow one active
// registration per software_id; the UK does not restrict it.
func testRegistrationDuplicateSoftwareID(t *testing.T, re *regEnv) {
	for _, tt := range []struct {
		eco        string
		wantStatus int
	}{{"cdr", 400}, {"ofb", 400}, {"uk", 201}} {
		t.Run(tt.eco, func(t *testing.T) {
			re.t = t
			for i, want := range []int{201, tt.wantStatus} {
				ct, body := re.request(tt.eco, re.signSSA(tt.eco, re.ssaClaims(tt.eco, "sw-"+tt.eco)), re.metadata(tt.eco))
				r := re.register(tt.eco, ct, body, nil)
				if i == 1 && want == 400 {
					wantRegError(t, r, 400, "invalid_software_statement")
				} else if r.status != want {
					t.Fatalf("registration %d = %d %s, want %d", i+1, r.status, r.raw, want)
				}
			}
		})
	}
}

// testInitialAccessTokens: the generic workspace requires a certificate-
// bound initial access token for its registration endpoint.
func testInitialAccessTokens(t *testing.T, re *regEnv) {
	other := newKey(t, jose.ES256)
	now := re.clk.Now()
	adminX5T := oauth.CertThumbprint(re.certs["admin-generic"].Leaf)
	tests := []struct {
		name       string
		giveHeader func() http.Header
		wantStatus int
	}{
		{"missing", func() http.Header { return http.Header{} }, 401},
		{"not a JWT", func() http.Header { return bearer("opaque") }, 401},
		{"unbound", func() http.Header { return re.iatHeader(func(c map[string]any) { delete(c, "cnf") }) }, 401},
		{"bound to another certificate", func() http.Header {
			return re.iatHeader(func(c map[string]any) { c["cnf"] = map[string]string{"x5t#S256": adminX5T} })
		}, 401},
		{"expired", func() http.Header {
			return re.iatHeader(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() })
		}, 401},
		{"another audience", func() http.Header {
			return re.iatHeader(func(c map[string]any) { c["aud"] = "https://elsewhere.test" })
		}, 401},
		{"another issuer", func() http.Header { return re.iatHeader(func(c map[string]any) { c["iss"] = "https://rogue.test" }) }, 401},
		{"another signer", func() http.Header {
			c := map[string]any{"iss": iatIssuer, "aud": re.base + "/reg-generic/register", "exp": now.Add(time.Hour).Unix()}
			s, _ := other.Sign(c, "JWT", false)
			return bearer(s)
		}, 401},
		{"issuer as audience", func() http.Header {
			return re.iatHeader(func(c map[string]any) { c["aud"] = re.base + "/reg-generic" })
		}, 201},
		{"valid", func() http.Header { return re.iatHeader(nil) }, 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re.t = t
			ct, body := re.request("generic", "", re.metadata("generic"))
			r := re.register("generic", ct, body, tt.giveHeader())
			if tt.wantStatus == 401 {
				wantRegError(t, r, 401, "invalid_token")
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				return
			}
			if r.status != tt.wantStatus {
				t.Fatalf("register = %d %s, want %d", r.status, r.raw, tt.wantStatus)
			}
		})
	}
}

// testRegistrationManagementAccess covers who may read, update and delete
// a registration.
func testRegistrationManagementAccess(t *testing.T, re *regEnv) {
	reg := func(eco, sw string) (string, string) {
		ssa := ""
		if re.dir[eco] != nil {
			ssa = re.signSSA(eco, re.ssaClaims(eco, sw))
		}
		ct, body := re.request(eco, ssa, re.metadata(eco))
		r := re.register(eco, ct, body, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("register %s = %d %s", eco, r.status, r.raw)
		}
		rat, _ := r.body["registration_access_token"].(string)
		return r.body["client_id"].(string), rat
	}
	genA, ratA := reg("generic", "sw-a")
	genB, _ := reg("generic", "sw-b")
	cdrA, _ := reg("cdr", "sw-cdr-a")
	cdrB, _ := reg("cdr", "sw-cdr-b") // both products publish their keys at the same jwks_uri
	_, tokB := re.token("cdr", cdrB, re.soft["cdr"], "cdr:registration", "tpp-cdr", nil)
	_, tokNoScope := re.token("cdr", cdrA, re.soft["cdr"], "bank:accounts.basic:read", "tpp-cdr", nil)
	manageGen := re.adminToken("generic", "dcr_manage")
	manageFDX := re.adminToken("fdx", "dcr_manage")
	clientsOnly := re.adminToken("generic", "manage_clients")
	tests := []struct {
		name       string
		givePath   string
		giveHeader http.Header
		giveCert   string
		wantStatus int
		wantCode   string
	}{
		{"no token", "/reg-generic/register/" + genA, nil, "", 401, "invalid_token"},
		{"RAT of another client", "/reg-generic/register/" + genB, bearer(ratA), "", 401, "invalid_token"},
		{"unknown client", "/reg-generic/register/nope", bearer(ratA), "", 401, "invalid_token"},
		{"dcr_manage of this workspace", "/reg-generic/register/" + genB, bearer(manageGen), "admin-generic", 200, ""},
		{"dcr_manage of another workspace", "/reg-generic/register/" + genB, bearer(manageFDX), "admin-fdx", 401, "invalid_token"},
		{"token without dcr_manage", "/reg-generic/register/" + genB, bearer(clientsOnly), "admin-generic", 403, "insufficient_scope"},
		{"CDR token of another client", "/reg-cdr/register/" + cdrA, bearer(tokB), "tpp-cdr", 403, "insufficient_scope"},
		{"CDR token without cdr:registration", "/reg-cdr/register/" + cdrA, bearer(tokNoScope), "tpp-cdr", 403, "insufficient_scope"},
		{"CDR without mTLS", "/reg-cdr/register/" + cdrB, bearer(tokB), "", 401, "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re.t = t
			r := re.send(http.MethodGet, tt.givePath, "", nil, tt.giveHeader, tt.giveCert)
			if tt.wantCode == "" {
				if r.status != tt.wantStatus {
					t.Fatalf("GET = %d %s, want %d", r.status, r.raw, tt.wantStatus)
				}
				return
			}
			wantRegError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestRegistrationAccessTokenExpiry: the generic workspace's registration
// access tokens live an hour.
func TestRegistrationAccessTokenExpiry(t *testing.T) {
	re := newRegEnv(t)
	ct, body := re.request("generic", "", re.metadata("generic"))
	r := re.register("generic", ct, body, nil)
	if r.status != http.StatusCreated {
		t.Fatalf("register = %d %s", r.status, r.raw)
	}
	path := "/reg-generic/register/" + r.body["client_id"].(string)
	rat := r.body["registration_access_token"].(string)
	if g := re.send(http.MethodGet, path, "", nil, bearer(rat), ""); g.status != http.StatusOK {
		t.Fatalf("GET = %d %s", g.status, g.raw)
	}
	re.clk.Advance(regRATTTL + time.Second)
	wantRegError(t, re.send(http.MethodGet, path, "", nil, bearer(rat), ""), 401, "invalid_token")
}

// testSystemClientsAPI covers the status changes the system API refuses.
func testSystemClientsAPI(t *testing.T, re *regEnv) {
	ct, body := re.request("fdx", "", re.metadata("fdx"))
	r := re.register("fdx", ct, body, nil)
	id := r.body["client_id"].(string)
	tok := re.adminToken("fdx", "manage_clients")
	cert, err := re.ca.ClientCert(pkix.Name{CommonName: "nobody"})
	must(t, err)
	re.certs["nobody"] = cert
	set := func(status string) result {
		path := "/reg-fdx/system/clients/" + id + "/status"
		r := re.send(http.MethodPost, path, "application/json", []byte(`{"status":"`+status+`"}`), bearer(tok), "admin-fdx")
		checkClientsAPI(t, re, "fdx", http.MethodPost, path, r)
		return r
	}
	get := func(path, cert string) result {
		r := re.send(http.MethodGet, path, "", nil, bearer(tok), cert)
		checkClientsAPI(t, re, "fdx", http.MethodGet, path, r)
		return r
	}
	if l := get("/reg-fdx/system/clients?status=Pending&limit=10", "admin-fdx"); l.status != http.StatusOK || !containsClient(l.body["data"], id) {
		t.Fatalf("list = %d %s", l.status, l.raw)
	}
	if g := get("/reg-fdx/system/clients/"+id, "admin-fdx"); g.status != http.StatusOK || g.body["status"] != "Pending" || g.body["metadata"] == nil {
		t.Fatalf("get = %d %s", g.status, g.raw)
	}
	if s := set("Inactive"); s.status != http.StatusConflict {
		t.Errorf("Pending -> Inactive = %d %s, want 409", s.status, s.raw)
	}
	if s := set("Maybe"); s.status != http.StatusBadRequest {
		t.Errorf("unknown status = %d %s, want 400", s.status, s.raw)
	}
	if s := get("/reg-fdx/system/clients/nope", "admin-fdx"); s.status != http.StatusNotFound {
		t.Errorf("unknown client = %d %s, want 404", s.status, s.raw)
	}
	if s := get("/reg-fdx/system/clients/"+id, "nobody"); s.status != http.StatusUnauthorized {
		t.Errorf("token without its certificate = %d %s, want 401", s.status, s.raw)
	}
	if s := set("Rejected"); s.status != http.StatusOK || s.body["status"] != "Rejected" {
		t.Fatalf("reject = %d %s", s.status, s.raw)
	}
	if s := set("Approved"); s.status != http.StatusConflict {
		t.Errorf("Rejected -> Approved = %d %s, want 409", s.status, s.raw)
	}
}

// checkClientsAPI validates a system clients API response against our
// OpenAPI file (style §7).
func checkClientsAPI(t *testing.T, re *regEnv, eco, method, path string, r result) {
	t.Helper()
	raw, err := os.ReadFile("../openapi/system/clients/v1/openapi.yaml")
	must(t, err)
	doc, err := apikit.LoadSpec(raw)
	must(t, err)
	v, err := apikit.NewResponseValidator(doc, "/"+wsOf(eco))
	must(t, err)
	req, err := http.NewRequest(method, re.base+path, nil)
	must(t, err)
	if err := v.Validate(req, r.status, r.header, []byte(r.raw)); err != nil {
		t.Errorf("%s %s response does not match the spec: %v", method, path, err)
	}
}

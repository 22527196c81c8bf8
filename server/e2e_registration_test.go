package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// ssaClaims are valid SSA claims of eco's directory or register for
// software softwareID.
func (re *regEnv) ssaClaims(eco, softwareID string) map[string]any {
	now := re.clk.Now()
	iss := ssaIssuers[eco]
	cb := []string{"https://tpp.test/" + eco + "/cb", "https://tpp.test/" + eco + "/cb2"}
	jwks := re.softJWKSURI(eco)
	switch eco {
	case "uk", "ksa":
		return map[string]any{
			"iss": iss, "iat": now.Unix(), "jti": oauthtest.RandomString(8), "software_id": softwareID,
			"software_client_name": "UK TPP", "software_jwks_endpoint": jwks, "software_redirect_uris": cb,
			"software_roles": []string{"AISP"}, "org_id": "org-uk", "org_status": "Active",
		}
	case "ofb", "opin":
		return map[string]any{
			"iss": iss, "iat": now.Unix(), "software_id": softwareID, "org_id": "org-" + eco, "org_status": "Active",
			"software_jwks_uri": jwks, "software_redirect_uris": cb, "software_client_name": "BR TPP",
			"software_statement_roles":  []map[string]any{{"role": "DADOS", "status": "Active", "authorisation_domain": "Open Finance"}},
			"software_api_webhook_uris": []string{"https://tpp.test/" + eco + "/hook"},
		}
	case "cdr":
		return map[string]any{
			"iss": iss, "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": oauthtest.RandomString(8),
			"org_id": "brand-adr", "org_name": "ADR Brand", "client_name": "ADR App", "client_description": "A product",
			"client_uri": "https://adr.test", "redirect_uris": cb, "logo_uri": "https://adr.test/logo.png", "jwks_uri": jwks,
			"revocation_uri": "https://adr.test/revoke", "recipient_base_uri": "https://adr.test", "software_id": softwareID,
			"software_roles": "data-recipient-software-product",
			"scope":          "openid profile bank:accounts.basic:read bank:transactions:read cdr:registration",
		}
	}
	return map[string]any{"iss": iss, "iat": now.Unix(), "software_id": softwareID, "redirect_uris": cb, "jwks_uri": jwks, "client_name": "Generic TPP"}
}

func (re *regEnv) signSSA(eco string, c map[string]any) string {
	s, err := re.dir[eco].Sign(c, "JWT", false)
	must(re.t, err)
	return s
}

// metadata is a valid registration request's client metadata for eco.
func (re *regEnv) metadata(eco string) map[string]any {
	m := map[string]any{
		"token_endpoint_auth_method": "private_key_jwt", "token_endpoint_auth_signing_alg": string(re.soft[eco].Alg),
		"grant_types":    []string{"client_credentials", "authorization_code", "refresh_token"},
		"response_types": []string{"code"}, "redirect_uris": []string{"https://tpp.test/" + eco + "/cb"},
		"id_token_signed_response_alg": "PS256", "request_object_signing_alg": "PS256",
	}
	switch eco {
	case "uk", "ksa":
		m["scope"] = "openid accounts"
	case "ofb", "opin":
		m["scope"], m["jwks_uri"] = "openid consents", re.softJWKSURI(eco)
	case "cdr":
		m["authorization_signed_response_alg"] = "PS256"
	case "fdx":
		m["scope"], m["jwks_uri"], m["client_name"] = "accounts", re.softJWKSURI(eco), "FDX Recipient"
		m["duration_type"], m["lookback_period"] = []string{"TIME_BOUND"}, 365
	case "generic":
		m["scope"], m["jwks_uri"] = "accounts", re.softJWKSURI(eco)
	}
	return m
}

// request is a registration request for eco: a JWT signed by the
// software key (uk, cdr) or JSON; ssa is "" for none.
func (re *regEnv) request(eco, ssa string, m map[string]any) (string, []byte) {
	if ssa != "" {
		m["software_statement"] = ssa
	}
	if eco != "uk" && eco != "ksa" && eco != "cdr" {
		return "application/json", mustJSON(re.t, m)
	}
	now := re.clk.Now()
	m["iss"], m["iat"], m["exp"], m["jti"] = softwareIDOf(re, eco, ssa), now.Unix(), now.Add(5*time.Minute).Unix(), oauthtest.RandomString(12)
	m["aud"] = re.base + "/" + wsOf(eco)
	ct := "application/jwt"
	if eco == "uk" || eco == "ksa" {
		m["aud"], ct = ukASPSPOrgID, "application/jose"
	}
	s, err := re.soft[eco].Sign(m, "JWT", false)
	must(re.t, err)
	return ct, []byte(s)
}

// softwareIDOf reads the software_id of an SSA without verifying it.
func softwareIDOf(re *regEnv, eco, ssa string) string {
	tok, err := jose.ParseSigned(ssa, []jose.SignatureAlgorithm{jose.PS256, jose.ES256})
	must(re.t, err)
	var c struct {
		SoftwareID string `json:"software_id"`
	}
	must(re.t, json.Unmarshal(tok.UnsafePayloadWithoutVerification(), &c))
	return c.SoftwareID
}

// iatHeader is an initial access token for the generic workspace.
func (re *regEnv) iatHeader(mod func(c map[string]any)) http.Header {
	now := re.clk.Now()
	c := map[string]any{"iss": iatIssuer, "sub": "onboarding", "aud": re.base + "/" + wsOf("generic") + "/register",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"cnf": map[string]string{"x5t#S256": oauth.CertThumbprint(re.certs["tpp-generic"].Leaf)}}
	if mod != nil {
		mod(c)
	}
	s, err := re.iat.Sign(c, "JWT", false)
	must(re.t, err)
	return bearer(s)
}

// register posts a registration for eco as its TPP.
func (re *regEnv) register(eco, ct string, body []byte, h http.Header) result {
	re.t.Helper()
	if h == nil && eco == "generic" {
		h = re.iatHeader(nil)
	}
	return re.send(http.MethodPost, "/"+wsOf(eco)+"/register", ct, body, h, "tpp-"+eco)
}

// TestRegistration runs the registration tests on one environment (the
// server with all registration workspaces); each uses its own software ids.
func TestRegistration(t *testing.T) {
	re := newRegEnv(t)
	tests := []struct {
		name string
		run  func(t *testing.T, re *regEnv)
	}{
		{"EndToEnd", testRegistrationEndToEnd},
		{"Discovery", testRegistrationDiscovery},
		{"Rules", testRegistrationRules},
		{"DuplicateSoftwareID", testRegistrationDuplicateSoftwareID},
		{"WebhookURIs", testRegistrationWebhookURIs},
		{"InitialAccessTokens", testInitialAccessTokens},
		{"ManagementAccess", testRegistrationManagementAccess},
		{"SystemClientsAPI", testSystemClientsAPI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re.t = t
			tt.run(t, re)
		})
	}
}

// testRegistrationEndToEnd registers a client in every ecosystem, gets a
// client_credentials token with it, reads, updates and deletes the
// registration, and checks that the client gets no token afterwards.
func testRegistrationEndToEnd(t *testing.T, re *regEnv) {
	for _, eco := range regEcosystems {
		t.Run(eco, func(t *testing.T) {
			re.t = t
			sw := "sw-" + eco
			ssa := ""
			if re.dir[eco] != nil {
				ssa = re.signSSA(eco, re.ssaClaims(eco, sw))
			}
			ct, body := re.request(eco, ssa, re.metadata(eco))
			r := re.register(eco, ct, body, nil)
			if r.status != http.StatusCreated {
				t.Fatalf("register = %d %s", r.status, r.raw)
			}
			id, _ := r.body["client_id"].(string)
			rat, _ := r.body["registration_access_token"].(string)
			checkRegistration(t, re, eco, r, ssa)
			var dpop *oauthtest.Key
			cert := "tpp-" + eco
			if eco == "generic" {
				dpop, cert = newKey(t, jose.ES256), ""
			}
			scope := map[string]string{"cdr": "cdr:registration"}[eco]
			if eco == "fdx" { // offline approval: Pending until the bank approves
				tr, _ := re.token(eco, id, re.soft[eco], scope, cert, dpop)
				wantOAuthError(t, tr, http.StatusUnauthorized, "invalid_client")
				approve(t, re, eco, id)
			}
			tr, tok := re.token(eco, id, re.soft[eco], scope, cert, dpop)
			if tr.status != http.StatusOK {
				t.Fatalf("token = %d %s", tr.status, tr.raw)
			}
			manage := bearer(rat)
			if rat == "" {
				manage = bearer(tok) // CDR: the client's own cdr:registration token
			}
			path := "/" + wsOf(eco) + "/register/" + id
			if g := re.send(http.MethodGet, path, "", nil, manage, "tpp-"+eco); g.status != http.StatusOK || g.body["client_id"] != id {
				t.Fatalf("GET = %d %s", g.status, g.raw)
			}
			m := re.metadata(eco)
			m["redirect_uris"] = []string{"https://tpp.test/" + eco + "/cb2"}
			ct, body = re.request(eco, ssa, m)
			u := re.send(http.MethodPut, path, ct, body, manage, "tpp-"+eco)
			if u.status != http.StatusOK || !slices.Equal(strs(u.body["redirect_uris"]), []string{"https://tpp.test/" + eco + "/cb2"}) {
				t.Fatalf("PUT = %d %s", u.status, u.raw)
			}
			del := manage
			if eco == "uk" || eco == "ksa" {
				del = bearer(tok) // UK: the client's own client_credentials token also manages
			}
			w, _ := re.srv.Workspace(wsOf(eco))
			if _, err := w.Provider.InspectAccessToken(t.Context(), tok); err != nil {
				t.Fatalf("InspectAccessToken before DELETE = %v, want the active token", err)
			}
			if d := re.send(http.MethodDelete, path, "", nil, del, "tpp-"+eco); d.status != http.StatusNoContent {
				t.Fatalf("DELETE = %d %s", d.status, d.raw)
			}
			// RFC 7592 §2.3: the deleted client's tokens are invalid at once,
			// stateless ones included (a client revocation mark).
			if _, err := w.Provider.InspectAccessToken(t.Context(), tok); !errors.Is(err, oauth.ErrNotFound) {
				t.Errorf("InspectAccessToken after DELETE error = %v, want %v", err, oauth.ErrNotFound)
			}
			after, _ := re.token(eco, id, re.soft[eco], scope, cert, dpop)
			wantOAuthError(t, after, http.StatusUnauthorized, "invalid_client")
			wantRegError(t, re.send(http.MethodGet, path, "", nil, manage, "tpp-"+eco), http.StatusUnauthorized, "invalid_token")
			checkAudit(t, re, eco, id)
		})
	}
}

// checkRegistration checks the ecosystem-specific parts of a response.
func checkRegistration(t *testing.T, re *regEnv, eco string, r result, ssa string) {
	t.Helper()
	if ssa != "" && r.body["software_statement"] != ssa {
		t.Errorf("software_statement not returned unmodified (RFC 7591 §3.2.1)")
	}
	_, hasRAT := r.body["registration_access_token"]
	if hasRAT == (eco == "cdr") {
		t.Errorf("registration_access_token present = %v (%s)", hasRAT, r.raw)
	}
	switch eco {
	case "cdr":
		for _, k := range []string{"org_name", "recipient_base_uri", "revocation_uri", "software_roles", "client_description"} {
			if r.body[k] == nil {
				t.Errorf("CDR response lacks the SSA field %s", k)
			}
		}
		if r.body["scope"] != "openid profile bank:accounts.basic:read cdr:registration" {
			t.Errorf("scope = %v, want the SSA's scopes this workspace serves", r.body["scope"])
		}
	case "fdx":
		if r.body["status"] != "Pending" || r.body["duration_type"] == nil {
			t.Errorf("FDX response = %s", r.raw)
		}
	case "ofb", "opin", "uk", "ksa":
		want := map[string]string{"uk": "UK TPP", "ksa": "UK TPP", "ofb": "BR TPP", "opin": "BR TPP"}[eco]
		if r.body["client_name"] != want {
			t.Errorf("client_name = %v, want the SSA's %s", r.body["client_name"], want)
		}
	}
}

// approve sets a Pending client Approved through the system clients API.
func approve(t *testing.T, re *regEnv, eco, id string) {
	t.Helper()
	admin := "admin-" + eco
	tok := re.adminToken(eco, "manage_clients")
	l := re.send(http.MethodGet, "/"+wsOf(eco)+"/system/clients?status=Pending", "", nil, bearer(tok), admin)
	if l.status != http.StatusOK || !containsClient(l.body["data"], id) {
		t.Fatalf("list Pending = %d %s", l.status, l.raw)
	}
	s := re.send(http.MethodPost, "/"+wsOf(eco)+"/system/clients/"+id+"/status", "application/json",
		[]byte(`{"status":"Approved"}`), bearer(tok), admin)
	if s.status != http.StatusOK || s.body["status"] != "Approved" {
		t.Fatalf("approve = %d %s", s.status, s.raw)
	}
}

func containsClient(data any, id string) bool {
	list, _ := data.([]any)
	for _, c := range list {
		if m, _ := c.(map[string]any); m["client_id"] == id {
			return true
		}
	}
	return false
}

// checkAudit: every registration, update and deletion left an audit event.
func checkAudit(t *testing.T, re *regEnv, eco, id string) {
	t.Helper()
	trail, err := re.srv.Store().AuditTrail(context.Background(), wsOf(eco), id)
	must(t, err)
	var got []string
	for _, a := range trail {
		got = append(got, a.Action)
	}
	for _, want := range []string{"client.registered", "client.updated", "client.deleted"} {
		if !slices.Contains(got, want) {
			t.Errorf("audit = %v, want %s", got, want)
		}
	}
}

func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, s := range list {
		if str, ok := s.(string); ok {
			out = append(out, str)
		}
	}
	return out
}

package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/openconsent/openconsent/server/oauthtest"
)

// ukGrant is what the PSU's authorisation yields.
type ukGrant struct{ access, refresh, idToken string }

// ukClaims is the request object's claims parameter of UK Open Banking:
// the intent id as an essential id_token claim with its value, and an
// essential acr (docs/ecosystems/uk-ksa-fdx.md §1.14).
func ukClaims(consentID string) map[string]any {
	return map[string]any{"id_token": map[string]any{
		"openbanking_intent_id": map[string]any{"value": consentID, "essential": true},
		"acr":                   map[string]any{"essential": true, "values": []string{ukSCA}},
	}}
}

// newUKConn starts the harness with the UK workspaces.
func newUKConn(t *testing.T) (*env, *ukConn) {
	t.Helper()
	f := newUKFixture(t)
	e := newEnv(t, withUK(f))
	for id, c := range f.certs {
		e.certs[id] = c
	}
	return e, &ukConn{tb: t, f: f, base: e.base, send: ukOverTLS(e), validate: true}
}

// par pushes a request object (FAPI 1.0 Adv: signed; hybrid code id_token).
func (c *ukConn) par(ws, client, scope string, claims map[string]any) (result, string, string) {
	c.tb.Helper()
	v, ch := oauthtest.PKCE()
	state := oauthtest.RandomString(8)
	params := map[string]any{
		"response_type": "code id_token", "redirect_uri": redirectURI, "scope": scope, "state": state,
		"nonce": oauthtest.RandomString(8), "code_challenge": ch, "code_challenge_method": "S256",
	}
	if claims != nil {
		params["claims"] = claims
	}
	ro, err := c.f.keys[client].RequestObject(client, c.base+"/"+ws, params)
	ukMust(c.tb, err)
	return c.form(ws, "/par", client, client, url.Values{"request": {ro}}), v, state
}

// authorise runs PAR with the intent id, authorize, accept through the
// system logins API with the resources, resume and the token request.
func (c *ukConn) authorise(ws, client, consentID, scope string, resources []string) ukGrant {
	c.tb.Helper()
	pr, verifier, state := c.par(ws, client, scope, ukClaims(consentID))
	if pr.status != http.StatusCreated {
		c.tb.Fatalf("PAR = %d %s", pr.status, pr.raw)
	}
	q := url.Values{"client_id": {client}, "request_uri": {pr.body["request_uri"].(string)}}
	ar := c.do(http.MethodGet, "/"+ws+"/authorize?"+q.Encode(), client, nil, nil)
	loc, err := url.Parse(ar.header.Get("Location"))
	if ar.status != http.StatusSeeOther || err != nil || loc.Query().Get("login_id") == "" {
		c.tb.Fatalf("authorize = %d %s %s", ar.status, ar.header.Get("Location"), ar.raw)
	}
	loginID := loc.Query().Get("login_id")
	sys := c.ccToken(ws, ukSys, "manage_logins")
	accept, _ := json.Marshal(map[string]any{"subject": "alice", "acr": ukSCA, "consent": map[string]any{"resources": resources}})
	h := http.Header{"Authorization": {"Bearer " + sys}, "Content-Type": {"application/json"}}
	if r := c.do(http.MethodPost, "/"+ws+"/system/logins/"+loginID+"/accept", ukSys, h, accept); r.status != http.StatusOK {
		c.tb.Fatalf("accept = %d %s", r.status, r.raw)
	}
	rr := c.do(http.MethodGet, "/"+ws+"/authorize/resume?login_id="+url.QueryEscape(loginID), client, nil, nil)
	back, err := url.Parse(rr.header.Get("Location"))
	ukMust(c.tb, err)
	frag, err := url.ParseQuery(back.Fragment)
	ukMust(c.tb, err)
	if rr.status != http.StatusSeeOther || frag.Get("code") == "" || frag.Get("id_token") == "" || frag.Get("state") != state {
		c.tb.Fatalf("resume = %d %s, want code, id_token and state in the fragment", rr.status, back)
	}
	tr := c.form(ws, "/token", client, client, url.Values{"grant_type": {"authorization_code"}, "code": {frag.Get("code")},
		"redirect_uri": {redirectURI}, "code_verifier": {verifier}})
	if tr.status != http.StatusOK || tr.body["token_type"] != "Bearer" {
		c.tb.Fatalf("token = %d %s", tr.status, tr.raw)
	}
	g := ukGrant{access: tr.body["access_token"].(string), idToken: tr.body["id_token"].(string)}
	g.refresh, _ = tr.body["refresh_token"].(string)
	return g
}

// idTokenClaims verifies an ID token with the workspace's JWKS.
func (c *ukConn) idTokenClaims(ws, idt string) map[string]any {
	c.tb.Helper()
	var set jose.JSONWebKeySet
	ukMust(c.tb, json.Unmarshal([]byte(c.do(http.MethodGet, "/"+ws+"/jwks", "", nil, nil).raw), &set))
	tok, err := jwt.ParseSigned(idt, []jose.SignatureAlgorithm{jose.PS256, jose.ES256})
	ukMust(c.tb, err)
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) == 0 {
		c.tb.Fatalf("ID token kid %q is not in the workspace JWKS", tok.Headers[0].KeyID)
	}
	var claims map[string]any
	ukMust(c.tb, tok.Claims(keys[0].Key, &claims))
	return claims
}

// introspect asks the token endpoint's introspection as the bank.
func (c *ukConn) introspect(ws, tok string) result {
	c.tb.Helper()
	return c.form(ws, "/introspect", ukSys, ukSys, url.Values{"token": {tok}})
}

// ukAACBody is an account-access consent request.
func ukAACBody(perms []string, expires time.Time) []byte {
	data := map[string]any{"Permissions": perms}
	if !expires.IsZero() {
		data["ExpirationDateTime"] = expires.Format(time.RFC3339)
	}
	b, _ := json.Marshal(map[string]any{"Data": data, "Risk": map[string]any{}})
	return b
}

// TestUKAccountAccessEndToEnd is the full UK flow: client_credentials →
// POST consent → PAR with the intent id → accept through the system API
// with two accounts → token → introspection shows the consent and accounts
// → resource check → DELETE → introspection inactive, refresh refused, GET
// answers 400. Every UK response is validated against our OpenAPI file.
func TestUKAccountAccessEndToEnd(t *testing.T) {
	e, c := newUKConn(t)
	tok := c.ccToken("uk", ukTPP, "accounts")
	iid := uuid.NewString()
	expires := time.Now().Add(90 * 24 * time.Hour).Truncate(time.Second)
	perms := []string{"ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail", "ReadTransactionsCredits"}
	r := c.api("uk", http.MethodPost, "/aisp/account-access-consents", ukTPP, tok, ukAACBody(perms, expires), http.Header{"x-fapi-interaction-id": {iid}})
	if r.status != http.StatusCreated {
		t.Fatalf("POST consent = %d %s", r.status, r.raw)
	}
	if got := r.header.Get("x-fapi-interaction-id"); got != iid {
		t.Errorf("x-fapi-interaction-id = %q, want the request's %q", got, iid)
	}
	data := r.body["Data"].(map[string]any)
	id, _ := data["ConsentId"].(string)
	if data["Status"] != "AwaitingAuthorisation" || id == "" {
		t.Fatalf("Data = %v, want a ConsentId AwaitingAuthorisation", data)
	}
	if self := r.body["Links"].(map[string]any)["Self"]; self != e.base+"/uk/open-banking/v3.1/aisp/account-access-consents/"+id {
		t.Errorf("Links.Self = %v, want the absolute URL of the consent", self)
	}
	if exp, _ := time.Parse(time.RFC3339, data["ExpirationDateTime"].(string)); !exp.Equal(expires) {
		t.Errorf("ExpirationDateTime = %v, want %v unmodified", data["ExpirationDateTime"], expires)
	}

	g := c.authorise("uk", ukTPP, id, "openid accounts", []string{"acc-1", "acc-2"})
	claims := c.idTokenClaims("uk", g.idToken)
	if claims["openbanking_intent_id"] != id || claims["acr"] != ukSCA {
		t.Errorf("ID token openbanking_intent_id, acr = %v, %v, want %s, %s", claims["openbanking_intent_id"], claims["acr"], id, ukSCA)
	}
	if r := c.api("uk", http.MethodGet, "/aisp/account-access-consents/"+id, ukTPP, tok, nil, nil); r.body["Data"].(map[string]any)["Status"] != "Authorised" {
		t.Errorf("GET after authorisation = %d %s, want Authorised", r.status, r.raw)
	}
	in := c.introspect("uk", g.access)
	res, _ := in.body["granted_resources"].([]any)
	if in.body["active"] != true || in.body["consent_id"] != id || in.body["openbanking_intent_id"] != id || len(res) != 2 {
		t.Fatalf("introspection = %s, want active with the consent and two accounts", in.raw)
	}
	rc := c.resourceCheck("uk", g.access)
	rcc, _ := rc.body["consent"].(map[string]any)
	if rc.body["active"] != true || rcc["consent_id"] != id || len(rc.body["resources"].([]any)) != 2 {
		t.Fatalf("resource check = %d %s, want active with the consent and its accounts", rc.status, rc.raw)
	}

	if r := c.api("uk", http.MethodDelete, "/aisp/account-access-consents/"+id, ukTPP, tok, nil, nil); r.status != http.StatusNoContent || r.raw != "" {
		t.Fatalf("DELETE = %d %q, want 204 with no body", r.status, r.raw)
	}
	if in := c.introspect("uk", g.access); in.body["active"] != false {
		t.Errorf("introspection after DELETE = %s, want inactive", in.raw)
	}
	rf := c.form("uk", "/token", ukTPP, ukTPP, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {g.refresh}})
	wantOAuthError(t, rf, http.StatusBadRequest, "invalid_grant")
	for _, m := range []string{http.MethodGet, http.MethodDelete} {
		r := c.api("uk", m, "/aisp/account-access-consents/"+id, ukTPP, tok, nil, nil)
		wantUKError(t, r, http.StatusBadRequest, "UK.OBIE.Resource.NotFound")
	}
	if rc := c.resourceCheck("uk", g.access); rc.body["active"] != false {
		t.Errorf("resource check after DELETE = %s, want inactive", rc.raw)
	}
}

// resourceCheck asks the system consents API, as the bank's resource server.
func (c *ukConn) resourceCheck(ws, tok string) result {
	c.tb.Helper()
	sys := c.ccToken(ws, ukSys, "manage_consents")
	body, _ := json.Marshal(map[string]string{"token": tok})
	h := http.Header{"Authorization": {"Bearer " + sys}, "Content-Type": {"application/json"}}
	return c.do(http.MethodPost, "/"+ws+"/system/resource-check", ukSys, h, body)
}

// wantUKError asserts the status and the OBErrorResponse1 ErrorCode.
func wantUKError(t *testing.T, r result, status int, code string) {
	t.Helper()
	errs, _ := r.body["Errors"].([]any)
	var codes []string
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			codes = append(codes, m["ErrorCode"].(string))
		}
	}
	if r.status != status || !slices.Contains(codes, code) {
		t.Fatalf("got %d %v, want %d %s (body %s)", r.status, codes, status, code, r.raw)
	}
	if r.header.Get("x-fapi-interaction-id") == "" {
		t.Error("an error answer without x-fapi-interaction-id")
	}
	if code, _ := r.body["Code"].(string); !strings.HasPrefix(code, strconv.Itoa(status)+" ") {
		t.Errorf("Code = %q, want it to start with %d", code, status)
	}
}

package dcr_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/dcr"
)

const (
	dirIss  = "test-directory"
	jwksURI = "https://tpp.test/jwks"
	oidUID  = "0.9.2342.19200300.100.1.1"
	oidX500 = "2.5.4.45"
	oidOrg  = "2.5.4.97"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// fixture is a directory key, a stranger's key, the software's key and
// in-memory ports.
type fixture struct {
	clk              *clock
	dir, other, soft *key
	store            *fakeStore
	keys             *fakeKeys
	replay           *fakeReplay
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		clk: &clock{t: t0}, dir: newKey(t, jose.PS256, "dir-1"), other: newKey(t, jose.PS256, "dir-1"),
		soft: newKey(t, jose.ES256, "soft-1"), store: newFakeStore(), replay: &fakeReplay{seen: map[string]bool{}},
	}
	f.keys = &fakeKeys{
		issuers:  map[string]jose.JSONWebKeySet{dirIss: f.dir.set()},
		software: map[string]jose.JSONWebKeySet{jwksURI: f.soft.set()},
	}
	return f
}

func (f *fixture) registrar(t *testing.T, p dcr.Profile, mods ...func(*dcr.Options)) *dcr.Registrar {
	t.Helper()
	o := dcr.Options{
		Workspace: "ws", RegistrationEndpoint: "https://as.test/ws/register", Audiences: []string{"https://as.test/ws"},
		Profile: p, Rules: testRules(), Store: f.store, Keys: f.keys, Replay: f.replay, Now: f.clk.Now,
		Scopes: []string{"openid", "accounts", "payments", "consents", "resources", "cdr:registration", "bank:accounts.basic:read"},
	}
	for _, m := range mods {
		m(&o)
	}
	r, err := dcr.NewRegistrar(o)
	if err != nil {
		t.Fatalf("NewRegistrar() = %v", err)
	}
	return r
}

// brProfile is a Brasil-like profile written as test data: adding rules is
// adding a value.
func brProfile() dcr.Profile {
	return dcr.Profile{
		Name: "br-test", Format: dcr.FormatJSON,
		SSA: &dcr.SSARules{
			Required: true, Algs: []string{"PS256"}, MaxAge: 5 * time.Minute,
			RequiredClaims: []string{"software_id", "org_id", "software_jwks_uri", "software_redirect_uris"},
			Claims:         dcr.SSAClaims{SoftwareID: "software_id", OrgID: "org_id", RedirectURIs: "software_redirect_uris", JWKSURI: "software_jwks_uri"},
			ActiveClaim:    "org_status", ActiveValue: "Active",
			Metadata: map[string]string{"software_client_name": "client_name"},
		},
		Roles: &dcr.RoleRules{
			Claim: "software_statement_roles", RoleField: "role", StatusField: "status", ActiveStatus: "Active",
			Scopes: map[string][]string{"DADOS": {"openid", "accounts", "consents", "resources"}, "PAGTO": {"openid", "payments"}},
		},
		OnePerSoftwareID: true,
		Cert:             &dcr.CertCheck{SoftwareIDAttrs: []string{oidUID, oidX500}, OrgIDAttr: oidOrg, OrgIDPrefix: "OFBBR-"},
		RequireMTLS:      true, Management: dcr.Management{RAT: true},
		RequireJWKSURI: true, RequiredFields: []string{"redirect_uris"}, DefaultScopeFromRoles: true,
		ExtraFields: []string{"webhook_uris"}, DefaultAuthMethod: "private_key_jwt",
		Webhooks: &dcr.WebhookRules{
			Pattern: `^(https:\/\/[^\s\/?#]+(?:\/[^\s\/?#]+)*)$`, MaxLength: 255, SSAClaim: "software_api_webhook_uris",
		},
		Narrow: dcr.MetadataRules{AuthMethods: []string{"private_key_jwt", "tls_client_auth"}, SigningAlgs: []string{"PS256"}},
	}
}

func (f *fixture) brSSAClaims() map[string]any {
	return map[string]any{
		"iss": dirIss, "iat": f.clk.Now().Unix(), "software_id": "sw-1", "org_id": "org-1", "org_status": "Active",
		"software_jwks_uri": jwksURI, "software_redirect_uris": []string{"https://tpp.test/cb", "https://tpp.test/cb2"},
		"software_statement_roles":  []map[string]any{{"role": "DADOS", "status": "Active"}, {"role": "PAGTO", "status": "Inactive"}},
		"software_client_name":      "TPP App",
		"software_api_webhook_uris": []string{"https://tpp.test/hook", "https://tpp.test/hook2"},
	}
}

func brRequest(ssa string) map[string]any {
	return map[string]any{
		"software_statement": ssa, "redirect_uris": []string{"https://tpp.test/cb"}, "jwks_uri": jwksURI,
		"token_endpoint_auth_method": "private_key_jwt", "grant_types": []string{"authorization_code", "client_credentials"},
		"response_types": []string{"code"}, "scope": "openid accounts", "client_name": "ignored, the SSA wins",
		"webhook_uris": []string{"https://tpp.test/hook"}, "unknown_member": "dropped",
	}
}

func brCert(t *testing.T) map[string]string {
	return map[string]string{oidUID: "sw-1", oidOrg: "OFBBR-org-1"}
}

func jsonReq(t *testing.T, body map[string]any, attrs map[string]string) dcr.Request {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	r := dcr.Request{ContentType: "application/json", Body: b}
	if attrs != nil {
		r.Cert = cert(t, attrs)
	}
	return r
}

func TestRegisterJSON(t *testing.T) {
	f := newFixture(t)
	r := f.registrar(t, brProfile())
	reg, err := r.Register(t.Context(), jsonReq(t, brRequest(f.dir.sign(t, f.brSSAClaims())), brCert(t)))
	if err != nil {
		t.Fatalf("Register() = %v", err)
	}
	c := reg.Client
	if c.SoftwareID != "sw-1" || c.Status != dcr.StatusApproved || reg.AccessToken == "" || c.RATHash != dcr.HashRAT(reg.AccessToken) {
		t.Errorf("client = %+v, token %q", c, reg.AccessToken)
	}
	md := c.Metadata
	if md.ClientName != "TPP App" {
		t.Errorf("client_name = %q, want the SSA's %q", md.ClientName, "TPP App")
	}
	if md.Scope != "openid accounts" || md.JWKSURI != jwksURI || md.SoftwareID != "sw-1" {
		t.Errorf("metadata = %+v", md)
	}
	if _, ok := md.Extra["webhook_uris"]; !ok || len(md.Extra) != 1 {
		t.Errorf("Extra = %v, want webhook_uris only (unknown members dropped)", md.Extra)
	}
	doc, err := r.Document(reg)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	_ = json.Unmarshal(doc, &got)
	for _, k := range []string{"client_id", "client_id_issued_at", "registration_access_token", "registration_client_uri", "software_statement", "webhook_uris"} {
		if got[k] == nil {
			t.Errorf("document lacks %s: %s", k, doc)
		}
	}
	if got["registration_client_uri"] != "https://as.test/ws/register/"+c.ID {
		t.Errorf("registration_client_uri = %v", got["registration_client_uri"])
	}
	if d := f.store.actions(); len(d) != 1 || d[0] != "client.registered" {
		t.Errorf("audit = %v, want [client.registered]", d)
	}
}

func TestRegisterJSONDefaults(t *testing.T) {
	f := newFixture(t)
	r := f.registrar(t, brProfile(), func(o *dcr.Options) { o.InitialStatus = dcr.StatusPending })
	body := brRequest(f.dir.sign(t, f.brSSAClaims()))
	delete(body, "scope")
	delete(body, "jwks_uri")
	reg, err := r.Register(t.Context(), jsonReq(t, body, map[string]string{oidX500: "sw-1", oidOrg: "OFBBR-org-1"}))
	if err != nil {
		t.Fatalf("Register() = %v", err)
	}
	md := reg.Client.Metadata
	// §7.1.1: all the scopes of the active roles (PAGTO is inactive); the SSA's jwks_uri.
	if md.Scope != "openid accounts consents resources" || md.JWKSURI != jwksURI || reg.Client.Status != dcr.StatusPending {
		t.Errorf("scope = %q, jwks_uri = %q, status = %s", md.Scope, md.JWKSURI, reg.Client.Status)
	}
}

// TestRegisterJSONRules sends one violation of each rule and asserts the
// exact RFC 7591 §3.2.2 code.
func TestRegisterJSONRules(t *testing.T) {
	f := newFixture(t)
	now := f.clk.Now()
	tests := []struct {
		name     string
		giveSSA  func(c map[string]any) string // nil: a valid SSA
		giveBody func(b map[string]any)
		giveCert map[string]string
		giveCT   string
		wantCode string
	}{
		{name: "no SSA", giveBody: func(b map[string]any) { delete(b, "software_statement") }, wantCode: dcr.CodeInvalidSoftwareStatement},
		{name: "SSA not a JWT", giveBody: func(b map[string]any) { b["software_statement"] = "not-a-jwt" }, wantCode: dcr.CodeInvalidSoftwareStatement},
		{name: "SSA by another signer", giveSSA: func(c map[string]any) string { return f.other.sign(t, c) }, wantCode: dcr.CodeInvalidSoftwareStatement},
		{name: "SSA from an untrusted issuer", giveSSA: func(c map[string]any) string { c["iss"] = "rogue"; return f.dir.sign(t, c) }, wantCode: dcr.CodeUnapprovedSoftwareStatement},
		{name: "SSA alg not allowed", giveSSA: func(c map[string]any) string { return f.dir.sign(t, c, jose.RS256) }, wantCode: dcr.CodeInvalidSoftwareStatement},
		{name: "stale SSA", giveSSA: func(c map[string]any) string { c["iat"] = now.Add(-6 * time.Minute).Unix(); return f.dir.sign(t, c) }, wantCode: dcr.CodeInvalidSoftwareStatement},
		{name: "SSA from the future", giveSSA: func(c map[string]any) string { c["iat"] = now.Add(time.Hour).Unix(); return f.dir.sign(t, c) }, wantCode: dcr.CodeInvalidSoftwareStatement},
		{name: "expired SSA", giveSSA: func(c map[string]any) string { c["exp"] = now.Add(-time.Minute).Unix(); return f.dir.sign(t, c) }, wantCode: dcr.CodeInvalidSoftwareStatement},
		{name: "SSA without a required claim", giveSSA: func(c map[string]any) string { delete(c, "org_id"); return f.dir.sign(t, c) }, wantCode: dcr.CodeInvalidSoftwareStatement},
		{name: "inactive organisation", giveSSA: func(c map[string]any) string { c["org_status"] = "Revoked"; return f.dir.sign(t, c) }, wantCode: dcr.CodeUnapprovedSoftwareStatement},
		{name: "redirect URI not in the SSA", giveBody: func(b map[string]any) { b["redirect_uris"] = []string{"https://evil.test/cb"} }, wantCode: dcr.CodeInvalidRedirectURI},
		{name: "http redirect URI", giveSSA: func(c map[string]any) string {
			c["software_redirect_uris"] = []string{"http://tpp.test/cb"}
			return f.dir.sign(t, c)
		}, giveBody: func(b map[string]any) { b["redirect_uris"] = []string{"http://tpp.test/cb"} }, wantCode: dcr.CodeInvalidRedirectURI},
		{name: "redirect_uris missing", giveBody: func(b map[string]any) { delete(b, "redirect_uris") }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "jwks_uri mismatch", giveBody: func(b map[string]any) { b["jwks_uri"] = "https://evil.test/jwks" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "jwks by value", giveBody: func(b map[string]any) { b["jwks"] = f.soft.set(); delete(b, "jwks_uri") }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "scope without the role", giveBody: func(b map[string]any) { b["scope"] = "openid payments" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "software_id mismatch", giveBody: func(b map[string]any) { b["software_id"] = "sw-2" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "auth method not allowed", giveBody: func(b map[string]any) { b["token_endpoint_auth_method"] = "client_secret_basic" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "auth method narrowed away", giveBody: func(b map[string]any) { b["token_endpoint_auth_method"] = "self_signed_tls_client_auth" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "tls_client_auth without subject DN", giveBody: func(b map[string]any) { b["token_endpoint_auth_method"] = "tls_client_auth" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "signing alg narrowed away", giveBody: func(b map[string]any) { b["request_object_signing_alg"] = "ES256" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "alg none", giveBody: func(b map[string]any) { b["id_token_signed_response_alg"] = "none" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "response type not served", giveBody: func(b map[string]any) { b["response_types"] = []string{"code id_token"} }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "grant type not served", giveBody: func(b map[string]any) { b["grant_types"] = []string{"password"} }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "encryption alg not served", giveBody: func(b map[string]any) { b["id_token_encrypted_response_alg"] = "RSA1_5" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "enc without alg", giveBody: func(b map[string]any) { b["id_token_encrypted_response_enc"] = "A256GCM" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "wrong JSON type", giveBody: func(b map[string]any) { b["grant_types"] = "client_credentials" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "subject_type pairwise", giveBody: func(b map[string]any) { b["subject_type"] = "pairwise" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "no client certificate", giveCert: map[string]string{}, wantCode: dcr.CodeInvalidClient},
		{name: "certificate UID mismatch", giveCert: map[string]string{oidUID: "sw-9", oidOrg: "OFBBR-org-1"}, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "certificate UID in CN only", giveCert: map[string]string{oidOrg: "OFBBR-org-1"}, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "certificate organizationIdentifier mismatch", giveCert: map[string]string{oidUID: "sw-1", oidOrg: "OPIBR-org-1"}, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "wrong content type", giveCT: "application/jwt", wantCode: dcr.CodeInvalidClientMetadata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newFixtureLike(f).registrar(t, brProfile())
			claims := f.brSSAClaims()
			ssa := f.dir.sign(t, claims)
			if tt.giveSSA != nil {
				ssa = tt.giveSSA(claims)
			}
			body := brRequest(ssa)
			if tt.giveBody != nil {
				tt.giveBody(body)
			}
			attrs := brCert(t)
			if tt.giveCert != nil {
				attrs = tt.giveCert
			}
			req := jsonReq(t, body, attrs)
			if len(attrs) == 0 {
				req.Cert = nil
			}
			if tt.giveCT != "" {
				req.ContentType = tt.giveCT
			}
			_, err := r.Register(t.Context(), req)
			wantCode(t, err, tt.wantCode)
		})
	}
}

// newFixtureLike shares f's keys with a fresh store.
func newFixtureLike(f *fixture) *fixture {
	g := *f
	g.store = newFakeStore()
	return &g
}

func TestRegisterDuplicateSoftwareID(t *testing.T) {
	f := newFixture(t)
	r := f.registrar(t, brProfile())
	for i, want := range []string{"", dcr.CodeInvalidSoftwareStatement} {
		_, err := r.Register(t.Context(), jsonReq(t, brRequest(f.dir.sign(t, f.brSSAClaims())), brCert(t)))
		wantCode(t, err, want)
		if i == 1 && !strings.Contains(err.Error(), "already registered") {
			t.Errorf("description = %q, want it to name the rule", err)
		}
	}
}

func TestErrorsHideCauses(t *testing.T) {
	f := newFixture(t)
	r := f.registrar(t, brProfile())
	body := brRequest("eyJhbGciOiJQUzI1NiJ9.e30.c2ln")
	_, err := r.Register(t.Context(), jsonReq(t, body, brCert(t)))
	var de *dcr.Error
	wantCode(t, err, dcr.CodeInvalidSoftwareStatement)
	if !errors.As(err, &de) || strings.Contains(strings.ToLower(de.Description), "jose") || strings.Contains(de.Description, "illegal") {
		t.Errorf("Description = %q leaks a cause", de.Description)
	}
}

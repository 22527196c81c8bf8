package dcr_test

import (
	"crypto/rand"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/dcr"
)

const registerIss = "cdr-register"

// jwtProfile is a CDR-like profile written as test data.
func jwtProfile() dcr.Profile {
	return dcr.Profile{
		Name: "jwt-test", Format: dcr.FormatJWT,
		Request: dcr.RequestJWTRules{Algs: []string{"PS256", "ES256"}, IssuerIsSoftwareID: true},
		SSA: &dcr.SSARules{
			Required: true, Algs: []string{"PS256", "ES256"}, RequireExp: true, MaxLifetime: 10 * time.Minute,
			RequiredClaims: []string{"software_id", "jwks_uri", "redirect_uris", "scope", "software_roles"},
			Claims:         dcr.SSAClaims{SoftwareID: "software_id", OrgID: "org_id", RedirectURIs: "redirect_uris", JWKSURI: "jwks_uri"},
			Metadata:       map[string]string{"client_name": "client_name"},
			Echo:           []string{"org_name", "recipient_base_uri", "software_roles", "scope", "client_name"},
		},
		Roles:            &dcr.RoleRules{Claim: "software_roles", AsString: true, ScopesClaim: "scope"},
		OnePerSoftwareID: true, RequireMTLS: true,
		Management:        dcr.Management{ClientToken: true, ClientTokenScope: "cdr:registration"},
		RequireJWKSURI:    true,
		RequiredFields:    []string{"token_endpoint_auth_signing_alg", "id_token_signed_response_alg"},
		DefaultAuthMethod: "private_key_jwt",
		Narrow:            dcr.MetadataRules{AuthMethods: []string{"private_key_jwt"}},
		JARM: dcr.JARMRules{
			RequireSignedResponseAlgWithCode: true, IDTokenEncryptionOnlyHybrid: true,
			EncryptionAlgs: []string{"RSA-OAEP", "RSA-OAEP-256"}, EncryptionEncs: []string{"A256GCM", "A128CBC-HS256"},
			DefaultEncryptionEnc: "A128CBC-HS256",
		},
	}
}

func (f *fixture) cdrSSAClaims() map[string]any {
	now := f.clk.Now()
	return map[string]any{
		"iss": registerIss, "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": "ssa-1",
		"software_id": "sw-cdr", "org_id": "brand-1", "org_name": "Brand", "client_name": "ADR App",
		"jwks_uri": jwksURI, "redirect_uris": []string{"https://adr.test/cb"}, "recipient_base_uri": "https://adr.test",
		"software_roles": "data-recipient-software-product",
		"scope":          "openid bank:accounts.basic:read energy:billing:read cdr:registration",
	}
}

func (f *fixture) cdrRequestClaims(ssa string) map[string]any {
	now := f.clk.Now()
	return map[string]any{
		"iss": "sw-cdr", "aud": "https://as.test/ws", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"jti":                rand.Text(),
		"software_statement": ssa, "token_endpoint_auth_method": "private_key_jwt",
		"token_endpoint_auth_signing_alg": "PS256", "grant_types": []string{"client_credentials", "authorization_code", "refresh_token"},
		"response_types": []string{"code"}, "id_token_signed_response_alg": "PS256",
		"authorization_signed_response_alg": "PS256", "id_token_encrypted_response_alg": "RSA-OAEP",
		"id_token_encrypted_response_enc": "A256GCM",
	}
}

func jwtReq(t *testing.T, token string) dcr.Request {
	return dcr.Request{ContentType: "application/jwt", Body: []byte(token), Cert: cert(t, nil)}
}

func TestRegisterJWT(t *testing.T) {
	f := newFixture(t)
	f.keys.issuers[registerIss] = f.dir.set()
	r := f.registrar(t, jwtProfile())
	ssa := f.dir.sign(t, f.cdrSSAClaims())
	reg, err := r.Register(t.Context(), jwtReq(t, f.soft.sign(t, f.cdrRequestClaims(ssa))))
	if err != nil {
		t.Fatalf("Register() = %v", err)
	}
	md := reg.Client.Metadata
	// Scopes from the SSA; those the workspace does not serve are ignored.
	if md.Scope != "openid bank:accounts.basic:read cdr:registration" {
		t.Errorf("scope = %q", md.Scope)
	}
	if !slices.Equal(md.RedirectURIs, []string{"https://adr.test/cb"}) || md.JWKSURI != jwksURI || md.ClientName != "ADR App" {
		t.Errorf("metadata = %+v", md)
	}
	if md.IDTokenEncryptedResponseAlg != "" {
		t.Errorf("id_token_encrypted_response_alg = %q, want it dropped for the code flow", md.IDTokenEncryptedResponseAlg)
	}
	if reg.AccessToken != "" || reg.Client.RATHash != "" {
		t.Error("a registration access token was issued under the client-token model")
	}
	doc, _ := r.Document(reg)
	var got map[string]any
	_ = json.Unmarshal(doc, &got)
	for k, want := range map[string]any{
		"software_statement": ssa, "org_name": "Brand", "recipient_base_uri": "https://adr.test",
		"software_roles": "data-recipient-software-product", "scope": md.Scope,
	} {
		if got[k] != want {
			t.Errorf("document %s = %v, want %v", k, got[k], want)
		}
	}
	if _, ok := got["registration_access_token"]; ok {
		t.Error("document has registration_access_token")
	}
}

// TestRegisterJWTRules sends one violation of each rule of a signed
// registration request and asserts the exact code.
func TestRegisterJWTRules(t *testing.T) {
	f := newFixture(t)
	f.keys.issuers[registerIss] = f.dir.set()
	now := f.clk.Now()
	stranger := newKey(t, jose.ES256, "soft-1")
	tests := []struct {
		name     string
		giveSSA  func(c map[string]any) string
		giveReq  func(c map[string]any)
		giveSign func(c map[string]any) string
		giveCT   string
		wantCode string
	}{
		{name: "request by another key", giveSign: func(c map[string]any) string { return stranger.sign(t, c) }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "request RS256", giveSign: func(c map[string]any) string { return newKey(t, jose.RS256, "soft-1").sign(t, c, jose.RS256) }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "iss is not the software_id", giveReq: func(c map[string]any) { c["iss"] = "someone" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "aud is another server", giveReq: func(c map[string]any) { c["aud"] = "https://other.test" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "expired request", giveReq: func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "no exp", giveReq: func(c map[string]any) { delete(c, "exp") }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "no iat", giveReq: func(c map[string]any) { delete(c, "iat") }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "no jti", giveReq: func(c map[string]any) { delete(c, "jti") }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "SSA expired", giveSSA: func(c map[string]any) string {
			c["iat"], c["exp"] = now.Add(-11*time.Minute).Unix(), now.Add(-time.Minute).Unix()
			return f.dir.sign(t, c)
		}, wantCode: dcr.CodeInvalidSoftwareStatement},
		{name: "SSA without exp", giveSSA: func(c map[string]any) string { delete(c, "exp"); return f.dir.sign(t, c) }, wantCode: dcr.CodeInvalidSoftwareStatement},
		{name: "SSA lives too long", giveSSA: func(c map[string]any) string { c["exp"] = now.Add(time.Hour).Unix(); return f.dir.sign(t, c) }, wantCode: dcr.CodeInvalidSoftwareStatement},
		{name: "SSA by another signer", giveSSA: func(c map[string]any) string { return f.other.sign(t, c) }, wantCode: dcr.CodeInvalidSoftwareStatement},
		{name: "SSA jwks_uri unreachable", giveSSA: func(c map[string]any) string { c["jwks_uri"] = "https://down.test/jwks"; return f.dir.sign(t, c) }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "redirect URI not in the SSA", giveReq: func(c map[string]any) { c["redirect_uris"] = []string{"https://adr.test/other"} }, wantCode: dcr.CodeInvalidRedirectURI},
		{name: "scope not in the SSA", giveReq: func(c map[string]any) { c["scope"] = "openid bank:transactions:read" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "required field missing", giveReq: func(c map[string]any) { delete(c, "token_endpoint_auth_signing_alg") }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "tls_client_auth refused", giveReq: func(c map[string]any) {
			c["token_endpoint_auth_method"], c["tls_client_auth_subject_dn"] = "tls_client_auth", "CN=x"
		}, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "JARM alg missing with code", giveReq: func(c map[string]any) { delete(c, "authorization_signed_response_alg") }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "JARM encryption alg not allowed", giveReq: func(c map[string]any) { c["authorization_encrypted_response_alg"] = "ECDH-ES" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "JSON body", giveCT: "application/json", wantCode: dcr.CodeInvalidClientMetadata},
		{name: "garbage body", giveSign: func(map[string]any) string { return "garbage" }, wantCode: dcr.CodeInvalidClientMetadata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newFixtureLike(f).registrar(t, jwtProfile())
			sc := f.cdrSSAClaims()
			ssa := f.dir.sign(t, sc)
			if tt.giveSSA != nil {
				ssa = tt.giveSSA(sc)
			}
			c := f.cdrRequestClaims(ssa)
			if tt.giveReq != nil {
				tt.giveReq(c)
			}
			tok := f.soft.sign(t, c)
			if tt.giveSign != nil {
				tok = tt.giveSign(c)
			}
			req := jwtReq(t, tok)
			if tt.giveCT != "" {
				req.ContentType = tt.giveCT
			}
			_, err := r.Register(t.Context(), req)
			wantCode(t, err, tt.wantCode)
		})
	}
}

func TestRegisterJWTReplay(t *testing.T) {
	f := newFixture(t)
	f.keys.issuers[registerIss] = f.dir.set()
	p := jwtProfile()
	p.OnePerSoftwareID = false
	r := f.registrar(t, p)
	tok := f.soft.sign(t, f.cdrRequestClaims(f.dir.sign(t, f.cdrSSAClaims())))
	_, err := r.Register(t.Context(), jwtReq(t, tok))
	wantCode(t, err, "")
	_, err = r.Register(t.Context(), jwtReq(t, tok))
	wantCode(t, err, dcr.CodeInvalidClientMetadata)
}

func TestRegisterJWTAcceptsApplicationJOSE(t *testing.T) {
	f := newFixture(t)
	f.keys.issuers[registerIss] = f.dir.set()
	r := f.registrar(t, jwtProfile())
	req := jwtReq(t, f.soft.sign(t, f.cdrRequestClaims(f.dir.sign(t, f.cdrSSAClaims()))))
	req.ContentType = "application/jose; charset=utf-8"
	_, err := r.Register(t.Context(), req)
	wantCode(t, err, "")
}

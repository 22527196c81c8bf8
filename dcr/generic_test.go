package dcr_test

import (
	"encoding/json"
	"testing"

	"github.com/openconsent/openconsent/dcr"
)

func genericBody() map[string]any {
	return map[string]any{
		"redirect_uris": []string{"https://tpp.test/cb"}, "jwks_uri": jwksURI, "scope": "accounts",
		"grant_types": []string{"client_credentials", "authorization_code"}, "dpop_bound_access_tokens": true,
	}
}

func TestGenericProfile(t *testing.T) {
	f := newFixture(t)
	ssa := func(mod func(map[string]any)) string {
		c := map[string]any{"iss": dirIss, "iat": f.clk.Now().Unix(), "software_id": "sw-g", "redirect_uris": []string{"https://tpp.test/cb"}, "jwks_uri": jwksURI, "client_name": "From SSA"}
		mod(c)
		return f.dir.sign(t, c)
	}
	tests := []struct {
		name     string
		give     func(b map[string]any)
		wantCode string
		wantName string
	}{
		{name: "without a software statement", give: func(map[string]any) {}},
		{name: "with a software statement", give: func(b map[string]any) { b["software_statement"] = ssa(func(map[string]any) {}) }, wantName: "From SSA"},
		{name: "software statement of an untrusted issuer", give: func(b map[string]any) {
			b["software_statement"] = ssa(func(c map[string]any) { c["iss"] = "x" })
		}, wantCode: dcr.CodeUnapprovedSoftwareStatement},
		{name: "redirect URI outside the software statement", give: func(b map[string]any) {
			b["software_statement"] = ssa(func(c map[string]any) { c["redirect_uris"] = []string{"https://tpp.test/other"} })
		}, wantCode: dcr.CodeInvalidRedirectURI},
		{name: "system scope", give: func(b map[string]any) { b["scope"] = "manage_consents" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "no keys for private_key_jwt", give: func(b map[string]any) { delete(b, "jwks_uri") }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "jwks_uri over http", give: func(b map[string]any) { b["jwks_uri"] = "http://tpp.test/jwks" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "fragment in a redirect URI", give: func(b map[string]any) { b["redirect_uris"] = []string{"https://tpp.test/cb#x"} }, wantCode: dcr.CodeInvalidRedirectURI},
		{name: "DPoP not served", give: func(map[string]any) {}, wantCode: dcr.CodeInvalidClientMetadata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newFixtureLike(f).registrar(t, dcr.GenericProfile(), func(o *dcr.Options) {
				o.Scopes = []string{"openid", "accounts"}
				if tt.name == "DPoP not served" {
					o.Rules.SenderConstraints = []string{"mtls"}
				}
			})
			b := genericBody()
			tt.give(b)
			reg, err := r.Register(t.Context(), jsonReq(t, b, nil))
			wantCode(t, err, tt.wantCode)
			if err == nil && reg.Client.Metadata.ClientName != tt.wantName {
				t.Errorf("client_name = %q, want %q", reg.Client.Metadata.ClientName, tt.wantName)
			}
		})
	}
}

// fdxLike has no software statement, keeps extension members and exposes
// the status of clients that start Pending.
func fdxLike() dcr.Profile {
	return dcr.Profile{
		Name: "fdx-test", Format: dcr.FormatJSON, Management: dcr.Management{RAT: true},
		InitialStatus: dcr.StatusPending, ExposeStatus: true, RequiredFields: []string{"client_name", "redirect_uris"},
		ExtraFields: []string{"duration_type"}, DefaultAuthMethod: "private_key_jwt",
	}
}

func TestNoSSAProfile(t *testing.T) {
	f := newFixture(t)
	r := f.registrar(t, fdxLike(), func(o *dcr.Options) { o.Scopes = []string{"accounts"} })
	b := genericBody()
	b["client_name"], b["duration_type"] = "Recipient", []string{"TIME_BOUND"}
	reg, err := r.Register(t.Context(), jsonReq(t, b, nil))
	if err != nil {
		t.Fatalf("Register() = %v", err)
	}
	doc, _ := r.Document(reg)
	var got map[string]any
	_ = json.Unmarshal(doc, &got)
	if got["status"] != "Pending" || got["duration_type"] == nil || got["token_endpoint_auth_method"] != "private_key_jwt" {
		t.Errorf("document = %s", doc)
	}
	b["software_statement"] = f.dir.sign(t, map[string]any{"iss": dirIss})
	_, err = r.Register(t.Context(), jsonReq(t, b, nil))
	wantCode(t, err, dcr.CodeInvalidSoftwareStatement)
	delete(b, "software_statement")
	delete(b, "client_name")
	_, err = r.Register(t.Context(), jsonReq(t, b, nil))
	wantCode(t, err, dcr.CodeInvalidClientMetadata)
}

// TestProvisionedMetadata: what the security profile requires is set on
// the client and returned (RFC 7591 §3.2.1).
func TestProvisionedMetadata(t *testing.T) {
	f := newFixture(t)
	r := f.registrar(t, dcr.GenericProfile(), func(o *dcr.Options) {
		o.Scopes = []string{"accounts"}
		o.Rules.RequirePAR, o.Rules.CertificateBoundTokens = true, true
	})
	b := genericBody()
	delete(b, "dpop_bound_access_tokens")
	reg, err := r.Register(t.Context(), jsonReq(t, b, nil))
	if err != nil {
		t.Fatalf("Register() = %v", err)
	}
	if md := reg.Client.Metadata; !md.RequirePushedAuthorizationRequests || !md.TLSClientCertificateBoundAccessTokens {
		t.Errorf("metadata = %+v, want PAR and certificate-bound tokens provisioned", md)
	}
}

package oauth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/authctx"
	"github.com/openconsent/openconsent/server/oauth"
)

const (
	caIssuer    = "https://as.example.com/ws1"
	caTokenURL  = "https://mtls.as.example.com/ws1/token"
	caPARURL    = "https://mtls.as.example.com/ws1/par"
	caWorkspace = "ws1"
	caClientID  = "client-1"
)

var caNow = time.Unix(1_800_000_000, 0)

// caKeySet holds the test keys, generated once (RSA generation is slow under -race).
type caKeySet struct {
	rsa, rsaOther *rsa.PrivateKey
	ec, ecOther   *ecdsa.PrivateKey
	rsaSmall      *rsa.PrivateKey
}

var caKeys = sync.OnceValue(func() caKeySet {
	must := func(k crypto.Signer, err error) crypto.Signer {
		if err != nil {
			panic(err)
		}
		return k
	}
	return caKeySet{
		rsa:      must(rsa.GenerateKey(rand.Reader, 2048)).(*rsa.PrivateKey),
		rsaOther: must(rsa.GenerateKey(rand.Reader, 2048)).(*rsa.PrivateKey),
		ec:       must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)).(*ecdsa.PrivateKey),
		ecOther:  must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)).(*ecdsa.PrivateKey),
		rsaSmall: must(rsa.GenerateKey(rand.Reader, 1024)).(*rsa.PrivateKey),
	}
})

func caJWK(key crypto.Signer, kid string) jose.JSONWebKey {
	return jose.JSONWebKey{Key: key.Public(), KeyID: kid, Use: "sig"}
}

// caClientJWKS is the default client key set: one RSA and one EC key.
func caClientJWKS() *jose.JSONWebKeySet {
	k := caKeys()
	return &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{caJWK(k.rsa, "rsa-1"), caJWK(k.ec, "ec-1")}}
}

func caPKJWTClient() *oauth.Client {
	return &oauth.Client{
		ID: caClientID, Workspace: caWorkspace, Status: oauth.ClientApproved,
		TokenEndpointAuthMethod: oauth.AuthPrivateKeyJWT,
		JWKS:                    caClientJWKS(),
	}
}

func caProfile(t testing.TB, name oauth.SecurityProfile) oauth.Profile {
	t.Helper()
	p, ok := oauth.ProfileFor(name)
	if !ok {
		t.Fatalf("ProfileFor(%q) not found", name)
	}
	return p
}

// caClaims are valid assertion claims for caClientID at caNow.
func caClaims() map[string]any {
	return map[string]any{
		"iss": caClientID,
		"sub": caClientID,
		"aud": caIssuer,
		"iat": caNow.Unix(),
		"exp": caNow.Add(time.Minute).Unix(),
		"jti": rand.Text(),
	}
}

// caSign signs claims with go-jose; an empty kid leaves the header without one.
func caSign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any, headers map[jose.HeaderKey]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	for k, v := range headers {
		opts = opts.WithHeader(k, v)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	obj, err := sig.Sign(caJSON(t, claims))
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatalf("CompactSerialize: %v", err)
	}
	return s
}

func caJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return b
}

// caWantErr asserts that err is an *oauth.Error with the code and, when
// wantDesc is set, the description (the description names the rule, so a
// case cannot pass by failing on another rule).
func caWantErr(t testing.TB, err error, wantCode, wantDesc string) *oauth.Error {
	t.Helper()
	var oe *oauth.Error
	if !errors.As(err, &oe) {
		t.Fatalf("err = %v (%T), want *oauth.Error %s", err, err, wantCode)
	}
	if oe.Code != wantCode {
		t.Errorf("Code = %q, want %q (description %q)", oe.Code, wantCode, oe.Description)
	}
	if wantDesc != "" && oe.Description != wantDesc {
		t.Errorf("Description = %q, want %q", oe.Description, wantDesc)
	}
	return oe
}

// caClients is a ClientSource keyed by workspace and id.
type caClients map[[2]string]*oauth.Client

func (s caClients) Client(_ context.Context, workspace, id string) (*oauth.Client, error) {
	if c, ok := s[[2]string{workspace, id}]; ok {
		return c, nil
	}
	return nil, oauth.ErrClientNotFound
}

func caSource(clients ...*oauth.Client) caClients {
	s := caClients{}
	for _, c := range clients {
		s[[2]string{c.Workspace, c.ID}] = c
	}
	return s
}

// caRequest builds a parsed token request with form and an optional TLS
// client certificate chain.
func caRequest(t testing.TB, form url.Values, chain []*x509.Certificate) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, caTokenURL, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if chain != nil {
		r = r.WithContext(authctx.WithClientCert(r.Context(), chain))
	}
	if err := r.ParseForm(); err != nil {
		t.Fatalf("ParseForm: %v", err)
	}
	return r
}

func caAssertionForm(assertion string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {oauth.ClientAssertionTypeJWTBearer},
		"client_assertion":      {assertion},
	}
}

func TestClientAuthAuthenticate(t *testing.T) {
	k := caKeys()
	good := caSign(t, jose.PS256, k.rsa, "rsa-1", caClaims(), nil)
	otherSub := caClaims()
	otherSub["iss"], otherSub["sub"] = "client-2", "client-2"
	assertionOf := func(claims map[string]any) string { return caSign(t, jose.ES256, k.ec, "ec-1", claims, nil) }

	pending := caPKJWTClient()
	pending.ID, pending.Status = "client-2", oauth.ClientPending
	mtls := caPKJWTClient()
	mtls.ID, mtls.TokenEndpointAuthMethod, mtls.TLSClientAuthSANDNS = "client-mtls", oauth.AuthTLSClientAuth, "client.example"
	noStatus := caPKJWTClient()
	noStatus.ID, noStatus.Status = "client-nostatus", ""
	elsewhere := caPKJWTClient()
	elsewhere.ID, elsewhere.Workspace = "client-ws2", "ws2"

	with := func(v url.Values, kv ...string) url.Values {
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	claimsFor := func(id string) map[string]any {
		c := caClaims()
		c["iss"], c["sub"] = id, id
		return c
	}

	tests := []struct {
		name       string
		giveForm   url.Values
		giveHeader string // Authorization
		giveQuery  string
		wantMethod string
		wantCode   string
		wantDesc   string
	}{
		{name: "private_key_jwt with client_id", giveForm: with(caAssertionForm(good), "client_id", caClientID), wantMethod: oauth.AuthPrivateKeyJWT},
		{name: "private_key_jwt without client_id", giveForm: caAssertionForm(good), wantMethod: oauth.AuthPrivateKeyJWT},
		{name: "empty status counts as approved", giveForm: caAssertionForm(assertionOf(claimsFor(noStatus.ID))), wantMethod: oauth.AuthPrivateKeyJWT},
		{name: "client_id differs from sub", giveForm: with(caAssertionForm(good), "client_id", "client-2"),
			wantCode: oauth.CodeInvalidClient, wantDesc: "client_id does not match the client_assertion iss and sub"},
		{name: "Basic header", giveForm: url.Values{"client_id": {caClientID}}, giveHeader: "Basic Y2xpZW50LTE6c2VjcmV0",
			wantCode: oauth.CodeInvalidClient, wantDesc: "client_secret_basic is not supported"},
		{name: "Basic header and assertion", giveForm: caAssertionForm(good), giveHeader: "basic Y2xpZW50LTE6c2VjcmV0",
			wantCode: oauth.CodeInvalidRequest, wantDesc: "more than one client authentication mechanism is used"},
		{name: "client_secret_post", giveForm: url.Values{"client_id": {caClientID}, "client_secret": {"s"}},
			wantCode: oauth.CodeInvalidClient, wantDesc: "client_secret_post is not supported"},
		{name: "client_secret and assertion", giveForm: with(caAssertionForm(good), "client_secret", "s"),
			wantCode: oauth.CodeInvalidRequest, wantDesc: "more than one client authentication mechanism is used"},
		{name: "wrong assertion type", giveForm: url.Values{"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:saml2-bearer"}, "client_assertion": {good}},
			wantCode: oauth.CodeInvalidClient, wantDesc: "client_assertion_type is not supported"},
		{name: "assertion without type", giveForm: url.Values{"client_assertion": {good}},
			wantCode: oauth.CodeInvalidRequest, wantDesc: "client_assertion_type is required with client_assertion"},
		{name: "type without assertion", giveForm: url.Values{"client_assertion_type": {oauth.ClientAssertionTypeJWTBearer}},
			wantCode: oauth.CodeInvalidRequest, wantDesc: "client_assertion is required with client_assertion_type"},
		{name: "repeated assertion", giveForm: with(caAssertionForm(good), "client_assertion", good),
			wantCode: oauth.CodeInvalidRequest, wantDesc: "client_assertion is repeated"},
		{name: "assertion in query", giveForm: url.Values{"client_id": {caClientID}}, giveQuery: "client_assertion=" + good,
			wantCode: oauth.CodeInvalidRequest, wantDesc: "client credentials must be sent in the request body"},
		{name: "no credentials", giveForm: url.Values{"grant_type": {"client_credentials"}},
			wantCode: oauth.CodeInvalidClient, wantDesc: "client authentication is required"},
		{name: "unknown client", giveForm: caAssertionForm(assertionOf(claimsFor("nobody"))),
			wantCode: oauth.CodeInvalidClient, wantDesc: "client authentication failed"},
		{name: "client of another workspace", giveForm: caAssertionForm(assertionOf(claimsFor(elsewhere.ID))),
			wantCode: oauth.CodeInvalidClient, wantDesc: "client authentication failed"},
		{name: "pending client", giveForm: caAssertionForm(assertionOf(otherSub)),
			wantCode: oauth.CodeInvalidClient, wantDesc: "client is not approved"},
		{name: "assertion from a tls_client_auth client", giveForm: caAssertionForm(assertionOf(claimsFor(mtls.ID))),
			wantCode: oauth.CodeInvalidClient, wantDesc: "client authentication failed"},
		{name: "private_key_jwt client sends only client_id", giveForm: url.Values{"client_id": {caClientID}},
			wantCode: oauth.CodeInvalidClient, wantDesc: "client authentication failed"},
	}
	a := &oauth.ClientAuthenticator{
		Clients: caSource(caPKJWTClient(), pending, mtls, noStatus, elsewhere),
		JWKS:    oauth.NewJWKSCache(nil, oauth.JWKSCacheOptions{}),
		Issuer:  caIssuer, TokenEndpoint: caTokenURL,
		Profile: caProfile(t, oauth.FAPI2Security),
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := caRequest(t, tt.giveForm, nil)
			if tt.giveHeader != "" {
				r.Header.Set("Authorization", tt.giveHeader)
			}
			if tt.giveQuery != "" {
				r.URL.RawQuery = tt.giveQuery
			}
			got, err := a.Authenticate(r, caWorkspace, caTokenURL, caNow)
			if tt.wantCode != "" {
				oe := caWantErr(t, err, tt.wantCode, tt.wantDesc)
				if oe.HTTPStatus() == http.StatusUnauthorized && tt.giveHeader != "" &&
					!strings.HasPrefix(oe.Header.Get("WWW-Authenticate"), "Basic ") {
					t.Errorf("WWW-Authenticate = %q, want a Basic challenge", oe.Header.Get("WWW-Authenticate"))
				}
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if got.Method != tt.wantMethod {
				t.Errorf("Method = %q, want %q", got.Method, tt.wantMethod)
			}
			if len(got.Once) != 1 || got.Once[0].Kind != oauth.OnceAssertionJTI {
				t.Errorf("Once = %+v, want one %s", got.Once, oauth.OnceAssertionJTI)
			}
		})
	}
}

// TestClientAuthAudienceEndpoints: under AudienceIssuerOrEndpoint the token
// endpoint and the invoked endpoint are accepted everywhere (RFC 9126 §2).
func TestClientAuthAudienceEndpoints(t *testing.T) {
	k := caKeys()
	tests := []struct {
		name         string
		giveAud      any
		giveEndpoint string
		wantCode     string
	}{
		{name: "issuer at PAR", giveAud: caIssuer, giveEndpoint: caPARURL},
		{name: "token endpoint at PAR", giveAud: caTokenURL, giveEndpoint: caPARURL},
		{name: "PAR endpoint at PAR", giveAud: caPARURL, giveEndpoint: caPARURL},
		{name: "PAR endpoint at token", giveAud: caPARURL, giveEndpoint: caTokenURL, wantCode: oauth.CodeInvalidClient},
		{name: "array with PAR endpoint", giveAud: []string{"https://x.example", caPARURL}, giveEndpoint: caPARURL},
	}
	a := &oauth.ClientAuthenticator{
		Clients: caSource(caPKJWTClient()),
		JWKS:    oauth.NewJWKSCache(nil, oauth.JWKSCacheOptions{}),
		Issuer:  caIssuer, TokenEndpoint: caTokenURL,
		Profile: caProfile(t, oauth.FAPI1Advanced),
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := caClaims()
			claims["aud"] = tt.giveAud
			r := caRequest(t, caAssertionForm(caSign(t, jose.PS256, k.rsa, "rsa-1", claims, nil)), nil)
			_, err := a.Authenticate(r, caWorkspace, tt.giveEndpoint, caNow)
			if tt.wantCode != "" {
				caWantErr(t, err, tt.wantCode, "client_assertion aud must be the issuer or the endpoint URL")
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
		})
	}
}

// TestClientAuthMethodNotInProfile: a registered method the profile does not
// list is refused (FAPI 1.0 Advanced has no self_signed_tls_client_auth).
func TestClientAuthMethodNotInProfile(t *testing.T) {
	c := caPKJWTClient()
	c.TokenEndpointAuthMethod = oauth.AuthSelfSignedTLSClientAuth
	a := &oauth.ClientAuthenticator{
		Clients: caSource(c),
		JWKS:    oauth.NewJWKSCache(nil, oauth.JWKSCacheOptions{}),
		Issuer:  caIssuer,
		Profile: caProfile(t, oauth.FAPI1Advanced),
	}
	_, err := a.Authenticate(caRequest(t, url.Values{"client_id": {caClientID}}, nil), caWorkspace, caTokenURL, caNow)
	caWantErr(t, err, oauth.CodeInvalidClient, "client authentication method is not allowed")
}

// TestClientAuthCertKept: with private_key_jwt the presented certificate is
// still returned, for certificate-bound tokens (RFC 8705 §3).
func TestClientAuthCertKept(t *testing.T) {
	k := caKeys()
	pki := newCAPKI(t)
	leaf := pki.leaf(t, caLeafSpec{cn: "client.example"})
	a := &oauth.ClientAuthenticator{
		Clients: caSource(caPKJWTClient()),
		JWKS:    oauth.NewJWKSCache(nil, oauth.JWKSCacheOptions{}),
		Issuer:  caIssuer,
		Profile: caProfile(t, oauth.FAPI2Security),
	}
	r := caRequest(t, caAssertionForm(caSign(t, jose.PS256, k.rsa, "rsa-1", caClaims(), nil)), []*x509.Certificate{leaf})
	got, err := a.Authenticate(r, caWorkspace, caTokenURL, caNow)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if got.Cert != leaf {
		t.Errorf("Cert = %v, want the presented leaf", got.Cert)
	}
}

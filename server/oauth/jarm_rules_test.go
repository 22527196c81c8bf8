package oauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
)

// The RequireRegisteredJARMAlg rule (CDR: JARM only for clients that
// registered authorization_signed_response_alg) has no configuration switch
// yet, so it is tested here on a Provider built directly, with hand-written
// fakes for the store, the workspace keys and the clients.

const (
	jrIssuer      = "https://as.example.com/cdr"
	jrWorkspace   = "cdr"
	jrRedirectURI = "https://client.example.com/cb"
)

// jrKeys are the test keys, generated once.
var jrKeys = sync.OnceValue(func() map[string]*ecdsa.PrivateKey {
	m := map[string]*ecdsa.PrivateKey{}
	for _, n := range []string{"workspace", "client"} {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		m[n] = k
	}
	return m
})

// jrWorkspaceKeys is a fake oauth.Keys with one ES256 signing key.
type jrWorkspaceKeys struct{ key *ecdsa.PrivateKey }

func (k jrWorkspaceKeys) Signer(alg jose.SignatureAlgorithm, typ string) (jose.Signer, bool) {
	if alg != jose.ES256 {
		return nil, false
	}
	opts := (&jose.SignerOptions{}).WithHeader("kid", "ws-es256")
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k.key}, opts)
	return s, err == nil
}

func (k jrWorkspaceKeys) Verification() *jose.JSONWebKeySet {
	return &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.key.Public(), KeyID: "ws-es256", Algorithm: "ES256", Use: "sig"}}}
}

func (k jrWorkspaceKeys) PublicJWKS() []byte {
	b, _ := json.Marshal(k.Verification())
	return b
}

func (jrWorkspaceKeys) Decrypter(string) (*jose.JSONWebKey, bool) { return nil, false }

func (jrWorkspaceKeys) SigningKey(jose.SignatureAlgorithm) (*jose.JSONWebKey, bool) {
	return nil, false
}

func (jrWorkspaceKeys) Secret(purpose string) []byte {
	h := sha256.Sum256([]byte("jarm-rules-test/" + purpose))
	return h[:]
}

// jrStore is a fake store that keeps pushed requests; PAR is all these tests use.
type jrStore struct {
	mu   sync.Mutex
	pars map[string]oauth.PARRecord
}

func (s *jrStore) Issue(context.Context, string, oauth.Issuance) error { return nil }
func (s *jrStore) Token(context.Context, string, string) (*oauth.TokenRecord, error) {
	return nil, oauth.ErrNotFound
}
func (s *jrStore) Revoke(context.Context, string, oauth.RevokeFilter) (int64, error) { return 0, nil }
func (s *jrStore) AccessToken(context.Context, string, string, string) (*oauth.TokenRecord, time.Time, error) {
	return nil, time.Time{}, nil
}
func (s *jrStore) RevokeAccessToken(context.Context, string, oauth.TokenRecord) error { return nil }
func (s *jrStore) SavePAR(_ context.Context, _ string, _ []oauth.SingleUse, par oauth.PARRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pars[par.ID] = par
	return nil
}
func (s *jrStore) TakePAR(_ context.Context, _, id string, _ time.Time) (*oauth.PARRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	par, ok := s.pars[id]
	if !ok {
		return nil, oauth.ErrNotFound
	}
	delete(s.pars, id)
	return &par, nil
}
func (s *jrStore) CreateLogin(context.Context, oauth.LoginRecord) error { return nil }
func (s *jrStore) Login(context.Context, string, string, time.Time) (*oauth.LoginRecord, error) {
	return nil, oauth.ErrNotFound
}
func (s *jrStore) TransitionLogin(context.Context, string, string, string, string, []byte, time.Time) error {
	return oauth.ErrNotFound
}

// jrClients is a ClientSource of one workspace.
type jrClients map[string]*oauth.Client

func (s jrClients) Client(_ context.Context, _, id string) (*oauth.Client, error) {
	if c, ok := s[id]; ok {
		return c, nil
	}
	return nil, oauth.ErrClientNotFound
}

// jrProvider builds a provider for profile name with RequireRegisteredJARMAlg
// set as given, and two clients: "registered" (authorization_signed_response_alg
// ES256) and "unregistered".
func jrProvider(t *testing.T, name oauth.SecurityProfile, requireAlg bool) http.HandlerFunc {
	t.Helper()
	prof, ok := oauth.ProfileFor(name)
	if !ok {
		t.Fatalf("no profile %s", name)
	}
	prof.RequireRegisteredJARMAlg = requireAlg
	jwks := &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: jrKeys()["client"].Public(), KeyID: "client-es256", Algorithm: "ES256", Use: "sig"}}}
	client := func(id, alg string) *oauth.Client {
		return &oauth.Client{
			ID: id, Workspace: jrWorkspace, Status: oauth.ClientApproved, RedirectURIs: []string{jrRedirectURI},
			GrantTypes: []string{oauth.GrantAuthorizationCode}, TokenEndpointAuthMethod: oauth.AuthPrivateKeyJWT,
			JWKS: jwks, AuthorizationSignedResponseAlg: alg,
		}
	}
	p, err := oauth.NewProvider(oauth.Options{
		Workspace: jrWorkspace, Issuer: jrIssuer, Profile: prof, Scopes: []string{"openid", "accounts"},
		Tokens: oauth.TokenOptions{
			AccessTokenLifetime: time.Minute, RefreshTokenLifetime: time.Hour, IDTokenLifetime: time.Minute,
			CodeLifetime: time.Minute, RequestURILifetime: time.Minute, LoginLifetime: time.Minute, SigningAlg: "ES256",
		},
		LoginURL: "https://bank.example.com/login",
		Clients:  jrClients{"registered": client("registered", "ES256"), "unregistered": client("unregistered", "")},
		Keys:     jrWorkspaceKeys{key: jrKeys()["workspace"]},
		Store:    &jrStore{pars: map[string]oauth.PARRecord{}},
	})
	if err != nil {
		t.Fatalf("NewProvider: %v", err)
	}
	for _, r := range p.Routes() {
		if r.Method == http.MethodPost && r.Path == "/par" {
			return r.Handler
		}
	}
	t.Fatal("the provider serves no /par")
	return nil
}

// jrSign signs claims with the client's key.
func jrSign(t *testing.T, claims map[string]any, typ string) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithHeader("kid", "client-es256")
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jrKeys()["client"]}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// jrPAR pushes a signed request object from clientID and returns the status and error code.
func jrPAR(t *testing.T, h http.HandlerFunc, clientID, responseType, responseMode string) (int, string) {
	t.Helper()
	now := time.Now()
	rnd := func() string {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	ch := sha256.Sum256([]byte(rnd() + rnd() + rnd()))
	ro := map[string]any{
		"iss": clientID, "aud": jrIssuer, "client_id": clientID, "jti": rnd(),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"response_type": responseType, "redirect_uri": jrRedirectURI, "scope": "openid accounts",
		"state": "s-1", "nonce": "n-1", "code_challenge": base64.RawURLEncoding.EncodeToString(ch[:]), "code_challenge_method": "S256",
	}
	if responseMode != "" {
		ro["response_mode"] = responseMode
	}
	assertion := jrSign(t, map[string]any{
		"iss": clientID, "sub": clientID, "aud": jrIssuer, "jti": rnd(), "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}, "")
	form := url.Values{
		"client_id": {clientID}, "client_assertion_type": {oauth.ClientAssertionTypeJWTBearer}, "client_assertion": {assertion},
		"request": {jrSign(t, ro, "oauth-authz-req+jwt")},
	}
	req := httptest.NewRequest(http.MethodPost, jrIssuer+"/par", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h(rec, req)
	var body struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	return rec.Code, body.Error
}

// TestRequireRegisteredJARMAlg: with the rule on, a JWT response mode
// (asked for, or the default under FAPI 2.0 MS) is refused for a client
// that did not register authorization_signed_response_alg, with
// unauthorized_client; non-JWT modes are not affected, and without the rule
// the same requests are accepted.
func TestRequireRegisteredJARMAlg(t *testing.T) {
	tests := []struct {
		name             string
		giveProfile      oauth.SecurityProfile
		giveRule         bool
		giveClient       string
		giveResponseType string
		giveResponseMode string
		wantStatus       int
		wantCode         string
	}{
		{"MS, registered, JARM by default", oauth.FAPI2MessageSigning, true, "registered", "code", "", 201, ""},
		{"MS, registered, jwt", oauth.FAPI2MessageSigning, true, "registered", "code", "jwt", 201, ""},
		{"MS, unregistered, JARM by default", oauth.FAPI2MessageSigning, true, "unregistered", "code", "", 400, "unauthorized_client"},
		{"MS, unregistered, jwt", oauth.FAPI2MessageSigning, true, "unregistered", "code", "jwt", 400, "unauthorized_client"},
		{"MS, unregistered, query.jwt", oauth.FAPI2MessageSigning, true, "unregistered", "code", "query.jwt", 400, "unauthorized_client"},
		{"MS without the rule, unregistered, jwt", oauth.FAPI2MessageSigning, false, "unregistered", "code", "jwt", 201, ""},
		{"FAPI 1.0, registered, code + jwt", oauth.FAPI1Advanced, true, "registered", "code", "jwt", 201, ""},
		{"FAPI 1.0, unregistered, code + jwt", oauth.FAPI1Advanced, true, "unregistered", "code", "jwt", 400, "unauthorized_client"},
		{"FAPI 1.0, unregistered, hybrid fragment.jwt", oauth.FAPI1Advanced, true, "unregistered", "code id_token", "fragment.jwt", 400, "unauthorized_client"},
		{"FAPI 1.0, unregistered, hybrid in the fragment (no JARM)", oauth.FAPI1Advanced, true, "unregistered", "code id_token", "", 201, ""},
		{"FAPI 1.0 without the rule, unregistered, code + jwt", oauth.FAPI1Advanced, false, "unregistered", "code", "jwt", 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := jrProvider(t, tt.giveProfile, tt.giveRule)
			status, code := jrPAR(t, h, tt.giveClient, tt.giveResponseType, tt.giveResponseMode)
			if status != tt.wantStatus || code != tt.wantCode {
				t.Errorf("PAR = %d %q, want %d %q", status, code, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func (jrWorkspaceKeys) DecryptionKey(string) (*jose.JSONWebKey, bool) { return nil, false }

package dcr_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/dcr"
)

// key is a test signing key.
type key struct {
	jwk jose.JSONWebKey
	alg jose.SignatureAlgorithm
}

func newKey(t *testing.T, alg jose.SignatureAlgorithm, kid string) *key {
	t.Helper()
	var priv any
	var err error
	switch alg {
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &key{jwk: jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: string(alg), Use: "sig"}, alg: alg}
}

func (k *key) set() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k.jwk.Public()}}
}

// sign signs claims with the key's alg, or with alg when given (an RSA
// key can sign RS256 for negative tests).
func (k *key) sign(t *testing.T, claims map[string]any, alg ...jose.SignatureAlgorithm) string {
	t.Helper()
	a := k.alg
	if len(alg) > 0 {
		a = alg[0]
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: a, Key: k.jwk.Key}, (&jose.SignerOptions{}).WithHeader("kid", k.jwk.KeyID).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
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

// fakeStore is an in-memory dcr.ClientStore.
type fakeStore struct {
	mu      sync.Mutex
	clients map[string]dcr.Client
	audit   []consent.AuditEvent
	revoked []string
}

func newFakeStore() *fakeStore { return &fakeStore{clients: map[string]dcr.Client{}} }

func (s *fakeStore) CreateClient(_ context.Context, c *dcr.Client, a consent.AuditEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.clients {
		if c.UniqueSoftwareID && o.Workspace == c.Workspace && o.SoftwareID == c.SoftwareID && o.Status != dcr.StatusRejected {
			return dcr.ErrDuplicateSoftwareID
		}
	}
	s.clients[c.Workspace+"/"+c.ID] = *c
	s.audit = append(s.audit, a)
	return nil
}

func (s *fakeStore) Client(_ context.Context, ws, id string) (*dcr.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[ws+"/"+id]
	if !ok {
		return nil, dcr.ErrNotFound
	}
	return &c, nil
}

func (s *fakeStore) UpdateClient(_ context.Context, c *dcr.Client, a consent.AuditEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c.Workspace+"/"+c.ID]; !ok {
		return dcr.ErrNotFound
	}
	s.clients[c.Workspace+"/"+c.ID] = *c
	s.audit = append(s.audit, a)
	return nil
}

func (s *fakeStore) DeleteClient(_ context.Context, ws, id string, a consent.AuditEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[ws+"/"+id]; !ok {
		return dcr.ErrNotFound
	}
	delete(s.clients, ws+"/"+id)
	s.audit = append(s.audit, a)
	return nil
}

func (s *fakeStore) ClientBySoftwareID(_ context.Context, ws, sw string) (*dcr.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.clients {
		if c.Workspace == ws && c.SoftwareID == sw {
			return &c, nil
		}
	}
	return nil, dcr.ErrNotFound
}

func (s *fakeStore) actions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range s.audit {
		out = append(out, a.Action)
	}
	return out
}

// fakeKeys is a dcr.KeySource over fixed key sets.
type fakeKeys struct {
	issuers  map[string]jose.JSONWebKeySet
	software map[string]jose.JSONWebKeySet
}

func pick(set jose.JSONWebKeySet, kid string) ([]jose.JSONWebKey, error) {
	if kid == "" {
		return set.Keys, nil
	}
	if ks := set.Key(kid); len(ks) > 0 {
		return ks, nil
	}
	return nil, dcr.ErrKeyNotFound
}

func (k *fakeKeys) IssuerKeys(_ context.Context, _, iss, kid string) ([]jose.JSONWebKey, error) {
	set, ok := k.issuers[iss]
	if !ok {
		return nil, dcr.ErrUnknownIssuer
	}
	return pick(set, kid)
}

func (k *fakeKeys) SoftwareKeys(_ context.Context, uri, kid string) ([]jose.JSONWebKey, error) {
	set, ok := k.software[uri]
	if !ok {
		return nil, errors.New("fetch failed: connection refused to " + uri)
	}
	return pick(set, kid)
}

// fakeReplay is an in-memory dcr.ReplayGuard.
type fakeReplay struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (r *fakeReplay) Consume(_ context.Context, ws, kind, v string, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[ws+kind+v] {
		return dcr.ErrReplay
	}
	r.seen[ws+kind+v] = true
	return nil
}

// clock is the registrar's clock, moved by tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// cert returns a client certificate whose subject carries the attributes.
func cert(t *testing.T, attrs map[string]string) *x509.Certificate {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	name := pkix.Name{CommonName: "tpp"}
	for oid, v := range attrs {
		var o asn1.ObjectIdentifier
		for _, part := range splitOID(oid) {
			o = append(o, part)
		}
		name.ExtraNames = append(name.ExtraNames, pkix.AttributeTypeAndValue{Type: o, Value: v})
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: name, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func splitOID(s string) []int {
	var out []int
	n := 0
	for _, r := range s + "." {
		if r == '.' {
			out = append(out, n)
			n = 0
			continue
		}
		n = n*10 + int(r-'0')
	}
	return out
}

// wantCode fails t unless err is a *dcr.Error with that code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var de *dcr.Error
	switch {
	case code == "" && err != nil:
		t.Fatalf("error = %v, want nil", err)
	case code == "":
	case !errors.As(err, &de):
		t.Fatalf("error = %v, want a *dcr.Error with code %s", err, code)
	case de.Code != code:
		t.Fatalf("error code = %s (%s), want %s", de.Code, de.Description, code)
	default:
		t.Logf("%s: %s", de.Code, de.Description)
	}
}

// testRules are a FAPI 2.0-like security profile's rules.
func testRules() dcr.MetadataRules {
	return dcr.MetadataRules{
		AuthMethods:       []string{"private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"},
		SigningAlgs:       []string{"PS256", "ES256"},
		ResponseTypes:     []string{"code"},
		GrantTypes:        []string{"authorization_code", "refresh_token", "client_credentials"},
		SenderConstraints: []string{"mtls", "dpop"},
		EncryptionAlgs:    []string{"RSA-OAEP", "RSA-OAEP-256"},
		EncryptionEncs:    []string{"A256GCM", "A128CBC-HS256"},
	}
}

// ListClients implements dcr.ClientAdmin (unordered; tests use one page).
func (s *fakeStore) ListClients(_ context.Context, ws string, f dcr.ListFilter) ([]dcr.Client, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dcr.Client
	for _, c := range s.clients {
		if c.Workspace == ws && (f.Status == "" || c.Status == f.Status) {
			out = append(out, c)
		}
	}
	return out, "", nil
}

// SetClientStatus implements dcr.ClientAdmin; revoked records the revoke flag.
func (s *fakeStore) SetClientStatus(_ context.Context, ws, id string, from, to dcr.Status, revoke bool, a consent.AuditEvent) (*dcr.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[ws+"/"+id]
	switch {
	case !ok:
		return nil, dcr.ErrNotFound
	case c.Status != from:
		return nil, dcr.ErrInvalidTransition
	}
	c.Status = to
	s.clients[ws+"/"+id] = c
	s.audit = append(s.audit, a)
	if revoke {
		s.revoked = append(s.revoked, id)
	}
	return &c, nil
}

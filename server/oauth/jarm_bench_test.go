package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// benchKeys signs with freshly generated PS256 and ES256 keys, caching
// signers as the workspace key set does.
type benchKeys struct {
	keys    map[jose.SignatureAlgorithm]*jose.JSONWebKey
	signers map[jose.SignatureAlgorithm]jose.Signer
}

func newBenchKeys(b *testing.B) *benchKeys {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	return &benchKeys{signers: map[jose.SignatureAlgorithm]jose.Signer{}, keys: map[jose.SignatureAlgorithm]*jose.JSONWebKey{
		jose.ES256: {Key: ec, KeyID: "ec", Algorithm: "ES256", Use: "sig"},
		jose.PS256: {Key: rk, KeyID: "rsa", Algorithm: "PS256", Use: "sig"},
	}}
}

func (k *benchKeys) Signer(alg jose.SignatureAlgorithm, _ string) (jose.Signer, bool) {
	if s, ok := k.signers[alg]; ok {
		return s, true
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k.keys[alg]}, nil)
	if err != nil {
		return nil, false
	}
	k.signers[alg] = s
	return s, true
}
func (k *benchKeys) Verification() *jose.JSONWebKeySet { return &jose.JSONWebKeySet{} }
func (k *benchKeys) PublicJWKS() []byte                { return []byte(`{"keys":[]}`) }
func (k *benchKeys) Secret(string) []byte              { return make([]byte, 32) }
func (k *benchKeys) Decrypter(string) (*jose.JSONWebKey, bool) {
	return nil, false
}
func (k *benchKeys) DecryptionKey(string) (*jose.JSONWebKey, bool) { return nil, false }
func (k *benchKeys) SigningKey(alg jose.SignatureAlgorithm) (*jose.JSONWebKey, bool) {
	key, ok := k.keys[alg]
	return key, ok
}

// BenchmarkJARMResponse measures signing a JARM authorization response
// (JARM §2.1) per signing algorithm: the cost the authorization endpoint
// adds under FAPI 1.0 Advanced code+JARM and FAPI 2.0 Message Signing.
func BenchmarkJARMResponse(b *testing.B) {
	for _, alg := range []string{"ES256", "PS256"} {
		b.Run(alg, func(b *testing.B) {
			p := &Provider{opt: Options{Issuer: "https://as.test/ws", Keys: newBenchKeys(b), Now: time.Now, Tokens: TokenOptions{SigningAlg: alg}}}
			c := &Client{ID: "client-1"}
			req := &AuthorizationRequest{ClientID: "client-1", State: "st"}
			v := url.Values{"code": {randomID(200)}, "state": {"st"}}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := p.jarm(context.Background(), c, req, v); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

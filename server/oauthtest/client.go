// Package oauthtest holds client-side fixtures for tests, benchmarks and the
// load generator: key pairs, client assertions (RFC 7523), DPoP proofs (RFC
// 9449), request objects (RFC 9101) and PKCE pairs, all built with go-jose.
// Test and demo use only.
package oauthtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Key is a private signing key with its kid and alg.
type Key struct {
	JWK jose.JSONWebKey
	Alg jose.SignatureAlgorithm
	sig jose.Signer
}

// NewKey generates an ES256 (P-256) or PS256 (RSA 2048) key.
func NewKey(alg jose.SignatureAlgorithm) (*Key, error) {
	var priv any
	var err error
	switch alg {
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.PS256, jose.RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return nil, fmt.Errorf("unsupported alg %s", alg)
	}
	if err != nil {
		return nil, err
	}
	return FromJWK(jose.JSONWebKey{Key: priv, Algorithm: string(alg), Use: "sig"})
}

// FromJWK wraps a private JWK, setting a thumbprint kid when it has none.
func FromJWK(j jose.JSONWebKey) (*Key, error) {
	if j.KeyID == "" {
		tp, err := j.Thumbprint(crypto.SHA256)
		if err != nil {
			return nil, err
		}
		j.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	}
	return &Key{JWK: j, Alg: jose.SignatureAlgorithm(j.Algorithm)}, nil
}

// LoadPrivateJWKS reads a private JWKS file and returns the key for alg.
func LoadPrivateJWKS(path string, alg jose.SignatureAlgorithm) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, err
	}
	for _, k := range set.Keys {
		if k.Algorithm == string(alg) {
			return FromJWK(k)
		}
	}
	return nil, fmt.Errorf("%s: no %s key", path, alg)
}

// Public returns the public JWK.
func (k *Key) Public() jose.JSONWebKey { return k.JWK.Public() }

// JWKS returns a JWKS holding the public key.
func (k *Key) JWKS() *jose.JSONWebKeySet {
	return &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k.Public()}}
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint, base64url.
func (k *Key) Thumbprint() string {
	pub := k.JWK.Public()
	tp, _ := pub.Thumbprint(crypto.SHA256)
	return base64.RawURLEncoding.EncodeToString(tp)
}

// Sign signs claims as a compact JWS with the kid (and typ, when set) in the header.
func (k *Key) Sign(claims any, typ string, embedJWK bool) (string, error) {
	opts := &jose.SignerOptions{}
	if embedJWK {
		opts.EmbedJWK = true
	} else {
		opts = opts.WithHeader("kid", k.JWK.KeyID)
	}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.Alg, Key: k.JWK.Key}, opts)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := s.Sign(b)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// Assertion returns a private_key_jwt client assertion (RFC 7523 §3) for
// clientID with audience aud, valid for a minute.
func (k *Key) Assertion(clientID, aud string) (string, error) {
	now := time.Now()
	return k.Sign(map[string]any{
		"iss": clientID, "sub": clientID, "aud": aud, "jti": RandomString(16),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}, "", false)
}

// DPoP returns a DPoP proof (RFC 9449 §4.2) for method and url; accessToken
// and nonce are included when non-empty.
func (k *Key) DPoP(method, url, accessToken, nonce string) (string, error) {
	c := map[string]any{"jti": RandomString(16), "htm": method, "htu": url, "iat": time.Now().Unix()}
	if accessToken != "" {
		h := sha256.Sum256([]byte(accessToken))
		c["ath"] = base64.RawURLEncoding.EncodeToString(h[:])
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return k.Sign(c, "dpop+jwt", true)
}

// RequestObject signs authorization request parameters (RFC 9101) with the
// iss, aud, exp, nbf and jti claims FAPI expects.
func (k *Key) RequestObject(clientID, aud string, params map[string]any) (string, error) {
	now := time.Now()
	c := map[string]any{
		"iss": clientID, "aud": aud, "client_id": clientID, "jti": RandomString(16),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}
	for k, v := range params {
		c[k] = v
	}
	return k.Sign(c, "oauth-authz-req+jwt", false)
}

// PKCE returns a verifier and its S256 challenge (RFC 7636 §4.1–4.2).
func PKCE() (verifier, challenge string) {
	verifier = RandomString(32)
	h := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(h[:])
}

// RandomString returns n random bytes, base64url-encoded.
func RandomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

package oauth

import (
	"github.com/go-jose/go-jose/v4"
)

// Keys gives a workspace's own keys. Keys are parsed once (at start-up or
// rotation), never per request; implementations are safe for concurrent use.
type Keys interface {
	// Signer returns a cached signer for alg using the workspace's current key
	// for it, with the kid set in the JWS header; false if no such key.
	Signer(alg jose.SignatureAlgorithm, typ string) (jose.Signer, bool)
	// Verification returns the public keys (current and retired) to verify
	// tokens this workspace signed.
	Verification() *jose.JSONWebKeySet
	// PublicJWKS returns the serialised jwks_uri document.
	PublicJWKS() []byte
	// Decrypter returns the workspace's private encryption key for a
	// key-management algorithm (use "enc", published in the JWKS).
	Decrypter(alg string) (*jose.JSONWebKey, bool)
	// DecryptionKey returns the private key of the published encryption
	// key kid, active or retired: a client may still encrypt to a key it
	// fetched from the JWKS before a rotation, for as long as it is
	// published.
	DecryptionKey(kid string) (*jose.JSONWebKey, bool)
	// SigningKey returns the workspace's current private signing key for
	// alg, for signatures a cached Signer cannot make (UK detached JWS).
	SigningKey(alg jose.SignatureAlgorithm) (*jose.JSONWebKey, bool)
	// Secret derives a 32-byte secret for a purpose (opaque-token HMAC,
	// sealed codes, DPoP nonces, cookies), stable across instances.
	Secret(purpose string) []byte
}

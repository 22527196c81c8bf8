package oauthtest

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// This file builds deliberately broken JWTs for negative tests: claims to
// alter before signing, unsigned (alg none) and HMAC tokens, and signatures
// with protected headers of the test's choosing.

// AssertionClaims returns the claims of a valid client assertion (RFC 7523
// §3) for clientID with audience aud (a string or a list), issued at now and
// valid for a minute. Tests alter them and sign with Sign.
func AssertionClaims(clientID string, aud any, now time.Time) map[string]any {
	return map[string]any{
		"iss": clientID, "sub": clientID, "aud": aud, "jti": RandomString(16),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}
}

// DPoPClaims returns the claims of a valid DPoP proof (RFC 9449 §4.2) issued
// at iat; accessToken (for ath) and nonce are included when non-empty.
func DPoPClaims(method, url, accessToken, nonce string, iat time.Time) map[string]any {
	c := map[string]any{"jti": RandomString(16), "htm": method, "htu": url, "iat": iat.Unix()}
	if accessToken != "" {
		c["ath"] = ATH(accessToken)
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return c
}

// ATH is the ath claim of accessToken: base64url(SHA-256(token)).
func ATH(accessToken string) string {
	h := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// SignDPoP signs proof claims as a well-formed proof: typ dpop+jwt and the
// public key in the jwk header.
func (k *Key) SignDPoP(claims any) (string, error) { return k.Sign(claims, "dpop+jwt", true) }

// SignWithHeader signs claims with exactly the extra protected header
// parameters given (typ, kid, jwk...): nothing is added but alg.
func (k *Key) SignWithHeader(claims any, header map[string]any) (string, error) {
	opts := &jose.SignerOptions{}
	for name, v := range header {
		opts = opts.WithHeader(jose.HeaderKey(name), v)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.Alg, Key: k.JWK.Key}, opts)
	if err != nil {
		return "", err
	}
	return signCompact(s, claims)
}

// PublicKeyPEM is the PKIX PEM of the public key: the "secret" of the
// HMAC key-confusion attack (RFC 8725 §2.1).
func (k *Key) PublicKeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k.JWK.Public().Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// SignHS256 returns an HS256 JWS of claims keyed with secret, with the extra
// protected header parameters given.
func SignHS256(secret []byte, header map[string]any, claims any) (string, error) {
	opts := &jose.SignerOptions{}
	for name, v := range header {
		opts = opts.WithHeader(jose.HeaderKey(name), v)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, opts)
	if err != nil {
		return "", err
	}
	return signCompact(s, claims)
}

// Unsigned returns an unsecured JWT (RFC 7519 §6: alg none, empty
// signature) with header (alg is set to none) and claims.
func Unsigned(header map[string]any, claims any) (string, error) {
	h := map[string]any{"alg": "none"}
	for name, v := range header {
		h[name] = v
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb) + ".", nil
}

func signCompact(s jose.Signer, claims any) (string, error) {
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

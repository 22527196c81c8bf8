package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// ClientAssertionTypeJWTBearer is the only client_assertion_type accepted
// (RFC 7523 §2.2).
const ClientAssertionTypeJWTBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

const (
	// assertionLeeway is the clock skew tolerated on exp, nbf and iat. It is
	// kept small because assertions are short-lived and single use; the jti
	// record outlives exp by the same amount so replay stays impossible.
	assertionLeeway = 5 * time.Second
	// defaultMaxAssertionLifetime applies when Profile.MaxAssertionLifetime
	// is zero.
	defaultMaxAssertionLifetime = 5 * time.Minute
	// maxAssertionBytes bounds the input before any parsing (a JWS with an
	// x5c chain fits comfortably).
	maxAssertionBytes = 16 << 10
	// maxAssertionOnceValue: longer client_id:jti values are stored hashed.
	maxAssertionOnceValue = 128
	// minClientRSABits: FAPI 1.0 Part 1 §5.2.2-5 and FAPI 2.0 SP §5.4 (RSA keys of
	// at least 2048 bits).
	minClientRSABits = 2048
)

// AssertionCheck is the context a client assertion is verified against.
type AssertionCheck struct {
	// Issuer is the workspace's issuer identifier.
	Issuer string
	// Endpoints are the token endpoint URL and the URL of the endpoint being
	// invoked; used only when Profile.AssertionAudience is
	// AudienceIssuerOrEndpoint (RFC 7523 §3 item 3, RFC 9126 §2).
	Endpoints []string
	// Profile gives SigningAlgs, AssertionAudience and MaxAssertionLifetime.
	Profile Profile
	// Now is the verification time.
	Now time.Time
}

// assertion is a parsed, not yet verified client assertion.
type assertion struct {
	jws    *jose.JSONWebSignature
	alg    jose.SignatureAlgorithm
	kid    string
	claims assertionClaims
}

// assertionClaims are the RFC 7523 §3 claims. aud is kept raw because its
// JSON shape (string or array) matters under AudienceIssuerOnly.
type assertionClaims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  json.RawMessage  `json:"aud"`
	Expiry    *jwt.NumericDate `json:"exp"`
	NotBefore *jwt.NumericDate `json:"nbf"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	ID        string           `json:"jti"`
}

// VerifyClientAssertion verifies an RFC 7523 private_key_jwt client
// assertion for client c and returns its jti as a SingleUse value. The caller
// must write that value with the token store in the same transaction as the
// response's effects (TokenStore.Issue, FlowStore.SavePAR): that write, not
// this function, enforces single use across instances (RFC 7523 §3 item 7).
// Every failure is an *Error with code invalid_client (RFC 6749 §5.2).
func VerifyClientAssertion(ctx context.Context, clientAssertion string, c *Client, keys *JWKSCache, chk AssertionCheck) (SingleUse, error) {
	a, err := parseAssertion(clientAssertion, chk.Profile.SigningAlgs)
	if err != nil {
		return SingleUse{}, err
	}
	return a.verify(ctx, c, keys, chk)
}

// parseAssertion parses the compact JWS and its claims without verifying
// them. The alg is checked here so that "none" and HMAC fail before any key
// is looked up.
func parseAssertion(s string, profileAlgs []jose.SignatureAlgorithm) (*assertion, error) {
	if len(s) > maxAssertionBytes {
		return nil, InvalidClient("client_assertion is too large")
	}
	// RFC 7523 §2.2: a JWT; RFC 7519 §7.2 compact serialisation only. A JWE
	// has five parts and the JSON serialisation no dots at all.
	if strings.Count(s, ".") != 2 {
		return nil, InvalidClient("client_assertion must be a compact-serialised JWS")
	}
	allowed := make([]jose.SignatureAlgorithm, 0, len(profileAlgs))
	for _, alg := range profileAlgs {
		if assertionAlgAllowed(alg) {
			allowed = append(allowed, alg)
		}
	}
	if len(allowed) == 0 {
		return nil, ServerError(errors.New("oauth: profile allows no asymmetric signing algorithm"))
	}
	jws, err := jose.ParseSignedCompact(s, allowed)
	if err != nil {
		var unexpected *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &unexpected) {
			return nil, algError(unexpected.Got).WithCause(err)
		}
		return nil, InvalidClient("client_assertion is not a valid JWS").WithCause(err)
	}
	h := jws.Signatures[0].Header
	if !assertionTyp(h.ExtraHeaders[jose.HeaderType]) {
		return nil, InvalidClient("client_assertion typ is not a client assertion type")
	}
	a := &assertion{jws: jws, alg: jose.SignatureAlgorithm(h.Algorithm), kid: h.KeyID}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &a.claims); err != nil {
		return nil, InvalidClient("client_assertion claims are malformed").WithCause(err)
	}
	return a, nil
}

// algError names why an alg outside the allowed list is refused. none and
// HMAC are named explicitly: an HMAC "verified" with a public key as the
// secret is the classic key-confusion attack (RFC 8725 §2.1, §3.1).
func algError(alg jose.SignatureAlgorithm) *Error {
	switch {
	case strings.EqualFold(string(alg), "none"):
		return InvalidClient("client_assertion alg none is not accepted")
	case strings.HasPrefix(strings.ToUpper(string(alg)), "HS"):
		return InvalidClient("client_assertion must use an asymmetric alg: HMAC is not accepted")
	}
	return InvalidClient("client_assertion alg is not allowed")
}

// assertionAlgAllowed excludes none and HMAC even if a profile lists them.
func assertionAlgAllowed(alg jose.SignatureAlgorithm) bool {
	switch alg {
	case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
		jose.ES256, jose.ES384, jose.ES512, jose.EdDSA:
		return true
	}
	return false
}

// assertionTyp accepts no typ, JWT, or client-authentication+jwt
// (draft-ietf-oauth-rfc7523bis §4); any other explicit type names a
// different kind of JWT (dpop+jwt, oauth-authz-req+jwt, at+jwt...) and
// is refused so those cannot be replayed as client assertions (RFC 8725 §3.11).
func assertionTyp(v any) bool {
	if v == nil {
		return true
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	s = strings.TrimPrefix(strings.ToLower(s), "application/")
	return s == "jwt" || s == "client-authentication+jwt"
}

// verify checks the signature with the client's registered keys, then the
// claims of RFC 7523 §3.
func (a *assertion) verify(ctx context.Context, c *Client, keys *JWKSCache, chk AssertionCheck) (SingleUse, error) {
	if c.TokenEndpointAuthSigningAlg != "" && string(a.alg) != c.TokenEndpointAuthSigningAlg {
		// OIDC Registration §2 token_endpoint_auth_signing_alg: the JWT MUST be
		// rejected if it is not signed with this algorithm.
		return SingleUse{}, InvalidClient("client_assertion alg is not the client's token_endpoint_auth_signing_alg")
	}
	candidates, err := a.candidateKeys(ctx, c, keys)
	if err != nil {
		return SingleUse{}, err
	}
	var verr error
	verified := false
	for _, k := range candidates {
		if _, verr = a.jws.Verify(k.Key); verr == nil {
			verified = true
			break
		}
	}
	if !verified {
		return SingleUse{}, InvalidClient("client_assertion signature is invalid").WithCause(verr)
	}
	if err := a.claims.check(c.ID, chk); err != nil {
		return SingleUse{}, err
	}
	return SingleUse{
		Kind:      OnceAssertionJTI,
		Value:     timeOrderedKey(a.claims.Expiry.Time(), assertionOnceValue(c.ID, a.claims.ID)),
		ExpiresAt: a.claims.Expiry.Time().Add(assertionLeeway),
	}, nil
}

// candidateKeys returns the client's keys able to verify a.alg: those with
// the header's kid, or, without a kid, the only such key (OIDC Core §10.1:
// kid may be omitted when the key is unambiguous).
func (a *assertion) candidateKeys(ctx context.Context, c *Client, cache *JWKSCache) ([]jose.JSONWebKey, error) {
	var (
		keys []jose.JSONWebKey
		err  error
	)
	if a.kid != "" {
		keys, err = cache.KeyByID(ctx, c, a.kid)
	} else {
		var set *jose.JSONWebKeySet
		if set, err = cache.Keys(ctx, c); err == nil {
			keys = set.Keys
		}
	}
	switch {
	case errors.Is(err, ErrJWKSKeyNotFound):
		return nil, InvalidClient("no client key matches the client_assertion kid").WithCause(err)
	case err != nil:
		return nil, InvalidClient("client keys could not be obtained").WithCause(err)
	}
	usable := make([]jose.JSONWebKey, 0, 1)
	var reason error
	for i := range keys {
		k, err := assertionKey(&keys[i], a.alg)
		if err != nil {
			reason = err
			continue
		}
		usable = append(usable, k)
	}
	switch {
	case len(usable) == 0:
		return nil, InvalidClient("no client key can verify the client_assertion alg").WithCause(reason)
	case a.kid == "" && len(usable) > 1:
		return nil, InvalidClient("client_assertion kid is required: the client has several keys for its alg")
	}
	return usable, nil
}

// assertionKey returns the public part of k if it may verify alg: a signing
// key (RFC 7517 §4.2 use, §4.4 alg) of the alg's type and size.
func assertionKey(k *jose.JSONWebKey, alg jose.SignatureAlgorithm) (jose.JSONWebKey, error) {
	pub := k.Public()
	if !pub.Valid() {
		return pub, errors.New("not an asymmetric key")
	}
	if pub.Use != "" && pub.Use != "sig" {
		return pub, fmt.Errorf("key use %q", pub.Use)
	}
	if pub.Algorithm != "" && pub.Algorithm != string(alg) {
		return pub, fmt.Errorf("key alg %q", pub.Algorithm)
	}
	ok := false
	switch key := pub.Key.(type) {
	case *rsa.PublicKey:
		if key.N.BitLen() < minClientRSABits {
			return pub, fmt.Errorf("RSA key of %d bits", key.N.BitLen())
		}
		ok = slices.Contains([]jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512}, alg)
	case *ecdsa.PublicKey:
		ok = (alg == jose.ES256 && key.Curve == elliptic.P256()) ||
			(alg == jose.ES384 && key.Curve == elliptic.P384()) ||
			(alg == jose.ES512 && key.Curve == elliptic.P521())
	case ed25519.PublicKey:
		ok = alg == jose.EdDSA
	}
	if !ok {
		return pub, fmt.Errorf("key type %T cannot verify %s", pub.Key, alg)
	}
	return pub, nil
}

// check applies RFC 7523 §3 to verified claims for client clientID.
func (cl *assertionClaims) check(clientID string, chk AssertionCheck) *Error {
	switch {
	case cl.Issuer != clientID: // RFC 7523 §3 item 1
		return InvalidClient("client_assertion iss must be the client_id")
	case cl.Subject != clientID: // RFC 7523 §3 item 2
		return InvalidClient("client_assertion sub must be the client_id")
	}
	if err := cl.checkAudience(chk); err != nil {
		return err
	}
	if err := cl.checkTimes(chk); err != nil {
		return err
	}
	if cl.ID == "" { // OIDC Core §9 private_key_jwt: jti REQUIRED (RFC 7523 §3 item 7 leaves it optional)
		return InvalidClient("client_assertion jti is required")
	}
	return nil
}

// checkAudience implements RFC 7523 §3 item 3 under the profile's rule.
// AudienceIssuerOnly demands the issuer as a lone JSON string: FAPI 2.0 SP
// §5.3.2.1 note 2 and draft-ietf-oauth-rfc7523bis §4 (audience injection).
func (cl *assertionClaims) checkAudience(chk AssertionCheck) *Error {
	raw := cl.Audience
	if len(raw) == 0 || string(raw) == "null" {
		return InvalidClient("client_assertion aud is required")
	}
	if chk.Profile.AssertionAudience == AudienceIssuerOnly {
		var aud string
		if raw[0] != '"' || json.Unmarshal(raw, &aud) != nil {
			return InvalidClient("client_assertion aud must be the issuer as a single string, not an array")
		}
		if chk.Issuer == "" || aud != chk.Issuer {
			return InvalidClient("client_assertion aud must be the issuer identifier")
		}
		return nil
	}
	var auds jwt.Audience
	if err := json.Unmarshal(raw, &auds); err != nil {
		return InvalidClient("client_assertion aud is malformed").WithCause(err)
	}
	for _, v := range auds {
		if v != "" && (v == chk.Issuer || slices.Contains(chk.Endpoints, v)) {
			return nil
		}
	}
	return InvalidClient("client_assertion aud must be the issuer or the endpoint URL")
}

// checkTimes enforces exp (RFC 7523 §3 item 4), nbf (item 5), iat (item 6)
// with assertionLeeway, and the profile's maximum lifetime.
func (cl *assertionClaims) checkTimes(chk AssertionCheck) *Error {
	now := chk.Now
	if cl.Expiry == nil {
		return InvalidClient("client_assertion exp is required")
	}
	exp := cl.Expiry.Time()
	if !now.Before(exp.Add(assertionLeeway)) {
		return InvalidClient("client_assertion has expired")
	}
	if cl.NotBefore != nil && now.Add(assertionLeeway).Before(cl.NotBefore.Time()) {
		return InvalidClient("client_assertion is not yet valid (nbf)")
	}
	start := now
	if cl.IssuedAt != nil {
		start = cl.IssuedAt.Time()
		if start.After(now.Add(assertionLeeway)) {
			return InvalidClient("client_assertion iat is in the future")
		}
	}
	limit := chk.Profile.MaxAssertionLifetime
	if limit <= 0 {
		limit = defaultMaxAssertionLifetime
	}
	if exp.Sub(start) > limit {
		return InvalidClient("client_assertion lifetime is too long")
	}
	return nil
}

// assertionOnceValue is the single-use key for a jti: unique per client, since jti
// values are chosen by clients (RFC 7523 §3 item 7). Long values are hashed
// to keep the store's unique index small.
func assertionOnceValue(clientID, jti string) string {
	v := clientID + ":" + jti
	if len(v) <= maxAssertionOnceValue {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "sha256:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

package obie

import (
	"context"
	"crypto"
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

	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

// UK RW v3.1.11 Read/Write Data API Profile, Message Signing: the detached
// JWS in x-jws-signature. From v3.1.4 the b64 header must be absent (the
// signing input is the ordinary base64url(header).base64url(body)), alg is
// PS256, kid is mandatory, and crit lists exactly the three OB claims.
const (
	headerJWS = "x-jws-signature"

	ClaimIAT = "http://openbanking.org.uk/iat" // NumericDate, must be in the past
	ClaimISS = "http://openbanking.org.uk/iss" // the signer: TPP {org-id}/{software-id}, ASPSP {org-id}, or certificate subject DN
	ClaimTAN = "http://openbanking.org.uk/tan" // the trust anchor's DNS name
)

// critClaims is the only acceptable crit (as a set).
func critClaims() []string { return []string{ClaimIAT, ClaimISS, ClaimTAN} }

// allowedHeaders are the only JOSE header names a signature may carry
// besides alg and kid ("the verifier must allow only those header claims").
func allowedHeaders() []string { return []string{"typ", "cty", "crit", ClaimIAT, ClaimISS, ClaimTAN} }

// parseAlgs are accepted by the parser so that a wrong alg is reported as
// an invalid claim rather than a malformed signature; only PS256 verifies.
func parseAlgs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.PS256, jose.RS256, jose.RS384, jose.RS512,
		jose.PS384, jose.PS512, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.HS256, jose.HS384, jose.HS512}
}

// SignatureError is a rejected x-jws-signature: the UK code and the header
// claim at fault (the OBError1 Path).
type SignatureError struct {
	Code   gen.OBErrorCode
	Claim  string
	Reason string
}

// Error implements error.
func (e *SignatureError) Error() string {
	return "obie: x-jws-signature: " + string(e.Code) + " " + e.Claim + ": " + e.Reason
}

func sigErr(code gen.OBErrorCode, claim, reason string) *SignatureError {
	return &SignatureError{Code: code, Claim: claim, Reason: reason}
}

// KeyFunc returns the signer's public keys with that kid (the TPP's JWKS,
// parsed once and cached: oauth.JWKSCache.KeyByID).
type KeyFunc func(ctx context.Context, kid string) ([]jose.JSONWebKey, error)

// JWSPolicy is what a signature's header must satisfy besides the
// signature itself.
type JWSPolicy struct {
	// TrustAnchor is the required tan.
	TrustAnchor string
	// Issuers are the acceptable iss values; empty accepts any non-empty iss.
	Issuers []string
	// Now is the clock; iat must not be after Now()+Leeway.
	Now    func() time.Time
	Leeway time.Duration
}

// VerifyDetached checks a detached JWS over body (UK RW v3.1.11 Message
// Signing, "Process for Verifying a Signature"). Every failure is a
// *SignatureError: Missing, Malformed, MissingClaim, InvalidClaim or Invalid.
//
// go-jose parses the JOSE structure (ParseDetached) and every header. It
// refuses, by design, to verify a JWS whose crit names extensions it does
// not implement (RFC 7515 §4.1.11; only b64 is built in), and the OB claims
// are such extensions: we process them here. The last step, RSASSA-PSS
// over the signing input, is therefore made with crypto/rsa exactly as
// go-jose's own PS256 verifier does it (SHA-256, salt length auto).
func VerifyDetached(ctx context.Context, sig string, body []byte, keys KeyFunc, p JWSPolicy) error {
	if sig == "" {
		return sigErr(gen.UKOBIESignatureMissing, "", "the signature is missing")
	}
	protected, rest, ok := strings.Cut(sig, ".")
	if !ok || !strings.HasPrefix(rest, ".") {
		return sigErr(gen.UKOBIESignatureMalformed, "", "the signature is not a detached compact JWS")
	}
	if body == nil {
		body = []byte{}
	}
	obj, err := jose.ParseDetached(sig, body, parseAlgs())
	if err != nil || len(obj.Signatures) != 1 {
		return sigErr(gen.UKOBIESignatureMalformed, "", "the signature cannot be parsed as a detached JWS")
	}
	s := obj.Signatures[0]
	if err := checkHeaderNames(protected); err != nil {
		return err
	}
	if err := checkHeader(s.Protected, p); err != nil {
		return err
	}
	found, err := keys(ctx, s.Protected.KeyID)
	if err != nil || len(found) == 0 {
		return sigErr(gen.UKOBIESignatureInvalidClaim, "kid", "the kid does not resolve to a key of the signer")
	}
	pub, ok := found[0].Key.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() < 2048 {
		return sigErr(gen.UKOBIESignatureInvalidClaim, "kid", "the kid does not name an RSA key of at least 2048 bits")
	}
	digest := sha256.Sum256([]byte(protected + "." + base64.RawURLEncoding.EncodeToString(body)))
	if rsa.VerifyPSS(pub, crypto.SHA256, digest[:], s.Signature, nil) != nil {
		return sigErr(gen.UKOBIESignatureInvalid, "", "the signature does not verify")
	}
	return nil
}

// checkHeader applies the header rules in the order a TPP can act on them.
func checkHeader(h jose.Header, p JWSPolicy) error {
	if h.Algorithm != string(jose.PS256) {
		return sigErr(gen.UKOBIESignatureInvalidClaim, "alg", "alg must be PS256")
	}
	if h.KeyID == "" {
		return sigErr(gen.UKOBIESignatureMissingClaim, "kid", "kid is required")
	}
	if h.JSONWebKey != nil || h.Nonce != "" {
		return sigErr(gen.UKOBIESignatureInvalidClaim, "", "only alg, kid, typ, cty, crit and the OB claims are allowed")
	}
	if _, ok := h.ExtraHeaders["b64"]; ok {
		// Required up to v3.1.3, forbidden from v3.1.4 (waiver W007).
		return sigErr(gen.UKOBIESignatureInvalidClaim, "b64", "b64 must not be present")
	}
	for name := range h.ExtraHeaders {
		if !slices.Contains(allowedHeaders(), string(name)) {
			return sigErr(gen.UKOBIESignatureInvalidClaim, string(name), "the header "+string(name)+" is not allowed")
		}
	}
	if err := checkOptional(h, "typ", "JOSE"); err != nil {
		return err
	}
	if err := checkOptional(h, "cty", "json", "application/json"); err != nil {
		return err
	}
	if err := checkCrit(h); err != nil {
		return err
	}
	return checkOBClaims(h, p)
}

func checkOptional(h jose.Header, name string, allowed ...string) error {
	v, ok := h.ExtraHeaders[jose.HeaderKey(name)]
	if !ok {
		return nil
	}
	if s, isStr := v.(string); isStr && slices.Contains(allowed, s) {
		return nil
	}
	return sigErr(gen.UKOBIESignatureInvalidClaim, name, name+" must be "+strings.Join(allowed, " or "))
}

func checkCrit(h jose.Header) error {
	raw, ok := h.ExtraHeaders["crit"]
	if !ok {
		return sigErr(gen.UKOBIESignatureMissingClaim, "crit", "crit is required")
	}
	list, ok := raw.([]any)
	if !ok {
		return sigErr(gen.UKOBIESignatureInvalidClaim, "crit", "crit must be an array of names")
	}
	var got []string
	for _, v := range list {
		s, ok := v.(string)
		if !ok || slices.Contains(got, s) {
			return sigErr(gen.UKOBIESignatureInvalidClaim, "crit", "crit must list each name once")
		}
		got = append(got, s)
	}
	want := critClaims()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return sigErr(gen.UKOBIESignatureInvalidClaim, "crit", "crit must be exactly "+strings.Join(critClaims(), ", "))
	}
	return nil
}

func checkOBClaims(h jose.Header, p JWSPolicy) error {
	iatRaw, ok := h.ExtraHeaders[ClaimIAT]
	if !ok {
		return sigErr(gen.UKOBIESignatureMissingClaim, ClaimIAT, ClaimIAT+" is required")
	}
	iat, ok := iatRaw.(float64)
	if !ok || iat <= 0 {
		return sigErr(gen.UKOBIESignatureInvalidClaim, ClaimIAT, ClaimIAT+" must be a NumericDate")
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	if time.Unix(int64(iat), 0).After(now().Add(p.Leeway)) {
		return sigErr(gen.UKOBIESignatureInvalidClaim, ClaimIAT, ClaimIAT+" must be in the past")
	}
	iss, err := stringClaim(h, ClaimISS)
	if err != nil {
		return err
	}
	if len(p.Issuers) > 0 && !slices.Contains(p.Issuers, iss) {
		return sigErr(gen.UKOBIESignatureInvalidClaim, ClaimISS, ClaimISS+" does not name the signer")
	}
	tan, err := stringClaim(h, ClaimTAN)
	if err != nil {
		return err
	}
	if tan != p.TrustAnchor {
		return sigErr(gen.UKOBIESignatureInvalidClaim, ClaimTAN, ClaimTAN+" must be "+p.TrustAnchor)
	}
	return nil
}

func stringClaim(h jose.Header, name string) (string, error) {
	v, ok := h.ExtraHeaders[jose.HeaderKey(name)]
	if !ok {
		return "", sigErr(gen.UKOBIESignatureMissingClaim, name, name+" is required")
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", sigErr(gen.UKOBIESignatureInvalidClaim, name, name+" must be a non-empty string")
	}
	return s, nil
}

// Signer produces x-jws-signature values (UK RW v3.1.11 Message Signing,
// "Process for Signing a Payload"): PS256, kid, typ JOSE, cty
// application/json, the three OB claims and crit, no b64. It is safe for
// concurrent use.
type Signer struct {
	key jose.JSONWebKey
	iss string
	tan string
	now func() time.Time
}

// NewSigner returns a signer with a private RSA key that carries its kid.
func NewSigner(key jose.JSONWebKey, iss, tan string, now func() time.Time) (*Signer, error) {
	if _, ok := key.Key.(*rsa.PrivateKey); !ok || key.KeyID == "" {
		return nil, errors.New("obie: the signing key must be a private RSA key with a kid")
	}
	if iss == "" || tan == "" {
		return nil, errors.New("obie: the signer needs an issuer and a trust anchor")
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{key: key, iss: iss, tan: tan, now: now}, nil
}

// KeyID returns the kid of the signing key.
func (s *Signer) KeyID() string { return s.key.KeyID }

// Sign returns the detached compact JWS of body.
func (s *Signer) Sign(body []byte) (string, error) {
	opts := (&jose.SignerOptions{}).
		WithType("JOSE").
		WithContentType("application/json").
		WithHeader("kid", s.key.KeyID).
		WithHeader(ClaimIAT, s.now().Unix()).
		WithHeader(ClaimISS, s.iss).
		WithHeader(ClaimTAN, s.tan).
		WithCritical(critClaims()...)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: s.key.Key}, opts)
	if err != nil {
		return "", fmt.Errorf("obie: signer: %w", err)
	}
	obj, err := signer.Sign(body)
	if err != nil {
		return "", fmt.Errorf("obie: sign: %w", err)
	}
	return obj.DetachedCompactSerialize()
}

// checkHeaderNames refuses any protected header member outside alg, kid and
// allowedHeaders, read from the raw header: go-jose keeps some members (x5c,
// jwk, nonce) in fields of its own, so this is the one complete check (UK RW
// "Message Signing": the verifier must allow only those header claims).
func checkHeaderNames(protected string) error {
	raw, err := base64.RawURLEncoding.DecodeString(protected)
	if err != nil {
		return sigErr(gen.UKOBIESignatureMalformed, "", "the protected header is not base64url")
	}
	var names map[string]json.RawMessage
	if err := json.Unmarshal(raw, &names); err != nil {
		return sigErr(gen.UKOBIESignatureMalformed, "", "the protected header is not a JSON object")
	}
	for name := range names {
		if name != "alg" && name != "kid" && !slices.Contains(allowedHeaders(), name) {
			return sigErr(gen.UKOBIESignatureInvalidClaim, name, "the header "+name+" is not allowed")
		}
	}
	return nil
}

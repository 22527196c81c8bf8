package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
)

// requestObjectSkew is the clock leeway for exp and nbf.
const requestObjectSkew = 10 * time.Second

// clientKeySource gives a client's public keys (JWKSCache implements it).
type clientKeySource interface {
	// KeyByID returns the client's keys with that kid, refreshing a jwks_uri
	// once when the kid is unknown (so rotated keys are found).
	KeyByID(ctx context.Context, c *Client, kid string) ([]jose.JSONWebKey, error)
	// Keys returns all of the client's keys.
	Keys(ctx context.Context, c *Client) (*jose.JSONWebKeySet, error)
}

// RequestObjectCheck is what VerifyRequestObject checks a request object
// against.
type RequestObjectCheck struct {
	// Issuer is the authorization server's issuer identifier, required in aud.
	Issuer  string
	Profile Profile
	// Now is the verification time; zero means time.Now().
	Now time.Time
	// Keys gives the client's keys; nil means the client's registered JWKS only.
	Keys clientKeySource
}

// Claims of a request object that are JWT bookkeeping, not request
// parameters (RFC 7519 §4.1), so they never reach Extra.
var requestObjectJWTClaims = [...]string{"iss", "aud", "exp", "nbf", "iat", "jti"}

// VerifyRequestObject verifies a request object (RFC 9101) sent by c and
// returns the authorization request it carries. Every failure is
// invalid_request_object (RFC 9101 §6.1) unless it concerns the claims or
// authorization_details members (invalid_request, invalid_authorization_details).
//
// Checks, in order:
//   - compact JWS; a 5-part JWE is not supported yet (RFC 9101 §4 allows it);
//   - alg is in Profile.SigningAlgs and equals c.RequestObjectSigningAlg when
//     registered (OIDC Registration §2); none and HMAC are always rejected
//     (FAPI 2.0 MS §5.4, FAPI 1.0 Adv §8.6);
//   - the signature verifies with the client's key named by kid (RFC 9101 §6.2);
//   - iss is the client_id and aud is, or contains, the issuer
//     (RFC 9101 §4, FAPI 1.0 Adv §5.2.2-15);
//   - the client_id claim is the client's id (RFC 9101 §5);
//   - exp is present and not passed (FAPI 1.0 Adv §5.2.2-13);
//   - when Profile.MaxRequestObjectLife > 0, nbf is present, exp − nbf is at
//     most that long and nbf is no older than that (FAPI 2.0 MS §5.3.1,
//     FAPI 1.0 Adv §5.2.2-17); nbf is never in the future;
//   - request and request_uri are not claims of the object (RFC 9101 §4).
//
// Only the object's claims are used (RFC 9101 §6.3): outer parameters are
// checked by MergeOuterParams and otherwise ignored.
func VerifyRequestObject(ctx context.Context, raw string, c *Client, chk RequestObjectCheck) (*AuthorizationRequest, error) {
	if strings.Count(raw, ".") == 4 {
		return nil, InvalidRequestObject("encrypted request objects are not supported")
	}
	jws, err := parseRequestObject(raw, c, chk.Profile)
	if err != nil {
		return nil, err
	}
	payload, err := verifyRequestObjectSignature(ctx, jws, c, chk.Keys)
	if err != nil {
		return nil, err
	}
	claims, ok := jsonObject(payload)
	if !ok {
		return nil, InvalidRequestObject("request object payload is not a JSON object")
	}
	now := chk.Now
	if now.IsZero() {
		now = time.Now()
	}
	if err := checkRequestObjectClaims(claims, c, chk.Issuer); err != nil {
		return nil, err
	}
	exp, err := checkRequestObjectTimes(claims, now, chk.Profile.MaxRequestObjectLife)
	if err != nil {
		return nil, err
	}
	r, err := requestFromObject(claims)
	if err != nil {
		return nil, err
	}
	r.ExpiresAt = exp
	return r, nil
}

// parseRequestObject parses the compact JWS, allowing only the algorithms
// the profile and client permit.
func parseRequestObject(raw string, c *Client, p Profile) (*jose.JSONWebSignature, error) {
	allowed := make([]jose.SignatureAlgorithm, 0, len(p.SigningAlgs))
	for _, alg := range p.SigningAlgs {
		if isSymmetricOrNone(alg) {
			continue // never, whatever the profile says
		}
		if c.RequestObjectSigningAlg == "" || string(alg) == c.RequestObjectSigningAlg {
			allowed = append(allowed, alg)
		}
	}
	if len(allowed) == 0 {
		return nil, InvalidRequestObject("no request object signing algorithm is allowed for this client")
	}
	jws, err := jose.ParseSignedCompact(raw, allowed)
	if err == nil {
		if len(jws.Signatures) != 1 {
			return nil, InvalidRequestObject("request object must have one signature")
		}
		if !requestObjectTypOK(jws.Signatures[0].Header) {
			return nil, InvalidRequestObject("request object typ is not oauth-authz-req+jwt")
		}
		return jws, nil
	}
	var algErr *jose.ErrUnexpectedSignatureAlgorithm
	if !errors.As(err, &algErr) {
		return nil, InvalidRequestObject("request object is not a compact JWS").WithCause(err)
	}
	switch {
	case strings.EqualFold(string(algErr.Got), "none"):
		return nil, InvalidRequestObject("unsigned request objects (alg none) are not allowed").WithCause(err)
	case isSymmetricOrNone(algErr.Got):
		return nil, InvalidRequestObject("request objects signed with a symmetric (HMAC) alg are not allowed").WithCause(err)
	case c.RequestObjectSigningAlg != "" && string(algErr.Got) != c.RequestObjectSigningAlg:
		return nil, InvalidRequestObject("request object alg is not the client's request_object_signing_alg").WithCause(err)
	}
	return nil, InvalidRequestObject("request object alg is not allowed").WithCause(err)
}

func isSymmetricOrNone(alg jose.SignatureAlgorithm) bool {
	switch alg {
	case "", "none", jose.HS256, jose.HS384, jose.HS512:
		return true
	}
	return strings.HasPrefix(string(alg), "HS")
}

// requestObjectTypOK accepts no typ, the RFC 9101 §4 media type, or the
// generic JWT / JOSE types (RFC 7519 §5.1, RFC 7515 §4.1.9); any other
// explicit type (e.g. dpop+jwt, at+jwt) is another kind of JWT and is
// rejected against cross-JWT confusion (RFC 9101 §10.8).
func requestObjectTypOK(h jose.Header) bool {
	v, present := h.ExtraHeaders[jose.HeaderType]
	typ, isString := v.(string)
	if present && !isString {
		return false
	}
	typ = strings.TrimPrefix(strings.ToLower(typ), "application/")
	switch typ {
	case "", "oauth-authz-req+jwt", "jwt", "jose":
		return true
	}
	return false
}

// verifyRequestObjectSignature verifies the signature with the client's key
// named by kid, or, without a kid, with each of its signing keys.
func verifyRequestObjectSignature(ctx context.Context, jws *jose.JSONWebSignature, c *Client, src clientKeySource) ([]byte, error) {
	if src == nil {
		src = registeredKeys{}
	}
	h := jws.Signatures[0].Header
	alg := jose.SignatureAlgorithm(h.Algorithm)
	var candidates []jose.JSONWebKey
	if h.KeyID != "" {
		keys, err := src.KeyByID(ctx, c, h.KeyID)
		if err != nil {
			return nil, InvalidRequestObject("no client key matches the request object kid").WithCause(err)
		}
		candidates = keys
	} else {
		set, err := src.Keys(ctx, c)
		if err != nil {
			return nil, InvalidRequestObject("the client's keys are not available").WithCause(err)
		}
		if set != nil {
			candidates = set.Keys
		}
	}
	usable := 0
	for i := range candidates {
		k := candidates[i].Public()
		if !k.IsPublic() || (k.Use != "" && k.Use != "sig") || (k.Algorithm != "" && k.Algorithm != string(alg)) {
			continue
		}
		usable++
		if payload, err := jws.Verify(k.Key); err == nil {
			return payload, nil
		}
	}
	if usable == 0 {
		return nil, InvalidRequestObject("no client key matches the request object kid")
	}
	return nil, InvalidRequestObject("request object signature is invalid")
}

// registeredKeys serves the client's registered jwks when no source is set.
type registeredKeys struct{}

func (registeredKeys) KeyByID(_ context.Context, c *Client, kid string) ([]jose.JSONWebKey, error) {
	if c.JWKS == nil {
		return nil, nil
	}
	return c.JWKS.Key(kid), nil
}

func (registeredKeys) Keys(_ context.Context, c *Client) (*jose.JSONWebKeySet, error) {
	return c.JWKS, nil
}

// checkRequestObjectClaims checks iss, aud, client_id and the absence of
// nested request / request_uri.
func checkRequestObjectClaims(claims map[string]json.RawMessage, c *Client, issuer string) error {
	if iss, ok := jsonString(claims["iss"]); !ok || iss != c.ID {
		return InvalidRequestObject("request object iss must be the client_id") // RFC 9101 §4
	}
	if !audienceContains(claims["aud"], issuer) {
		return InvalidRequestObject("request object aud must be or contain the issuer") // FAPI 1.0 Adv §5.2.2-15
	}
	if id, ok := jsonString(claims[paramClientID]); !ok || id != c.ID {
		return InvalidRequestObject("request object client_id must be the client's id") // RFC 9101 §5
	}
	if _, ok := claims[paramRequest]; ok {
		return InvalidRequestObject("request object must not contain request") // RFC 9101 §4
	}
	if _, ok := claims[paramRequestURI]; ok {
		return InvalidRequestObject("request object must not contain request_uri") // RFC 9101 §4
	}
	return nil
}

// audienceContains reports whether aud (a string or an array of strings,
// RFC 7519 §4.1.3) names issuer.
func audienceContains(raw json.RawMessage, issuer string) bool {
	if issuer == "" || raw == nil {
		return false
	}
	if s, ok := jsonString(raw); ok {
		return s == issuer
	}
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		return false
	}
	return slices.Contains(list, issuer)
}

// checkRequestObjectTimes checks exp and nbf and returns exp. The nbf checks
// come first: with exp − nbf bounded, a too-old nbf would otherwise only ever
// show as "expired".
func checkRequestObjectTimes(claims map[string]json.RawMessage, now time.Time, maxLife time.Duration) (time.Time, error) {
	expRaw, ok := claims["exp"]
	if !ok {
		return time.Time{}, InvalidRequestObject("request object exp is missing") // FAPI 1.0 Adv §5.2.2-13
	}
	exp, ok := numericDate(expRaw)
	if !ok {
		return time.Time{}, InvalidRequestObject("request object exp is not a NumericDate")
	}
	if nbfRaw, ok := claims["nbf"]; ok {
		nbf, ok := numericDate(nbfRaw)
		if !ok {
			return time.Time{}, InvalidRequestObject("request object nbf is not a NumericDate")
		}
		if nbf.After(now.Add(requestObjectSkew)) {
			return time.Time{}, InvalidRequestObject("request object nbf is in the future") // RFC 7519 §4.1.5
		}
		if maxLife > 0 && now.Sub(nbf) > maxLife+requestObjectSkew {
			return time.Time{}, InvalidRequestObject("request object nbf is too far in the past") // FAPI 1.0 Adv §5.2.2-17
		}
		if maxLife > 0 && exp.Sub(nbf) > maxLife {
			return time.Time{}, InvalidRequestObject("request object lifetime (exp - nbf) is too long") // FAPI 1.0 Adv §5.2.2-13
		}
	} else if maxLife > 0 {
		return time.Time{}, InvalidRequestObject("request object nbf is missing") // FAPI 2.0 MS §5.3.1
	}
	if !now.Before(exp.Add(requestObjectSkew)) {
		return time.Time{}, InvalidRequestObject("request object has expired") // RFC 7519 §4.1.4
	}
	return exp, nil
}

// numericDate reads an RFC 7519 §2 NumericDate (seconds, maybe fractional).
func numericDate(raw json.RawMessage) (time.Time, bool) {
	f, ok := jsonNumber(raw)
	if !ok || f < 0 || f > 1<<40 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// jsonString reads a JSON string member of an already validated object.
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1]), true // no escapes: the bytes are the string
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// requestFromObject maps the object's claims to an AuthorizationRequest;
// claims it does not know go to Extra.
func requestFromObject(claims map[string]json.RawMessage) (*AuthorizationRequest, error) {
	r := &AuthorizationRequest{Signed: true}
	for name, v := range claims {
		if f := r.stringField(name); f != nil {
			if isJSONNull(v) {
				continue
			}
			s, ok := jsonString(v)
			if !ok {
				return nil, InvalidRequestObject("request object " + name + " must be a string")
			}
			*f = s
			continue
		}
		if err := r.setObjectClaim(name, v); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// setObjectClaim handles the claims that are not plain strings.
func (r *AuthorizationRequest) setObjectClaim(name string, v json.RawMessage) error {
	switch name {
	case "jti":
		s, ok := jsonString(v)
		if !ok {
			return InvalidRequestObject("request object jti must be a string")
		}
		r.JTI = s
	case paramMaxAge:
		f, ok := jsonNumber(v)
		if !ok || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
			return InvalidRequestObject("request object max_age must be a non-negative integer")
		}
		n := int(f)
		r.MaxAge = &n
	case paramClaims:
		c, err := ParseClaims(v)
		if err != nil {
			return err
		}
		r.Claims = c
	case paramAuthorizationDetails:
		ds, err := ParseAuthorizationDetails(v)
		if err != nil {
			return err
		}
		r.AuthorizationDetails = ds
	case paramResource:
		// RFC 8707 §2: one URI or several.
		if s, ok := jsonString(v); ok {
			r.Resource = []string{s}
		} else if json.Unmarshal(v, &r.Resource) != nil {
			return InvalidRequestObject("request object resource must be a string or an array of strings")
		}
	default:
		if slices.Contains(requestObjectJWTClaims[:], name) {
			return nil
		}
		if r.Extra == nil {
			r.Extra = map[string]json.RawMessage{}
		}
		r.Extra[name] = v
	}
	return nil
}

// jsonNumber reads a JSON number; a numeric string ("300") is not one,
// although json.Number would accept it.
func jsonNumber(raw json.RawMessage) (float64, bool) {
	var n json.Number
	if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

func isJSONNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// MergeOuterParams checks the parameters sent beside a request object. Only
// the object's parameters are used (RFC 9101 §6.3), but a client_id outside
// must equal the object's (RFC 9101 §5), and so must a response_type outside
// (OIDC Core §6.1, which has FAPI 1.0 clients repeat it outside). Repeated
// outer parameters are invalid_request (RFC 6749 §3.1); a mismatch is
// invalid_request_object.
func MergeOuterParams(ro *AuthorizationRequest, outer url.Values) error {
	for _, name := range [...]string{paramClientID, paramResponseType} {
		vs := outer[name]
		if len(vs) > 1 {
			return InvalidRequest("parameter " + name + " is repeated")
		}
		if len(vs) == 1 && vs[0] != "" && vs[0] != *ro.stringField(name) {
			return InvalidRequestObject(name + " outside the request object does not match the one inside")
		}
	}
	return nil
}

package dcr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// clockSkew is the tolerance for iat and nbf in the future and exp just
// passed, between our clock and the issuer's.
const clockSkew = 30 * time.Second

// claims are a verified JWT's claims, raw, plus the registered time claims.
type claims struct {
	raw map[string]json.RawMessage
	std jwt.Claims
}

// str returns a string claim, "" when absent or not a string.
func (c *claims) str(name string) string {
	var s string
	if v, ok := c.raw[name]; ok {
		_ = json.Unmarshal(v, &s)
	}
	return s
}

// strs returns a string-array claim, nil when absent or not an array of
// strings.
func (c *claims) strs(name string) []string {
	var s []string
	if v, ok := c.raw[name]; ok {
		if json.Unmarshal(v, &s) != nil {
			return nil
		}
	}
	return s
}

// has reports whether the claim is present and not null, "" or [].
func (c *claims) has(name string) bool {
	v, ok := c.raw[name]
	return ok && !isEmptyJSON(v)
}

// keyFunc finds the verification keys for a parsed JWT.
type keyFunc func(ctx context.Context, kid string) ([]jose.JSONWebKey, error)

// verifyJWT parses a compact JWS restricted to algs, verifies it with the
// keys keys returns (refusing keys whose alg differs from the header's) and
// decodes the claims. fail builds the client-visible error for a reason.
func verifyJWT(ctx context.Context, token string, algs []string, keys keyFunc, fail func(string) *Error) (*claims, error) {
	allowed := make([]jose.SignatureAlgorithm, 0, len(algs))
	for _, a := range algs {
		allowed = append(allowed, jose.SignatureAlgorithm(a))
	}
	tok, err := jwt.ParseSigned(strings.TrimSpace(token), allowed)
	if err != nil {
		return nil, fail("is not a JWS signed with one of " + strings.Join(algs, ", ")).withCause(err)
	}
	if len(tok.Headers) != 1 {
		return nil, fail("must carry exactly one signature")
	}
	h := tok.Headers[0]
	if h.JSONWebKey != nil {
		// Keys come from the trusted location only, never from the JWT.
		return nil, fail("must not embed its key (jwk header)")
	}
	ks, err := keys(ctx, h.KeyID)
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		if k.Algorithm != "" && k.Algorithm != h.Algorithm {
			continue
		}
		var c claims
		if tok.Claims(k.Key, &c.std, &c.raw) == nil {
			return &c, nil
		}
	}
	return nil, fail("signature does not verify with the expected keys")
}

// checkTimes applies exp, nbf, iat and the age and lifetime bounds.
func checkTimes(c *claims, now time.Time, requireExp, requireIAT bool, maxAge, maxLife time.Duration, fail func(string) *Error) error {
	exp, iat, nbf := c.std.Expiry, c.std.IssuedAt, c.std.NotBefore
	switch {
	case exp == nil && requireExp:
		return fail("exp is required")
	case exp != nil && now.After(exp.Time().Add(clockSkew)):
		return fail("has expired (exp)")
	case nbf != nil && nbf.Time().After(now.Add(clockSkew)):
		return fail("is not yet valid (nbf)")
	case iat == nil && (requireIAT || maxAge > 0):
		return fail("iat is required")
	case iat != nil && iat.Time().After(now.Add(clockSkew)):
		return fail("is issued in the future (iat)")
	case iat != nil && maxAge > 0 && now.Sub(iat.Time()) > maxAge:
		return fail(fmt.Sprintf("was issued more than %s ago (iat)", maxAge))
	case iat != nil && exp != nil && maxLife > 0 && exp.Time().Sub(iat.Time()) > maxLife:
		return fail(fmt.Sprintf("lives longer than %s (exp - iat)", maxLife))
	}
	return nil
}

// verifySSA verifies a software statement: signed with an allowed
// algorithm by a key of a trusted issuer, within its validity window and
// age, with the required claims, and of an active organisation.
func (r *Registrar) verifySSA(ctx context.Context, token string, now time.Time) (*claims, error) {
	rules := r.opt.Profile.SSA
	fail := func(reason string) *Error { return InvalidSoftwareStatement("%s", reason) }
	// The issuer is read before verification only to choose its keys; the
	// signature is then checked with those keys alone.
	var iss string
	if tok, err := jwt.ParseSigned(strings.TrimSpace(token), sigAlgs(rules.Algs)); err == nil {
		var c jwt.Claims
		if tok.UnsafeClaimsWithoutVerification(&c) == nil {
			iss = c.Issuer
		}
	}
	keys := func(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
		if iss == "" {
			return nil, fail("iss is required")
		}
		ks, err := r.opt.Keys.IssuerKeys(ctx, r.opt.Workspace, iss, kid)
		switch {
		case errors.Is(err, ErrUnknownIssuer):
			return nil, UnapprovedSoftwareStatement("the issuer %q is not trusted", clip(iss)).withCause(err)
		case errors.Is(err, ErrKeyNotFound):
			return nil, fail("is not signed by a key of its issuer").withCause(err)
		case err != nil:
			return nil, fail("the issuer's keys are unavailable").withCause(err)
		}
		return ks, nil
	}
	c, err := verifyJWT(ctx, token, rules.Algs, keys, fail)
	if err != nil {
		return nil, err
	}
	if err := checkTimes(c, now, rules.RequireExp, false, rules.MaxAge, rules.MaxLifetime, fail); err != nil {
		return nil, err
	}
	for _, name := range rules.RequiredClaims {
		if !c.has(name) {
			return nil, fail("claim " + name + " is required")
		}
	}
	if rules.ActiveClaim != "" && c.str(rules.ActiveClaim) != rules.ActiveValue {
		return nil, UnapprovedSoftwareStatement("%s is not %s", rules.ActiveClaim, rules.ActiveValue)
	}
	return c, nil
}

func sigAlgs(algs []string) []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, 0, len(algs))
	for _, a := range algs {
		out = append(out, jose.SignatureAlgorithm(a))
	}
	return out
}

// clip bounds a client-supplied value quoted in a description.
func clip(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// rolesOf returns the SSA's active roles as the profile reads them.
func rolesOf(c *claims, rr *RoleRules) []string {
	v, ok := c.raw[rr.Claim]
	if !ok {
		return nil
	}
	if rr.AsString {
		var s string
		_ = json.Unmarshal(v, &s)
		return strings.Fields(s)
	}
	if rr.RoleField == "" {
		var s []string
		_ = json.Unmarshal(v, &s)
		return s
	}
	var objs []map[string]any
	_ = json.Unmarshal(v, &objs)
	var out []string
	for _, o := range objs {
		role, _ := o[rr.RoleField].(string)
		status, _ := o[rr.StatusField].(string)
		if role != "" && (rr.StatusField == "" || status == rr.ActiveStatus) && !slices.Contains(out, role) {
			out = append(out, role)
		}
	}
	return out
}

package registration

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/server/authctx"
	"github.com/openconsent/openconsent/server/oauth"
)

// InitialAccessTokens configures RFC 7591 §3 initial access tokens: JWTs
// signed by a configured issuer, presented as a Bearer token on POST
// /register.
type InitialAccessTokens struct {
	// Required refuses a registration without one; otherwise a token that
	// is sent is still verified.
	Required bool
	// Issuer is the iss the tokens carry; its keys come from Keys.
	Issuer string
	Keys   *Keys
	// Audiences are the accepted aud values (the registration endpoint and
	// the issuer); empty turns the audience check off.
	Audiences []string
	// RequireBinding refuses a token without cnf.x5t#S256 (RFC 8705 §3.1).
	RequireBinding bool
}

// iatAlgs are the accepted signature algorithms of initial access tokens.
var iatAlgs = []jose.SignatureAlgorithm{jose.PS256, jose.ES256}

// iatClaims are the claims read from an initial access token.
type iatClaims struct {
	jwt.Claims
	Cnf struct {
		X5T string `json:"x5t#S256"`
	} `json:"cnf"`
}

// verify checks the request's initial access token, if one is configured,
// and returns its subject for the audit trail. Every failure is
// invalid_token (401): missing when required, malformed, not signed by the
// issuer, expired, for another audience, or bound to another certificate
// than the one presented (RFC 8705 §3).
func (t *InitialAccessTokens) verify(ctx context.Context, r *http.Request, now time.Time) (string, error) {
	if t == nil || t.Issuer == "" {
		return "", nil
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if tok == "" || !strings.EqualFold(scheme, "Bearer") {
		if t.Required {
			return "", dcr.InvalidToken("an initial access token is required to register")
		}
		return "", nil
	}
	fail := func(reason string) error { return dcr.InvalidToken("the initial access token %s", reason) }
	parsed, err := jwt.ParseSigned(tok, iatAlgs)
	if err != nil || len(parsed.Headers) != 1 {
		return "", fail("is not a JWT signed with PS256 or ES256")
	}
	keys, err := t.Keys.IssuerKeys(ctx, "", t.Issuer, parsed.Headers[0].KeyID)
	if err != nil && !errors.Is(err, dcr.ErrKeyNotFound) {
		return "", err
	}
	var c iatClaims
	verified := false
	for _, k := range keys {
		if parsed.Claims(k.Key, &c) == nil {
			verified = true
			break
		}
	}
	switch {
	case !verified:
		return "", fail("is not signed by the configured issuer")
	case c.Issuer != t.Issuer:
		return "", fail("has the wrong issuer")
	case c.Expiry == nil:
		return "", fail("has no exp")
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Time: now}, 30*time.Second); err != nil {
		return "", fail("is expired or not yet valid")
	}
	if len(t.Audiences) > 0 && !slices.ContainsFunc(t.Audiences, c.Audience.Contains) {
		return "", fail("is not for this registration endpoint (aud)")
	}
	cert := authctx.ClientCert(ctx)
	switch {
	case c.Cnf.X5T == "" && t.RequireBinding:
		return "", fail("must be bound to a client certificate (cnf.x5t#S256)")
	case c.Cnf.X5T != "" && cert == nil:
		return "", fail("is bound to a client certificate, and none was presented")
	case c.Cnf.X5T != "" && subtle.ConstantTimeCompare([]byte(c.Cnf.X5T), []byte(oauth.CertThumbprint(cert))) != 1:
		return "", fail("is bound to another client certificate")
	}
	return c.Subject, nil
}

package oauth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/openconsent/openconsent/server/authctx"
)

// TokenInfo is a validated access token presented to a protected resource.
type TokenInfo struct {
	Record *TokenRecord
	Grant  Grant
}

// HasScope reports whether the token carries scope s.
func (t *TokenInfo) HasScope(s string) bool { return hasScope(t.Record.Scope, s) }

// lookupAccess finds an access token by its wire form (JWT or opaque)
// without checking expiry or revocation. A JWT is looked up by its jti; one
// without a row is a stateless token (stateless.go).
func (p *Provider) lookupAccess(ctx context.Context, tok string) (*TokenRecord, error) {
	if strings.Count(tok, ".") == 2 {
		c, err := p.verifyOwnJWT(tok)
		if err != nil {
			return nil, ErrNotFound
		}
		rec, clientRevokedAt, err := p.opt.Store.AccessToken(ctx, p.opt.Workspace, c.Jti, c.ClientID)
		if err != nil {
			return nil, err
		}
		if rec == nil {
			if rec = statelessRecord(p.opt.Workspace, c, clientRevokedAt); rec == nil {
				return nil, ErrNotFound
			}
		}
		if rec.Kind != KindAccess {
			return nil, ErrNotFound
		}
		return rec, nil
	}
	id, ok := p.parseOpaque(KindAccess, tok)
	if !ok {
		return nil, ErrNotFound
	}
	rec, err := p.opt.Store.Token(ctx, p.opt.Workspace, id)
	if err != nil {
		return nil, err
	}
	if rec.Kind != KindAccess {
		return nil, ErrNotFound
	}
	return rec, nil
}

// verifyOwnJWT checks a JWT access token's signature with this workspace's
// keys and returns its claims. A stored record, when there is one, stays
// authoritative for scope, subject and revocation.
func (p *Provider) verifyOwnJWT(tok string) (*accessClaims, error) {
	t, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.PS256, jose.ES256})
	if err != nil || len(t.Headers) != 1 {
		return nil, errors.New("malformed")
	}
	ks := p.opt.Keys.Verification().Key(t.Headers[0].KeyID)
	if len(ks) == 0 {
		return nil, errors.New("unknown kid")
	}
	// The private claims are decoded loosely: a token also carries the
	// consent engine's claims (mergeClaims), and a clash of names and types
	// must not make a valid token unreadable.
	var (
		rc jwt.Claims
		ex struct {
			ClientID any `json:"client_id"`
			Scope    any `json:"scope"`
			Cnf      any `json:"cnf"`
			Consent  any `json:"consent_id"`
			AuthTime any `json:"auth_time"`
		}
	)
	if err := t.Claims(ks[0].Key, &rc, &ex); err != nil {
		return nil, err
	}
	if rc.Issuer != p.opt.Issuer || rc.ID == "" || rc.Expiry == nil || rc.IssuedAt == nil {
		return nil, errors.New("not ours")
	}
	c := &accessClaims{Iss: rc.Issuer, Sub: rc.Subject, Jti: rc.ID, Exp: rc.Expiry.Time().Unix(), Iat: rc.IssuedAt.Time().Unix()}
	c.ClientID, _ = ex.ClientID.(string)
	c.Scope, _ = ex.Scope.(string)
	if cnf, ok := ex.Cnf.(map[string]any); ok {
		c.Cnf = map[string]string{}
		for k, v := range cnf {
			if s, ok := v.(string); ok {
				c.Cnf[k] = s
			}
		}
	}
	if ex.Consent != nil && ex.Consent != "" {
		c.Consent, _ = ex.Consent.(string)
		if c.Consent == "" {
			c.Consent = "?" // present but not a string: never stateless
		}
	}
	if ex.AuthTime != nil {
		c.AuthTime = 1 // present (a user token): never stateless
	}
	return c, nil
}

// AuthenticateBearer validates the access token of a protected-resource
// request: Bearer (RFC 6750 §2.1) or DPoP (RFC 9449 §7.1) scheme, active,
// and sender-constrained as issued (DPoP proof with ath, or the same client
// certificate: RFC 8705 §3). path is the endpoint path under the workspace,
// for the proof's htu. Errors are invalid_token (401) with WWW-Authenticate.
func (p *Provider) AuthenticateBearer(r *http.Request, path string) (*TokenInfo, error) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || tok == "" {
		return nil, InvalidToken("an access token is required").WithHeader("WWW-Authenticate", `Bearer realm="`+p.opt.Issuer+`"`)
	}
	now := p.now()
	rec, err := p.lookupAccess(r.Context(), tok)
	if errors.Is(err, ErrNotFound) {
		return nil, invalidTokenErr(scheme, "the access token is invalid")
	}
	if err != nil {
		return nil, ServerError(err)
	}
	if rec.Revoked || !now.Before(rec.ExpiresAt) {
		return nil, invalidTokenErr(scheme, "the access token is expired or revoked")
	}
	switch {
	case rec.JKT != "":
		if !strings.EqualFold(scheme, "DPoP") {
			return nil, invalidTokenErr("DPoP", "the access token is DPoP-bound: use the DPoP scheme") // RFC 9449 §7.1
		}
		if p.dpop == nil {
			return nil, invalidTokenErr("DPoP", "DPoP is not enabled")
		}
		proof, err := p.dpop.Verify(r, p.endpointURL(r, path), tok, now)
		if err != nil {
			return nil, resourceProofErr(err)
		}
		if proof == nil || proof.JKT != rec.JKT {
			return nil, invalidTokenErr("DPoP", "the DPoP proof key does not match the token")
		}
		if err := p.opt.Store.Issue(r.Context(), p.opt.Workspace, Issuance{Once: []SingleUse{proof.Once()}}); err != nil {
			return nil, resourceProofErr(p.replayOrServerError(err))
		}
	case strings.EqualFold(scheme, "DPoP"):
		return nil, invalidTokenErr("Bearer", "the access token is not DPoP-bound")
	case !strings.EqualFold(scheme, "Bearer"):
		return nil, invalidTokenErr("Bearer", "unsupported authorization scheme")
	}
	if rec.X5T != "" {
		if err := CheckCertBinding(rec.X5T, authctx.ClientCert(r.Context())); err != nil {
			return nil, invalidTokenErr(scheme, "the client certificate does not match the token") // RFC 8705 §3
		}
	}
	info := &TokenInfo{Record: rec}
	if err := unmarshalGrant(rec.Data, &info.Grant); err != nil {
		return nil, ServerError(err)
	}
	return info, nil
}

// resourceProofErr turns a DPoP proof error into a resource access error
// (RFC 9449 §7.1, §9, §12.2): 401 with a DPoP challenge naming
// invalid_dpop_proof or use_dpop_nonce, keeping the DPoP-Nonce header the
// verifier set. The token endpoint's 400 (§5, §8) is not for resources.
// Other errors (server_error) are returned unchanged.
func resourceProofErr(err error) error {
	oe := AsError(err)
	if oe.Code != CodeInvalidDPoPProof && oe.Code != CodeUseDPoPNonce {
		return err
	}
	if oe.Header == nil {
		oe.Header = http.Header{}
	}
	oe.Header.Set("WWW-Authenticate", `DPoP error="`+oe.Code+`", error_description="`+oe.Description+`"`)
	return oe.WithStatus(http.StatusUnauthorized)
}

func invalidTokenErr(scheme, desc string) *Error {
	if strings.EqualFold(scheme, "DPoP") {
		scheme = "DPoP"
	} else {
		scheme = "Bearer"
	}
	return InvalidToken(desc).WithHeader("WWW-Authenticate", scheme+` error="invalid_token", error_description="`+desc+`"`)
}

// InspectAccessToken looks up an access token on behalf of a resource
// server (no sender-constraint check: the caller is the resource server,
// which checks the binding against the request it received using the cnf
// returned). It returns ErrNotFound when the token is unknown, expired or
// revoked.
func (p *Provider) InspectAccessToken(ctx context.Context, tok string) (*TokenInfo, error) {
	rec, err := p.lookupAccess(ctx, tok)
	if err != nil {
		return nil, err
	}
	if rec.Revoked || !p.now().Before(rec.ExpiresAt) {
		return nil, ErrNotFound
	}
	info := &TokenInfo{Record: rec}
	if err := unmarshalGrant(rec.Data, &info.Grant); err != nil {
		return nil, err
	}
	return info, nil
}

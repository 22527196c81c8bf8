package oauth

import (
	"encoding/json"
	"time"
)

// Client-credentials access tokens in JWT form are stateless: issuing one
// writes no token row, only the single-use values of the request (the
// assertion and DPoP jti). The signed claims (RFC 9068 §2.2) hold all a
// client_credentials grant has: client, scope, times, cnf. This halves what
// the token endpoint's hottest path writes, and a row per token is most of
// that write (see cmd/oc-benchpeer/README.md).
//
// Revocation stays exact across instances, with a row written only when
// something is revoked:
//   - RFC 7009 revocation of one token writes a revoked row under its jti
//     (RevokeAccessToken), found by the lookup every validation already does;
//   - deleting or suspending a client (RFC 7592 §2.3: its tokens SHOULD be
//     invalidated at once) writes a client revocation mark, the row
//     ClientRevocationID, whose IssuedAt is the time of revocation; tokens
//     of that client issued at or before it are revoked. The lookup fetches
//     the token's row and the mark in the same query (TokenStore.AccessToken).
//
// Tokens with a subject or a consent keep their row: grant and consent
// revocation find them by grant and consent id.

// KindClientRevocation is the kind of a client revocation mark.
const KindClientRevocation TokenKind = "client_revocation"

// MaxAccessTokenLifetime bounds every workspace's access-token lifetime
// (config validation); a client revocation mark is kept that long, since no
// token it revokes outlives it.
const MaxAccessTokenLifetime = 24 * time.Hour

// ClientRevocationID is the token-row id of a client's revocation mark. It
// cannot collide with a token id, which never contains "/".
func ClientRevocationID(workspace, clientID string) string {
	return "client-revoked/" + workspace + "/" + clientID
}

// statelessGrant reports whether access tokens of g are issued without a
// row: JWT access tokens of client_credentials grants.
func (p *Provider) statelessGrant(g *Grant) bool {
	return !p.opt.Tokens.OpaqueAccessTokens && g.Subject == "" && g.ConsentID == ""
}

// statelessRecord rebuilds the record of a stateless access token from its
// verified claims. It returns nil when the claims are not those of a
// client_credentials token: a token with a subject or consent always has a
// row, written before the token was returned, so having none means it is
// not ours to accept.
func statelessRecord(workspace string, c *accessClaims, clientRevokedAt time.Time) *TokenRecord {
	if c.Sub != c.ClientID || c.Consent != "" || c.AuthTime != 0 || c.ClientID == "" {
		return nil
	}
	iat := time.Unix(c.Iat, 0).UTC()
	rec := &TokenRecord{
		ID: c.Jti, Workspace: workspace, Kind: KindAccess, GrantID: c.Jti, ClientID: c.ClientID, Scope: c.Scope,
		JKT: c.Cnf["jkt"], X5T: c.Cnf["x5t#S256"], IssuedAt: iat, ExpiresAt: time.Unix(c.Exp, 0).UTC(),
		// Seconds are all iat keeps: a token of the second of the revocation
		// is taken as revoked (fail closed).
		Revoked: !clientRevokedAt.IsZero() && !iat.After(clientRevokedAt),
	}
	rec.Data, _ = json.Marshal(Grant{ID: c.Jti, ClientID: c.ClientID, Scope: c.Scope}) // cannot fail: strings only
	return rec
}

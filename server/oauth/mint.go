package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// binding is the sender constraint of an access token.
type binding struct {
	JKT string // RFC 9449 §6.1 cnf.jkt
	X5T string // RFC 8705 §3.1 cnf.x5t#S256
}

func (b binding) cnf() map[string]string {
	switch {
	case b.JKT != "":
		return map[string]string{"jkt": b.JKT}
	case b.X5T != "":
		return map[string]string{"x5t#S256": b.X5T}
	}
	return nil
}

// tokenType is the token_type of the response (RFC 9449 §5: DPoP).
func (b binding) tokenType() string {
	if b.JKT != "" {
		return "DPoP"
	}
	return "Bearer"
}

const macLen = 16

// opaque returns a random token "<id>.<mac>": the MAC (HMAC-SHA256 under a
// per-kind workspace secret) lets forgeries be rejected without a lookup.
func (p *Provider) opaque(kind TokenKind, now time.Time) (token, id string) {
	id = sortableID(now, 18)
	return id + "." + p.mac(kind, id), id
}

func (p *Provider) mac(kind TokenKind, id string) string {
	key := p.atKey
	if kind == KindRefresh {
		key = p.rtKey
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:macLen])
}

// parseOpaque checks an opaque token's MAC for kind and returns its id.
func (p *Provider) parseOpaque(kind TokenKind, tok string) (string, bool) {
	id, mac, ok := strings.Cut(tok, ".")
	if !ok || id == "" || strings.Contains(mac, ".") {
		return "", false
	}
	want := p.mac(kind, id)
	return id, subtle.ConstantTimeCompare([]byte(mac), []byte(want)) == 1
}

// accessClaims are the RFC 9068 §2.2 claims of a JWT access token.
type accessClaims struct {
	Iss      string                `json:"iss"`
	Sub      string                `json:"sub"`
	Aud      string                `json:"aud"`
	Exp      int64                 `json:"exp"`
	Iat      int64                 `json:"iat"`
	Jti      string                `json:"jti"`
	ClientID string                `json:"client_id"`
	Scope    string                `json:"scope,omitempty"`
	AuthTime int64                 `json:"auth_time,omitempty"`
	ACR      string                `json:"acr,omitempty"`
	Cnf      map[string]string     `json:"cnf,omitempty"`
	Consent  string                `json:"consent_id,omitempty"`
	AuthzDet []AuthorizationDetail `json:"authorization_details,omitempty"`
}

// mintAccess creates an access token and its record.
func (p *Provider) mintAccess(g *Grant, b binding, now time.Time) (string, TokenRecord, error) {
	exp := now.Add(p.opt.Tokens.AccessTokenLifetime)
	rec := TokenRecord{
		Workspace: p.opt.Workspace, Kind: KindAccess, GrantID: g.ID, ClientID: g.ClientID,
		Subject: g.Subject, Scope: g.Scope, ConsentID: g.ConsentID, JKT: b.JKT, X5T: b.X5T,
		IssuedAt: now, ExpiresAt: exp,
	}
	if !p.statelessGrant(g) {
		// The grant is stored with the token's row; a stateless token has
		// no row, and its claims carry all of the grant (stateless.go).
		data, err := json.Marshal(g)
		if err != nil {
			return "", rec, err
		}
		rec.Data = data
	}
	if p.opt.Tokens.OpaqueAccessTokens {
		tok, id := p.opaque(KindAccess, now)
		rec.ID = id
		return tok, rec, nil
	}
	rec.ID = sortableID(now, 18)
	sub := g.Subject
	if sub == "" {
		sub = g.ClientID // RFC 9068 §2.2: client_credentials tokens name the client
	}
	c := accessClaims{
		Iss: p.opt.Issuer, Sub: sub, Aud: p.audience, Exp: exp.Unix(), Iat: now.Unix(), Jti: rec.ID,
		ClientID: g.ClientID, Scope: g.Scope, AuthTime: g.AuthTime, ACR: g.ACR, Cnf: b.cnf(),
		Consent: g.ConsentID, AuthzDet: g.AuthorizationDetails,
	}
	var (
		payload []byte
		err     error
	)
	if len(g.TokenClaims) == 0 {
		payload, err = json.Marshal(c)
	} else {
		payload, err = mergeClaims(c, g.TokenClaims)
	}
	if err != nil {
		return "", rec, err
	}
	tok, err := p.sign(payload, "at+jwt") // RFC 9068 §2.1 typ
	return tok, rec, err
}

// mintRefresh creates an opaque refresh token expiring at exp.
func (p *Provider) mintRefresh(g *Grant, now, exp time.Time) (string, TokenRecord, error) {
	tok, id := p.opaque(KindRefresh, now)
	data, err := json.Marshal(g)
	rec := TokenRecord{
		ID: id, Workspace: p.opt.Workspace, Kind: KindRefresh, GrantID: g.ID, ClientID: g.ClientID,
		Subject: g.Subject, Scope: g.Scope, ConsentID: g.ConsentID, IssuedAt: now, ExpiresAt: exp, Data: data,
	}
	return tok, rec, err
}

// refreshExpiry is the refresh-token expiry: the configured lifetime, capped
// by the consent's expiry.
func (p *Provider) refreshExpiry(g *Grant, now time.Time) time.Time {
	exp := now.Add(p.opt.Tokens.RefreshTokenLifetime)
	if g.RefreshExpiresAt > 0 && (p.opt.Profile.RefreshLifetimeFromConsent || time.Unix(g.RefreshExpiresAt, 0).Before(exp)) {
		// CDR: the refresh token expires exactly at the end of the sharing duration.
		exp = time.Unix(g.RefreshExpiresAt, 0)
	}
	return exp
}

// mintIDToken creates an OIDC ID token (OIDC Core §2, §3.1.3.6 at_hash,
// §3.3.2.11 c_hash, FAPI 1.0 Adv §5.2.2.1 s_hash).
func (p *Provider) mintIDToken(g *Grant, now time.Time, accessToken, code, state string) (string, error) {
	return p.idToken(context.Background(), nil, g, now, accessToken, code, state)
}

// idToken mints an ID token signed with the client's registered alg (else
// the workspace's) and, when the client registered
// id_token_encrypted_response_alg, encrypts it to the client (OIDC Core §10.2).
func (p *Provider) idToken(ctx context.Context, c *Client, g *Grant, now time.Time, accessToken, code, state string) (string, error) {
	claims := map[string]any{}
	for k, v := range g.IDTokenClaims {
		claims[k] = v
	}
	claims["iss"] = p.opt.Issuer
	claims["sub"] = g.Subject
	claims["aud"] = g.ClientID
	claims["azp"] = g.ClientID
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(p.opt.Tokens.IDTokenLifetime).Unix()
	if g.AuthTime != 0 {
		claims["auth_time"] = g.AuthTime
	}
	if g.Nonce != "" {
		claims["nonce"] = g.Nonce
	}
	if g.ACR != "" {
		claims["acr"] = g.ACR
	}
	if len(g.AMR) > 0 {
		claims["amr"] = g.AMR
	}
	if accessToken != "" {
		claims["at_hash"] = halfHash(accessToken)
	}
	if code != "" {
		claims["c_hash"] = halfHash(code)
	}
	if state != "" {
		claims["s_hash"] = halfHash(state)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	alg := p.opt.Tokens.SigningAlg
	if c != nil && c.IDTokenSignedResponseAlg != "" {
		alg = c.IDTokenSignedResponseAlg
	}
	signed, err := p.signWith(jose.SignatureAlgorithm(alg), payload, "")
	if err != nil || c == nil || c.IDTokenEncryptedResponseAlg == "" {
		return signed, err
	}
	enc := c.IDTokenEncryptedResponseEnc
	if enc == "" {
		enc = string(jose.A128CBC_HS256) // OIDC Registration §2 default
	}
	return p.encryptTo(ctx, c, c.IDTokenEncryptedResponseAlg, enc, signed)
}

// halfHash is base64url of the left half of SHA-256 (PS256 and ES256 both
// use SHA-256), as at_hash, c_hash and s_hash require.
func halfHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(h[:16])
}

// sign signs payload with the workspace key for the configured alg.
func (p *Provider) sign(payload []byte, typ string) (string, error) {
	return p.signWith(jose.SignatureAlgorithm(p.opt.Tokens.SigningAlg), payload, typ)
}

// signWith signs payload with the workspace's current key for alg.
func (p *Provider) signWith(alg jose.SignatureAlgorithm, payload []byte, typ string) (string, error) {
	s, ok := p.opt.Keys.Signer(alg, typ)
	if !ok {
		return "", fmt.Errorf("no %s signing key", alg)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// mergeClaims adds extra claims to the marshalled standard claims; standard
// claims win.
func mergeClaims(std any, extra map[string]any) ([]byte, error) {
	b, err := json.Marshal(std)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	for k, v := range extra {
		m[k] = v
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

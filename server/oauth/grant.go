package oauth

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
)

// Grant is what one authorization (or client_credentials request) granted.
// It travels sealed inside the authorization code and is stored with every
// token (TokenRecord.Data), so token, refresh, introspection and userinfo
// need no second lookup.
type Grant struct {
	ID        string `json:"gid"`
	ClientID  string `json:"cid"`
	Subject   string `json:"sub,omitempty"`
	Scope     string `json:"scope,omitempty"`
	ConsentID string `json:"consent_id,omitempty"`
	// Resources are the granted resources (e.g. account ids) from the consent decision.
	Resources            []string              `json:"resources,omitempty"`
	AuthTime             int64                 `json:"auth_time,omitempty"`
	ACR                  string                `json:"acr,omitempty"`
	AMR                  []string              `json:"amr,omitempty"`
	Nonce                string                `json:"nonce,omitempty"`
	Claims               *ClaimsRequest        `json:"claims,omitempty"`
	AuthorizationDetails []AuthorizationDetail `json:"authorization_details,omitempty"`
	// IDTokenClaims and UserInfoClaims are claim values the bank supplied at accept.
	IDTokenClaims  map[string]any `json:"id_claims,omitempty"`
	UserInfoClaims map[string]any `json:"ui_claims,omitempty"`
	// TokenClaims come from the consent engine (e.g. consent id, granted accounts).
	TokenClaims map[string]any `json:"tok_claims,omitempty"`
	// ResponseFields are added to token responses (e.g. cdr_arrangement_id).
	ResponseFields map[string]any `json:"resp_fields,omitempty"`
	// RefreshExpiresAt caps refresh-token lifetime (unix seconds; consent expiry).
	RefreshExpiresAt int64 `json:"rt_exp,omitempty"`
	// NoRefresh: the consent allows no refresh token.
	NoRefresh bool `json:"no_rt,omitempty"`
}

// randomID returns n random bytes, base64url-encoded.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sortableID is randomID(n) behind the creation time in milliseconds (12
// hex digits), for the ids of rows written on every token request (tokens,
// grants): successive ids share a prefix, so their index entries land on the
// same few B-tree pages instead of one random page each, which halves the
// pages a SQLite commit writes and keeps PostgreSQL's indexes compact. The
// random part alone keeps them unguessable; the time they reveal is the
// token's iat.
func sortableID(now time.Time, n int) string {
	return strconv.FormatInt(0x1000000000000|now.UnixMilli(), 16)[1:] + randomID(n)
}

func unmarshalGrant(data []byte, g *Grant) error { return json.Unmarshal(data, g) }

package oauth

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const (
	mediaIntrospectionJWT = "application/token-introspection+jwt" // RFC 9701 §4
	mediaJWT              = "application/jwt"
)

// wantsJWT returns the media type of the JWT response the resource server
// asked for (RFC 9701 §4, or the common proprietary application/jwt), or "".
func wantsJWT(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && (mt == mediaIntrospectionJWT || mt == mediaJWT) {
			return mt
		}
	}
	return ""
}

// writeIntrospectionJWT answers with a signed (optionally encrypted) JWT:
// iss, aud = the resource server, iat, token_introspection (RFC 9701 §5).
func (p *Provider) writeIntrospectionJWT(w http.ResponseWriter, r *http.Request, c *Client, body map[string]any, now time.Time, media string) error {
	payload, err := json.Marshal(map[string]any{
		"iss": p.opt.Issuer, "aud": c.ID, "iat": now.Unix(), "token_introspection": body,
	})
	if err != nil {
		return ServerError(err)
	}
	alg := c.IntrospectionSignedResponseAlg
	if alg == "" {
		alg = p.opt.Tokens.SigningAlg
	}
	tok, err := p.signWith(jose.SignatureAlgorithm(alg), payload, "token-introspection+jwt")
	if err != nil {
		return ServerError(err)
	}
	if c.IntrospectionEncryptedResponseAlg != "" {
		enc := c.IntrospectionEncryptedResponseEnc
		if enc == "" {
			enc = string(jose.A128CBC_HS256)
		}
		if tok, err = p.encryptTo(r.Context(), c, c.IntrospectionEncryptedResponseAlg, enc, tok); err != nil {
			return ServerError(err)
		}
	}
	w.Header().Set("Content-Type", media)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(tok))
	return nil
}

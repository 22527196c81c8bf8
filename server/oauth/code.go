package oauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// codePayload is sealed into the authorization code itself (AES-256-GCM under
// a workspace secret), so redeeming a code needs no read: the token request
// writes the code's id as a single-use value in the same statement as the
// tokens (one database round trip), which also makes reuse detectable across
// instances (RFC 6749 §4.1.2, FAPI 2.0 SP §5.3.2.1-10 one-time use).
type codePayload struct {
	ID            string `json:"id"`
	RedirectURI   string `json:"ru"`
	CodeChallenge string `json:"cc"`
	DPoPJKT       string `json:"jkt,omitempty"`
	ExpiresAt     int64  `json:"exp"`
	Grant         Grant  `json:"g"`
}

type codeSealer struct {
	aead cipher.AEAD
	ad   []byte
}

func newCodeSealer(secret []byte, workspace string) (*codeSealer, error) {
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &codeSealer{aead: aead, ad: []byte("code/" + workspace)}, nil
}

func (s *codeSealer) seal(p *codePayload) (string, error) {
	plain, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, s.ad)), nil
}

var errBadCode = errors.New("authorization code is invalid")

// open returns the payload of an unexpired code sealed by this workspace.
func (s *codeSealer) open(code string, now time.Time) (*codePayload, error) {
	raw, err := base64.RawURLEncoding.DecodeString(code)
	n := s.aead.NonceSize()
	if err != nil || len(raw) < n+s.aead.Overhead() {
		return nil, errBadCode
	}
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], s.ad)
	if err != nil {
		return nil, errBadCode
	}
	var p codePayload
	if err := json.Unmarshal(plain, &p); err != nil {
		return nil, errBadCode
	}
	if now.Unix() >= p.ExpiresAt {
		return nil, errors.New("authorization code expired")
	}
	return &p, nil
}

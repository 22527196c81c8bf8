package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// deriveKey derives a 32-byte key from the system secret with HKDF-SHA256
// (RFC 5869), domain-separated by salt and info.
func deriveKey(secret []byte, salt, info string) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, []byte(salt), info, 32)
}

// sealer encrypts private keys at rest with AES-256-GCM. The additional data
// binds each ciphertext to its workspace and key id, so a row copied to
// another workspace or kid does not decrypt.
type sealer struct{ aead cipher.AEAD }

func newSealer(secret []byte) (*sealer, error) {
	k, err := deriveKey(secret, "", "openconsent/key-encryption/v1")
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(plain []byte, workspace, kid string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plain, []byte(workspace+"/"+kid)), nil
}

func (s *sealer) open(sealed []byte, workspace, kid string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("keys: sealed key too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(workspace+"/"+kid))
	if err != nil {
		return nil, fmt.Errorf("keys: cannot decrypt key %s of %s (wrong system secret?): %w", kid, workspace, err)
	}
	return plain, nil
}

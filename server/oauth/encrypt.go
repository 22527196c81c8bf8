package oauth

import (
	"context"
	"crypto/rsa"
	"errors"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// Key-management and content-encryption algorithms we serve for JWE
// (ID tokens, JARM responses, introspection responses, request objects).
var (
	encAlgs = []string{string(jose.RSA_OAEP), string(jose.RSA_OAEP_256)}
	encEncs = []string{string(jose.A256GCM), string(jose.A128CBC_HS256)}
)

// encryptTo encrypts a signed JWT to the client's encryption key (nested
// JWT, cty "JWT": RFC 7519 §5.2, OIDC Core §10.2). The key is chosen by use
// "enc" (or no use) and a key type matching alg; a kid is sent when present.
func (p *Provider) encryptTo(ctx context.Context, c *Client, alg, enc, signed string) (string, error) {
	if !slices.Contains(encAlgs, alg) || !slices.Contains(encEncs, enc) {
		return "", errors.New("unsupported encryption algorithm " + alg + "/" + enc)
	}
	set, err := p.jwks.Keys(ctx, c)
	if err != nil {
		return "", err
	}
	var key *jose.JSONWebKey
	for i := range set.Keys {
		k := &set.Keys[i]
		if k.Use != "" && k.Use != "enc" {
			continue
		}
		if k.Algorithm != "" && k.Algorithm != alg {
			continue
		}
		if _, ok := k.Key.(*rsa.PublicKey); !ok {
			continue // RSA-OAEP needs an RSA public key
		}
		key = k
		break
	}
	if key == nil {
		return "", errors.New("the client has no " + alg + " encryption key")
	}
	e, err := jose.NewEncrypter(jose.ContentEncryption(enc),
		jose.Recipient{Algorithm: jose.KeyAlgorithm(alg), Key: key.Key, KeyID: key.KeyID},
		(&jose.EncrypterOptions{}).WithContentType("JWT"))
	if err != nil {
		return "", err
	}
	obj, err := e.Encrypt([]byte(signed))
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// decryptRequestObject opens an encrypted request object (RFC 9101 §6.1,
// nested JWT) with the workspace's encryption key and returns the inner JWS.
func (p *Provider) decryptRequestObject(raw string) (string, error) {
	algs := make([]jose.KeyAlgorithm, 0, len(encAlgs))
	for _, a := range encAlgs {
		algs = append(algs, jose.KeyAlgorithm(a))
	}
	encs := []jose.ContentEncryption{jose.A256GCM, jose.A128CBC_HS256}
	obj, err := jose.ParseEncrypted(raw, algs, encs)
	if err != nil {
		return "", InvalidRequestObject("the encrypted request object is malformed or uses an algorithm not allowed")
	}
	// With a kid, the key it names, if it is one of our published
	// encryption keys for that algorithm (retired ones included); without,
	// the current key for the algorithm.
	var k *jose.JSONWebKey
	if kid := obj.Header.KeyID; kid != "" {
		var ok bool
		if k, ok = p.opt.Keys.DecryptionKey(kid); !ok || k.Algorithm != obj.Header.Algorithm {
			return "", InvalidRequestObject("the request object is encrypted to an unknown key")
		}
	} else {
		var ok bool
		if k, ok = p.opt.Keys.Decrypter(obj.Header.Algorithm); !ok {
			return "", InvalidRequestObject("no decryption key for " + obj.Header.Algorithm)
		}
	}
	plain, err := obj.Decrypt(k.Key)
	if err != nil {
		return "", InvalidRequestObject("the request object cannot be decrypted")
	}
	inner := string(plain)
	if strings.Count(inner, ".") != 2 {
		return "", InvalidRequestObject("an encrypted request object must contain a signed JWT")
	}
	return inner, nil
}

package oauth

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// encKeys serves two encryption keys: enc-new (current) and enc-old
// (retired, still published). Other Keys methods are not used.
type encKeys struct {
	Keys
	byKid  map[string]*jose.JSONWebKey
	active *jose.JSONWebKey
}

func (k encKeys) Decrypter(alg string) (*jose.JSONWebKey, bool) {
	return k.active, alg == k.active.Algorithm
}

func (k encKeys) DecryptionKey(kid string) (*jose.JSONWebKey, bool) {
	v, ok := k.byKid[kid]
	return v, ok
}

// RFC 9101 §6.1: an encrypted request object names in its kid the key it
// was encrypted to; a retired key still published decrypts, any other kid
// or a key of another algorithm is refused, and without a kid the current
// key is used.
func TestDecryptRequestObjectKeys(t *testing.T) {
	gen := func(kid string) *jose.JSONWebKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		return &jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: string(jose.RSA_OAEP_256), Use: "enc"}
	}
	cur, old := gen("enc-new"), gen("enc-old")
	p := &Provider{opt: Options{Keys: encKeys{byKid: map[string]*jose.JSONWebKey{"enc-new": cur, "enc-old": old}, active: cur}}}
	const inner = "h.p.s"
	seal := func(alg jose.KeyAlgorithm, to *jose.JSONWebKey, kid string) string {
		t.Helper()
		e, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: alg, Key: to.Key.(*rsa.PrivateKey).Public(), KeyID: kid}, nil)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := e.Encrypt([]byte(inner))
		if err != nil {
			t.Fatal(err)
		}
		s, err := obj.CompactSerialize()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name      string
		give      string
		wantDescr string // "" = decrypts
	}{
		{name: "current key by kid", give: seal(jose.RSA_OAEP_256, cur, "enc-new")},
		{name: "retired key by kid", give: seal(jose.RSA_OAEP_256, old, "enc-old")},
		{name: "current key without kid", give: seal(jose.RSA_OAEP_256, cur, "")},
		{name: "retired key without kid", give: seal(jose.RSA_OAEP_256, old, ""), wantDescr: "the request object cannot be decrypted"},
		{name: "unknown kid", give: seal(jose.RSA_OAEP_256, cur, "enc-gone"), wantDescr: "the request object is encrypted to an unknown key"},
		{name: "kid of a key of another algorithm", give: seal(jose.RSA_OAEP, old, "enc-old"), wantDescr: "the request object is encrypted to an unknown key"},
		{name: "another key under a known kid", give: seal(jose.RSA_OAEP_256, gen("x"), "enc-old"), wantDescr: "the request object cannot be decrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.decryptRequestObject(tt.give)
			if tt.wantDescr == "" {
				if err != nil || got != inner {
					t.Fatalf("decryptRequestObject = %q, %v; want %q", got, err, inner)
				}
				return
			}
			var oe *Error
			if !errors.As(err, &oe) || oe.Code != CodeInvalidRequestObject || oe.Description != tt.wantDescr {
				t.Fatalf("decryptRequestObject error = %v, want invalid_request_object %q", err, tt.wantDescr)
			}
		})
	}
}

package keys

import (
	"context"
	"crypto"
	"encoding/json"
	"sort"
	"sync"

	"github.com/go-jose/go-jose/v4"
)

const cryptoSHA256 = crypto.SHA256

// set is an immutable, fully parsed view of a workspace's keys.
type set struct {
	active  map[string]*jose.JSONWebKey // alg -> newest active private key
	decrypt map[string]*jose.JSONWebKey // kid -> private key of every published encryption key
	verify  jose.JSONWebKeySet          // public keys: active and still-published retired
	jwks    []byte
	signers sync.Map // signerKey -> jose.Signer
}

type signerKey struct {
	alg jose.SignatureAlgorithm
	typ string
}

// Reload parses the workspace's stored keys once and swaps them in. Keys
// already parsed in the current set are reused, so a reload after rotation
// only decrypts the new key.
func (w *Workspace) Reload(ctx context.Context) error {
	recs, err := w.mgr.store.Keys(ctx, w.id)
	if err != nil {
		return err
	}
	now := w.mgr.now()
	old := w.cur.Load()
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].CreatedAt.Before(recs[j].CreatedAt) })
	next := &set{active: map[string]*jose.JSONWebKey{}, decrypt: map[string]*jose.JSONWebKey{}}
	pub := make([]jose.JSONWebKey, 0, len(recs))
	for _, r := range recs {
		if r.State == StateRetired && (r.PublishUntil == nil || r.PublishUntil.Before(now)) {
			continue
		}
		var pk jose.JSONWebKey
		if err := json.Unmarshal(r.PublicJWK, &pk); err != nil {
			return err
		}
		pub = append(pub, pk)
		// A retired encryption key keeps its private part while it is
		// published: a client may encrypt to the key it fetched from the
		// JWKS before the rotation (RFC 9101 §6.1).
		if r.State != StateActive && pk.Use != "enc" {
			continue
		}
		priv, err := w.private(old, r)
		if err != nil {
			return err
		}
		if pk.Use == "enc" {
			next.decrypt[r.ID] = priv
		}
		if r.State == StateActive {
			next.active[r.Alg] = priv // newest wins: records are sorted oldest first
		}
	}
	next.verify = jose.JSONWebKeySet{Keys: pub}
	b, err := json.Marshal(next.verify)
	if err != nil {
		return err
	}
	next.jwks = b
	w.cur.Store(next)
	return nil
}

// private is the parsed private key of r: the one old already holds, or
// opened from its sealed form.
func (w *Workspace) private(old *set, r Record) (*jose.JSONWebKey, error) {
	if k, ok := old.active[r.Alg]; ok && k.KeyID == r.ID {
		return k, nil
	}
	if k, ok := old.decrypt[r.ID]; ok {
		return k, nil
	}
	plain, err := w.mgr.seal.open(r.PrivateEnc, w.id, r.ID)
	if err != nil {
		return nil, err
	}
	var priv jose.JSONWebKey
	if err := priv.UnmarshalJSON(plain); err != nil {
		return nil, err
	}
	return &priv, nil
}

// Signer returns a cached signer for alg with the kid (and typ, when set) in
// the protected header.
func (w *Workspace) Signer(alg jose.SignatureAlgorithm, typ string) (jose.Signer, bool) {
	s := w.cur.Load()
	sk := signerKey{alg, typ}
	if v, ok := s.signers.Load(sk); ok {
		return v.(jose.Signer), true
	}
	k, ok := s.active[string(alg)]
	if !ok {
		return nil, false
	}
	opts := &jose.SignerOptions{} // kid comes from the JSONWebKey
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k}, opts)
	if err != nil {
		return nil, false
	}
	v, _ := s.signers.LoadOrStore(sk, sg)
	return v.(jose.Signer), true
}

// Decrypter returns the active private key for a key-management alg (use: enc).
func (w *Workspace) Decrypter(alg string) (*jose.JSONWebKey, bool) {
	k, ok := w.cur.Load().active[alg]
	if !ok || k.Use != "enc" {
		return nil, false
	}
	return k, true
}

// DecryptionKey returns the private key of the published encryption key
// kid (use: enc), active or retired.
func (w *Workspace) DecryptionKey(kid string) (*jose.JSONWebKey, bool) {
	k, ok := w.cur.Load().decrypt[kid]
	return k, ok
}

// SigningKey returns the active private signing key for alg (use: sig), for
// signatures the cached Signer cannot make (e.g. detached JWS with critical
// headers).
func (w *Workspace) SigningKey(alg jose.SignatureAlgorithm) (*jose.JSONWebKey, bool) {
	k, ok := w.cur.Load().active[string(alg)]
	if !ok || k.Use != "sig" {
		return nil, false
	}
	return k, true
}

// Verification returns the published public keys.
func (w *Workspace) Verification() *jose.JSONWebKeySet { return &w.cur.Load().verify }

// PublicJWKS returns the serialised JWKS document.
func (w *Workspace) PublicJWKS() []byte { return w.cur.Load().jwks }

// Secret derives a stable 32-byte secret for a purpose from the system
// secret, salted with the workspace id (HKDF, RFC 5869).
func (w *Workspace) Secret(purpose string) []byte {
	if v, ok := w.secrets.Load(purpose); ok {
		return v.([]byte)
	}
	k, err := deriveKey(w.mgr.secret, w.id, "openconsent/"+purpose)
	if err != nil {
		return nil // unreachable: SHA-256 with a 32-byte output never fails
	}
	w.secrets.Store(purpose, k)
	return k
}

package keys_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/keys"
	"github.com/openconsent/openconsent/store"
)

var secret = []byte("0123456789abcdef0123456789abcdef-keys")

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite", filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func kids(t *testing.T, w *keys.Workspace) map[string]bool {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(w.PublicJWKS(), &set); err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			t.Fatalf("published key %s is private", k.KeyID)
		}
		m[k.KeyID] = true
	}
	return m
}

func signedKid(t *testing.T, w *keys.Workspace, alg jose.SignatureAlgorithm) string {
	t.Helper()
	s, ok := w.Signer(alg, "")
	if !ok {
		t.Fatalf("no %s signer", alg)
	}
	jws, err := s.Sign([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	compact, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{alg})
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Signatures[0].Header.KeyID
}

func TestEnsureCreatesOnceAndRotationKeepsRetiredPublished(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	m, err := keys.NewManager(st, secret, clock)
	if err != nil {
		t.Fatal(err)
	}
	w, err := m.Ensure(ctx, "ws", []string{"PS256", "ES256"})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(kids(t, w)); got != 2 {
		t.Fatalf("published %d keys, want 2", got)
	}
	// A second instance (new manager, same store) reuses the keys.
	m2, _ := keys.NewManager(st, secret, clock)
	w2, err := m2.Ensure(ctx, "ws", []string{"PS256", "ES256"})
	if err != nil {
		t.Fatal(err)
	}
	if signedKid(t, w, jose.PS256) != signedKid(t, w2, jose.PS256) {
		t.Fatal("two instances sign with different PS256 keys")
	}
	old := signedKid(t, w, jose.PS256)
	newKid, err := m.Rotate(ctx, "ws", "PS256", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got := signedKid(t, w, jose.PS256); got != newKid {
		t.Errorf("signing kid = %s, want the new key %s", got, newKid)
	}
	if ks := kids(t, w); !ks[old] || !ks[newKid] {
		t.Errorf("jwks = %v, want both the retired %s and the new %s", ks, old, newKid)
	}
	// Another instance picks the rotation up on reload.
	if err := w2.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if got := signedKid(t, w2, jose.PS256); got != newKid {
		t.Errorf("other instance signs with %s, want %s", got, newKid)
	}
	// After the publish window the retired key disappears.
	now = now.Add(11 * time.Minute)
	if err := w.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if ks := kids(t, w); ks[old] {
		t.Errorf("retired key %s still published after its window", old)
	}
}

func TestWrongSecretCannotLoadKeys(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	m, _ := keys.NewManager(st, secret, nil)
	if _, err := m.Ensure(ctx, "ws", []string{"ES256"}); err != nil {
		t.Fatal(err)
	}
	bad, _ := keys.NewManager(st, []byte("another-secret-0123456789abcdef-0123"), nil)
	if _, err := bad.Ensure(ctx, "ws", []string{"ES256"}); err == nil {
		t.Fatal("keys decrypted with the wrong system secret")
	}
}

func TestSecretsDifferPerWorkspaceAndPurpose(t *testing.T) {
	st := openStore(t)
	m, _ := keys.NewManager(st, secret, nil)
	a, b := m.Workspace("a"), m.Workspace("b")
	if string(a.Secret("x")) == string(b.Secret("x")) || string(a.Secret("x")) == string(a.Secret("y")) {
		t.Fatal("derived secrets collide")
	}
	if len(a.Secret("x")) != 32 {
		t.Fatalf("secret length = %d, want 32", len(a.Secret("x")))
	}
}

func TestShortSystemSecretRefused(t *testing.T) {
	if _, err := keys.NewManager(nil, []byte("short"), nil); err == nil {
		t.Fatal("accepted a short system secret")
	}
}

// RFC 9101 §6.1: a client encrypts request objects to a key from our JWKS,
// which it may have fetched before a rotation. A retired encryption key
// therefore decrypts for as long as it is published, and not after; a
// signing key never decrypts.
func TestRetiredEncryptionKeyDecryptsWhilePublished(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m, err := keys.NewManager(st, secret, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	w, err := m.Ensure(ctx, "ws", []string{"ES256", "RSA-OAEP-256"})
	if err != nil {
		t.Fatal(err)
	}
	old, ok := w.Decrypter("RSA-OAEP-256")
	if !ok {
		t.Fatal("no RSA-OAEP-256 decrypter")
	}
	var oldPub jose.JSONWebKey
	for _, k := range w.Verification().Keys {
		if k.KeyID == old.KeyID {
			oldPub = k
		}
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: oldPub.Key, KeyID: old.KeyID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := enc.Encrypt([]byte("request object"))
	if err != nil {
		t.Fatal(err)
	}
	compact, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}

	newKid, err := m.Rotate(ctx, "ws", "RSA-OAEP-256", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if cur, _ := w.Decrypter("RSA-OAEP-256"); cur.KeyID != newKid {
		t.Errorf("current decrypter %s, want the new key %s", cur.KeyID, newKid)
	}
	k, ok := w.DecryptionKey(old.KeyID)
	if !ok || k.IsPublic() {
		t.Fatalf("DecryptionKey(retired %s) = %v, %v; want its private key", old.KeyID, k, ok)
	}
	parsed, err := jose.ParseEncrypted(compact, []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := parsed.Decrypt(k.Key); err != nil || string(plain) != "request object" {
		t.Errorf("decrypting with the retired key: %q, %v", plain, err)
	}
	if _, ok := w.DecryptionKey(newKid); !ok {
		t.Errorf("DecryptionKey(new %s) not found", newKid)
	}
	if kid := signedKid(t, w, jose.ES256); kid != "" {
		if _, ok := w.DecryptionKey(kid); ok {
			t.Errorf("DecryptionKey(signing key %s) found: a signing key must never decrypt", kid)
		}
	}

	now = now.Add(11 * time.Minute)
	if err := w.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.DecryptionKey(old.KeyID); ok {
		t.Errorf("retired key %s still decrypts after its publish window", old.KeyID)
	}
}

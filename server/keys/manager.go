package keys

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Manager creates, loads, rotates and caches the keys of every workspace.
// Safe for concurrent use.
type Manager struct {
	store  Store
	seal   *sealer
	secret []byte
	now    func() time.Time

	mu   sync.Mutex
	sets map[string]*Workspace
}

// NewManager returns a manager whose private keys are sealed under a key
// derived from systemSecret.
func NewManager(store Store, systemSecret []byte, now func() time.Time) (*Manager, error) {
	if len(systemSecret) < 32 {
		return nil, fmt.Errorf("keys: system secret must be at least 32 bytes")
	}
	s, err := newSealer(systemSecret)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Manager{store: store, seal: s, secret: systemSecret, now: now, sets: map[string]*Workspace{}}, nil
}

// Workspace returns the (possibly not yet loaded) key handle of a workspace.
func (m *Manager) Workspace(id string) *Workspace {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.sets[id]
	if !ok {
		w = &Workspace{id: id, mgr: m}
		w.cur.Store(&set{})
		m.sets[id] = w
	}
	return w
}

// Ensure creates an active signing key for each alg that has none (first
// start), then loads the workspace's keys.
func (m *Manager) Ensure(ctx context.Context, workspace string, algs []string) (*Workspace, error) {
	recs, err := m.store.Keys(ctx, workspace)
	if err != nil {
		return nil, err
	}
	for _, alg := range algs {
		if hasActive(recs, alg) {
			continue
		}
		if _, err := m.create(ctx, workspace, alg); err != nil {
			return nil, err
		}
	}
	w := m.Workspace(workspace)
	return w, w.Reload(ctx)
}

// Rotate creates a new active key for alg and retires the previous active
// ones, which stay published for publishFor (the longest lifetime of a token
// they signed), so verifiers keep working until those tokens expire.
func (m *Manager) Rotate(ctx context.Context, workspace, alg string, publishFor time.Duration) (string, error) {
	recs, err := m.store.Keys(ctx, workspace)
	if err != nil {
		return "", err
	}
	kid, err := m.create(ctx, workspace, alg)
	if err != nil {
		return "", err
	}
	now := m.now().UTC()
	for _, r := range recs {
		if r.State == StateActive && r.Alg == alg {
			if err := m.store.RetireKey(ctx, workspace, r.ID, now, now.Add(publishFor)); err != nil {
				return "", err
			}
		}
	}
	if _, err := m.store.DeleteUnpublished(ctx, workspace, now); err != nil {
		return "", err
	}
	return kid, m.Workspace(workspace).Reload(ctx)
}

func hasActive(recs []Record, alg string) bool {
	for _, r := range recs {
		if r.State == StateActive && r.Alg == alg {
			return true
		}
	}
	return false
}

// create generates a key for alg, seals its private part and stores it.
func (m *Manager) create(ctx context.Context, workspace, alg string) (string, error) {
	var priv any
	use := "sig"
	var err error
	switch jose.SignatureAlgorithm(alg) {
	case jose.PS256, jose.RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		switch jose.KeyAlgorithm(alg) {
		case jose.RSA_OAEP, jose.RSA_OAEP_256:
			priv, err = rsa.GenerateKey(rand.Reader, 2048)
			use = "enc"
		default:
			return "", fmt.Errorf("keys: unsupported algorithm %q", alg)
		}
	}
	if err != nil {
		return "", err
	}
	jwk := jose.JSONWebKey{Key: priv, Algorithm: alg, Use: use}
	tp, err := jwk.Thumbprint(cryptoSHA256)
	if err != nil {
		return "", err
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	privJSON, err := jwk.MarshalJSON()
	if err != nil {
		return "", err
	}
	pubJSON, err := json.Marshal(jwk.Public())
	if err != nil {
		return "", err
	}
	sealed, err := m.seal.seal(privJSON, workspace, jwk.KeyID)
	if err != nil {
		return "", err
	}
	rec := Record{
		ID: jwk.KeyID, Workspace: workspace, Alg: alg, Use: use, State: StateActive,
		PrivateEnc: sealed, PublicJWK: pubJSON, CreatedAt: m.now().UTC(),
	}
	if err := m.store.CreateKey(ctx, rec); err != nil {
		return "", err
	}
	return jwk.KeyID, nil
}

// Workspace is the live key handle of one workspace. It implements the
// token issuer's Keys port; Reload swaps in a freshly parsed set atomically.
type Workspace struct {
	id  string
	mgr *Manager
	cur atomic.Pointer[set]

	secrets sync.Map // purpose -> []byte
}

var _ interface {
	Signer(jose.SignatureAlgorithm, string) (jose.Signer, bool)
	Verification() *jose.JSONWebKeySet
	PublicJWKS() []byte
	Secret(string) []byte
} = (*Workspace)(nil)

package demo

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// fakeAS is a token endpoint and one resource, recording what the system
// client sends.
type fakeAS struct {
	mu          sync.Mutex
	tokenCalls  int
	wantNonce   string // when set, proofs without it get use_dpop_nonce
	refuseToken string // the resource answers 401 to this token
	lastClaims  map[string]any
}

func (f *fakeAS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	claims := proofClaims(r.Header.Get("DPoP"))
	f.lastClaims = claims
	if f.wantNonce != "" && claims["nonce"] != f.wantNonce {
		w.Header().Set("DPoP-Nonce", f.wantNonce)
		status := http.StatusBadRequest
		if r.URL.Path != "/ws/token" {
			status = http.StatusUnauthorized
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":"use_dpop_nonce"}`))
		return
	}
	switch r.URL.Path {
	case "/ws/token":
		f.tokenCalls++
		_ = r.ParseForm()
		if r.PostForm.Get("client_assertion") == "" || r.PostForm.Get("scope") != "manage_logins" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		_, _ = fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"DPoP","expires_in":300}`, f.tokenCalls)
	case "/ws/system/logins/x":
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "DPoP ")
		if tok == f.refuseToken || claims["ath"] == nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"login_id":"x"}`))
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// proofClaims decodes a DPoP proof's payload without verifying it: the
// provider's verifier is tested in server/oauth.
func proofClaims(proof string) map[string]any {
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return map[string]any{}
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	return c
}

func newTestClient(t *testing.T, h http.Handler, now *time.Time) *systemClient {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSystemClient(Options{
		Workspace: "ws", Issuer: "https://as.test/ws", ClientID: "app", DPoP: true, Handler: h,
		Key: jose.JSONWebKey{Key: priv, KeyID: "k1", Algorithm: string(jose.ES256)},
		Now: func() time.Time { return *now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSystemClientCachesTheToken(t *testing.T) {
	as := &fakeAS{}
	now := time.Now()
	s := newTestClient(t, as, &now)
	for range 3 {
		if res, err := s.call(context.Background(), http.MethodGet, "/system/logins/x", nil); err != nil || res.status != http.StatusOK {
			t.Fatalf("call = %v %v", res, err)
		}
	}
	if as.tokenCalls != 1 {
		t.Errorf("token requests = %d, want 1 (cached)", as.tokenCalls)
	}
	if htu := as.lastClaims["htu"]; htu != "https://as.test/ws/system/logins/x" {
		t.Errorf("proof htu = %v, want the issuer-based URL", htu)
	}
	now = now.Add(4*time.Minute + 31*time.Second) // within 30s of expiry
	if _, err := s.call(context.Background(), http.MethodGet, "/system/logins/x", nil); err != nil {
		t.Fatal(err)
	}
	if as.tokenCalls != 2 {
		t.Errorf("token requests = %d, want 2 (renewed before expiry)", as.tokenCalls)
	}
}

func TestSystemClientRetries(t *testing.T) {
	t.Run("DPoP nonce", func(t *testing.T) {
		as := &fakeAS{wantNonce: "n-1"}
		now := time.Now()
		s := newTestClient(t, as, &now)
		res, err := s.call(context.Background(), http.MethodGet, "/system/logins/x", nil)
		if err != nil || res.status != http.StatusOK {
			t.Fatalf("call = %v %v, want 200 after taking the nonce", res, err)
		}
		if as.lastClaims["nonce"] != "n-1" {
			t.Errorf("proof nonce = %v, want n-1", as.lastClaims["nonce"])
		}
	})
	t.Run("refused token", func(t *testing.T) {
		as := &fakeAS{refuseToken: "tok-1"}
		now := time.Now()
		s := newTestClient(t, as, &now)
		res, err := s.call(context.Background(), http.MethodGet, "/system/logins/x", nil)
		if err != nil || res.status != http.StatusOK || as.tokenCalls != 2 {
			t.Fatalf("call = %v %v after %d token requests, want 200 with a second token", res, err, as.tokenCalls)
		}
	})
	t.Run("token endpoint failure", func(t *testing.T) {
		now := time.Now()
		s := newTestClient(t, http.NotFoundHandler(), &now)
		if _, err := s.call(context.Background(), http.MethodGet, "/system/logins/x", nil); err == nil {
			t.Fatal("call succeeded without a token")
		}
	})
}

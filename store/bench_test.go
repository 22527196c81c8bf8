package store_test

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/store"
)

// BenchmarkIssue measures the token endpoint's write: two single-use values
// (the code and the DPoP proof's jti) and one access token. "parallel" runs
// it from GOMAXPROCS goroutines on one Store.
func BenchmarkIssue(b *testing.B) {
	backends := []struct {
		name string
		dsn  func(b *testing.B) (driver, dsn string)
	}{
		{"sqlite", func(b *testing.B) (string, string) {
			return store.DialectSQLite, filepath.Join(b.TempDir(), "bench.db")
		}},
		{"postgres", func(b *testing.B) (string, string) {
			admin := os.Getenv(envPostgresDSN)
			if admin == "" {
				b.Skipf("%s is not set", envPostgresDSN)
			}
			return store.DialectPostgres, postgresSchema(b, admin)
		}},
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			benchIssue(b, openBench(b, be.dsn), false)
		})
		b.Run(be.name+"/parallel", func(b *testing.B) {
			benchIssue(b, openBench(b, be.dsn), true)
		})
	}
}

func openBench(b *testing.B, dsn func(b *testing.B) (string, string)) *store.Store {
	b.Helper()
	driver, name := dsn(b)
	s, err := store.Open(b.Context(), driver, name)
	if err != nil {
		b.Fatalf("Open() = %v", err)
	}
	b.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(b.Context()); err != nil {
		b.Fatalf("Migrate() = %v", err)
	}
	return s
}

func benchIssue(b *testing.B, s *store.Store, parallel bool) {
	now := time.Now()
	var seq atomic.Int64
	issue := func() error {
		id := strconv.FormatInt(seq.Add(1), 10)
		return s.Issue(b.Context(), "bench", oauth.Issuance{
			Once: []oauth.SingleUse{
				{Kind: oauth.OnceCode, Value: "code-" + id, ExpiresAt: now.Add(time.Minute)},
				{Kind: oauth.OnceDPoPJTI, Value: "jti-" + id, ExpiresAt: now.Add(time.Minute)},
			},
			Tokens: []oauth.TokenRecord{{
				ID: "at-" + id, Kind: oauth.KindAccess, GrantID: "grant-" + id, ClientID: "client-1",
				Subject: "alice", Scope: "openid accounts", ConsentID: "consent-1", JKT: "jkt",
				IssuedAt: now, ExpiresAt: now.Add(5 * time.Minute), Data: []byte(`{"acr":"urn:x"}`),
			}},
		})
	}
	b.ReportAllocs()
	if !parallel {
		for b.Loop() {
			if err := issue(); err != nil {
				b.Fatalf("Issue() = %v", err)
			}
		}
		return
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := issue(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkIssueClientCredentials is the SQLite write of a DPoP-bound
// client_credentials request as the token endpoint makes it: the assertion's
// and the proof's jti (random, keyed by their exp and iat second: see
// oauth/once_key.go), whole-second expiries, no token row (stateless), from
// 16 concurrent callers on one CPU, as under HTTP load.
func BenchmarkIssueClientCredentials(b *testing.B) {
	s := openBench(b, func(b *testing.B) (string, string) {
		return store.DialectSQLite, filepath.Join(b.TempDir(), "bench.db")
	})
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			now := time.Now()
			sec := now.Truncate(time.Second)
			is := oauth.Issuance{Once: []oauth.SingleUse{
				{Kind: oauth.OnceAssertionJTI, Value: fmt.Sprintf("%011d|bench-client:%s", sec.Unix()+60, rand.Text()), ExpiresAt: sec.Add(65 * time.Second)},
				{Kind: oauth.OnceDPoPJTI, Value: fmt.Sprintf("%011d|%s%s", sec.Unix(), rand.Text(), rand.Text()), ExpiresAt: sec.Add(60 * time.Second)},
			}}
			if err := s.Issue(b.Context(), "bench", is); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

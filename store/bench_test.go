package store_test

import (
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

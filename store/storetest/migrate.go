package storetest

import (
	"sync"
	"testing"

	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/store"
)

func testMigrate(t *testing.T, newDB Database) {
	t.Run("idempotent", func(t *testing.T) {
		t.Parallel()
		e := &env{}
		e.driver, e.dsn = newDB(t)
		s := e.open(t)
		checkVersion(t, s, 0)
		for i := range 2 {
			if err := s.Migrate(ctx(t)); err != nil {
				t.Fatalf("Migrate() #%d = %v", i+1, err)
			}
			checkVersion(t, s, store.LatestSchemaVersion())
		}
		checkUsable(t, s)
	})
	t.Run("two instances at once", func(t *testing.T) {
		t.Parallel()
		e := &env{}
		e.driver, e.dsn = newDB(t)
		handles := []*store.Store{e.open(t), e.open(t)}
		errs := make([]error, len(handles))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, s := range handles {
			wg.Go(func() {
				<-start
				errs[i] = s.Migrate(ctx(t))
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Migrate() on handle %d = %v", i, err)
			}
		}
		checkVersion(t, handles[0], store.LatestSchemaVersion())
		checkUsable(t, handles[1])
	})
}

func checkVersion(t *testing.T, s *store.Store, want int) {
	t.Helper()
	got, err := s.SchemaVersion(ctx(t))
	if err != nil {
		t.Fatalf("SchemaVersion() = %v", err)
	}
	if got != want {
		t.Errorf("SchemaVersion() = %d, want %d", got, want)
	}
}

// checkUsable writes and reads through the migrated schema.
func checkUsable(t *testing.T, s *store.Store) {
	t.Helper()
	is := oauth.Issuance{Once: []oauth.SingleUse{once(oauth.OnceCode, "c")}, Tokens: []oauth.TokenRecord{tokenRecord(wsA, "at")}}
	if err := s.Issue(ctx(t), wsA, is); err != nil {
		t.Fatalf("Issue() after Migrate = %v", err)
	}
	if _, err := s.Token(ctx(t), wsA, "at"); err != nil {
		t.Fatalf("Token() after Migrate = %v", err)
	}
}

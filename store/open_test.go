package store_test

import (
	"path/filepath"
	"testing"

	"github.com/openconsent/openconsent/store"
)

func TestOpen(t *testing.T) {
	tests := []struct {
		name       string
		giveDriver string
		giveDSN    func(dir string) string
		wantErr    bool
	}{
		{name: "sqlite creates missing directories", giveDriver: store.DialectSQLite, giveDSN: func(dir string) string { return filepath.Join(dir, "a", "b", "oc.db") }},
		{name: "sqlite with extra parameters", giveDriver: store.DialectSQLite, giveDSN: func(dir string) string { return filepath.Join(dir, "oc.db") + "?_pragma=cache_size(-4000)" }},
		{name: "unknown driver", giveDriver: "mysql", giveDSN: func(string) string { return "x" }, wantErr: true},
		{name: "sqlite in memory", giveDriver: store.DialectSQLite, giveDSN: func(string) string { return ":memory:" }, wantErr: true},
		{name: "sqlite empty path", giveDriver: store.DialectSQLite, giveDSN: func(string) string { return "" }, wantErr: true},
		{name: "sqlite overrides the transaction mode", giveDriver: store.DialectSQLite, giveDSN: func(dir string) string { return filepath.Join(dir, "oc.db") + "?_txlock=deferred" }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := store.Open(t.Context(), tt.giveDriver, tt.giveDSN(t.TempDir()))
			if tt.wantErr {
				if err == nil {
					_ = s.Close()
					t.Fatalf("Open() error = nil, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Open() = %v", err)
			}
			defer func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close() = %v", err)
				}
			}()
			if got := s.Dialect(); got != tt.giveDriver {
				t.Errorf("Dialect() = %q, want %q", got, tt.giveDriver)
			}
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping() = %v", err)
			}
		})
	}
}

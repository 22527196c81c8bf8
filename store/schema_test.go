package store

import "testing"

// TestMigrationsOrdered guards the migration list: versions start at 1,
// increase by one, and every version has DDL for both dialects.
func TestMigrationsOrdered(t *testing.T) {
	for i, m := range migrations() {
		if m.version != i+1 {
			t.Errorf("migrations()[%d].version = %d, want %d", i, m.version, i+1)
		}
		if len(m.postgres) == 0 || len(m.sqlite) == 0 {
			t.Errorf("migration %d: %d postgres and %d sqlite statements, want both", m.version, len(m.postgres), len(m.sqlite))
		}
	}
	if got, want := LatestSchemaVersion(), len(migrations()); got != want {
		t.Errorf("LatestSchemaVersion() = %d, want %d", got, want)
	}
}

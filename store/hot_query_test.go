package store

import "testing"

func TestNewHotQuery(t *testing.T) {
	q := newHotQuery("SELECT a FROM t WHERE w = ? AND id IN (?, ?)")
	if q.sqlite != "SELECT a FROM t WHERE w = ? AND id IN (?, ?)" {
		t.Errorf("sqlite = %q", q.sqlite)
	}
	if want := "SELECT a FROM t WHERE w = $1 AND id IN ($2, $3)"; q.postgres != want {
		t.Errorf("postgres = %q, want %q", q.postgres, want)
	}
}

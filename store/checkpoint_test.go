package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The writer no longer checkpoints below writerAutoCheckpoint pages, so
// without the checkpointer the schema written by Migrate would stay in the
// WAL and the database file would stay empty.
func TestCheckpointerCopiesTheWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oc.db")
	s, err := Open(context.Background(), DialectSQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(40 * checkpointInterval)
	for {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > 8*4096 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file is %d bytes %v after the migration: the WAL was not checkpointed", fi.Size(), 40*checkpointInterval)
		}
		time.Sleep(checkpointInterval / 5)
	}
	done := s.ckpt.done
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	default:
		t.Error("the checkpointer still runs after Close")
	}
}

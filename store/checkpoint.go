package store

import (
	"context"
	"database/sql"
	"time"
)

// SQLite in WAL mode copies the WAL back into the database file in a
// checkpoint, by default inside the commit that takes the WAL past 1000
// pages, on the connection that commits: the store's only writer. Such a
// commit also waits for two fsyncs (synchronous=NORMAL syncs the WAL before
// a checkpoint and the database after it), and every request that writes
// waits behind it: at a few thousand token requests a second that is one
// stall every fraction of a second, and the server's core idles through it.
//
// The checkpointer takes this off the writer: a connection of its own runs
// a PASSIVE checkpoint (https://www.sqlite.org/pragma.html#pragma_wal_checkpoint),
// which neither waits for nor blocks the writer or the readers, every
// checkpointInterval. The writer's own automatic checkpoint stays as a
// backstop, at writerAutoCheckpoint pages, should the checkpointer fall
// behind.
const (
	checkpointInterval   = 250 * time.Millisecond
	writerAutoCheckpoint = 10000 // pages of the WAL (40 MB at 4 KiB)
)

type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
}

// startCheckpointer opens its connection with dsn and starts checkpointing.
func startCheckpointer(dsn string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			// A failed checkpoint (SQLITE_BUSY while another one runs, say)
			// leaves the WAL as it was; the next tick, or the writer's
			// backstop, checkpoints it.
			_, _ = c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}

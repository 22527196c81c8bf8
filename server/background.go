package server

import (
	"context"
	"time"
)

// backgroundInterval is how often expired rows are swept and keys reloaded.
const backgroundInterval = time.Minute

// background runs until ctx ends: it deletes expired single-use values, PAR
// records, logins and tokens (so single-use tables stay small), and reloads
// every workspace's keys so a rotation done by another instance or by
// `openconsent keys rotate` is picked up without a restart.
func (s *Server) background(ctx context.Context) { every(ctx, backgroundInterval, s.tick) }

// every runs fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}

func (s *Server) tick(ctx context.Context) {
	if n, err := s.store.Sweep(ctx, s.now()); err != nil {
		s.log.Error("sweep", "error", err)
	} else if n > 0 {
		s.log.Debug("sweep", "deleted", n)
	}
	for id, w := range s.workspaces {
		if err := w.Keys.Reload(ctx); err != nil {
			s.log.Error("key reload", "workspace", id, "error", err)
		}
		if n, err := w.Consents.ExpireDue(ctx, id); err != nil {
			s.log.Error("consent expiry", "workspace", id, "error", err)
		} else if n > 0 {
			s.log.Info("consents expired", "workspace", id, "count", n)
		}
	}
}

package server

import (
	"context"
	"time"

	"github.com/openconsent/openconsent/consent"
)

// Outbox delivery: rows written with consent changes are leased, delivered by
// their workspace's ecosystem, and retried with exponential backoff until the
// receiver acknowledges, surviving restarts (the state is in the database).
const (
	notifyInterval    = 5 * time.Second
	notifyLease       = time.Minute
	notifyBatch       = 20
	notifyFirstRetry  = 30 * time.Second
	notifyMaxBackoff  = time.Hour
	notifyMaxAttempts = 25 // about a day of retries
	notifyTimeout     = 10 * time.Second
)

// DeliverDue delivers every due notification once; it returns how many were
// attempted. The background loop calls it; tests call it directly.
func (s *Server) DeliverDue(ctx context.Context) (int, error) {
	now := s.now()
	batch, err := s.store.ClaimNotifications(ctx, now, notifyLease, notifyBatch)
	if err != nil {
		return 0, err
	}
	for _, n := range batch {
		s.deliver(ctx, n)
	}
	return len(batch), nil
}

func (s *Server) deliver(ctx context.Context, n consent.Notification) {
	n.Attempts++
	nf := s.notifiers[n.Workspace]
	var err error
	if nf == nil {
		err = errNoNotifier
	} else {
		dctx, cancel := context.WithTimeout(ctx, notifyTimeout)
		err = nf.Deliver(dctx, n)
		cancel()
	}
	now := s.now()
	switch {
	case err == nil:
		n.Status, n.LastError, n.DoneAt = consent.NotificationDelivered, "", &now
	case n.Attempts >= notifyMaxAttempts:
		n.Status, n.LastError, n.DoneAt = consent.NotificationFailed, err.Error(), &now
	default:
		n.LastError, n.NextAt = err.Error(), now.Add(backoff(n.Attempts))
	}
	if ferr := s.store.FinishNotification(ctx, n); ferr != nil {
		s.log.Error("notification", "id", n.ID, "error", ferr)
		return
	}
	s.log.Info("notification", "id", n.ID, "workspace", n.Workspace, "kind", n.Kind, "attempt", n.Attempts,
		"status", n.Status, "error", n.LastError)
}

// backoff is 30 s, 1 min, 2 min, ... capped at an hour.
func backoff(attempt int) time.Duration {
	d := notifyFirstRetry
	for i := 1; i < attempt && d < notifyMaxBackoff; i++ {
		d *= 2
	}
	return min(d, notifyMaxBackoff)
}

type notifyError string

func (e notifyError) Error() string { return string(e) }

const errNoNotifier = notifyError("no notifier for this workspace's ecosystem")

// notifyLoop delivers notifications until ctx ends.
func (s *Server) notifyLoop(ctx context.Context) {
	every(ctx, notifyInterval, func(ctx context.Context) {
		if _, err := s.DeliverDue(ctx); err != nil {
			s.log.Error("notifications", "error", err)
		}
	})
}

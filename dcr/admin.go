package dcr

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/openconsent/openconsent/consent"
)

// Admin serves the system clients API of one workspace: list dynamically
// registered clients and change their status (offline approval). Safe for
// concurrent use.
type Admin struct {
	Workspace string
	Clients   ClientStore
	Store     ClientAdmin
	Now       func() time.Time
}

// maxListLimit bounds one page of ListClients.
const maxListLimit = 500

// List returns one page of clients, newest first.
func (a *Admin) List(ctx context.Context, f ListFilter) ([]Client, string, error) {
	if f.Limit <= 0 || f.Limit > maxListLimit {
		f.Limit = 100
	}
	return a.Store.ListClients(ctx, a.Workspace, f)
}

// Get returns one client, or ErrNotFound.
func (a *Admin) Get(ctx context.Context, id string) (*Client, error) {
	return a.Clients.Client(ctx, a.Workspace, id)
}

// SetStatus moves a client to status to, following the transition table
// (ErrInvalidTransition otherwise); setting the current status is a no-op.
// Leaving Approved revokes the client's tokens in the same transaction.
func (a *Admin) SetStatus(ctx context.Context, id string, to Status, actor string) (*Client, error) {
	if !to.Valid() {
		return nil, fmt.Errorf("%w: unknown status %q", ErrInvalidTransition, to)
	}
	c, err := a.Clients.Client(ctx, a.Workspace, id)
	if err != nil {
		return nil, err
	}
	if c.Status == to {
		return c, nil
	}
	if !CanTransition(c.Status, to) {
		return nil, fmt.Errorf("%w: %s to %s", ErrInvalidTransition, c.Status, to)
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	if actor == "" {
		actor = "system"
	}
	ev := consent.AuditEvent{
		Workspace: a.Workspace, Actor: actor, Action: "client.status_changed", Object: id,
		Detail: []byte(`{"from":"` + string(c.Status) + `","to":"` + string(to) + `"}`), At: now(),
	}
	out, err := a.Store.SetClientStatus(ctx, a.Workspace, id, c.Status, to, to != StatusApproved, ev)
	if errors.Is(err, ErrInvalidTransition) {
		return nil, fmt.Errorf("%w: changed concurrently", err)
	}
	return out, err
}

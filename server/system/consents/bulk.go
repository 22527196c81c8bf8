package consents

import (
	"context"
	"errors"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/server/system/consents/gen"
)

// RevokeAllConsents implements gen.StrictServerInterface: every current
// consent of the customer (optionally of one kind or client) is revoked, one
// by one, each with its own history, audit event and notifications; consents
// already ended are left alone, so nothing is notified twice.
func (h *Handlers) RevokeAllConsents(ctx context.Context, req gen.RevokeAllConsentsRequestObject) (gen.RevokeAllConsentsResponseObject, error) {
	b := req.Body
	reason := ""
	if b.Reason != nil {
		reason = *b.Reason
	}
	f := consent.Filter{Subject: b.Subject, Limit: 500}
	if b.Kind != nil {
		f.Kind = consent.Kind(*b.Kind)
	}
	if b.ClientID != nil {
		f.ClientID = *b.ClientID
	}
	ctx = consent.WithOrigin(ctx, "bank")
	revoked := []string{}
	for {
		page, next, err := h.Consents.List(ctx, h.Workspace, f)
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			if c.Status.Terminal() {
				continue
			}
			_, err := h.Consents.Revoke(ctx, h.Workspace, c.ID, b.Actor, reason)
			if errors.Is(err, consent.ErrInvalidTransition) || errors.Is(err, consent.ErrNotFound) {
				continue // ended meanwhile (expired, consumed, revoked by another call)
			}
			if err != nil {
				return nil, err
			}
			revoked = append(revoked, c.ID)
		}
		if next == "" {
			break
		}
		f.After = next
	}
	return gen.RevokeAllConsents200JSONResponse{Revoked: revoked}, nil
}

// ListNotifications implements gen.StrictServerInterface.
func (h *Handlers) ListNotifications(ctx context.Context, req gen.ListNotificationsRequestObject) (gen.ListNotificationsResponseObject, error) {
	limit := 100
	if req.Params.Limit != nil {
		limit = *req.Params.Limit
	}
	var status consent.NotificationStatus
	if req.Params.Status != nil {
		status = consent.NotificationStatus(*req.Params.Status)
	}
	list, err := h.Notifications.Notifications(ctx, h.Workspace, status, limit)
	if err != nil {
		return nil, err
	}
	out := gen.NotificationPage{Data: make([]gen.Notification, 0, len(list))}
	for _, n := range list {
		item := gen.Notification{
			ID: n.ID, Kind: n.Kind, Status: gen.NotificationStatus(n.Status), Attempts: n.Attempts,
			CreatedAt: n.CreatedAt, NextAttemptAt: n.NextAt, DoneAt: n.DoneAt,
		}
		for _, p := range []struct {
			dst **string
			v   string
		}{{&item.ConsentID, n.ConsentID}, {&item.ClientID, n.ClientID}, {&item.Target, n.Target}, {&item.LastError, n.LastError}} {
			if p.v != "" {
				v := p.v
				*p.dst = &v
			}
		}
		out.Data = append(out.Data, item)
	}
	return gen.ListNotifications200JSONResponse(out), nil
}

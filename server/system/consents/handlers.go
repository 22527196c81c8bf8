// Package consents serves the system consent management API
// (openapi/system/consents/v1): the bank's systems list, read, revoke and
// consume consents and check access tokens presented to resource servers.
// It adapts the generated strict server to the consent engine.
package consents

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/system/consents/gen"
)

// Handlers implements the generated strict server for one workspace.
type Handlers struct {
	Workspace     string
	Consents      *consent.Service
	Provider      *oauth.Provider
	Notifications consent.NotificationStore
}

var _ gen.StrictServerInterface = (*Handlers)(nil)

func apiErr(code, desc string) gen.Error {
	return gen.Error{Error: code, ErrorDescription: &desc}
}

func apiErrResp(code, desc string) gen.ErrorJSONResponse {
	return gen.ErrorJSONResponse{Error: code, ErrorDescription: &desc}
}

// ListConsents implements gen.StrictServerInterface.
func (h *Handlers) ListConsents(ctx context.Context, req gen.ListConsentsRequestObject) (gen.ListConsentsResponseObject, error) {
	p := req.Params
	f := consent.Filter{}
	if p.Subject != nil {
		f.Subject = *p.Subject
	}
	if p.ClientID != nil {
		f.ClientID = *p.ClientID
	}
	if p.Status != nil {
		f.Status = consent.Status(*p.Status)
	}
	if p.Kind != nil {
		f.Kind = consent.Kind(*p.Kind)
	}
	if p.After != nil {
		f.After = *p.After
	}
	if p.Limit != nil {
		f.Limit = *p.Limit
	}
	list, next, err := h.Consents.List(ctx, h.Workspace, f)
	var ce *consent.Error
	if errors.As(err, &ce) {
		return gen.ListConsents400JSONResponse{ErrorJSONResponse: apiErrResp("invalid_request", ce.Reason)}, nil
	}
	if err != nil {
		return nil, err
	}
	page := gen.ConsentPage{Data: make([]gen.Consent, 0, len(list))}
	for i := range list {
		page.Data = append(page.Data, toAPI(&list[i], nil))
	}
	if next != "" {
		page.NextCursor = &next
	}
	return gen.ListConsents200JSONResponse(page), nil
}

// GetConsent implements gen.StrictServerInterface.
func (h *Handlers) GetConsent(ctx context.Context, req gen.GetConsentRequestObject) (gen.GetConsentResponseObject, error) {
	c, err := h.Consents.Get(ctx, h.Workspace, req.ConsentID)
	if errors.Is(err, consent.ErrNotFound) {
		return gen.GetConsent404JSONResponse(apiErr("not_found", "no such consent")), nil
	}
	if err != nil {
		return nil, err
	}
	hist, err := h.Consents.History(ctx, h.Workspace, c.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetConsent200JSONResponse(toAPI(c, hist)), nil
}

// RevokeConsent implements gen.StrictServerInterface.
func (h *Handlers) RevokeConsent(ctx context.Context, req gen.RevokeConsentRequestObject) (gen.RevokeConsentResponseObject, error) {
	reason := ""
	if req.Body.Reason != nil {
		reason = *req.Body.Reason
	}
	c, err := h.Consents.Revoke(ctx, h.Workspace, req.ConsentID, req.Body.Actor, reason)
	switch {
	case errors.Is(err, consent.ErrNotFound):
		return gen.RevokeConsent404JSONResponse(apiErr("not_found", "no such consent")), nil
	case errors.Is(err, consent.ErrInvalidTransition):
		return gen.RevokeConsent409JSONResponse(apiErr("invalid_state", "the consent cannot be revoked in its current status")), nil
	case err != nil:
		return nil, err
	}
	return gen.RevokeConsent200JSONResponse(toAPI(c, nil)), nil
}

// ConsumeConsent implements gen.StrictServerInterface.
func (h *Handlers) ConsumeConsent(ctx context.Context, req gen.ConsumeConsentRequestObject) (gen.ConsumeConsentResponseObject, error) {
	c, err := h.Consents.Get(ctx, h.Workspace, req.ConsentID)
	if errors.Is(err, consent.ErrNotFound) {
		return gen.ConsumeConsent404JSONResponse(apiErr("not_found", "no such consent")), nil
	}
	if err != nil {
		return nil, err
	}
	if c.Kind != consent.KindPayment {
		return gen.ConsumeConsent400JSONResponse{ErrorJSONResponse: apiErrResp("invalid_request", "only payment consents are consumed")}, nil
	}
	c, err = h.Consents.Consume(ctx, h.Workspace, req.ConsentID, req.Body.Actor)
	switch {
	case errors.Is(err, consent.ErrInvalidTransition), errors.Is(err, consent.ErrConflict):
		return gen.ConsumeConsent409JSONResponse(apiErr("invalid_state", "the consent is not authorised: already consumed, revoked or expired")), nil
	case err != nil:
		return nil, err
	}
	return gen.ConsumeConsent200JSONResponse(toAPI(c, nil)), nil
}

// ResourceCheck implements gen.StrictServerInterface: one call returns the
// token's state, its consent and the granted resources.
func (h *Handlers) ResourceCheck(ctx context.Context, req gen.ResourceCheckRequestObject) (gen.ResourceCheckResponseObject, error) {
	info, err := h.Provider.InspectAccessToken(ctx, req.Body.Token)
	if errors.Is(err, oauth.ErrNotFound) {
		return gen.ResourceCheck200JSONResponse(gen.ResourceCheck{Active: false}), nil
	}
	if err != nil {
		return nil, err
	}
	rec := info.Record
	out := gen.ResourceCheck{Active: true, ClientID: &rec.ClientID, Scope: &rec.Scope}
	exp := rec.ExpiresAt
	out.ExpiresAt = &exp
	if rec.Subject != "" {
		out.Subject = &rec.Subject
	}
	switch {
	case rec.JKT != "":
		out.Cnf = &map[string]string{"jkt": rec.JKT}
	case rec.X5T != "":
		out.Cnf = &map[string]string{"x5t#S256": rec.X5T}
	}
	res := info.Grant.Resources
	if rec.ConsentID != "" {
		c, err := h.Consents.Get(ctx, h.Workspace, rec.ConsentID)
		if err != nil && !errors.Is(err, consent.ErrNotFound) {
			return nil, err
		}
		if c == nil || c.Status != consent.StatusAuthorised {
			return gen.ResourceCheck200JSONResponse(gen.ResourceCheck{Active: false}), nil
		}
		api := toAPI(c, nil)
		out.Consent = &api
		res = c.Resources
	}
	if res != nil {
		out.Resources = &res
	}
	return gen.ResourceCheck200JSONResponse(out), nil
}

func toAPI(c *consent.Consent, hist []consent.Transition) gen.Consent {
	out := gen.Consent{
		ConsentID: c.ID, ClientID: c.ClientID, Ecosystem: c.Ecosystem, Kind: gen.Kind(c.Kind),
		Status: gen.Status(c.Status), Permissions: nonNil(c.Permissions), Resources: nonNil(c.Resources),
		Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, StatusUpdatedAt: c.StatusUpdatedAt,
		ExpiresAt: c.ExpiresAt,
	}
	if c.Subject != "" {
		out.Subject = &c.Subject
	}
	if len(c.Payload) > 0 {
		var m map[string]any
		if json.Unmarshal(c.Payload, &m) == nil {
			out.Payload = &m
		}
	}
	if hist != nil {
		hs := make([]gen.Transition, 0, len(hist))
		for _, t := range hist {
			tr := gen.Transition{To: gen.Status(t.To), Event: string(t.Event), At: t.At}
			if t.From != "" {
				from := gen.Status(t.From)
				tr.From = &from
			}
			if t.Actor != "" {
				a := t.Actor
				tr.Actor = &a
			}
			if t.Reason != "" {
				r := t.Reason
				tr.Reason = &r
			}
			hs = append(hs, tr)
		}
		out.History = &hs
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

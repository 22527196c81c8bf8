package cdr

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"time"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/server/oauth"
)

// arrangementPort is the token issuer's consent port for CDR: the
// arrangement is created (or amended) when the customer authorises, from the
// request object's claims.sharing_duration and claims.cdr_arrangement_id.
type arrangementPort struct {
	svc *consent.Service
	now func() time.Time
}

var _ oauth.ConsentPort = (*arrangementPort)(nil)

// terms are the arrangement terms a request asks for.
type terms struct {
	sharing time.Duration // 0: once-off
	amend   string        // cdr_arrangement_id to amend, or ""
}

// payload is what we keep as the arrangement's ecosystem payload.
type payload struct {
	SharingDuration int64 `json:"sharing_duration"`
	OnceOff         bool  `json:"once_off,omitempty"`
}

// readTerms parses the CDR claims (CDS "Request Object": sharing_duration
// and cdr_arrangement_id sit inside the claims object).
func readTerms(req *oauth.AuthorizationRequest) (terms, error) {
	var t terms
	if req.Claims == nil {
		return t, nil
	}
	if raw, ok := req.Claims.Extra["sharing_duration"]; ok && string(raw) != "null" {
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil || f != math.Trunc(f) {
			return t, oauth.InvalidRequest("sharing_duration must be a whole number of seconds")
		}
		if f < 0 {
			return t, oauth.InvalidRequest("sharing_duration must not be negative") // CDS: the authorisation SHOULD fail
		}
		t.sharing = time.Duration(min(f, maxSharing.Seconds())) * time.Second // over a year counts as a year
	}
	if raw, ok := req.Claims.Extra["cdr_arrangement_id"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &t.amend); err != nil || t.amend == "" {
			return t, oauth.InvalidRequest("cdr_arrangement_id must be a non-empty string")
		}
	}
	return t, nil
}

// Check implements oauth.ConsentPort: the terms are valid and an arrangement
// to amend exists, is current and belongs to the client.
func (a *arrangementPort) Check(ctx context.Context, ws string, c *oauth.Client, req *oauth.AuthorizationRequest) (*oauth.ConsentRef, error) {
	t, err := readTerms(req)
	if err != nil {
		return nil, err
	}
	display := map[string]any{"sharing_duration": int64(t.sharing.Seconds())}
	if t.amend != "" {
		cur, err := a.current(ctx, ws, c.ID, t.amend)
		if err != nil {
			return nil, err
		}
		display["cdr_arrangement_id"] = cur.ID
		display["current_resources"] = cur.Resources
	}
	return &oauth.ConsentRef{Status: "new", Display: display}, nil
}

// current returns the authorised arrangement id of client, or invalid_request.
func (a *arrangementPort) current(ctx context.Context, ws, clientID, id string) (*consent.Consent, error) {
	cur, err := a.svc.Get(ctx, ws, id)
	if err != nil && !errors.Is(err, consent.ErrNotFound) {
		return nil, err
	}
	if cur == nil || cur.ClientID != clientID || cur.Kind != consent.KindArrangement || cur.Status != consent.StatusAuthorised {
		return nil, oauth.InvalidRequest("cdr_arrangement_id is not a current arrangement of this client")
	}
	return cur, nil
}

// Authorise implements oauth.ConsentPort: it creates the arrangement, or
// amends the one named by cdr_arrangement_id (same id; its old tokens are
// revoked in the same transaction).
func (a *arrangementPort) Authorise(ctx context.Context, ws string, c *oauth.Client, req *oauth.AuthorizationRequest, d oauth.ConsentDecision) (*oauth.ConsentRef, error) {
	t, err := readTerms(req)
	if err != nil {
		return nil, err
	}
	now := a.now()
	exp := now.Add(t.sharing)
	if t.sharing == 0 {
		exp = now.Add(onceOffLife)
	}
	body, _ := json.Marshal(payload{SharingDuration: int64(t.sharing.Seconds()), OnceOff: t.sharing == 0})
	var arr *consent.Consent
	if t.amend != "" {
		if _, err := a.current(ctx, ws, c.ID, t.amend); err != nil {
			return nil, err
		}
		arr, err = a.svc.Amend(ctx, ws, t.amend, consent.Amendment{
			Subject: d.Subject, Resources: d.Resources, Permissions: d.Scopes, ExpiresAt: &exp, Payload: body, Actor: d.Subject,
		})
		var ce *consent.Error
		if errors.As(err, &ce) {
			// CDS: an arrangement of another consumer is refused.
			return nil, oauth.InvalidRequest("cdr_arrangement_id belongs to another customer")
		}
	} else {
		arr, _, err = a.svc.Create(ctx, consent.NewConsent{
			Workspace: ws, ClientID: c.ID, Ecosystem: "cdr", Kind: consent.KindArrangement,
			Permissions: d.Scopes, ExpiresAt: &exp, Payload: body, Actor: d.Subject,
		})
		if err == nil {
			arr, err = a.svc.Authorise(ctx, ws, arr.ID, consent.Decision{Subject: d.Subject, Resources: d.Resources, Actor: d.Subject})
		}
	}
	if err != nil {
		return nil, err
	}
	return ref(arr), nil
}

// Active implements oauth.ConsentPort: tokens only while the arrangement is authorised.
func (a *arrangementPort) Active(ctx context.Context, ws, id string) (*oauth.ConsentRef, error) {
	arr, err := a.svc.Get(ctx, ws, id)
	if errors.Is(err, consent.ErrNotFound) {
		return nil, oauth.ErrConsentInactive
	}
	if err != nil {
		return nil, err
	}
	if arr.Status != consent.StatusAuthorised {
		return nil, oauth.ErrConsentInactive
	}
	return ref(arr), nil
}

// TokensRevoked implements oauth.ConsentPort: revoking a token leaves the arrangement.
func (a *arrangementPort) TokensRevoked(context.Context, string, string) error { return nil }

// ref: every token response, including refresh, carries cdr_arrangement_id;
// the refresh token expires exactly at the end of the sharing duration; a
// once-off arrangement gets no refresh token.
func ref(arr *consent.Consent) *oauth.ConsentRef {
	var p payload
	_ = json.Unmarshal(arr.Payload, &p)
	r := &oauth.ConsentRef{
		ID: arr.ID, Status: string(arr.Status), Resources: arr.Resources, NoRefresh: p.OnceOff,
		ResponseFields: map[string]any{"cdr_arrangement_id": arr.ID},
	}
	if arr.ExpiresAt != nil {
		u := arr.ExpiresAt.Unix()
		r.ExpiresAt = &u
	}
	return r
}

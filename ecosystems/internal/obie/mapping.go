package obie

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/authctx"
)

const (
	// actorPrefix marks history entries made by a TPP through this API.
	actorPrefix = "tpp:"
	// deletedReason marks a revocation made by the TPP's DELETE: such a
	// consent is gone for the TPP (UK RW v3.1.11 Read/Write Data API
	// Profile: a later GET answers 400), while a consent the bank revoked
	// through its system API still reads with its status.
	deletedReason = "deleted by the TPP"

	pathAccountAccess = "/aisp/account-access-consents/"
	pathPayment       = "/pisp/domestic-payment-consents/"
	pathVRP           = "/pisp/domestic-vrp-consents/"
)

// interactionID is the x-fapi-interaction-id the server echoed or
// generated for this request (FAPI 1.0 Baseline §6.2.1-11); the generated
// responses set the header from it.
func interactionID(ctx context.Context) string { return authctx.InteractionID(ctx) }

// clientID is the TPP the validated access token was issued to.
func clientID(ctx context.Context) (string, error) {
	tok, ok := apikit.Token(ctx)
	if !ok {
		return "", forbidden("an access token is required")
	}
	return tok.Record.ClientID, nil
}

// own returns the TPP's consent of that kind. Another TPP's consent is 403;
// an unknown id, a consent of another kind or ecosystem, and a consent the
// TPP deleted are 400 UK.OBIE.Resource.NotFound.
func (a *api) own(ctx context.Context, id string, kind consent.Kind) (*consent.Consent, error) {
	cid, err := clientID(ctx)
	if err != nil {
		return nil, err
	}
	c, err := a.consents.GetForClient(ctx, a.ws, cid, id)
	if err != nil {
		return nil, err
	}
	if c.Kind != kind || c.Ecosystem != a.prof.Name {
		return nil, notFound()
	}
	gone, err := a.deleted(ctx, c)
	if err != nil {
		return nil, err
	}
	if gone {
		return nil, notFound()
	}
	return c, nil
}

// deleted reports whether the TPP deleted the consent. Only a revoked
// consent needs its history read.
func (a *api) deleted(ctx context.Context, c *consent.Consent) (bool, error) {
	if c.Status != consent.StatusRevoked {
		return false, nil
	}
	hist, err := a.consents.History(ctx, a.ws, c.ID)
	if err != nil {
		return false, err
	}
	last := hist[len(hist)-1:]
	return len(last) == 1 && last[0].Reason == deletedReason, nil
}

// remove deletes a long-lived consent: the engine revokes it and every
// token bound to it in one transaction (UK RW v3.1.11: DELETE of
// account-access and domestic VRP consents).
func (a *api) remove(ctx context.Context, id string, kind consent.Kind) error {
	c, err := a.own(ctx, id, kind)
	if err != nil {
		return err
	}
	_, err = a.consents.Revoke(ctx, a.ws, c.ID, actorPrefix+c.ClientID, deletedReason)
	return err
}

// create stores a new consent of the TPP.
func (a *api) create(ctx context.Context, n consent.NewConsent, body any) (*consent.Consent, error) {
	cid, err := clientID(ctx)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("obie: encode consent payload: %w", err)
	}
	n.Workspace, n.ClientID, n.Ecosystem, n.Payload, n.Actor = a.ws, cid, a.prof.Name, payload, actorPrefix+cid
	c, _, err := a.consents.Create(ctx, n)
	if err != nil {
		return nil, err
	}
	if c.Kind != n.Kind {
		// The idempotency hash covers the kind, so this is unreachable; a
		// stored consent of another kind must never be answered here.
		return nil, badRequest(gen.UKOBIEHeaderInvalid, headerIdempotency, "the idempotency key was used for another resource")
	}
	return c, nil
}

// payload decodes the request form stored with the consent.
func payload(c *consent.Consent, v any) error {
	if err := json.Unmarshal(c.Payload, v); err != nil {
		return fmt.Errorf("obie: consent %s payload: %w", c.ID, err)
	}
	return nil
}

// stamp is a response date-time: UTC with its zone, whole seconds (UK RW
// v3.1.11: date-times in responses include the time zone).
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// self is the absolute Links.Self of a resource (UK RW v3.1.11 Read/Write
// Data API Profile, Links: Self is mandatory and absolute).
func (a *api) self(path string) gen.Links { return gen.Links{Self: a.base + path} }

// expiresAt checks a requested expiry: in the future, or 400
// UK.OBIE.Field.InvalidDate on path.
func (a *api) expiresAt(t *time.Time, path string) error {
	if t != nil && !t.After(a.now()) {
		return badRequest(gen.UKOBIEFieldInvalidDate, path, "the date-time must be in the future")
	}
	return nil
}

// wantAuthorised refuses a consent that is not authorised (UK RW v3.1.11
// domestic-payment-consents: funds confirmation only for an Authorised
// consent, else 400 UK.OBIE.Resource.InvalidConsentStatus).
func wantAuthorised(c *consent.Consent) error {
	if c.Status != consent.StatusAuthorised {
		return badRequest(gen.UKOBIEResourceInvalidConsentStatus, "", "the consent is not authorised")
	}
	return nil
}

// boundTo refuses a PSU token issued for another consent: the token binds
// one PSU and one intent (UK RW v3.1.11 Read/Write Data API Profile,
// Consent Authorisation).
func boundTo(ctx context.Context, id string) error {
	tok, ok := apikit.Token(ctx)
	if !ok || tok.Record.ConsentID != id {
		return newError(http.StatusForbidden, gen.UKOBIEResourceConsentMismatch, "ConsentId", "the access token is not bound to this consent")
	}
	return nil
}

// supportedSchemes are the v3.1.11 OBExternalAccountIdentification4Code values.
func supportedScheme(s string) bool {
	switch s {
	case "UK.OBIE.BBAN", "UK.OBIE.IBAN", "UK.OBIE.PAN", "UK.OBIE.Paym", "UK.OBIE.SortCodeAccountNumber", "UK.OBIE.Wallet":
		return true
	}
	return false
}

func checkScheme(scheme, path string) error {
	if !supportedScheme(scheme) {
		return badRequest(gen.UKOBIEUnsupportedScheme, path, "the scheme "+scheme+" is not supported")
	}
	return nil
}

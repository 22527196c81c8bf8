package obie

import (
	"context"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

// UK RW v3.1.11 Account and Transaction API: account-access-consents.

// CreateAccountAccessConsents implements gen.StrictServerInterface
// (POST /aisp/account-access-consents). The endpoint is not idempotent: an
// x-idempotency-key is ignored.
func (a *api) CreateAccountAccessConsents(ctx context.Context, req gen.CreateAccountAccessConsentsRequestObject) (gen.CreateAccountAccessConsentsResponseObject, error) {
	d := req.Body.Data
	perms := make([]string, len(d.Permissions))
	for i, p := range d.Permissions {
		perms[i] = string(p)
	}
	if err := a.prof.checkPermissions(perms); err != nil {
		return nil, err
	}
	if err := a.checkAccessDates(d); err != nil {
		return nil, err
	}
	c, err := a.create(ctx, consent.NewConsent{Kind: consent.KindAccountAccess, Permissions: perms, ExpiresAt: d.ExpirationDateTime}, req.Body)
	if err != nil {
		return nil, err
	}
	return gen.CreateAccountAccessConsents201JSONResponse{AccountAccessConsentJSONResponse: gen.AccountAccessConsentJSONResponse{
		Body: a.accountAccess(c, *req.Body), Headers: gen.AccountAccessConsentResponseHeaders{XFapiInteractionID: interactionID(ctx)},
	}}, nil
}

// checkAccessDates: ExpirationDateTime is optional in the UK (absent means
// open-ended; the ASPSP must not modify it) and mandatory under profiles
// that require it (KSA); it must lie in the future, and the transaction
// window must not be reversed.
func (a *api) checkAccessDates(d gen.OBReadConsent1Data) error {
	const exp = "Data.ExpirationDateTime"
	if a.prof.RequireExpiration && d.ExpirationDateTime == nil {
		return badRequest(gen.UKOBIEFieldMissing, exp, "ExpirationDateTime is required")
	}
	if err := a.expiresAt(d.ExpirationDateTime, exp); err != nil {
		return err
	}
	if f, t := d.TransactionFromDateTime, d.TransactionToDateTime; f != nil && t != nil && f.After(*t) {
		return badRequest(gen.UKOBIEFieldInvalidDate, "Data.TransactionToDateTime", "TransactionToDateTime must not be before TransactionFromDateTime")
	}
	return nil
}

// GetAccountAccessConsentsConsentID implements gen.StrictServerInterface.
func (a *api) GetAccountAccessConsentsConsentID(ctx context.Context, req gen.GetAccountAccessConsentsConsentIDRequestObject) (gen.GetAccountAccessConsentsConsentIDResponseObject, error) {
	c, err := a.own(ctx, req.ConsentID, consent.KindAccountAccess)
	if err != nil {
		return nil, err
	}
	var stored gen.OBReadConsent1
	if err := payload(c, &stored); err != nil {
		return nil, err
	}
	return gen.GetAccountAccessConsentsConsentID200JSONResponse{AccountAccessConsentJSONResponse: gen.AccountAccessConsentJSONResponse{
		Body: a.accountAccess(c, stored), Headers: gen.AccountAccessConsentResponseHeaders{XFapiInteractionID: interactionID(ctx)},
	}}, nil
}

// DeleteAccountAccessConsentsConsentID implements gen.StrictServerInterface:
// the consent is revoked with its tokens and is gone for the TPP.
func (a *api) DeleteAccountAccessConsentsConsentID(ctx context.Context, req gen.DeleteAccountAccessConsentsConsentIDRequestObject) (gen.DeleteAccountAccessConsentsConsentIDResponseObject, error) {
	if err := a.remove(ctx, req.ConsentID, consent.KindAccountAccess); err != nil {
		return nil, err
	}
	return gen.DeleteAccountAccessConsentsConsentID204Response{Headers: gen.DeletedResponseHeaders{XFapiInteractionID: interactionID(ctx)}}, nil
}

// accountAccess is the OBReadConsentResponse1 of a consent: the stored
// request echoed (the dates as the TPP sent them), the engine's fields.
func (a *api) accountAccess(c *consent.Consent, stored gen.OBReadConsent1) gen.OBReadConsentResponse1 {
	d := stored.Data
	risk := stored.Risk
	if risk == nil {
		risk = gen.OBRisk2{}
	}
	return gen.OBReadConsentResponse1{
		Data: gen.OBReadConsentResponse1Data{
			ConsentID:               c.ID,
			CreationDateTime:        stamp(c.CreatedAt),
			Status:                  gen.OBReadConsentResponse1DataStatus(a.prof.status(c.Kind, c.Status)),
			StatusUpdateDateTime:    stamp(c.StatusUpdatedAt),
			Permissions:             d.Permissions,
			ExpirationDateTime:      d.ExpirationDateTime,
			TransactionFromDateTime: d.TransactionFromDateTime,
			TransactionToDateTime:   d.TransactionToDateTime,
		},
		Risk:  risk,
		Links: a.self(pathAccountAccess + c.ID),
		Meta:  gen.Meta{},
	}
}

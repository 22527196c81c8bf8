package obie

import (
	"context"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

// UK RW v3.1.11 Payment Initiation API: domestic-payment-consents. The
// request is signed (verified by the middleware), the POST is idempotent,
// every response body is signed. A payment consent is consumed when the
// bank's payment system calls the system consents API; there is no DELETE.

// CreateDomesticPaymentConsents implements gen.StrictServerInterface
// (POST /pisp/domestic-payment-consents).
func (a *api) CreateDomesticPaymentConsents(ctx context.Context, req gen.CreateDomesticPaymentConsentsRequestObject) (gen.CreateDomesticPaymentConsentsResponseObject, error) {
	ini := req.Body.Data.Initiation
	if err := checkScheme(ini.CreditorAccount.SchemeName, "Data.Initiation.CreditorAccount.SchemeName"); err != nil {
		return nil, err
	}
	if ini.DebtorAccount != nil {
		if err := checkScheme(ini.DebtorAccount.SchemeName, "Data.Initiation.DebtorAccount.SchemeName"); err != nil {
			return nil, err
		}
	}
	raw, _ := rawBody(ctx)
	idem, err := idempotency(req.Params.XIdempotencyKey, consent.KindPayment, raw, a.now(), a.prof.IdempotencyLifetime)
	if err != nil {
		return nil, err
	}
	c, err := a.create(ctx, consent.NewConsent{Kind: consent.KindPayment, Idempotency: idem}, req.Body)
	if err != nil {
		return nil, err
	}
	// A replay within the lifetime answers 201 with the original's current
	// state (UK RW v3.1.11 Idempotency), read from what was stored.
	var stored gen.OBWriteDomesticConsent4
	if err := payload(c, &stored); err != nil {
		return nil, err
	}
	return gen.CreateDomesticPaymentConsents201JSONResponse{DomesticPaymentConsentJSONResponse: gen.DomesticPaymentConsentJSONResponse{
		Body: a.domesticPayment(c, stored), Headers: gen.DomesticPaymentConsentResponseHeaders{XFapiInteractionID: interactionID(ctx)},
	}}, nil
}

// GetDomesticPaymentConsentsConsentID implements gen.StrictServerInterface.
func (a *api) GetDomesticPaymentConsentsConsentID(ctx context.Context, req gen.GetDomesticPaymentConsentsConsentIDRequestObject) (gen.GetDomesticPaymentConsentsConsentIDResponseObject, error) {
	c, err := a.own(ctx, req.ConsentID, consent.KindPayment)
	if err != nil {
		return nil, err
	}
	var stored gen.OBWriteDomesticConsent4
	if err := payload(c, &stored); err != nil {
		return nil, err
	}
	return gen.GetDomesticPaymentConsentsConsentID200JSONResponse{DomesticPaymentConsentJSONResponse: gen.DomesticPaymentConsentJSONResponse{
		Body: a.domesticPayment(c, stored), Headers: gen.DomesticPaymentConsentResponseHeaders{XFapiInteractionID: interactionID(ctx)},
	}}, nil
}

// GetDomesticPaymentConsentsConsentIDFundsConfirmation implements
// gen.StrictServerInterface: with the PSU's token bound to this consent,
// for an Authorised consent only; it changes no state.
func (a *api) GetDomesticPaymentConsentsConsentIDFundsConfirmation(ctx context.Context, req gen.GetDomesticPaymentConsentsConsentIDFundsConfirmationRequestObject) (gen.GetDomesticPaymentConsentsConsentIDFundsConfirmationResponseObject, error) {
	if err := boundTo(ctx, req.ConsentID); err != nil {
		return nil, err
	}
	c, err := a.own(ctx, req.ConsentID, consent.KindPayment)
	if err != nil {
		return nil, err
	}
	if err := wantAuthorised(c); err != nil {
		return nil, err
	}
	var stored gen.OBWriteDomesticConsent4
	if err := payload(c, &stored); err != nil {
		return nil, err
	}
	amt := stored.Data.Initiation.InstructedAmount
	ok, err := a.funds.FundsAvailable(ctx, FundsQuery{
		Workspace: a.ws, ConsentID: c.ID, ClientID: c.ClientID, Subject: c.Subject, Accounts: c.Resources,
		Amount: amt.Amount, Currency: amt.Currency,
	})
	if err != nil {
		return nil, err
	}
	body := gen.OBWriteFundsConfirmationResponse1{
		Data: gen.OBWriteFundsConfirmationResponse1Data{
			FundsAvailableResult: &gen.OBFundsAvailableResult1{FundsAvailable: ok, FundsAvailableDateTime: stamp(a.now())},
		},
		Links: a.self(pathPayment + c.ID + "/funds-confirmation"),
		Meta:  gen.Meta{},
	}
	return gen.GetDomesticPaymentConsentsConsentIDFundsConfirmation200JSONResponse{DomesticFundsConfirmationJSONResponse: gen.DomesticFundsConfirmationJSONResponse{
		Body: body, Headers: gen.DomesticFundsConfirmationResponseHeaders{XFapiInteractionID: interactionID(ctx)},
	}}, nil
}

// domesticPayment is the OBWriteDomesticConsentResponse5 of a consent.
// Optional fields we have no value for (CutOffDateTime, Charges, Debtor)
// are omitted, as the UK requires.
func (a *api) domesticPayment(c *consent.Consent, stored gen.OBWriteDomesticConsent4) gen.OBWriteDomesticConsentResponse5 {
	d := stored.Data
	return gen.OBWriteDomesticConsentResponse5{
		Data: gen.OBWriteDomesticConsentResponse5Data{
			ConsentID:            c.ID,
			CreationDateTime:     stamp(c.CreatedAt),
			Status:               gen.OBWriteDomesticConsentResponse5DataStatus(a.prof.status(c.Kind, c.Status)),
			StatusUpdateDateTime: stamp(c.StatusUpdatedAt),
			ReadRefundAccount:    d.ReadRefundAccount,
			Initiation:           d.Initiation,
			Authorisation:        d.Authorisation,
			SCASupportData:       d.SCASupportData,
		},
		Risk:  stored.Risk,
		Links: a.self(pathPayment + c.ID),
		Meta:  gen.Meta{},
	}
}

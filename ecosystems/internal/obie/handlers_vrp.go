package obie

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

// UK RW v3.1.11 VRP API: domestic-vrp-consents. Signed requests, signed
// responses, idempotent POST; DELETE revokes the consent and its tokens.
// VRP consents are never consumed.

const pathControl = "Data.ControlParameters"

// CreateDomesticVRPConsents implements gen.StrictServerInterface
// (POST /pisp/domestic-vrp-consents).
func (a *api) CreateDomesticVRPConsents(ctx context.Context, req gen.CreateDomesticVRPConsentsRequestObject) (gen.CreateDomesticVRPConsentsResponseObject, error) {
	d := req.Body.Data
	if err := a.checkControlParameters(d.ControlParameters); err != nil {
		return nil, err
	}
	if acc := d.Initiation.DebtorAccount; acc != nil {
		if err := checkScheme(acc.SchemeName, "Data.Initiation.DebtorAccount.SchemeName"); err != nil {
			return nil, err
		}
	}
	if acc := d.Initiation.CreditorAccount; acc != nil {
		if err := checkScheme(acc.SchemeName, "Data.Initiation.CreditorAccount.SchemeName"); err != nil {
			return nil, err
		}
	}
	raw, _ := rawBody(ctx)
	idem, err := idempotency(req.Params.XIdempotencyKey, consent.KindVRP, raw, a.now(), a.prof.IdempotencyLifetime)
	if err != nil {
		return nil, err
	}
	// ValidToDateTime ends the consent: the engine expires it then.
	c, err := a.create(ctx, consent.NewConsent{Kind: consent.KindVRP, ExpiresAt: d.ControlParameters.ValidToDateTime, Idempotency: idem}, req.Body)
	if err != nil {
		return nil, err
	}
	var stored gen.OBDomesticVRPConsentRequest
	if err := payload(c, &stored); err != nil {
		return nil, err
	}
	return gen.CreateDomesticVRPConsents201JSONResponse{DomesticVRPConsentJSONResponse: gen.DomesticVRPConsentJSONResponse{
		Body: a.domesticVRP(c, stored), Headers: gen.DomesticVRPConsentResponseHeaders{XFapiInteractionID: interactionID(ctx)},
	}}, nil
}

// checkControlParameters applies UK RW v3.1.11 domestic-vrp-consents,
// ControlParameters: the namespaced values we know, Fortnight only with
// Consent alignment, a validity window that ends in the future, and no
// SupplementaryData (the ASPSP must reject what it cannot process).
func (a *api) checkControlParameters(cp gen.OBDomesticVRPControlParameters) error {
	for i, t := range cp.VRPType {
		if !slices.Contains([]string{"UK.OBIE.VRPType.Sweeping", "UK.OBIE.VRPType.Other"}, t) {
			return badRequest(gen.UKOBIEFieldInvalid, fmt.Sprintf("%s.VRPType[%d]", pathControl, i), "the VRP type "+t+" is not supported")
		}
	}
	for i, m := range cp.PSUAuthenticationMethods {
		if !slices.Contains([]string{"UK.OBIE.SCA", "UK.OBIE.SCANotRequired"}, m) {
			return badRequest(gen.UKOBIEFieldInvalid, fmt.Sprintf("%s.PSUAuthenticationMethods[%d]", pathControl, i), "the authentication method "+m+" is not supported")
		}
	}
	for i, l := range cp.PeriodicLimits {
		if l.PeriodType == gen.Fortnight && l.PeriodAlignment != gen.Consent {
			return badRequest(gen.UKOBIEFieldInvalid, fmt.Sprintf("%s.PeriodicLimits[%d].PeriodAlignment", pathControl, i), "a Fortnight limit must be aligned to the Consent")
		}
	}
	if cp.SupplementaryData != nil && len(*cp.SupplementaryData) > 0 {
		return badRequest(gen.UKOBIEFieldUnexpected, pathControl+".SupplementaryData", "SupplementaryData is not supported")
	}
	if err := a.expiresAt(cp.ValidToDateTime, pathControl+".ValidToDateTime"); err != nil {
		return err
	}
	if f, t := cp.ValidFromDateTime, cp.ValidToDateTime; f != nil && t != nil && !f.Before(*t) {
		return badRequest(gen.UKOBIEFieldInvalidDate, pathControl+".ValidToDateTime", "ValidToDateTime must be after ValidFromDateTime")
	}
	return nil
}

// GetDomesticVRPConsentsConsentID implements gen.StrictServerInterface.
func (a *api) GetDomesticVRPConsentsConsentID(ctx context.Context, req gen.GetDomesticVRPConsentsConsentIDRequestObject) (gen.GetDomesticVRPConsentsConsentIDResponseObject, error) {
	c, err := a.own(ctx, req.ConsentID, consent.KindVRP)
	if err != nil {
		return nil, err
	}
	var stored gen.OBDomesticVRPConsentRequest
	if err := payload(c, &stored); err != nil {
		return nil, err
	}
	return gen.GetDomesticVRPConsentsConsentID200JSONResponse{DomesticVRPConsentJSONResponse: gen.DomesticVRPConsentJSONResponse{
		Body: a.domesticVRP(c, stored), Headers: gen.DomesticVRPConsentResponseHeaders{XFapiInteractionID: interactionID(ctx)},
	}}, nil
}

// DeleteDomesticVRPConsentsConsentID implements gen.StrictServerInterface.
func (a *api) DeleteDomesticVRPConsentsConsentID(ctx context.Context, req gen.DeleteDomesticVRPConsentsConsentIDRequestObject) (gen.DeleteDomesticVRPConsentsConsentIDResponseObject, error) {
	if err := a.remove(ctx, req.ConsentID, consent.KindVRP); err != nil {
		return nil, err
	}
	return gen.DeleteDomesticVRPConsentsConsentID204Response{Headers: gen.DeletedResponseHeaders{XFapiInteractionID: interactionID(ctx)}}, nil
}

// CreateDomesticVRPConsentsConsentIDFundsConfirmation implements
// gen.StrictServerInterface. Choice (the regulator's file and its
// documentation disagree): the PSU's token bound to this consent is
// required, as for domestic payment consents. Nothing is stored: the
// FundsConfirmationId identifies the answer only.
func (a *api) CreateDomesticVRPConsentsConsentIDFundsConfirmation(ctx context.Context, req gen.CreateDomesticVRPConsentsConsentIDFundsConfirmationRequestObject) (gen.CreateDomesticVRPConsentsConsentIDFundsConfirmationResponseObject, error) {
	if err := boundTo(ctx, req.ConsentID); err != nil {
		return nil, err
	}
	d := req.Body.Data
	if d.ConsentID != req.ConsentID {
		return nil, badRequest(gen.UKOBIEFieldInvalid, "Data.ConsentId", "Data.ConsentId must be the consent of the path")
	}
	c, err := a.own(ctx, req.ConsentID, consent.KindVRP)
	if err != nil {
		return nil, err
	}
	if err := wantAuthorised(c); err != nil {
		return nil, err
	}
	ok, err := a.funds.FundsAvailable(ctx, FundsQuery{
		Workspace: a.ws, ConsentID: c.ID, ClientID: c.ClientID, Subject: c.Subject, Accounts: c.Resources,
		Amount: d.InstructedAmount.Amount, Currency: d.InstructedAmount.Currency,
	})
	if err != nil {
		return nil, err
	}
	result := gen.NotAvailable
	if ok {
		result = gen.Available
	}
	now := stamp(a.now())
	body := gen.OBVRPFundsConfirmationResponse{Data: gen.OBVRPFundsConfirmationResponseData{
		FundsConfirmationID: uuid.NewString(), ConsentID: c.ID, CreationDateTime: now, Reference: d.Reference,
		FundsAvailableResult: gen.OBPAFundsAvailableResult1{FundsAvailable: result, FundsAvailableDateTime: now},
		InstructedAmount:     d.InstructedAmount,
	}}
	return gen.CreateDomesticVRPConsentsConsentIDFundsConfirmation201JSONResponse{VRPFundsConfirmationJSONResponse: gen.VRPFundsConfirmationJSONResponse{
		Body: body, Headers: gen.VRPFundsConfirmationResponseHeaders{XFapiInteractionID: interactionID(ctx)},
	}}, nil
}

// domesticVRP is the OBDomesticVRPConsentResponse of a consent.
func (a *api) domesticVRP(c *consent.Consent, stored gen.OBDomesticVRPConsentRequest) gen.OBDomesticVRPConsentResponse {
	d := stored.Data
	return gen.OBDomesticVRPConsentResponse{
		Data: gen.OBDomesticVRPConsentResponseData{
			ConsentID:            c.ID,
			CreationDateTime:     stamp(c.CreatedAt),
			Status:               gen.OBDomesticVRPConsentResponseDataStatus(a.prof.status(c.Kind, c.Status)),
			StatusUpdateDateTime: stamp(c.StatusUpdatedAt),
			ReadRefundAccount:    d.ReadRefundAccount,
			ControlParameters:    d.ControlParameters,
			Initiation:           d.Initiation,
		},
		Risk:  stored.Risk,
		Links: a.self(pathVRP + c.ID),
		Meta:  gen.Meta{},
	}
}

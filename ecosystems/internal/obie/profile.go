package obie

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openconsent/openconsent/consent"
)

// Profile is the data that makes a workspace an OBIE ecosystem (uk, or a
// UK-derived one such as ksa): where the APIs live, which permissions exist, how canonical
// consent statuses read in this vocabulary, and the message-signing and
// idempotency settings. Code reads these fields; it never tests the
// ecosystem's name (style §4).
type Profile struct {
	// Name is the ecosystem id ("uk", "ksa"); it is stored with every consent.
	Name string
	// BasePath is the API root under the workspace (UK RW v3.1.11 Read/Write
	// Data API Profile, URI structure: /open-banking/v3.1); the aisp and
	// pisp resources hang below it.
	BasePath string
	// ServePayments mounts the PISP resources (domestic payment and VRP
	// consents); false serves the AISP resources only.
	ServePayments bool
	// Permissions is the permission catalogue of account-access consents. A
	// permission outside it is 400 (UK RW v3.1.11 Account and Transaction
	// API Profile, Permissions: "a permission the ASPSP does not support").
	// It must be a subset of the schema's enum: the request is validated
	// against our OpenAPI file first.
	Permissions []string
	// RequireExpiration makes Data.ExpirationDateTime mandatory on
	// account-access consents (KSA assumption; optional in the UK).
	RequireExpiration bool
	// Statuses maps each canonical status to this vocabulary, per consent
	// kind (UK RW v3.1.11 status enums, see statuses).
	Statuses map[consent.Kind]map[consent.Status]string
	// IntentClaim is the request-object claim carrying the consent id.
	IntentClaim string
	// IntentScopes are the scopes whose authorization requests must refer
	// to a consent through IntentClaim.
	IntentScopes []string
	// ACRValues are the acr values of the ecosystem, strongest first
	// (urn:openbanking:psd2:sca, urn:openbanking:psd2:ca), advertised in
	// discovery. The issuer honours the request object's essential acr
	// claim; the bank's login app reports which one it performed.
	ACRValues []string
	// TrustAnchor is the http://openbanking.org.uk/tan value expected in
	// request signatures and sent in ours (OB Directory: openbanking.org.uk).
	TrustAnchor string
	// SigningIssuer is our http://openbanking.org.uk/iss (the ASPSP's
	// org-id under the OB Directory); "" uses the workspace issuer URL.
	SigningIssuer string
	// IATLeeway tolerates clock skew on http://openbanking.org.uk/iat,
	// which must be in the past.
	IATLeeway time.Duration
	// IdempotencyLifetime is how long an x-idempotency-key is remembered
	// (UK RW v3.1.11 Read/Write Data API Profile, Idempotency: 24 hours).
	IdempotencyLifetime time.Duration
}

// Permissions returns the UK RW v3.1.11 permission catalogue, the
// OBExternalPermissions1Code enum of our OpenAPI file (a fresh slice).
func Permissions() []string {
	return []string{
		"ReadAccountsBasic", "ReadAccountsDetail", "ReadBalances", "ReadBeneficiariesBasic",
		"ReadBeneficiariesDetail", "ReadDirectDebits", "ReadOffers", "ReadPAN", "ReadParty",
		"ReadPartyPSU", "ReadProducts", "ReadScheduledPaymentsBasic", "ReadScheduledPaymentsDetail",
		"ReadStandingOrdersBasic", "ReadStandingOrdersDetail", "ReadStatementsBasic",
		"ReadStatementsDetail", "ReadTransactionsBasic", "ReadTransactionsCredits",
		"ReadTransactionsDebits", "ReadTransactionsDetail",
	}
}

// statuses maps canonical statuses to the v3.1.11 enums (UK RW v3.1.11:
// OBReadConsentResponse1 Status; OBWriteDomesticConsentResponse5 Status;
// OBDomesticVRPConsentResponse Status). The v3.1.11 enums have no Expired
// or Cancelled, so (our choice, documented in the README):
//   - account access: expired and cancelled read Revoked (terminal, no
//     access); a consent the TPP deleted is not shown at all (400 NotFound);
//   - payment: expired, cancelled and revoked read Rejected;
//   - VRP (no Consumed, no Revoked): expired, cancelled and revoked read
//     Rejected; a VRP consent the TPP deleted is not shown (400 NotFound).
//
// consumed never happens to account-access or VRP consents (the system API
// consumes payment consents only); it maps to the terminal value anyway.
func statuses() map[consent.Kind]map[consent.Status]string {
	return map[consent.Kind]map[consent.Status]string{
		consent.KindAccountAccess: {
			consent.StatusAwaitingAuthorisation: "AwaitingAuthorisation",
			consent.StatusAuthorised:            "Authorised",
			consent.StatusRejected:              "Rejected",
			consent.StatusRevoked:               "Revoked",
			consent.StatusExpired:               "Revoked",
			consent.StatusCancelled:             "Revoked",
			consent.StatusConsumed:              "Revoked",
		},
		consent.KindPayment: {
			consent.StatusAwaitingAuthorisation: "AwaitingAuthorisation",
			consent.StatusAuthorised:            "Authorised",
			consent.StatusRejected:              "Rejected",
			consent.StatusConsumed:              "Consumed",
			consent.StatusRevoked:               "Rejected",
			consent.StatusExpired:               "Rejected",
			consent.StatusCancelled:             "Rejected",
		},
		consent.KindVRP: {
			consent.StatusAwaitingAuthorisation: "AwaitingAuthorisation",
			consent.StatusAuthorised:            "Authorised",
			consent.StatusRejected:              "Rejected",
			consent.StatusRevoked:               "Rejected",
			consent.StatusExpired:               "Rejected",
			consent.StatusCancelled:             "Rejected",
			consent.StatusConsumed:              "Rejected",
		},
	}
}

// CanonicalStatuses lists every canonical status (for completeness checks).
func CanonicalStatuses() []consent.Status {
	return []consent.Status{
		consent.StatusAwaitingAuthorisation, consent.StatusAuthorised, consent.StatusRejected,
		consent.StatusConsumed, consent.StatusRevoked, consent.StatusExpired, consent.StatusCancelled,
	}
}

// DefaultProfile returns the UK Open Banking Read/Write v3.1.11 profile as
// the standard defines it, under the ecosystem id name; each ecosystem
// starts from it and sets its own values.
func DefaultProfile(name string) Profile {
	return Profile{
		Name:                name,
		BasePath:            "/open-banking/v3.1",
		ServePayments:       true,
		Permissions:         Permissions(),
		Statuses:            statuses(),
		IntentClaim:         "openbanking_intent_id",
		IntentScopes:        []string{"accounts", "payments"},
		ACRValues:           []string{"urn:openbanking:psd2:sca", "urn:openbanking:psd2:ca"},
		TrustAnchor:         "openbanking.org.uk",
		IATLeeway:           5 * time.Second,
		IdempotencyLifetime: 24 * time.Hour,
	}
}

// Validate rejects contradictory settings at start, citing the rule.
func (p Profile) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Name == "" {
		add("profile: name is required")
	}
	if !strings.HasPrefix(p.BasePath, "/") || strings.HasSuffix(p.BasePath, "/") {
		add("profile %s: base path %q must start and must not end with /", p.Name, p.BasePath)
	}
	if len(p.Permissions) == 0 {
		add("profile %s: [UK RW v3.1.11 AIS Profile, Permissions] the permission catalogue is empty", p.Name)
	}
	enum := Permissions()
	for _, perm := range p.Permissions {
		if !slices.Contains(enum, perm) {
			add("profile %s: permission %q is not in the OBExternalPermissions1Code enum of our OpenAPI file", p.Name, perm)
		}
	}
	if !slices.Contains(p.Permissions, "ReadAccountsBasic") && !slices.Contains(p.Permissions, "ReadAccountsDetail") {
		add("profile %s: [UK RW v3.1.11 AIS Profile, Permissions] every consent needs ReadAccountsBasic or ReadAccountsDetail: the catalogue must hold one", p.Name)
	}
	kinds := []consent.Kind{consent.KindAccountAccess}
	if p.ServePayments {
		kinds = append(kinds, consent.KindPayment, consent.KindVRP)
	}
	for _, k := range kinds {
		for _, s := range CanonicalStatuses() {
			if p.Statuses[k][s] == "" {
				add("profile %s: status %s of %s consents has no name", p.Name, s, k)
			}
		}
	}
	if p.IntentClaim == "" {
		add("profile %s: the intent claim is required", p.Name)
	}
	if p.TrustAnchor == "" {
		add("profile %s: [UK RW v3.1.11 Message Signing] the trust anchor (tan) is required", p.Name)
	}
	if p.IdempotencyLifetime <= 0 {
		add("profile %s: [UK RW v3.1.11 Idempotency] the idempotency lifetime must be positive", p.Name)
	}
	if p.IATLeeway < 0 {
		add("profile %s: the iat leeway must not be negative", p.Name)
	}
	return errors.Join(errs...)
}

// status names a consent's status in this vocabulary.
func (p Profile) status(k consent.Kind, s consent.Status) string {
	if name := p.Statuses[k][s]; name != "" {
		return name
	}
	return "Rejected" // unreachable after Validate: every pair is named
}

// supports reports whether perm is in the catalogue.
func (p Profile) supports(perm string) bool { return slices.Contains(p.Permissions, perm) }

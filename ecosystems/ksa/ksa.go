package ksa

import (
	"net/http"
	"slices"

	"github.com/openconsent/openconsent/ecosystems/uk"
)

// Assumptions (no public KSA specification; each is documented in the
// README, "UK and KSA"):
//
//   - APIs: account-access consents only (KSA phase 1 is account
//     information; payment initiation comes later), under
//     /open-banking/ksa/v1/aisp/account-access-consents (the UK resource
//     shape under a KSA base path of our choosing);
//   - ExpirationDateTime is mandatory: SAMA's consent rules make the
//     customer see an expiry date (Duration statement), so a consent
//     without one cannot be shown;
//   - permissions: the UK catalogue without ReadPAN (least data until the
//     SAMA list is known), with the UK combination rules; configurable;
//   - statuses, error codes (UK.OBIE.*), headers, the intent claim
//     (openbanking_intent_id), acr values and idempotency: as in the UK.
const (
	// Name is the ecosystem id in configuration.
	Name = "ksa"
	// BasePath is the API root under the workspace.
	BasePath = "/open-banking/ksa/v1"
)

// Permissions returns the default KSA permission catalogue.
func Permissions() []string {
	return slices.DeleteFunc(uk.UKPermissions(), func(p string) bool { return p == "ReadPAN" })
}

// Profile returns the KSA profile: the UK profile with the KSA overrides.
func Profile() uk.Profile {
	p := uk.UK()
	p.Name = Name
	p.BasePath = BasePath
	p.ServePayments = false
	p.Permissions = Permissions()
	p.RequireExpiration = true
	return p
}

// Options configure the KSA ecosystem. Zero values take the defaults.
type Options struct {
	// Permissions replaces the permission catalogue; each must be in the
	// UK schema's enum (checked at Mount).
	Permissions []string
	// HTTPClient fetches TPPs' jwks_uri documents (see uk.Options).
	HTTPClient *http.Client
}

// New returns the KSA ecosystem.
func New(opt Options) *uk.Ecosystem {
	p := Profile()
	if len(opt.Permissions) > 0 {
		p.Permissions = slices.Clone(opt.Permissions)
	}
	return uk.New(uk.Options{Profile: p, HTTPClient: opt.HTTPClient})
}

package ksa

import (
	"net/http"
	"slices"

	"github.com/openconsent/openconsent/ecosystems/internal/obie"
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
	return slices.DeleteFunc(obie.Permissions(), func(p string) bool { return p == "ReadPAN" })
}

// Profile returns the KSA profile: the OBIE (UK) profile with the KSA
// overrides.
func Profile() obie.Profile {
	p := obie.DefaultProfile(Name)
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
	// HTTPClient fetches TPPs' jwks_uri documents (see obie.Options).
	HTTPClient *http.Client
}

// New returns the KSA ecosystem.
func New(opt Options) *obie.Ecosystem {
	p := Profile()
	if len(opt.Permissions) > 0 {
		p.Permissions = slices.Clone(opt.Permissions)
	}
	return obie.New(obie.Options{Profile: p, HTTPClient: opt.HTTPClient})
}

package opin

import (
	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/ecosystems/internal/brdcr"
)

// DCRProfile is Open Insurance Brasil DCR (security chapter §7–9): the
// Brasil rule set with organizationIdentifier OPIBR-<org_id>, the OPIN
// roles (DADOS, ICS, TCS; §7.2, marked "under construction") and the
// swagger v1.2.0 spelling require_pushed_authorization_request read as
// require_pushed_authorization_requests.
func DCRProfile() dcr.Profile {
	return brdcr.Profile("opin", "OPIBR-", map[string][]string{
		"DADOS": {
			"openid", "consents", "resources", "customers", "insurance-acceptance-and-branches-abroad",
			"insurance-auto", "insurance-financial-risk", "insurance-housing", "insurance-patrimonial",
			"insurance-rural", "insurance-responsibility", "insurance-transport",
		},
		"ICS": {
			"openid", "claim-notification", "endorsement", "quote-patrimonial-lead", "quote-patrimonial-home",
			"quote-patrimonial-condominium", "quote-patrimonial-business", "quote-patrimonial-diverse-risks",
		},
		"TCS": {"openid"},
	}, map[string]string{"require_pushed_authorization_request": "require_pushed_authorization_requests"})
}

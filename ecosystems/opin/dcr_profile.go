package opin

import (
	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/ecosystems/internal/brdcr"
)

// DCRProfile is Open Insurance Brasil DCR (security chapter §7–9): the
// Brasil rule set with organizationIdentifier OPIBR-<org_id>, the OPIN
// roles (DADOS, ICS, TCS; §7.2, marked "under construction") and the
// swagger v1.2.0 spelling require_pushed_authorization_request read as
// require_pushed_authorization_requests. Its webhook_uris rule is the
// swagger's: at most 255 characters and among software_api_webhook_uris,
// without the OFB swagger's base-URL pattern, which OPIN's does not state.
func DCRProfile() dcr.Profile {
	p := brdcr.Profile("opin", "OPIBR-", map[string][]string{
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
	w := *p.Webhooks
	w.Pattern = "" // OPIN DCR swagger v1.2.0 webhook_uris: maxLength 255, no pattern
	p.Webhooks = &w
	return p
}

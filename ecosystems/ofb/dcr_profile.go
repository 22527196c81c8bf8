package ofb

import (
	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/ecosystems/internal/brdcr"
)

// DCRProfile is Open Finance Brasil DCR-BR (§7.1): a JSON request with a
// directory SSA signed PS256 and issued at most 5 minutes ago; mutual TLS
// with a certificate whose UID is the software_id and whose
// organizationIdentifier is OFBBR-<org_id>; jwks_uri equal to
// software_jwks_uri; redirect_uris among software_redirect_uris; scopes
// allowed by the active software_statement_roles; webhook_uris base URLs
// among software_api_webhook_uris (invalid_webhook_uris); one registration
// per software_id; registration access tokens (RFC 7592).
func DCRProfile() dcr.Profile {
	return brdcr.Profile("ofb", "OFBBR-", map[string][]string{
		"DADOS": {
			"openid", "accounts", "credit-cards-accounts", "consents", "customers", "invoice-financings",
			"financings", "loans", "unarranged-accounts-overdraft", "resources", "bank-fixed-incomes",
			"credit-fixed-incomes", "funds", "variable-incomes", "treasure-titles", "exchanges",
		},
		"PAGTO": {"openid", "payments", "recurring-payments", "nrp-consents", "enrollment"},
		"CONTA": {"openid"},
		"CCORR": {"openid"},
	}, nil)
}

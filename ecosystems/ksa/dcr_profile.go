package ksa

import "github.com/openconsent/openconsent/dcr"

// DCRProfile is the UK OBIE DCR v3.3 model, which the KSA standard derives
// from; SAMA's own DCR and directory rules are not public, so nothing
// KSA-specific is assumed (docs/ecosystems/uk-ksa-fdx.md Part 2). It is a
// separate value (an ecosystem never imports another) so that it can
// diverge once the SAMA specification is known.
func DCRProfile() dcr.Profile {
	algs := []string{"PS256", "ES256"}
	return dcr.Profile{
		Name:    "ksa",
		Format:  dcr.FormatJWT,
		Request: dcr.RequestJWTRules{Algs: algs, IssuerIsSoftwareID: true},
		SSA: &dcr.SSARules{
			Required: true,
			Algs:     algs,
			RequiredClaims: []string{
				"iss", "iat", "jti", "software_id", "org_id", "software_jwks_endpoint",
				"software_redirect_uris", "software_roles",
			},
			Claims: dcr.SSAClaims{
				SoftwareID: "software_id", OrgID: "org_id",
				RedirectURIs: "software_redirect_uris", JWKSURI: "software_jwks_endpoint",
			},
			ActiveClaim: "org_status", ActiveValue: "Active",
			Metadata: map[string]string{
				"software_client_name": "client_name", "software_client_uri": "client_uri",
				"software_logo_uri": "logo_uri", "software_tos_uri": "tos_uri",
				"software_policy_uri": "policy_uri",
			},
		},
		Roles: &dcr.RoleRules{
			Claim: "software_roles",
			Scopes: map[string][]string{
				"AISP":  {"openid", "accounts"},
				"PISP":  {"openid", "payments"},
				"CBPII": {"openid", "fundsconfirmations"},
			},
		},
		RequireMTLS:       true,
		Management:        dcr.Management{RAT: true, ClientToken: true},
		InitialStatus:     dcr.StatusApproved,
		RequireJWKSURI:    true,
		RequiredFields:    []string{"token_endpoint_auth_method", "grant_types"},
		DefaultAuthMethod: "private_key_jwt",
		Narrow: dcr.MetadataRules{
			AuthMethods: []string{"private_key_jwt", "tls_client_auth"},
			SigningAlgs: algs,
		},
	}
}

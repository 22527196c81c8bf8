package obie

import "github.com/openconsent/openconsent/dcr"

// DCRProfile is OBIE Dynamic Client Registration v3.3: a registration JWT
// (application/jwt or application/jose) signed PS256 or ES256 with a key of
// the software's JWKS (software_jwks_endpoint), iss = software_id, carrying
// an OB Directory SSA; POST over mutual TLS; management with the client's
// own client_credentials token (no scope) or a registration access token.
// Roles (software_roles[]) map to scopes: AISP -> accounts, PISP ->
// payments, CBPII -> fundsconfirmations. OB does not define an SSA lifetime
// (DCR v3.3 "pragmatic"), so only its validity window is checked unless the
// workspace sets a maximum age. name is the ecosystem id; uk and ksa each
// derive their own profile from this one.
func DCRProfile(name string) dcr.Profile {
	algs := []string{"PS256", "ES256"}
	return dcr.Profile{
		Name:    name,
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
			// Of OBClientRegistration1's methods only these are FAPI-compliant.
			AuthMethods: []string{"private_key_jwt", "tls_client_auth"},
			SigningAlgs: algs,
		},
	}
}

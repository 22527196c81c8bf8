package cdr

import (
	"time"

	"github.com/openconsent/openconsent/dcr"
)

// DCRProfile is CDR registration at a Data Holder (CDS v1.36.0 "Client
// Registration", cds_dcr): a registration JWT (application/jwt) signed
// PS256 or ES256 with the ADR's key from the SSA's jwks_uri, iss =
// software_id, aud = the Data Holder's issuer; a CDR Register SSA
// (iss cdr-register, exp within 10 minutes); scopes from the SSA's scope
// claim, those not served ignored; at most one active registration per
// software_id; management with the client's own client_credentials token
// carrying cdr:registration (no registration access token); the SSA's
// metadata echoed at the top level of the response.
func DCRProfile() dcr.Profile {
	algs := []string{"PS256", "ES256"}
	echo := []string{
		"client_name", "client_description", "client_uri", "legal_entity_id", "legal_entity_name",
		"org_id", "org_name", "redirect_uris", "sector_identifier_uri", "logo_uri", "tos_uri",
		"policy_uri", "jwks_uri", "revocation_uri", "recipient_base_uri", "software_id",
		"software_roles", "scope",
	}
	return dcr.Profile{
		Name:    "cdr",
		Format:  dcr.FormatJWT,
		Request: dcr.RequestJWTRules{Algs: algs, IssuerIsSoftwareID: true},
		SSA: &dcr.SSARules{
			Required:    true,
			Algs:        algs,
			RequireExp:  true,
			MaxLifetime: 10 * time.Minute,
			RequiredClaims: []string{
				"iss", "iat", "exp", "jti", "org_id", "org_name", "client_name", "client_description",
				"client_uri", "redirect_uris", "logo_uri", "jwks_uri", "revocation_uri",
				"recipient_base_uri", "software_id", "software_roles", "scope",
			},
			Claims: dcr.SSAClaims{SoftwareID: "software_id", OrgID: "org_id", RedirectURIs: "redirect_uris", JWKSURI: "jwks_uri"},
			Metadata: map[string]string{
				"client_name": "client_name", "client_uri": "client_uri", "logo_uri": "logo_uri",
				"tos_uri": "tos_uri", "policy_uri": "policy_uri", "sector_identifier_uri": "sector_identifier_uri",
			},
			Echo: echo,
		},
		Roles:            &dcr.RoleRules{Claim: "software_roles", AsString: true, ScopesClaim: "scope"},
		OnePerSoftwareID: true,
		RequireMTLS:      true,
		Management:       dcr.Management{ClientToken: true, ClientTokenScope: "cdr:registration"},
		InitialStatus:    dcr.StatusApproved,
		RequireJWKSURI:   true,
		RequiredFields: []string{
			"token_endpoint_auth_method", "token_endpoint_auth_signing_alg", "grant_types",
			"response_types", "id_token_signed_response_alg",
		},
		DefaultAuthMethod: "private_key_jwt",
		Narrow: dcr.MetadataRules{
			AuthMethods: []string{"private_key_jwt"}, // tls_client_auth SHALL NOT be used
			SigningAlgs: algs,
			GrantTypes:  []string{"client_credentials", "authorization_code", "refresh_token"},
		},
		JARM: dcr.JARMRules{
			RequireSignedResponseAlgWithCode: true,
			IDTokenEncryptionOnlyHybrid:      true,
			EncryptionAlgs:                   []string{"RSA-OAEP", "RSA-OAEP-256"},
			EncryptionEncs:                   []string{"A256GCM", "A128CBC-HS256"},
			DefaultEncryptionEnc:             "A128CBC-HS256",
		},
	}
}

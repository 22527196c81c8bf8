package brdcr

import (
	"time"

	"github.com/openconsent/openconsent/dcr"
)

// Subject attributes that hold the software_id in an ICP-Brasil or
// directory client certificate. The Brasil certificate standard names the
// attribute UID, which is 0.9.2342.19200300.100.1.1 (RFC 4519 §2.39, the
// `UID=` of the DN strings in DCR-BR §7.1.2); DCR-BR §7.1 item 13 writes
// the OID 2.5.4.45 (x500UniqueIdentifier), which reference implementations
// (luikyv/mock-bank) read. Both are issued by the certificate authority,
// so either holding the software_id is accepted.
const (
	OIDUID                    = "0.9.2342.19200300.100.1.1"
	OIDX500UniqueIdentifier   = "2.5.4.45"
	OIDOrganizationIdentifier = "2.5.4.97"
)

// Profile returns the Brasil rules for one ecosystem: name, the
// organizationIdentifier prefix ("OFBBR-", "OPIBR-"), the role -> scopes
// table and spelling aliases.
func Profile(name, orgPrefix string, roles map[string][]string, aliases map[string]string) dcr.Profile {
	return dcr.Profile{
		Name:   name,
		Format: dcr.FormatJSON,
		SSA: &dcr.SSARules{
			Required: true,
			Algs:     []string{"PS256"}, // §7.1 item 2
			MaxAge:   5 * time.Minute,   // §7.1 item 3
			RequiredClaims: []string{
				"iss", "iat", "software_id", "org_id", "software_jwks_uri",
				"software_redirect_uris", "software_statement_roles",
			},
			Claims: dcr.SSAClaims{
				SoftwareID: "software_id", OrgID: "org_id",
				RedirectURIs: "software_redirect_uris", // §7.1 item 6
				JWKSURI:      "software_jwks_uri",      // §7.1 item 5
			},
			ActiveClaim: "org_status", ActiveValue: "Active",
			// §7.1 item 10: where client metadata and the SSA conflict, the SSA wins.
			Metadata: map[string]string{
				"software_client_name": "client_name", "software_client_uri": "client_uri",
				"software_logo_uri": "logo_uri", "software_tos_uri": "tos_uri",
				"software_policy_uri": "policy_uri",
			},
		},
		Roles: &dcr.RoleRules{
			Claim: "software_statement_roles", RoleField: "role", StatusField: "status", ActiveStatus: "Active",
			Scopes: roles, // §7.1 item 9
		},
		OnePerSoftwareID: true, // one registration per software statement
		Cert: &dcr.CertCheck{ // §7.1 items 13 and 14
			SoftwareIDAttrs: []string{OIDUID, OIDX500UniqueIdentifier},
			OrgIDAttr:       OIDOrganizationIdentifier, OrgIDPrefix: orgPrefix,
		},
		RequireMTLS:           true, // §7.1 item 1
		Management:            dcr.Management{RAT: true},
		InitialStatus:         dcr.StatusApproved,
		RequireJWKSURI:        true, // §7.1 item 4
		RequiredFields:        []string{"redirect_uris"},
		DefaultScopeFromRoles: true, // §7.1.1
		ExtraFields:           []string{"webhook_uris"},
		Webhooks: &dcr.WebhookRules{
			// OFB DCR swagger v2.0.1 ClientRegistrationRequest.webhook_uris
			// items: base URLs (https, no trailing "/", no "?" query, no
			// fragment) of at most 255 characters. The OPIN swagger v1.2.0
			// states the maxLength only: opin.DCRProfile drops the pattern.
			Pattern:   `^(https:\/\/[^\s\/?#]+(?:\/[^\s\/?#]+)*)$`,
			MaxLength: 255,
			// DCR-BR §7.1 (webhook_uris checked against the SSA's
			// software_api_webhook_uris, the directory's "API Webhook"
			// field) as luikyv/mock-bank applies it: a subset; none are
			// approved when the claim is absent.
			SSAClaim: "software_api_webhook_uris",
		},
		Aliases:           aliases,
		DefaultAuthMethod: "private_key_jwt",
		Narrow: dcr.MetadataRules{
			// The swagger lists private_key_jwt only; the prose keeps
			// tls_client_auth (§7.1 item 12). Both, restricted by the
			// security profile.
			AuthMethods: []string{"private_key_jwt", "tls_client_auth"},
			SigningAlgs: []string{"PS256"},
		},
	}
}

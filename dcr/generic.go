package dcr

import "time"

// GenericProfile is plain RFC 7591/7592 for `generic` workspaces: a JSON
// request; a software statement is optional and, when sent, verified
// against the workspace's trusted issuers, and its software_id,
// redirect_uris (RFC 7591 §2.3: "the values in the software statement take
// precedence") and jwks_uri bind the request; management with registration
// access tokens.
func GenericProfile() Profile {
	return Profile{
		Name:   "generic",
		Format: FormatJSON,
		SSA: &SSARules{
			Algs:   []string{"PS256", "ES256"},
			MaxAge: 10 * time.Minute,
			Claims: SSAClaims{SoftwareID: "software_id", RedirectURIs: "redirect_uris", JWKSURI: "jwks_uri"},
			Metadata: map[string]string{
				"client_name": "client_name", "client_uri": "client_uri", "logo_uri": "logo_uri",
				"tos_uri": "tos_uri", "policy_uri": "policy_uri",
			},
		},
		Management:        Management{RAT: true},
		InitialStatus:     StatusApproved,
		DefaultAuthMethod: "private_key_jwt",
	}
}

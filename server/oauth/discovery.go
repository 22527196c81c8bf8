package oauth

import (
	"encoding/json"
	"slices"
)

// discovery builds the RFC 8414 / OIDC Discovery document from the routes
// actually mounted and the profile: never advertise an endpoint or algorithm
// that is not served.
func (p *Provider) discovery() ([]byte, error) {
	o := p.opt
	prof := o.Profile
	m := map[string]any{
		"issuer":                                         o.Issuer,
		"scopes_supported":                               o.Scopes,
		"response_types_supported":                       prof.ResponseTypes,
		"response_modes_supported":                       prof.ResponseModes,
		"subject_types_supported":                        []string{"public"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          prof.ClientAuthMethods,
		"authorization_response_iss_parameter_supported": prof.IssInAuthResponse,
		"id_token_signing_alg_values_supported":          jwtAlgs(prof),
		"claims_parameter_supported":                     true,
		"request_parameter_supported":                    prof.AllowRequestByValue,
		"request_uri_parameter_supported":                false,
		"require_pushed_authorization_requests":          prof.RequirePAR,
		"require_signed_request_object":                  prof.RequireSignedRequest,
		"tls_client_certificate_bound_access_tokens":     slices.Contains(prof.SenderConstraints, "mtls"),
	}
	if len(prof.ACRValues) > 0 {
		m["acr_values_supported"] = prof.ACRValues
	}
	if len(prof.ClaimsSupported) > 0 {
		m["claims_supported"] = prof.ClaimsSupported
	}
	if len(prof.SubjectTypes) > 0 {
		m["subject_types_supported"] = prof.SubjectTypes
	}
	algs := make([]string, 0, len(prof.SigningAlgs))
	for _, a := range prof.SigningAlgs {
		algs = append(algs, string(a))
	}
	var grants []string
	aliases := map[string]string{}
	authMethodsUsed := false
	for _, r := range p.routes {
		if r.Name == "" {
			continue
		}
		m[r.Name] = o.Issuer + r.Path
		if r.MTLS {
			aliases[r.Name] = o.MTLSIssuer + r.Path
			authMethodsUsed = true
		}
		switch r.Name {
		case "token_endpoint":
			grants = []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials}
			m["token_endpoint_auth_signing_alg_values_supported"] = algs
		case "introspection_endpoint":
			m["introspection_endpoint_auth_methods_supported"] = prof.ClientAuthMethods
			m["introspection_endpoint_auth_signing_alg_values_supported"] = algs
			// RFC 9701 §6
			m["introspection_signing_alg_values_supported"] = jwtAlgs(prof)
			m["introspection_encryption_alg_values_supported"] = encAlgs
			m["introspection_encryption_enc_values_supported"] = encEncs
		case "revocation_endpoint":
			m["revocation_endpoint_auth_methods_supported"] = prof.ClientAuthMethods
			m["revocation_endpoint_auth_signing_alg_values_supported"] = algs
		case "pushed_authorization_request_endpoint", "authorization_endpoint":
			m["request_object_signing_alg_values_supported"] = algs
			if dec := p.decryptableAlgs(); len(dec) > 0 {
				m["request_object_encryption_alg_values_supported"] = dec
				m["request_object_encryption_enc_values_supported"] = encEncs
			}
			m["id_token_encryption_alg_values_supported"] = encAlgs
			m["id_token_encryption_enc_values_supported"] = encEncs
			if slices.ContainsFunc(prof.ResponseModes, isJARM) {
				// JARM §4
				m["authorization_signing_alg_values_supported"] = jwtAlgs(prof)
				m["authorization_encryption_alg_values_supported"] = encAlgs
				m["authorization_encryption_enc_values_supported"] = encEncs
			}
		}
	}
	if grants != nil {
		m["grant_types_supported"] = grants
		if slices.Contains(prof.SenderConstraints, "dpop") {
			m["dpop_signing_alg_values_supported"] = algs
		}
	}
	if authMethodsUsed && len(aliases) > 0 {
		m["mtls_endpoint_aliases"] = aliases
	}
	return json.Marshal(m)
}

// decryptableAlgs are the key-management algorithms of encAlgs for which the
// workspace holds a decryption key: a request object encrypted with any
// other (e.g. RSA-OAEP when only an RSA-OAEP-256 key is published) could
// never be opened, so it must not be advertised.
func (p *Provider) decryptableAlgs() []string {
	var out []string
	for _, a := range encAlgs {
		if _, ok := p.opt.Keys.Decrypter(a); ok {
			out = append(out, a)
		}
	}
	return out
}

// jwtAlgs are the algorithms we sign our own JWTs with: PS256 and ES256
// (the workspace holds one key of each).
func jwtAlgs(prof Profile) []string {
	var out []string
	for _, a := range prof.SigningAlgs {
		if a == "PS256" || a == "ES256" {
			out = append(out, string(a))
		}
	}
	return out
}

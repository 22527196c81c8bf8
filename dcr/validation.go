package dcr

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// Authentication methods and response types the rules refer to.
const (
	authPrivateKeyJWT  = "private_key_jwt"
	authTLSClientAuth  = "tls_client_auth"
	authSelfSignedTLS  = "self_signed_tls_client_auth"
	responseTypeCode   = "code"
	responseTypeHybrid = "code id_token"
)

// validate checks the metadata against the security profile's rules (as
// narrowed by the ecosystem profile). Each failure names its field.
func (r *Registrar) validate(md *Metadata) error {
	rules := r.rules
	for _, check := range []func(*Metadata, MetadataRules) error{
		r.checkAuth, checkGrants, r.checkRedirectURIs, checkAlgs, r.checkJARM, checkBinding, checkMisc,
	} {
		if err := check(md, rules); err != nil {
			return err
		}
	}
	return nil
}

// checkAuth: the method is allowed (FAPI 2.0 SP §5.3.2.1-4), keys are
// registered the way the method needs (RFC 7591 §2: jwks and jwks_uri
// MUST NOT both be present), and tls_client_auth names its subject
// (RFC 8705 §2.1.2; DCR-BR §7.1 item 12: only tls_client_auth_subject_dn).
func (r *Registrar) checkAuth(md *Metadata, rules MetadataRules) error {
	m := md.TokenEndpointAuthMethod
	if m == "" {
		return InvalidMetadata("token_endpoint_auth_method", "is required")
	}
	if !slices.Contains(rules.AuthMethods, m) {
		return InvalidMetadata("token_endpoint_auth_method", "%s is not one of %s", clip(m), strings.Join(rules.AuthMethods, ", "))
	}
	for _, f := range []struct{ name, v string }{
		{"introspection_endpoint_auth_method", md.IntrospectionEndpointAuthMethod},
		{"revocation_endpoint_auth_method", md.RevocationEndpointAuthMethod},
	} {
		if f.v != "" && !slices.Contains(rules.AuthMethods, f.v) {
			return InvalidMetadata(f.name, "%s is not one of %s", clip(f.v), strings.Join(rules.AuthMethods, ", "))
		}
	}
	if a := md.TokenEndpointAuthSigningAlg; a != "" && !slices.Contains(rules.SigningAlgs, a) {
		return InvalidMetadata("token_endpoint_auth_signing_alg", "%s is not one of %s", clip(a), strings.Join(rules.SigningAlgs, ", "))
	}
	if len(md.JWKS) > 0 && r.opt.Profile.RequireJWKSURI {
		return InvalidMetadata("jwks", "keys by value are not accepted: register jwks_uri")
	}
	if len(md.JWKS) > 0 && md.JWKSURI != "" {
		return InvalidMetadata("jwks", "must not be sent together with jwks_uri")
	}
	if len(md.JWKS) > 0 {
		if err := checkJWKS(md.JWKS); err != nil {
			return err
		}
	}
	if md.JWKSURI != "" {
		if u, err := url.Parse(md.JWKSURI); err != nil || u.Scheme != "https" || u.Host == "" {
			return InvalidMetadata("jwks_uri", "must be an absolute https URL")
		}
	}
	switch m {
	case authPrivateKeyJWT, authSelfSignedTLS:
		if md.JWKSURI == "" && len(md.JWKS) == 0 {
			if r.opt.Profile.RequireJWKSURI {
				return InvalidMetadata("jwks_uri", "is required for %s", m)
			}
			return InvalidMetadata("jwks_uri", "jwks_uri or jwks is required for %s", m)
		}
	case authTLSClientAuth:
		if md.TLSClientAuthSubjectDN == "" {
			return InvalidMetadata("tls_client_auth_subject_dn", "is required for tls_client_auth")
		}
	}
	if m != authTLSClientAuth && md.TLSClientAuthSubjectDN != "" {
		return InvalidMetadata("tls_client_auth_subject_dn", "is only used with tls_client_auth")
	}
	return nil
}

// checkJWKS accepts a JWK Set of public keys only.
func checkJWKS(raw json.RawMessage) error {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) == 0 {
		return InvalidMetadata("jwks", "is not a JWK Set").withCause(err)
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			return InvalidMetadata("jwks", "must hold public keys only")
		}
	}
	return nil
}

// checkGrants: grant and response types the profile serves, consistent
// with each other (RFC 7591 §2.1).
func checkGrants(md *Metadata, rules MetadataRules) error {
	for _, g := range md.GrantTypes {
		if !slices.Contains(rules.GrantTypes, g) {
			return InvalidMetadata("grant_types", "%s is not one of %s", clip(g), strings.Join(rules.GrantTypes, ", "))
		}
	}
	for _, rt := range md.ResponseTypes {
		if !slices.Contains(rules.ResponseTypes, rt) {
			return InvalidMetadata("response_types", "%q is not one of %s", clip(rt), strings.Join(rules.ResponseTypes, ", "))
		}
	}
	code := slices.Contains(md.GrantTypes, "authorization_code")
	if code && len(md.ResponseTypes) == 0 {
		return InvalidMetadata("response_types", "is required with grant type authorization_code (RFC 7591 §2.1)")
	}
	if !code && len(md.ResponseTypes) > 0 {
		return InvalidMetadata("grant_types", "authorization_code is required with response_types (RFC 7591 §2.1)")
	}
	return nil
}

// checkRedirectURIs: absolute, https unless the rules allow http, no
// fragment (RFC 6749 §3.1.2), and present when the code grant is used.
func (r *Registrar) checkRedirectURIs(md *Metadata, rules MetadataRules) error {
	if len(md.RedirectURIs) == 0 && slices.Contains(md.GrantTypes, "authorization_code") {
		return InvalidRedirectURI("at least one redirect URI is required")
	}
	for _, raw := range md.RedirectURIs {
		u, err := url.Parse(raw)
		switch {
		case err != nil || !u.IsAbs() || u.Host == "":
			return InvalidRedirectURI("%s is not an absolute URL", clip(raw))
		case u.Fragment != "" || strings.Contains(raw, "#"):
			return InvalidRedirectURI("%s has a fragment", clip(raw))
		case u.Scheme != "https" && !(rules.AllowHTTPRedirectURIs && u.Scheme == "http"):
			return InvalidRedirectURI("%s must use https", clip(raw))
		}
	}
	return nil
}

// checkAlgs: every signing algorithm is one the profile serves ("none" is
// never among them), every encryption algorithm one we can use.
func checkAlgs(md *Metadata, rules MetadataRules) error {
	for _, f := range []struct{ name, v string }{
		{"id_token_signed_response_alg", md.IDTokenSignedResponseAlg},
		{"request_object_signing_alg", md.RequestObjectSigningAlg},
		{"authorization_signed_response_alg", md.AuthorizationSignedResponseAlg},
	} {
		if f.v != "" && !slices.Contains(rules.SigningAlgs, f.v) {
			return InvalidMetadata(f.name, "%s is not one of %s", clip(f.v), strings.Join(rules.SigningAlgs, ", "))
		}
	}
	pairs := []struct{ alg, enc, prefix string }{
		{md.IDTokenEncryptedResponseAlg, md.IDTokenEncryptedResponseEnc, "id_token_encrypted_response"},
		{md.RequestObjectEncryptionAlg, md.RequestObjectEncryptionEnc, "request_object_encryption"},
		{md.AuthorizationEncryptedResponseAlg, md.AuthorizationEncryptedResponseEnc, "authorization_encrypted_response"},
	}
	for _, p := range pairs {
		if p.enc != "" && p.alg == "" {
			return InvalidMetadata(p.prefix+"_alg", "is required with %s_enc", p.prefix)
		}
		if p.alg != "" && !slices.Contains(rules.EncryptionAlgs, p.alg) {
			return InvalidMetadata(p.prefix+"_alg", "%s is not supported", clip(p.alg))
		}
		if p.enc != "" && !slices.Contains(rules.EncryptionEncs, p.enc) {
			return InvalidMetadata(p.prefix+"_enc", "%s is not supported", clip(p.enc))
		}
	}
	return nil
}

// checkJARM applies the ecosystem's authorization-response rules (CDR:
// authorization_signed_response_alg required with response type code;
// id_token_encrypted_response_alg and _enc required with code id_token).
func (r *Registrar) checkJARM(md *Metadata, _ MetadataRules) error {
	jr := r.opt.Profile.JARM
	if jr.RequireSignedResponseAlgWithCode && slices.Contains(md.ResponseTypes, responseTypeCode) && md.AuthorizationSignedResponseAlg == "" {
		return InvalidMetadata("authorization_signed_response_alg", "is required with response type code")
	}
	if jr.IDTokenEncryptionOnlyHybrid && slices.Contains(md.ResponseTypes, responseTypeHybrid) &&
		(md.IDTokenEncryptedResponseAlg == "" || md.IDTokenEncryptedResponseEnc == "") {
		return InvalidMetadata("id_token_encrypted_response_alg", "id_token_encrypted_response_alg and _enc are required with response type code id_token")
	}
	if a := md.AuthorizationEncryptedResponseAlg; a != "" && len(jr.EncryptionAlgs) > 0 && !slices.Contains(jr.EncryptionAlgs, a) {
		return InvalidMetadata("authorization_encrypted_response_alg", "%s is not one of %s", clip(a), strings.Join(jr.EncryptionAlgs, ", "))
	}
	if e := md.AuthorizationEncryptedResponseEnc; e != "" && len(jr.EncryptionEncs) > 0 && !slices.Contains(jr.EncryptionEncs, e) {
		return InvalidMetadata("authorization_encrypted_response_enc", "%s is not one of %s", clip(e), strings.Join(jr.EncryptionEncs, ", "))
	}
	return nil
}

// checkBinding: a client may ask for a sender constraint only if the
// profile serves it (RFC 8705 §3.4, RFC 9449 §5.2).
func checkBinding(md *Metadata, rules MetadataRules) error {
	if md.TLSClientCertificateBoundAccessTokens && !slices.Contains(rules.SenderConstraints, "mtls") {
		return InvalidMetadata("tls_client_certificate_bound_access_tokens", "certificate-bound access tokens are not served here")
	}
	if md.DPoPBoundAccessTokens && !slices.Contains(rules.SenderConstraints, "dpop") {
		return InvalidMetadata("dpop_bound_access_tokens", "DPoP is not served here")
	}
	return nil
}

// checkMisc: the remaining enumerations.
func checkMisc(md *Metadata, _ MetadataRules) error {
	switch md.ApplicationType {
	case "", "web", "native", "mobile":
	default:
		return InvalidMetadata("application_type", "%s is not one of web, native, mobile", clip(md.ApplicationType))
	}
	if md.SubjectType != "" && md.SubjectType != "public" {
		return InvalidMetadata("subject_type", "only public is supported")
	}
	return nil
}

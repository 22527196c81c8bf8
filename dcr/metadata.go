package dcr

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
)

// buildMetadata turns the request's members into the client's metadata:
// aliases resolved, the SSA applied (it wins conflicts), webhook_uris
// checked against the profile's WebhookRules, defaults filled,
// unknown members dropped (RFC 7591 §2: "MUST ignore any client metadata
// sent by the client that it does not understand"), extension fields kept.
func (r *Registrar) buildMetadata(p *parsed) (*Metadata, error) {
	prof := r.opt.Profile
	doc := make(map[string]json.RawMessage, len(p.doc))
	for k, v := range p.doc {
		if to, ok := prof.Aliases[k]; ok {
			if _, dup := p.doc[to]; !dup {
				k = to
			}
		}
		doc[k] = v
	}
	for _, k := range nonMetadata {
		delete(doc, k)
	}
	for _, k := range prof.RequiredFields {
		if v, ok := doc[k]; !ok || isEmptyJSON(v) {
			return nil, InvalidMetadata(k, "is required")
		}
	}
	if p.ssa != nil {
		if err := r.applySSA(doc, p.ssa); err != nil {
			return nil, err
		}
	}
	if err := r.checkWebhookURIs(doc, p.ssa); err != nil {
		return nil, err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var md Metadata
	if err := json.Unmarshal(b, &md); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, InvalidMetadata(te.Field, "has the wrong JSON type").withCause(err)
		}
		return nil, InvalidMetadata("request", "is not valid client metadata").withCause(err)
	}
	kept := map[string]json.RawMessage{}
	for _, k := range prof.ExtraFields {
		if v, ok := md.Extra[k]; ok {
			kept[k] = v
		}
	}
	md.Extra = nil
	if len(kept) > 0 {
		md.Extra = kept
	}
	if p.ssa != nil && prof.SSA != nil && len(prof.SSA.Echo) > 0 {
		md.Echo = map[string]json.RawMessage{}
		for _, k := range prof.SSA.Echo {
			if v, ok := p.ssa.raw[k]; ok {
				md.Echo[k] = v
			}
		}
	}
	r.defaults(&md)
	return &md, nil
}

// applySSA enforces the SSA's hold over the request: software_id and
// jwks_uri must equal the SSA's, redirect_uris must be among the SSA's,
// and every mapped SSA claim replaces the request's value (DCR-BR §7.1
// items 5, 6 and 10; UK DCR; CDR).
func (r *Registrar) applySSA(doc map[string]json.RawMessage, s *claims) error {
	rules := r.opt.Profile.SSA
	cl := rules.Claims
	if cl.SoftwareID != "" {
		want := s.str(cl.SoftwareID)
		if got, ok := stringMember(doc, "software_id"); ok && got != want {
			return InvalidMetadata("software_id", "must equal the software statement's %s", cl.SoftwareID)
		}
		if want != "" {
			doc["software_id"] = mustJSON(want)
		}
	}
	if cl.JWKSURI != "" {
		want := s.str(cl.JWKSURI)
		if got, ok := stringMember(doc, "jwks_uri"); ok && got != want {
			return InvalidMetadata("jwks_uri", "must equal the software statement's %s", cl.JWKSURI)
		}
		if want != "" {
			doc["jwks_uri"] = mustJSON(want)
		}
	}
	if cl.RedirectURIs != "" {
		allowed := s.strs(cl.RedirectURIs)
		var got []string
		if v, ok := doc["redirect_uris"]; ok {
			if json.Unmarshal(v, &got) != nil {
				return InvalidMetadata("redirect_uris", "has the wrong JSON type")
			}
		}
		for _, u := range got {
			if !slices.Contains(allowed, u) {
				return InvalidRedirectURI("%s is not one of the software statement's %s", clip(u), cl.RedirectURIs)
			}
		}
		if len(got) == 0 && len(allowed) > 0 {
			doc["redirect_uris"] = mustJSON(allowed)
		}
	}
	for claim, field := range rules.Metadata {
		if v, ok := s.raw[claim]; ok && s.has(claim) {
			doc[field] = v
		}
	}
	return nil
}

// defaults fills what RFC 7591 §2 and the profile default when omitted.
func (r *Registrar) defaults(md *Metadata) {
	if md.TokenEndpointAuthMethod == "" {
		md.TokenEndpointAuthMethod = r.opt.Profile.DefaultAuthMethod
	}
	if len(md.GrantTypes) == 0 {
		md.GrantTypes = []string{"authorization_code"} // RFC 7591 §2
	}
	if len(md.ResponseTypes) == 0 && slices.Contains(md.GrantTypes, "authorization_code") {
		md.ResponseTypes = []string{"code"} // RFC 7591 §2
	}
	// Provisioned by the server's security profile (RFC 7591 §3.2.1: the
	// response carries "any fields provisioned by the authorization server").
	md.RequirePushedAuthorizationRequests = md.RequirePushedAuthorizationRequests || r.rules.RequirePAR
	md.TLSClientCertificateBoundAccessTokens = md.TLSClientCertificateBoundAccessTokens || r.rules.CertificateBoundTokens
	jr := r.opt.Profile.JARM
	if md.AuthorizationEncryptedResponseAlg != "" && md.AuthorizationEncryptedResponseEnc == "" {
		md.AuthorizationEncryptedResponseEnc = jr.DefaultEncryptionEnc
	}
	if jr.IDTokenEncryptionOnlyHybrid && !slices.Contains(md.ResponseTypes, "code id_token") {
		// The code flow's ID token is not encrypted: these are not used.
		md.IDTokenEncryptedResponseAlg, md.IDTokenEncryptedResponseEnc = "", ""
	}
}

// isEmptyJSON reports whether a member is null, "", [] or {}.
func isEmptyJSON(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case "null", `""`, "[]", "{}":
		return true
	}
	return false
}

// stringMember returns a string member; ok is false when absent or null.
func stringMember(doc map[string]json.RawMessage, name string) (string, bool) {
	v, ok := doc[name]
	if !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		return "", false
	}
	var s string
	_ = json.Unmarshal(v, &s)
	return s, true
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v) // strings and string slices always marshal
	return b
}

// scopes decides the registered scope: the request's, checked against what
// the SSA's roles (or its scope claim) allow and what the workspace lets
// clients register; when omitted, what the profile defaults to.
func (r *Registrar) scopes(md *Metadata, s *claims) error {
	allowed := r.opt.Scopes
	source := "the scopes this workspace registers"
	if rr := r.opt.Profile.Roles; rr != nil && s != nil {
		var fromSSA []string
		if rr.ScopesClaim != "" {
			fromSSA = strings.Fields(s.str(rr.ScopesClaim))
			source = "the software statement's " + rr.ScopesClaim
		} else {
			roles := rolesOf(s, rr)
			for _, role := range roles {
				for _, sc := range rr.Scopes[role] {
					if !slices.Contains(fromSSA, sc) {
						fromSSA = append(fromSSA, sc)
					}
				}
			}
			source = "the scopes of the software's roles (" + clip(strings.Join(roles, ", ")) + ")"
		}
		// Scopes the workspace does not serve are ignored (CDR, since 31 Aug 2022).
		allowed = nil
		for _, sc := range fromSSA {
			if slices.Contains(r.opt.Scopes, sc) {
				allowed = append(allowed, sc)
			}
		}
	}
	requested := strings.Fields(md.Scope)
	if len(requested) == 0 {
		if r.opt.Profile.Roles != nil && s != nil && !r.opt.Profile.DefaultScopeFromRoles && r.opt.Profile.Roles.ScopesClaim == "" {
			return InvalidMetadata("scope", "is required")
		}
		requested = allowed
	}
	for _, sc := range requested {
		if !slices.Contains(allowed, sc) {
			return InvalidMetadata("scope", "%s is not among %s", clip(sc), source)
		}
	}
	if len(requested) == 0 {
		return InvalidMetadata("scope", "no scope can be registered: none of %s is served here", source)
	}
	md.Scope = strings.Join(requested, " ")
	return nil
}

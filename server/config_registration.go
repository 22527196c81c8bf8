package server

import (
	"net/url"

	"github.com/openconsent/openconsent/dcr"
)

// validateRegistration checks the workspace's registration section; each
// message names the field.
func (w *WorkspaceConfig) validateRegistration(f string, add func(field, format string, args ...any)) {
	r := w.Registration
	switch dcr.Status(r.InitialStatus) {
	case "", dcr.StatusApproved, dcr.StatusPending:
	default:
		add(f+".initial_status", "%q is not one of Approved, Pending", r.InitialStatus)
	}
	if r.RegistrationAccessTokenTTL < 0 {
		add(f+".registration_access_token_ttl", "must not be negative (0 means no expiry)")
	}
	if r.SSAMaxAge < 0 {
		add(f+".ssa_max_age", "must not be negative (0 keeps the ecosystem's)")
	}
	for i, a := range r.RequestAudiences {
		if a == "" {
			add(f+".request_audiences", "entry %d is empty", i)
		}
	}
	iat := r.InitialAccessToken
	g := f + ".initial_access_token"
	if (iat.Required || iat.JWKSFile != "" || iat.JWKSURL != "") && iat.Issuer == "" {
		add(g+".issuer", "required to verify initial access tokens")
	}
	if iat.Issuer != "" && (iat.JWKSFile == "") == (iat.JWKSURL == "") {
		add(g, "exactly one of jwks_file, jwks_url")
	}
	if iat.JWKSURL != "" {
		if u, err := url.Parse(iat.JWKSURL); err != nil || u.Scheme != "https" || u.Host == "" {
			add(g+".jwks_url", "%q must be an absolute https URL", iat.JWKSURL)
		}
	}
	if !r.Enabled {
		return
	}
	prof := dcrProfileFor(w.Ecosystem)
	if prof.SSA != nil && prof.SSA.Required && len(w.SoftwareStatementIssuers) == 0 {
		add(f+".enabled", "the %s ecosystem verifies software statements: configure software_statement_issuers", w.Ecosystem)
	}
}

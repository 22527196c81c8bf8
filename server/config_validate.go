package server

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
)

var workspaceIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate checks the whole configuration. Every message names the field
// (`workspaces[1].tokens.code_lifetime`) and, for profile rules, cites the clause.
func (c *Config) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	c.validateServer(add)
	switch c.Database.Driver {
	case "sqlite", "postgres":
	default:
		add("database.driver", "%q is not one of sqlite, postgres", c.Database.Driver)
	}
	if c.Database.DSN == "" {
		add("database.dsn", "required")
	}
	if c.Secret == "" && c.SecretFile == "" {
		add("secret", "set secret (or OPENCONSENT_SECRET) or secret_file")
	}
	if c.Secret != "" && len(c.Secret) < 32 {
		add("secret", "must be at least 32 characters")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		add("log.format", "%q is not one of json, text", c.Log.Format)
	}
	if len(c.Workspaces) == 0 {
		add("workspaces", "at least one workspace is required")
	}
	seen := map[string]bool{}
	for i := range c.Workspaces {
		w := &c.Workspaces[i]
		f := fmt.Sprintf("workspaces[%d]", i)
		if seen[w.ID] {
			add(f+".id", "duplicate workspace id %q", w.ID)
		}
		seen[w.ID] = true
		w.validate(f, add)
	}
	return errors.Join(errs...)
}

func (c *Config) validateServer(add func(field, format string, args ...any)) {
	s := c.Server
	if u, err := url.Parse(s.BaseURL); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		add("server.base_url", "%q must be an absolute https URL without query or fragment", s.BaseURL)
	}
	if s.MTLSBaseURL != "" {
		if u, err := url.Parse(s.MTLSBaseURL); err != nil || u.Scheme != "https" || u.Host == "" {
			add("server.mtls_base_url", "%q must be an absolute https URL", s.MTLSBaseURL)
		}
	}
	if (s.TLS.CertFile == "") != (s.TLS.KeyFile == "") {
		add("server.tls", "cert_file and key_file go together")
	}
	if s.GCPercent < minGCPercent {
		add("server.gc_percent", "must be at least %d", minGCPercent)
	}
	for i, p := range s.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil {
			add(fmt.Sprintf("server.trusted_proxies[%d]", i), "%q is not a CIDR", p)
		}
	}
	if s.HTTPAddr != "" && len(s.TrustedProxies) == 0 {
		// Behind a TLS-terminating proxy the client certificate can only come
		// from a trusted proxy's header; without one mTLS cannot work.
		add("server.trusted_proxies", "required when server.http_addr is set")
	}
}

func (w *WorkspaceConfig) validate(f string, add func(field, format string, args ...any)) {
	if !workspaceIDPattern.MatchString(w.ID) {
		add(f+".id", "%q must match %s", w.ID, workspaceIDPattern)
	}
	if !slices.Contains(ecosystemNames, w.Ecosystem) {
		add(f+".ecosystem", "%q is not one of %s", w.Ecosystem, strings.Join(ecosystemNames, ", "))
	}
	prof, ok := oauth.ProfileFor(oauth.SecurityProfile(w.Profile))
	if !ok {
		add(f+".profile", "%q is not one of fapi1-advanced, fapi2-security, fapi2-message-signing", w.Profile)
		return
	}
	t := w.Tokens
	if prof.MaxCodeLifetime > 0 && t.CodeLifetime > prof.MaxCodeLifetime {
		add(f+".tokens.code_lifetime", "[FAPI 2.0 SP §5.3.2.1-10 / FAPI 1.0 Adv §5.2.2] must be at most %s", prof.MaxCodeLifetime)
	}
	if t.RequestURILifetime > 600*time.Second || t.RequestURILifetime < 5*time.Second {
		add(f+".tokens.request_uri_lifetime", "[RFC 9126 §2.2, FAPI 2.0 SP §5.3.2.2-6] must be between 5s and 600s")
	}
	if t.AccessTokenLifetime < 30*time.Second || t.AccessTokenLifetime > 24*time.Hour {
		add(f+".tokens.access_token_lifetime", "must be between 30s and 24h")
	}
	if t.IDTokenLifetime < 30*time.Second || t.IDTokenLifetime > 24*time.Hour {
		add(f+".tokens.id_token_lifetime", "must be between 30s and 24h")
	}
	switch t.AccessTokenFormat {
	case "jwt", "opaque":
	default:
		add(f+".tokens.access_token_format", "%q is not one of jwt, opaque", t.AccessTokenFormat)
	}
	if !slices.Contains(prof.SigningAlgs, jose.SignatureAlgorithm(t.SigningAlg)) || t.SigningAlg == string(jose.EdDSA) {
		add(f+".tokens.signing_alg", "[FAPI 2.0 SP §5.4.1 / FAPI 1.0 Adv §8.6] %q is not one of PS256, ES256", t.SigningAlg)
	}
	if lim, ok := limitsFor(w.Ecosystem); ok {
		if t.AccessTokenLifetime < lim.minAccess || t.AccessTokenLifetime > lim.maxAccess {
			add(f+".tokens.access_token_lifetime", "[%s] must be between %s and %s", lim.clause, lim.minAccess, lim.maxAccess)
		}
		if t.RequestURILifetime < lim.minRequestURI || t.RequestURILifetime > lim.maxRequestURI {
			add(f+".tokens.request_uri_lifetime", "[%s] must be between %s and %s", lim.clause, lim.minRequestURI, lim.maxRequestURI)
		}
		if lim.noRotation && t.RefreshTokenRotation {
			add(f+".tokens.refresh_token_rotation", "[%s] refresh tokens must not be rotated", lim.clause)
		}
	}
	if w.LoginURL == "" && !w.DemoLogin {
		add(f+".login_url", "required unless demo_login is true")
	}
	if w.LoginURL != "" {
		if u, err := url.Parse(w.LoginURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add(f+".login_url", "%q must be an absolute URL", w.LoginURL)
		}
	}
	for i, iss := range w.SoftwareStatementIssuers {
		g := fmt.Sprintf("%s.software_statement_issuers[%d]", f, i)
		if iss.Issuer == "" {
			add(g+".issuer", "required")
		}
		if (iss.JWKSFile == "") == (iss.JWKSURL == "") {
			add(g, "exactly one of jwks_file, jwks_url")
		}
	}
	w.validateRegistration(f+".registration", add)
	ids := map[string]bool{}
	for i := range w.Clients {
		g := fmt.Sprintf("%s.clients[%d]", f, i)
		c := &w.Clients[i]
		if ids[c.ClientID] {
			add(g+".client_id", "duplicate client_id %q", c.ClientID)
		}
		ids[c.ClientID] = true
		c.validate(g, prof, add)
	}
}

func (c *ClientConfig) validate(g string, prof oauth.Profile, add func(field, format string, args ...any)) {
	if c.ClientID == "" {
		add(g+".client_id", "required")
	}
	if !slices.Contains(prof.ClientAuthMethods, c.TokenEndpointAuthMethod) {
		add(g+".token_endpoint_auth_method", "[%s] %q is not one of %s", clauseClientAuth(prof), c.TokenEndpointAuthMethod, strings.Join(prof.ClientAuthMethods, ", "))
	}
	switch c.TokenEndpointAuthMethod {
	case oauth.AuthPrivateKeyJWT, oauth.AuthSelfSignedTLSClientAuth:
		if (c.JWKSFile == "") == (c.JWKSURI == "") {
			add(g, "exactly one of jwks_file, jwks_uri")
		}
	case oauth.AuthTLSClientAuth:
		if c.TLSClientAuthSubjectDN == "" && c.TLSClientAuthSANDNS == "" {
			add(g+".tls_client_auth_subject_dn", "[RFC 8705 §2.1.2] required for tls_client_auth (or tls_client_auth_san_dns)")
		}
	}
	for i, u := range c.RedirectURIs {
		p, err := url.Parse(u)
		if err != nil || p.Scheme != "https" || p.Host == "" || p.Fragment != "" {
			add(fmt.Sprintf("%s.redirect_uris[%d]", g, i), "[FAPI 2.0 SP §5.3.2.2-1, RFC 6749 §3.1.2] %q must be an absolute https URL without fragment", u)
		}
	}
	for i, gt := range c.GrantTypes {
		if !slices.Contains([]string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken, oauth.GrantClientCredentials}, gt) {
			add(fmt.Sprintf("%s.grant_types[%d]", g, i), "%q is not supported", gt)
		}
	}
	if slices.Contains(c.GrantTypes, oauth.GrantAuthorizationCode) && len(c.RedirectURIs) == 0 {
		add(g+".redirect_uris", "required for authorization_code")
	}
	c.validateResponseCrypto(g, prof, add)
}

// Encryption algorithms the issuer serves (server/oauth encrypt.go, advertised
// in discovery as *_encryption_alg_values_supported / *_enc_values_supported).
var (
	clientEncAlgs = []string{string(jose.RSA_OAEP), string(jose.RSA_OAEP_256)}
	clientEncEncs = []string{string(jose.A256GCM), string(jose.A128CBC_HS256)}
)

// validateResponseCrypto checks the signing and encryption choices of ID
// tokens (OIDC Registration §2), JARM responses (JARM §3) and introspection
// responses (RFC 9701 §6) against what the workspace can produce.
func (c *ClientConfig) validateResponseCrypto(g string, prof oauth.Profile, add func(field, format string, args ...any)) {
	var signAlgs []string
	for _, a := range prof.SigningAlgs {
		if a == jose.PS256 || a == jose.ES256 { // the workspace holds one key of each
			signAlgs = append(signAlgs, string(a))
		}
	}
	groups := []struct {
		prefix        string
		sign, alg, en string
	}{
		{"id_token", c.IDTokenSignedResponseAlg, c.IDTokenEncryptedResponseAlg, c.IDTokenEncryptedResponseEnc},
		{"authorization", c.AuthorizationSignedResponseAlg, c.AuthorizationEncryptedResponseAlg, c.AuthorizationEncryptedResponseEnc},
		{"introspection", c.IntrospectionSignedResponseAlg, c.IntrospectionEncryptedResponseAlg, c.IntrospectionEncryptedResponseEnc},
	}
	for _, gr := range groups {
		if gr.sign != "" && !slices.Contains(signAlgs, gr.sign) {
			add(g+"."+gr.prefix+"_signed_response_alg", "%q is not one of %s", gr.sign, strings.Join(signAlgs, ", "))
		}
		if gr.alg != "" && !slices.Contains(clientEncAlgs, gr.alg) {
			add(g+"."+gr.prefix+"_encrypted_response_alg", "%q is not one of %s", gr.alg, strings.Join(clientEncAlgs, ", "))
		}
		if gr.en != "" && !slices.Contains(clientEncEncs, gr.en) {
			add(g+"."+gr.prefix+"_encrypted_response_enc", "%q is not one of %s", gr.en, strings.Join(clientEncEncs, ", "))
		}
		if gr.en != "" && gr.alg == "" {
			// OIDC Registration §2: "If ..._enc is included, ..._alg MUST also be provided."
			add(g+"."+gr.prefix+"_encrypted_response_alg", "[OIDC Registration §2] required when %s_encrypted_response_enc is set", gr.prefix)
		}
		if gr.alg != "" && c.JWKSFile == "" && c.JWKSURI == "" {
			add(g+"."+gr.prefix+"_encrypted_response_alg", "needs the client's encryption key: set jwks_file or jwks_uri")
		}
	}
	for i, s := range c.IntrospectionScopes {
		if s == "" || strings.ContainsAny(s, " \t") {
			add(fmt.Sprintf("%s.introspection_scopes[%d]", g, i), "%q is not a scope value", s)
		}
	}
}

func clauseClientAuth(p oauth.Profile) string {
	if p.Name == oauth.FAPI1Advanced {
		return "FAPI 1.0 Adv §5.2.2-14"
	}
	return "FAPI 2.0 SP §5.3.2.1-4"
}

package server

import (
	"time"
)

// Ecosystems a workspace can follow (`ofb` is Open Finance Brasil).
var ecosystemNames = []string{"cdr", "ofb", "opin", "fdx", "uk", "ksa", "generic"}

// WorkspaceConfig is one independent authorization server at BaseURL/{ID}.
type WorkspaceConfig struct {
	ID        string `yaml:"id"`
	Name      string `yaml:"name"`
	Ecosystem string `yaml:"ecosystem"`
	Profile   string `yaml:"profile"` // fapi1-advanced, fapi2-security, fapi2-message-signing

	Tokens TokenConfig `yaml:"tokens"`
	DPoP   DPoPConfig  `yaml:"dpop"`

	// Scopes the workspace serves (advertised in discovery).
	Scopes []string `yaml:"scopes"`
	// TrustedCAFiles are PEM bundles of CAs for tls_client_auth (RFC 8705 §2.1).
	TrustedCAFiles []string `yaml:"trusted_ca_files"`
	// SoftwareStatementIssuers are the directories/registers whose SSAs are trusted.
	SoftwareStatementIssuers []SSAIssuerConfig `yaml:"software_statement_issuers"`
	// LoginURL is the bank's login/consent app; the browser is sent there with login_id.
	LoginURL string `yaml:"login_url"`
	// DemoLogin serves the built-in demo login/consent page and points LoginURL at it.
	DemoLogin bool `yaml:"demo_login"`
	// DemoSystemClient is the System client (private_key_jwt,
	// client_credentials, scope manage_logins) the demo page uses to call the
	// system logins API, as a bank's login app would.
	DemoSystemClient string `yaml:"demo_system_client"`
	// DemoSystemPrivateJWKS is the file with that client's private key (JWKS).
	DemoSystemPrivateJWKS string `yaml:"demo_system_private_jwks"`
	// Clients are statically configured clients.
	Clients []ClientConfig `yaml:"clients"`
	// CDR holds the settings of cdr workspaces.
	CDR CDRConfig `yaml:"cdr"`
	// Registration configures dynamic client registration (RFC 7591/7592).
	Registration RegistrationConfig `yaml:"registration"`
}

// CDRConfig configures a CDR data holder workspace.
type CDRConfig struct {
	// BrandID is the data holder brand id (iss/sub of JWTs sent to recipients).
	BrandID string `yaml:"brand_id"`
	// AllowHybrid also accepts response_type code id_token.
	AllowHybrid bool `yaml:"allow_hybrid"`
}

// TokenConfig holds token lifetimes and formats.
type TokenConfig struct {
	AccessTokenLifetime  time.Duration `yaml:"access_token_lifetime"`
	RefreshTokenLifetime time.Duration `yaml:"refresh_token_lifetime"`
	IDTokenLifetime      time.Duration `yaml:"id_token_lifetime"`
	CodeLifetime         time.Duration `yaml:"code_lifetime"`
	RequestURILifetime   time.Duration `yaml:"request_uri_lifetime"`
	LoginLifetime        time.Duration `yaml:"login_lifetime"`
	// AccessTokenFormat is "jwt" (RFC 9068) or "opaque" (random, HMAC-checked).
	AccessTokenFormat string `yaml:"access_token_format"`
	// SigningAlg signs JWT access tokens and ID tokens: PS256 or ES256.
	SigningAlg string `yaml:"signing_alg"`
	// RefreshTokenRotation issues a new refresh token on every use (off by default).
	RefreshTokenRotation bool `yaml:"refresh_token_rotation"`
	// DisableRefreshTokens stops issuing refresh tokens.
	DisableRefreshTokens bool `yaml:"disable_refresh_tokens"`
}

// DPoPConfig configures RFC 9449 at this workspace.
type DPoPConfig struct {
	// RequireNonce makes every DPoP proof carry a server nonce (RFC 9449 §8).
	RequireNonce bool `yaml:"require_nonce"`
	// NoncePeriod is how long a nonce stays fresh (default 5m).
	NoncePeriod time.Duration `yaml:"nonce_period"`
}

// SSAIssuerConfig is a trusted software-statement issuer (directory or register).
type SSAIssuerConfig struct {
	Issuer   string `yaml:"issuer"`
	JWKSFile string `yaml:"jwks_file"`
	JWKSURL  string `yaml:"jwks_url"`
}

// ClientConfig is a statically configured client (documented config format).
type ClientConfig struct {
	ClientID                              string   `yaml:"client_id"`
	Name                                  string   `yaml:"name"`
	LogoURI                               string   `yaml:"logo_uri"`
	RedirectURIs                          []string `yaml:"redirect_uris"`
	GrantTypes                            []string `yaml:"grant_types"`
	Scope                                 string   `yaml:"scope"`
	TokenEndpointAuthMethod               string   `yaml:"token_endpoint_auth_method"`
	TokenEndpointAuthSigningAlg           string   `yaml:"token_endpoint_auth_signing_alg"`
	JWKSFile                              string   `yaml:"jwks_file"`
	JWKSURI                               string   `yaml:"jwks_uri"`
	TLSClientAuthSubjectDN                string   `yaml:"tls_client_auth_subject_dn"`
	TLSClientAuthSANDNS                   string   `yaml:"tls_client_auth_san_dns"`
	TLSClientCertificateBoundAccessTokens bool     `yaml:"tls_client_certificate_bound_access_tokens"`
	DPoPBoundAccessTokens                 bool     `yaml:"dpop_bound_access_tokens"`
	RequestObjectSigningAlg               string   `yaml:"request_object_signing_alg"`
	// OIDC Registration §2, JARM §3 and RFC 9701 §6 signing and encryption
	// choices; empty means the workspace default (or no encryption).
	IDTokenSignedResponseAlg          string `yaml:"id_token_signed_response_alg"`
	IDTokenEncryptedResponseAlg       string `yaml:"id_token_encrypted_response_alg"`
	IDTokenEncryptedResponseEnc       string `yaml:"id_token_encrypted_response_enc"`
	AuthorizationSignedResponseAlg    string `yaml:"authorization_signed_response_alg"`
	AuthorizationEncryptedResponseAlg string `yaml:"authorization_encrypted_response_alg"`
	AuthorizationEncryptedResponseEnc string `yaml:"authorization_encrypted_response_enc"`
	IntrospectionSignedResponseAlg    string `yaml:"introspection_signed_response_alg"`
	IntrospectionEncryptedResponseAlg string `yaml:"introspection_encrypted_response_alg"`
	IntrospectionEncryptedResponseEnc string `yaml:"introspection_encrypted_response_enc"`
	// IntrospectionScopes limits the scope a resource server sees in
	// introspection responses to the scopes it serves; empty means all.
	IntrospectionScopes []string `yaml:"introspection_scopes"`
	// Metadata holds other registration metadata an ecosystem reads, e.g.
	// CDR's recipient_base_uri.
	Metadata map[string]any `yaml:"metadata"`
	// System clients may call the workspace's system APIs with these scopes
	// (manage_logins, manage_consents, manage_clients).
	System bool `yaml:"system"`
}

func (w *WorkspaceConfig) setDefaults() {
	t := &w.Tokens
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&t.AccessTokenLifetime, 5*time.Minute)
	def(&t.RefreshTokenLifetime, 30*24*time.Hour)
	def(&t.IDTokenLifetime, 5*time.Minute)
	def(&t.CodeLifetime, 60*time.Second)
	def(&t.RequestURILifetime, 60*time.Second)
	def(&t.LoginLifetime, 10*time.Minute)
	def(&w.DPoP.NoncePeriod, 5*time.Minute)
	if t.AccessTokenFormat == "" {
		t.AccessTokenFormat = "jwt"
	}
	if t.SigningAlg == "" {
		t.SigningAlg = "PS256"
	}
	if w.Ecosystem == "" {
		w.Ecosystem = "generic"
	}
	if w.Profile == "" {
		w.Profile = "fapi2-security"
	}
	if len(w.Scopes) == 0 {
		w.Scopes = []string{"openid"}
	}
}

// RegistrationConfig configures dynamic client registration at
// {issuer}/register (RFC 7591) and client management at
// {issuer}/register/{client_id} (RFC 7592). The rules themselves (request
// format, software statements, roles, certificate checks) are the
// ecosystem's.
type RegistrationConfig struct {
	// Enabled serves the registration endpoints and advertises
	// registration_endpoint in discovery.
	Enabled bool `yaml:"enabled"`
	// InitialStatus of a new client: Approved or Pending (offline approval
	// through the system clients API); empty means the ecosystem's default
	// (Pending for fdx, Approved elsewhere).
	InitialStatus string `yaml:"initial_status"`
	// RegistrationAccessTokenTTL is the lifetime of RFC 7592 registration
	// access tokens; 0 means they do not expire.
	RegistrationAccessTokenTTL time.Duration `yaml:"registration_access_token_ttl"`
	// RotateRegistrationAccessToken issues a new registration access token
	// on every read or update made with the current one.
	RotateRegistrationAccessToken bool `yaml:"rotate_registration_access_token"`
	// InitialAccessToken configures RFC 7591 §3 initial access tokens.
	InitialAccessToken InitialAccessTokenConfig `yaml:"initial_access_token"`
	// RequireMTLS overrides the ecosystem's rule on whether registration
	// needs a client certificate; unset keeps the ecosystem's.
	RequireMTLS *bool `yaml:"require_mtls"`
	// SSAMaxAge overrides the ecosystem's maximum software-statement age
	// (now − iat); 0 keeps the ecosystem's (5m for ofb and opin).
	SSAMaxAge time.Duration `yaml:"ssa_max_age"`
	// RequestAudiences are further aud values accepted in signed
	// registration requests besides the issuer and the registration
	// endpoint (UK: the ASPSP's OB organisation id).
	RequestAudiences []string `yaml:"request_audiences"`
}

// InitialAccessTokenConfig configures RFC 7591 §3 initial access tokens:
// JWTs signed by Issuer with a key of its JWKS.
type InitialAccessTokenConfig struct {
	// Required refuses registrations without one.
	Required bool   `yaml:"required"`
	Issuer   string `yaml:"issuer"`
	JWKSFile string `yaml:"jwks_file"`
	JWKSURL  string `yaml:"jwks_url"`
	// CheckAudience requires aud to name the registration endpoint or the
	// issuer (default true).
	CheckAudience *bool `yaml:"check_audience"`
	// RequireCertificateBinding refuses tokens without cnf.x5t#S256; a
	// bound token must always match the presented certificate.
	RequireCertificateBinding bool `yaml:"require_certificate_binding"`
}

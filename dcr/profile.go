package dcr

import (
	"slices"
	"time"
)

// RequestFormat is how a registration request is sent.
type RequestFormat int

// Request formats.
const (
	// FormatJSON: an application/json metadata document (RFC 7591 §3.1),
	// carrying the SSA in its software_statement member when there is one
	// (Brasil, OPIN, FDX, generic).
	FormatJSON RequestFormat = iota
	// FormatJWT: the metadata as the claims of a JWT signed by the software
	// with a key of the JWKS its SSA names, sent as application/jwt or
	// application/jose (UK DCR v3.3, CDR).
	FormatJWT
)

// Profile is one ecosystem's registration rules, as data. The Registrar
// reads its fields and never branches on an ecosystem's name: adding an
// ecosystem is adding a Profile value (ecosystems/<eco>/dcr_profile.go).
type Profile struct {
	// Name is for logs and audit details only.
	Name   string
	Format RequestFormat
	// Request is how a FormatJWT request itself is checked.
	Request RequestJWTRules
	// SSA is how software statements are checked; nil means the ecosystem
	// has none (FDX) and a software_statement member is refused.
	SSA *SSARules
	// Roles maps the SSA's roles to the scopes they allow; nil means no
	// role check (scope is then limited by the workspace's scopes only).
	Roles *RoleRules
	// OnePerSoftwareID allows one active registration per software_id in a
	// workspace (CDR, Brasil DCR-BR "only one registration per SSA").
	OnePerSoftwareID bool
	// Cert checks the client certificate against the SSA when one is
	// presented (Brasil DCR-BR §7.1 items 13 and 14; OPIN); nil = none.
	Cert *CertCheck
	// RequireMTLS refuses a registration without a client certificate
	// (UK, Brasil DCR-BR §7.1 item 1, OPIN, CDR).
	RequireMTLS bool
	// Management says how GET, PUT and DELETE /register/{id} authenticate.
	Management Management
	// InitialStatus is the status of a new client (default Approved);
	// the workspace configuration may override it.
	InitialStatus Status
	// ExposeStatus returns the client's status in registration responses
	// (FDX `Recipient.status`).
	ExposeStatus bool
	// RequireJWKSURI refuses jwks by value and requires jwks_uri for
	// key-based authentication (Brasil DCR-BR §7.1 item 4).
	RequireJWKSURI bool
	// RequiredFields are metadata members the request itself must carry
	// (CDR token_endpoint_auth_signing_alg, FDX v6.5 client_name, Brasil
	// redirect_uris), checked before the SSA fills anything in.
	RequiredFields []string
	// DefaultScopeFromRoles grants every scope the roles allow when the
	// request has no scope (Brasil DCR-BR §7.1.1).
	DefaultScopeFromRoles bool
	// ExtraFields are extension metadata kept and returned as received
	// (OFB webhook_uris, FDX duration_type, registry_references, ...).
	// Any other member the profile does not know is ignored (RFC 7591 §2).
	ExtraFields []string
	// Webhooks check the webhook_uris extension member (OFB and OPIN DCR
	// swaggers); nil = kept unchecked when listed in ExtraFields.
	Webhooks *WebhookRules
	// Aliases maps a misspelt wire name to the standard one (OPIN's
	// require_pushed_authorization_request).
	Aliases map[string]string
	// Narrow restricts the security profile's MetadataRules further; its
	// empty fields leave them as they are.
	Narrow MetadataRules
	// DefaultAuthMethod is used when token_endpoint_auth_method is omitted
	// (RFC 7591 §2 defaults to client_secret_basic, which FAPI forbids).
	DefaultAuthMethod string
	// JARM are the authorization-response rules (CDR).
	JARM JARMRules
}

// RequestJWTRules check a FormatJWT registration request.
type RequestJWTRules struct {
	// Algs are the accepted signature algorithms (UK, CDR: PS256, ES256).
	Algs []string
	// IssuerIsSoftwareID requires iss == the SSA's software_id (UK, CDR).
	IssuerIsSoftwareID bool
	// MaxAge bounds now − iat; zero means no bound beyond exp.
	MaxAge time.Duration
}

// SSARules check a software statement.
type SSARules struct {
	// Required refuses a request without a software statement; otherwise
	// one is verified when present (generic).
	Required bool
	// Algs are the accepted signature algorithms (Brasil: PS256 only).
	Algs []string
	// MaxAge bounds now − iat (Brasil DCR-BR §7.1 item 3: 5 minutes); zero
	// means iat is only checked not to be in the future.
	MaxAge time.Duration
	// RequireExp requires an exp claim (CDR: the Register's SSAs live 10 minutes).
	RequireExp bool
	// MaxLifetime bounds exp − iat when both are present; zero = no bound.
	MaxLifetime time.Duration
	// RequiredClaims must be present and non-empty.
	RequiredClaims []string
	// Claims says where each value lives in this ecosystem's SSA.
	Claims SSAClaims
	// ActiveClaim, when set, must hold ActiveValue (UK and Brasil
	// org_status "Active"), else unapproved_software_statement.
	ActiveClaim string
	ActiveValue string
	// Metadata maps SSA claims onto client metadata fields; the SSA wins
	// over the request (Brasil DCR-BR §7.1 item 10), e.g.
	// software_client_name -> client_name.
	Metadata map[string]string
	// Echo lists SSA claims copied to the top level of the response (CDR).
	Echo []string
}

// SSAClaims names where values live in the SSA.
type SSAClaims struct {
	SoftwareID   string // software_id
	OrgID        string // org_id
	RedirectURIs string // UK and Brasil software_redirect_uris, CDR redirect_uris
	JWKSURI      string // UK software_jwks_endpoint, Brasil software_jwks_uri, CDR jwks_uri
}

// RoleRules map the SSA's roles to scopes.
type RoleRules struct {
	// Claim is the roles claim: UK software_roles[], Brasil
	// software_statement_roles[], CDR software_roles (a string).
	Claim string
	// AsString: the claim is one string of space-separated roles (CDR).
	AsString bool
	// RoleField, StatusField and ActiveStatus read roles given as objects
	// (Brasil {role, status}); only roles whose status is ActiveStatus count.
	RoleField    string
	StatusField  string
	ActiveStatus string
	// Scopes maps each role to the scopes it allows (UK AISP -> accounts).
	Scopes map[string][]string
	// ScopesClaim, when set, takes the allowed scopes from this
	// space-separated SSA claim instead of Scopes (CDR `scope`); scopes the
	// workspace does not serve are ignored (CDR since 31 Aug 2022).
	ScopesClaim string
}

// CertCheck ties the presented client certificate to the SSA.
type CertCheck struct {
	// SoftwareIDAttrs are subject attribute OIDs, any of which must hold
	// the software_id.
	SoftwareIDAttrs []string
	// OrgIDAttr is the subject attribute holding OrgIDPrefix + org_id
	// (organizationIdentifier, 2.5.4.97).
	OrgIDAttr   string
	OrgIDPrefix string
}

// Management says how a registered client is managed (RFC 7592).
type Management struct {
	// RAT issues RFC 7592 §3 registration access tokens.
	RAT bool
	// ClientToken accepts an access token the client itself obtained with
	// client_credentials (CDR, UK DCR).
	ClientToken bool
	// ClientTokenScope is the scope that token must carry ("" = any):
	// CDR cdr:registration.
	ClientTokenScope string
}

// JARMRules are the authorization-response metadata rules (CDR DCR).
type JARMRules struct {
	// RequireSignedResponseAlgWithCode: authorization_signed_response_alg is
	// required when response type "code" is registered, and "none" is refused.
	RequireSignedResponseAlgWithCode bool
	// IDTokenEncryptionOnlyHybrid: id_token_encrypted_response_alg/enc are
	// required when "code id_token" is registered and are ignored (not
	// stored) otherwise: the code flow's ID token is not encrypted.
	IDTokenEncryptionOnlyHybrid bool
	// EncryptionAlgs and EncryptionEncs bound the *_encrypted_response_*
	// values; empty means any value the security profile allows.
	EncryptionAlgs []string
	EncryptionEncs []string
	// DefaultEncryptionEnc is used when authorization_encrypted_response_alg
	// is given without _enc.
	DefaultEncryptionEnc string
}

// MetadataRules are what the workspace's security profile allows, passed
// in by the server (dcr cannot read server/oauth's profile). Empty fields
// allow nothing, except where noted.
type MetadataRules struct {
	AuthMethods   []string
	SigningAlgs   []string
	ResponseTypes []string
	GrantTypes    []string
	// SenderConstraints are "mtls" and/or "dpop": which of
	// tls_client_certificate_bound_access_tokens and
	// dpop_bound_access_tokens may be true.
	SenderConstraints []string
	// EncryptionAlgs and EncryptionEncs are the JWE algorithms served
	// (ID token, request object and JARM encryption); empty = none.
	EncryptionAlgs []string
	EncryptionEncs []string
	// AllowHTTPRedirectURIs permits http redirect URIs; false requires
	// https (FAPI 2.0 SP §5.3.2.2, FAPI 1.0 Adv §5.2.2-20).
	AllowHTTPRedirectURIs bool
	// RequirePAR provisions require_pushed_authorization_requests = true
	// (FAPI 2.0 SP §5.3.2.2-1: the server requires PAR of every client).
	RequirePAR bool
	// CertificateBoundTokens provisions
	// tls_client_certificate_bound_access_tokens = true where mTLS is the
	// only sender constraint served (FAPI 1.0 Adv §5.2.2-5).
	CertificateBoundTokens bool
}

// narrow returns r restricted by n: each non-empty list of n is
// intersected with r's.
func (r MetadataRules) narrow(n MetadataRules) MetadataRules {
	out := r
	out.AuthMethods = intersect(r.AuthMethods, n.AuthMethods)
	out.SigningAlgs = intersect(r.SigningAlgs, n.SigningAlgs)
	out.ResponseTypes = intersect(r.ResponseTypes, n.ResponseTypes)
	out.GrantTypes = intersect(r.GrantTypes, n.GrantTypes)
	out.SenderConstraints = intersect(r.SenderConstraints, n.SenderConstraints)
	out.EncryptionAlgs = intersect(r.EncryptionAlgs, n.EncryptionAlgs)
	out.EncryptionEncs = intersect(r.EncryptionEncs, n.EncryptionEncs)
	return out
}

// intersect keeps the members of a that are in b; an empty b keeps a.
func intersect(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	var out []string
	for _, s := range a {
		if slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

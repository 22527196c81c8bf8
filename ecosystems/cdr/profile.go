package cdr

import (
	"time"

	"github.com/openconsent/openconsent/server/oauth"
)

// CDS security profile values.
const (
	// maxSharing: a sharing_duration over one year is treated as one year (CDS "sharing_duration").
	maxSharing = 365 * 24 * time.Hour
	// onceOffLife bounds a once-off arrangement (sharing_duration 0): no
	// refresh token, so it ends when its access token does (at most 10 min).
	onceOffLife = 10 * time.Minute
	// revocationPath is the data holder's arrangement revocation endpoint (CDS §"CDR Arrangement Revocation End Point").
	revocationPath = "/arrangements/revoke"
	// recipientRevocationPath is appended to the recipient's recipient_base_uri.
	recipientRevocationPath = "/arrangements/revoke"
)

// Config is what a CDR workspace configures.
type Config struct {
	// BrandID is the data holder brand id: iss and sub of the JWTs sent to recipients.
	BrandID string
	// AllowHybrid also accepts response_type code id_token (the CDS made
	// hybrid optional until May 2025; off by default).
	AllowHybrid bool
}

// OAuthProfile applies the CDS rules on top of FAPI 1.0 Advanced.
func (e *Ecosystem) OAuthProfile(base oauth.Profile) oauth.Profile {
	p := base
	p.RequirePAR = true           // CDS: PAR is mandatory
	p.AllowRequestByValue = false // a request parameter at /authorize is refused
	p.ResponseTypes = []string{"code"}
	if e.cfg.AllowHybrid {
		p.ResponseTypes = append(p.ResponseTypes, "code id_token")
	}
	p.RequireJARMForCode = true
	p.RequireRegisteredJARMAlg = true
	p.ClientAuthMethods = []string{oauth.AuthPrivateKeyJWT} // CDS: tls_client_auth SHALL NOT be used
	p.SenderConstraints = []string{"mtls"}                  // mTLS still binds tokens
	p.AssertionAudience = oauth.AudienceIssuerOrEndpoint    // issuer, token endpoint or invoked endpoint
	p.RefreshLifetimeFromConsent = true
	p.ACRValues = []string{"urn:cds.au:cdr:2", "urn:cds.au:cdr:3"}
	p.ClaimsSupported = []string{"sub", "acr", "auth_time", "name", "given_name", "family_name", "updated_at"}
	return p
}

// TokenLimits are the CDS bounds on a workspace's token settings, checked
// at start: access tokens live 2–10 minutes, request URIs 10–90 seconds,
// and refresh tokens are never rotated (CDS "Tokens", "Pushed Authorisation
// End Point").
func TokenLimits() (minAccess, maxAccess, minRequestURI, maxRequestURI time.Duration, rotationAllowed bool) {
	return 2 * time.Minute, 10 * time.Minute, 10 * time.Second, 90 * time.Second, false
}

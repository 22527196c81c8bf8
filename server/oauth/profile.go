package oauth

import (
	"time"

	"github.com/go-jose/go-jose/v4"
)

// SecurityProfile names a FAPI security profile.
type SecurityProfile string

// Security profiles.
const (
	FAPI1Advanced       SecurityProfile = "fapi1-advanced"
	FAPI2Security       SecurityProfile = "fapi2-security"
	FAPI2MessageSigning SecurityProfile = "fapi2-message-signing"
)

// AudienceRule says which `aud` values a client assertion may carry.
type AudienceRule int

const (
	// AudienceIssuerOnly accepts only the issuer identifier as a single
	// string (FAPI 2.0 SP §5.3.2.1 note, RFC 7523bis §4 against audience injection).
	AudienceIssuerOnly AudienceRule = iota
	// AudienceIssuerOrEndpoint also accepts the token endpoint and the endpoint
	// being invoked (CDR, FAPI 1.0 Advanced practice).
	AudienceIssuerOrEndpoint
)

// Profile is the set of protocol rules a workspace enforces. Code reads these
// fields; it never branches on the profile or ecosystem name.
type Profile struct {
	Name SecurityProfile

	RequirePAR              bool     // FAPI 2.0 SP §5.3.2.2-1
	RequirePKCE             bool     // FAPI 2.0 SP §5.3.2.2-3 (S256 only)
	ResponseTypes           []string // FAPI 2.0 SP §5.3.2.2-2: code only
	ResponseModes           []string
	RequireSenderConstraint bool     // FAPI 2.0 SP §5.3.2.1-5
	SenderConstraints       []string // "mtls", "dpop"
	ClientAuthMethods       []string // FAPI 2.0 SP §5.3.2.1-4
	SigningAlgs             []jose.SignatureAlgorithm
	MaxCodeLifetime         time.Duration // FAPI 2.0 SP §5.3.2.2-7: ≤ 60 s
	RequireSignedRequest    bool          // FAPI 1.0 Adv §5.2.2-1, FAPI 2.0 MS §5.3.1
	AllowRequestByValue     bool          // `request` at /authorize (not under PAR-only profiles)
	MaxRequestObjectLife    time.Duration // FAPI 1.0 Adv §5.2.2-13, FAPI 2.0: exp − nbf ≤ 60 min
	RequestURILifetime      time.Duration // RFC 9126 §2.2: short
	AssertionAudience       AudienceRule
	IssInAuthResponse       bool // RFC 9207, FAPI 2.0 SP §5.3.2.2-8
	MaxAssertionLifetime    time.Duration
	DPoPIATWindow           time.Duration // RFC 9449 §11.1
	// RequireJARM makes every authorization response a JWT (FAPI 2.0 MS §5.4.1).
	RequireJARM bool
	// RequireJARMForCode: response_type code needs a JARM response mode
	// (FAPI 1.0 Adv §5.2.2-2: code id_token, or code with response_mode jwt).
	RequireJARMForCode bool
	// RequireRegisteredJARMAlg refuses JARM for clients that did not register
	// authorization_signed_response_alg (CDR).
	RequireRegisteredJARMAlg bool
	// RefreshLifetimeFromConsent makes refresh tokens expire exactly when
	// their consent does (CDR: at the end of the sharing duration).
	RefreshLifetimeFromConsent bool
	// ACRValues and ClaimsSupported are advertised in discovery when set.
	ACRValues       []string
	ClaimsSupported []string
	// SubjectTypes advertised (default public).
	SubjectTypes []string
	// DynamicScopePrefixes are scope prefixes with a variable part, e.g.
	// "consent:" (Brasil/OPIN); the client registers the prefix without ":".
	DynamicScopePrefixes []string
}

// ProfileFor returns the default rule set of a security profile.
func ProfileFor(name SecurityProfile) (Profile, bool) {
	algs := []jose.SignatureAlgorithm{jose.PS256, jose.ES256}
	base := Profile{
		Name:                    name,
		RequirePKCE:             true,
		ResponseTypes:           []string{"code"},
		ResponseModes:           []string{"query"},
		RequireSenderConstraint: true,
		SenderConstraints:       []string{"mtls", "dpop"},
		ClientAuthMethods:       []string{AuthPrivateKeyJWT, AuthTLSClientAuth, AuthSelfSignedTLSClientAuth},
		SigningAlgs:             algs,
		MaxCodeLifetime:         60 * time.Second,
		MaxRequestObjectLife:    60 * time.Minute,
		RequestURILifetime:      60 * time.Second,
		AssertionAudience:       AudienceIssuerOnly,
		IssInAuthResponse:       true,
		MaxAssertionLifetime:    5 * time.Minute,
		DPoPIATWindow:           60 * time.Second,
	}
	switch name {
	case FAPI2Security:
		base.RequirePAR = true
		base.SigningAlgs = append(algs, jose.EdDSA)
		return base, true
	case FAPI2MessageSigning:
		base.RequirePAR = true
		base.RequireSignedRequest = true
		base.RequireJARM = true
		base.ResponseModes = []string{"jwt", "query.jwt", "fragment.jwt", "form_post.jwt"}
		base.SigningAlgs = append(algs, jose.EdDSA)
		return base, true
	case FAPI1Advanced:
		base.RequireSignedRequest = true
		base.ResponseTypes = []string{"code id_token", "code"}
		// query only as query.jwt: plain code needs JARM, hybrid needs the fragment.
		base.ResponseModes = []string{"fragment", "form_post", "jwt", "query.jwt", "fragment.jwt", "form_post.jwt"}
		base.RequireJARMForCode = true
		base.AllowRequestByValue = true
		base.SenderConstraints = []string{"mtls"}
		base.ClientAuthMethods = []string{AuthPrivateKeyJWT, AuthTLSClientAuth}
		base.AssertionAudience = AudienceIssuerOrEndpoint
		return base, true
	}
	return Profile{}, false
}

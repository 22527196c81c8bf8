package oauth

import (
	"context"
)

// ConsentPort is how the token issuer reaches the consent engine. It is
// called at PAR/authorize (find and check the consent the request refers
// to), at login (show it), at accept (authorise it), at token issuance and
// refresh (is it still authorised? which claims to add) and at revocation.
//
// The four ways a consent meets the flow are named by ConsentBinding: a
// consent created first and referenced by a request-object claim (UK/KSA
// openbanking_intent_id) or by a dynamic scope (Brasil/OPIN consent:<urn>);
// an arrangement created at authorization from request-object claims (CDR
// sharing_duration, cdr_arrangement_id); a consent created at authorization
// from RAR authorization_details (FDX fdx_v1.0).
type ConsentPort interface {
	// Check finds and checks the consent an authorization request refers to
	// (exists, belongs to the client, awaiting authorisation, not expired).
	// It returns nil, nil when the request refers to none.
	Check(ctx context.Context, workspace string, c *Client, req *AuthorizationRequest) (*ConsentRef, error)
	// Authorise records the user's decision at accept.
	Authorise(ctx context.Context, workspace string, c *Client, req *AuthorizationRequest, d ConsentDecision) (*ConsentRef, error)
	// Active reports whether a consent still allows tokens (token and refresh);
	// it returns the claims to add. An error wrapping ErrConsentInactive refuses.
	Active(ctx context.Context, workspace, consentID string) (*ConsentRef, error)
	// TokensRevoked is told when a grant's tokens were revoked by the client.
	TokensRevoked(ctx context.Context, workspace, consentID string) error
}

// ConsentBinding names how a consent travels in the authorization flow.
type ConsentBinding string

// Consent bindings.
const (
	BindingIntentClaim  ConsentBinding = "intent_claim"  // UK/KSA openbanking_intent_id
	BindingDynamicScope ConsentBinding = "dynamic_scope" // Brasil/OPIN consent:<urn>
	BindingArrangement  ConsentBinding = "arrangement"   // CDR sharing_duration / cdr_arrangement_id
	BindingRAR          ConsentBinding = "rar"           // FDX authorization_details fdx_v1.0
)

// ConsentRef is what the issuer needs to know of a consent.
type ConsentRef struct {
	ID        string
	Status    string
	ExpiresAt *int64 // unix seconds; caps refresh-token lifetime
	// Resources are the granted resources (e.g. account ids) once authorised.
	Resources []string
	// Display is shown in the login hand-off (the ecosystem's own payload).
	Display any
	// TokenClaims are added to access tokens and introspection.
	TokenClaims map[string]any
	// ResponseFields are added to token responses (e.g. cdr_arrangement_id).
	ResponseFields map[string]any
	// IDTokenClaims are added to ID tokens (e.g. UK openbanking_intent_id).
	IDTokenClaims map[string]any
	// NoRefresh: issue no refresh token (CDR once-off sharing, sharing_duration 0).
	NoRefresh bool
}

// ConsentDecision is the bank's decision at accept.
type ConsentDecision struct {
	Subject   string
	Resources []string
	Scopes    []string
}

// ErrConsentInactive refuses token issuance for a consent that is no longer authorised.
var ErrConsentInactive = errorString("consent is not authorised")

type errorString string

func (e errorString) Error() string { return string(e) }

// PassThroughConsents serves workspaces without a consent engine (generic):
// no request refers to a consent and every grant stands on its own.
type PassThroughConsents struct{}

// Check implements ConsentPort.
func (PassThroughConsents) Check(context.Context, string, *Client, *AuthorizationRequest) (*ConsentRef, error) {
	return nil, nil
}

// Authorise implements ConsentPort.
func (PassThroughConsents) Authorise(context.Context, string, *Client, *AuthorizationRequest, ConsentDecision) (*ConsentRef, error) {
	return nil, nil
}

// Active implements ConsentPort.
func (PassThroughConsents) Active(context.Context, string, string) (*ConsentRef, error) {
	return nil, nil
}

// TokensRevoked implements ConsentPort.
func (PassThroughConsents) TokensRevoked(context.Context, string, string) error { return nil }

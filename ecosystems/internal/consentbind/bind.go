// Package consentbind implements the token issuer's consent port on top of
// the consent engine, for consents created before authorization and referred
// to by a request-object claim (UK/KSA openbanking_intent_id) or by a dynamic
// scope (Brasil/OPIN consent:<urn>). Ecosystems configure it with data; it
// never tests which ecosystem it serves.
package consentbind

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/server/oauth"
)

// Binding is an oauth.ConsentPort over a consent.Service.
type Binding struct {
	Service *consent.Service
	// How the consent travels: oauth.BindingIntentClaim or oauth.BindingDynamicScope.
	Kind oauth.ConsentBinding
	// IntentClaim is the claim carrying the consent id (openbanking_intent_id).
	IntentClaim string
	// ScopePrefix is the dynamic scope prefix ("consent:").
	ScopePrefix string
	// Required refuses authorization requests that refer to no consent.
	Required bool
	// TokenClaim names the access-token/introspection claim carrying the consent id;
	// "" uses consent_id only.
	TokenClaim string
	// EchoInIDToken returns the consent id in the ID token under IntentClaim
	// (UK: the ID token carries openbanking_intent_id).
	EchoInIDToken bool
	// KindScopes, when set, ties consent kinds to the scopes that may use
	// them: a request for a scope of another kind than its consent's is
	// refused (an account-access consent cannot be used for payments).
	KindScopes map[consent.Kind][]string
}

var _ oauth.ConsentPort = (*Binding)(nil)

// consentID finds the consent id the request refers to.
func (b *Binding) consentID(req *oauth.AuthorizationRequest) (string, error) {
	switch b.Kind {
	case oauth.BindingIntentClaim:
		if req.Claims == nil {
			return "", nil
		}
		if id, ok := req.Claims.EssentialValue(b.IntentClaim); ok {
			return id, nil
		}
		if _, present := req.Claims.IDTokenClaim(b.IntentClaim); present {
			// FAPI 1.0 Adv / UK: the intent id must be requested as an essential claim with a value.
			return "", oauth.InvalidRequest(b.IntentClaim + " must be an essential claim with a value")
		}
	case oauth.BindingDynamicScope:
		var found string
		for _, s := range req.Scopes() {
			if id, ok := strings.CutPrefix(s, b.ScopePrefix); ok && id != "" {
				if found != "" {
					return "", oauth.InvalidScope("only one " + b.ScopePrefix + " scope may be requested")
				}
				found = id
			}
		}
		return found, nil
	}
	return "", nil
}

// Check implements oauth.ConsentPort: the consent exists, belongs to the
// client, awaits authorisation and has not expired.
func (b *Binding) Check(ctx context.Context, ws string, c *oauth.Client, req *oauth.AuthorizationRequest) (*oauth.ConsentRef, error) {
	id, err := b.consentID(req)
	if err != nil {
		return nil, err
	}
	if id == "" {
		if b.Required {
			return nil, oauth.InvalidRequest("the request must refer to a consent")
		}
		return nil, nil
	}
	cs, err := b.Service.Get(ctx, ws, id)
	if errors.Is(err, consent.ErrNotFound) {
		return nil, oauth.InvalidRequest("the consent is unknown")
	}
	if err != nil {
		return nil, err
	}
	if cs.ClientID != c.ID {
		return nil, oauth.InvalidRequest("the consent belongs to another client")
	}
	if cs.Status != consent.StatusAwaitingAuthorisation {
		return nil, oauth.InvalidRequest("the consent is not awaiting authorisation")
	}
	if err := b.checkKindScopes(cs.Kind, req.Scopes()); err != nil {
		return nil, err
	}
	return ref(cs), nil
}

// checkKindScopes refuses a scope that belongs to another consent kind.
func (b *Binding) checkKindScopes(kind consent.Kind, scopes []string) error {
	if b.KindScopes == nil {
		return nil
	}
	for _, s := range scopes {
		for k, ss := range b.KindScopes {
			if k != kind && slices.Contains(ss, s) && !slices.Contains(b.KindScopes[kind], s) {
				return oauth.InvalidScope("scope " + s + " cannot be used with a consent of kind " + string(kind))
			}
		}
	}
	return nil
}

// Authorise implements oauth.ConsentPort.
func (b *Binding) Authorise(ctx context.Context, ws string, c *oauth.Client, req *oauth.AuthorizationRequest, d oauth.ConsentDecision) (*oauth.ConsentRef, error) {
	id, err := b.consentID(req)
	if err != nil || id == "" {
		return nil, err
	}
	cs, err := b.Service.Authorise(ctx, ws, id, consent.Decision{Subject: d.Subject, Resources: d.Resources, Actor: d.Subject})
	if err != nil {
		return nil, mapErr(err)
	}
	r := ref(cs)
	r.TokenClaims = map[string]any{}
	if b.TokenClaim != "" {
		r.TokenClaims[b.TokenClaim] = cs.ID
	}
	if b.EchoInIDToken {
		r.IDTokenClaims = map[string]any{b.IntentClaim: cs.ID}
	}
	return r, nil
}

// Active implements oauth.ConsentPort: tokens only while authorised.
func (b *Binding) Active(ctx context.Context, ws, id string) (*oauth.ConsentRef, error) {
	cs, err := b.Service.Get(ctx, ws, id)
	if errors.Is(err, consent.ErrNotFound) {
		return nil, oauth.ErrConsentInactive
	}
	if err != nil {
		return nil, err
	}
	if cs.Status != consent.StatusAuthorised {
		return nil, oauth.ErrConsentInactive
	}
	r := ref(cs)
	if b.EchoInIDToken {
		r.IDTokenClaims = map[string]any{b.IntentClaim: cs.ID}
	}
	return r, nil
}

// TokensRevoked implements oauth.ConsentPort: revoking a client's tokens does
// not revoke these consents (the consent API does).
func (b *Binding) TokensRevoked(context.Context, string, string) error { return nil }

func ref(cs *consent.Consent) *oauth.ConsentRef {
	r := &oauth.ConsentRef{ID: cs.ID, Status: string(cs.Status), Resources: cs.Resources}
	if cs.ExpiresAt != nil {
		u := cs.ExpiresAt.Unix()
		r.ExpiresAt = &u
	}
	var display any
	if len(cs.Payload) > 0 && json.Unmarshal(cs.Payload, &display) == nil {
		r.Display = display
	}
	return r
}

func mapErr(err error) error {
	var ce *consent.Error
	if errors.As(err, &ce) {
		return oauth.InvalidRequest(ce.Reason)
	}
	if errors.Is(err, consent.ErrNotFound) {
		return oauth.InvalidRequest("the consent is unknown")
	}
	return err
}

package oauth

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// AuthorizationRequest is a syntactically validated authorization request
// (RFC 6749 §4.1.1, OIDC Core §3.1.2.1), from plain parameters or from a
// verified request object (RFC 9101). PAR stores it as JSON (PARRecord.Request);
// /authorize, the login hand-off and the token endpoint read it back.
//
// It says nothing about whether the client may make the request: redirect_uri
// registration, response_type, PKCE and scope policy are checked by the caller
// against the client and the Profile.
type AuthorizationRequest struct {
	ClientID            string `json:"client_id"`
	ResponseType        string `json:"response_type"`
	ResponseMode        string `json:"response_mode,omitempty"`
	RedirectURI         string `json:"redirect_uri"`
	Scope               string `json:"scope,omitempty"`
	State               string `json:"state,omitempty"`
	Nonce               string `json:"nonce,omitempty"`
	CodeChallenge       string `json:"code_challenge,omitempty"`        // RFC 7636 §4.3
	CodeChallengeMethod string `json:"code_challenge_method,omitempty"` // RFC 7636 §4.3

	// OIDC Core §3.1.2.1 optional parameters.
	Prompt        string `json:"prompt,omitempty"`
	MaxAge        *int   `json:"max_age,omitempty"` // nil: absent; 0 is a real value
	ACRValues     string `json:"acr_values,omitempty"`
	UILocales     string `json:"ui_locales,omitempty"`
	ClaimsLocales string `json:"claims_locales,omitempty"`
	Display       string `json:"display,omitempty"`
	LoginHint     string `json:"login_hint,omitempty"`
	IDTokenHint   string `json:"id_token_hint,omitempty"`

	Claims               *ClaimsRequest        `json:"claims,omitempty"`                // OIDC Core §5.5
	AuthorizationDetails []AuthorizationDetail `json:"authorization_details,omitempty"` // RFC 9396 §2
	Resource             []string              `json:"resource,omitempty"`              // RFC 8707 §2
	DPoPJKT              string                `json:"dpop_jkt,omitempty"`              // RFC 9449 §10

	// Extra holds the other claims of a request object, as raw JSON, for the
	// ecosystems that read them. Unknown plain parameters are ignored
	// (RFC 6749 §3.1) and never land here.
	Extra map[string]json.RawMessage `json:"extra,omitempty"`

	// Signed is true when the request came from a verified request object.
	Signed bool `json:"signed"`

	// JTI is the request object's jti, when present; the caller records it
	// as single use (OnceRequestJTI, RFC 9101 §10.8). Not stored.
	JTI string `json:"-"`
	// ExpiresAt is the request object's exp: the single-use jti record may be
	// dropped after it. Zero for plain requests. Not stored.
	ExpiresAt time.Time `json:"-"`
}

// Scopes returns the space-separated scope values (RFC 6749 §3.3).
func (r *AuthorizationRequest) Scopes() []string { return strings.Fields(r.Scope) }

// Authorization request parameter names.
const (
	paramClientID             = "client_id"
	paramResponseType         = "response_type"
	paramResponseMode         = "response_mode"
	paramRedirectURI          = "redirect_uri"
	paramScope                = "scope"
	paramState                = "state"
	paramNonce                = "nonce"
	paramCodeChallenge        = "code_challenge"
	paramCodeChallengeMethod  = "code_challenge_method"
	paramPrompt               = "prompt"
	paramMaxAge               = "max_age"
	paramACRValues            = "acr_values"
	paramUILocales            = "ui_locales"
	paramClaimsLocales        = "claims_locales"
	paramDisplay              = "display"
	paramLoginHint            = "login_hint"
	paramIDTokenHint          = "id_token_hint"
	paramClaims               = "claims"
	paramAuthorizationDetails = "authorization_details"
	paramResource             = "resource"
	paramDPoPJKT              = "dpop_jkt"
	paramRequest              = "request"
	paramRequestURI           = "request_uri"
)

// stringParams are the single-valued string parameters, read into their
// field by stringField for plain parameters and request-object claims alike.
var stringParams = [...]string{
	paramClientID, paramResponseType, paramResponseMode, paramRedirectURI, paramScope,
	paramState, paramNonce, paramCodeChallenge, paramCodeChallengeMethod, paramPrompt,
	paramACRValues, paramUILocales, paramClaimsLocales, paramDisplay, paramLoginHint,
	paramIDTokenHint, paramDPoPJKT,
}

// stringField returns the field of a string parameter, or nil.
func (r *AuthorizationRequest) stringField(name string) *string {
	switch name {
	case paramClientID:
		return &r.ClientID
	case paramResponseType:
		return &r.ResponseType
	case paramResponseMode:
		return &r.ResponseMode
	case paramRedirectURI:
		return &r.RedirectURI
	case paramScope:
		return &r.Scope
	case paramState:
		return &r.State
	case paramNonce:
		return &r.Nonce
	case paramCodeChallenge:
		return &r.CodeChallenge
	case paramCodeChallengeMethod:
		return &r.CodeChallengeMethod
	case paramPrompt:
		return &r.Prompt
	case paramACRValues:
		return &r.ACRValues
	case paramUILocales:
		return &r.UILocales
	case paramClaimsLocales:
		return &r.ClaimsLocales
	case paramDisplay:
		return &r.Display
	case paramLoginHint:
		return &r.LoginHint
	case paramIDTokenHint:
		return &r.IDTokenHint
	case paramDPoPJKT:
		return &r.DPoPJKT
	}
	return nil
}

// singleValued are the other parameters that must appear at most once
// (RFC 6749 §3.1). resource is absent: RFC 8707 §2 allows repeating it.
var singleValued = [...]string{
	paramMaxAge, paramClaims, paramAuthorizationDetails, paramRequest, paramRequestURI,
}

// ParseAuthorizationParams reads plain authorization request parameters
// (RFC 6749 §4.1.1, OIDC Core §3.1.2.1). It checks syntax only:
//   - a parameter sent more than once is invalid_request (RFC 6749 §3.1);
//   - a parameter sent without a value is treated as omitted (RFC 6749 §3.1);
//   - unrecognised parameters are ignored (RFC 6749 §3.1), and request /
//     request_uri are left to the caller;
//   - max_age is a non-negative integer (OIDC Core §3.1.2.1), claims a JSON
//     object (OIDC Core §5.5) and authorization_details a JSON array of
//     objects with a type (RFC 9396 §2, invalid_authorization_details).
func ParseAuthorizationParams(v url.Values) (*AuthorizationRequest, error) {
	for _, name := range stringParams {
		if len(v[name]) > 1 {
			return nil, InvalidRequest("parameter " + name + " is repeated")
		}
	}
	for _, name := range singleValued {
		if len(v[name]) > 1 {
			return nil, InvalidRequest("parameter " + name + " is repeated")
		}
	}
	r := &AuthorizationRequest{}
	for _, name := range stringParams {
		*r.stringField(name) = v.Get(name)
	}
	if s := v.Get(paramMaxAge); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, InvalidRequest("max_age must be a non-negative integer")
		}
		r.MaxAge = &n
	}
	if s := v.Get(paramClaims); s != "" {
		c, err := ParseClaims([]byte(s))
		if err != nil {
			return nil, err
		}
		r.Claims = c
	}
	if s := v.Get(paramAuthorizationDetails); s != "" {
		ds, err := ParseAuthorizationDetails([]byte(s))
		if err != nil {
			return nil, err
		}
		r.AuthorizationDetails = ds
	}
	for _, res := range v[paramResource] {
		if res != "" {
			r.Resource = append(r.Resource, res)
		}
	}
	return r, nil
}

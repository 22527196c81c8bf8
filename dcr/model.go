package dcr

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"time"
)

// Status is the approval state of a dynamically registered client. Only an
// Approved client is issued tokens.
//
// The vocabulary is ours: FDX defines `status` as a free string (its
// examples only show "Approved") and no other ecosystem defines one. The
// transitions are in the table of transitions below.
type Status string

// Client statuses.
const (
	// StatusPending: registered, waiting for offline approval; no tokens.
	StatusPending Status = "Pending"
	// StatusApproved: may obtain tokens.
	StatusApproved Status = "Approved"
	// StatusInactive: suspended by the bank; no tokens, may be re-approved.
	StatusInactive Status = "Inactive"
	// StatusRejected: refused for good; no tokens, final.
	StatusRejected Status = "Rejected"
)

// Statuses lists every status.
func Statuses() []Status {
	return []Status{StatusPending, StatusApproved, StatusInactive, StatusRejected}
}

// transitions is the one table of allowed status changes (from -> to).
//
//	stateDiagram-v2
//	    [*] --> Pending: register (initial_status Pending)
//	    [*] --> Approved: register (initial_status Approved)
//	    Pending --> Approved
//	    Pending --> Rejected
//	    Approved --> Inactive
//	    Approved --> Rejected
//	    Inactive --> Approved
//	    Inactive --> Rejected
//	    Rejected --> [*]
var transitions = map[Status][]Status{
	StatusPending:  {StatusApproved, StatusRejected},
	StatusApproved: {StatusInactive, StatusRejected},
	StatusInactive: {StatusApproved, StatusRejected},
}

// CanTransition reports whether a client may move from one status to
// another. Setting the current status again is always allowed (a no-op).
func CanTransition(from, to Status) bool {
	if from == to {
		return true
	}
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses() {
		if v == s {
			return true
		}
	}
	return false
}

// Client is one dynamically registered client of one workspace.
type Client struct {
	ID        string
	Workspace string
	// SoftwareID is the software_id of the SSA (or of the request when
	// there is no SSA); "" when none was given.
	SoftwareID string
	// UniqueSoftwareID asks the store to refuse a second active
	// registration with the same SoftwareID in the workspace (CDR, Brasil).
	UniqueSoftwareID bool
	Status           Status
	Metadata         Metadata
	// SoftwareStatement is the SSA as received; CDR returns it unmodified.
	SoftwareStatement string
	// RATHash is the SHA-256 (base64url) of the registration access token;
	// "" when the profile issues none. The token itself is never stored.
	RATHash string
	// RATExpiresAt is the token's expiry; nil means it does not expire.
	RATExpiresAt *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Metadata is the registered client metadata: RFC 7591 §2, OpenID Connect
// Dynamic Client Registration §2, RFC 8705 §2.1.2 and §3.4, RFC 9449 §5.2,
// RFC 9126 §6, JARM §3, plus the profile's extension fields (Extra) and the
// SSA's claims copied to the top level where the profile echoes them
// (Echo). Field names are the wire names.
type Metadata struct {
	RedirectURIs                          []string        `json:"redirect_uris,omitempty"`
	TokenEndpointAuthMethod               string          `json:"token_endpoint_auth_method,omitempty"`
	TokenEndpointAuthSigningAlg           string          `json:"token_endpoint_auth_signing_alg,omitempty"`
	GrantTypes                            []string        `json:"grant_types,omitempty"`
	ResponseTypes                         []string        `json:"response_types,omitempty"`
	ClientName                            string          `json:"client_name,omitempty"`
	ClientURI                             string          `json:"client_uri,omitempty"`
	LogoURI                               string          `json:"logo_uri,omitempty"`
	TOSURI                                string          `json:"tos_uri,omitempty"`
	PolicyURI                             string          `json:"policy_uri,omitempty"`
	Contacts                              []string        `json:"contacts,omitempty"`
	Scope                                 string          `json:"scope,omitempty"`
	JWKSURI                               string          `json:"jwks_uri,omitempty"`
	JWKS                                  json.RawMessage `json:"jwks,omitempty"`
	SoftwareID                            string          `json:"software_id,omitempty"`
	SoftwareVersion                       string          `json:"software_version,omitempty"`
	ApplicationType                       string          `json:"application_type,omitempty"`
	SubjectType                           string          `json:"subject_type,omitempty"`
	SectorIdentifierURI                   string          `json:"sector_identifier_uri,omitempty"`
	IDTokenSignedResponseAlg              string          `json:"id_token_signed_response_alg,omitempty"`
	IDTokenEncryptedResponseAlg           string          `json:"id_token_encrypted_response_alg,omitempty"`
	IDTokenEncryptedResponseEnc           string          `json:"id_token_encrypted_response_enc,omitempty"`
	RequestObjectSigningAlg               string          `json:"request_object_signing_alg,omitempty"`
	RequestObjectEncryptionAlg            string          `json:"request_object_encryption_alg,omitempty"`
	RequestObjectEncryptionEnc            string          `json:"request_object_encryption_enc,omitempty"`
	AuthorizationSignedResponseAlg        string          `json:"authorization_signed_response_alg,omitempty"`
	AuthorizationEncryptedResponseAlg     string          `json:"authorization_encrypted_response_alg,omitempty"`
	AuthorizationEncryptedResponseEnc     string          `json:"authorization_encrypted_response_enc,omitempty"`
	IntrospectionEndpointAuthMethod       string          `json:"introspection_endpoint_auth_method,omitempty"`
	RevocationEndpointAuthMethod          string          `json:"revocation_endpoint_auth_method,omitempty"`
	TLSClientAuthSubjectDN                string          `json:"tls_client_auth_subject_dn,omitempty"`
	TLSClientCertificateBoundAccessTokens bool            `json:"tls_client_certificate_bound_access_tokens,omitempty"`
	DPoPBoundAccessTokens                 bool            `json:"dpop_bound_access_tokens,omitempty"`
	RequirePushedAuthorizationRequests    bool            `json:"require_pushed_authorization_requests,omitempty"`
	RequireSignedRequestObject            bool            `json:"require_signed_request_object,omitempty"`

	// Extra holds the profile's extension fields (Profile.ExtraFields), as received.
	Extra map[string]json.RawMessage `json:"-"`
	// Echo holds the SSA claims the profile copies to the top level of the
	// response (Profile.SSA.Echo), as in the SSA.
	Echo map[string]json.RawMessage `json:"-"`
}

// metadataAlias has Metadata's fields without its methods.
type metadataAlias Metadata

// MarshalJSON writes the standard fields, then Echo and Extra members that
// do not collide with them (the standard fields win).
func (m Metadata) MarshalJSON() ([]byte, error) {
	std, err := json.Marshal(metadataAlias(m))
	if err != nil {
		return nil, err
	}
	if len(m.Extra) == 0 && len(m.Echo) == 0 {
		return std, nil
	}
	out := map[string]json.RawMessage{}
	for _, src := range []map[string]json.RawMessage{m.Extra, m.Echo} {
		for k, v := range src {
			out[k] = v
		}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(std, &fields); err != nil {
		return nil, err
	}
	for k, v := range fields {
		out[k] = v
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the standard fields and keeps every other member in
// Extra; the Registrar keeps only the profile's extension fields.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	var a metadataAlias
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	for _, k := range standardFields() {
		delete(all, k)
	}
	a.Extra, a.Echo = nil, nil
	if len(all) > 0 {
		a.Extra = all
	}
	*m = Metadata(a)
	return nil
}

// standardFields are the wire names of Metadata's typed fields.
var standardFields = sync.OnceValue(func() []string {
	t := reflect.TypeFor[metadataAlias]()
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
})

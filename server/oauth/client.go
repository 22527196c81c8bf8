package oauth

import (
	"context"
	"errors"
	"slices"

	"github.com/go-jose/go-jose/v4"
)

// Client authentication methods (RFC 7591 §2, RFC 8705 §2).
const (
	AuthPrivateKeyJWT           = "private_key_jwt"
	AuthTLSClientAuth           = "tls_client_auth"
	AuthSelfSignedTLSClientAuth = "self_signed_tls_client_auth"
	AuthNone                    = "none"
)

// Grant types.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// ClientStatus is the approval state of a client. Only Approved clients get tokens.
type ClientStatus string

// Client statuses.
const (
	ClientApproved ClientStatus = "Approved"
	ClientPending  ClientStatus = "Pending"
	ClientRejected ClientStatus = "Rejected"
)

// Client is a registered OAuth client of one workspace (RFC 7591 §2 metadata
// plus RFC 8705, RFC 9449 and OIDC Registration fields).
type Client struct {
	ID        string
	Workspace string
	Name      string
	LogoURI   string
	Status    ClientStatus

	RedirectURIs  []string
	GrantTypes    []string
	ResponseTypes []string
	// Scopes the client may request; empty means any scope the workspace serves.
	Scopes []string

	TokenEndpointAuthMethod     string
	TokenEndpointAuthSigningAlg string

	// JWKS holds the client's keys by value; JWKSURI names them by reference.
	JWKS    *jose.JSONWebKeySet
	JWKSURI string

	// RFC 8705 §2.1.2 tls_client_auth metadata: exactly one is used.
	TLSClientAuthSubjectDN string
	TLSClientAuthSANDNS    string
	TLSClientAuthSANURI    string
	TLSClientAuthSANIP     string
	TLSClientAuthSANEmail  string

	TLSClientCertificateBoundAccessTokens bool // RFC 8705 §3.4
	DPoPBoundAccessTokens                 bool // RFC 9449 §5.2
	RequirePushedAuthorizationRequests    bool // RFC 9126 §6

	RequestObjectSigningAlg  string
	IDTokenSignedResponseAlg string

	// OIDC Registration §2 / JARM §3 / RFC 9701 §6 encryption and signing choices.
	IDTokenEncryptedResponseAlg       string
	IDTokenEncryptedResponseEnc       string
	AuthorizationSignedResponseAlg    string
	AuthorizationEncryptedResponseAlg string
	AuthorizationEncryptedResponseEnc string
	IntrospectionSignedResponseAlg    string
	IntrospectionEncryptedResponseAlg string
	IntrospectionEncryptedResponseEnc string
	// IntrospectionScopes limits the scope a resource server sees in
	// introspection responses to what it serves; empty means all.
	IntrospectionScopes []string

	// System clients call the workspace's system APIs (manage_logins, ...).
	System bool

	// Metadata keeps every registered field, including ecosystem extensions.
	Metadata map[string]any
}

// AllowsGrant reports whether the client registered the grant type.
func (c *Client) AllowsGrant(g string) bool { return slices.Contains(c.GrantTypes, g) }

// AllowsRedirectURI reports whether uri is registered, compared exactly
// (RFC 9700 §2.1, FAPI 2.0 SP §5.3.2.2).
func (c *Client) AllowsRedirectURI(uri string) bool { return slices.Contains(c.RedirectURIs, uri) }

// ErrClientNotFound is returned by a ClientSource for an unknown client id.
var ErrClientNotFound = errors.New("client not found")

// ClientSource finds clients of a workspace.
type ClientSource interface {
	// Client returns the client with that id in the workspace, or
	// ErrClientNotFound. It must be safe for concurrent use.
	Client(ctx context.Context, workspace, id string) (*Client, error)
}

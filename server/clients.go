package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
)

// staticClients serves the clients configured in the file.
type staticClients map[string]*oauth.Client // key: workspace + "/" + client id

var _ oauth.ClientSource = staticClients(nil)

func (s staticClients) Client(_ context.Context, workspace, id string) (*oauth.Client, error) {
	if c, ok := s[workspace+"/"+id]; ok {
		return c, nil
	}
	return nil, oauth.ErrClientNotFound
}

// buildClient turns configuration into an oauth.Client, reading its JWKS file
// once at start.
func buildClient(ws string, cc ClientConfig) (*oauth.Client, error) {
	c := &oauth.Client{
		ID: cc.ClientID, Workspace: ws, Name: cc.Name, LogoURI: cc.LogoURI,
		Status:                                oauth.ClientApproved,
		RedirectURIs:                          cc.RedirectURIs,
		GrantTypes:                            cc.GrantTypes,
		Scopes:                                strings.Fields(cc.Scope),
		TokenEndpointAuthMethod:               cc.TokenEndpointAuthMethod,
		TokenEndpointAuthSigningAlg:           cc.TokenEndpointAuthSigningAlg,
		JWKSURI:                               cc.JWKSURI,
		TLSClientAuthSubjectDN:                cc.TLSClientAuthSubjectDN,
		TLSClientAuthSANDNS:                   cc.TLSClientAuthSANDNS,
		TLSClientCertificateBoundAccessTokens: cc.TLSClientCertificateBoundAccessTokens,
		DPoPBoundAccessTokens:                 cc.DPoPBoundAccessTokens,
		RequestObjectSigningAlg:               cc.RequestObjectSigningAlg,
		IDTokenSignedResponseAlg:              cc.IDTokenSignedResponseAlg,
		IDTokenEncryptedResponseAlg:           cc.IDTokenEncryptedResponseAlg,
		IDTokenEncryptedResponseEnc:           cc.IDTokenEncryptedResponseEnc,
		AuthorizationSignedResponseAlg:        cc.AuthorizationSignedResponseAlg,
		AuthorizationEncryptedResponseAlg:     cc.AuthorizationEncryptedResponseAlg,
		AuthorizationEncryptedResponseEnc:     cc.AuthorizationEncryptedResponseEnc,
		IntrospectionSignedResponseAlg:        cc.IntrospectionSignedResponseAlg,
		IntrospectionEncryptedResponseAlg:     cc.IntrospectionEncryptedResponseAlg,
		IntrospectionEncryptedResponseEnc:     cc.IntrospectionEncryptedResponseEnc,
		IntrospectionScopes:                   cc.IntrospectionScopes,
		System:                                cc.System,
	}
	if len(cc.Metadata) > 0 {
		c.Metadata = cc.Metadata
	}
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken}
	}
	if cc.JWKSFile != "" {
		b, err := os.ReadFile(cc.JWKSFile)
		if err != nil {
			return nil, fmt.Errorf("client %s: jwks_file: %w", cc.ClientID, err)
		}
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(b, &set); err != nil {
			return nil, fmt.Errorf("client %s: jwks_file: %w", cc.ClientID, err)
		}
		for _, k := range set.Keys {
			if !k.IsPublic() {
				return nil, fmt.Errorf("client %s: jwks_file holds a private key; publish public keys only", cc.ClientID)
			}
		}
		c.JWKS = &set
	}
	return c, nil
}

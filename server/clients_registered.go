package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/server/oauth"
)

// registeredClientTTL is how long a dynamically registered client read
// from the store is reused. Within one instance every update, deletion or
// status change made through it takes effect at once (the entry is
// forgotten). Another instance sharing the database may keep using its
// copy for up to this long: a client deleted, suspended or rejected there
// can still authenticate here for at most 10 seconds (its existing tokens
// are revoked in the database at once, so they stop working everywhere
// immediately).
const registeredClientTTL = 10 * time.Second

// maxCachedClients bounds the cache; when full it is emptied.
const maxCachedClients = 10000

// clientSource serves a workspace's static clients (configuration) and,
// when registration is enabled, its dynamically registered clients (the
// store) behind a short TTL cache. Static clients win on an id clash.
// Unknown ids are not cached: registration ids are random, so nobody asks
// for one before it exists. Safe for concurrent use.
type clientSource struct {
	static staticClients
	store  dcr.ClientStore
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cachedClient // workspace + "/" + id
}

type cachedClient struct {
	c       *oauth.Client
	expires time.Time
}

var _ oauth.ClientSource = (*clientSource)(nil)

func newClientSource(static staticClients, st dcr.ClientStore, now func() time.Time) *clientSource {
	return &clientSource{static: static, store: st, now: now, cache: map[string]cachedClient{}}
}

// Client implements oauth.ClientSource.
func (s *clientSource) Client(ctx context.Context, workspace, id string) (*oauth.Client, error) {
	if c, err := s.static.Client(ctx, workspace, id); err == nil {
		return c, nil
	}
	key := workspace + "/" + id
	now := s.now()
	s.mu.Lock()
	e, ok := s.cache[key]
	s.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.c, nil
	}
	rc, err := s.store.Client(ctx, workspace, id)
	if errors.Is(err, dcr.ErrNotFound) {
		return nil, oauth.ErrClientNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("registered client: %w", err)
	}
	c, err := toOAuthClient(rc)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.cache) >= maxCachedClients {
		clear(s.cache)
	}
	s.cache[key] = cachedClient{c: c, expires: now.Add(registeredClientTTL)}
	s.mu.Unlock()
	return c, nil
}

// Forget drops a client from the cache after a change made here.
func (s *clientSource) Forget(workspace, id string) {
	s.mu.Lock()
	delete(s.cache, workspace+"/"+id)
	s.mu.Unlock()
}

// toOAuthClient maps a registered client to the issuer's view of it.
func toOAuthClient(rc *dcr.Client) (*oauth.Client, error) {
	m := rc.Metadata
	c := &oauth.Client{
		ID: rc.ID, Workspace: rc.Workspace, Name: m.ClientName, LogoURI: m.LogoURI,
		Status:                                oauth.ClientStatus(rc.Status),
		RedirectURIs:                          m.RedirectURIs,
		GrantTypes:                            m.GrantTypes,
		ResponseTypes:                         m.ResponseTypes,
		Scopes:                                strings.Fields(m.Scope),
		TokenEndpointAuthMethod:               m.TokenEndpointAuthMethod,
		TokenEndpointAuthSigningAlg:           m.TokenEndpointAuthSigningAlg,
		JWKSURI:                               m.JWKSURI,
		TLSClientAuthSubjectDN:                m.TLSClientAuthSubjectDN,
		TLSClientCertificateBoundAccessTokens: m.TLSClientCertificateBoundAccessTokens,
		DPoPBoundAccessTokens:                 m.DPoPBoundAccessTokens,
		RequirePushedAuthorizationRequests:    m.RequirePushedAuthorizationRequests,
		RequestObjectSigningAlg:               m.RequestObjectSigningAlg,
		IDTokenSignedResponseAlg:              m.IDTokenSignedResponseAlg,
		IDTokenEncryptedResponseAlg:           m.IDTokenEncryptedResponseAlg,
		IDTokenEncryptedResponseEnc:           m.IDTokenEncryptedResponseEnc,
		AuthorizationSignedResponseAlg:        m.AuthorizationSignedResponseAlg,
		AuthorizationEncryptedResponseAlg:     m.AuthorizationEncryptedResponseAlg,
		AuthorizationEncryptedResponseEnc:     m.AuthorizationEncryptedResponseEnc,
	}
	if len(c.Scopes) == 0 {
		// Never "any scope": a registered client without scope gets none.
		c.Scopes = []string{""}
	}
	if len(m.JWKS) > 0 {
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(m.JWKS, &set); err != nil {
			return nil, fmt.Errorf("registered client %s: jwks: %w", rc.ID, err)
		}
		c.JWKS = &set
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("registered client %s: %w", rc.ID, err)
	}
	if err := json.Unmarshal(b, &c.Metadata); err != nil {
		return nil, fmt.Errorf("registered client %s: %w", rc.ID, err)
	}
	return c, nil
}

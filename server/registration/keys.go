package registration

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/server/oauth"
)

// Issuer is a trusted signer of software statements or initial access
// tokens: its keys by value (read from a file at start) or at a URL.
type Issuer struct {
	Issuer  string
	JWKS    *jose.JSONWebKeySet
	JWKSURL string
}

// Keys implements dcr.KeySource: trusted issuers' keys from configuration
// (by value, or fetched from their URL) and software JWKS fetched from the
// URL the SSA names. Fetched documents are cached by the JWKS cache (TTL,
// size limit, timeout, refetch on an unknown kid at most every
// MinRefreshInterval, https only). Safe for concurrent use.
type Keys struct {
	issuers map[string]Issuer
	cache   *oauth.JWKSCache
}

var _ dcr.KeySource = (*Keys)(nil)

// NewKeys returns the key source of one workspace.
func NewKeys(issuers []Issuer, cache *oauth.JWKSCache) *Keys {
	k := &Keys{issuers: make(map[string]Issuer, len(issuers)), cache: cache}
	for _, i := range issuers {
		k.issuers[i.Issuer] = i
	}
	return k
}

// IssuerKeys implements dcr.KeySource.
func (k *Keys) IssuerKeys(ctx context.Context, _, iss, kid string) ([]jose.JSONWebKey, error) {
	i, ok := k.issuers[iss]
	if !ok || iss == "" {
		return nil, dcr.ErrUnknownIssuer
	}
	if i.JWKS != nil {
		if kid == "" {
			return i.JWKS.Keys, nil
		}
		if ks := i.JWKS.Key(kid); len(ks) > 0 {
			return ks, nil
		}
		return nil, dcr.ErrKeyNotFound
	}
	return k.remote(ctx, i.JWKSURL, kid)
}

// SoftwareKeys implements dcr.KeySource.
func (k *Keys) SoftwareKeys(ctx context.Context, jwksURI, kid string) ([]jose.JSONWebKey, error) {
	return k.remote(ctx, jwksURI, kid)
}

func (k *Keys) remote(ctx context.Context, uri, kid string) ([]jose.JSONWebKey, error) {
	c := &oauth.Client{JWKSURI: uri}
	if kid == "" {
		set, err := k.cache.Keys(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("registration: jwks %s: %w", uri, err)
		}
		return set.Keys, nil
	}
	ks, err := k.cache.KeyByID(ctx, c, kid)
	if errors.Is(err, oauth.ErrJWKSKeyNotFound) {
		return nil, fmt.Errorf("registration: jwks %s: %w", uri, dcr.ErrKeyNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("registration: jwks %s: %w", uri, err)
	}
	return ks, nil
}

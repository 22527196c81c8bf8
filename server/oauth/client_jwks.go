package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
)

// JWKSCache defaults.
const (
	DefaultJWKSTTL                = 5 * time.Minute
	DefaultJWKSMaxBytes           = 64 << 10
	DefaultJWKSTimeout            = 5 * time.Second
	DefaultJWKSMinRefreshInterval = 10 * time.Second
	maxJWKSRedirects              = 3
)

// JWKS cache errors. They are internal causes: callers turn them into
// invalid_client and never show them to the client.
var (
	// ErrNoClientKeys: the client registered neither jwks nor jwks_uri.
	ErrNoClientKeys = errors.New("oauth: client has no jwks or jwks_uri")
	// ErrJWKSKeyNotFound: no key with that kid, even after a refresh.
	ErrJWKSKeyNotFound = errors.New("oauth: no client key with that kid")
	// ErrJWKSFetch: the jwks_uri could not be fetched or parsed.
	ErrJWKSFetch = errors.New("oauth: fetching jwks_uri failed")
)

// JWKSCacheOptions tunes a JWKSCache. Zero values take the defaults.
type JWKSCacheOptions struct {
	// TTL is how long a fetched document is used before it is fetched again.
	TTL time.Duration
	// MaxBytes bounds the response body; larger documents are rejected.
	MaxBytes int64
	// Timeout bounds one fetch, redirects included.
	Timeout time.Duration
	// MinRefreshInterval is the least time between two fetches of one URI,
	// successful or not, so that assertions with unknown kids (or a failing
	// URI) cannot make us hammer the client's server.
	MinRefreshInterval time.Duration
	// AllowHTTP permits http jwks_uri values. Tests only: OIDC Registration
	// §2 and FAPI require https.
	AllowHTTP bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// JWKSCache returns clients' public keys: the registered jwks by value, or
// the jwks_uri document fetched, parsed once and cached per URI (OIDC
// Registration §2 jwks_uri; RFC 7591 §2). It is safe for concurrent use;
// concurrent fetches of one URI are collapsed into one.
type JWKSCache struct {
	hc    *http.Client
	opts  JWKSCacheOptions
	group singleflight.Group

	mu      sync.Mutex
	entries map[string]*jwksEntry
}

type jwksEntry struct {
	keys      *jose.JSONWebKeySet // last good document; nil if none yet
	fetchedAt time.Time           // time of the last good fetch
	attempted time.Time           // time of the last fetch attempt
	err       error               // error of the last attempt, nil if it succeeded
}

// NewJWKSCache returns a cache fetching with hc (http.DefaultClient if nil).
// The client is copied so that redirects can be restricted to https.
func NewJWKSCache(hc *http.Client, opts JWKSCacheOptions) *JWKSCache {
	if hc == nil {
		hc = http.DefaultClient
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultJWKSTTL
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultJWKSMaxBytes
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultJWKSTimeout
	}
	if opts.MinRefreshInterval <= 0 {
		opts.MinRefreshInterval = DefaultJWKSMinRefreshInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &JWKSCache{opts: opts, entries: map[string]*jwksEntry{}}
	cp := *hc
	cp.CheckRedirect = c.checkRedirect
	c.hc = &cp
	return c
}

// Keys returns the client's keys: c.JWKS when registered by value, else the
// cached jwks_uri document, fetched when absent or older than the TTL.
func (k *JWKSCache) Keys(ctx context.Context, c *Client) (*jose.JSONWebKeySet, error) {
	return k.keys(ctx, c, false)
}

// KeyByID returns the client's keys with that kid. On an unknown kid it
// refetches jwks_uri once, at most every MinRefreshInterval, so that a client
// that rotated its keys is accepted without waiting for the TTL.
func (k *JWKSCache) KeyByID(ctx context.Context, c *Client, kid string) ([]jose.JSONWebKey, error) {
	set, err := k.keys(ctx, c, false)
	if err != nil {
		return nil, err
	}
	if found := set.Key(kid); len(found) > 0 {
		return found, nil
	}
	if c.JWKS != nil {
		return nil, ErrJWKSKeyNotFound
	}
	if set, err = k.keys(ctx, c, true); err != nil {
		return nil, err
	}
	if found := set.Key(kid); len(found) > 0 {
		return found, nil
	}
	return nil, ErrJWKSKeyNotFound
}

// keys returns the client's keys; force asks for a fetch even within the TTL
// (still at most one per MinRefreshInterval).
func (k *JWKSCache) keys(ctx context.Context, c *Client, force bool) (*jose.JSONWebKeySet, error) {
	if c.JWKS != nil {
		return c.JWKS, nil
	}
	uri := c.JWKSURI
	if uri == "" {
		return nil, ErrNoClientKeys
	}
	now := k.opts.Now()
	k.mu.Lock()
	e := k.entries[uri]
	if e != nil {
		fresh := e.keys != nil && now.Sub(e.fetchedAt) < k.opts.TTL
		throttled := now.Sub(e.attempted) < k.opts.MinRefreshInterval
		switch {
		case fresh && !force, throttled && e.keys != nil:
			keys := e.keys
			k.mu.Unlock()
			return keys, nil
		case throttled:
			err := e.err
			k.mu.Unlock()
			return nil, err
		}
	}
	k.mu.Unlock()

	ch := k.group.DoChan(uri, func() (any, error) { return k.refresh(ctx, uri) })
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*jose.JSONWebKeySet), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrJWKSFetch, ctx.Err())
	}
}

// refresh fetches uri and records the outcome. On failure the previous good
// document, if any, is kept and returned: a client's server being briefly down
// must not lock it out.
func (k *JWKSCache) refresh(ctx context.Context, uri string) (*jose.JSONWebKeySet, error) {
	// A fetch that completed just before this call was scheduled counts:
	// MinRefreshInterval holds however callers interleave.
	k.mu.Lock()
	if e := k.entries[uri]; e != nil && k.opts.Now().Sub(e.attempted) < k.opts.MinRefreshInterval {
		keys, err := e.keys, e.err
		k.mu.Unlock()
		if keys != nil {
			return keys, nil
		}
		return nil, err
	}
	k.mu.Unlock()

	// The fetch is shared by every waiter: one caller giving up must not
	// cancel it for the others.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), k.opts.Timeout)
	defer cancel()
	keys, err := k.fetch(fctx, uri)

	now := k.opts.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	e := k.entries[uri]
	if e == nil {
		e = &jwksEntry{}
		k.entries[uri] = e
	}
	e.attempted = now
	e.err = err
	if err != nil {
		if e.keys != nil {
			return e.keys, nil
		}
		return nil, err
	}
	e.keys, e.fetchedAt = keys, now
	return keys, nil
}

// fetch GETs a JWKS document: https only, status 200, at most MaxBytes.
func (k *JWKSCache) fetch(ctx context.Context, uri string) (*jose.JSONWebKeySet, error) {
	if err := k.checkScheme(uri); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKSFetch, err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := k.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKSFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: status %d", ErrJWKSFetch, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, k.opts.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKSFetch, err)
	}
	if int64(len(body)) > k.opts.MaxBytes {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrJWKSFetch, k.opts.MaxBytes)
	}
	return parseJWKS(body)
}

// parseJWKS parses a JWKS document (RFC 7517 §5). Keys that go-jose cannot
// parse (unknown kty or curve) are skipped rather than failing the whole
// set, as RFC 7517 §5 asks; only public parts are kept, so a client that
// mistakenly publishes private or symmetric keys never has them used.
func parseJWKS(body []byte) (*jose.JSONWebKeySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKSFetch, err)
	}
	set := &jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(doc.Keys))}
	for _, raw := range doc.Keys {
		var key jose.JSONWebKey
		if err := key.UnmarshalJSON(raw); err != nil {
			continue
		}
		pub := key.Public()
		if !pub.Valid() {
			continue
		}
		set.Keys = append(set.Keys, pub)
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("%w: no usable keys", ErrJWKSFetch)
	}
	return set, nil
}

func (k *JWKSCache) checkScheme(uri string) error {
	u, err := url.Parse(uri)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrJWKSFetch, err)
	}
	if u.Scheme == "https" || (u.Scheme == "http" && k.opts.AllowHTTP) {
		return nil
	}
	return fmt.Errorf("%w: jwks_uri scheme %q not allowed", ErrJWKSFetch, u.Scheme)
}

// checkRedirect keeps redirects on https and bounds their number.
func (k *JWKSCache) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxJWKSRedirects {
		return fmt.Errorf("%w: too many redirects", ErrJWKSFetch)
	}
	return k.checkScheme(req.URL.String())
}

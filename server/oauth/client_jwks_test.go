package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
)

// caJWKSServer serves a JWKS document that tests may change, counting fetches.
type caJWKSServer struct {
	*httptest.Server
	fetches atomic.Int64
	mu      sync.Mutex
	body    []byte
	status  int
	delay   time.Duration
}

func newCAJWKSServer(t testing.TB, tls bool, keys ...jose.JSONWebKey) *caJWKSServer {
	s := &caJWKSServer{status: http.StatusOK}
	s.setKeys(t, keys...)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		body, status, delay := s.body, s.status, s.delay
		s.mu.Unlock()
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *caJWKSServer) setKeys(t testing.TB, keys ...jose.JSONWebKey) {
	s.setBody(caJSON(t, jose.JSONWebKeySet{Keys: keys}), http.StatusOK)
}

func (s *caJWKSServer) setBody(body []byte, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.status = body, status
}

// caClock is a settable clock for the cache.
type caClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *caClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *caClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func caURIClient(uri string) *oauth.Client {
	c := caPKJWTClient()
	c.JWKS, c.JWKSURI = nil, uri
	return c
}

func (s *caJWKSServer) wantFetches(t *testing.T, want int64) {
	t.Helper()
	if got := s.fetches.Load(); got != want {
		t.Errorf("fetches = %d, want %d", got, want)
	}
}

// TestJWKSFetchRefreshUnknownKid: an unknown kid triggers one refetch, but
// never more often than MinRefreshInterval.
func TestJWKSFetchRefreshUnknownKid(t *testing.T) {
	k := caKeys()
	srv := newCAJWKSServer(t, true, caJWK(k.rsa, "rsa-1"))
	clock := &caClock{t: caNow}
	cache := oauth.NewJWKSCache(srv.Client(), oauth.JWKSCacheOptions{Now: clock.Now})
	c := caURIClient(srv.URL + "/jwks")
	verify := func(kid string) error {
		s := caSign(t, jose.ES256, k.ec, kid, caClaims(), nil)
		_, err := oauth.VerifyClientAssertion(context.Background(), s, c, cache, caCheck(t))
		return err
	}

	if err := verify("ec-1"); err == nil {
		t.Fatal("verify with a kid absent from the JWKS succeeded")
	} else {
		caWantErr(t, err, oauth.CodeInvalidClient, "no client key matches the client_assertion kid")
	}
	srv.wantFetches(t, 1) // first fetch; the refresh is throttled by the fetch just made

	srv.setKeys(t, caJWK(k.rsa, "rsa-1"), caJWK(k.ec, "ec-1")) // the client rotates
	clock.Add(5 * time.Second)
	if err := verify("ec-1"); err == nil {
		t.Fatal("verify within MinRefreshInterval succeeded: the cache refetched")
	}
	srv.wantFetches(t, 1)

	clock.Add(6 * time.Second) // past the 10 s MinRefreshInterval, within the TTL
	if err := verify("ec-1"); err != nil {
		t.Fatalf("verify after rotation: %v", err)
	}
	srv.wantFetches(t, 2)

	clock.Add(time.Second)
	for range 5 { // an attacker sending unknown kids
		if err := verify("nope"); err == nil {
			t.Fatal("verify with unknown kid succeeded")
		}
	}
	if err := verify("ec-1"); err != nil {
		t.Fatalf("verify with a cached kid: %v", err)
	}
	srv.wantFetches(t, 2)

	clock.Add(oauth.DefaultJWKSTTL) // the TTL expires: one fetch
	if _, err := cache.Keys(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Keys(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	srv.wantFetches(t, 3)
}

func TestJWKSFetchConcurrent(t *testing.T) {
	srv := newCAJWKSServer(t, true, caJWK(caKeys().ec, "ec-1"))
	srv.delay = 50 * time.Millisecond
	cache := oauth.NewJWKSCache(srv.Client(), oauth.JWKSCacheOptions{})
	c := caURIClient(srv.URL)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			if _, err := cache.KeyByID(context.Background(), c, "ec-1"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("KeyByID: %v", err)
	}
	srv.wantFetches(t, 1)
}

func TestJWKSFetchByValue(t *testing.T) {
	c := caPKJWTClient()
	c.JWKSURI = "https://unused.invalid/jwks"
	got, err := oauth.NewJWKSCache(nil, oauth.JWKSCacheOptions{}).Keys(context.Background(), c)
	if err != nil || got != c.JWKS {
		t.Errorf("Keys = %p, %v; want the registered jwks", got, err)
	}
	c.JWKS, c.JWKSURI = nil, ""
	if _, err := oauth.NewJWKSCache(nil, oauth.JWKSCacheOptions{}).Keys(context.Background(), c); !errors.Is(err, oauth.ErrNoClientKeys) {
		t.Errorf("Keys without keys: err = %v, want ErrNoClientKeys", err)
	}
}

func TestJWKSFetchFailures(t *testing.T) {
	k := caKeys()
	good := caJSON(t, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{caJWK(k.ec, "ec-1")}})
	big := append([]byte(`{"keys":[],"pad":"`), []byte(strings.Repeat("x", 2048))...)
	big = append(big, '"', '}')
	plain := newCAJWKSServer(t, false, caJWK(k.ec, "ec-1"))

	tests := []struct {
		name       string
		giveBody   []byte
		giveStatus int
		giveHTTP   bool // serve over plain http
		giveOpts   oauth.JWKSCacheOptions
		giveURL    func(tlsURL string) string
		wantOK     bool
	}{
		{name: "ok", giveBody: good, giveStatus: http.StatusOK, wantOK: true},
		{name: "too large", giveBody: big, giveStatus: http.StatusOK, giveOpts: oauth.JWKSCacheOptions{MaxBytes: 1024}},
		{name: "404", giveBody: good, giveStatus: http.StatusNotFound},
		{name: "500", giveBody: good, giveStatus: http.StatusInternalServerError},
		{name: "201", giveBody: good, giveStatus: http.StatusCreated},
		{name: "not JSON", giveBody: []byte("<html>"), giveStatus: http.StatusOK},
		{name: "only a symmetric key", giveBody: []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]}`), giveStatus: http.StatusOK},
		{name: "unknown key type skipped", giveStatus: http.StatusOK, wantOK: true,
			giveBody: []byte(`{"keys":[{"kty":"XYZ","kid":"odd"},` + strings.TrimPrefix(string(good), `{"keys":[`))},
		{name: "http refused", giveHTTP: true},
		{name: "http allowed for tests", giveHTTP: true, giveOpts: oauth.JWKSCacheOptions{AllowHTTP: true}, wantOK: true},
		{name: "redirect to http refused", giveBody: good, giveStatus: http.StatusOK,
			giveURL: func(string) string { return "redirect" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newCAJWKSServer(t, true)
			srv.setBody(tt.giveBody, tt.giveStatus)
			uri, hc := srv.URL+"/jwks", srv.Client()
			if tt.giveHTTP {
				uri, hc = plain.URL+"/jwks", plain.Client()
			}
			if tt.giveURL != nil {
				redir := httptest.NewTLSServer(http.RedirectHandler(plain.URL+"/jwks", http.StatusFound))
				t.Cleanup(redir.Close)
				uri, hc = redir.URL, redir.Client()
			}
			cache := oauth.NewJWKSCache(hc, tt.giveOpts)
			c := caURIClient(uri)
			_, err := cache.Keys(context.Background(), c)
			s := caSign(t, jose.ES256, k.ec, "ec-1", caClaims(), nil)
			_, verr := oauth.VerifyClientAssertion(context.Background(), s, c, cache, caCheck(t))
			if tt.wantOK {
				if err != nil || verr != nil {
					t.Fatalf("Keys: %v; VerifyClientAssertion: %v", err, verr)
				}
				return
			}
			if !errors.Is(err, oauth.ErrJWKSFetch) {
				t.Errorf("Keys: err = %v, want ErrJWKSFetch", err)
			}
			caWantErr(t, verr, oauth.CodeInvalidClient, "client keys could not be obtained")
		})
	}
}

// TestJWKSFetchStaleOnError: a failing refresh keeps the last good keys, and
// failures are throttled too.
func TestJWKSFetchStaleOnError(t *testing.T) {
	srv := newCAJWKSServer(t, true, caJWK(caKeys().ec, "ec-1"))
	clock := &caClock{t: caNow}
	cache := oauth.NewJWKSCache(srv.Client(), oauth.JWKSCacheOptions{Now: clock.Now})
	c := caURIClient(srv.URL)
	if _, err := cache.KeyByID(context.Background(), c, "ec-1"); err != nil {
		t.Fatal(err)
	}
	srv.setBody([]byte("oops"), http.StatusInternalServerError)
	clock.Add(oauth.DefaultJWKSTTL + time.Second)
	for range 3 {
		if _, err := cache.KeyByID(context.Background(), c, "ec-1"); err != nil {
			t.Fatalf("KeyByID with a failing jwks_uri and cached keys: %v", err)
		}
	}
	srv.wantFetches(t, 2)

	// No good copy: the error is remembered for MinRefreshInterval.
	fresh := oauth.NewJWKSCache(srv.Client(), oauth.JWKSCacheOptions{Now: clock.Now})
	for range 3 {
		if _, err := fresh.Keys(context.Background(), c); !errors.Is(err, oauth.ErrJWKSFetch) {
			t.Fatalf("Keys: err = %v, want ErrJWKSFetch", err)
		}
	}
	srv.wantFetches(t, 3)
}

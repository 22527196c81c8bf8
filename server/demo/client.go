package demo

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// systemClient calls the workspace's system API the way the bank's login
// app would over the network: a client_credentials token obtained with
// private_key_jwt and sender-constrained (DPoP, else mTLS), presented on each
// call. Requests are served in-process by the server's own handler. Safe for
// concurrent use.
type systemClient struct {
	o      Options
	base   *url.URL             // scheme and host of the issuer
	signer jose.Signer          // client assertions (RFC 7523 §2.2)
	dpop   jose.Signer          // DPoP proofs (RFC 9449 §4.2); nil in mTLS mode
	tls    *tls.ConnectionState // mTLS mode: the certificate "presented" in-process

	// mu guards the cached token and is held while one is obtained, so
	// concurrent pages wait for one token request instead of racing.
	mu     sync.Mutex
	token  string
	scheme string
	exp    time.Time

	nonceMu sync.Mutex
	nonce   string // last DPoP-Nonce (RFC 9449 §8)
}

func newSystemClient(o Options) (*systemClient, error) {
	base, err := url.Parse(o.Issuer)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("demo: issuer %q is not an absolute URL", o.Issuer)
	}
	alg := jose.SignatureAlgorithm(o.Key.Algorithm)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: o.Key},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("demo: client key: %w", err)
	}
	s := &systemClient{o: o, base: base, signer: signer}
	// Keys for the sender constraint are made at start and live in memory:
	// a restart simply obtains a new token.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if o.DPoP {
		s.dpop, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
			(&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
		return s, err
	}
	cert, err := selfSigned(key, o.Now())
	if err != nil {
		return nil, err
	}
	s.tls = &tls.ConnectionState{HandshakeComplete: true, Version: tls.VersionTLS13, PeerCertificates: []*x509.Certificate{cert}}
	return s, nil
}

// selfSigned makes the certificate the token is bound to in mTLS mode (RFC
// 8705 §3: only its thumbprint matters, nobody validates its chain, because
// the client authenticates with private_key_jwt).
func selfSigned(key *ecdsa.PrivateKey, now time.Time) (*x509.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "openconsent demo login app"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// apiResponse is what the in-process handler wrote.
type apiResponse struct {
	status int
	header http.Header
	body   []byte
}

// call sends a JSON request to path (under the workspace root) and returns
// the response. It retries once with a fresh DPoP nonce, and once with a
// fresh token when the cached one is refused.
func (s *systemClient) call(ctx context.Context, method, path string, in any) (*apiResponse, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, err
		}
	}
	for attempt := 0; ; attempt++ {
		tok, scheme, err := s.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		h := http.Header{"Authorization": {scheme + " " + tok}}
		if body != nil {
			h.Set("Content-Type", "application/json")
		}
		res, err := s.send(ctx, method, path, h, body, tok)
		if err != nil || res.status != http.StatusUnauthorized || attempt > 0 {
			return res, err
		}
		if !s.takeNonce(res) {
			s.dropToken(tok)
		}
	}
}

// accessToken returns the cached token, or obtains one (RFC 6749 §4.4) when
// it is missing or about to expire.
func (s *systemClient) accessToken(ctx context.Context) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && s.o.Now().Before(s.exp) {
		return s.token, s.scheme, nil
	}
	var res *apiResponse
	for attempt := 0; attempt < 2; attempt++ {
		a, err := s.assertion()
		if err != nil {
			return "", "", err
		}
		form := url.Values{
			"grant_type": {"client_credentials"}, "scope": {"manage_logins"}, "client_id": {s.o.ClientID},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a},
		}
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if res, err = s.send(ctx, http.MethodPost, "/token", h, []byte(form.Encode()), ""); err != nil {
			return "", "", err
		}
		if res.status != http.StatusBadRequest || !s.takeNonce(res) {
			break
		}
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if res.status != http.StatusOK || json.Unmarshal(res.body, &tr) != nil || tr.AccessToken == "" {
		return "", "", fmt.Errorf("demo: token endpoint answered %d: %s", res.status, oauthError(res.body))
	}
	life := time.Duration(tr.ExpiresIn) * time.Second
	// Renew shortly before expiry so a token never expires mid-call.
	s.token, s.scheme, s.exp = tr.AccessToken, tr.TokenType, s.o.Now().Add(life-min(30*time.Second, life/2))
	return s.token, s.scheme, nil
}

func (s *systemClient) dropToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == tok {
		s.token = ""
	}
}

// takeNonce keeps the server's DPoP nonce from a use_dpop_nonce answer and
// reports whether the request is worth retrying with it.
func (s *systemClient) takeNonce(res *apiResponse) bool {
	n := res.header.Get("DPoP-Nonce")
	if s.dpop == nil || n == "" {
		return false
	}
	s.nonceMu.Lock()
	defer s.nonceMu.Unlock()
	s.nonce = n
	return true
}

// send builds the request as it would arrive from the network and
// serves it with the server's handler. The context keeps the browser
// request's cancellation but none of its values (its client certificate,
// its request ids), so the call is judged on its own credentials.
func (s *systemClient) send(ctx context.Context, method, path string, h http.Header, body []byte, tok string) (*apiResponse, error) {
	u := &url.URL{Scheme: s.base.Scheme, Host: s.base.Host, Path: "/" + s.o.Workspace + path}
	req, err := http.NewRequestWithContext(detached{ctx}, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = h
	req.RemoteAddr = "127.0.0.1:0"
	if s.dpop != nil {
		proof, err := s.proof(method, s.o.Issuer+path, tok)
		if err != nil {
			return nil, err
		}
		req.Header.Set("DPoP", proof)
	} else {
		req.TLS = s.tls
	}
	rec := &recorder{header: http.Header{}}
	s.o.Handler.ServeHTTP(rec, req)
	return &apiResponse{status: rec.statusCode(), header: rec.header, body: rec.body.Bytes()}, nil
}

// assertion is a private_key_jwt client assertion (RFC 7523 §3) whose aud
// is the issuer alone (FAPI 2.0 SP §5.3.2.1 note).
func (s *systemClient) assertion() (string, error) {
	now := s.o.Now()
	return sign(s.signer, map[string]any{
		"iss": s.o.ClientID, "sub": s.o.ClientID, "aud": s.o.Issuer, "jti": randomString(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	})
}

// proof is a DPoP proof (RFC 9449 §4.2) for method and htu; ath binds it to
// the access token on resource requests (RFC 9449 §7).
func (s *systemClient) proof(method, htu, tok string) (string, error) {
	c := map[string]any{"jti": randomString(), "htm": method, "htu": htu, "iat": s.o.Now().Unix()}
	if tok != "" {
		sum := sha256.Sum256([]byte(tok))
		c["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	s.nonceMu.Lock()
	if s.nonce != "" {
		c["nonce"] = s.nonce
	}
	s.nonceMu.Unlock()
	return sign(s.dpop, c)
}

func sign(signer jose.Signer, claims map[string]any) (string, error) {
	b, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(b)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func randomString() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oauthError extracts a safe, short reason from an RFC 6749 error body.
func oauthError(body []byte) string {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		return "unexpected response"
	}
	return strings.TrimSpace(e.Error + " " + e.Description)
}

// detached keeps a parent's cancellation and deadline, not its values.
type detached struct{ context.Context }

func (detached) Value(any) any { return nil }

// recorder is the in-process http.ResponseWriter.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

func (r *recorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// errNotConfigured is shown when the workspace has no demo system client.
var errNotConfigured = errors.New("demo_system_client is not configured for this workspace")

package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// signer signs compact JWS with one key; the go-jose signer is built once.
type signer struct {
	alg jose.SignatureAlgorithm
	s   jose.Signer
}

// loadKey reads a PKCS#8 PEM private key or a private JWKS (first key).
func loadKey(path, kid string) (any, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	if blk, _ := pem.Decode(b); blk != nil {
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", path, err)
		}
		return k, kid, nil
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil || len(set.Keys) == 0 {
		return nil, "", fmt.Errorf("%s: neither a PEM key nor a JWKS", path)
	}
	k := set.Keys[0]
	if kid == "" {
		kid = k.KeyID
	}
	return k.Key, kid, nil
}

func algFor(key any) (jose.SignatureAlgorithm, error) {
	switch key.(type) {
	case *ecdsa.PrivateKey:
		return jose.ES256, nil
	case *rsa.PrivateKey:
		return jose.PS256, nil
	}
	return "", fmt.Errorf("unsupported key type %T (want EC P-256 or RSA)", key)
}

// newSigner returns a signer putting kid (or, for DPoP, the public jwk) and
// typ in the protected header.
func newSigner(key any, kid, typ string, embedJWK bool) (*signer, error) {
	alg, err := algFor(key)
	if err != nil {
		return nil, err
	}
	opts := &jose.SignerOptions{EmbedJWK: embedJWK}
	if !embedJWK && kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		return nil, err
	}
	return &signer{alg: alg, s: s}, nil
}

func (s *signer) sign(claims any) (string, error) {
	b, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := s.s.Sign(b)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// builder prepares the raw HTTP/1.1 requests of one workload.
type builder struct {
	cfg       *config
	assertion *signer // nil: no private_key_jwt
	dpop      *signer // nil: no DPoP
	host      string  // Host header
	path      string
	htu       string
	seq       int
	prefix    string // random per run: jti values never repeat across runs
}

func newBuilder(cfg *config) (*builder, error) {
	b := &builder{cfg: cfg, host: cfg.target.Host, path: cfg.target.EscapedPath(), prefix: randomString(6)}
	if b.path == "" {
		b.path = "/"
	}
	u := *cfg.target
	u.RawQuery, u.Fragment = "", ""
	b.htu = u.String()
	if cfg.workload == "token" || cfg.introspectAuth == "pkjwt" {
		key, kid, err := loadKey(cfg.keyFile, cfg.kid)
		if err != nil {
			return nil, err
		}
		if b.assertion, err = newSigner(key, kid, "", false); err != nil {
			return nil, err
		}
	}
	if cfg.dpopAlg != "" {
		key, err := generateKey(cfg.dpopAlg)
		if err != nil {
			return nil, err
		}
		if b.dpop, err = newSigner(key, "", "dpop+jwt", true); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func generateKey(alg string) (crypto.Signer, error) {
	switch alg {
	case "ES256":
		return ecdsaP256()
	case "PS256":
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return nil, fmt.Errorf("-dpop %q: want ES256 or PS256", alg)
}

// static reports whether every request is the same (introspection with
// tls_client_auth): then one prepared request is reused.
func (b *builder) static() bool { return b.assertion == nil && b.dpop == nil }

// build returns n prepared requests.
func (b *builder) build(n int) ([][]byte, error) {
	if b.static() {
		r, err := b.one(time.Now())
		if err != nil {
			return nil, err
		}
		out := make([][]byte, n)
		for i := range out {
			out[i] = r
		}
		return out, nil
	}
	out := make([][]byte, 0, n)
	for range n {
		r, err := b.one(time.Now())
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// one builds one request.
func (b *builder) one(now time.Time) ([]byte, error) {
	b.seq++
	form := url.Values{}
	switch b.cfg.workload {
	case "token":
		form.Set("grant_type", "client_credentials")
		if b.cfg.scope != "" {
			form.Set("scope", b.cfg.scope)
		}
	case "introspect":
		form.Set("token", b.cfg.token)
	}
	form.Set("client_id", b.cfg.clientID)
	if b.cfg.form != "" {
		extra, err := url.ParseQuery(b.cfg.form)
		if err != nil {
			return nil, fmt.Errorf("-form: %w", err)
		}
		for k, vs := range extra {
			form[k] = vs
		}
	}
	if b.assertion != nil {
		a, err := b.assertion.sign(map[string]any{
			"iss": b.cfg.clientID, "sub": b.cfg.clientID, "aud": b.cfg.aud,
			"jti": b.prefix + "-a" + strconv.Itoa(b.seq), "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
		})
		if err != nil {
			return nil, err
		}
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", a)
	}
	body := form.Encode()
	var sb strings.Builder
	sb.Grow(len(body) + 1024)
	sb.WriteString("POST " + b.path + " HTTP/1.1\r\nHost: " + b.host + "\r\n")
	sb.WriteString("Content-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n")
	sb.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	if b.dpop != nil {
		p, err := b.dpop.sign(map[string]any{
			"jti": b.prefix + "-d" + strconv.Itoa(b.seq), "htm": "POST", "htu": b.htu, "iat": now.Unix(),
		})
		if err != nil {
			return nil, err
		}
		sb.WriteString("DPoP: " + p + "\r\n")
	}
	sb.WriteString("\r\n")
	sb.WriteString(body)
	return []byte(sb.String()), nil
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var errNoRequests = errors.New("no requests prepared")

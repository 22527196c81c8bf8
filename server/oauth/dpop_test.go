package oauth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
)

const (
	testHTU         = "https://as.example.com/token"
	testAccessToken = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
)

var dpopNow = time.Unix(1_700_000_000, 0)

// proofSpec is a DPoP proof under construction; tests edit it, then sign it.
type proofSpec struct {
	alg     jose.SignatureAlgorithm
	key     any // signing key
	headers map[jose.HeaderKey]any
	claims  map[string]any
	payload []byte  // replaces claims when set
	raw     *string // replaces the whole proof when set
}

func (p *proofSpec) setRaw(s string) { p.raw = &s }

func newProofSpec(alg jose.SignatureAlgorithm, key crypto.Signer) *proofSpec {
	return &proofSpec{
		alg: alg,
		key: key,
		headers: map[jose.HeaderKey]any{
			jose.HeaderType: "dpop+jwt",
			"jwk":           &jose.JSONWebKey{Key: key.Public()},
		},
		claims: map[string]any{"jti": "e1j3V_bKic8-LAEB", "htm": http.MethodPost, "htu": testHTU, "iat": dpopNow.Unix()},
	}
}

func (p *proofSpec) sign(t testing.TB) string {
	t.Helper()
	if p.raw != nil {
		return *p.raw
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: p.alg, Key: p.key}, &jose.SignerOptions{ExtraHeaders: p.headers})
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	payload := p.payload
	if payload == nil {
		payload = mustJSON(t, p.claims)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatalf("CompactSerialize: %v", err)
	}
	return out
}

// unsigned hand-crafts an alg none proof: go-jose cannot produce one.
func (p *proofSpec) unsigned(t testing.TB) string {
	hdr := map[string]any{"typ": "dpop+jwt", "alg": "none", "jwk": p.headers["jwk"]}
	enc := base64.RawURLEncoding.EncodeToString
	return enc(mustJSON(t, hdr)) + "." + enc(mustJSON(t, p.claims)) + "."
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return b
}

func ath(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func dpopRequest(method string, proofs ...string) *http.Request {
	r := httptest.NewRequest(method, "https://as.example.com/token?x=1", nil)
	for _, p := range proofs {
		r.Header.Add("DPoP", p)
	}
	return r
}

type testKeys struct {
	ec, ec2 *ecdsa.PrivateKey
	rsa     *rsa.PrivateKey
	rsa1024 *rsa.PrivateKey
	ed      ed25519.PrivateKey
}

// newTestKeys returns keys generated once per test binary: RSA generation is
// slow and the CPU is shared.
func newTestKeys(t testing.TB) testKeys {
	t.Helper()
	k, err := sharedTestKeys()
	if err != nil {
		t.Fatalf("generating keys: %v", err)
	}
	return k
}

var sharedTestKeys = sync.OnceValues(func() (testKeys, error) {
	var k testKeys
	var err error
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return k, err
	}
	if k.ec2, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return k, err
	}
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return k, err
	}
	if k.rsa1024, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
		return k, err
	}
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	return k, err
})

// wantDPoPError asserts err is an *oauth.Error with exactly that code and description.
func wantDPoPError(t *testing.T, err error, wantCode, wantDesc string) *oauth.Error {
	t.Helper()
	var oe *oauth.Error
	if !errors.As(err, &oe) {
		t.Fatalf("Verify() error = %v, want *oauth.Error %s", err, wantCode)
	}
	if oe.Code != wantCode || oe.Description != wantDesc {
		t.Fatalf("Verify() error = %q / %q, want %q / %q", oe.Code, oe.Description, wantCode, wantDesc)
	}
	return oe
}

func TestDPoPVerify(t *testing.T) {
	k := newTestKeys(t)
	es256 := func() *proofSpec { return newProofSpec(jose.ES256, k.ec) }
	edit := func(p *proofSpec, f func(p *proofSpec)) *proofSpec { f(p); return p }
	claim := func(name string, v any) *proofSpec {
		return edit(es256(), func(p *proofSpec) {
			if v == nil {
				delete(p.claims, name)
			} else {
				p.claims[name] = v
			}
		})
	}
	jwe := func() string {
		enc, err := jose.NewEncrypter(jose.A128GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: make([]byte, 16)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := enc.Encrypt([]byte(`{"jti":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		s, err := obj.CompactSerialize()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const bad = oauth.CodeInvalidDPoPProof
	tests := []struct {
		name         string
		giveVerifier *oauth.DPoPVerifier // nil: ES256, PS256, EdDSA
		giveProof    *proofSpec
		giveMethod   string // "" is POST
		giveToken    string
		wantKey      crypto.Signer // on success: the proof key
		wantCode     string
		wantDesc     string
	}{
		{name: "valid ES256", giveProof: es256(), wantKey: k.ec},
		{name: "valid PS256", giveProof: newProofSpec(jose.PS256, k.rsa), wantKey: k.rsa},
		{name: "valid EdDSA", giveProof: newProofSpec(jose.EdDSA, k.ed), wantKey: k.ed},
		{name: "valid with ath", giveProof: claim("ath", ath(testAccessToken)), giveToken: testAccessToken, wantKey: k.ec},
		{name: "valid GET", giveProof: claim("htm", "GET"), giveMethod: "GET", wantKey: k.ec},
		{name: "iat at the past edge", giveProof: claim("iat", dpopNow.Add(-60*time.Second).Unix()), wantKey: k.ec},
		{name: "iat at the future edge", giveProof: claim("iat", dpopNow.Add(60*time.Second).Unix()), wantKey: k.ec},
		{name: "iat with fraction", giveProof: claim("iat", float64(dpopNow.Unix())+0.5), wantKey: k.ec},
		{name: "ath ignored without token", giveProof: claim("ath", "whatever"), wantKey: k.ec},

		// RFC 9449 §4.3 item 2: a well-formed JWS.
		{name: "garbage", giveProof: edit(es256(), func(p *proofSpec) { p.setRaw("not-a-jwt") }),
			wantCode: bad, wantDesc: "DPoP proof is not a well-formed compact JWS"},
		{name: "empty value", giveProof: edit(es256(), func(p *proofSpec) { p.setRaw("") }),
			wantCode: bad, wantDesc: "DPoP proof is not a well-formed compact JWS"},
		{name: "JWE", giveProof: edit(es256(), func(p *proofSpec) { p.setRaw(jwe()) }),
			wantCode: bad, wantDesc: "DPoP proof is a JWE, not a signed JWT"},
		{name: "JWS JSON serialization", giveProof: edit(es256(), func(p *proofSpec) { p.setRaw(`{"payload":"e30","signatures":[]}`) }),
			wantCode: bad, wantDesc: "DPoP proof is not a well-formed compact JWS"},
		{name: "too large", giveProof: claim("pad", strings.Repeat("a", 9000)),
			wantCode: bad, wantDesc: "DPoP proof is too large"},
		{name: "claims not an object", giveProof: edit(es256(), func(p *proofSpec) { p.payload = []byte(`["jti"]`) }),
			wantCode: bad, wantDesc: "DPoP proof claims are malformed"},
		{name: "iat not a number", giveProof: claim("iat", "yesterday"),
			wantCode: bad, wantDesc: "DPoP proof claims are malformed"},

		// Item 4: typ.
		{name: "wrong typ", giveProof: edit(es256(), func(p *proofSpec) { p.headers[jose.HeaderType] = "JWT" }),
			wantCode: bad, wantDesc: "DPoP proof typ header must be dpop+jwt"},
		{name: "typ case differs", giveProof: edit(es256(), func(p *proofSpec) { p.headers[jose.HeaderType] = "DPoP+JWT" }),
			wantCode: bad, wantDesc: "DPoP proof typ header must be dpop+jwt"},
		{name: "no typ", giveProof: edit(es256(), func(p *proofSpec) { delete(p.headers, jose.HeaderType) }),
			wantCode: bad, wantDesc: "DPoP proof typ header must be dpop+jwt"},

		// Item 5: alg.
		{name: "alg none", giveProof: edit(es256(), func(p *proofSpec) { p.setRaw(p.unsigned(t)) }),
			wantCode: bad, wantDesc: "DPoP proof must be signed; alg none is not allowed"},
		{name: "HS256 keyed with the public jwk", giveProof: edit(es256(), func(p *proofSpec) {
			p.alg, p.key = jose.HS256, []byte(strings.Repeat("k", 32))
		}), wantCode: bad, wantDesc: "DPoP proof alg is not an allowed asymmetric algorithm"},
		{name: "HS256 even if configured",
			giveVerifier: &oauth.DPoPVerifier{Algs: []jose.SignatureAlgorithm{jose.HS256, jose.ES256}},
			giveProof: edit(es256(), func(p *proofSpec) {
				p.alg, p.key = jose.HS256, []byte(strings.Repeat("k", 32))
			}), wantCode: bad, wantDesc: "DPoP proof alg is not an allowed asymmetric algorithm"},
		{name: "alg not in Algs", giveVerifier: &oauth.DPoPVerifier{Algs: []jose.SignatureAlgorithm{jose.ES256}},
			giveProof: newProofSpec(jose.PS256, k.rsa),
			wantCode:  bad, wantDesc: "DPoP proof alg is not an allowed asymmetric algorithm"},

		// Items 6 and 7: jwk and signature.
		{name: "no jwk", giveProof: edit(es256(), func(p *proofSpec) { delete(p.headers, "jwk") }),
			wantCode: bad, wantDesc: "DPoP proof has no jwk header"},
		{name: "private key in jwk", giveProof: edit(es256(), func(p *proofSpec) { p.headers["jwk"] = &jose.JSONWebKey{Key: k.ec} }),
			wantCode: bad, wantDesc: "DPoP proof jwk header must be a public key"},
		{name: "symmetric jwk", giveProof: edit(es256(), func(p *proofSpec) { p.headers["jwk"] = &jose.JSONWebKey{Key: []byte("0123456789abcdef")} }),
			wantCode: bad, wantDesc: "DPoP proof jwk header must be a public key"},
		{name: "jwk of another key", giveProof: edit(es256(), func(p *proofSpec) { p.headers["jwk"] = &jose.JSONWebKey{Key: k.ec2.Public()} }),
			wantCode: bad, wantDesc: "DPoP proof signature does not verify with its jwk"},
		{name: "tampered payload", giveProof: edit(es256(), func(p *proofSpec) {
			parts := strings.Split(p.sign(t), ".")
			parts[1] = base64.RawURLEncoding.EncodeToString(mustJSON(t, map[string]any{
				"jti": "other", "htm": "POST", "htu": testHTU, "iat": dpopNow.Unix(),
			}))
			p.setRaw(strings.Join(parts, "."))
		}), wantCode: bad, wantDesc: "DPoP proof signature does not verify with its jwk"},
		{name: "RSA key under 2048 bits", giveProof: newProofSpec(jose.PS256, k.rsa1024),
			wantCode: bad, wantDesc: "DPoP proof RSA key is shorter than 2048 bits"},

		// Item 3: required claims.
		{name: "no jti", giveProof: claim("jti", nil), wantCode: bad, wantDesc: "DPoP proof has no jti claim"},
		{name: "jti too long", giveProof: claim("jti", strings.Repeat("j", 257)), wantCode: bad, wantDesc: "DPoP proof jti claim is too long"},
		{name: "no htm", giveProof: claim("htm", nil), wantCode: bad, wantDesc: "DPoP proof has no htm claim"},
		{name: "no htu", giveProof: claim("htu", nil), wantCode: bad, wantDesc: "DPoP proof has no htu claim"},
		{name: "no iat", giveProof: claim("iat", nil), wantCode: bad, wantDesc: "DPoP proof has no iat claim"},

		// Item 8: htm.
		{name: "htm differs", giveProof: claim("htm", "GET"), wantCode: bad, wantDesc: "DPoP proof htm does not match the request method"},
		{name: "htm case differs", giveProof: claim("htm", "post"), wantCode: bad, wantDesc: "DPoP proof htm does not match the request method"},

		// Item 11: iat window, past and future.
		{name: "iat too old", giveProof: claim("iat", dpopNow.Add(-61*time.Second).Unix()),
			wantCode: bad, wantDesc: "DPoP proof iat is outside the accepted window"},
		{name: "iat too far in the future", giveProof: claim("iat", dpopNow.Add(61*time.Second).Unix()),
			wantCode: bad, wantDesc: "DPoP proof iat is outside the accepted window"},
		{name: "iat outside a custom window", giveVerifier: &oauth.DPoPVerifier{IATWindow: 10 * time.Second},
			giveProof: claim("iat", dpopNow.Add(-11*time.Second).Unix()),
			wantCode:  bad, wantDesc: "DPoP proof iat is outside the accepted window"},

		// Item 12: ath with an access token.
		{name: "ath missing", giveProof: es256(), giveToken: testAccessToken,
			wantCode: bad, wantDesc: "DPoP proof has no ath claim"},
		{name: "ath of another token", giveProof: claim("ath", ath("another-token")), giveToken: testAccessToken,
			wantCode: bad, wantDesc: "DPoP proof ath does not match the access token"},
		{name: "ath padded", giveProof: claim("ath", ath(testAccessToken)+"="), giveToken: testAccessToken,
			wantCode: bad, wantDesc: "DPoP proof ath does not match the access token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.giveVerifier
			if v == nil {
				v = &oauth.DPoPVerifier{Algs: []jose.SignatureAlgorithm{jose.ES256, jose.PS256, jose.EdDSA}}
			}
			method := tt.giveMethod
			if method == "" {
				method = http.MethodPost
			}
			got, err := v.Verify(dpopRequest(method, tt.giveProof.sign(t)), testHTU, tt.giveToken, dpopNow)
			if tt.wantCode != "" {
				wantDPoPError(t, err, tt.wantCode, tt.wantDesc)
				if got != nil {
					t.Errorf("Verify() proof = %+v, want nil", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify() error = %v, want nil", err)
			}
			wantJKT, err := oauth.DPoPThumbprint(&jose.JSONWebKey{Key: tt.wantKey.Public()})
			if err != nil {
				t.Fatal(err)
			}
			if got.JKT != wantJKT {
				t.Errorf("proof.JKT = %q, want %q", got.JKT, wantJKT)
			}
			if got.JTI != tt.giveProof.claims["jti"] {
				t.Errorf("proof.JTI = %q, want %q", got.JTI, tt.giveProof.claims["jti"])
			}
			if got.IssuedAt.IsZero() {
				t.Errorf("proof.IssuedAt is zero")
			}
		})
	}
}

// TestDPoPVerifyHTU covers RFC 9449 §4.3 item 9 with RFC 3986 §6.2.2 and
// §6.2.3 normalisation; the endpoint is testHTU.
func TestDPoPVerifyHTU(t *testing.T) {
	k := newTestKeys(t)
	tests := []struct {
		name    string
		giveHTU string
		wantOK  bool
	}{
		{name: "exact", giveHTU: testHTU, wantOK: true},
		{name: "query and fragment ignored", giveHTU: testHTU + "?a=b#frag", wantOK: true},
		{name: "host and scheme case", giveHTU: "HTTPS://AS.Example.COM/token", wantOK: true},
		{name: "default port", giveHTU: "https://as.example.com:443/token", wantOK: true},
		{name: "unreserved percent-encoding", giveHTU: "https://as.example.com/%74oken", wantOK: true},
		{name: "dot segments", giveHTU: "https://as.example.com/a/../token", wantOK: true},
		{name: "other path", giveHTU: "https://as.example.com/par", wantOK: false},
		{name: "path case", giveHTU: "https://as.example.com/Token", wantOK: false},
		{name: "trailing slash", giveHTU: "https://as.example.com/token/", wantOK: false},
		{name: "other host", giveHTU: "https://rs.example.com/token", wantOK: false},
		{name: "other scheme", giveHTU: "http://as.example.com/token", wantOK: false},
		{name: "other port", giveHTU: "https://as.example.com:8443/token", wantOK: false},
		{name: "userinfo", giveHTU: "https://user@as.example.com/token", wantOK: false},
		{name: "relative", giveHTU: "/token", wantOK: false},
		{name: "not a URI", giveHTU: "https://as.example.com/%zz", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProofSpec(jose.ES256, k.ec)
			p.claims["htu"] = tt.giveHTU
			v := &oauth.DPoPVerifier{}
			_, err := v.Verify(dpopRequest(http.MethodPost, p.sign(t)), testHTU, "", dpopNow)
			if tt.wantOK {
				if err != nil {
					t.Fatalf("Verify() error = %v, want nil", err)
				}
				return
			}
			wantDPoPError(t, err, oauth.CodeInvalidDPoPProof, "DPoP proof htu does not match the request URI")
		})
	}
}

func TestDPoPVerifyEndpointHTU(t *testing.T) {
	k := newTestKeys(t)
	p := newProofSpec(jose.ES256, k.ec)
	p.claims["htu"] = "https://as.example.com/token"
	// The endpoint URI given by the caller is normalised too.
	if _, err := (&oauth.DPoPVerifier{}).Verify(dpopRequest("POST", p.sign(t)), "https://AS.example.com:443/token", "", dpopNow); err != nil {
		t.Fatalf("Verify() error = %v, want nil", err)
	}
	// A bad endpoint URI is a wiring error, not the client's.
	for _, give := range []string{"token", "ftp://as.example.com/token", "https:///token"} {
		_, err := (&oauth.DPoPVerifier{}).Verify(dpopRequest("POST", p.sign(t)), give, "", dpopNow)
		if oe := oauth.AsError(err); oe.Code != oauth.CodeServerError {
			t.Errorf("Verify(endpoint %q) code = %q, want %q", give, oe.Code, oauth.CodeServerError)
		}
	}
}

// TestDPoPVerifyHeaderCount covers RFC 9449 §4.3 item 1.
func TestDPoPVerifyHeaderCount(t *testing.T) {
	k := newTestKeys(t)
	proof := newProofSpec(jose.ES256, k.ec).sign(t)
	v := &oauth.DPoPVerifier{}

	got, err := v.Verify(dpopRequest(http.MethodPost), testHTU, "", dpopNow)
	if got != nil || err != nil {
		t.Fatalf("Verify(no header) = %v, %v, want nil, nil", got, err)
	}
	if got, err = v.Verify(dpopRequest(http.MethodPost, proof), testHTU, "", dpopNow); err != nil || got == nil {
		t.Fatalf("Verify(one header) = %v, %v, want a proof", got, err)
	}
	got, err = v.Verify(dpopRequest(http.MethodPost, proof, proof), testHTU, "", dpopNow)
	wantDPoPError(t, err, oauth.CodeInvalidDPoPProof, "more than one DPoP header")
	if got != nil {
		t.Errorf("Verify(two headers) proof = %+v, want nil", got)
	}
}

// TestDPoPVerifyNonce covers RFC 9449 §4.3 item 10 and §8.
func TestDPoPVerifyNonce(t *testing.T) {
	k := newTestKeys(t)
	const period = time.Minute
	nonces := mustNonces(t, []byte(strings.Repeat("s", 32)), period)
	other := mustNonces(t, []byte(strings.Repeat("o", 32)), period)
	tests := []struct {
		name      string
		giveNonce string // "" omits the claim
		giveHTM   string // "" is POST
		wantCode  string
		wantDesc  string
	}{
		{name: "current nonce", giveNonce: nonces.Issue(dpopNow)},
		{name: "previous-bucket nonce", giveNonce: nonces.Issue(dpopNow.Add(-period))},
		{name: "missing nonce", wantCode: oauth.CodeUseDPoPNonce, wantDesc: "DPoP proof must carry a server-provided nonce"},
		{name: "stale nonce", giveNonce: nonces.Issue(dpopNow.Add(-2 * period)),
			wantCode: oauth.CodeUseDPoPNonce, wantDesc: "DPoP proof nonce is invalid or expired"},
		{name: "future nonce", giveNonce: nonces.Issue(dpopNow.Add(period)),
			wantCode: oauth.CodeUseDPoPNonce, wantDesc: "DPoP proof nonce is invalid or expired"},
		{name: "nonce of another secret", giveNonce: other.Issue(dpopNow),
			wantCode: oauth.CodeUseDPoPNonce, wantDesc: "DPoP proof nonce is invalid or expired"},
		{name: "garbage nonce", giveNonce: "abc",
			wantCode: oauth.CodeUseDPoPNonce, wantDesc: "DPoP proof nonce is invalid or expired"},
		// Other errors come first: the client then has only the nonce left to fix.
		{name: "invalid proof without nonce", giveHTM: "GET",
			wantCode: oauth.CodeInvalidDPoPProof, wantDesc: "DPoP proof htm does not match the request method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProofSpec(jose.ES256, k.ec)
			if tt.giveNonce != "" {
				p.claims["nonce"] = tt.giveNonce
			}
			if tt.giveHTM != "" {
				p.claims["htm"] = tt.giveHTM
			}
			v := &oauth.DPoPVerifier{Nonces: nonces}
			got, err := v.Verify(dpopRequest(http.MethodPost, p.sign(t)), testHTU, "", dpopNow)
			if tt.wantCode == "" {
				if err != nil || got == nil {
					t.Fatalf("Verify() = %v, %v, want a proof", got, err)
				}
				return
			}
			oe := wantDPoPError(t, err, tt.wantCode, tt.wantDesc)
			if tt.wantCode != oauth.CodeUseDPoPNonce {
				return
			}
			if oe.HTTPStatus() != http.StatusBadRequest {
				t.Errorf("HTTPStatus() = %d, want 400", oe.HTTPStatus())
			}
			fresh := oe.Header.Values("DPoP-Nonce")
			if len(fresh) != 1 || fresh[0] != nonces.Issue(dpopNow) || !nonces.Valid(fresh[0], dpopNow) {
				t.Errorf("DPoP-Nonce header = %q, want [%q]", fresh, nonces.Issue(dpopNow))
			}
		})
	}
}

func TestDPoPProofOnce(t *testing.T) {
	k := newTestKeys(t)
	v := &oauth.DPoPVerifier{IATWindow: 30 * time.Second}
	verify := func(key crypto.Signer, jti string) *oauth.DPoPProof {
		t.Helper()
		p := newProofSpec(jose.ES256, key)
		p.claims["jti"] = jti
		p.claims["iat"] = dpopNow.Add(-5 * time.Second).Unix()
		got, err := v.Verify(dpopRequest(http.MethodPost, p.sign(t)), testHTU, "", dpopNow)
		if err != nil {
			t.Fatalf("Verify() error = %v", err)
		}
		return got
	}
	long := strings.Repeat("j", 256)
	once := verify(k.ec, long).Once()
	if once.Kind != oauth.OnceDPoPJTI {
		t.Errorf("Once().Kind = %q, want %q", once.Kind, oauth.OnceDPoPJTI)
	}
	if len(once.Value) != 12+43 {
		t.Errorf("len(Once().Value) = %d, want 55 (time prefix and hash)", len(once.Value))
	}
	if want := fmt.Sprintf("%011d|", dpopNow.Add(-5*time.Second).Unix()); !strings.HasPrefix(once.Value, want) {
		t.Errorf("Once().Value = %q, want the prefix %q (iat: time-ordered index inserts)", once.Value, want)
	}
	if want := dpopNow.Add(25 * time.Second); !once.ExpiresAt.Equal(want) {
		t.Errorf("Once().ExpiresAt = %v, want %v (iat + window)", once.ExpiresAt, want)
	}
	if again := verify(k.ec, long).Once(); again.Value != once.Value || !again.ExpiresAt.Equal(once.ExpiresAt) {
		t.Errorf("Once() of a replayed proof = %+v, want %+v", again, once)
	}
	if o := verify(k.ec, "other").Once(); o.Value == once.Value {
		t.Errorf("Once().Value equal for different jti")
	}
	if o := verify(k.ec2, long).Once(); o.Value == once.Value {
		t.Errorf("Once().Value equal for different keys")
	}
}

// TestDPoPThumbprint uses the RFC 7638 §3.1 example key.
func TestDPoPThumbprint(t *testing.T) {
	const rfc7638Key = `{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`
	var jwk jose.JSONWebKey
	if err := json.Unmarshal([]byte(rfc7638Key), &jwk); err != nil {
		t.Fatal(err)
	}
	got, err := oauth.DPoPThumbprint(&jwk)
	if err != nil {
		t.Fatalf("DPoPThumbprint() error = %v", err)
	}
	if want := "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("DPoPThumbprint() = %q, want %q", got, want)
	}

	k := newTestKeys(t)
	pub, _ := oauth.DPoPThumbprint(&jose.JSONWebKey{Key: k.ec.Public()})
	if priv, _ := oauth.DPoPThumbprint(&jose.JSONWebKey{Key: k.ec}); priv != pub || pub == "" {
		t.Errorf("DPoPThumbprint(private) = %q, want the public key's %q", priv, pub)
	}
	for name, give := range map[string]*jose.JSONWebKey{"nil": nil, "empty": {}, "symmetric": {Key: []byte("secret")}} {
		if _, err := oauth.DPoPThumbprint(give); err == nil {
			t.Errorf("DPoPThumbprint(%s) error = nil, want an error", name)
		}
	}
}

func BenchmarkDPoPVerify(b *testing.B) {
	k := newTestKeys(b)
	p := newProofSpec(jose.ES256, k.ec)
	p.claims["ath"] = ath(testAccessToken)
	r := dpopRequest(http.MethodPost, p.sign(b))
	v := &oauth.DPoPVerifier{Algs: []jose.SignatureAlgorithm{jose.ES256}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, testHTU, testAccessToken, dpopNow); err != nil {
			b.Fatal(err)
		}
	}
}

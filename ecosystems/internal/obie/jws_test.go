package obie_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/ecosystems/internal/obie"
	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

const (
	testKID = "tpp-key-1"
	testISS = "0015800001041REAAY/tpp-software-1"
	testTAN = "openbanking.org.uk"
)

var testKeyOnce = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// testKey is the TPP's RSA key, generated once for the package's tests.
func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := testKeyOnce()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyFunc(pub any) obie.KeyFunc {
	return func(_ context.Context, kid string) ([]jose.JSONWebKey, error) {
		if kid != testKID {
			return nil, errors.New("no such kid")
		}
		return []jose.JSONWebKey{{Key: pub, KeyID: testKID}}, nil
	}
}

func policy(now time.Time) obie.JWSPolicy {
	return obie.JWSPolicy{TrustAnchor: testTAN, Issuers: []string{testISS}, Now: func() time.Time { return now }, Leeway: 5 * time.Second}
}

// obHeaders are valid OB headers; tests change one thing.
func obHeaders(iat time.Time) map[string]any {
	return map[string]any{
		"kid": testKID, "typ": "JOSE", "cty": "application/json",
		obie.ClaimIAT: iat.Unix(), obie.ClaimISS: testISS, obie.ClaimTAN: testTAN,
		"crit": []string{obie.ClaimIAT, obie.ClaimISS, obie.ClaimTAN},
	}
}

// signRaw signs body with go-jose, with exactly the headers given.
func signRaw(t *testing.T, alg jose.SignatureAlgorithm, key any, headers map[string]any, b64 bool, body []byte) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range headers {
		opts = opts.WithHeader(jose.HeaderKey(k), v)
	}
	if !b64 {
		opts = opts.WithBase64(false)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	out, err := obj.DetachedCompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUKSignerProducesVerifiableSignature(t *testing.T) {
	now := time.Now()
	s, err := obie.NewSigner(jose.JSONWebKey{Key: testKey(t), KeyID: testKID}, testISS, testTAN, func() time.Time { return now.Add(-time.Second) })
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"Data":{"Initiation":{}},"Risk":{}}`)
	sig, err := s.Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(sig, "."); len(parts) != 3 || parts[1] != "" {
		t.Fatalf("signature %q is not a detached compact JWS", sig)
	}
	obj, err := jose.ParseDetached(sig, body, []jose.SignatureAlgorithm{jose.PS256})
	if err != nil {
		t.Fatal(err)
	}
	h := obj.Signatures[0].Protected
	if _, ok := h.ExtraHeaders["b64"]; ok {
		t.Error("the signature carries b64, want none (v3.1.4+)")
	}
	if h.ExtraHeaders["typ"] != "JOSE" || h.KeyID != testKID || h.Algorithm != "PS256" {
		t.Errorf("header = %+v, want typ JOSE, kid %s, PS256", h, testKID)
	}
	if err := obie.VerifyDetached(context.Background(), sig, body, keyFunc(&testKey(t).PublicKey), policy(now)); err != nil {
		t.Fatalf("VerifyDetached = %v, want nil", err)
	}
}

func TestUKNewSignerRefusesBadKeys(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tests := []struct {
		name    string
		giveKey jose.JSONWebKey
	}{
		{"EC key", jose.JSONWebKey{Key: ec, KeyID: "x"}},
		{"public RSA key", jose.JSONWebKey{Key: &testKey(t).PublicKey, KeyID: "x"}},
		{"no kid", jose.JSONWebKey{Key: testKey(t)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := obie.NewSigner(tt.giveKey, testISS, testTAN, nil); err == nil {
				t.Error("NewSigner = nil error, want a refusal")
			}
		})
	}
}

// TestVerifyDetachedFailures: every rule of UK RW v3.1.11 Message Signing
// is tested by the request that breaks it, with the exact code and claim.
func TestUKVerifyDetachedFailures(t *testing.T) {
	now := time.Now()
	body := []byte(`{"Data":{"ConsentId":"c-1"}}`)
	priv := testKey(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	with := func(change func(h map[string]any)) map[string]any {
		h := obHeaders(now.Add(-time.Minute))
		change(h)
		return h
	}
	valid := func() string { return signRaw(t, jose.PS256, priv, obHeaders(now.Add(-time.Minute)), true, body) }
	tests := []struct {
		name      string
		giveSig   func() string
		giveBody  []byte
		wantCode  gen.OBErrorCode
		wantClaim string
	}{
		{name: "missing", giveSig: func() string { return "" }, wantCode: gen.UKOBIESignatureMissing},
		{name: "not a JWS", giveSig: func() string { return "not-a-jws" }, wantCode: gen.UKOBIESignatureMalformed},
		{name: "attached payload", giveSig: func() string {
			p := strings.SplitN(valid(), ".", 3)
			return p[0] + ".eyJhIjoxfQ." + p[2]
		}, wantCode: gen.UKOBIESignatureMalformed},
		{name: "header not base64url JSON", giveSig: func() string { return "%%%..abc" }, wantCode: gen.UKOBIESignatureMalformed},
		{name: "b64 false present", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) {
				h["crit"] = []string{obie.ClaimIAT, obie.ClaimISS, obie.ClaimTAN}
			}), false, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: "b64"},
		{name: "b64 true present", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { h["b64"] = true }), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: "b64"},
		{name: "crit missing", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { delete(h, "crit") }), true, body)
		}, wantCode: gen.UKOBIESignatureMissingClaim, wantClaim: "crit"},
		{name: "crit with an extra member", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) {
				h["crit"] = []string{obie.ClaimIAT, obie.ClaimISS, obie.ClaimTAN, "http://openbanking.org.uk/extra"}
			}), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: "crit"},
		{name: "crit missing a member", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { h["crit"] = []string{obie.ClaimIAT, obie.ClaimISS} }), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: "crit"},
		{name: "crit with a duplicate", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) {
				h["crit"] = []string{obie.ClaimIAT, obie.ClaimISS, obie.ClaimTAN, obie.ClaimTAN}
			}), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: "crit"},
		{name: "iat in the future", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { h[obie.ClaimIAT] = now.Add(time.Hour).Unix() }), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: obie.ClaimIAT},
		{name: "iat missing", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { delete(h, obie.ClaimIAT) }), true, body)
		}, wantCode: gen.UKOBIESignatureMissingClaim, wantClaim: obie.ClaimIAT},
		{name: "iat not a number", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { h[obie.ClaimIAT] = "yesterday" }), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: obie.ClaimIAT},
		{name: "iss missing", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { delete(h, obie.ClaimISS) }), true, body)
		}, wantCode: gen.UKOBIESignatureMissingClaim, wantClaim: obie.ClaimISS},
		{name: "iss of another signer", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { h[obie.ClaimISS] = "someone/else" }), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: obie.ClaimISS},
		{name: "tan missing", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { delete(h, obie.ClaimTAN) }), true, body)
		}, wantCode: gen.UKOBIESignatureMissingClaim, wantClaim: obie.ClaimTAN},
		{name: "tan of another trust anchor", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { h[obie.ClaimTAN] = "example.com" }), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: obie.ClaimTAN},
		{name: "wrong alg RS256", giveSig: func() string {
			return signRaw(t, jose.RS256, priv, obHeaders(now.Add(-time.Minute)), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: "alg"},
		{name: "wrong alg ES256", giveSig: func() string {
			return signRaw(t, jose.ES256, ec, obHeaders(now.Add(-time.Minute)), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: "alg"},
		{name: "kid missing", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { delete(h, "kid") }), true, body)
		}, wantCode: gen.UKOBIESignatureMissingClaim, wantClaim: "kid"},
		{name: "kid unknown", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { h["kid"] = "nope" }), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: "kid"},
		{name: "typ not JOSE", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { h["typ"] = "JWT" }), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: "typ"},
		{name: "cty not json", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { h["cty"] = "text/plain" }), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: "cty"},
		{name: "a header claim that is not allowed", giveSig: func() string {
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { h["x5u"] = "https://example.com/cert" }), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: "x5u"},
		{name: "an x5c certificate chain", giveSig: func() string {
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tpp"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
			if err != nil {
				t.Fatal(err)
			}
			return signRaw(t, jose.PS256, priv, with(func(h map[string]any) { h["x5c"] = []string{base64.StdEncoding.EncodeToString(der)} }), true, body)
		}, wantCode: gen.UKOBIESignatureInvalidClaim, wantClaim: "x5c"},
		{name: "bad signature: body changed", giveSig: valid, giveBody: []byte(`{"Data":{"ConsentId":"c-2"}}`), wantCode: gen.UKOBIESignatureInvalid},
		{name: "bad signature: another key", giveSig: func() string {
			return signRaw(t, jose.PS256, other, obHeaders(now.Add(-time.Minute)), true, body)
		}, wantCode: gen.UKOBIESignatureInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := body
			if tt.giveBody != nil {
				b = tt.giveBody
			}
			err := obie.VerifyDetached(context.Background(), tt.giveSig(), b, keyFunc(&priv.PublicKey), policy(now))
			var se *obie.SignatureError
			if !errors.As(err, &se) {
				t.Fatalf("VerifyDetached = %v, want a *SignatureError", err)
			}
			if se.Code != tt.wantCode || se.Claim != tt.wantClaim {
				t.Errorf("VerifyDetached = %s on %q, want %s on %q (%s)", se.Code, se.Claim, tt.wantCode, tt.wantClaim, se.Reason)
			}
		})
	}
}

// TestVerifyDetachedToleratesSmallSkew: iat a little ahead of our clock
// passes within the leeway.
func TestUKVerifyDetachedToleratesSmallSkew(t *testing.T) {
	now := time.Now()
	body := []byte(`{}`)
	sig := signRaw(t, jose.PS256, testKey(t), obHeaders(now.Add(2*time.Second)), true, body)
	if err := obie.VerifyDetached(context.Background(), sig, body, keyFunc(&testKey(t).PublicKey), policy(now)); err != nil {
		t.Fatalf("VerifyDetached = %v, want nil within the leeway", err)
	}
}

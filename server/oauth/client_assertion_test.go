package oauth_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
)

func caCheck(t testing.TB) oauth.AssertionCheck {
	return oauth.AssertionCheck{
		Issuer:    caIssuer,
		Endpoints: []string{caTokenURL, caPARURL},
		Profile:   caProfile(t, oauth.FAPI2Security),
		Now:       caNow,
	}
}

// caUnsigned builds an alg=none JWT by hand: go-jose refuses to produce one.
func caUnsigned(t testing.TB, claims map[string]any) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(caJSON(t, claims)) + "."
}

// caHS256WithPublicKey is the key-confusion attack: HMAC keyed with the
// bytes of the client's RSA public key, which any attacker can obtain.
func caHS256WithPublicKey(t testing.TB, claims map[string]any) string {
	der, err := x509.MarshalPKIXPublicKey(caKeys().rsa.Public())
	if err != nil {
		t.Fatal(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return caSign(t, jose.HS256, secret, "rsa-1", claims, nil)
}

func TestClientAuthAssertion(t *testing.T) {
	k := caKeys()
	type edit func(map[string]any)
	set := func(kv ...any) edit {
		return func(c map[string]any) {
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(c, kv[i].(string))
				} else {
					c[kv[i].(string)] = kv[i+1]
				}
			}
		}
	}
	at := func(d time.Duration) int64 { return caNow.Add(d).Unix() }
	longJTI := strings.Repeat("j", 300)

	tests := []struct {
		name        string
		giveAlg     jose.SignatureAlgorithm // default PS256
		giveKey     any                     // default k.rsa
		giveKid     string                  // default "rsa-1"; "-" for none
		giveClaims  edit
		giveHeaders map[jose.HeaderKey]any
		giveRaw     func(claims map[string]any) string
		giveAud     oauth.AudienceRule
		giveAlgs    []jose.SignatureAlgorithm
		giveClient  func(*oauth.Client)
		wantDesc    string // empty: accepted
	}{
		{name: "PS256 ok"},
		{name: "ES256 ok", giveAlg: jose.ES256, giveKey: k.ec, giveKid: "ec-1"},
		{name: "no kid, one key for the alg", giveAlg: jose.ES256, giveKey: k.ec, giveKid: "-"},
		{name: "typ client-authentication+jwt", giveHeaders: map[jose.HeaderKey]any{"typ": "client-authentication+jwt"}},
		{name: "exp within leeway", giveClaims: set("exp", at(-3*time.Second), "iat", at(-time.Minute))},
		{name: "no iat, short exp", giveClaims: set("iat", nil)},
		{name: "long jti", giveClaims: set("jti", longJTI)},
		{name: "no kid, several keys for the alg", giveAlg: jose.ES256, giveKey: k.ec, giveKid: "-",
			giveClient: func(c *oauth.Client) {
				c.JWKS.Keys = append(c.JWKS.Keys, caJWK(k.ecOther, "ec-2"))
			},
			wantDesc: "client_assertion kid is required: the client has several keys for its alg"},
		{name: "wrong aud", giveClaims: set("aud", "https://other.example.com"),
			wantDesc: "client_assertion aud must be the issuer identifier"},
		{name: "aud array of the issuer under issuer-only", giveClaims: set("aud", []string{caIssuer}),
			wantDesc: "client_assertion aud must be the issuer as a single string, not an array"},
		{name: "aud token endpoint under issuer-only", giveClaims: set("aud", caTokenURL),
			wantDesc: "client_assertion aud must be the issuer identifier"},
		{name: "aud missing", giveClaims: set("aud", nil), wantDesc: "client_assertion aud is required"},
		{name: "aud token endpoint under issuer-or-endpoint", giveAud: oauth.AudienceIssuerOrEndpoint,
			giveClaims: set("aud", caTokenURL)},
		{name: "aud array with issuer under issuer-or-endpoint", giveAud: oauth.AudienceIssuerOrEndpoint,
			giveClaims: set("aud", []string{"https://x.example", caIssuer})},
		{name: "aud other under issuer-or-endpoint", giveAud: oauth.AudienceIssuerOrEndpoint,
			giveClaims: set("aud", []string{"https://x.example"}),
			wantDesc:   "client_assertion aud must be the issuer or the endpoint URL"},
		{name: "expired", giveClaims: set("exp", at(-10*time.Second), "iat", at(-time.Minute)),
			wantDesc: "client_assertion has expired"},
		{name: "missing exp", giveClaims: set("exp", nil), wantDesc: "client_assertion exp is required"},
		{name: "lifetime too long", giveClaims: set("exp", at(10*time.Minute)),
			wantDesc: "client_assertion lifetime is too long"},
		{name: "lifetime too long without iat", giveClaims: set("iat", nil, "exp", at(6*time.Minute)),
			wantDesc: "client_assertion lifetime is too long"},
		{name: "iat in the future", giveClaims: set("iat", at(30*time.Second), "exp", at(time.Minute)),
			wantDesc: "client_assertion iat is in the future"},
		{name: "nbf in the future", giveClaims: set("nbf", at(30*time.Second)),
			wantDesc: "client_assertion is not yet valid (nbf)"},
		{name: "iss differs from sub", giveClaims: set("iss", "client-2"),
			wantDesc: "client_assertion iss must be the client_id"},
		{name: "sub differs from client_id", giveClaims: set("sub", "client-2"),
			wantDesc: "client_assertion sub must be the client_id"},
		{name: "missing jti", giveClaims: set("jti", nil), wantDesc: "client_assertion jti is required"},
		{name: "alg none", giveRaw: func(c map[string]any) string { return caUnsigned(t, c) },
			wantDesc: "client_assertion alg none is not accepted"},
		{name: "HS256 keyed with the RSA public key",
			giveRaw:  func(c map[string]any) string { return caHS256WithPublicKey(t, c) },
			wantDesc: "client_assertion must use an asymmetric alg: HMAC is not accepted"},
		{name: "HS256 keyed with the RSA public key, profile lists HS256",
			giveAlgs: []jose.SignatureAlgorithm{jose.PS256, jose.HS256},
			giveRaw:  func(c map[string]any) string { return caHS256WithPublicKey(t, c) },
			wantDesc: "client_assertion must use an asymmetric alg: HMAC is not accepted"},
		{name: "alg outside the profile", giveAlg: jose.RS256,
			wantDesc: "client_assertion alg is not allowed"},
		{name: "alg other than the registered one", giveAlg: jose.ES256, giveKey: k.ec, giveKid: "ec-1",
			giveClient: func(c *oauth.Client) { c.TokenEndpointAuthSigningAlg = string(jose.PS256) },
			wantDesc:   "client_assertion alg is not the client's token_endpoint_auth_signing_alg"},
		{name: "wrong key", giveKey: k.rsaOther, wantDesc: "client_assertion signature is invalid"},
		{name: "unknown kid", giveKid: "rsa-9", wantDesc: "no client key matches the client_assertion kid"},
		{name: "kid of a key of another type", giveKid: "ec-1",
			wantDesc: "no client key can verify the client_assertion alg"},
		{name: "RSA key below 2048 bits", giveKey: k.rsaSmall, giveKid: "small",
			giveClient: func(c *oauth.Client) { c.JWKS.Keys = append(c.JWKS.Keys, caJWK(k.rsaSmall, "small")) },
			wantDesc:   "no client key can verify the client_assertion alg"},
		{name: "encryption key", giveKid: "rsa-1",
			giveClient: func(c *oauth.Client) { c.JWKS.Keys[0].Use = "enc" },
			wantDesc:   "no client key can verify the client_assertion alg"},
		{name: "typ of a DPoP proof", giveHeaders: map[jose.HeaderKey]any{"typ": "dpop+jwt"},
			wantDesc: "client_assertion typ is not a client assertion type"},
		{name: "JWE-shaped", giveRaw: func(map[string]any) string { return "a.b.c.d.e" },
			wantDesc: "client_assertion must be a compact-serialised JWS"},
		{name: "JSON serialisation", giveRaw: func(map[string]any) string { return `{"payload":"e30","signatures":[]}` },
			wantDesc: "client_assertion must be a compact-serialised JWS"},
		{name: "garbage", giveRaw: func(map[string]any) string { return "a.b.c" },
			wantDesc: "client_assertion is not a valid JWS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := caClaims()
			if tt.giveClaims != nil {
				tt.giveClaims(claims)
			}
			alg, key, kid := tt.giveAlg, tt.giveKey, tt.giveKid
			if alg == "" {
				alg = jose.PS256
			}
			if key == nil {
				key = k.rsa
			}
			switch kid {
			case "":
				kid = "rsa-1"
			case "-":
				kid = ""
			}
			var s string
			if tt.giveRaw != nil {
				s = tt.giveRaw(claims)
			} else {
				s = caSign(t, alg, key, kid, claims, tt.giveHeaders)
			}
			c := caPKJWTClient()
			if tt.giveClient != nil {
				tt.giveClient(c)
			}
			chk := caCheck(t)
			chk.Profile.AssertionAudience = tt.giveAud
			if tt.giveAlgs != nil {
				chk.Profile.SigningAlgs = tt.giveAlgs
			}
			once, err := oauth.VerifyClientAssertion(context.Background(), s, c, oauth.NewJWKSCache(nil, oauth.JWKSCacheOptions{}), chk)
			if tt.wantDesc != "" {
				caWantErr(t, err, oauth.CodeInvalidClient, tt.wantDesc)
				return
			}
			if err != nil {
				t.Fatalf("VerifyClientAssertion: %v", err)
			}
			if once.Kind != oauth.OnceAssertionJTI {
				t.Errorf("Kind = %q, want %q", once.Kind, oauth.OnceAssertionJTI)
			}
			// exp-prefixed: time-ordered index inserts (once_key.go).
			wantValue := fmt.Sprintf("%011d|", claims["exp"].(int64)) + caClientID + ":" + claims["jti"].(string)
			if claims["jti"] == longJTI {
				if len(once.Value) > 128 || strings.Contains(once.Value, longJTI) {
					t.Errorf("Value = %q, want a short hash", once.Value)
				}
			} else if once.Value != wantValue {
				t.Errorf("Value = %q, want %q", once.Value, wantValue)
			}
			// The record outlives exp by the leeway so the assertion cannot
			// be replayed while it is still accepted.
			wantExp := time.Unix(claims["exp"].(int64), 0).Add(5 * time.Second)
			if !once.ExpiresAt.Equal(wantExp) {
				t.Errorf("ExpiresAt = %v, want %v", once.ExpiresAt, wantExp)
			}
		})
	}
}

// TestClientAuthAssertionDistinctJTI: two assertions of one client get
// distinct single-use values, and the same jti from two clients too.
func TestClientAuthAssertionDistinctJTI(t *testing.T) {
	k := caKeys()
	keys := oauth.NewJWKSCache(nil, oauth.JWKSCacheOptions{})
	c1 := caPKJWTClient()
	c2 := caPKJWTClient()
	c2.ID = "client-2"
	claims := caClaims()
	claims2 := caClaims()
	claims2["iss"], claims2["sub"], claims2["jti"] = c2.ID, c2.ID, claims["jti"]
	u1, err := oauth.VerifyClientAssertion(context.Background(), caSign(t, jose.PS256, k.rsa, "rsa-1", claims, nil), c1, keys, caCheck(t))
	if err != nil {
		t.Fatal(err)
	}
	u2, err := oauth.VerifyClientAssertion(context.Background(), caSign(t, jose.PS256, k.rsa, "rsa-1", claims2, nil), c2, keys, caCheck(t))
	if err != nil {
		t.Fatal(err)
	}
	if u1.Value == u2.Value {
		t.Errorf("Value = %q for both clients, want distinct values", u1.Value)
	}
}

func BenchmarkVerifyClientAssertion(b *testing.B) {
	k := caKeys()
	for _, bb := range []struct {
		name string
		alg  jose.SignatureAlgorithm
		key  any
		kid  string
	}{
		{"ES256", jose.ES256, k.ec, "ec-1"},
		{"PS256", jose.PS256, k.rsa, "rsa-1"},
	} {
		b.Run(bb.name, func(b *testing.B) {
			claims := caClaims()
			s := caSign(b, bb.alg, bb.key, bb.kid, claims, nil)
			c := caPKJWTClient()
			keys := oauth.NewJWKSCache(nil, oauth.JWKSCacheOptions{})
			chk := caCheck(b)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := oauth.VerifyClientAssertion(ctx, s, c, keys, chk); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package oauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/openconsent/openconsent/server/oauth"
)

const (
	roIssuer   = "https://as.example.com"
	roClientID = "client-1"
)

// roNow is the fixed verification time of these tests.
var roNow = time.Unix(1_800_000_000, 0)

type roKey struct {
	alg  jose.SignatureAlgorithm
	priv any
	pub  jose.JSONWebKey
}

// roTestKeys makes the test keys once: RSA keygen is slow under -race.
var roTestKeys = sync.OnceValue(func() map[string]roKey {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	otherEC, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return map[string]roKey{
		"rsa":   {jose.PS256, rsaKey, jose.JSONWebKey{Key: rsaKey.Public(), KeyID: "rsa", Use: "sig"}},
		"ec":    {jose.ES256, ecKey, jose.JSONWebKey{Key: ecKey.Public(), KeyID: "ec", Use: "sig"}},
		"other": {jose.ES256, otherEC, jose.JSONWebKey{Key: otherEC.Public(), KeyID: "other", Use: "sig"}},
	}
})

// roKeySource is a fake client key source: KeyByID serves byID (the keys
// after a refresh), Keys serves set.
type roKeySource struct {
	set  jose.JSONWebKeySet
	byID jose.JSONWebKeySet
}

var errROKidNotFound = errors.New("kid not found")

func (s roKeySource) KeyByID(_ context.Context, _ *oauth.Client, kid string) ([]jose.JSONWebKey, error) {
	if ks := s.byID.Key(kid); len(ks) > 0 {
		return ks, nil
	}
	return nil, errROKidNotFound
}

func (s roKeySource) Keys(context.Context, *oauth.Client) (*jose.JSONWebKeySet, error) {
	return &s.set, nil
}

func roClientKeys() jose.JSONWebKeySet {
	k := roTestKeys()
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k["rsa"].pub, k["ec"].pub}}
}

func roCheck() oauth.RequestObjectCheck {
	p, _ := oauth.ProfileFor(oauth.FAPI1Advanced)
	set := roClientKeys()
	return oauth.RequestObjectCheck{
		Issuer:  roIssuer,
		Profile: p,
		Now:     roNow,
		Keys:    roKeySource{set: set, byID: set},
	}
}

func roClient() *oauth.Client { return &oauth.Client{ID: roClientID} }

// roClaims is a valid request object payload at roNow.
func roClaims() map[string]any {
	return map[string]any{
		"iss":                   roClientID,
		"aud":                   roIssuer,
		"client_id":             roClientID,
		"exp":                   roNow.Add(5 * time.Minute).Unix(),
		"nbf":                   roNow.Add(-time.Minute).Unix(),
		"iat":                   roNow.Add(-time.Minute).Unix(),
		"jti":                   "jti-1",
		"response_type":         "code",
		"response_mode":         "jwt",
		"redirect_uri":          "https://client.example.com/cb",
		"scope":                 "openid accounts",
		"state":                 "st",
		"nonce":                 "n-1",
		"code_challenge":        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		"code_challenge_method": "S256",
		"max_age":               300,
		"claims": map[string]any{
			"sharing_duration": 7776000,
			"id_token": map[string]any{
				"openbanking_intent_id": map[string]any{"value": "urn:bank:intent:42", "essential": true},
				"acr":                   map[string]any{"essential": true, "values": []string{"urn:openbanking:psd2:sca"}},
				"auth_time":             nil,
			},
			"userinfo": map[string]any{
				"openbanking_intent_id": map[string]any{"value": "urn:bank:intent:42", "essential": true},
			},
		},
		"authorization_details": []any{map[string]any{
			"type":           "fdx_v1.0",
			"actions":        []string{"read"},
			"consentRequest": map[string]any{"durationType": "ONE_TIME"},
		}},
		"software_statement_id": "ss-1",
	}
}

func roSign(t testing.TB, key roKey, kid string, claims map[string]any, typ string) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if kid != "" {
		opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	if typ != "" {
		opts.WithType(jose.ContentType(typ))
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: key.alg, Key: key.priv}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func roWant(t *testing.T, err error, wantCode, wantDesc string) {
	t.Helper()
	var oe *oauth.Error
	if !errors.As(err, &oe) {
		t.Fatalf("error = %v, want *oauth.Error %s", err, wantCode)
	}
	if oe.Code != wantCode {
		t.Errorf("error code = %q (%s), want %q", oe.Code, oe.Description, wantCode)
	}
	// The description names the rule that fired, so that a case cannot pass
	// by failing an unrelated check.
	if !strings.Contains(oe.Description, wantDesc) {
		t.Errorf("error description = %q, want it to mention %q", oe.Description, wantDesc)
	}
}

func TestVerifyRequestObject_Valid(t *testing.T) {
	keys := roTestKeys()
	tests := []struct {
		name    string
		giveKey string
		giveKid string
		giveTyp string
		giveChk func(*oauth.RequestObjectCheck)
	}{
		{name: "PS256", giveKey: "rsa", giveKid: "rsa", giveTyp: "oauth-authz-req+jwt"},
		{name: "ES256", giveKey: "ec", giveKid: "ec"},
		{name: "no kid tries each signing key", giveKey: "ec"},
		{name: "typ JWT", giveKey: "rsa", giveKid: "rsa", giveTyp: "JWT"},
		{
			name: "kid found only by KeyByID (rotated key)", giveKey: "ec", giveKid: "ec",
			giveChk: func(c *oauth.RequestObjectCheck) { c.Keys = roKeySource{byID: roClientKeys()} },
		},
		{
			name: "no key source: registered jwks", giveKey: "rsa", giveKid: "rsa",
			giveChk: func(c *oauth.RequestObjectCheck) { c.Keys = nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chk := roCheck()
			if tt.giveChk != nil {
				tt.giveChk(&chk)
			}
			c := roClient()
			set := roClientKeys()
			c.JWKS = &set
			raw := roSign(t, keys[tt.giveKey], tt.giveKid, roClaims(), tt.giveTyp)
			got, err := oauth.VerifyRequestObject(context.Background(), raw, c, chk)
			if err != nil {
				t.Fatalf("VerifyRequestObject() error = %v", err)
			}
			roCheckRequest(t, got)
		})
	}
}

// roCheckRequest checks the mapping of roClaims.
func roCheckRequest(t *testing.T, got *oauth.AuthorizationRequest) {
	t.Helper()
	maxAge := 300
	want := oauth.AuthorizationRequest{
		ClientID:            roClientID,
		ResponseType:        "code",
		ResponseMode:        "jwt",
		RedirectURI:         "https://client.example.com/cb",
		Scope:               "openid accounts",
		State:               "st",
		Nonce:               "n-1",
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		MaxAge:              &maxAge,
		Extra:               map[string]json.RawMessage{"software_statement_id": json.RawMessage(`"ss-1"`)},
		Signed:              true,
		JTI:                 "jti-1",
		ExpiresAt:           roNow.Add(5 * time.Minute),
	}
	opts := cmp.Options{cmp.FilterPath(func(p cmp.Path) bool {
		s := p.String()
		return s == "Claims" || s == "AuthorizationDetails"
	}, cmp.Ignore())}
	if diff := cmp.Diff(want, *got, opts); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}
	if v, ok := got.Claims.EssentialValue("openbanking_intent_id"); !ok || v != "urn:bank:intent:42" {
		t.Errorf("EssentialValue(openbanking_intent_id) = %q, %v, want urn:bank:intent:42, true", v, ok)
	}
	if cr, ok := got.Claims.IDTokenClaim("auth_time"); !ok || cr != nil {
		t.Errorf("IDTokenClaim(auth_time) = %v, %v, want nil, true", cr, ok)
	}
	if got := string(got.Claims.Extra["sharing_duration"]); got != "7776000" {
		t.Errorf("claims.sharing_duration = %s, want 7776000", got)
	}
	if len(got.AuthorizationDetails) != 1 || got.AuthorizationDetails[0].Type != "fdx_v1.0" {
		t.Fatalf("AuthorizationDetails = %+v, want one fdx_v1.0", got.AuthorizationDetails)
	}
	if raw := string(got.AuthorizationDetails[0].Raw); !strings.Contains(raw, `"consentRequest":{"durationType":"ONE_TIME"}`) {
		t.Errorf("AuthorizationDetails[0].Raw = %s, want the consentRequest kept", raw)
	}
	if got := got.Scopes(); !cmp.Equal(got, []string{"openid", "accounts"}) {
		t.Errorf("Scopes() = %q, want [openid accounts]", got)
	}
}

// roUnsigned crafts an alg=none request object by hand: go-jose refuses to
// make one, as it should.
func roUnsigned(t *testing.T, claims map[string]any) string {
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc(payload) + "."
}

func roHS256(t *testing.T, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(strings.Repeat("s", 32))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}

func roJWE(t *testing.T) string {
	k := roTestKeys()["rsa"].priv.(*rsa.PrivateKey)
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: k.Public()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := enc.Encrypt([]byte("nested"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRequestObject_Rejects(t *testing.T) {
	keys := roTestKeys()
	const code = oauth.CodeInvalidRequestObject
	set := func(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
	del := func(k string) func(map[string]any) { return func(m map[string]any) { delete(m, k) } }
	at := func(d time.Duration) int64 { return roNow.Add(d).Unix() }
	tests := []struct {
		name      string
		giveKey   string // signing key; "" for a hand-made token
		giveKid   string
		giveTyp   string
		giveRaw   func(*testing.T, map[string]any) string // overrides signing
		giveEdit  []func(map[string]any)
		giveAlg   string // client's request_object_signing_alg
		wantCode  string
		wantDescr string
	}{
		{name: "alg none", giveRaw: roUnsigned, wantCode: code, wantDescr: "alg none"},
		{name: "HS256", giveRaw: roHS256, wantCode: code, wantDescr: "HMAC"},
		{name: "alg is not the client's", giveKey: "ec", giveKid: "ec", giveAlg: "PS256", wantCode: code, wantDescr: "request_object_signing_alg"},
		{name: "client alg outside profile", giveKey: "ec", giveKid: "ec", giveAlg: "RS256", wantCode: code, wantDescr: "no request object signing algorithm"},
		{name: "wrong key under a known kid", giveKey: "other", giveKid: "ec", wantCode: code, wantDescr: "signature is invalid"},
		{name: "wrong key without kid", giveKey: "other", wantCode: code, wantDescr: "signature is invalid"},
		{name: "kid not found", giveKey: "other", giveKid: "other", wantCode: code, wantDescr: "no client key matches"},
		{name: "5-part JWE", giveRaw: func(t *testing.T, _ map[string]any) string { return roJWE(t) }, wantCode: code, wantDescr: "encrypted request objects are not supported"},
		{name: "not a JWS", giveRaw: func(*testing.T, map[string]any) string { return "abc.def" }, wantCode: code, wantDescr: "not a compact JWS"},
		{name: "typ of another JWT", giveKey: "ec", giveKid: "ec", giveTyp: "dpop+jwt", wantCode: code, wantDescr: "typ"},
		{name: "wrong iss", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("iss", "client-2")}, wantCode: code, wantDescr: "iss"},
		{name: "missing iss", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){del("iss")}, wantCode: code, wantDescr: "iss"},
		{name: "wrong aud", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("aud", "https://other.example.com")}, wantCode: code, wantDescr: "aud"},
		{name: "aud array without issuer", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("aud", []string{"https://other.example.com"})}, wantCode: code, wantDescr: "aud"},
		{name: "missing aud", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){del("aud")}, wantCode: code, wantDescr: "aud"},
		{name: "client_id mismatch", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("client_id", "client-2")}, wantCode: code, wantDescr: "client_id"},
		{name: "missing client_id", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){del("client_id")}, wantCode: code, wantDescr: "client_id"},
		{name: "expired", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("nbf", at(-10*time.Minute)), set("exp", at(-time.Minute))}, wantCode: code, wantDescr: "expired"},
		{name: "missing exp", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){del("exp")}, wantCode: code, wantDescr: "exp is missing"},
		{name: "exp not a number", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("exp", "soon")}, wantCode: code, wantDescr: "exp is not a NumericDate"},
		{name: "exp a numeric string", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("exp", "1800000300")}, wantCode: code, wantDescr: "exp is not a NumericDate"},
		{name: "missing nbf", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){del("nbf")}, wantCode: code, wantDescr: "nbf is missing"},
		{name: "exp - nbf over 60 min", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("nbf", at(-time.Minute)), set("exp", at(60*time.Minute))}, wantCode: code, wantDescr: "too long"},
		{name: "nbf too old", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("nbf", at(-61*time.Minute)), set("exp", at(-2*time.Minute))}, wantCode: code, wantDescr: "too far in the past"},
		{name: "nbf in the future", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("nbf", at(time.Minute))}, wantCode: code, wantDescr: "in the future"},
		{name: "nested request", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("request", "eyJ...")}, wantCode: code, wantDescr: "must not contain request"},
		{name: "nested request_uri", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("request_uri", "urn:x")}, wantCode: code, wantDescr: "must not contain request_uri"},
		{name: "scope not a string", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("scope", []string{"openid"})}, wantCode: code, wantDescr: "scope must be a string"},
		{name: "max_age not a number", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("max_age", "300")}, wantCode: code, wantDescr: "max_age"},
		{name: "jti not a string", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("jti", 7)}, wantCode: code, wantDescr: "jti"},
		{name: "claims not an object", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("claims", "{}")}, wantCode: oauth.CodeInvalidRequest, wantDescr: "claims"},
		{name: "authorization_details without type", giveKey: "ec", giveKid: "ec", giveEdit: []func(map[string]any){set("authorization_details", []any{map[string]any{"actions": []string{"read"}}})}, wantCode: oauth.CodeInvalidAuthorizationDetails, wantDescr: "type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := roClaims()
			for _, edit := range tt.giveEdit {
				edit(claims)
			}
			var raw string
			if tt.giveRaw != nil {
				raw = tt.giveRaw(t, claims)
			} else {
				raw = roSign(t, keys[tt.giveKey], tt.giveKid, claims, tt.giveTyp)
			}
			c := roClient()
			c.RequestObjectSigningAlg = tt.giveAlg
			got, err := oauth.VerifyRequestObject(context.Background(), raw, c, roCheck())
			if err == nil {
				t.Fatalf("VerifyRequestObject() = %+v, want error %s", got, tt.wantCode)
			}
			roWant(t, err, tt.wantCode, tt.wantDescr)
		})
	}
}

func TestVerifyRequestObject_ProfileWithoutMaxLife(t *testing.T) {
	// Without MaxRequestObjectLife, nbf is optional and the lifetime free.
	claims := roClaims()
	delete(claims, "nbf")
	claims["exp"] = roNow.Add(24 * time.Hour).Unix()
	chk := roCheck()
	chk.Profile.MaxRequestObjectLife = 0
	raw := roSign(t, roTestKeys()["ec"], "ec", claims, "")
	if _, err := oauth.VerifyRequestObject(context.Background(), raw, roClient(), chk); err != nil {
		t.Fatalf("VerifyRequestObject() error = %v, want nil", err)
	}
}

func TestVerifyRequestObject_AudienceArray(t *testing.T) {
	claims := roClaims()
	claims["aud"] = []string{"https://other.example.com", roIssuer}
	raw := roSign(t, roTestKeys()["rsa"], "rsa", claims, "")
	if _, err := oauth.VerifyRequestObject(context.Background(), raw, roClient(), roCheck()); err != nil {
		t.Fatalf("VerifyRequestObject() error = %v, want nil", err)
	}
}

func TestVerifyRequestObject_EscapedStrings(t *testing.T) {
	// json.Marshal escapes <, > and &, so this takes the unescaping path.
	const giveState = `a"b<c>&d\\é`
	claims := roClaims()
	claims["state"] = giveState
	raw := roSign(t, roTestKeys()["ec"], "ec", claims, "")
	got, err := oauth.VerifyRequestObject(context.Background(), raw, roClient(), roCheck())
	if err != nil {
		t.Fatalf("VerifyRequestObject() error = %v", err)
	}
	if got.State != giveState {
		t.Errorf("State = %q, want %q", got.State, giveState)
	}
}

func TestMergeOuterParams(t *testing.T) {
	ro := &oauth.AuthorizationRequest{ClientID: roClientID, ResponseType: "code id_token"}
	tests := []struct {
		name     string
		give     url.Values
		wantCode string
	}{
		{name: "both match", give: url.Values{"client_id": {roClientID}, "response_type": {"code id_token"}, "scope": {"ignored"}}},
		{name: "none outside", give: url.Values{}},
		{name: "client_id mismatch", give: url.Values{"client_id": {"client-2"}}, wantCode: oauth.CodeInvalidRequestObject},
		{name: "response_type mismatch", give: url.Values{"client_id": {roClientID}, "response_type": {"code"}}, wantCode: oauth.CodeInvalidRequestObject},
		{name: "client_id repeated", give: url.Values{"client_id": {roClientID, roClientID}}, wantCode: oauth.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := oauth.MergeOuterParams(ro, tt.give)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("MergeOuterParams() error = %v, want nil", err)
				}
				return
			}
			var oe *oauth.Error
			if !errors.As(err, &oe) || oe.Code != tt.wantCode {
				t.Fatalf("MergeOuterParams() error = %v, want %s", err, tt.wantCode)
			}
		})
	}
}

func BenchmarkVerifyRequestObject(b *testing.B) {
	keys := roTestKeys()
	for _, name := range []string{"rsa", "ec"} {
		k := keys[name]
		b.Run(string(k.alg), func(b *testing.B) {
			raw := roSign(b, k, name, roClaims(), "")
			c, chk := roClient(), roCheck()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := oauth.VerifyRequestObject(ctx, raw, c, chk); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

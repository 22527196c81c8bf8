package server_test

import (
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauthtest"
)

// Negative tests of client authentication (RFC 7523, RFC 8705 §2, FAPI 2.0
// SP §5.3.2.1) and of the token endpoint (RFC 6749 §4.1.3, §5.2, §6,
// RFC 7636 §4.6, FAPI 2.0 SP §5.3.2.1). Every table has a valid baseline
// case, so a broken harness fails too.

const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// authEndpoint is an endpoint that authenticates clients, with a request
// body that succeeds once the client is authenticated.
type authEndpoint struct {
	path   string
	body   func() url.Values
	dpop   bool // send a fresh DPoP proof (the token endpoint needs a sender constraint)
	status int  // success status
}

func authEndpoints(ws string) []authEndpoint {
	return []authEndpoint{
		{path: "/" + ws + "/token", body: func() url.Values {
			return url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}}
		}, dpop: true, status: http.StatusOK},
		{path: "/" + ws + "/par", body: func() url.Values {
			form, _ := parParams("accounts")
			return form
		}, status: http.StatusCreated},
	}
}

func TestNegativeClientAuth(t *testing.T) {
	e := newEnv(t)
	foreignCA, err := oauthtest.NewCA("foreign ca")
	must(t, err)
	e.certs["foreign-mtls"], err = foreignCA.ClientCert(pkix.Name{CommonName: "mtls", Organization: []string{"TPP"}})
	must(t, err)
	stranger := newKey(t, jose.ES256)
	psPEM, err := e.keys["pkjwt-ps"].PublicKeyPEM()
	must(t, err)

	tests := []struct {
		name     string
		giveCert string
		// giveAuth returns the authentication parameters and headers.
		giveAuth   func() (url.Values, http.Header)
		wantStatus int // 0: the endpoint's success status
		wantCode   string
	}{
		{name: "valid private_key_jwt", giveAuth: func() (url.Values, http.Header) {
			return e.auth("pkjwt", nil), nil
		}},
		{name: "valid tls_client_auth", giveCert: "mtls", giveAuth: func() (url.Values, http.Header) {
			return url.Values{"client_id": {"mtls"}}, nil
		}},
		{name: "assertion alg none", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			a, err := oauthtest.Unsigned(map[string]any{"kid": e.keys["pkjwt"].JWK.KeyID}, oauthtest.AssertionClaims("pkjwt", e.issuer, time.Now()))
			must(t, err)
			return assertionForm("pkjwt", a), nil
		}},
		{name: "assertion HS256 keyed with the client's RSA public key", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			a, err := oauthtest.SignHS256(psPEM, map[string]any{"kid": e.keys["pkjwt-ps"].JWK.KeyID}, oauthtest.AssertionClaims("pkjwt-ps", e.issuer, time.Now()))
			must(t, err)
			return assertionForm("pkjwt-ps", a), nil
		}},
		{name: "assertion expired", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return e.assertionForm("pkjwt", func(c map[string]any) {
				c["iat"], c["exp"] = time.Now().Add(-3*time.Minute).Unix(), time.Now().Add(-2*time.Minute).Unix()
			}), nil
		}},
		{name: "assertion lifetime over 5 minutes", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return e.assertionForm("pkjwt", func(c map[string]any) { c["exp"] = time.Now().Add(10 * time.Minute).Unix() }), nil
		}},
		{name: "assertion without exp", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return e.assertionForm("pkjwt", func(c map[string]any) { delete(c, "exp") }), nil
		}},
		{name: "assertion without jti", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return e.assertionForm("pkjwt", func(c map[string]any) { delete(c, "jti") }), nil
		}},
		{name: "assertion aud is the token endpoint", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return e.assertionForm("pkjwt", func(c map[string]any) { c["aud"] = e.issuer + "/token" }), nil
		}},
		{name: "assertion aud is the PAR endpoint", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return e.assertionForm("pkjwt", func(c map[string]any) { c["aud"] = e.issuer + "/par" }), nil
		}},
		{name: "assertion aud is an array holding the issuer", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return e.assertionForm("pkjwt", func(c map[string]any) { c["aud"] = []string{e.issuer} }), nil
		}},
		{name: "assertion aud is another workspace", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return e.assertionForm("pkjwt", func(c map[string]any) { c["aud"] = e.base + "/other" }), nil
		}},
		{name: "assertion iss differs from sub", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return e.assertionForm("pkjwt", func(c map[string]any) { c["iss"] = "pkjwt-ps" }), nil
		}},
		{name: "assertion iss differs from sub, no client_id", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			f := e.assertionForm("pkjwt", func(c map[string]any) { c["iss"] = "pkjwt-ps" })
			f.Del("client_id")
			return f, nil
		}},
		{name: "client_id is another client than the assertion's", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			f := e.auth("pkjwt", nil)
			f.Set("client_id", "pkjwt-ps")
			return f, nil
		}},
		{name: "assertion signed by another client's key", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			a, err := e.keys["pkjwt-ps"].Sign(oauthtest.AssertionClaims("pkjwt", e.issuer, time.Now()), "", false)
			must(t, err)
			return assertionForm("pkjwt", a), nil
		}},
		{name: "assertion signed by another client's key under the client's kid", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			a, err := e.keys["dpop-only"].SignWithHeader(oauthtest.AssertionClaims("pkjwt", e.issuer, time.Now()), map[string]any{"kid": e.keys["pkjwt"].JWK.KeyID})
			must(t, err)
			return assertionForm("pkjwt", a), nil
		}},
		{name: "assertion typ dpop+jwt", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			a, err := e.keys["pkjwt"].Sign(oauthtest.AssertionClaims("pkjwt", e.issuer, time.Now()), "dpop+jwt", false)
			must(t, err)
			return assertionForm("pkjwt", a), nil
		}},
		{name: "unknown client", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			a, err := stranger.Sign(oauthtest.AssertionClaims("nobody", e.issuer, time.Now()), "", false)
			must(t, err)
			return assertionForm("nobody", a), nil
		}},
		{name: "unsupported client_assertion_type", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			f := e.auth("pkjwt", nil)
			f.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
			return f, nil
		}},
		{name: "client_secret_basic", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			h := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("pkjwt:secret"))}}
			return url.Values{"client_id": {"pkjwt"}}, h
		}},
		{name: "client_secret_post", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return url.Values{"client_id": {"pkjwt"}, "client_secret": {"secret"}}, nil
		}},
		{name: "assertion and Basic together", wantStatus: 400, wantCode: "invalid_request", giveAuth: func() (url.Values, http.Header) {
			h := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("pkjwt:secret"))}}
			return e.auth("pkjwt", nil), h
		}},
		{name: "no client authentication", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return url.Values{"client_id": {"pkjwt"}}, nil
		}},
		{name: "private_key_jwt client with only a certificate", giveCert: "pkjwt", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return url.Values{"client_id": {"pkjwt"}}, nil
		}},
		{name: "tls_client_auth without a certificate", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return url.Values{"client_id": {"mtls"}}, nil
		}},
		{name: "tls_client_auth with the right DN from another CA", giveCert: "foreign-mtls", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return url.Values{"client_id": {"mtls"}}, nil
		}},
		{name: "tls_client_auth with another subject DN", giveCert: "mtls-bound", wantStatus: 401, wantCode: "invalid_client", giveAuth: func() (url.Values, http.Header) {
			return url.Values{"client_id": {"mtls"}}, nil
		}},
	}
	for _, ep := range authEndpoints("ws") {
		for _, tt := range tests {
			t.Run(ep.path+"/"+tt.name, func(t *testing.T) {
				auth, h := tt.giveAuth()
				form := ep.body()
				for k, vs := range auth {
					form[k] = vs
				}
				if h == nil {
					h = http.Header{}
				}
				if ep.dpop {
					h.Set("DPoP", e.proof(newKey(t, jose.ES256), "POST", ep.path, ""))
				}
				r := e.do(call{path: ep.path, form: form, header: h, cert: tt.giveCert})
				if tt.wantCode == "" {
					if r.status != ep.status {
						t.Fatalf("status = %d, want %d (body %s)", r.status, ep.status, r.raw)
					}
					return
				}
				wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
				if tt.wantStatus == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate (RFC 6749 §5.2)")
				}
			})
		}
	}
}

// TestNegativeClientAssertionReplay: an assertion jti is single use
// (RFC 7523 §3 item 7), across endpoints too.
func TestNegativeClientAssertionReplay(t *testing.T) {
	e := newEnv(t)
	eps := authEndpoints("ws")
	tests := []struct {
		name       string
		giveFirst  authEndpoint
		giveSecond authEndpoint
	}{
		{"token then token", eps[0], eps[0]},
		{"PAR then PAR", eps[1], eps[1]},
		{"PAR then token", eps[1], eps[0]},
	}
	send := func(ep authEndpoint, auth url.Values) result {
		form := ep.body()
		for k, vs := range auth {
			form[k] = vs
		}
		h := http.Header{}
		if ep.dpop {
			h.Set("DPoP", e.proof(newKey(t, jose.ES256), "POST", ep.path, ""))
		}
		return e.do(call{path: ep.path, form: form, header: h})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth := e.auth("pkjwt", nil)
			if r := send(tt.giveFirst, auth); r.status != tt.giveFirst.status {
				t.Fatalf("first use = %d %s, want %d", r.status, r.raw, tt.giveFirst.status)
			}
			wantOAuthError(t, send(tt.giveSecond, auth), 401, "invalid_client")
		})
	}
}

func TestNegativeCodeRedemption(t *testing.T) {
	e := newEnv(t)
	dk := newKey(t, jose.ES256)
	tests := []struct {
		name           string
		giveCodeClient string // client that obtained the code; the request is pkjwt's
		give           func(f *flow, code string) url.Values
		wantStatus     int
		wantCode       string
	}{
		{name: "valid", give: codeForm, wantStatus: 200},
		{name: "code_verifier of another PKCE pair", wantStatus: 400, wantCode: "invalid_grant", give: func(f *flow, code string) url.Values {
			form := codeForm(f, code)
			form.Set("code_verifier", oauthtest.RandomString(32))
			return form
		}},
		{name: "no code_verifier", wantStatus: 400, wantCode: "invalid_grant", give: func(f *flow, code string) url.Values {
			form := codeForm(f, code)
			form.Del("code_verifier")
			return form
		}},
		{name: "code_verifier shorter than 43 characters", wantStatus: 400, wantCode: "invalid_grant", give: func(f *flow, code string) url.Values {
			form := codeForm(f, code)
			form.Set("code_verifier", f.verifier[:42])
			return form
		}},
		{name: "code_challenge sent as code_verifier", wantStatus: 400, wantCode: "invalid_grant", give: func(f *flow, code string) url.Values {
			form := codeForm(f, code)
			form.Set("code_verifier", oauthtest.ATH(f.verifier)) // S256 of the verifier = the challenge
			return form
		}},
		{name: "another redirect_uri", wantStatus: 400, wantCode: "invalid_grant", give: func(f *flow, code string) url.Values {
			form := codeForm(f, code)
			form.Set("redirect_uri", redirectURI+"/other")
			return form
		}},
		{name: "no redirect_uri", wantStatus: 400, wantCode: "invalid_grant", give: func(f *flow, code string) url.Values {
			form := codeForm(f, code)
			form.Del("redirect_uri")
			return form
		}},
		{name: "no code", wantStatus: 400, wantCode: "invalid_request", give: func(f *flow, code string) url.Values {
			form := codeForm(f, code)
			form.Del("code")
			return form
		}},
		{name: "forged code", wantStatus: 400, wantCode: "invalid_grant", give: func(f *flow, code string) url.Values {
			form := codeForm(f, code)
			form.Set("code", oauthtest.RandomString(len(code)*3/4))
			return form
		}},
		{name: "tampered code", wantStatus: 400, wantCode: "invalid_grant", give: func(f *flow, code string) url.Values {
			form := codeForm(f, code)
			form.Set("code", flipChar(code, len(code)/2))
			return form
		}},
		{name: "code issued to another client", giveCodeClient: "pkjwt-ps", wantStatus: 400, wantCode: "invalid_grant", give: codeForm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := tt.giveCodeClient
			if client == "" {
				client = "pkjwt"
			}
			f := e.newFlow(client, "", dk)
			code := f.code()
			r := e.do(call{path: "/ws/token", form: e.auth("pkjwt", tt.give(f, code)), header: f.dpopHeader("POST", "/ws/token", "")})
			if tt.wantCode == "" {
				if r.status != tt.wantStatus || r.body["token_type"] != "DPoP" {
					t.Fatalf("token = %d %s, want %d with a DPoP token", r.status, r.raw, tt.wantStatus)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestNegativeCodeReuse: a code is single use, and its second use revokes
// the tokens of the first (RFC 6749 §4.1.2, §10.5; FAPI 2.0 SP §5.3.2.1).
func TestNegativeCodeReuse(t *testing.T) {
	e := newEnv(t)
	f := e.newFlow("pkjwt", "", newKey(t, jose.ES256))
	code := f.code()
	first := f.token(code)
	if first.status != http.StatusOK {
		t.Fatalf("first redemption = %d %s", first.status, first.raw)
	}
	tokens := []string{first.body["access_token"].(string), first.body["refresh_token"].(string)}
	for _, tok := range tokens {
		if in := e.introspect("ws", "system", tok); in["active"] != true {
			t.Fatalf("before reuse introspection = %v, want active", in)
		}
	}
	wantOAuthError(t, f.token(code), 400, "invalid_grant")
	for i, tok := range tokens {
		if in := e.introspect("ws", "system", tok); in["active"] != false {
			t.Errorf("token %d after code reuse: introspection = %v, want inactive", i, in)
		}
	}
}

// TestNegativeCodeExpired: codes live at most CodeLifetime (60 s, FAPI 2.0
// SP §5.3.2.1-10).
func TestNegativeCodeExpired(t *testing.T) {
	e, clk := newClockEnv(t)
	tests := []struct {
		name       string
		giveAge    time.Duration
		wantStatus int
		wantCode   string
	}{
		{"fresh", 0, 200, ""},
		{"55 s old", 55 * time.Second, 200, ""},
		{"61 s old", 61 * time.Second, 400, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := e.newFlow("mtls", "mtls", nil)
			code := f.directCode()
			clk.Advance(tt.giveAge)
			r := f.token(code)
			if tt.wantCode == "" {
				if r.status != tt.wantStatus {
					t.Fatalf("token = %d %s, want %d", r.status, r.raw, tt.wantStatus)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestNegativeTokenExpired: an access token is refused at /userinfo and
// inactive at introspection once expired (RFC 6750 §3.1, RFC 7662 §2.2).
func TestNegativeTokenExpired(t *testing.T) {
	e, clk := newClockEnv(t)
	f := e.newFlow("mtls", "mtls", nil)
	tr := f.token(f.directCode())
	if tr.status != http.StatusOK {
		t.Fatalf("token = %d %s", tr.status, tr.raw)
	}
	at := tr.body["access_token"].(string)
	tests := []struct {
		name       string
		giveAge    time.Duration // added to the clock before the call: ages add up
		wantStatus int
		wantActive bool
	}{
		{"fresh", 0, 200, true},
		{"4 minutes", 4 * time.Minute, 200, true},
		{"6 minutes", 2 * time.Minute, 401, false}, // 4 + 2
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(tt.giveAge)
			r := e.do(call{method: "GET", path: "/ws/userinfo", header: http.Header{"Authorization": {"Bearer " + at}}, client: f.hc})
			if tt.wantStatus == http.StatusOK {
				if r.status != http.StatusOK {
					t.Fatalf("userinfo = %d %s, want 200", r.status, r.raw)
				}
			} else {
				wantOAuthError(t, r, tt.wantStatus, "invalid_token")
			}
			in := e.do(call{path: "/ws/introspect", form: url.Values{"client_id": {"mtls"}, "token": {at}}, client: f.hc})
			if in.status != http.StatusOK || in.body["active"] != tt.wantActive {
				t.Errorf("introspection = %d %s, want active %t", in.status, in.raw, tt.wantActive)
			}
		})
	}
}

func TestNegativeGrantType(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name       string
		giveClient string
		giveForm   url.Values
		wantStatus int
		wantCode   string
	}{
		{"client_credentials", "pkjwt", url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}}, 200, ""},
		{"password", "pkjwt", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"x"}}, 400, "unsupported_grant_type"},
		{"implicit", "pkjwt", url.Values{"grant_type": {"implicit"}}, 400, "unsupported_grant_type"},
		{"jwt-bearer", "pkjwt", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {"x.y.z"}}, 400, "unsupported_grant_type"},
		{"token-exchange", "pkjwt", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}}, 400, "unsupported_grant_type"},
		{"no grant_type", "pkjwt", url.Values{"scope": {"accounts"}}, 400, "invalid_request"},
		{"repeated grant_type", "pkjwt", url.Values{"grant_type": {"client_credentials", "client_credentials"}}, 400, "invalid_request"},
		{"authorization_code by a client_credentials-only client", "system", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "redirect_uri": {redirectURI}, "code_verifier": {oauthtest.RandomString(32)}}, 400, "unauthorized_client"},
		{"refresh_token by a client_credentials-only client", "system", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x.y"}}, 400, "unauthorized_client"},
		{"client_credentials with openid", "pkjwt", url.Values{"grant_type": {"client_credentials"}, "scope": {"openid"}}, 400, "invalid_scope"},
		{"client_credentials with an unregistered scope", "pkjwt", url.Values{"grant_type": {"client_credentials"}, "scope": {"manage_logins"}}, 400, "invalid_scope"},
		{"client_credentials with an unknown scope", "pkjwt", url.Values{"grant_type": {"client_credentials"}, "scope": {"transfers"}}, 400, "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"DPoP": {e.proof(newKey(t, jose.ES256), "POST", "/ws/token", "")}}
			r := e.do(call{path: "/ws/token", form: e.auth(tt.giveClient, tt.giveForm), header: h})
			if tt.wantCode == "" {
				if r.status != tt.wantStatus {
					t.Fatalf("token = %d %s, want %d", r.status, r.raw, tt.wantStatus)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestNegativeSenderConstraint: FAPI 2.0 SP §5.3.2.1-5 requires
// sender-constrained tokens; a dpop_bound_access_tokens client needs DPoP
// (RFC 9449 §5.2).
func TestNegativeSenderConstraint(t *testing.T) {
	e := newEnv(t)
	dk := newKey(t, jose.ES256)
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}}
	tests := []struct {
		name       string
		giveClient string
		giveCert   string
		giveDPoP   *oauthtest.Key
		giveCode   bool // authorization_code instead of client_credentials
		wantStatus int
		wantCode   string
		wantType   string
	}{
		{name: "DPoP", giveClient: "pkjwt", giveDPoP: dk, wantStatus: 200, wantType: "DPoP"},
		{name: "certificate", giveClient: "pkjwt", giveCert: "pkjwt", wantStatus: 200, wantType: "Bearer"},
		{name: "code grant with certificate", giveClient: "pkjwt", giveCert: "pkjwt", giveCode: true, wantStatus: 200, wantType: "Bearer"},
		{name: "dpop-only client with DPoP", giveClient: "dpop-only", giveDPoP: dk, wantStatus: 200, wantType: "DPoP"},
		{name: "neither DPoP nor certificate", giveClient: "pkjwt", wantStatus: 400, wantCode: "invalid_request"},
		{name: "code grant with neither DPoP nor certificate", giveClient: "pkjwt", giveCode: true, wantStatus: 400, wantCode: "invalid_request"},
		{name: "dpop-only client without DPoP", giveClient: "dpop-only", wantStatus: 400, wantCode: "invalid_dpop_proof"},
		{name: "dpop-only client with a certificate only", giveClient: "dpop-only", giveCert: "pkjwt", wantStatus: 400, wantCode: "invalid_dpop_proof"},
		{name: "dpop-only client code grant without DPoP", giveClient: "dpop-only", giveCode: true, wantStatus: 400, wantCode: "invalid_dpop_proof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{}
			for k, vs := range cc {
				form[k] = vs
			}
			hc := e.httpClient(tt.giveCert)
			if tt.giveCode {
				// The front channel carries no DPoP proof, so the code is not key-bound.
				f := e.newFlow(tt.giveClient, tt.giveCert, nil)
				f.hc = hc
				form = codeForm(f, f.code())
			}
			h := http.Header{}
			if tt.giveDPoP != nil {
				h.Set("DPoP", e.proof(tt.giveDPoP, "POST", "/ws/token", ""))
			}
			r := e.do(call{path: "/ws/token", form: e.auth(tt.giveClient, form), header: h, client: hc})
			if tt.wantCode == "" {
				if r.status != tt.wantStatus || r.body["token_type"] != tt.wantType {
					t.Fatalf("token = %d %s, want %d %s", r.status, r.raw, tt.wantStatus, tt.wantType)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

func TestNegativeRefresh(t *testing.T) {
	e := newEnv(t)
	dk := newKey(t, jose.ES256)
	tokens := func(client string) result {
		f := e.newFlow(client, "", dk)
		r := f.token(f.code())
		if r.status != http.StatusOK {
			t.Fatalf("token for %s = %d %s", client, r.status, r.raw)
		}
		return r
	}
	mine := tokens("pkjwt")
	theirs := tokens("pkjwt-ps")
	revoked := tokens("pkjwt")
	rv := e.do(call{path: "/ws/revoke", form: e.auth("pkjwt", url.Values{"token": {revoked.body["refresh_token"].(string)}})})
	if rv.status != http.StatusOK {
		t.Fatalf("revoke = %d %s", rv.status, rv.raw)
	}
	rt := mine.body["refresh_token"].(string)
	tests := []struct {
		name       string
		giveToken  string
		giveScope  string
		wantStatus int
		wantCode   string
	}{
		{name: "valid", giveToken: rt, wantStatus: 200},
		{name: "narrower scope", giveToken: rt, giveScope: "accounts", wantStatus: 200},
		{name: "wider scope", giveToken: rt, giveScope: "openid accounts payments", wantStatus: 400, wantCode: "invalid_scope"},
		{name: "revoked refresh token", giveToken: revoked.body["refresh_token"].(string), wantStatus: 400, wantCode: "invalid_grant"},
		{name: "another client's refresh token", giveToken: theirs.body["refresh_token"].(string), wantStatus: 400, wantCode: "invalid_grant"},
		{name: "forged refresh token", giveToken: oauthtest.RandomString(18) + "." + oauthtest.RandomString(16), wantStatus: 400, wantCode: "invalid_grant"},
		{name: "tampered refresh token", giveToken: flipChar(rt, 3), wantStatus: 400, wantCode: "invalid_grant"},
		{name: "access token as refresh token", giveToken: mine.body["access_token"].(string), wantStatus: 400, wantCode: "invalid_grant"},
		{name: "no refresh_token", wantStatus: 400, wantCode: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"refresh_token"}}
			if tt.giveToken != "" {
				form.Set("refresh_token", tt.giveToken)
			}
			if tt.giveScope != "" {
				form.Set("scope", tt.giveScope)
			}
			h := http.Header{"DPoP": {e.proof(dk, "POST", "/ws/token", "")}}
			r := e.do(call{path: "/ws/token", form: e.auth("pkjwt", form), header: h})
			if tt.wantCode == "" {
				if r.status != tt.wantStatus {
					t.Fatalf("refresh = %d %s, want %d", r.status, r.raw, tt.wantStatus)
				}
				if tt.giveScope != "" && r.body["scope"] != tt.giveScope {
					t.Errorf("scope = %v, want %s", r.body["scope"], tt.giveScope)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// Helpers shared by the negative, isolation and x/oauth2 tests.

// parParams returns a valid pushed authorization request for scope and its
// PKCE verifier.
func parParams(scope string) (url.Values, string) {
	v, ch := oauthtest.PKCE()
	return url.Values{
		"response_type": {"code"}, "redirect_uri": {redirectURI}, "scope": {scope},
		"code_challenge": {ch}, "code_challenge_method": {"S256"}, "state": {oauthtest.RandomString(8)}, "nonce": {"n-1"},
	}, v
}

// codeForm is a valid authorization_code token request for f's code.
func codeForm(f *flow, code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {f.verifier}}
}

// assertionForm returns private_key_jwt parameters for client id.
func assertionForm(id, assertion string) url.Values {
	return url.Values{"client_id": {id}, "client_assertion_type": {jwtBearer}, "client_assertion": {assertion}}
}

// assertionForm returns private_key_jwt parameters for client id with its
// own key, after edit has altered the assertion claims.
func (e *env) assertionForm(id string, edit func(map[string]any)) url.Values {
	e.t.Helper()
	c := oauthtest.AssertionClaims(id, e.issuer, time.Now())
	edit(c)
	a, err := e.keys[id].Sign(c, "", false)
	must(e.t, err)
	return assertionForm(id, a)
}

// authAt adds private_key_jwt authentication for client id at workspace ws.
func (e *env) authAt(ws, id string, form url.Values) url.Values {
	e.t.Helper()
	a, err := e.keys[id].Assertion(id, e.base+"/"+ws)
	must(e.t, err)
	for k, vs := range assertionForm(id, a) {
		form[k] = vs
	}
	return form
}

// proof is a valid DPoP proof by k for method and path (under the base URL),
// with ath when token is set.
func (e *env) proof(k *oauthtest.Key, method, path, token string) string {
	e.t.Helper()
	p, err := k.DPoP(method, e.base+path, token, "")
	must(e.t, err)
	return p
}

// introspect asks workspace ws, authenticated as client, about tok.
func (e *env) introspect(ws, client, tok string) map[string]any {
	e.t.Helper()
	r := e.do(call{path: "/" + ws + "/introspect", form: e.authAt(ws, client, url.Values{"token": {tok}})})
	if r.status != http.StatusOK {
		e.t.Fatalf("introspect at %s = %d %s", ws, r.status, r.raw)
	}
	return r.body
}

// send sends a request built by the test; hc nil is a client without a certificate.
func (e *env) send(req *http.Request, hc *http.Client) result {
	e.t.Helper()
	if hc == nil {
		hc = e.httpClient("")
	}
	resp, err := hc.Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// flipChar replaces the character at i with another base64url character.
func flipChar(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// wantErrorPage asserts that the authorization endpoint showed an error page
// with status and code, and did not redirect anywhere (RFC 6749 §4.1.2.1:
// never to an unvalidated redirect_uri).
func wantErrorPage(t *testing.T, r result, status int, code string) {
	t.Helper()
	if r.status/100 == 3 || r.header.Get("Location") != "" {
		t.Fatalf("redirected: %d Location %q, want an error page %d %s", r.status, r.header.Get("Location"), status, code)
	}
	if r.status != status || !strings.Contains(r.raw, "<code>"+code+"</code>") {
		t.Fatalf("got %d %s, want %d with error %s", r.status, r.raw, status, code)
	}
}

package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// Negative tests of the front channel: the PAR endpoint (RFC 9126, FAPI 2.0
// SP §5.3.2.2), request objects (RFC 9101), the authorization endpoint and
// the return from the login app. Errors before the redirect_uri is
// validated are shown as a page, never redirected.

func TestNegativePAR(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name       string
		give       func(url.Values)
		wantStatus int
		wantCode   string
	}{
		{name: "valid", give: func(url.Values) {}, wantStatus: 201},
		{name: "no redirect_uri, although only one is registered", give: func(v url.Values) { v.Del("redirect_uri") }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "request_uri parameter", give: func(v url.Values) { v.Set("request_uri", "urn:ietf:params:oauth:request_uri:abc") }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "no code_challenge", give: func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "code_challenge without method", give: func(v url.Values) { v.Del("code_challenge_method") }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "code_challenge_method plain", give: func(v url.Values) { v.Set("code_challenge_method", "plain") }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "malformed code_challenge", give: func(v url.Values) { v.Set("code_challenge", "short") }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "no response_type", give: func(v url.Values) { v.Del("response_type") }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "response_type token", give: func(v url.Values) { v.Set("response_type", "token") }, wantStatus: 400, wantCode: "unsupported_response_type"},
		{name: "response_type code id_token", give: func(v url.Values) { v.Set("response_type", "code id_token") }, wantStatus: 400, wantCode: "unsupported_response_type"},
		{name: "response_mode fragment", give: func(v url.Values) { v.Set("response_mode", "fragment") }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "unregistered redirect_uri", give: func(v url.Values) { v.Set("redirect_uri", "https://attacker.test/cb") }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "redirect_uri differing by a trailing slash", give: func(v url.Values) { v.Set("redirect_uri", redirectURI+"/") }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "scope the client is not registered for", give: func(v url.Values) { v.Set("scope", "openid manage_logins") }, wantStatus: 400, wantCode: "invalid_scope"},
		{name: "scope the workspace does not serve", give: func(v url.Values) { v.Set("scope", "openid transfers") }, wantStatus: 400, wantCode: "invalid_scope"},
		{name: "no scope", give: func(v url.Values) { v.Del("scope") }, wantStatus: 400, wantCode: "invalid_scope"},
		{name: "repeated state", give: func(v url.Values) { v["state"] = []string{"a", "b"} }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "repeated redirect_uri", give: func(v url.Values) { v["redirect_uri"] = []string{redirectURI, redirectURI} }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "repeated client_assertion", give: func(v url.Values) {
			v["client_assertion"] = []string{v.Get("client_assertion"), v.Get("client_assertion")}
		}, wantStatus: 400, wantCode: "invalid_request"},
		{name: "client_id of another client", give: func(v url.Values) { v.Set("client_id", "pkjwt-ps") }, wantStatus: 401, wantCode: "invalid_client"},
		{name: "malformed claims", give: func(v url.Values) { v.Set("claims", "{") }, wantStatus: 400, wantCode: "invalid_request"},
		{name: "negative max_age", give: func(v url.Values) { v.Set("max_age", "-1") }, wantStatus: 400, wantCode: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form, _ := parParams("openid accounts")
			form = e.auth("pkjwt", form)
			tt.give(form)
			r := e.do(call{path: "/ws/par", form: form})
			if tt.wantCode == "" {
				ru, _ := r.body["request_uri"].(string)
				if r.status != tt.wantStatus || !strings.HasPrefix(ru, "urn:ietf:params:oauth:request_uri:") {
					t.Fatalf("PAR = %d %s, want %d with a request_uri", r.status, r.raw, tt.wantStatus)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestNegativePARRequestShape: PAR is a POST of a form body (RFC 9126 §2.1).
func TestNegativePARRequestShape(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name       string
		giveMethod string
		giveType   string
		giveJSON   bool
		wantStatus int
		wantCode   string // "": only the status is checked
	}{
		{name: "form POST", giveMethod: "POST", giveType: "application/x-www-form-urlencoded", wantStatus: 201},
		{name: "form POST with charset", giveMethod: "POST", giveType: "application/x-www-form-urlencoded; charset=UTF-8", wantStatus: 201},
		{name: "JSON body", giveMethod: "POST", giveType: "application/json", giveJSON: true, wantStatus: 400, wantCode: "invalid_request"},
		{name: "form body labelled text/plain", giveMethod: "POST", giveType: "text/plain", wantStatus: 400, wantCode: "invalid_request"},
		{name: "no content type", giveMethod: "POST", wantStatus: 400, wantCode: "invalid_request"},
		{name: "GET with the parameters in the query", giveMethod: "GET", wantStatus: 405}, // echo's method check: not an OAuth error body
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form, _ := parParams("openid accounts")
			form = e.auth("pkjwt", form)
			body := form.Encode()
			if tt.giveJSON {
				body = `{"client_id":"pkjwt"}`
			}
			target := e.base + "/ws/par"
			var req *http.Request
			var err error
			if tt.giveMethod == "GET" {
				req, err = http.NewRequest("GET", target+"?"+body, nil)
			} else {
				req, err = http.NewRequest(tt.giveMethod, target, strings.NewReader(body))
			}
			must(t, err)
			if tt.giveType != "" {
				req.Header.Set("Content-Type", tt.giveType)
			}
			r := e.send(req, nil)
			if tt.wantCode == "" {
				if r.status != tt.wantStatus {
					t.Fatalf("PAR = %d %s, want %d", r.status, r.raw, tt.wantStatus)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestNegativePARRequestObject: request objects pushed to PAR (RFC 9101,
// RFC 9126 §3) are verified; failures are invalid_request_object.
func TestNegativePARRequestObject(t *testing.T) {
	e := newEnv(t)
	k := e.keys["pkjwt"]
	claims := func(edit func(map[string]any)) map[string]any {
		_, ch := oauthtest.PKCE()
		now := time.Now()
		c := map[string]any{
			"iss": "pkjwt", "aud": e.issuer, "client_id": "pkjwt", "jti": oauthtest.RandomString(16),
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
			"response_type": "code", "redirect_uri": redirectURI, "scope": "openid accounts",
			"code_challenge": ch, "code_challenge_method": "S256", "state": "s-1", "nonce": "n-1",
		}
		edit(c)
		return c
	}
	signed := func(edit func(map[string]any)) string {
		ro, err := k.Sign(claims(edit), "oauth-authz-req+jwt", false)
		must(t, err)
		return ro
	}
	noEdit := func(map[string]any) {}
	tests := []struct {
		name       string
		give       func() string
		wantStatus int
		wantCode   string
	}{
		{name: "valid", give: func() string { return signed(noEdit) }, wantStatus: 201},
		{name: "alg none", wantStatus: 400, wantCode: "invalid_request_object", give: func() string {
			ro, err := oauthtest.Unsigned(map[string]any{"typ": "oauth-authz-req+jwt"}, claims(noEdit))
			must(t, err)
			return ro
		}},
		{name: "HS256", wantStatus: 400, wantCode: "invalid_request_object", give: func() string {
			ro, err := oauthtest.SignHS256([]byte(strings.Repeat("k", 32)), nil, claims(noEdit))
			must(t, err)
			return ro
		}},
		{name: "signed by another client's key", wantStatus: 400, wantCode: "invalid_request_object", give: func() string {
			ro, err := e.keys["pkjwt-ps"].Sign(claims(noEdit), "oauth-authz-req+jwt", false)
			must(t, err)
			return ro
		}},
		{name: "iss is another client", wantStatus: 400, wantCode: "invalid_request_object", give: func() string {
			return signed(func(c map[string]any) { c["iss"] = "pkjwt-ps" })
		}},
		{name: "client_id claim is another client", wantStatus: 400, wantCode: "invalid_request_object", give: func() string {
			return signed(func(c map[string]any) { c["client_id"] = "pkjwt-ps" })
		}},
		{name: "aud is another workspace", wantStatus: 400, wantCode: "invalid_request_object", give: func() string {
			return signed(func(c map[string]any) { c["aud"] = e.base + "/other" })
		}},
		{name: "expired", wantStatus: 400, wantCode: "invalid_request_object", give: func() string {
			return signed(func(c map[string]any) {
				c["nbf"], c["exp"] = time.Now().Add(-10*time.Minute).Unix(), time.Now().Add(-5*time.Minute).Unix()
			})
		}},
		{name: "no exp", wantStatus: 400, wantCode: "invalid_request_object", give: func() string {
			return signed(func(c map[string]any) { delete(c, "exp") })
		}},
		{name: "no nbf", wantStatus: 400, wantCode: "invalid_request_object", give: func() string {
			return signed(func(c map[string]any) { delete(c, "nbf") })
		}},
		{name: "lifetime over 60 minutes", wantStatus: 400, wantCode: "invalid_request_object", give: func() string {
			return signed(func(c map[string]any) { c["exp"] = time.Now().Add(61 * time.Minute).Unix() })
		}},
		{name: "typ dpop+jwt", wantStatus: 400, wantCode: "invalid_request_object", give: func() string {
			ro, err := k.Sign(claims(noEdit), "dpop+jwt", false)
			must(t, err)
			return ro
		}},
		{name: "request_uri inside", wantStatus: 400, wantCode: "invalid_request_object", give: func() string {
			return signed(func(c map[string]any) { c["request_uri"] = "urn:ietf:params:oauth:request_uri:x" })
		}},
		{name: "unregistered redirect_uri inside", wantStatus: 400, wantCode: "invalid_request", give: func() string {
			return signed(func(c map[string]any) { c["redirect_uri"] = "https://attacker.test/cb" })
		}},
		{name: "no redirect_uri inside", wantStatus: 400, wantCode: "invalid_request", give: func() string {
			return signed(func(c map[string]any) { delete(c, "redirect_uri") })
		}},
		{name: "plain code_challenge_method inside", wantStatus: 400, wantCode: "invalid_request", give: func() string {
			return signed(func(c map[string]any) { c["code_challenge_method"] = "plain" })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(call{path: "/ws/par", form: e.auth("pkjwt", url.Values{"request": {tt.give()}})})
			if tt.wantCode == "" {
				if r.status != tt.wantStatus {
					t.Fatalf("PAR = %d %s, want %d", r.status, r.raw, tt.wantStatus)
				}
				return
			}
			wantOAuthError(t, r, tt.wantStatus, tt.wantCode)
		})
	}
	t.Run("replayed jti", func(t *testing.T) {
		ro := signed(noEdit)
		if r := e.do(call{path: "/ws/par", form: e.auth("pkjwt", url.Values{"request": {ro}})}); r.status != http.StatusCreated {
			t.Fatalf("first push = %d %s", r.status, r.raw)
		}
		wantOAuthError(t, e.do(call{path: "/ws/par", form: e.auth("pkjwt", url.Values{"request": {ro}})}), 400, "invalid_request_object")
	})
}

func TestNegativeAuthorize(t *testing.T) {
	e := newEnv(t)
	push := func(client string) string {
		f := e.newFlow(client, "", nil)
		r := f.par()
		if r.status != http.StatusCreated {
			t.Fatalf("PAR = %d %s", r.status, r.raw)
		}
		return r.body["request_uri"].(string)
	}
	plain := func() url.Values {
		v, _ := parParams("openid accounts")
		v.Set("client_id", "pkjwt")
		return v
	}
	tests := []struct {
		name       string
		give       func() url.Values
		wantStatus int
		wantCode   string
	}{
		{name: "valid request_uri", wantStatus: 303, give: func() url.Values {
			return url.Values{"client_id": {"pkjwt"}, "request_uri": {push("pkjwt")}}
		}},
		{name: "plain parameters without PAR", wantStatus: 400, wantCode: "invalid_request", give: plain},
		{name: "plain parameters with an unregistered redirect_uri", wantStatus: 400, wantCode: "invalid_request", give: func() url.Values {
			v := plain()
			v.Set("redirect_uri", "https://attacker.test/cb")
			return v
		}},
		{name: "request object by value", wantStatus: 400, wantCode: "invalid_request", give: func() url.Values {
			ro, err := e.keys["pkjwt"].RequestObject("pkjwt", e.issuer, map[string]any{"response_type": "code", "redirect_uri": redirectURI})
			must(t, err)
			return url.Values{"client_id": {"pkjwt"}, "request": {ro}}
		}},
		{name: "request_uri without client_id", wantStatus: 400, wantCode: "invalid_request", give: func() url.Values {
			return url.Values{"request_uri": {push("pkjwt")}}
		}},
		{name: "unknown client_id", wantStatus: 400, wantCode: "invalid_request", give: func() url.Values {
			return url.Values{"client_id": {"nobody"}, "request_uri": {push("pkjwt")}}
		}},
		{name: "unknown request_uri", wantStatus: 400, wantCode: "invalid_request_uri", give: func() url.Values {
			return url.Values{"client_id": {"pkjwt"}, "request_uri": {"urn:ietf:params:oauth:request_uri:" + oauthtest.RandomString(32)}}
		}},
		{name: "request_uri not issued by us", wantStatus: 400, wantCode: "invalid_request_uri", give: func() url.Values {
			return url.Values{"client_id": {"pkjwt"}, "request_uri": {"https://attacker.test/request.jwt"}}
		}},
		{name: "request_uri pushed by another client", wantStatus: 400, wantCode: "invalid_request_uri", give: func() url.Values {
			return url.Values{"client_id": {"pkjwt-ps"}, "request_uri": {push("pkjwt")}}
		}},
		{name: "repeated client_id", wantStatus: 400, wantCode: "invalid_request", give: func() url.Values {
			return url.Values{"client_id": {"pkjwt", "pkjwt"}, "request_uri": {push("pkjwt")}}
		}},
		{name: "repeated request_uri", wantStatus: 400, wantCode: "invalid_request", give: func() url.Values {
			ru := push("pkjwt")
			return url.Values{"client_id": {"pkjwt"}, "request_uri": {ru, ru}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(call{method: "GET", path: "/ws/authorize?" + tt.give().Encode()})
			if tt.wantCode == "" {
				loc := r.header.Get("Location")
				if r.status != tt.wantStatus || !strings.HasPrefix(loc, e.issuer+"/demo/login?login_id=") {
					t.Fatalf("authorize = %d Location %q, want %d to the login app", r.status, loc, tt.wantStatus)
				}
				return
			}
			wantErrorPage(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestNegativeRequestURIReuse: a request_uri is single use (RFC 9126 §2.2,
// FAPI 2.0 SP §5.3.2.2).
func TestNegativeRequestURIReuse(t *testing.T) {
	e := newEnv(t)
	f := e.newFlow("pkjwt", "", nil)
	r := f.par()
	if r.status != http.StatusCreated {
		t.Fatalf("PAR = %d %s", r.status, r.raw)
	}
	ru := r.body["request_uri"].(string)
	if loginID, ar := f.authorize(ru); loginID == "" {
		t.Fatalf("first authorize = %d %s", ar.status, ar.raw)
	}
	_, again := f.authorize(ru)
	wantErrorPage(t, again, 400, "invalid_request_uri")
}

// TestNegativeRequestURIExpired: a request_uri lives expires_in seconds
// (RFC 9126 §2.2).
func TestNegativeRequestURIExpired(t *testing.T) {
	e, clk := newClockEnv(t)
	tests := []struct {
		name       string
		giveAge    time.Duration
		wantStatus int
		wantCode   string
	}{
		{"fresh", 0, 303, ""},
		{"55 s old", 55 * time.Second, 303, ""},
		{"61 s old", 61 * time.Second, 400, "invalid_request_uri"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := e.newFlow("mtls", "mtls", nil)
			r := f.par()
			if r.status != http.StatusCreated || r.body["expires_in"] != float64(60) {
				t.Fatalf("PAR = %d %s, want 201 with expires_in 60", r.status, r.raw)
			}
			clk.Advance(tt.giveAge)
			loginID, ar := f.authorize(r.body["request_uri"].(string))
			if tt.wantCode == "" {
				if loginID == "" {
					t.Fatalf("authorize = %d %s, want a login", ar.status, ar.raw)
				}
				return
			}
			wantErrorPage(t, ar, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestNegativeLoginExpired: a login can be resumed only within
// LoginLifetime (10 minutes by default).
func TestNegativeLoginExpired(t *testing.T) {
	e, clk := newClockEnv(t)
	tests := []struct {
		name       string
		giveAge    time.Duration
		wantStatus int
		wantCode   string
	}{
		{"9 minutes", 9 * time.Minute, 303, ""},
		{"11 minutes", 11 * time.Minute, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := e.newFlow("mtls", "mtls", nil)
			r := f.par()
			if r.status != http.StatusCreated {
				t.Fatalf("PAR = %d %s", r.status, r.raw)
			}
			loginID, ar := f.authorize(r.body["request_uri"].(string))
			if loginID == "" {
				t.Fatalf("authorize = %d %s", ar.status, ar.raw)
			}
			_, err := e.provider().AcceptLogin(context.Background(), loginID, oauth.LoginAccept{Subject: "alice"})
			must(t, err)
			clk.Advance(tt.giveAge)
			req, err := http.NewRequest("GET", e.issuer+"/authorize/resume?login_id="+url.QueryEscape(loginID), nil)
			must(t, err)
			res := e.send(req, f.hc)
			if tt.wantCode == "" {
				if res.status != tt.wantStatus || !strings.HasPrefix(res.header.Get("Location"), redirectURI+"?code=") {
					t.Fatalf("resume = %d Location %q, want %d with a code", res.status, res.header.Get("Location"), tt.wantStatus)
				}
				return
			}
			wantErrorPage(t, res, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestNegativeAuthorizeIgnoresFrontChannelRedirect: with request_uri only
// the pushed parameters count; a redirect_uri added in the browser is
// never used (RFC 9126 §4, FAPI 2.0 SP §5.3.2.2).
func TestNegativeAuthorizeIgnoresFrontChannelRedirect(t *testing.T) {
	e := newEnv(t)
	f := e.newFlow("pkjwt", "", nil)
	r := f.par()
	if r.status != http.StatusCreated {
		t.Fatalf("PAR = %d %s", r.status, r.raw)
	}
	q := url.Values{"client_id": {"pkjwt"}, "request_uri": {r.body["request_uri"].(string)},
		"redirect_uri": {"https://attacker.test/cb"}, "state": {"attacker"}}
	ar := e.do(call{method: "GET", path: "/ws/authorize?" + q.Encode(), client: f.hc})
	loc, _ := url.Parse(ar.header.Get("Location"))
	if ar.status != http.StatusSeeOther || loc == nil || loc.Query().Get("login_id") == "" {
		t.Fatalf("authorize = %d %s", ar.status, ar.raw)
	}
	loginID := loc.Query().Get("login_id")
	_, err := e.provider().AcceptLogin(context.Background(), loginID, oauth.LoginAccept{Subject: "alice"})
	must(t, err)
	u := f.resume(loginID)
	if got := u.Scheme + "://" + u.Host + u.Path; got != redirectURI || u.Query().Get("state") != f.state {
		t.Fatalf("redirected to %s, want %s with the pushed state %s", u, redirectURI, f.state)
	}
}

func TestNegativeResume(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	accept := func(loginID string) {
		_, err := e.provider().AcceptLogin(ctx, loginID, oauth.LoginAccept{Subject: "alice"})
		must(t, err)
	}
	start := func() (*flow, string) {
		f := e.newFlow("pkjwt", "", nil)
		r := f.par()
		if r.status != http.StatusCreated {
			t.Fatalf("PAR = %d %s", r.status, r.raw)
		}
		loginID, ar := f.authorize(r.body["request_uri"].(string))
		if loginID == "" {
			t.Fatalf("authorize = %d %s", ar.status, ar.raw)
		}
		return f, loginID
	}
	resume := func(hc *http.Client, loginID string, cookies ...*http.Cookie) result {
		req, err := http.NewRequest("GET", e.issuer+"/authorize/resume?login_id="+url.QueryEscape(loginID), nil)
		must(t, err)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		return e.send(req, hc)
	}
	tests := []struct {
		name       string
		give       func() result
		wantStatus int
		wantCode   string
	}{
		{name: "same browser after accept", wantStatus: 303, give: func() result {
			f, id := start()
			accept(id)
			return resume(f.hc, id)
		}},
		{name: "another browser", wantStatus: 403, wantCode: "access_denied", give: func() result {
			_, id := start()
			accept(id)
			return resume(e.httpClient(""), id)
		}},
		{name: "another browser with a forged cookie", wantStatus: 403, wantCode: "access_denied", give: func() result {
			f, id := start()
			accept(id)
			forged := *loginCookie(t, f, e.issuer)
			forged.Value = oauthtest.RandomString(32)
			return resume(e.httpClient(""), id, &forged)
		}},
		{name: "second resume in the same browser", wantStatus: 403, wantCode: "access_denied", give: func() result {
			f, id := start()
			accept(id)
			if r := resume(f.hc, id); r.status != http.StatusSeeOther {
				t.Fatalf("first resume = %d %s", r.status, r.raw)
			}
			return resume(f.hc, id)
		}},
		{name: "second resume replaying the cookie", wantStatus: 400, wantCode: "invalid_request", give: func() result {
			f, id := start()
			accept(id)
			c := loginCookie(t, f, e.issuer)
			if r := resume(f.hc, id); r.status != http.StatusSeeOther {
				t.Fatalf("first resume = %d %s", r.status, r.raw)
			}
			return resume(e.httpClient(""), id, c)
		}},
		{name: "before the login is decided", wantStatus: 400, wantCode: "invalid_request", give: func() result {
			f, id := start()
			return resume(f.hc, id)
		}},
		{name: "unknown login_id", wantStatus: 400, wantCode: "invalid_request", give: func() result {
			f, _ := start()
			return resume(f.hc, oauthtest.RandomString(32))
		}},
		{name: "no login_id", wantStatus: 400, wantCode: "invalid_request", give: func() result {
			f, _ := start()
			return resume(f.hc, "")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.give()
			if tt.wantCode == "" {
				loc, _ := url.Parse(r.header.Get("Location"))
				if r.status != tt.wantStatus || loc == nil || loc.Query().Get("code") == "" {
					t.Fatalf("resume = %d Location %q, want %d with a code", r.status, r.header.Get("Location"), tt.wantStatus)
				}
				return
			}
			wantErrorPage(t, r, tt.wantStatus, tt.wantCode)
		})
	}
}

// TestNegativeLoginRejected: a refusal returns to the client with the error,
// state and iss (RFC 6749 §4.1.2.1, RFC 9207), and no code.
func TestNegativeLoginRejected(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name      string
		giveError string
		wantError string
	}{
		{"default", "", "access_denied"},
		{"access_denied", "access_denied", "access_denied"},
		{"login_required", "login_required", "login_required"},
		{"consent_required", "consent_required", "consent_required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := e.newFlow("pkjwt", "", newKey(t, jose.ES256))
			r := f.par()
			if r.status != http.StatusCreated {
				t.Fatalf("PAR = %d %s", r.status, r.raw)
			}
			loginID, ar := f.authorize(r.body["request_uri"].(string))
			if loginID == "" {
				t.Fatalf("authorize = %d %s", ar.status, ar.raw)
			}
			_, err := e.provider().RejectLogin(context.Background(), loginID, oauth.LoginReject{Error: tt.giveError, Description: "no"})
			must(t, err)
			u := f.resume(loginID)
			q := u.Query()
			if got := u.Scheme + "://" + u.Host + u.Path; got != redirectURI {
				t.Errorf("redirected to %s, want %s", got, redirectURI)
			}
			if q.Get("error") != tt.wantError || q.Get("state") != f.state || q.Get("iss") != e.issuer || q.Has("code") {
				t.Errorf("redirect = %s, want error=%s, state %s, iss %s and no code", u, tt.wantError, f.state, e.issuer)
			}
		})
	}
	t.Run("unsupported error code", func(t *testing.T) {
		f := e.newFlow("pkjwt", "", nil)
		r := f.par()
		ru, _ := r.body["request_uri"].(string)
		loginID, ar := f.authorize(ru)
		if loginID == "" {
			t.Fatalf("PAR = %d %s, authorize = %d %s", r.status, r.raw, ar.status, ar.raw)
		}
		if _, err := e.provider().RejectLogin(context.Background(), loginID, oauth.LoginReject{Error: "server_error"}); err == nil {
			t.Fatal("RejectLogin(server_error) = nil, want an error")
		}
	})
}

// loginCookie returns the browser cookie of f's login.
func loginCookie(t *testing.T, f *flow, issuer string) *http.Cookie {
	t.Helper()
	u, err := url.Parse(issuer + "/authorize/resume")
	must(t, err)
	for _, c := range f.hc.Jar.Cookies(u) {
		if strings.HasPrefix(c.Name, "oc_login_") {
			return c
		}
	}
	t.Fatal("no login cookie in the browser")
	return nil
}

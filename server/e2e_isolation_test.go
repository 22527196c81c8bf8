package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
)

// Isolation tests: nothing of one workspace is reachable through another.
// "ws" and "other" share the server, the database and the system secret;
// clients, codes, tokens, request_uris and logins must still stay in their
// own workspace.

func TestIsolationClientAuth(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name     string
		giveWS   string // workspace called
		giveAud  string // workspace named in the assertion aud
		giveID   string
		giveCert string
		wantCode string // "" = success
	}{
		{name: "ws client at ws", giveWS: "ws", giveAud: "ws", giveID: "pkjwt"},
		{name: "other client at other", giveWS: "other", giveAud: "other", giveID: "other-client"},
		{name: "other client at ws", giveWS: "ws", giveAud: "ws", giveID: "other-client", wantCode: "invalid_client"},
		{name: "other client at ws, aud other", giveWS: "ws", giveAud: "other", giveID: "other-client", wantCode: "invalid_client"},
		{name: "ws client at other", giveWS: "other", giveAud: "other", giveID: "pkjwt", wantCode: "invalid_client"},
		{name: "ws client at other, aud ws", giveWS: "other", giveAud: "ws", giveID: "pkjwt", wantCode: "invalid_client"},
		{name: "ws tls_client_auth client at other", giveWS: "other", giveID: "mtls", giveCert: "mtls", wantCode: "invalid_client"},
	}
	for _, ep := range []string{"token", "par"} {
		for _, tt := range tests {
			t.Run(ep+"/"+tt.name, func(t *testing.T) {
				path := "/" + tt.giveWS + "/" + ep
				form := url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}}
				h := http.Header{}
				if ep == "par" {
					form, _ = parParams("accounts")
				} else {
					h.Set("DPoP", e.proof(newKey(t, jose.ES256), "POST", path, ""))
				}
				if tt.giveAud == "" {
					form.Set("client_id", tt.giveID)
				} else {
					a, err := e.keys[tt.giveID].Assertion(tt.giveID, e.base+"/"+tt.giveAud)
					must(t, err)
					for k, vs := range assertionForm(tt.giveID, a) {
						form[k] = vs
					}
				}
				r := e.do(call{path: path, form: form, header: h, cert: tt.giveCert})
				if tt.wantCode == "" {
					if r.status/100 != 2 {
						t.Fatalf("%s = %d %s, want success", path, r.status, r.raw)
					}
					return
				}
				wantOAuthError(t, r, 401, tt.wantCode)
			})
		}
	}
}

// TestIsolationTokens: tokens and codes of "ws" are unknown to "other".
func TestIsolationTokens(t *testing.T) {
	e := newEnv(t)
	dk := newKey(t, jose.ES256)
	f := e.newFlow("pkjwt", "", dk)
	wsTok := f.token(f.code())
	if wsTok.status != http.StatusOK {
		t.Fatalf("ws token = %d %s", wsTok.status, wsTok.raw)
	}
	wsAT, wsRT := wsTok.body["access_token"].(string), wsTok.body["refresh_token"].(string)
	ocForm := e.authAt("other", "other-client", url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}})
	otherTok := e.do(call{path: "/other/token", form: ocForm, header: http.Header{"DPoP": {e.proof(dk, "POST", "/other/token", "")}}})
	if otherTok.status != http.StatusOK {
		t.Fatalf("other token = %d %s", otherTok.status, otherTok.raw)
	}
	otherAT := otherTok.body["access_token"].(string)

	t.Run("introspection", func(t *testing.T) {
		tests := []struct {
			name       string
			giveWS     string
			giveClient string
			giveToken  string
			wantActive bool
		}{
			{"ws access token at ws", "ws", "system", wsAT, true},
			{"ws refresh token at ws", "ws", "system", wsRT, true},
			{"other access token at other", "other", "other-client", otherAT, true},
			{"ws access token at other", "other", "other-client", wsAT, false},
			{"ws refresh token at other", "other", "other-client", wsRT, false},
			{"other access token at ws", "ws", "system", otherAT, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := e.introspect(tt.giveWS, tt.giveClient, tt.giveToken)["active"]; got != tt.wantActive {
					t.Errorf("active = %v, want %v", got, tt.wantActive)
				}
			})
		}
	})

	t.Run("userinfo", func(t *testing.T) {
		tests := []struct {
			name       string
			giveWS     string
			wantStatus int
		}{
			{"at ws", "ws", 200},
			{"at other", "other", 401},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				path := "/" + tt.giveWS + "/userinfo"
				h := http.Header{"Authorization": {"DPoP " + wsAT}, "DPoP": {e.proof(dk, "GET", path, wsAT)}}
				r := e.do(call{method: "GET", path: path, header: h})
				if tt.wantStatus == http.StatusOK {
					if r.status != http.StatusOK || r.body["sub"] != "alice" {
						t.Fatalf("userinfo = %d %s, want 200 for alice", r.status, r.raw)
					}
					return
				}
				wantOAuthError(t, r, tt.wantStatus, "invalid_token")
			})
		}
	})

	t.Run("grants at other", func(t *testing.T) {
		g := e.newFlow("pkjwt", "", dk)
		wsCode := g.code()
		tests := []struct {
			name     string
			giveForm url.Values
		}{
			{"ws refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {wsRT}}},
			{"ws code", url.Values{"grant_type": {"authorization_code"}, "code": {wsCode}, "redirect_uri": {redirectURI}, "code_verifier": {g.verifier}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := http.Header{"DPoP": {e.proof(dk, "POST", "/other/token", "")}}
				r := e.do(call{path: "/other/token", form: e.authAt("other", "other-client", tt.giveForm), header: h})
				wantOAuthError(t, r, 400, "invalid_grant")
			})
		}
		// Baseline: the code still works where it was issued.
		if r := g.token(wsCode); r.status != http.StatusOK {
			t.Fatalf("ws code at ws = %d %s", r.status, r.raw)
		}
	})

	t.Run("revocation at other", func(t *testing.T) {
		for _, tok := range []string{wsAT, wsRT} {
			r := e.do(call{path: "/other/revoke", form: e.authAt("other", "other-client", url.Values{"token": {tok}})})
			if r.status != http.StatusOK { // RFC 7009 §2.2: an unknown token is not an error
				t.Fatalf("revoke at other = %d %s", r.status, r.raw)
			}
		}
		for _, tok := range []string{wsAT, wsRT} {
			if in := e.introspect("ws", "system", tok); in["active"] != true {
				t.Errorf("after revocation at other, ws introspection = %v, want active", in)
			}
		}
	})
}

// TestIsolationRequestURI: a request_uri pushed at "ws" is unknown at
// "other" and stays usable at "ws".
func TestIsolationRequestURI(t *testing.T) {
	e := newEnv(t)
	f := e.newFlow("pkjwt", "", nil)
	r := f.par()
	if r.status != http.StatusCreated {
		t.Fatalf("PAR = %d %s", r.status, r.raw)
	}
	ru := r.body["request_uri"].(string)
	tests := []struct {
		name       string
		giveClient string
		wantCode   string
	}{
		{"as another workspace's client", "other-client", "invalid_request_uri"},
		{"as the pushing client", "pkjwt", "invalid_request"}, // unknown client at other
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{"client_id": {tt.giveClient}, "request_uri": {ru}}
			wantErrorPage(t, e.do(call{method: "GET", path: "/other/authorize?" + q.Encode(), client: f.hc}), 400, tt.wantCode)
		})
	}
	if loginID, ar := f.authorize(ru); loginID == "" {
		t.Fatalf("authorize at ws after the attempts at other = %d %s, want a login", ar.status, ar.raw)
	}
}

// TestIsolationLogin: a login_id of "ws" is unknown at "other", to the
// login API and at the resume endpoint, and stays usable at "ws".
func TestIsolationLogin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	f := e.newFlow("pkjwt", "", nil)
	r := f.par()
	if r.status != http.StatusCreated {
		t.Fatalf("PAR = %d %s", r.status, r.raw)
	}
	loginID, ar := f.authorize(r.body["request_uri"].(string))
	if loginID == "" {
		t.Fatalf("authorize = %d %s", ar.status, ar.raw)
	}
	ow, ok := e.srv.Workspace("other")
	if !ok {
		t.Fatal("no workspace other")
	}
	other := ow.Provider
	if _, err := other.Login(ctx, loginID); !oauth.IsNotFound(err) {
		t.Errorf("other.Login = %v, want not found", err)
	}
	if _, err := other.AcceptLogin(ctx, loginID, oauth.LoginAccept{Subject: "mallory"}); !oauth.IsNotFound(err) {
		t.Errorf("other.AcceptLogin = %v, want not found", err)
	}
	if _, err := other.RejectLogin(ctx, loginID, oauth.LoginReject{}); !oauth.IsNotFound(err) {
		t.Errorf("other.RejectLogin = %v, want not found", err)
	}
	if _, err := e.provider().AcceptLogin(ctx, loginID, oauth.LoginAccept{Subject: "alice"}); err != nil {
		t.Fatal(err)
	}
	// The browser's cookie is scoped to /ws; send it to other as well.
	req, err := http.NewRequest("GET", e.base+"/other/authorize/resume?login_id="+url.QueryEscape(loginID), nil)
	must(t, err)
	req.AddCookie(loginCookie(t, f, e.issuer))
	wantErrorPage(t, e.send(req, f.hc), 400, "invalid_request")
	u := f.resume(loginID)
	if u.Query().Get("code") == "" || u.Query().Get("iss") != e.issuer || !strings.HasPrefix(u.String(), redirectURI+"?") {
		t.Fatalf("resume at ws = %s, want a code from %s", u, e.issuer)
	}
}

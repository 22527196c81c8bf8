package server_test

import (
	"net/http"
	"slices"
	"testing"
)

// testRegistrationWebhookURIs registers a Brasil client with webhook_uris
// among its SSA's software_api_webhook_uris over the real server, then
// sends RFC 7592 updates: webhook_uris outside the SSA or malformed are
// refused with 400 invalid_webhook_uris and change nothing; a URL with a
// query is refused by OFB's pattern only; omitting them removes them.
func testRegistrationWebhookURIs(t *testing.T, re *regEnv) {
	for _, eco := range []string{"ofb", "opin"} {
		t.Run(eco, func(t *testing.T) {
			re.t = t
			sw, certID := "sw-"+eco+"-webhook", "tpp-"+eco+"-webhook"
			cert, err := re.ca.ClientCert(tppSubject(eco, sw, "org-"+eco))
			must(t, err)
			re.certs[certID] = cert
			hook := "https://tpp.test/" + eco + "/hook"
			claims := re.ssaClaims(eco, sw)
			claims["software_api_webhook_uris"] = []string{hook, hook + "?v=1"}
			ssa := re.signSSA(eco, claims)
			send := func(method, path string, webhooks any, h http.Header) result {
				m := re.metadata(eco)
				if webhooks != nil {
					m["webhook_uris"] = webhooks
				}
				ct, body := re.request(eco, ssa, m)
				return re.send(method, path, ct, body, h, certID)
			}

			r := send(http.MethodPost, "/"+wsOf(eco)+"/register", []string{hook}, nil)
			if r.status != http.StatusCreated || !slices.Equal(strs(r.body["webhook_uris"]), []string{hook}) {
				t.Fatalf("register = %d %s, want 201 with webhook_uris [%s]", r.status, r.raw, hook)
			}
			path := "/" + wsOf(eco) + "/register/" + r.body["client_id"].(string)
			manage := bearer(r.body["registration_access_token"].(string))

			tests := []struct {
				name         string
				giveWebhooks any
			}{
				{"not in software_api_webhook_uris", []string{"https://evil.test/hook"}},
				{"not an array", hook},
				{"non-string item", []any{hook, 7}},
			}
			for _, tt := range tests {
				t.Run("update "+tt.name, func(t *testing.T) {
					re.t = t
					wantRegError(t, send(http.MethodPut, path, tt.giveWebhooks, manage), http.StatusBadRequest, "invalid_webhook_uris")
				})
			}
			re.t = t
			if g := re.send(http.MethodGet, path, "", nil, manage, certID); g.status != http.StatusOK || !slices.Equal(strs(g.body["webhook_uris"]), []string{hook}) {
				t.Fatalf("GET after refused updates = %d %s, want webhook_uris [%s]", g.status, g.raw, hook)
			}
			// A query is outside the OFB swagger's base-URL pattern even when
			// the SSA lists the URL; the OPIN swagger states no pattern.
			q := send(http.MethodPut, path, []string{hook + "?v=1"}, manage)
			if eco == "ofb" {
				wantRegError(t, q, http.StatusBadRequest, "invalid_webhook_uris")
			} else if q.status != http.StatusOK || !slices.Equal(strs(q.body["webhook_uris"]), []string{hook + "?v=1"}) {
				t.Fatalf("opin PUT with an approved URL with a query = %d %s, want 200 (no pattern in the OPIN swagger)", q.status, q.raw)
			}
			u := send(http.MethodPut, path, nil, manage)
			if _, ok := u.body["webhook_uris"]; u.status != http.StatusOK || ok {
				t.Fatalf("PUT without webhook_uris = %d %s, want 200 without webhook_uris", u.status, u.raw)
			}
		})
	}
}

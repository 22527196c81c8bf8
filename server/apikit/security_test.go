package apikit_test

import (
	"net/http"
	"strings"
	"testing"
)

// Security code is tested by its failures (style §7): each case violates one
// rule and asserts the exact status, code and challenge.
func TestSecurity(t *testing.T) {
	e := newTestServer(t)
	tests := []struct {
		name          string
		giveMethod    string
		givePath      string
		giveToken     string
		wantStatus    int
		wantCode      string
		wantChallenge string
	}{
		{"no token", "GET", "/ws/things/abc", "", 401, "invalid_token", `Bearer realm="test"`},
		{"unknown token", "GET", "/ws/things/abc", "forged", 401, "invalid_token", `Bearer realm="test"`},
		{"DPoP proof error is 401 with a DPoP challenge", "GET", "/ws/things/abc", "bad-proof", 401, "invalid_dpop_proof", `DPoP error="invalid_dpop_proof"`},
		{"operation scope missing", "POST", "/ws/things/abc", "sys-read", 403, "insufficient_scope", `Bearer error="insufficient_scope", scope="write"`},
		{"not a system client", "GET", "/ws/things/abc", "tpp-rw", 403, "insufficient_scope", `Bearer error="insufficient_scope"`},
		{"client no longer exists", "GET", "/ws/things/abc", "gone-rw", 403, "insufficient_scope", `Bearer error="insufficient_scope"`},
		{"authenticator failure is a bare 500", "GET", "/ws/things/abc", "server-fail", 500, "server_error", ""},
		{"security before validation", "POST", "/ws/things/NOT-VALID", "", 401, "invalid_token", `Bearer realm="test"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := serve(e, tt.giveMethod, tt.givePath, tt.giveToken, "application/json", `{}`)
			if r.status != tt.wantStatus || r.body["test_code"] != tt.wantCode {
				t.Fatalf("got %d %v, want %d %s (%s)", r.status, r.body["test_code"], tt.wantStatus, tt.wantCode, r.raw)
			}
			if got := r.header.Get("WWW-Authenticate"); got != tt.wantChallenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.wantChallenge)
			}
			if strings.Contains(r.raw, "unexpected EOF") {
				t.Errorf("body %s leaks the cause", r.raw)
			}
		})
	}
}

func TestSecurityGrants(t *testing.T) {
	e := newTestServer(t)
	tests := []struct {
		name       string
		givePath   string
		giveToken  string
		wantClient string
	}{
		{"document-level requirement", "/ws/things/abc", "sys-read", "sys"},
		{"operation without security needs no token", "/ws/public", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := serve(e, http.MethodGet, tt.givePath, tt.giveToken, "", "")
			if r.status != http.StatusOK {
				t.Fatalf("status = %d, want 200 (%s)", r.status, r.raw)
			}
			got, _ := r.body["client_id"].(string)
			if got != tt.wantClient {
				t.Errorf("Token(ctx).ClientID = %q, want %q", got, tt.wantClient)
			}
		})
	}
}

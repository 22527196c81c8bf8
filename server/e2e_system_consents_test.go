package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/oauthtest"
)

// consentsSpec validates every response of these tests against our OpenAPI file.
var consentsSpec = sync.OnceValues(func() (*apikit.ResponseValidator, error) {
	raw, err := os.ReadFile("../openapi/system/consents/v1/openapi.yaml")
	if err != nil {
		return nil, err
	}
	doc, err := apikit.LoadSpec(raw)
	if err != nil {
		return nil, err
	}
	return apikit.NewResponseValidator(doc, "/ws")
})

// consentsCall calls the system consents API of workspace ws with a
// DPoP-bound system token and validates the response against the spec.
func (e *env) consentsCall(method, path, tok string, dk *oauthtest.Key, body any) result {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		must(e.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	must(e.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		proof, err := dk.DPoP(method, e.base+path, tok, "")
		must(e.t, err)
		req.Header.Set("Authorization", "DPoP "+tok)
		req.Header.Set("DPoP", proof)
	}
	resp, err := e.httpClient("").Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	v, err := consentsSpec()
	must(e.t, err)
	vreq, _ := http.NewRequest(method, path, nil)
	if err := v.Validate(vreq, resp.StatusCode, resp.Header, raw); err != nil {
		e.t.Errorf("%s %s: response %d does not match openapi/system/consents/v1: %v\n%s", method, path, resp.StatusCode, err, raw)
	}
	return r
}

func TestSystemConsentsAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	w, _ := e.srv.Workspace("ws")
	exp := time.Now().Add(24 * time.Hour)
	mk := func(kind consent.Kind, subject string) string {
		c, _, err := w.Consents.Create(ctx, consent.NewConsent{Workspace: "ws", ClientID: "pkjwt", Ecosystem: "generic", Kind: kind, ExpiresAt: &exp, Payload: []byte(`{"Data":{}}`)})
		must(t, err)
		if subject != "" {
			_, err = w.Consents.Authorise(ctx, "ws", c.ID, consent.Decision{Subject: subject, Resources: []string{"acc-1"}})
			must(t, err)
		}
		return c.ID
	}
	var aliceIDs []string
	for range 5 {
		aliceIDs = append(aliceIDs, mk(consent.KindAccountAccess, "alice"))
		time.Sleep(2 * time.Millisecond) // distinct created_at for a stable order
	}
	pay := mk(consent.KindPayment, "bob")
	dk := newKey(t, jose.ES256)
	tok := e.systemToken("system", "manage_consents", dk)

	// Keyset pagination: 5 of alice's consents, 2 per page, newest first, no repeats.
	seen := map[string]bool{}
	after := ""
	for pages := 0; ; pages++ {
		path := "/ws/system/consents?subject=alice&limit=2"
		if after != "" {
			path += "&after=" + after
		}
		r := e.consentsCall("GET", path, tok, dk, nil)
		if r.status != http.StatusOK {
			t.Fatalf("list = %d %s", r.status, r.raw)
		}
		for _, c := range r.body["data"].([]any) {
			id := c.(map[string]any)["consent_id"].(string)
			if seen[id] {
				t.Fatalf("consent %s on two pages", id)
			}
			seen[id] = true
		}
		next, _ := r.body["next_cursor"].(string)
		if next == "" {
			break
		}
		after = next
	}
	if len(seen) != len(aliceIDs) {
		t.Fatalf("listed %d of alice's consents, want %d", len(seen), len(aliceIDs))
	}

	tests := []struct {
		name       string
		method     string
		path       string
		body       any
		wantStatus int
	}{
		{"get with history", "GET", "/ws/system/consents/" + pay, nil, http.StatusOK},
		{"get unknown", "GET", "/ws/system/consents/nope", nil, http.StatusNotFound},
		{"consume an account-access consent", "POST", "/ws/system/consents/" + aliceIDs[0] + "/consume", map[string]any{"actor": "payments"}, http.StatusBadRequest},
		{"consume", "POST", "/ws/system/consents/" + pay + "/consume", map[string]any{"actor": "payments"}, http.StatusOK},
		{"consume twice", "POST", "/ws/system/consents/" + pay + "/consume", map[string]any{"actor": "payments"}, http.StatusConflict},
		{"consume unknown", "POST", "/ws/system/consents/nope/consume", map[string]any{"actor": "payments"}, http.StatusNotFound},
		{"revoke without actor", "POST", "/ws/system/consents/" + aliceIDs[1] + "/revoke", map[string]any{}, http.StatusBadRequest},
		{"revoke", "POST", "/ws/system/consents/" + aliceIDs[1] + "/revoke", map[string]any{"actor": "ops", "reason": "fraud"}, http.StatusOK},
		{"revoke twice", "POST", "/ws/system/consents/" + aliceIDs[1] + "/revoke", map[string]any{"actor": "ops"}, http.StatusConflict},
		{"bad status filter", "GET", "/ws/system/consents?status=happy", nil, http.StatusBadRequest},
		{"malformed cursor", "GET", "/ws/system/consents?after=%21%21", nil, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.consentsCall(tt.method, tt.path, tok, dk, tt.body)
			if r.status != tt.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, r.status, r.raw, tt.wantStatus)
			}
		})
	}
	r := e.consentsCall("GET", "/ws/system/consents/"+aliceIDs[1], tok, dk, nil)
	hist, _ := r.body["history"].([]any)
	if r.body["status"] != "revoked" || len(hist) != 3 {
		t.Fatalf("revoked consent = %s, want status revoked and 3 history entries", r.raw)
	}
	last := hist[2].(map[string]any)
	if last["actor"] != "ops" || last["reason"] != "fraud" {
		t.Errorf("last transition = %v, want actor ops, reason fraud", last)
	}
	// Without a token: 401; with a non-system client's token: 403.
	if r := e.consentsCall("GET", "/ws/system/consents", "", dk, nil); r.status != http.StatusUnauthorized {
		t.Errorf("no token = %d, want 401", r.status)
	}
	f := e.newFlow("pkjwt", "", dk)
	cc := e.do(call{path: "/ws/token", form: e.auth("pkjwt", map[string][]string{"grant_type": {"client_credentials"}, "scope": {"accounts"}}), header: f.dpopHeader("POST", "/ws/token", "")})
	if r := e.consentsCall("GET", "/ws/system/consents", cc.body["access_token"].(string), dk, nil); r.status != http.StatusForbidden {
		t.Errorf("non-system client = %d, want 403", r.status)
	}
}

package dcr_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openconsent/openconsent/dcr"
)

const ssaWebhooks = "software_api_webhook_uris"

// webhookTest is one webhook_uris case, run as a registration and as an
// update. The SSA's software_api_webhook_uris lists the fixture's hooks
// plus every string the request sends, so that a malformed URI can only be
// refused by the format rule under test; giveSSA then edits the claims.
type webhookTest struct {
	name         string
	giveWebhooks any // the request's webhook_uris; nil = omitted
	giveSSA      func(c map[string]any)
	wantCode     string
	wantWebhooks []string // on success, the response's webhook_uris; nil = absent
}

func webhookTests() []webhookTest {
	long := "https://tpp.test/" + strings.Repeat("a", 256-len("https://tpp.test/")) // 256 characters
	longest := long[:255]
	return []webhookTest{
		{name: "subset of the SSA's", giveWebhooks: []string{"https://tpp.test/hook"}, wantWebhooks: []string{"https://tpp.test/hook"}},
		{name: "all of the SSA's", giveWebhooks: []string{"https://tpp.test/hook", "https://tpp.test/hook2"}, wantWebhooks: []string{"https://tpp.test/hook", "https://tpp.test/hook2"}},
		{name: "base URL with a path and a port", giveWebhooks: []string{"https://tpp.test:8443/kong3/base"}, wantWebhooks: []string{"https://tpp.test:8443/kong3/base"}},
		{name: "255 characters", giveWebhooks: []string{longest}, wantWebhooks: []string{longest}},
		{name: "omitted", wantWebhooks: nil},
		{name: "null", giveWebhooks: json.RawMessage(`null`), wantWebhooks: nil},
		{name: "empty", giveWebhooks: []string{}, wantWebhooks: []string{}},
		{name: "omitted, SSA without the claim", giveSSA: func(c map[string]any) { delete(c, ssaWebhooks) }, wantWebhooks: nil},
		{name: "trailing slash", giveWebhooks: []string{"https://tpp.test/hook/"}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "host with a trailing slash", giveWebhooks: []string{"https://tpp.test/"}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "query", giveWebhooks: []string{"https://tpp.test/hook?x=1"}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "empty query", giveWebhooks: []string{"https://tpp.test/hook?"}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "fragment", giveWebhooks: []string{"https://tpp.test/hook#f"}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "http scheme", giveWebhooks: []string{"http://tpp.test/hook"}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "relative", giveWebhooks: []string{"/hook"}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "longer than 255 characters", giveWebhooks: []string{long}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "one bad among good", giveWebhooks: []string{"https://tpp.test/hook", "https://tpp.test/hook2/"}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "non-string item", giveWebhooks: []any{"https://tpp.test/hook", 42}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "null item", giveWebhooks: []any{nil}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "non-array string", giveWebhooks: "https://tpp.test/hook", wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "non-array object", giveWebhooks: map[string]any{"uri": "https://tpp.test/hook"}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "not in software_api_webhook_uris", giveWebhooks: []string{"https://evil.test/hook"},
			giveSSA: func(c map[string]any) { c[ssaWebhooks] = []string{"https://tpp.test/hook"} }, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "SSA without software_api_webhook_uris", giveWebhooks: []string{"https://tpp.test/hook"},
			giveSSA: func(c map[string]any) { delete(c, ssaWebhooks) }, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "SSA with empty software_api_webhook_uris", giveWebhooks: []string{"https://tpp.test/hook"},
			giveSSA: func(c map[string]any) { c[ssaWebhooks] = []string{} }, wantCode: dcr.CodeInvalidWebhookURIs},
	}
}

// request builds tt's SSA claims and request body.
func (tt webhookTest) request(t *testing.T, f *fixture) dcr.Request {
	t.Helper()
	claims := f.brSSAClaims()
	approved := []string{"https://tpp.test/hook", "https://tpp.test/hook2"}
	switch v := tt.giveWebhooks.(type) {
	case []string:
		approved = append(approved, v...)
	case []any:
		for _, s := range v {
			if s, ok := s.(string); ok {
				approved = append(approved, s)
			}
		}
	case string:
		approved = append(approved, v)
	}
	claims[ssaWebhooks] = approved
	if tt.giveSSA != nil {
		tt.giveSSA(claims)
	}
	body := brRequest(f.dir.sign(t, claims))
	delete(body, "webhook_uris")
	if tt.giveWebhooks != nil {
		body["webhook_uris"] = tt.giveWebhooks
	}
	return jsonReq(t, body, brCert(t))
}

// checkWebhooks compares the client information response's webhook_uris.
func (tt webhookTest) checkWebhooks(t *testing.T, r *dcr.Registrar, reg *dcr.Registration) {
	t.Helper()
	doc, err := r.Document(reg)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		WebhookURIs *[]string `json:"webhook_uris"`
	}
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	switch {
	case tt.wantWebhooks == nil && got.WebhookURIs != nil:
		t.Errorf("webhook_uris = %v, want absent (%s)", *got.WebhookURIs, doc)
	case tt.wantWebhooks != nil && got.WebhookURIs == nil:
		t.Errorf("webhook_uris absent, want %v (%s)", tt.wantWebhooks, doc)
	case tt.wantWebhooks != nil:
		if d := cmp.Diff(tt.wantWebhooks, *got.WebhookURIs); d != "" {
			t.Errorf("webhook_uris mismatch (-want +got):\n%s", d)
		}
	}
}

// TestRegisterWebhookURIs sends each webhook_uris case as a registration
// and asserts the exact code, or the webhook_uris returned.
func TestRegisterWebhookURIs(t *testing.T) {
	f := newFixture(t)
	for _, tt := range webhookTests() {
		t.Run(tt.name, func(t *testing.T) {
			r := newFixtureLike(f).registrar(t, brProfile())
			reg, err := r.Register(t.Context(), tt.request(t, f))
			wantCode(t, err, tt.wantCode)
			if tt.wantCode == "" {
				tt.checkWebhooks(t, r, reg)
			}
		})
	}
}

// TestUpdateWebhookURIs sends each case as an RFC 7592 update of a client
// registered with webhook_uris: a refused update leaves them as they were.
func TestUpdateWebhookURIs(t *testing.T) {
	f := newFixture(t)
	for _, tt := range webhookTests() {
		t.Run(tt.name, func(t *testing.T) {
			g := newFixtureLike(f)
			r := g.registrar(t, brProfile())
			c, rat := registered(t, g, r)
			reg, err := r.Update(t.Context(), c.ID, tt.request(t, g), dcr.Caller{RAT: rat})
			wantCode(t, err, tt.wantCode)
			if tt.wantCode == "" {
				tt.checkWebhooks(t, r, reg)
				return
			}
			stored, err := g.store.Client(t.Context(), "ws", c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(stored.Metadata.Extra["webhook_uris"]); got != `["https://tpp.test/hook"]` {
				t.Errorf("stored webhook_uris = %s after a refused update, want the registered ones", got)
			}
		})
	}
}

// TestWebhookRulesOptional: a profile without WebhookRules keeps
// webhook_uris as received (FDX, generic keep extension members unchecked).
func TestWebhookRulesOptional(t *testing.T) {
	f := newFixture(t)
	p := brProfile()
	p.Webhooks = nil
	r := f.registrar(t, p)
	body := brRequest(f.dir.sign(t, f.brSSAClaims()))
	body["webhook_uris"] = []string{"http://anything.test/x/"}
	reg, err := r.Register(t.Context(), jsonReq(t, body, brCert(t)))
	if err != nil {
		t.Fatalf("Register() = %v", err)
	}
	if got := string(reg.Client.Metadata.Extra["webhook_uris"]); got != `["http://anything.test/x/"]` {
		t.Errorf("webhook_uris = %s, want kept as received", got)
	}
}

// TestWebhookURIsTypes checks the JSON shape alone: with neither a pattern
// nor an SSA claim to catch them, a non-array or non-string item is still
// invalid_webhook_uris.
func TestWebhookURIsTypes(t *testing.T) {
	f := newFixture(t)
	p := brProfile()
	p.Webhooks = &dcr.WebhookRules{}
	tests := []struct {
		name         string
		giveWebhooks any
		wantCode     string
	}{
		{name: "strings", giveWebhooks: []string{"any string"}},
		{name: "number item", giveWebhooks: []any{"https://tpp.test/hook", 42}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "null item", giveWebhooks: []any{nil}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "array item", giveWebhooks: []any{[]string{"https://tpp.test/hook"}}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "object item", giveWebhooks: []any{map[string]string{"uri": "https://tpp.test/hook"}}, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "string", giveWebhooks: "https://tpp.test/hook", wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "number", giveWebhooks: 1, wantCode: dcr.CodeInvalidWebhookURIs},
		{name: "boolean", giveWebhooks: true, wantCode: dcr.CodeInvalidWebhookURIs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newFixtureLike(f).registrar(t, p)
			body := brRequest(f.dir.sign(t, f.brSSAClaims()))
			body["webhook_uris"] = tt.giveWebhooks
			_, err := r.Register(t.Context(), jsonReq(t, body, brCert(t)))
			wantCode(t, err, tt.wantCode)
		})
	}
}
